"""Signal-quality metrics and their thresholds, each defined once.

Pure array functions: samples shaped ``(n_samples, n_channels)`` (or 1-D) in microvolts, an
explicit sampling rate ``fs`` in Hz, times in seconds. The live view
(:mod:`emgkit.acquisition.live`), the analysis gate (:mod:`emgkit.analysis.quality`) and the
report's quality table all use these functions and these constants, so a "clipping" or a
"mains" verdict means the same thing everywhere.

Thresholds are **conventions** chosen for emgkit (no published consensus gives numbers for
them; the CEDE project has no matrix on filtering or artefacts, clinical-anchors.md section 1).
Each is stated with what it means in the constant's docstring; docs/quality.md gives the
measured detection and false-positive rates behind them.

ECG detection and template subtraction live in :mod:`emgkit.signal.ecg`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import fft as sfft
from scipy import signal as sps
from scipy.ndimage import maximum_filter1d

from emgkit.signal._checks import as_2d, check_fs
from emgkit.signal._kernels import all_finite_fast
from emgkit.signal._kernels._quality import (
    add_power,
    column_stats,
    decimate3,
    welch_frames,
    welch_kernels,
    window_rms,
)
from emgkit.signal.filters import bandpass, lowpass

__all__ = [
    "CLIP_FRACTION",
    "CLIP_MIN_SAMPLES",
    "FLAT_UV",
    "MAINS_DETECT_DB",
    "MAINS_HARMONICS",
    "MIN_LEVELS_FOR_CLIPPING",
    "MOTION_K",
    "MOTION_RATIO",
    "NOISE_FLOOR_FAIL_SNR",
    "NOISE_FLOOR_WARN_UV",
    "TONIC_FRACTION",
    "WANDER_UV",
    "ChannelQuality",
    "MainsLevel",
    "channel_quality",
    "clipped_and_flat",
    "clipped_fraction",
    "is_clipping",
    "is_flat",
    "mains_level",
    "motion_events",
    "noise_floor",
    "rms_levels",
    "tonic_fraction",
    "wander_and_motion",
    "wander_level",
]

#: A channel whose standard deviation is below this (µV) is flat: electrode off, shorted or
#: powered down (convention; sEMG rest noise of a connected electrode is 1-5 µV RMS).
FLAT_UV = 0.5

#: Clipping: more than this fraction of the samples sit exactly at the window's extreme values
#: (0.1 %, convention; the live view and the report used to disagree: 1 % and 0.1 %).
CLIP_FRACTION = 0.001

#: ... and at least this many samples (a handful of equal extremes happen by chance).
CLIP_MIN_SAMPLES = 4

#: Fewest distinct values a window must span before samples at its extremes count as clipping
#: (a quiet channel on a 10-12 bit MyoWare ADC spans a few 4 µV steps and piles up at its
#: extremes without clipping; a saturated sEMG signal spans many levels before the rail).
MIN_LEVELS_FOR_CLIPPING = 32

#: Mains detection: the power-line line (or a harmonic) stands this many dB above the median
#: of the spectrum 2-8 Hz on either side (convention; a broadband EMG spectrum has no line;
#: false-positive and detection rates in docs/quality.md).
MAINS_DETECT_DB = 6.0

#: Harmonics of the power-line frequency that are checked (1 = the fundamental).
MAINS_HARMONICS = 5

#: Noise floor above this (µV RMS, 20-450 Hz band or hardware band) is a warning: poor skin
#: preparation or contact (convention; good preparation gives 1-5 µV RMS).
NOISE_FLOOR_WARN_UV = 10.0

#: A channel whose loudest 100 ms (99th percentile of 100 ms RMS) is below this multiple of its
#: noise floor shows no contraction above noise: amplitude metrics are refused (convention).
NOISE_FLOOR_FAIL_SNR = 3.0

#: Tonic background: rest RMS above this fraction of the channel's loudest 100 ms (99th
#: percentile) is a warning (convention: activity at rest about 5 % of the peak; onsets and
#: %MVC baselines then carry that background).
TONIC_FRACTION = 0.05

#: Baseline wander: RMS of the content below 5 Hz above this (µV) is a warning (convention;
#: the analysis band-pass removes it, but a large wander eats the amplifier's range).
WANDER_UV = 200.0

#: Motion spikes: 1-20 Hz excursions beyond this many robust SDs of that band (convention).
MOTION_K = 10.0

#: ... and whose 1-20 Hz RMS over 200 ms exceeds this multiple of the sEMG band's (convention).
MOTION_RATIO = 1.5


#: Channels transposed together by :func:`_columns` (bounds the temporary copy).
_COLUMN_GROUP = 8
#: Rows per block when a measure walks the time-major array itself (about 1 MB at 16 channels).
_ROW_BLOCK = 8192

#: The low-band measures (motion 1-20 Hz, wander below 5 Hz) run on the signal decimated to
#: ``fs / d`` with ``d = floor(fs / _LOW_RATE)`` (third-order CIC, :func:`_low_band`): about
#: 250 Hz, where the CIC response is -0.27 dB at 20 Hz and anything aliasing onto 0-25 Hz is
#: attenuated by more than 57 dB. Below 500 Hz (``d < 2``) they run at full rate.
_LOW_RATE = 250.0

#: ... on recordings at least this long (s); shorter ones are measured at full rate.
_LOW_MIN_S = 4.0

#: Motion on a decimated signal (:func:`_motion_low`): the screening stage looks for
#: excursions beyond this fraction of ``k`` robust SDs ...
_MOTION_SCREEN_K = 0.8

#: ... whose 1-20 Hz RMS beats :data:`MOTION_RATIO` divided by this times the sEMG band's; the
#: full-rate rule then decides within this many seconds of each screened place (the 1 Hz edge's
#: transient decays by e^-17 in 4 s, so the full-rate bands there equal the whole-signal ones
#: to about 1e-7 of the signal).
_MOTION_SCREEN_RATIO = 1.3
_MOTION_CONFIRM_S = 4.0

#: Rows of the full-rate sEMG band filtered at a time around motion candidates (4 MB at 16
#: channels: the temporaries are reused from the heap instead of fresh pages).
_HF_CHUNK = 32768

#: Precision of the Welch transforms of :func:`mains_level` (segments are centred in float64
#: first): single precision halves the FFT's cost; the power agrees with float64 to about 1e-6
#: relative, far below the 6 dB decision (tests/signal/test_quality_fast_equivalence.py).
_FFT_DTYPE = np.float32


def _columns(arr: npt.NDArray[np.float64]) -> Iterator[tuple[int, npt.NDArray[np.float64]]]:
    """``(c, arr[:, c])`` for every channel, each column contiguous.

    A column of a time-major array is strided: every pass over it reads the whole array's
    memory. The columns are transposed a group at a time instead (one read per group).
    """
    nc = arr.shape[1]
    if nc == 1 or arr.flags.f_contiguous:
        for c in range(nc):
            yield c, np.ascontiguousarray(arr[:, c])
        return
    n = arr.shape[0]
    for g0 in range(0, nc, _COLUMN_GROUP):
        g1 = min(nc, g0 + _COLUMN_GROUP)
        rows = np.empty((g1 - g0, n))
        for t0 in range(0, n, 4096):  # blocks that stay in cache: 3x faster than one copy
            rows[:, t0 : t0 + 4096] = arr[t0 : t0 + 4096, g0:g1].T
        for j in range(rows.shape[0]):
            yield g0 + j, rows[j]


def _rows(arr: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """``arr.T`` as a C-ordered ``(n_channels, n_samples)`` array, copied in cache-sized blocks."""
    n = arr.shape[0]
    out = np.empty((arr.shape[1], n))
    for t0 in range(0, n, 4096):
        out[:, t0 : t0 + 4096] = arr[t0 : t0 + 4096].T
    return out


def _finite(v: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """``v`` without its non-finite samples (``v`` itself when every sample is finite)."""
    fin = np.isfinite(v)
    return v if fin.all() else v[fin]


def _enough_levels(v: npt.NDArray[np.float64]) -> bool:
    """``v`` holds at least :data:`MIN_LEVELS_FOR_CLIPPING` distinct values.

    Decided on a prefix first (a signal that spans many levels does so in its first few
    thousand samples); the full sort only when the prefix does not settle it.
    """
    head = v[:4096]
    if np.unique(head).size >= MIN_LEVELS_FOR_CLIPPING:
        return True
    return head.size < v.size and int(np.unique(v).size) >= MIN_LEVELS_FOR_CLIPPING


def _window_sums(a: npt.NDArray[np.float64], w: int) -> npt.NDArray[np.float64]:
    """Padded cumulative sum ``cp`` of ``a`` for running window sums.

    ``cp[i + w] - cp[i]`` is the sum of ``a`` over the window that
    ``np.convolve(a, np.ones(w), mode="same")`` puts at ``i`` (zeros outside ``a``).
    """
    n = a.size
    h1 = (w - 1) // 2 + 1  # the window at i ends (exclusive) at i + h1
    s = w - h1
    cp = np.zeros(s + n + 1 + max(0, h1 - 1))
    np.cumsum(a, out=cp[s + 1 : s + n + 1])
    cp[s + n + 1 :] = cp[s + n]
    return cp


def _moving_mean_same(a: npt.NDArray[np.float64], w: int) -> npt.NDArray[np.float64]:
    """``np.convolve(a, np.ones(w) / w, mode="same")`` for ``w <= a.size``, in O(n).

    From a cumulative sum (:func:`_window_sums`); the rounding error is about
    ``n * eps * max(|a|)``, far below the quantities compared with it.
    """
    cp = _window_sums(a, w)
    n = a.size
    return (cp[w : w + n] - cp[:n]) / w


def _hf_rms_max_at(
    h: npt.NDArray[np.float64],
    w: int,
    idx: npt.NDArray[np.intp],
    cp: npt.NDArray[np.float64] | None = None,
) -> npt.NDArray[np.float64]:
    """At each ``i`` in ``idx``: the largest ``w``-sample moving RMS of ``h`` in ``[i-w, i+w)``.

    Equals ``maximum_filter1d(sqrt(moving mean of h**2), 2 * w)[idx]`` for ``idx`` at least
    ``w`` samples away from both ends, but evaluates the moving RMS and its maximum only around
    the clusters of ``idx`` (motion candidates are rare). ``cp``: ``_window_sums(h * h, w)``
    when the caller already has it.
    """
    if cp is None:
        cp = _window_sums(h * h, w)
    n = h.size
    breaks = np.flatnonzero(np.diff(idx) > 2 * w) + 1
    groups = np.split(idx, breaks)
    if len(groups) > 64:  # many clusters: one pass over the whole signal is cheaper
        ms = (cp[w : w + n] - cp[:n]) / w
        return np.asarray(
            maximum_filter1d(np.sqrt(np.maximum(ms, 0.0)), 2 * w)[idx], dtype=np.float64
        )
    out = np.empty(idx.size)
    k = 0
    for g in groups:
        a, b = int(g[0]) - w, int(g[-1]) + w
        ms = (cp[a + w : b + w] - cp[a:b]) / w
        mf = maximum_filter1d(np.sqrt(np.maximum(ms, 0.0)), 2 * w)
        out[k : k + g.size] = mf[g - a]
        k += g.size
    return out


def _head_levels(col: npt.NDArray[np.float64]) -> bool:
    """:func:`_enough_levels` of the finite samples of the (possibly strided) column ``col``."""
    head = col[:4096]
    if bool(np.isfinite(head).all()):
        if np.unique(head).size >= MIN_LEVELS_FOR_CLIPPING:
            return True
        if head.size == col.size:
            return False
    return _enough_levels(_finite(np.ascontiguousarray(col)))


def clipped_and_flat(
    x: npt.ArrayLike,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_], npt.NDArray[np.int64]]:
    """:func:`clipped_fraction` and :func:`is_flat` from one pair of passes over the samples.

    The extremes, the counts at them, the mean and the squared deviations come from
    :func:`emgkit.signal._kernels._quality.column_stats` (time-major, no column copies); only a
    channel with enough samples at its extremes has its distinct levels counted.

    Parameters
    ----------
    x : array_like, shape (n_samples,) or (n_samples, n_channels)
        Raw samples in µV (NaN ignored).

    Returns
    -------
    clipped : ndarray, shape (n_channels,)
        As :func:`clipped_fraction`.
    flat : ndarray of bool, shape (n_channels,)
        As :func:`is_flat`.
    n_finite : ndarray of int, shape (n_channels,)
        Finite samples per channel (all of them: no NaN gap).
    """
    arr, _ = as_2d(x, allow_nan=True)
    nc = arr.shape[1]
    clipped = np.zeros(nc)
    flat = np.ones(nc, dtype=bool)
    if arr.shape[0] == 0:
        return clipped, flat, np.zeros(nc, dtype=np.int64)
    cnt, mx, mn, nmx, nmn, _, ss = column_stats(arr)
    for c in range(nc):
        if cnt[c] < 2:
            continue
        flat[c] = math.sqrt(ss[c] / cnt[c]) < FLAT_UV
        stuck = int(nmx[c] + nmn[c]) if mx[c] > mn[c] else 0
        if stuck >= CLIP_MIN_SAMPLES and _head_levels(arr[:, c]):
            clipped[c] = stuck / int(cnt[c])
    return clipped, flat, cnt


def clipped_fraction(x: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Fraction of samples stuck at each channel's extreme values (amplifier saturation).

    Parameters
    ----------
    x : array_like, shape (n_samples,) or (n_samples, n_channels)
        Raw samples in µV (NaN ignored).

    Returns
    -------
    ndarray, shape (n_channels,)
        0 when fewer than :data:`CLIP_MIN_SAMPLES` samples sit at the extremes or the channel
        spans fewer than :data:`MIN_LEVELS_FOR_CLIPPING` distinct values.
    """
    arr, _ = as_2d(x, allow_nan=True)
    return clipped_and_flat(arr)[0]


