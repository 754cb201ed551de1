"""emgkit: surface EMG acquisition and analysis for the gluteal bridge test.

Quick start: a synthetic subject whose right glute max is inhibited (no hardware, no files)

>>> from emgkit.simulate import synthesize_session
>>> from emgkit.analysis import analyze_bridge
>>> rec, truth = synthesize_session("right_inhibition", fs=1000, seed=1)
>>> rec.n_channels, rec.fs
(6, 1000.0)
>>> result = analyze_bridge(rec)
>>> {"symmetry_angle", "lower_side"} <= set(result.symmetry.columns)
True

A file goes through :func:`emgkit.io.read` (``emgkit.io.read("s01.bdf", montage="bridge6")``);
a live recording through :func:`emgkit.app.record.record`. See ``docs/quickstart.md`` and
``docs/architecture.md`` (where each concept lives).
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
