"""Live acquisition: byte parsers (pure), transports (ports, threads), recorder.

This package's ``__init__`` imports nothing heavy, so command-line modules can read
:data:`DEVICES` without loading the acquisition stack.
"""

__all__ = ["DEVICES"]

#: Device kinds emgkit records from; ``emulated-*`` run the real serial path against an emulator
#: on a pseudo-terminal.
DEVICES = (
    "cyton",
    "cyton-daisy",
    "arduino",
    "emulated-cyton",
    "emulated-cyton-daisy",
    "emulated-arduino",
)
