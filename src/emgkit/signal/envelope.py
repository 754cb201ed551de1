"""Amplitude envelopes: rectification, moving RMS, linear envelope, Teager-Kaiser energy.

Defaults (clinical-anchors.md section 1): moving RMS of 100 ms for amplitude
(St-Amant, Rancourt & Clancy 1996), 25-50 ms for timing displays; linear envelope = full-wave
rectification then a 4th-order 6 Hz low-pass.

Moving RMS and TKEO run numba kernels (:mod:`emgkit.signal._kernels`); the moving RMS uses a
running add/subtract sum, recomputed exactly every window, instead of a cumsum (which drifts
with recording length).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from emgkit.signal import _kernels as _k
from emgkit.signal._checks import as_2d, check_fs, check_window, restore_shape
from emgkit.signal.filters import (
    _broadcast_design,
    _check_padlen,
    design_lowpass,
    sos_padlen,
)

__all__ = ["linear_envelope", "moving_rms", "rectify", "tkeo"]


def rectify(x: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Full-wave rectification, ``|x|``."""
    arr, was_1d = as_2d(x)
    return restore_shape(np.abs(arr), was_1d)


def moving_rms(
    x: npt.ArrayLike, fs: float, window: float = 0.1, center: bool = True
) -> npt.NDArray[np.float64]:
    """Moving root-mean-square over ``window`` seconds.

    Parameters
    ----------
    x : array_like, shape (n_samples,) or (n_samples, n_channels)
    fs : float
        Sampling rate in Hz.
    window : float
        Window length in seconds (default 0.1 s = 100 ms).
    center : bool
        Centre the window on each sample (offline, no lag). False: trailing window (causal),
        equal to the streaming envelope.

    Returns
    -------
    ndarray, same shape as ``x``
        At the edges the window is truncated to the available samples.
    """
    fs = check_fs(fs)
    arr, was_1d = as_2d(x)
    n = check_window(window, fs, arr.shape[0])
    out = np.empty_like(arr)
    _k.moving_rms_tm(arr, out, n, n // 2 if center else n - 1)
    return restore_shape(out, was_1d)


def linear_envelope(
    x: npt.ArrayLike, fs: float, cutoff: float = 6.0, order: int = 4
) -> npt.NDArray[np.float64]:
    """Full-wave rectification followed by a zero-phase Butterworth low-pass (default 6 Hz).

    Rectification is fused into the filter kernel (no rectified copy is made).

    Parameters
    ----------
    x : array_like, shape (n_samples,) or (n_samples, n_channels)
        Band-passed EMG in microvolts; must be finite.
    fs : float
        Sampling rate in Hz.
    cutoff : float
        Low-pass corner in Hz (default 6 Hz; clinical-anchors.md section 1).
    order : int
        Butterworth order of the design, 1 to 16 (default 4); run forward and backward, the
        effective order is doubled.

    Returns
    -------
    ndarray, same shape as ``x``
        Linear envelope in microvolts.

    Raises
    ------
    SignalError
        Bad ``fs``, ``cutoff`` or ``order``, empty / 3-D / non-finite input, or a signal too
        short for the zero-phase padding.
    """
    sos = design_lowpass(fs, cutoff, order)
    arr, was_1d = as_2d(x)
    padlen = sos_padlen(sos)
    _check_padlen(arr.shape[0], padlen)
    coef, zi = _broadcast_design(sos, arr.shape[1])
    out = np.empty_like(arr)
    _k.sosfiltfilt_tm(coef, zi, arr, out, padlen, True, 0, 0)
    return restore_shape(out, was_1d)


def tkeo(x: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Teager-Kaiser energy operator, ``psi[n] = x[n]^2 - x[n-1] x[n+1]``.

    The first and last samples repeat their neighbours' values (same length as ``x``).
    Li, Zhou & Aruin 2007 (Ann Biomed Eng 35:1532-1538); Solnik et al. 2008.
    """
    arr, was_1d = as_2d(x)
    y = np.empty_like(arr)
    _k.tkeo_tm(arr, y)
    return restore_shape(y, was_1d)
