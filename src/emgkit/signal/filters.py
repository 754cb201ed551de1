"""Filter design (scipy) and application on time-major arrays.

Functions take ``x`` shaped ``(n_samples, n_channels)`` (or 1-D) in microvolts and an explicit
sampling rate ``fs`` in Hz. Zero-phase filtering equals :func:`scipy.signal.sosfiltfilt` with the
same padding.

Defaults (see docs/signal.md and clinical-anchors.md section 1):

- band-pass 20-450 Hz, 4th-order Butterworth, zero-phase (SENIAM; De Luca et al. 2010);
- high-pass 30 Hz, 4th order for ECG-contaminated trunk channels (Drake & Callaghan 2006);
- no mains notch by default (notches bias amplitude; Physiol Meas 2009;30:353-361).

NOTE: reference implementation on scipy; the numba kernels replace the application step.
"""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import signal as sps

from emgkit.errors import BandLimitWarning, SignalError
from emgkit.signal._checks import as_2d, check_fs, restore_shape

__all__ = [
    "bandpass",
    "design_bandpass",
    "design_highpass",
    "design_lowpass",
    "highpass",
    "lowpass",
    "sosfilt",
    "sosfiltfilt",
]

NyquistPolicy = Literal["adapt", "raise"]


def _check_corner(freq: float, fs: float, name: str, on_nyquist: NyquistPolicy) -> float | None:
    """Validate a corner frequency against Nyquist. Returns the corner to use, or None to drop it."""
    nyq = fs / 2.0
    if not np.isfinite(freq) or freq <= 0:
        raise SignalError(f"{name} corner must be a positive frequency in Hz, got {freq}")
    if freq < nyq * 0.95:
        return float(freq)
    if on_nyquist == "raise":
        raise SignalError(
            f"{name} corner {freq:g} Hz is not below the Nyquist frequency {nyq:g} Hz "
            f"(fs = {fs:g} Hz); lower the corner or pass on_nyquist='adapt'"
        )
    return None


def design_bandpass(
    fs: float,
    low: float = 20.0,
    high: float = 450.0,
    order: int = 4,
    on_nyquist: NyquistPolicy = "adapt",
) -> npt.NDArray[np.float64]:
    """Butterworth band-pass as second-order sections.

    When ``high`` is not below 0.95 x Nyquist (e.g. 450 Hz at fs = 250 Hz), ``on_nyquist='adapt'``
    drops the low-pass corner and designs a high-pass only, with a :class:`BandLimitWarning`
    that says so; ``'raise'`` raises :class:`SignalError`.
    """
    fs = check_fs(fs)
    if order < 1:
        raise SignalError(f"filter order must be >= 1, got {order}")
    lo = _check_corner(low, fs, "high-pass (low)", "raise")
    hi = _check_corner(high, fs, "low-pass (high)", on_nyquist)
    if hi is None:
        warnings.warn(
            f"low-pass corner {high:g} Hz is above 0.95 x Nyquist ({fs / 2:g} Hz at fs = {fs:g} Hz): "
            f"applying only the {low:g} Hz high-pass; the signal is band-limited by the hardware",
            BandLimitWarning,
            stacklevel=3,
        )
        return np.asarray(sps.butter(order, lo, btype="highpass", fs=fs, output="sos"))
    if lo is not None and lo >= hi:
        raise SignalError(f"band-pass low corner {low:g} Hz must be below high corner {high:g} Hz")
    return np.asarray(sps.butter(order, [lo, hi], btype="bandpass", fs=fs, output="sos"))


def design_highpass(fs: float, cutoff: float = 30.0, order: int = 4) -> npt.NDArray[np.float64]:
    """Butterworth high-pass as second-order sections."""
    fs = check_fs(fs)
    c = _check_corner(cutoff, fs, "high-pass", "raise")
    return np.asarray(sps.butter(order, c, btype="highpass", fs=fs, output="sos"))


def design_lowpass(fs: float, cutoff: float = 6.0, order: int = 4) -> npt.NDArray[np.float64]:
    """Butterworth low-pass as second-order sections."""
    fs = check_fs(fs)
    c = _check_corner(cutoff, fs, "low-pass", "raise")
    return np.asarray(sps.butter(order, c, btype="lowpass", fs=fs, output="sos"))


def sosfiltfilt(sos: npt.ArrayLike, x: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Zero-phase filtering along axis 0, equal to ``scipy.signal.sosfiltfilt(sos, x, axis=0)``."""
    arr, was_1d = as_2d(x)
    sos_a = np.asarray(sos, dtype=np.float64)
    padlen = 3 * (2 * len(sos_a) + 1 - min((sos_a[:, 2] == 0).sum(), (sos_a[:, 5] == 0).sum()))
    if arr.shape[0] <= padlen:
        raise SignalError(
            f"signal of {arr.shape[0]} samples is too short for zero-phase filtering "
            f"(needs more than {padlen})"
        )
    y = sps.sosfiltfilt(sos_a, arr, axis=0)
    return restore_shape(np.ascontiguousarray(y), was_1d)


def sosfilt(sos: npt.ArrayLike, x: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Causal filtering along axis 0 from rest, equal to ``scipy.signal.sosfilt(sos, x, axis=0)``."""
    arr, was_1d = as_2d(x)
    y = sps.sosfilt(np.asarray(sos, dtype=np.float64), arr, axis=0)
    return restore_shape(np.ascontiguousarray(y), was_1d)


def bandpass(
    x: npt.ArrayLike,
    fs: float,
    low: float = 20.0,
    high: float = 450.0,
    order: int = 4,
    zero_phase: bool = True,
    on_nyquist: NyquistPolicy = "adapt",
) -> npt.NDArray[np.float64]:
    """Butterworth band-pass of ``x`` (default 20-450 Hz, 4th order, zero-phase)."""
    sos = design_bandpass(fs, low, high, order, on_nyquist)
    return sosfiltfilt(sos, x) if zero_phase else sosfilt(sos, x)


def highpass(
    x: npt.ArrayLike, fs: float, cutoff: float = 30.0, order: int = 4, zero_phase: bool = True
) -> npt.NDArray[np.float64]:
    """Butterworth high-pass (default 30 Hz, 4th order: ECG removal on trunk channels)."""
    sos = design_highpass(fs, cutoff, order)
    return sosfiltfilt(sos, x) if zero_phase else sosfilt(sos, x)


def lowpass(
    x: npt.ArrayLike, fs: float, cutoff: float = 6.0, order: int = 4, zero_phase: bool = True
) -> npt.NDArray[np.float64]:
    """Butterworth low-pass (e.g. the 6 Hz linear envelope of a rectified signal)."""
    sos = design_lowpass(fs, cutoff, order)
    return sosfiltfilt(sos, x) if zero_phase else sosfilt(sos, x)
