"""Subcommands of the lab-recording use: ``emgkit record``, ``recover``, ``devices``.

Only argparse is imported at module level; the handlers import the acquisition stack.
"""

from __future__ import annotations

import argparse

from emgkit.cli._args import Handler, add_device_fs, add_montage, add_port, add_subject
from emgkit.devices.registry import device_choices

_EPILOG_RECORD = """\
examples:
  emgkit devices                                     find the serial port first
  emgkit record cyton --port /dev/ttyUSB0 --out s01.bdf --subject P007
  emgkit record arduino --port /dev/ttyACM0 --fs 2000 --out s01.bdf
  emgkit record emulated-arduino --duration 10 --out test.bdf   (no hardware: synthetic subject)

While recording: m = marker, 0-9 = pain rating, q = stop (Ctrl-C also stops cleanly).
The journal (raw bytes, flushed every second) is kept until the BDF+ is verified; after a crash
run `emgkit recover JOURNAL_DIR`.
"""


def register(sub: argparse._SubParsersAction, table: dict[str, Handler]) -> None:
    """Add ``record``, ``recover`` and ``devices``."""
    p = sub.add_parser(
        "record",
        help="record a session from a Cyton or our Arduino sketch (or an emulator)",
        description=(
            "Stream sEMG from a serial device into a crash-safe journal and finalise it as BDF+ "
            "with markers and gaps. Emulated devices run the real serial path on a "
            "pseudo-terminal with a synthetic subject."
        ),
        epilog=_EPILOG_RECORD,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("device", choices=device_choices(), help="device kind")
    add_port(p)
    p.add_argument("--out", required=True, help="output session file (.bdf)")
    add_montage(p, default="bridge6")
    p.add_argument("--duration", type=float, help="stop after this many seconds")
    add_device_fs(p)
    add_subject(p)
    p.add_argument("--no-live", action="store_true", help="no live terminal view")
    p.add_argument(
        "--lsl",
        metavar="NAME",
        help="also publish the stream over Lab Streaming Layer under NAME (needs emgkit[lsl])",
    )
    p.add_argument(
        "--lsl-wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="hold samples until an LSL consumer (e.g. LabRecorder) connects",
    )
    table["record"] = _record

    p = sub.add_parser(
        "recover",
        help="rebuild a session from a journal left by a crash or power loss",
        description=(
            "Re-parse a recording journal (header.json, stream.bin, events.jsonl) with the same "
            "parser as the live recorder and write the session as BDF+. A torn last record is "
            "skipped; everything flushed before the crash is kept."
        ),
        epilog=(
            "examples:\n"
            "  emgkit recover s01.bdf.journal\n"
            "  emgkit recover s01.bdf.journal recovered.bdf\n"
            "  emgkit recover session/segment-02.bdf.journal   (a guided session: or --resume it)\n"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("journal", help="journal folder (e.g. s01.bdf.journal)")
    p.add_argument("out", nargs="?", help="output .bdf (default: next to the journal)")
    table["recover"] = _recover

    p = sub.add_parser(
        "devices",
        help="list serial ports and identify a Cyton dongle or our sketch on them",
        description="List serial ports; probe each (with timeouts) for a Cyton or emgkit sketch.",
        epilog=(
            "examples:\n"
            "  emgkit devices\n"
            "  emgkit devices --no-probe      (list only; opens no port)\n"
            "then: emgkit record cyton --port /dev/ttyUSB0 --out s01.bdf\n"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--no-probe", action="store_true", help="list ports without probing them")
    table["devices"] = _devices


def check_fs(device: str, fs: float, n_channels: int | None = None) -> None:
    """Refuse a ``--fs`` the device cannot stream at, before anything is started.

    Parameters
    ----------
    device : str
        Device name (``emulated-`` prefix allowed).
    fs : float
        The rate asked for with ``--fs``, Hz.
    n_channels : int, optional
        Channels to stream (default: the device's).

    Raises
    ------
    ConfigError
        ``fs`` not positive, not one of a fixed-rate device's rates, not a whole number of
        Hz for the Arduino sketch, or (emulated sketch) above its aggregate conversion rate.
        A real sketch reports its own limit on connection and refuses a rate above it.
    """
    import math

    from emgkit.devices.registry import get_device
    from emgkit.errors import ConfigError

    spec = get_device(device)
    if not (math.isfinite(fs) and fs > 0):
        raise ConfigError(f"--fs must be a positive rate in Hz, got {fs:g}")
    if spec.fs_options:
        if not any(abs(fs - o) < 1e-9 for o in spec.fs_options):
            rates = ", ".join(f"{o:g}" for o in spec.fs_options)
            raise ConfigError(
                f"--fs {fs:g}: {spec.name} streams at {rates} Hz only; leave --fs out"
            )
        return
    if not float(fs).is_integer():
        raise ConfigError(f"--fs must be a whole number of Hz for {spec.name}, got {fs:g}")
    nch = int(n_channels or spec.n_channels)
    if device.startswith("emulated-"):
        import numpy as np

        max_rate = getattr(spec.model(np.zeros((2, nch)), fs=1000.0), "max_rate_hz", None)
        if isinstance(max_rate, int) and fs * nch > max_rate:
            raise ConfigError(
                f"--fs {fs:g}: {nch} channels x {fs:g} Hz exceeds the emulated sketch's "
                f"{max_rate} conversions per second; use --fs {max_rate // nch} or less"
            )


def _record(args: argparse.Namespace) -> int:
    from emgkit.app.record import record
    from emgkit.errors import ConfigError

    if not args.device.startswith("emulated") and not args.port:
        raise ConfigError(f"--port is required for {args.device}; run `emgkit devices` to find it")
    if args.fs is not None:
        check_fs(args.device, args.fs)
    path = record(
        args.device,
        args.port,
        montage=args.montage,
        out=args.out,
        duration=args.duration,
        live=not args.no_live,
        fs=args.fs,
        subject=args.subject,
        lsl=args.lsl,
        lsl_wait=args.lsl_wait,
    )
    print(f"session (BDF+): {path}")
    return 0


def _recover(args: argparse.Namespace) -> int:
    from emgkit.acquisition.recorder import recover

    path = recover(args.journal, args.out)
    print(f"recovered session (BDF+): {path}")
    return 0


def _devices(args: argparse.Namespace) -> int:
    from emgkit.acquisition.ports import list_devices

    found = list_devices(probe=not args.no_probe)
    if not found:
        print("no serial ports found (is the dongle/board plugged in? on Linux: dialout group)")
        return 0
    print(f"{'port':<20} {'device':<14} {'description':<28} detail")
    for d in found:
        vidpid = f" [{d.vid:04x}:{d.pid:04x}]" if d.vid is not None and d.pid is not None else ""
        print(f"{d.port:<20} {d.kind:<14} {(d.description + vidpid)[:28]:<28} {d.detail}")
    return 0
