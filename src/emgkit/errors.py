"""The exception and warning hierarchy of emgkit.

Every error emgkit raises on purpose derives from :class:`EmgkitError`, so callers can catch
the whole family with one ``except``. Each subclass also derives from the closest built-in
exception (``ValueError``, ``OSError``) so that generic code keeps working.

Messages say what is wrong *and* what to do about it.
"""

from __future__ import annotations

__all__ = [
    "BandLimitWarning",
    "ConfigError",
    "DeviceError",
    "EmgkitError",
    "EmgkitWarning",
    "FormatError",
    "GapWarning",
    "RecordingError",
    "SignalError",
    "SignalQualityWarning",
]


class EmgkitError(Exception):
    """Base class of every error emgkit raises on purpose."""


class ConfigError(EmgkitError, ValueError):
    """A configuration value (montage, protocol, parameter) is invalid."""


class SignalError(EmgkitError, ValueError):
    """An array or sampling rate cannot support the requested computation."""


class FormatError(EmgkitError, ValueError):
    """A file or byte stream is malformed: names the file, the line or byte, and what was expected.

    Raised for unreadable input; the message says where and what was expected.
    """


class DeviceError(EmgkitError, OSError):
    """A serial device is missing, silent, or answers something unexpected."""


class RecordingError(EmgkitError, OSError):
    """Writing or finalising a recording failed (e.g. the disk is full)."""


class EmgkitWarning(UserWarning):
    """Base class of emgkit's warnings."""


class BandLimitWarning(EmgkitWarning):
    """The sampling rate or hardware bandwidth limits what a metric can mean (e.g. 250 Hz Cyton)."""


class SignalQualityWarning(EmgkitWarning):
    """A channel looks flat, clipped, or dominated by mains or motion."""


class GapWarning(EmgkitWarning):
    """Samples are missing inside a window used by a metric."""
