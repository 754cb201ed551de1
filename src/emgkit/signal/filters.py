"""Filter design (scipy) and application on time-major arrays.

Functions take ``x`` shaped ``(n_samples, n_channels)`` (or 1-D) in microvolts and an explicit
sampling rate ``fs`` in Hz. Zero-phase filtering equals :func:`scipy.signal.sosfiltfilt` with the
same padding.

Defaults (see docs/signal.md and clinical-anchors.md section 1):

- band-pass 20-450 Hz, 4th-order Butterworth, zero-phase (SENIAM; De Luca et al. 2010);
- high-pass 30 Hz, 4th order for ECG-contaminated trunk channels (Drake & Callaghan 2006);
- no mains notch by default (notches bias amplitude; Physiol Meas 2009;30:353-361).

Design uses scipy (``butter(..., output='sos')``); application runs numba kernels
(:mod:`emgkit.signal._kernels`) on time-major arrays.
"""

from __future__ import annotations

import functools
import warnings
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import signal as sps

from emgkit.errors import BandLimitWarning, SignalError
from emgkit.signal import _kernels as _k
from emgkit.signal._checks import as_2d, check_fs, check_out, restore_shape

__all__ = [
    "NyquistPolicy",
    "bandpass",
    "channel_coefficients",
    "design_bandpass",
    "design_highpass",
    "design_lowpass",
    "highpass",
    "lowpass",
    "sos_padlen",
    "sosfilt",
    "sosfiltfilt",
]

NyquistPolicy = Literal["adapt", "raise"]


def _check_corner(freq: float, fs: float, name: str, on_nyquist: NyquistPolicy) -> float | None:
    """Validate a corner frequency against Nyquist: the corner to use, or None to drop it."""
    nyq = fs / 2.0
    try:
        freq = float(freq)
    except (TypeError, ValueError):
        raise SignalError(f"{name} corner must be a frequency in Hz, got {freq!r}") from None
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


def _corner(freq: float, fs: float, name: str) -> float:
    c = _check_corner(freq, fs, name, "raise")
    if c is None:  # pragma: no cover - "raise" never returns None
        raise SignalError(f"{name} corner {freq!r} is not usable at fs = {fs:g} Hz")
    return c


def _check_order(order: int) -> None:
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or not 1 <= order <= 16:
        raise SignalError(f"filter order must be an integer from 1 to 16, got {order!r}")


_BType = Literal["bandpass", "lowpass", "highpass"]


@functools.lru_cache(maxsize=256)
def _butter_cached(
    order: int, wn: float | tuple[float, float], btype: _BType, fs: float
) -> npt.NDArray[np.float64]:
    sos = np.asarray(sps.butter(order, wn, btype=btype, fs=fs, output="sos"), dtype=np.float64)
    sos.flags.writeable = False
    return sos


