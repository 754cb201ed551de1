"""A simple, independent sEMG carrier: stationary coloured Gaussian noise (validation only).

This is the signal model of the independent check in issue 10 ("numbers a clinician can
trust"), kept deliberately different from the subject's carrier (:mod:`emgkit.simulate._noise`,
an FFT-shaped Shwedyk spectrum): white Gaussian noise through a causal IIR band-pass (a
second-order Butterworth high-pass at ``fl`` and a second-order Butterworth low-pass at ``fh``,
applied with ``lfilter``), scaled to unit overall RMS. With the defaults (45 and 150 Hz) the
spectrum peaks near 80 Hz with a median frequency near 95 Hz, a Stulen/De Luca-like shape.

The carrier is stationary: it is never re-normalised locally, so a 500 ms envelope mean has the
estimation variance real sEMG has (coefficient of variation about 5 % on its own).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy.signal import butter, freqz, lfilter

__all__ = ["coloured_carrier", "coloured_response"]

#: Default corners (Hz) of the band-pass.
CORNERS_HZ = (45.0, 150.0)


def _filters(
    fs: float, fl: float, fh: float
) -> list[tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]]:
    out = [butter(2, fl, btype="highpass", fs=fs)]
    if fh < 0.45 * fs:
        out.append(butter(2, fh, btype="lowpass", fs=fs))
    return [(np.asarray(b, dtype=np.float64), np.asarray(a, dtype=np.float64)) for b, a in out]


def coloured_carrier(
    n: int, fs: float, rng: np.random.Generator, corners_hz: tuple[float, float] = CORNERS_HZ
) -> npt.NDArray[np.float64]:
    """Unit-RMS stationary coloured Gaussian noise with an sEMG-like spectrum.

    Parameters
    ----------
    n : int
        Number of samples.
    fs : float
        Sampling rate in Hz.
    rng : numpy.random.Generator
        Source of the white noise.
    corners_hz : (float, float)
        High-pass and low-pass corners in Hz.

    Returns
    -------
    ndarray, shape (n,)
        The carrier (expected RMS 1; the first 0.2 s are a filter warm-up, discarded).
    """
    warm = int(0.2 * fs)
    y = rng.standard_normal(n + warm)
    for b, a in _filters(fs, *corners_hz):
        y = lfilter(b, a, y)
    _, p = coloured_response(fs, corners_hz, n_freq=4096)
    # expected output power of unit white noise = mean |H|^2 over 0..fs/2
    y = y[warm:] / np.sqrt(np.mean(p))
    return np.asarray(y, dtype=np.float64)


def coloured_response(
    fs: float, corners_hz: tuple[float, float] = CORNERS_HZ, n_freq: int = 4096
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Frequencies (Hz, 0..fs/2) and power response ``|H(f)|^2`` of the carrier's filter.

    Parameters
    ----------
    fs : float
        Sampling rate in Hz.
    corners_hz : (float, float)
        High-pass and low-pass corners in Hz; the low-pass is left out when its corner is not
        below 0.45 x ``fs``.
    n_freq : int
        Number of frequencies, evenly spaced from 0 Hz up to (not including) fs / 2.

    Returns
    -------
    f : ndarray, shape (n_freq,)
        Frequencies in Hz.
    p : ndarray, shape (n_freq,)
        Power gain (dimensionless) of the cascaded filters at ``f``; the carrier's PSD is
        proportional to it.
    """
    f = np.linspace(0.0, fs / 2, n_freq, endpoint=False)
    p = np.ones_like(f)
    for b, a in _filters(fs, *corners_hz):
        _, h = freqz(b, a, worN=f, fs=fs)
        p = p * np.abs(h) ** 2
    return f, p
