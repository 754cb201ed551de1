"""emgkit: surface EMG acquisition and analysis for the gluteal bridge test.

Quick start (Jupyter)::

    import emgkit
    rec, truth = emgkit.simulate.synthesize_session(profile="right_inhibition", seed=1)
    rec.to_dataframe().head()

See ``docs/quickstart.md``.
"""

from __future__ import annotations

from emgkit._version import __version__
from emgkit.errors import (
    BandLimitWarning,
    ConfigError,
    DeviceError,
    EmgkitError,
    EmgkitWarning,
    FormatError,
    RecordingError,
    SignalError,
)
from emgkit.montage import Montage, load_montage
from emgkit.protocol import Protocol, Trial, load_protocol
from emgkit.recording import Channel, Event, Gap, Recording, SessionInfo, SignalKind

__all__ = [
    "BandLimitWarning",
    "Channel",
    "ConfigError",
    "DeviceError",
    "EmgkitError",
    "EmgkitWarning",
    "Event",
    "FormatError",
    "Gap",
    "Montage",
    "Protocol",
    "Recording",
    "RecordingError",
    "SessionInfo",
    "SignalError",
    "SignalKind",
    "Trial",
    "__version__",
    "load_montage",
    "load_protocol",
]