def _butter(
    order: int, wn: float | tuple[float, float], btype: _BType, fs: float
) -> npt.NDArray[np.float64]:
    """``scipy.signal.butter(..., output="sos")``, designed once per (order, corners, type, fs).

    The analysis asks for the same few filters thousands of times (one low-pass per onset
    window); a copy is returned so callers may modify it.
    """
    return _butter_cached(int(order), wn, btype, float(fs)).copy()


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

    Parameters
    ----------
    fs : float
        Sampling rate in Hz.
    low : float
        High-pass (lower) corner in Hz; 20 Hz by default (SENIAM; De Luca et al. 2010).
    high : float
        Low-pass (upper) corner in Hz; 450 Hz by default.
    order : int
        Butterworth order of each edge, 1 to 16 (scipy's ``butter`` order).
    on_nyquist : {'adapt', 'raise'}
        What to do when ``high`` is not below 0.95 x Nyquist: drop it with a warning, or raise.

    Returns
    -------
    numpy.ndarray
        Second-order sections, shape ``(n_sections, 6)``, as ``scipy.signal.butter(...,
        output='sos')``.

    Raises
    ------
    SignalError
        ``fs`` or a corner is not a positive finite number, ``order`` is out of range, ``low``
        is not below ``high``, or a corner is not below 0.95 x Nyquist (``low`` always,
        ``high`` with ``on_nyquist='raise'``).
    """
    fs = check_fs(fs)
    _check_order(order)
    lo = _corner(low, fs, "high-pass (low)")
    hi = _check_corner(high, fs, "low-pass (high)", on_nyquist)
    if hi is None:
        warnings.warn(
            f"low-pass corner {high:g} Hz is above 0.95 x Nyquist ({fs / 2:g} Hz at "
            f"fs = {fs:g} Hz): applying only the {low:g} Hz high-pass; the signal is "
            "band-limited by the hardware",
            BandLimitWarning,
            stacklevel=3,
        )
        return _butter(order, lo, "highpass", fs)
    if lo >= hi:
        raise SignalError(f"band-pass low corner {low:g} Hz must be below high corner {high:g} Hz")
    return _butter(order, (lo, hi), "bandpass", fs)


def design_highpass(fs: float, cutoff: float = 30.0, order: int = 4) -> npt.NDArray[np.float64]:
    """Butterworth high-pass as second-order sections.

    Parameters
    ----------
    fs : float
        Sampling rate in Hz.
    cutoff : float
        Corner frequency in Hz, below 0.95 x Nyquist; 30 Hz by default (ECG removal on trunk
        channels).
    order : int
        Butterworth order, 1 to 16.

    Returns
    -------
    numpy.ndarray
        Second-order sections, shape ``(n_sections, 6)``.

    Raises
    ------
    SignalError
        ``fs`` or ``cutoff`` is not a positive finite number, ``cutoff`` is not below
        0.95 x Nyquist, or ``order`` is out of range.
    """
    fs = check_fs(fs)
    _check_order(order)
    c = _corner(cutoff, fs, "high-pass")
    return _butter(order, c, "highpass", fs)


def design_lowpass(fs: float, cutoff: float = 6.0, order: int = 4) -> npt.NDArray[np.float64]:
    """Butterworth low-pass as second-order sections.

    Parameters
    ----------
    fs : float
        Sampling rate in Hz.
    cutoff : float
        Corner frequency in Hz, below 0.95 x Nyquist; 6 Hz by default (the linear envelope of
        a rectified signal).
    order : int
        Butterworth order, 1 to 16.

    Returns
    -------
    numpy.ndarray
        Second-order sections, shape ``(n_sections, 6)``.

    Raises
    ------
    SignalError
        ``fs`` or ``cutoff`` is not a positive finite number, ``cutoff`` is not below
        0.95 x Nyquist, or ``order`` is out of range.
    """
    fs = check_fs(fs)
    _check_order(order)
    c = _corner(cutoff, fs, "low-pass")
    return _butter(order, c, "lowpass", fs)


def _validate_sos(sos: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Return ``sos`` as a C-contiguous float64 ``(n_sections, 6)`` array with ``a0 == 1``."""
    try:
        s = np.array(sos, dtype=np.float64, ndmin=2)
    except (TypeError, ValueError):
        raise SignalError("sos must be an array of second-order sections, shape (n, 6)") from None
    if s.ndim != 2 or s.shape[1] != 6 or s.shape[0] == 0:
        raise SignalError(
            f"sos must have shape (n_sections, 6) as returned by scipy.signal.butter(..., "
            f"output='sos'), got shape {s.shape}"
        )
    if not np.isfinite(s).all():
        raise SignalError("sos contains NaN/inf coefficients; check the filter design")
    if not (s[:, 3] == 1.0).all():
        raise SignalError("sos[:, 3] (a0 of every section) must be 1; normalise the design")
    return np.ascontiguousarray(s)


def sos_padlen(sos: npt.ArrayLike) -> int:
    """Odd-extension length used by zero-phase filtering, exactly as scipy's ``sosfiltfilt``.

    ``3 * (2 * n_sections + 1 - min(#(b2 == 0), #(a2 == 0)))``.
    """
    s = _validate_sos(sos)
    ntaps = 2 * len(s) + 1 - min(int((s[:, 2] == 0).sum()), int((s[:, 5] == 0).sum()))
    return 3 * ntaps


def channel_coefficients(
    sos_per_channel: list[npt.NDArray[np.float64] | None],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Blocked per-channel kernel coefficients and unit initial conditions.

    Returns ``coef`` of shape ``(n_blocks, ns4, 5, LANES)`` (b0, b1, b2, a1, a2) and ``zi`` of shape
    ``(n_blocks, ns4, 2, LANES)`` (``scipy.signal.sosfilt_zi`` of each channel's design), where
    ``ns4`` is the largest section count rounded up to a multiple of 4. ``None`` means "do not
    filter this channel". Missing sections and lanes past the last channel are identity sections
    (b0 = 1, rest 0), which pass samples through bit for bit.
    """
    lanes = _k.LANES
    designs = [None if s is None else _validate_sos(s) for s in sos_per_channel]
    ns = max([1] + [len(s) for s in designs if s is not None])
    ns4 = 4 * ((ns + 3) // 4)
    nc = len(designs)
    nb = (nc + lanes - 1) // lanes
    coef = np.zeros((nb, ns4, 5, lanes))
    zi = np.zeros((nb, ns4, 2, lanes))
    coef[:, :, 0, :] = 1.0
    for c, s in enumerate(designs):
        if s is None:
            continue
        cs, zs = _section_coefficients(s.tobytes(), len(s))
        b, j = divmod(c, lanes)
        coef[b, : len(s), :, j] = cs
        zi[b, : len(s), :, j] = zs
    return coef, zi


@functools.lru_cache(maxsize=256)
def _section_coefficients(
    sos_bytes: bytes, n_sections: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """(b0, b1, b2, a1, a2) rows and ``scipy.signal.sosfilt_zi`` of one validated design (cached).

    The onset detector filters every rep window with the same few designs; ``sosfilt_zi`` solves
    a linear system per section, so it is computed once per design. Read-only results.
    """
    s = np.frombuffer(sos_bytes, dtype=np.float64).reshape(n_sections, 6)
    cs = s[:, [0, 1, 2, 4, 5]]
    zs = np.asarray(sps.sosfilt_zi(s), dtype=np.float64)
    cs.flags.writeable = False
    zs.flags.writeable = False
    return cs, zs


def _broadcast_design(
    sos: npt.NDArray[np.float64], n_channels: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    return channel_coefficients([sos] * n_channels)


def _scratch() -> npt.NDArray[np.float64]:
    return np.zeros((_k.TILE, _k.LANES))


def _check_padlen(n_samples: int, padlen: int) -> None:
    if n_samples <= padlen:
        raise SignalError(
            f"signal of {n_samples} samples is too short for zero-phase filtering with this "
            f"design (needs more than {padlen} samples, the odd-extension length); use a longer "
            "segment or causal filtering (zero_phase=False)"
        )


def sosfiltfilt(
    sos: npt.ArrayLike, x: npt.ArrayLike, *, out: npt.NDArray[np.float64] | None = None
) -> npt.NDArray[np.float64]:
    """Zero-phase filtering along axis 0, equal to ``scipy.signal.sosfiltfilt(sos, x, axis=0)``.

    Same odd extension (``padlen = 3 * (2 * n_sections + 1 - ...)``) and the same
    ``sosfilt_zi`` initial conditions as scipy; computed by a numba kernel on time-major data.

    Parameters
    ----------
    sos : array_like
        Second-order sections, shape ``(n_sections, 6)`` with ``a0 == 1`` in every section.
    x : array_like
        Signal, shape ``(n_samples, n_channels)`` or ``(n_samples,)``, e.g. in microvolts; it
        must be finite and longer than :func:`sos_padlen` samples.
    out : numpy.ndarray, optional
        Where to write the result: a writeable C-contiguous float64 array of the shape of ``x``
        that does not overlap ``x``, returned as is. Reusing one buffer across calls saves the
        first touch of a fresh result (page faults and the kernel's zeroing of new pages; on a
        460 MB result 0.06 s or more of a 0.22 s call, docs/performance.md). Its contents are
        undefined if the call raises.

    Returns
    -------
    numpy.ndarray
        Filtered signal, float64, same shape and unit as ``x``.

    Raises
    ------
    SignalError
        Malformed ``sos``, empty, non-finite or more than 2-D ``x``, ``x`` too short for
        the odd extension, or an ``out`` that is not a writeable C-contiguous float64 array of
        the shape of ``x``, separate from it.
    """
    s = _validate_sos(sos)
    arr, was_1d = as_2d(x)
    padlen = sos_padlen(s)
    _check_padlen(arr.shape[0], padlen)
    coef, zi = _broadcast_design(s, arr.shape[1])
    res = np.empty_like(arr) if out is None else check_out(out, arr, was_1d)
    _k.sosfiltfilt_tm(coef, zi, arr, res, padlen, False, 0, 0)
    return restore_shape(res, was_1d) if out is None else out


def sosfilt(
    sos: npt.ArrayLike, x: npt.ArrayLike, *, out: npt.NDArray[np.float64] | None = None
) -> npt.NDArray[np.float64]:
    """Causal filtering along axis 0 from rest, equal to ``scipy.signal.sosfilt(sos, x, axis=0)``.

    Computed by a numba kernel on time-major data.

    Parameters
    ----------
    sos : array_like
        Second-order sections, shape ``(n_sections, 6)`` with ``a0 == 1`` in every section.
    x : array_like
        Signal, shape ``(n_samples, n_channels)`` or ``(n_samples,)``, e.g. in microvolts;
        must be finite.
    out : numpy.ndarray, optional
        Where to write the result: a writeable C-contiguous float64 array of the shape of ``x``
        that does not overlap ``x``, returned as is. Reusing one buffer across calls saves the
        first touch of a fresh result (page faults and the kernel's zeroing of new pages; on a
        460 MB result 0.06 s or more of a 0.22 s call, docs/performance.md). Its contents are
        undefined if the call raises.

    Returns
    -------
    numpy.ndarray
        Filtered signal, float64, same shape and unit as ``x`` (delayed by the filter's phase).

    Raises
    ------
    SignalError
        Malformed ``sos``, empty, non-finite or more than 2-D ``x``, or a bad ``out``.
    """
    s = _validate_sos(sos)
    arr, was_1d = as_2d(x)
    coef, _ = _broadcast_design(s, arr.shape[1])
    res = np.empty_like(arr) if out is None else check_out(out, arr, was_1d)
    _k.sosfilt_tm(coef, np.zeros((*coef.shape[:2], 2, _k.LANES)), arr, res, _scratch())
    return restore_shape(res, was_1d) if out is None else out


def bandpass(
    x: npt.ArrayLike,
    fs: float,
    low: float = 20.0,
    high: float = 450.0,
    order: int = 4,
    zero_phase: bool = True,
    on_nyquist: NyquistPolicy = "adapt",
    *,
    out: npt.NDArray[np.float64] | None = None,
) -> npt.NDArray[np.float64]:
    """Butterworth band-pass of ``x`` (default 20-450 Hz, 4th order, zero-phase).

    Parameters
    ----------
    x : array_like
        Signal, shape ``(n_samples, n_channels)`` or ``(n_samples,)``, in microvolts; must be
        finite.
    fs : float
        Sampling rate in Hz.
    low, high : float
        Lower and upper corners in Hz (see :func:`design_bandpass`).
    order : int
        Butterworth order of each edge, 1 to 16.
    zero_phase : bool
        Filter forward and backward (:func:`sosfiltfilt`: no phase delay, magnitude response
        squared) when True; causal :func:`sosfilt` from rest when False.
    on_nyquist : {'adapt', 'raise'}
        Drop ``high`` with a :class:`BandLimitWarning` when it is not below 0.95 x Nyquist
        (``'adapt'``), or raise :class:`SignalError` (``'raise'``).
    out : numpy.ndarray, optional
        Write the result here (see :func:`sosfiltfilt`); returned as is.

    Returns
    -------
    numpy.ndarray
        Filtered signal, float64, same shape and unit as ``x``.

    Raises
    ------
    SignalError
        Invalid ``fs``, corner or ``order``, bad ``x`` or ``out``, or (zero-phase) ``x``
        shorter than the odd extension.
    """
    sos = design_bandpass(fs, low, high, order, on_nyquist)
    return sosfiltfilt(sos, x, out=out) if zero_phase else sosfilt(sos, x, out=out)


def highpass(
    x: npt.ArrayLike,
    fs: float,
    cutoff: float = 30.0,
    order: int = 4,
    zero_phase: bool = True,
    *,
    out: npt.NDArray[np.float64] | None = None,
) -> npt.NDArray[np.float64]:
    """Butterworth high-pass (default 30 Hz, 4th order: ECG removal on trunk channels).

    Parameters
    ----------
    x : array_like
        Signal, shape ``(n_samples, n_channels)`` or ``(n_samples,)``, in microvolts; must be
        finite.
    fs : float
        Sampling rate in Hz.
    cutoff : float
        Corner frequency in Hz (Drake & Callaghan 2006 for the 30 Hz default).
    order : int
        Butterworth order, 1 to 16.
    zero_phase : bool
        Filter forward and backward (:func:`sosfiltfilt`: no phase delay, magnitude response
        squared) when True; causal :func:`sosfilt` from rest when False.
    out : numpy.ndarray, optional
        Write the result here (see :func:`sosfiltfilt`); returned as is.

    Returns
    -------
    numpy.ndarray
        Filtered signal, float64, same shape and unit as ``x``.

    Raises
    ------
    SignalError
        Invalid ``fs``, corner or ``order``, bad ``x`` or ``out``, or (zero-phase) ``x``
        shorter than the odd extension.
    """
    sos = design_highpass(fs, cutoff, order)
    return sosfiltfilt(sos, x, out=out) if zero_phase else sosfilt(sos, x, out=out)


def lowpass(
    x: npt.ArrayLike,
    fs: float,
    cutoff: float = 6.0,
    order: int = 4,
    zero_phase: bool = True,
    *,
    out: npt.NDArray[np.float64] | None = None,
) -> npt.NDArray[np.float64]:
    """Butterworth low-pass (e.g. the 6 Hz linear envelope of a rectified signal).

    Parameters
    ----------
    x : array_like
        Signal, shape ``(n_samples, n_channels)`` or ``(n_samples,)``, in microvolts; must be
        finite.
    fs : float
        Sampling rate in Hz.
    cutoff : float
        Corner frequency in Hz.
    order : int
        Butterworth order, 1 to 16.
    zero_phase : bool
        Filter forward and backward (:func:`sosfiltfilt`: no phase delay, magnitude response
        squared) when True; causal :func:`sosfilt` from rest when False.
    out : numpy.ndarray, optional
        Write the result here (see :func:`sosfiltfilt`); returned as is.

    Returns
    -------
    numpy.ndarray
        Filtered signal, float64, same shape and unit as ``x``.

    Raises
    ------
    SignalError
        Invalid ``fs``, corner or ``order``, bad ``x`` or ``out``, or (zero-phase) ``x``
        shorter than the odd extension.
    """
    sos = design_lowpass(fs, cutoff, order)
    return sosfiltfilt(sos, x, out=out) if zero_phase else sosfilt(sos, x, out=out)
