"""The sEMG amplitude chain in one call: band-pass, rectify, moving RMS.

Defaults (clinical-anchors.md sections 1 and 9; docs/signal.md):

- band-pass 20-450 Hz, 4th-order Butterworth, zero-phase (run forward and backward);
- 30 Hz low corner instead of 20 Hz on ECG-contaminated trunk channels (``trunk_highpass``;
  Drake & Callaghan 2006, JEK 16:175-187);
- no mains notch (see :func:`remove_mains`);
- 100 ms moving RMS (St-Amant, Rancourt & Clancy 1996).

Envelope channels (``raw_mask`` False, e.g. the MyoWare ENV output) are already rectified and
smoothed by the sensor: they skip the band-pass and only go through the moving RMS.

The filter, rectification (squaring) and moving RMS run as one fused numba pass per direction
(:mod:`emgkit.signal._kernels`); channels with different designs share it.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import signal as sps

from emgkit.errors import SignalError
from emgkit.signal import _kernels as _k
from emgkit.signal._checks import (
    as_2d,
    check_fs,
    check_out,
    check_positive,
    check_window,
    restore_shape,
)
from emgkit.signal.filters import (
    NyquistPolicy,
    _check_padlen,
    _scratch,
    channel_coefficients,
    design_bandpass,
    sos_padlen,
    sosfiltfilt,
)

__all__ = ["TRUNK_HIGHPASS_HZ", "emg_amplitude", "preprocess", "remove_mains"]

TRUNK_HIGHPASS_HZ = 30.0
"""Low corner on trunk channels (ECG removal; Drake & Callaghan 2006)."""

ColumnSelector = npt.ArrayLike | Sequence[int] | None


def column_mask(sel: ColumnSelector, n_channels: int, name: str, default: bool) -> np.ndarray:
    """Boolean mask of length ``n_channels`` from ``None``, a boolean mask or column indices.

    Parameters
    ----------
    sel : bool mask, column indices or None
        A boolean mask of length ``n_channels``, or integer column indices (negative indices
        count from the end, an empty list selects nothing); ``None`` gives ``default``.
    n_channels : int
        Number of columns of the signal, ``x.shape[1]``.
    name : str
        Argument name used in the error message (e.g. ``"raw_mask"``).
    default : bool
        Value of every column when ``sel`` is ``None``.

    Returns
    -------
    ndarray of bool, shape (n_channels,)
        A new mask (never a view of ``sel``).

    Raises
    ------
    SignalError
        A mask of the wrong length, non-integer indices, or an index outside the columns.
    """
    if sel is None:
        return np.full(n_channels, default, dtype=bool)
    arr = np.asarray(sel)
    if arr.dtype == bool:
        if arr.shape != (n_channels,):
            raise SignalError(
                f"{name} must be a boolean mask of length n_channels = {n_channels}, "
                f"got shape {arr.shape}"
            )
        return arr.copy()
    if arr.size == 0:
        return np.zeros(n_channels, dtype=bool)
    if arr.ndim != 1 or not np.issubdtype(arr.dtype, np.integer):
        raise SignalError(f"{name} must be a boolean mask or a list of column indices, got {sel!r}")
    if arr.min() < -n_channels or arr.max() >= n_channels:
        raise SignalError(f"{name} has a column index outside 0..{n_channels - 1}: {sel!r}")
    mask = np.zeros(n_channels, dtype=bool)
    mask[arr] = True
    return mask


def channel_designs(
    fs: float,
    n_channels: int,
    band: tuple[float, float],
    order: int,
    trunk_highpass: ColumnSelector,
    raw_mask: ColumnSelector,
    on_nyquist: NyquistPolicy,
) -> list[npt.NDArray[np.float64] | None]:
    """The band-pass design of each column (``None``: envelope channel, not filtered).

    Parameters
    ----------
    fs : float
        Sampling rate in Hz.
    n_channels : int
        Number of columns of the signal.
    band : (float, float)
        Band-pass corners ``(low, high)`` in Hz.
    order : int
        Butterworth order of each design, 1 to 16.
    trunk_highpass : bool mask, column indices or None
        Raw columns whose low corner is raised to :data:`TRUNK_HIGHPASS_HZ` (30 Hz) when
        ``band[0]`` is lower (ECG removal on trunk channels).
    raw_mask : bool mask, column indices or None
        Columns holding raw EMG (``None``: all); the others get ``None`` (not filtered).
    on_nyquist : {"adapt", "raise"}
        Policy when ``band[1]`` is not below 0.95 x Nyquist (see
        :func:`~emgkit.signal.filters.design_bandpass`).

    Returns
    -------
    list of ndarray or None, length n_channels
        Second-order sections ``(n_sections, 6)`` per column; columns with the same design
        share one array.

    Raises
    ------
    SignalError
        ``band`` is not a pair of numbers, a bad column selector, or an invalid design.
    """
    try:
        low, high = (float(band[0]), float(band[1]))
    except (TypeError, ValueError, IndexError):
        raise SignalError(f"band must be (low_hz, high_hz), got {band!r}") from None
    raw = column_mask(raw_mask, n_channels, "raw_mask", True)
    trunk = column_mask(trunk_highpass, n_channels, "trunk_highpass", False) & raw
    designs: list[npt.NDArray[np.float64] | None] = [None] * n_channels
    if raw.any():
        main = design_bandpass(fs, low, high, order, on_nyquist)
        trunk_sos = main
        if trunk.any() and low < TRUNK_HIGHPASS_HZ:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the same Nyquist warning was given above
                trunk_sos = design_bandpass(fs, TRUNK_HIGHPASS_HZ, high, order, on_nyquist)
        for c in range(n_channels):
            if raw[c]:
                designs[c] = trunk_sos if trunk[c] else main
    return designs


def _as_2d_finite(x: npt.ArrayLike) -> tuple[npt.NDArray[np.float64], bool]:
    """:func:`as_2d` with the NaN/inf test done by one numba read (no boolean temporary)."""
    arr, was_1d = as_2d(x, allow_nan=True)
    if not _k.all_finite_fast(arr):
        as_2d(arr)  # raises the SignalError that counts the bad values
    return arr, was_1d


def _groups(designs: list[npt.NDArray[np.float64] | None]) -> list[tuple[list[int], int]]:
    """Columns grouped by zero-phase padding length (envelope columns join the first group)."""
    by_pad: dict[int, list[int]] = {}
    none_cols: list[int] = []
    for c, d in enumerate(designs):
        if d is None:
            none_cols.append(c)
        else:
            by_pad.setdefault(sos_padlen(d), []).append(c)
    if not by_pad:
        return [(none_cols, 0)]
    groups = [(cols, p) for p, cols in by_pad.items()]
    groups[0] = (sorted(groups[0][0] + none_cols), groups[0][1])
    return groups


def _run_groups(
    arr: npt.NDArray[np.float64],
    designs: list[npt.NDArray[np.float64] | None],
    zero_phase: bool,
    n_win: int,
    center: bool,
    check_finite: bool = False,
    out: npt.NDArray[np.float64] | None = None,
) -> npt.NDArray[np.float64]:
    """Filter (and RMS) every column group into a new array (or into ``out``, 2-D, checked).

    ``check_finite``: ``arr`` has not been checked for NaN/inf yet. When every group takes the
    zero-phase kernel, the check is folded into its forward pass (no extra read of ``arr``);
    otherwise ``arr`` is checked first. Either way a non-finite value raises the counting
    :class:`SignalError` of :func:`as_2d`.
    """
    if out is None:
        out = np.empty_like(arr)
    groups = _groups(designs)
    folded = zero_phase and all(0 < p < arr.shape[0] for _, p in groups)
    if check_finite and not folded:
        _as_2d_finite(arr)
    for cols, padlen in groups:
        sub = arr if len(groups) == 1 else np.ascontiguousarray(arr[:, cols])
        coef, zi = channel_coefficients([designs[c] for c in cols])
        res = out if len(groups) == 1 else np.empty_like(sub)
        if zero_phase and padlen > 0:
            _check_padlen(arr.shape[0], padlen)
            k_off = (n_win // 2 if center else n_win - 1) if n_win else 0
            finite = _k.sosfiltfilt_tm(coef, zi, sub, res, padlen, False, n_win, k_off)
            if check_finite and not finite:
                as_2d(arr)  # raises the SignalError that counts the bad values
        elif n_win and not center:
            # causal filter + trailing RMS: exactly the streaming kernel, from rest
            state = np.zeros_like(zi)
            ring = np.zeros((coef.shape[0], n_win, _k.LANES))
            acc = np.zeros((coef.shape[0], _k.LANES))
            pos = np.zeros(1, dtype=np.int64)
            _k.stream_envelope_tm(
                coef, state, ring, acc, pos, sub, res, _scratch(), _scratch(), np.empty(_k.TILE)
            )
        else:
            _k.sosfilt_tm(coef, np.zeros_like(zi), sub, res, _scratch())
            if n_win:
                tmp = res.copy()
                _k.moving_rms_tm(tmp, res, n_win, n_win // 2)
        if len(groups) > 1:
            out[:, cols] = res
    return out


def emg_amplitude(
    x: npt.ArrayLike,
    fs: float,
    *,
    band: tuple[float, float] = (20.0, 450.0),
    order: int = 4,
    rms_window: float = 0.1,
    trunk_highpass: ColumnSelector = None,
    raw_mask: ColumnSelector = None,
    zero_phase: bool = True,
    center: bool = True,
    on_nyquist: NyquistPolicy = "adapt",
    out: npt.NDArray[np.float64] | None = None,
) -> npt.NDArray[np.float64]:
    """Surface EMG amplitude: band-pass, rectify, moving RMS (microvolts RMS).

    Parameters
    ----------
    x : array_like, shape (n_samples,) or (n_samples, n_channels)
        Samples in microvolts.
    fs : float
        Sampling rate in Hz.
    band : (float, float)
        Band-pass corners in Hz (default 20-450 Hz).
    order : int
        Butterworth order of the band-pass design (default 4). Run forward and backward
        (``zero_phase``) the magnitude response is squared: effective order doubled, -3 dB points
        moved to the design's -1.5 dB points (docs/signal.md).
    rms_window : float
        Moving RMS window in seconds (default 0.1 s).
    trunk_highpass : bool mask or column indices, optional
        Columns whose low corner is 30 Hz instead of ``band[0]`` (ECG removal on lumbar erector
        spinae / multifidus; Drake & Callaghan 2006).
    raw_mask : bool mask or column indices, optional
        Columns holding raw EMG (default all). Columns not in it (envelope channels such as the
        MyoWare ENV output) skip the band-pass and only go through the moving RMS.
    zero_phase : bool
        Filter forward and backward (offline, no lag; equals ``scipy.signal.sosfiltfilt``).
        False: causal, as the live display.
    center : bool
        Centre the RMS window (offline) or trail it (causal). ``zero_phase=False, center=False``
        equals :class:`emgkit.signal.stream.StreamingEnvelope` fed the same samples.
    on_nyquist : {"adapt", "raise"}
        What to do when ``band[1]`` is not below 0.95 x Nyquist (e.g. 450 Hz at fs = 250 Hz):
        drop the low-pass corner with a :class:`~emgkit.errors.BandLimitWarning`, or raise.
    out : ndarray, optional
        Where to write the result: a writeable C-contiguous float64 array of the shape of ``x``
        that does not overlap ``x``, returned as is (reusing one buffer saves the first touch of
        a fresh result; see :func:`~emgkit.signal.filters.sosfiltfilt`). Its contents are
        undefined if the call raises.

    Returns
    -------
    ndarray, same shape as ``x``
        RMS amplitude in microvolts; the RMS window is truncated at the signal edges.

    Raises
    ------
    SignalError
        Bad ``fs``, empty / 3-D / non-finite input, window longer than the signal, corner above
        Nyquist with ``on_nyquist="raise"``, a signal too short for zero-phase padding, or a bad
        ``out``.
    """
    fs = check_fs(fs)
    arr, was_1d = as_2d(x, allow_nan=True)  # NaN/inf: checked by _run_groups
    n_win = check_window(rms_window, fs, arr.shape[0], "rms_window")
    designs = channel_designs(fs, arr.shape[1], band, order, trunk_highpass, raw_mask, on_nyquist)
    dst = None if out is None else check_out(out, arr, was_1d)
    res = _run_groups(arr, designs, zero_phase, n_win, center, check_finite=True, out=dst)
    return restore_shape(res, was_1d) if out is None else out


def preprocess(
    x: npt.ArrayLike,
    fs: float,
    *,
    band: tuple[float, float] = (20.0, 450.0),
    order: int = 4,
    trunk_highpass: ColumnSelector = None,
    raw_mask: ColumnSelector = None,
    zero_phase: bool = True,
    on_nyquist: NyquistPolicy = "adapt",
    out: npt.NDArray[np.float64] | None = None,
) -> npt.NDArray[np.float64]:
    """The filtered, not yet rectified signal of :func:`emg_amplitude` (same options).

    Envelope channels (not in ``raw_mask``) are returned unchanged. Use it for onset detection
    (TKEO), spectra and display.

    Parameters
    ----------
    x : array_like, shape (n_samples,) or (n_samples, n_channels)
        Samples in microvolts; must be finite.
    fs : float
        Sampling rate in Hz.
    band : (float, float)
        Band-pass corners in Hz (default 20-450 Hz).
    order : int
        Butterworth order of the band-pass design (default 4; doubled when zero-phase).
    trunk_highpass : bool mask or column indices, optional
        Columns whose low corner is 30 Hz instead of ``band[0]`` (Drake & Callaghan 2006).
    raw_mask : bool mask or column indices, optional
        Columns holding raw EMG (default all); the others are passed through unchanged.
    zero_phase : bool
        Filter forward and backward (offline, no lag); False: causal, from rest.
    on_nyquist : {"adapt", "raise"}
        What to do when ``band[1]`` is not below 0.95 x Nyquist: drop the low-pass corner with
        a :class:`~emgkit.errors.BandLimitWarning`, or raise.
    out : ndarray, optional
        Where to write the result (as in :func:`emg_amplitude`); returned as is.

    Returns
    -------
    ndarray, same shape as ``x``
        Filtered signal in microvolts (not rectified).

    Raises
    ------
    SignalError
        Bad ``fs``, empty / 3-D / non-finite input, an invalid design or column selector, a
        signal too short for zero-phase padding, or a bad ``out``.
    """
    fs = check_fs(fs)
    arr, was_1d = _as_2d_finite(x)
    designs = channel_designs(fs, arr.shape[1], band, order, trunk_highpass, raw_mask, on_nyquist)
    dst = None if out is None else check_out(out, arr, was_1d)
    res = _run_groups(arr, designs, zero_phase, 0, True, out=dst)
    return restore_shape(res, was_1d) if out is None else out


def remove_mains(
    x: npt.ArrayLike,
    fs: float,
    freq: float = 50.0,
    harmonics: int = 3,
    method: Literal["notch"] = "notch",
    quality: float = 30.0,
) -> npt.NDArray[np.float64]:
    """Zero-phase IIR notches at the mains frequency and its harmonics. OFF by default everywhere.

    emgkit never calls this on its own: a notch also removes the EMG power at 50/60 Hz and its
    harmonics, inside the band where most sEMG power lies, and notch filtering lowered mean
    amplitude compared with raw and adaptively filtered signals (Physiol Meas 2009;30:353-361;
    clinical-anchors.md section 1): suited only to approximate amplitude estimates. Prefer good
    skin preparation and cabling, adaptive removal or spectrum interpolation; use this only for
    display or when mains dominates and a small amplitude bias is acceptable.

    Parameters
    ----------
    x : array_like, shape (n_samples,) or (n_samples, n_channels)
    fs : float
        Sampling rate in Hz.
    freq : float
        Mains frequency, 50 or 60 Hz.
    harmonics : int
        Number of frequencies notched (``freq``, ``2 freq``, ...); those not below 0.95 x
        Nyquist are skipped.
    method : {"notch"}
        Only IIR notches (``scipy.signal.iirnotch``) are implemented.
    quality : float
        Quality factor of each notch (-3 dB width = frequency / quality).
    """
    fs = check_fs(fs)
    if method != "notch":
        raise SignalError(f"remove_mains method must be 'notch', got {method!r}")
    if not np.isfinite(freq) or freq <= 0:
        raise SignalError(f"mains frequency must be a positive number of Hz, got {freq!r}")
    if not isinstance(harmonics, (int, np.integer)) or harmonics < 1:
        raise SignalError(f"harmonics must be an integer >= 1, got {harmonics!r}")
    quality = check_positive(quality, "quality")
    sections = []
    for k in range(1, int(harmonics) + 1):
        f0 = k * float(freq)
        if f0 < 0.95 * fs / 2:
            b, a = sps.iirnotch(f0, quality, fs=fs)
            sections.append(np.concatenate([b, a]))
    if not sections:
        raise SignalError(
            f"mains frequency {freq:g} Hz is above the Nyquist frequency {fs / 2:g} Hz"
        )
    return sosfiltfilt(np.vstack(sections), x)