def is_clipping(fraction: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """The one clipping rule: ``fraction`` (:func:`clipped_fraction`) > :data:`CLIP_FRACTION`."""
    return np.asarray(fraction, dtype=np.float64) > CLIP_FRACTION


def is_flat(x: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Per channel: standard deviation below :data:`FLAT_UV` µV (or fewer than 2 finite samples)."""
    arr, _ = as_2d(x, allow_nan=True)
    return clipped_and_flat(arr)[1]


def rms_levels(x: npt.ArrayLike, fs: float, window: float = 0.1) -> npt.NDArray[np.float64]:
    """RMS of consecutive non-overlapping windows (mean of each window removed).

    Parameters
    ----------
    x : array_like, shape (n_samples,) or (n_samples, n_channels)
        Samples in µV; NaN samples are ignored within their window.
    fs : float
        Sampling rate in Hz.
    window : float
        Window length in seconds (default 0.1 s), rounded to whole samples (at least one);
        trailing samples that do not fill a window are dropped.

    Returns
    -------
    ndarray, shape (n_windows, n_channels)
        Empty (0 rows) when the signal is shorter than one window.
    """
    fs = check_fs(fs)
    arr, _ = as_2d(x, allow_nan=True)
    seg = max(1, round(window * fs))
    k = arr.shape[0] // seg
    if k == 0:
        return np.zeros((0, arr.shape[1]))
    if all_finite_fast(arr):  # same sums as the NaN-aware path, one pass, no copies
        return window_rms(arr, seg)
    blocks = arr[: k * seg].reshape(k, seg, arr.shape[1])
    d = blocks - np.nanmean(blocks, axis=1, keepdims=True)
    with np.errstate(invalid="ignore"):
        return np.asarray(np.sqrt(np.nanmean(d * d, axis=1)), dtype=np.float64)


def noise_floor(x: npt.ArrayLike, fs: float, window: float = 0.1) -> npt.NDArray[np.float64]:
    """The quietest level: 10th percentile of 100 ms RMS windows, per channel (µV).

    Pass a band-passed signal for the EMG noise floor (a raw one includes offsets and wander
    within each window). A signal shorter than one window gives its overall RMS.

    Parameters
    ----------
    x : array_like, shape (n_samples,) or (n_samples, n_channels)
        Samples in µV, preferably band-passed; NaN samples are ignored.
    fs : float
        Sampling rate in Hz.
    window : float
        RMS window length in seconds (default 0.1 s), see :func:`rms_levels`.

    Returns
    -------
    ndarray, shape (n_channels,)
        Noise floor of each channel in µV RMS.
    """
    arr, _ = as_2d(x, allow_nan=True)
    lv = rms_levels(arr, fs, window)
    if lv.shape[0] == 0:
        d = arr - np.nanmean(arr, axis=0)
        return np.asarray(np.sqrt(np.nanmean(d * d, axis=0)), dtype=np.float64)
    return np.asarray(np.nanpercentile(lv, 10, axis=0), dtype=np.float64)


def tonic_fraction(
    x: npt.ArrayLike,
    fs: float,
    rest: tuple[float, float],
    *,
    top: npt.ArrayLike | None = None,
) -> npt.NDArray[np.float64]:
    """Rest activity relative to the loudest activity, per channel.

    Median 100 ms RMS inside ``rest`` (seconds) divided by the 99th percentile of 100 ms RMS
    over the whole signal. Pass a band-passed signal. Compare with :data:`TONIC_FRACTION`.
    This is relative to the loudest activity in the recording, not to the MVC.

    Parameters
    ----------
    x : array_like, shape (n_samples,) or (n_samples, n_channels)
        Band-passed samples in µV; NaN samples are ignored.
    fs : float
        Sampling rate in Hz.
    rest : (float, float)
        Start and end of the rest period in seconds from the first sample (clipped to the
        signal).
    top : array_like, optional
        The 99th percentile of the whole signal's 100 ms RMS per channel when the caller has it
        already (it is not computed again); default: computed here.

    Returns
    -------
    ndarray, shape (n_channels,)
        Dimensionless ratio per channel; NaN when the rest period or the signal is shorter
        than one 100 ms window.
    """
    fs = check_fs(fs)
    arr, _ = as_2d(x, allow_nan=True)
    i0, i1 = max(0, round(rest[0] * fs)), min(arr.shape[0], round(rest[1] * fs))
    part = rms_levels(arr[i0:i1], fs) if i1 > i0 else np.zeros((0, arr.shape[1]))
    if arr.shape[0] < max(1, round(0.1 * fs)) or part.shape[0] == 0:
        return np.full(arr.shape[1], np.nan)
    peak = (
        np.nanpercentile(rms_levels(arr, fs), 99, axis=0)
        if top is None
        else np.asarray(top, dtype=np.float64)
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(np.nanmedian(part, axis=0) / peak, dtype=np.float64)


def _low_factor(fs: float, n: int) -> int:
    """Decimation factor of the low-band measures (1: full rate), see :data:`_LOW_RATE`."""
    d = int(fs // _LOW_RATE)
    return d if d >= 2 and n >= round(_LOW_MIN_S * fs) else 1


def _wander_full(arr: npt.NDArray[np.float64], fs: float, cutoff: float) -> npt.NDArray[np.float64]:
    """:func:`wander_level` on the full-rate signal."""
    mean = arr.mean(axis=0)
    if arr.shape[0] < 64:
        d = arr - mean
        return np.asarray(np.sqrt(np.mean(d * d, axis=0)), dtype=np.float64)
    # the zero-phase low-pass (odd extension, steady-state start) passes a constant unchanged,
    # so filtering first and removing the mean afterwards equals filtering the centred signal
    # (to rounding) without a centred full-length copy
    low = lowpass(arr, fs, cutoff=min(cutoff, 0.4 * fs), order=2)
    low -= mean
    ss = np.einsum("ij,ij->j", low, low)
    return np.asarray(np.sqrt(ss / arr.shape[0]), dtype=np.float64)


def _wander_low(y: npt.NDArray[np.float64], r: float, cutoff: float) -> npt.NDArray[np.float64]:
    """:func:`wander_level` from the decimated signal ``y`` at ``r`` Hz (:func:`_low_band`)."""
    low = lowpass(y, r, cutoff=cutoff, order=2)
    low -= y.mean(axis=0)
    ss = np.einsum("ij,ij->j", low, low)
    return np.asarray(np.sqrt(ss / y.shape[0]), dtype=np.float64)


def wander_level(x: npt.ArrayLike, fs: float, cutoff: float = 5.0) -> npt.NDArray[np.float64]:
    """RMS (µV) of the content below ``cutoff`` Hz after removing the mean, per channel.

    Compare with :data:`WANDER_UV`. The band is isolated by a 2nd-order zero-phase Butterworth
    low-pass. From 500 Hz up, on recordings of 4 s or more and with ``cutoff`` at most 0.05 x
    the decimated rate, it runs on the signal decimated to about 250 Hz (third-order CIC,
    :data:`_LOW_RATE`): the RMS then agrees with the full-rate filter's within about 1 %
    (bilinear design at the lower rate, CIC droop of 0.1 dB at 5 Hz; measured in
    docs/quality.md).

    Parameters
    ----------
    x : array_like, shape (n_samples,) or (n_samples, n_channels)
        Raw (not high-passed) samples in µV; must be finite.
    fs : float
        Sampling rate in Hz.
    cutoff : float
        Upper edge of the wander band in Hz (default 5 Hz), capped at 0.4 x ``fs``. Signals
        shorter than 64 samples give their overall RMS instead.

    Returns
    -------
    ndarray, shape (n_channels,)
        Baseline-wander RMS of each channel in µV.
    """
    fs = check_fs(fs)
    arr, _ = as_2d(x)
    d = _low_factor(fs, arr.shape[0])
    if d > 1 and cutoff <= 0.05 * fs / d:
        return _wander_low(decimate3(arr, d), fs / d, cutoff)
    return _wander_full(arr, fs, cutoff)


def wander_and_motion(
    x: npt.ArrayLike, fs: float
) -> tuple[npt.NDArray[np.float64], list[npt.NDArray[np.float64]]]:
    """:func:`wander_level` and :func:`motion_events` (defaults) sharing one decimation.

    Parameters
    ----------
    x : array_like, shape (n_samples,) or (n_samples, n_channels)
        Raw samples in µV (finite).
    fs : float
        Sampling rate in Hz.

    Returns
    -------
    wander : ndarray, shape (n_channels,)
        As :func:`wander_level`.
    events : list of ndarray
        As :func:`motion_events`.
    """
    fs = check_fs(fs)
    arr, _ = as_2d(x)
    d = _low_factor(fs, arr.shape[0])
    if d == 1:
        return _wander_full(arr, fs, 5.0), motion_events(arr, fs)
    arr = np.ascontiguousarray(arr)
    y = decimate3(arr, d)
    return _wander_low(y, fs / d, 5.0), _motion_low(arr, fs, y, d, MOTION_K, 0.2)


def motion_events(
    x: npt.ArrayLike, fs: float, *, k: float = MOTION_K, merge_s: float = 0.2
) -> list[npt.NDArray[np.float64]]:
    """Times (s) of motion spikes per channel.

    A motion spike is a 1-20 Hz excursion (cable or electrode movement) that is both larger
    than ``k`` robust SDs of that band and larger than :data:`MOTION_RATIO` times the sEMG
    (20 Hz and up; the largest 200 ms RMS within +-0.2 s): a contraction carries some 1-20 Hz
    power too, but far less than its sEMG band (a spike inside a strong contraction is
    missed). Excursions closer than ``merge_s`` count once; the first and last second are not
    examined (filter transients). Remove ECG first on trunk channels (QRS energy lies in this
    band). The robust SD is 1.4826 x the median absolute deviation.

    From 500 Hz up and on recordings of 4 s or more, the 1-20 Hz band is measured on the
    signal decimated to about 250 Hz (third-order CIC, :data:`_LOW_RATE`), so event times fall
    on that grid (4 ms at 250 Hz); the sEMG band is filtered at full rate around the
    candidates only and its energy summed over the decimated grid's blocks.

    Parameters
    ----------
    x : array_like, shape (n_samples,) or (n_samples, n_channels)
        Raw samples in µV (finite).
    fs : float
        Sampling rate in Hz.
    k : float
        Robust SDs of the 1-20 Hz band an excursion must exceed.
    merge_s : float
        Excursions closer than this (s) are one event.

    Returns
    -------
    list of ndarray
        Per channel, the start times (s) of the events.
    """
    fs = check_fs(fs)
    arr, _ = as_2d(x)
    if arr.shape[0] < round(2 * fs):
        return [np.zeros(0) for _ in range(arr.shape[1])]
    d = _low_factor(fs, arr.shape[0])
    if d == 1:
        return _motion_full(arr, fs, k, merge_s)
    arr = np.ascontiguousarray(arr)
    return _motion_low(arr, fs, decimate3(arr, d), d, k, merge_s)


def _robust_sd(v: npt.NDArray[np.float64]) -> float:
    """``1.4826 * median(|v - median(v)|)``: the deviations, a temporary, are partitioned in place.

    The same value as ``np.median`` on a copy (an order statistic does not depend on where
    the partition is made), without that copy.
    """
    dev = v - np.median(v)
    np.abs(dev, out=dev)
    return 1.4826 * float(np.median(dev, overwrite_input=True))


def _candidates(
    lf: npt.NDArray[np.float64], k: float, edge: int
) -> tuple[list[npt.NDArray[np.intp]], list[float]]:
    """Per row of ``lf`` (channel-major): samples beyond ``k`` robust SDs, and the robust SDs.

    Samples within ``edge`` of either end are not examined.
    """
    n = lf.shape[1]
    cand: list[npt.NDArray[np.intp]] = []
    sds: list[float] = []
    for v in lf:
        sd = _robust_sd(v)
        idx = np.zeros(0, dtype=np.intp)
        if sd > 0 and edge > 0:
            idx = edge + np.flatnonzero(np.abs(v[edge : n - edge]) > k * sd)
        cand.append(idx)
        sds.append(sd)
    return cand, sds


def _motion_low(
    arr: npt.NDArray[np.float64],
    fs: float,
    y: npt.NDArray[np.float64],
    d: int,
    k: float,
    merge_s: float,
) -> list[npt.NDArray[np.float64]]:
    """:func:`motion_events` from ``y``, ``arr`` (C-ordered) decimated by ``d``.

    Two stages. 1) On the decimated 1-20 Hz band, with relaxed thresholds
    (:data:`_MOTION_SCREEN_K` x ``k`` robust SDs, :data:`MOTION_RATIO` /
    :data:`_MOTION_SCREEN_RATIO`): where motion may be. 2) Around each such place (+-
    :data:`_MOTION_CONFIRM_S`), the full-rate rule of :func:`_motion_full` on the full-rate
    bands, with the robust SD of the decimated band (within about 1 % of the full-rate one): the
    events and their times are then those of the full-rate rule wherever stage 1 looked.
    """
    r = fs / d
    n, nc = arr.shape
    out = [np.zeros(0) for _ in range(nc)]
    if n < round(2 * fs):
        return out
    # the CIC's droop (-0.27 dB at 20 Hz at 250 Hz) compensated by the 3-tap FIR
    # [-1/8, 5/4, -1/8] (its gain 1 + (pi f / r)**2 / 2 cancels the cubed box's to 2nd order), so
    # that the robust SD of the 1-20 Hz band is within about 1 % of the full-rate one
    yc = y.copy()
    yc[1:-1] *= 1.25
    yc[1:-1] -= 0.125 * (y[:-2] + y[2:])
    lf = _rows(bandpass(yc, r, 1.0, min(20.0, 0.4 * fs), order=2))
    del yc
    w = max(1, round(0.2 * r))
    cand, sds = _candidates(lf, _MOTION_SCREEN_K * k, round(1.0 * r))
    chans = [c for c in range(nc) if cand[c].size]
    if not chans:
        return out
    hf_rms = _hf_block_energy(arr, fs, d, y.shape[0], cand, w)
    hf_rms /= d
    np.sqrt(hf_rms, out=hf_rms)
    wf = max(1, round(0.2 * fs))
    gap = max(1, round(merge_s * fs))
    edge = round(1.0 * fs)
    pad = round(_MOTION_CONFIRM_S * fs)
    for j, c in enumerate(chans):
        hit = _motion_hits(lf[c], hf_rms[j], w, cand[c], MOTION_RATIO / _MOTION_SCREEN_RATIO)
        if not hit.size:
            continue
        # full-rate confirmation around the screened places (windows merged when they overlap)
        lo, hi = hit * d - pad, hit * d + pad
        starts_iv = np.concatenate([[0], np.flatnonzero(lo[1:] > hi[:-1]) + 1])
        hits_f: list[npt.NDArray[np.intp]] = []
        for q, i0 in enumerate(starts_iv):
            i1 = starts_iv[q + 1] - 1 if q + 1 < starts_iv.size else hit.size - 1
            s0, s1 = max(0, int(lo[i0]) - 3 * wf), min(n, int(hi[i1]) + 3 * wf)
            seg = np.ascontiguousarray(arr[s0:s1, c])
            lf_f = bandpass(seg, fs, 1.0, min(20.0, 0.4 * fs), order=2)
            core0, core1 = max(edge, int(lo[i0]) + pad // 2), min(n - edge, int(hi[i1]) - pad // 2)
            if core1 <= core0:
                continue
            rel = np.flatnonzero(np.abs(lf_f[core0 - s0 : core1 - s0]) > k * sds[c])
            if not rel.size:
                continue
            hf_f = bandpass(seg, fs, min(20.0, 0.3 * fs), min(450.0, 0.45 * fs), order=2)
            hits_f.append(s0 + _motion_hits(lf_f, hf_f, wf, rel + (core0 - s0)))
        full = np.concatenate(hits_f) if hits_f else np.zeros(0, dtype=np.intp)
        if full.size:
            out[c] = full[np.concatenate([[True], np.diff(full) > gap])] / fs
    return out


def _hf_block_energy(
    arr: npt.NDArray[np.float64],
    fs: float,
    d: int,
    nb: int,
    cand: list[npt.NDArray[np.intp]],
    w: int,
) -> npt.NDArray[np.float64]:
    """Energy of the sEMG band (20-450 Hz, order 2, zero-phase) in each decimation block.

    Block ``j`` is rows ``[j d - d // 2, j d - d // 2 + d)``. Only the blocks within ``2 w + 1``
    of a candidate cluster of any channel (``cand``: the decimated candidate indices per
    channel) are computed, the rest are 0. The band is filtered over those stretches plus 0.5 s
    on either side (the 20 Hz edge's transient decays by e^-44 in 0.5 s: the values equal the
    whole-signal filter's to rounding), in chunks of :data:`_HF_CHUNK` rows, on the channels
    with candidates only. Returns ``(n_channels_with_candidates, nb)``.
    """
    n = arr.shape[0]
    lo_hz, hi_hz = min(20.0, 0.3 * fs), min(450.0, 0.45 * fs)
    pad = round(0.5 * fs)
    chans = [c for c, idx in enumerate(cand) if idx.size]
    every = len(chans) == arr.shape[1]
    spans = []
    for idx in cand:
        if idx.size:
            br = np.flatnonzero(np.diff(idx) > 2 * w) + 1
            lo = idx[np.concatenate([[0], br])] - 2 * w - 1
            hi = idx[np.concatenate([br - 1, [idx.size - 1]])] + 2 * w + 2
            spans.append(np.column_stack([lo, hi]))
    iv = np.concatenate(spans)
    iv = iv[np.argsort(iv[:, 0], kind="stable")]
    jmin = 1 if d // 2 > 0 else 0
    jmax = min(nb, (n + d // 2) // d)
    merged: list[list[int]] = []
    for a, b in iv.tolist():
        a, b = max(a, jmin), min(b, jmax)
        if b <= a:
            continue
        if merged and a - merged[-1][1] < 2 * pad // d:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    energy = np.zeros((len(chans), nb))
    cb = max(1, _HF_CHUNK // d)
    for a, b in merged:
        for a0 in range(a, b, cb):
            b0 = min(b, a0 + cb)
            r_a, r_b = a0 * d - d // 2, b0 * d - d // 2
            s0, s1 = max(0, r_a - pad), min(n, r_b + pad)
            rows = arr[s0:s1] if every else np.take(arr[s0:s1], chans, axis=1)
            seg = bandpass(rows, fs, lo_hz, hi_hz, order=2)
            np.square(seg, out=seg)
            energy[:, a0:b0] = seg[r_a - s0 : r_b - s0].reshape(b0 - a0, d, -1).sum(axis=1).T
    return energy


def _motion_full(
    arr: npt.NDArray[np.float64], fs: float, k: float, merge_s: float
) -> list[npt.NDArray[np.float64]]:
    """:func:`motion_events` on the full-rate signal."""
    lf = bandpass(arr, fs, 1.0, min(20.0, 0.4 * fs), order=2)
    n = arr.shape[0]
    w = max(1, round(0.2 * fs))
    gap = max(1, round(merge_s * fs))
    edge = round(1.0 * fs)
    # 1) the 1-20 Hz excursions beyond k robust SDs, outside the first and last second (filter
    #    start-up and end transients are not movements); they are rare, so 2) the comparison
    #    with the sEMG band is evaluated at them only, on the channels that have any
    cand: list[npt.NDArray[np.intp]] = []
    lf_cols: dict[int, npt.NDArray[np.float64]] = {}
    for c, v in _columns(lf):
        sd = _robust_sd(v)
        idx = np.zeros(0, dtype=np.intp)
        if sd > 0 and edge > 0:
            idx = edge + np.flatnonzero(np.abs(v[edge : n - edge]) > k * sd)
        cand.append(idx)
        if idx.size:
            lf_cols[c] = v
    del lf
    out = [np.zeros(0) for _ in range(arr.shape[1])]
    if not lf_cols:
        return out
    chans = sorted(lf_cols)
    # every channel (no copy) or the channels with candidates, C-ordered (``arr[:, chans]`` is
    # Fortran-ordered and the filter would copy it again)
    sub = arr if len(chans) == arr.shape[1] else np.take(arr, chans, axis=1)
    hf = bandpass(sub, fs, min(20.0, 0.3 * fs), min(450.0, 0.45 * fs), order=2)
    del sub
    for j, c in enumerate(chans):
        v, idx = lf_cols.pop(c), cand[c]
        hit = _motion_hits(v, hf[:, j], w, idx)
        if hit.size:
            starts = hit[np.concatenate([[True], np.diff(hit) > gap])]
            out[c] = starts / fs
    return out


def _motion_hits(
    v: npt.NDArray[np.float64],
    h: npt.NDArray[np.float64],
    w: int,
    idx: npt.NDArray[np.intp],
    ratio: float = MOTION_RATIO,
) -> npt.NDArray[np.intp]:
    """The candidates ``idx`` whose 1-20 Hz RMS (``v``) beats the sEMG band's (``h``).

    A candidate is kept when its ``w``-sample 1-20 Hz RMS exceeds :data:`MOTION_RATIO` times
    the largest ``w``-sample RMS of ``h`` within ``[i - w, i + w)``. Every quantity is a window
    sum around the candidates, so it is computed from running sums over the stretches around
    each cluster of candidates only (``h`` may be a strided column: only those stretches are
    read). The windows are those of :func:`_window_sums`; the sums equal the whole-signal
    running sums' to rounding. Candidates must lie at least ``w + w // 2 + 1`` samples from
    both ends (motion_events skips the first and last second); many clusters covering much of
    the signal take one pass over the whole column instead.
    """
    n = v.size
    h1 = (w - 1) // 2 + 1  # the window at i is [i - s, i + h1)
    s = w - h1
    groups = np.split(idx, np.flatnonzero(np.diff(idx) > 2 * w) + 1)
    cover = sum(int(g[-1]) - int(g[0]) + 3 * w + 1 for g in groups)
    if cover > n // 4 or int(idx[0]) - w - s < 0 or int(idx[-1]) + w + h1 > n:
        hc = np.ascontiguousarray(h)
        cp = _window_sums(v * v, w)
        lf_rms = np.sqrt(np.maximum((cp[idx + w] - cp[idx]) / w, 0.0))
        ch = _window_sums(hc * hc, w)
        own = np.sqrt(np.maximum((ch[idx + w] - ch[idx]) / w, 0.0))
        keep = lf_rms > ratio * own
        idx, lf_rms = idx[keep], lf_rms[keep]
        if idx.size == 0:
            return idx
        return idx[lf_rms > ratio * _hf_rms_max_at(hc, w, idx, ch)]
    hits: list[npt.NDArray[np.intp]] = []
    for g in groups:
        g0, g1 = int(g[0]), int(g[-1])
        seg = v[g0 - s : g1 + h1]
        lc = np.zeros(seg.size + 1)
        np.cumsum(seg * seg, out=lc[1:])
        rel = g - g0
        lf_rms = np.sqrt(np.maximum((lc[rel + w] - lc[rel]) / w, 0.0))
        # the sEMG band's running sums over [a - s, g1 + w + h1): windows at a .. g1 + w - 1
        a = g0 - w
        hs = h[a - s : g1 + w + h1]
        hc = np.zeros(hs.size + 1)
        np.cumsum(hs * hs, out=hc[1:])
        # the largest sEMG RMS within +-0.2 s is at least the one at the sample itself: drop
        # the candidates that already fail against it (inside contractions, most of them)
        own = np.sqrt(np.maximum((hc[g - a + w] - hc[g - a]) / w, 0.0))
        keep = lf_rms > ratio * own
        if not keep.any():
            continue
        span = g1 + w - a
        ms = (hc[w : w + span] - hc[:span]) / w
        mf = maximum_filter1d(np.sqrt(np.maximum(ms, 0.0)), 2 * w)
        gk = g[keep]
        hits.append(gk[lf_rms[keep] > ratio * mf[gk - a]])
    return np.concatenate(hits) if hits else np.zeros(0, dtype=np.intp)


@dataclass(frozen=True)
class MainsLevel:
    """Power-line interference of each channel (result of :func:`mains_level`).

    Attributes
    ----------
    freq_hz : float
        The power-line frequency examined (50 or 60 Hz).
    db : ndarray (n_channels,)
        Largest excess (dB) of a line (fundamental or harmonic) over the median of the
        spectrum 2-8 Hz on either side (3-8 frequency bins when the resolution is coarser).
    uv : ndarray (n_channels,)
        RMS amplitude (µV) of the fundamental's line above that local spectrum.
    harmonics : list of tuple of int
        Per channel, the multiples of ``freq_hz`` (1 = fundamental) whose excess is above
        :data:`MAINS_DETECT_DB`.
    """

    freq_hz: float
    db: npt.NDArray[np.float64]
    uv: npt.NDArray[np.float64]
    harmonics: list[tuple[int, ...]]

    @property
    def detected(self) -> npt.NDArray[np.bool_]:
        """Channels with at least one line above :data:`MAINS_DETECT_DB`."""
        return np.array([bool(h) for h in self.harmonics], dtype=bool)


def _line_excess(
    f: npt.NDArray[np.float64], p: npt.NDArray[np.float64], f0: float
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """(dB excess, excess power in µV²) of the line at ``f0`` over its 2-8 Hz neighbourhood."""
    df = f[1] - f[0]
    line = np.abs(f - f0) <= min(max(1.0, 2.5 * df), 4.0)
    near = (np.abs(f - f0) >= max(2.0, 3 * df)) & (np.abs(f - f0) <= max(8.0, 8 * df))
    if not line.any() or near.sum() < 3:
        z = np.zeros(p.shape[1])
        return z, z
    ref = np.median(p[near], axis=0)
    peak = p[line].max(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        db = 10.0 * np.log10(np.where(ref > 0, peak / ref, np.where(peak > 0, np.inf, 1.0)))
    excess = np.clip((p[line] - ref[None, :]).sum(axis=0) * df, 0.0, None)
    return np.asarray(db, dtype=np.float64), np.asarray(excess, dtype=np.float64)


def _welch(
    arr: npt.NDArray[np.float64], fs: float, nper: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """``scipy.signal.welch(arr, fs, nperseg=nper, axis=0)`` on the time-major array.

    Same estimate (periodic Hann window, 50 % overlap, each segment's mean removed, density
    scaling, one-sided, mean over segments; equal to rounding), without scipy's full-size
    segment array or column copies: segments of all channels are strided views of ``arr``,
    transformed a few at a time (about 4 MB of segments, reused from the heap).
    """
    arr = np.ascontiguousarray(arr)
    n, nc = arr.shape
    step = nper - nper // 2
    nseg = (n - nper) // step + 1
    win = np.asarray(sps.get_window("hann", nper), dtype=np.float64)
    scale = 1.0 / (fs * float(np.dot(win, win)))
    nf = nper // 2 + 1
    acc = np.zeros((nc, nf))
    batch = max(1, 2**19 // (nper * nc))
    frames = np.empty((nc, batch, nper), dtype=_FFT_DTYPE)
    kern = welch_kernels(arr.size)
    for i in range(0, nseg, batch):
        k = min(batch, nseg - i)
        buf = frames if k == batch else np.empty((nc, k, nper), dtype=_FFT_DTYPE)
        # each segment centred and windowed straight from the time-major rows
        welch_frames(arr, i * step, step, win, buf, use_kernel=kern)
        add_power(sfft.rfft(buf, axis=2), acc, use_kernel=kern)
    acc = np.ascontiguousarray(acc.T)
    out = acc * (scale / nseg)
    out[1 : -1 if nper % 2 == 0 else None] *= 2.0
    return np.asarray(np.fft.rfftfreq(nper, 1.0 / fs), dtype=np.float64), out


def mains_level(x: npt.ArrayLike, fs: float, power_line_hz: float | None = None) -> MainsLevel:
    """Power-line interference per channel from a Welch spectrum (0.5-2 Hz resolution).

    Parameters
    ----------
    x : array_like, shape (n_samples,) or (n_samples, n_channels)
        Samples in µV (NaN rows are dropped).
    fs : float
        Sampling rate in Hz.
    power_line_hz : float, optional
        50 or 60; None examines both and keeps the one whose fundamental carries more power.

    Returns
    -------
    MainsLevel
        Lines are checked at the fundamental and harmonics up to :data:`MAINS_HARMONICS` below
        0.95 x Nyquist. A line counts as detected when it stands more than
        :data:`MAINS_DETECT_DB` above its neighbourhood.
    """
    fs = check_fs(fs)
    arr, _ = as_2d(x, allow_nan=True)
    if not all_finite_fast(arr):
        arr = arr[np.isfinite(arr).all(axis=1)]
    nc = arr.shape[1]
    n = arr.shape[0]
    freqs = [float(power_line_hz)] if power_line_hz else [50.0, 60.0]
    empty = MainsLevel(freqs[0], np.zeros(nc), np.zeros(nc), [() for _ in range(nc)])
    if n < round(0.5 * fs) or nc == 0:
        return empty
    # 0.5 Hz resolution when the signal holds at least 8 such segments; coarser (down to
    # 2 Hz) on short windows so that the spectrum is still an average
    nper = min(n, round(2.0 * fs), max(n // 8, round(0.5 * fs)))
    f, p = _welch(arr, fs, nper)
    best: MainsLevel | None = None
    for f0 in freqs:
        dbs, harm = [], []
        fund_uv = np.zeros(nc)
        for k in range(1, MAINS_HARMONICS + 1):
            fk = k * f0
            if fk + 8.0 >= 0.95 * fs / 2:
                break
            db, ex = _line_excess(f, p, fk)
            dbs.append(db)
            harm.append(db > MAINS_DETECT_DB)
            if k == 1:
                fund_uv = np.sqrt(ex)
        if not dbs:
            continue
        db_all = np.vstack(dbs)
        hit = np.vstack(harm)
        lvl = MainsLevel(
            f0,
            db_all.max(axis=0),
            fund_uv,
            [tuple(int(k) + 1 for k in np.flatnonzero(hit[:, c])) for c in range(nc)],
        )
        # 50 or 60 Hz: the one whose fundamental carries more power over all channels
        if best is None or float(np.sum(lvl.uv**2)) > float(np.sum(best.uv**2)):
            best = lvl
    return best if best is not None else empty


# ---------------------------------------------------------------- one window (live view)


@dataclass(frozen=True, slots=True)
class ChannelQuality:
    """Signal quality of one channel over one window (the live view's unit).

    Attributes
    ----------
    rms_uv : float
        RMS of the window (after removing its mean).
    flat : bool
        Standard deviation below :data:`FLAT_UV`.
    clipping : float
        Fraction of samples stuck at the window's extreme values (:func:`clipped_fraction`).
    mains_uv : float
        RMS amplitude of the power-line line (50 or 60 Hz, whichever stands out more).
    mains_hz : float
    noise_floor_uv : float
        10th percentile of 100 ms RMS windows (:func:`noise_floor`).
    mains_db : float
        Excess of the strongest power-line line over its neighbourhood (:func:`mains_level`).
    """

    rms_uv: float
    flat: bool
    clipping: float
    mains_uv: float
    mains_hz: float
    noise_floor_uv: float
    mains_db: float = 0.0

    @property
    def mains(self) -> bool:
        """The mains rule of :func:`mains_level` (excess above :data:`MAINS_DETECT_DB`)."""
        return self.mains_db > MAINS_DETECT_DB

    @property
    def flags(self) -> str:
        """Short text for the display: FLAT, CLIP, MAINS<Hz> or ok."""
        out = []
        if self.flat:
            out.append("FLAT")
        if bool(is_clipping(self.clipping)):
            out.append("CLIP")
        if self.mains:
            out.append(f"MAINS{self.mains_hz:.0f}")
        return " ".join(out) or "ok"


def channel_quality(
    window: npt.ArrayLike, fs: float, *, power_line_hz: float | None = None
) -> list[ChannelQuality]:
    """Quality of each column of ``window`` (n_samples, n_channels) in µV at ``fs`` Hz.

    Parameters
    ----------
    window : array_like
        Raw samples (NaN ignored).
    fs : float
        Sampling rate in Hz.
    power_line_hz : float, optional
        50 or 60; None checks both.

    Returns
    -------
    list of ChannelQuality
        One per column, with the rules of this module (flat, clipping, mains, noise floor).
    """
    fs = check_fs(fs)
    x, _ = as_2d(window, allow_nan=True)
    clip = clipped_fraction(x)
    flat = is_flat(x)
    ml = mains_level(x, fs, power_line_hz)
    floor = noise_floor(x, fs)
    out = []
    for c in range(x.shape[1]):
        v = x[:, c]
        v = v[np.isfinite(v)]
        rms = float(np.std(v)) if v.size >= 2 else 0.0
        out.append(
            ChannelQuality(
                rms_uv=rms,
                flat=bool(flat[c]),
                clipping=float(clip[c]),
                mains_uv=float(ml.uv[c]),
                mains_hz=ml.freq_hz,
                noise_floor_uv=float(floor[c]) if math.isfinite(floor[c]) else 0.0,
                mains_db=float(ml.db[c]) if math.isfinite(ml.db[c]) else 99.0,
            )
        )
    return out
