"""Muscle onset/offset detection: TKEO threshold, Hodges & Bui threshold, Bonato double threshold.

All functions are pure array functions: ``x`` is shaped ``(n_samples,)`` or
``(n_samples, n_channels)`` in microvolts, ``fs`` is the sampling rate in Hz, and every time
(argument or result) is in seconds from the first sample.

**Band-pass first.** The detectors expect a band-passed raw signal (e.g. 20-450 Hz at 1 kHz,
20-90 Hz at 200 Hz): the TKEO amplifies high-frequency content, the double threshold assumes
a zero-mean signal whose baseline is Gaussian noise, and all three estimate the baseline from
the signal as given. A DC offset or motion drift left in ``x`` inflates the baseline SD::

    from emgkit.signal.filters import bandpass
    from emgkit.signal.onset import detect_onsets

    xf = bandpass(raw_uv, fs, 20.0, 450.0)        # raw ADC offset and drift removed
    bursts = detect_onsets(xf, fs)                # (n_bursts, 2) of [onset_s, offset_s]

Methods and defaults (see docs/onset.md for citations and measured accuracy):

``"tkeo"`` (default)
    Teager-Kaiser energy operator, rectify, 50 Hz low-pass (2nd-order Butterworth, zero
    phase), threshold ``mean + k * SD`` of the baseline (``k = 3``), sustained for at least
    ``min_duration`` (25 ms). Li, Zhou & Aruin 2007; Solnik et al. 2008, 2010. These values are
    a convention (clinical-anchors.md section 4), not a validated optimum.
``"hodges_bui"``
    Rectify, low-pass (50 Hz), moving mean over ``window`` (50 ms, centred) above
    ``mean + k * SD`` (``k = 3``) of the low-passed rectified baseline. Hodges & Bui 1996 tested
    windows of 20/50/100 ms, low-pass 10/50/500 Hz and 1/2/3 SD.
``"double_threshold"``
    Bonato, D'Alessio & Knaflitz 1998: squared samples normalised by the baseline variance are
    compared with a first threshold from the chi-square distribution (single-sample false-alarm
    probability ``pfa``); a sample is active when at least ``r0`` of the ``m`` samples of the
    window centred on it exceed that threshold.

Post-processing, common to every method: runs of active samples shorter than
``min_duration`` are dropped first, then the remaining runs separated by less than
``min_gap`` are merged.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from scipy import stats

from emgkit.errors import SignalError
from emgkit.signal import _kernels as _k
from emgkit.signal._checks import as_2d, check_fs, check_nonneg_seconds, check_positive
from emgkit.signal._kernels._onset import ml_change_point_best
from emgkit.signal._numba import NUMBA_ENABLED
from emgkit.signal.envelope import moving_rms, rectify, tkeo
from emgkit.signal.filters import lowpass

__all__ = [
    "AUTO_BASELINE_S",
    "METHODS",
    "MIN_BASELINE_S",
    "REST_FACTOR",
    "detect_onsets",
    "double_threshold_false_alarm",
    "first_onset",
    "refine_onset",
    "steady_baseline",
]

#: Names accepted by ``method``.
METHODS: Final[tuple[str, ...]] = ("tkeo", "hodges_bui", "double_threshold")
#: Length of the automatically chosen (quietest) baseline window, in seconds.
AUTO_BASELINE_S: Final[float] = 0.5
#: Shortest baseline window accepted, in seconds.
MIN_BASELINE_S: Final[float] = 0.05
#: Automatic baseline: windows whose RMS is at most this times the quietest window's are rest.
REST_FACTOR: Final[float] = 1.5

_DEFAULT_K: Final[float] = 3.0
_F64 = npt.NDArray[np.float64]
_BOOL = npt.NDArray[np.bool_]


# ---------------------------------------------------------------------------------------------
# argument checks
# ---------------------------------------------------------------------------------------------


def _baseline_masks(
    x: _F64, fs: float, baseline: tuple[float, float] | Sequence[float] | str | None
) -> _BOOL:
    """Boolean ``(n_samples, n_channels)`` mask of the baseline (rest) samples of each channel.

    ``None``: the quietest 500 ms window plus every sample all of whose covering 500 ms windows
    have an RMS at most ``REST_FACTOR`` times the quietest window's (every stretch as quiet as
    it, at least 500 ms away from activity). ``"quietest"``: the quietest 500 ms window alone.
    ``(t0, t1)``: that window for every channel.
    """
    n, n_ch = x.shape
    duration = n / fs
    mask = np.zeros((n, n_ch), dtype=bool)
    if baseline is None or (isinstance(baseline, str) and baseline == "quietest"):
        w = round(AUTO_BASELINE_S * fs)
        if w > n:
            raise SignalError(
                f"the signal lasts {duration:g} s, shorter than the {AUTO_BASELINE_S:g} s "
                "automatic baseline; pass baseline=(t0, t1) with a rest window of at least "
                f"{MIN_BASELINE_S * 1000:g} ms"
            )
        # trailing windows: value at i covers samples [i - w + 1, i]; keep full windows only
        rms = np.asarray(moving_rms(x, fs, w / fs, center=False)).reshape(x.shape)[w - 1 :]
        ends = np.argmin(rms, axis=0) + w  # exclusive end index of the quietest window
        for c, e in enumerate(ends):
            mask[int(e) - w : int(e), c] = True
        if baseline is None:
            rms_min = rms[ends - w, np.arange(n_ch)]
            quiet = rms <= REST_FACTOR * rms_min  # windows as quiet as the quietest one
            # a sample is rest when every full window covering it is quiet: samples closer
            # than 500 ms to activity are excluded, so burst edges never enter the baseline
            cover = np.cumsum(np.concatenate([np.zeros((1, n_ch)), quiet]), axis=0)
            idx = np.arange(n)
            lo = np.clip(idx - w + 1, 0, quiet.shape[0])
            hi = np.clip(idx + 1, 0, quiet.shape[0])
            mask |= (cover[hi] - cover[lo]) == (hi - lo)[:, None]
        return mask
    if isinstance(baseline, str):
        raise SignalError(
            f"baseline must be None, 'quietest' or a (t0, t1) window in seconds, got {baseline!r}"
        )
    try:
        t0, t1 = (float(v) for v in baseline)
    except (TypeError, ValueError):
        raise SignalError(
            f"baseline must be None, 'quietest' or a (t0, t1) window in seconds, got {baseline!r}"
        ) from None
    if not (math.isfinite(t0) and math.isfinite(t1)) or t0 < 0 or t1 > duration or t1 <= t0:
        raise SignalError(
            f"baseline window ({t0:g}, {t1:g}) s is not inside the signal (0 to {duration:g} s); "
            "pass 0 <= t0 < t1 <= duration, or baseline=None for the automatic rest estimate"
        )
    i0, i1 = round(t0 * fs), round(t1 * fs)
    if (i1 - i0) / fs < MIN_BASELINE_S - 0.5 / fs:
        raise SignalError(
            f"baseline window ({t0:g}, {t1:g}) s is {1000 * (t1 - t0):g} ms long; at least "
            f"{MIN_BASELINE_S * 1000:g} ms of rest are needed for a stable mean and SD"
        )
    mask[i0:i1, :] = True
    return mask


# ---------------------------------------------------------------------------------------------
# detection functions (each returns a boolean (n_samples, n_channels) "active" mask)
# ---------------------------------------------------------------------------------------------


def _lowpass_or_skip(y: _F64, fs: float, cutoff: float | None, order: int) -> _F64:
    if cutoff is None:
        return y
    c = check_positive(cutoff, "lowpass_hz")
    if c >= 0.95 * fs / 2:
        raise SignalError(
            f"lowpass_hz = {c:g} Hz is not below the Nyquist frequency {fs / 2:g} Hz "
            f"(fs = {fs:g} Hz); lower it or pass lowpass_hz=None to skip the low-pass"
        )
    return np.asarray(lowpass(y, fs, c, order))


def _threshold(y: _F64, rest: _BOOL, k: float) -> _F64:
    """Per-channel ``mean + k * SD`` of ``y`` over each channel's baseline samples."""
    thr = np.empty(y.shape[1])
    for c in range(y.shape[1]):
        seg = y[:, c][rest[:, c]]
        thr[c] = seg.mean() + k * seg.std(ddof=1)
    return thr


def _active_tkeo(
    x: _F64,
    fs: float,
    rest: _BOOL,
    k: float,
    *,
    lowpass_hz: float | None = 50.0,
    lowpass_order: int = 2,
) -> _BOOL:
    y = np.asarray(rectify(tkeo(x)))
    y = _lowpass_or_skip(y.reshape(x.shape), fs, lowpass_hz, lowpass_order)
    y = y.reshape(x.shape)
    return y > _threshold(y, rest, k)


def _window_mean(y: _F64, w: int, shift: int, csum: _F64 | None = None) -> _F64:
    """Mean of ``y[i + shift : i + shift + w]`` for every ``i``, truncated at the edges.

    ``shift = -(w // 2)``: centred window; ``-(w - 1)``: trailing (ends at ``i``); ``0``: leading.
    ``csum`` is the running sum of ``y`` with a leading zero row (:func:`_running_sum`), to
    share between calls on the same ``y``. Interior windows are differences of two slices of it;
    the truncated edges use the clipped indices (the same values element by element).
    """
    cs = _running_sum(y) if csum is None else csum
    n = cs.shape[0] - 1
    out: _F64 = np.empty((n, cs.shape[1]))
    a = min(n, max(0, -shift))  # first i whose window starts inside the signal
    b = max(a, min(n, n - shift - w + 1))  # past the last i whose window ends inside it
    if b > a:
        # in place: the same subtraction and division, without two full-size temporaries
        mid = out[a:b]
        np.subtract(cs[a + shift + w : b + shift + w], cs[a + shift : b + shift], out=mid)
        np.divide(mid, float(w), out=mid)
    edge = np.concatenate([np.arange(a), np.arange(b, n)])
    if edge.size:
        lo = np.minimum(np.maximum(edge + shift, 0), n)
        hi = np.minimum(np.maximum(edge + shift + w, 0), n)
        out[edge] = (cs[hi] - cs[lo]) / (hi - lo)[:, None]
    return out


def _running_sum(y: _F64) -> _F64:
    """``concatenate([zeros((1, n_ch)), cumsum(y, axis=0)])``: the sums of :func:`_window_mean`."""
    cs: _F64 = np.empty((y.shape[0] + 1, y.shape[1]))
    cs[0] = 0.0
    np.cumsum(y, axis=0, out=cs[1:])
    return cs


def _active_hodges_bui(
    x: _F64,
    fs: float,
    rest: _BOOL,
    k: float,
    *,
    lowpass_hz: float | None = 50.0,
    lowpass_order: int = 2,
    window: float = 0.05,
) -> _BOOL:
    w_s = check_positive(window, "window")
    w = max(1, round(w_s * fs))
    if w > x.shape[0]:
        raise SignalError(f"window of {w_s:g} s is longer than the signal ({x.shape[0] / fs:g} s)")
    y = np.asarray(rectify(x)).reshape(x.shape)
    y = _lowpass_or_skip(y, fs, lowpass_hz, lowpass_order).reshape(x.shape)
    # the threshold comes from the low-passed rectified samples, the test uses window means
    thr = _threshold(y, rest, k)
    return (_window_mean(y, w, -(w - 1)) > thr) & (_window_mean(y, w, 0) > thr)


def _default_m(fs: float) -> int:
    """Window length of the double threshold: 30 ms, at least 6 samples."""
    return max(6, round(0.03 * fs))


def double_threshold_false_alarm(pfa: float, m: int, r0: int) -> float:
    """False-alarm probability of one r0-of-m decision for independent noise samples.

    ``P = sum_{j=r0}^{m} C(m, j) pfa^j (1 - pfa)^(m - j)`` (Bonato et al. 1998, eq. for the
    second threshold). Band-passed noise is correlated, so the real rate is higher unless the
    signal is pre-whitened.

    Parameters
    ----------
    pfa : float
        Probability, in (0, 1), that one noise sample exceeds the first (amplitude) threshold.
    m : int
        Length of the observation window, in samples.
    r0 : int
        Number of samples, among the ``m``, that must exceed the first threshold (1 <= r0 <= m).

    Returns
    -------
    float
        Probability that one window of pure noise is declared active.
    """
    return float(stats.binom.sf(r0 - 1, m, pfa))


def _active_double_threshold(
    x: _F64,
    fs: float,
    rest: _BOOL,
    *,
    pfa: float = 0.01,
    m: int | None = None,
    r0: int | None = None,
) -> _BOOL:
    p = check_positive(pfa, "pfa")
    if p >= 1:
        raise SignalError(f"pfa is a probability and must lie in (0, 1), got {pfa!r}")
    m_ = _default_m(fs) if m is None else int(m)
    if m_ < 1 or m_ > x.shape[0]:
        raise SignalError(f"m must be a number of samples in [1, {x.shape[0]}], got {m!r}")
    r0_ = (m_ + 1) // 2 if r0 is None else int(r0)
    if not 1 <= r0_ <= m_:
        raise SignalError(f"r0 must satisfy 1 <= r0 <= m = {m_}, got {r0!r}")
    mu = np.empty(x.shape[1])
    var = np.empty(x.shape[1])
    for c in range(x.shape[1]):
        mu[c] = x[rest[:, c], c].mean()
        var[c] = x[rest[:, c], c].var(ddof=1)
    if np.any(var <= 0):
        raise SignalError(
            "the baseline window is flat (zero variance); choose a window with the noise floor"
        )
    z = (x - mu) ** 2 / var  # chi-square with 1 degree of freedom under Gaussian noise
    zeta = float(stats.chi2.isf(p, df=1))
    hits = (z > zeta).astype(np.float64)
    # truncated windows at the edges count fewer samples
    counts = _window_mean(hits, m_, -(m_ // 2)) * m_
    return counts >= r0_ - 1e-9


# ---------------------------------------------------------------------------------------------
# mask -> intervals
# ---------------------------------------------------------------------------------------------


def _intervals(active: _BOOL, fs: float, min_len: int, min_gap: int) -> _F64:
    """Runs of True in a 1-D mask: drop those shorter than ``min_len``, merge close ones."""
    padded = np.concatenate([[False], active, [False]]).astype(np.int8)
    edges = np.diff(padded)
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)  # exclusive
    keep = (ends - starts) >= max(min_len, 1)
    starts, ends = starts[keep], ends[keep]
    if starts.size > 1:
        new_group = np.concatenate([[True], (starts[1:] - ends[:-1]) >= min_gap])
        last_of_group = np.concatenate([new_group[1:], [True]])
        starts, ends = starts[new_group], ends[last_of_group]
    return np.column_stack([starts, ends]).astype(np.float64) / fs


def _intervals_each(active: _BOOL, fs: float, min_len: int, min_gap: int) -> list[_F64]:
    """:func:`_intervals` of every column of ``active`` ``(n_samples, n_channels)``, at once.

    The same integer run boundaries, dropped and merged by the same rules, column by column.
    """
    n, n_ch = active.shape
    padded = np.zeros((n_ch, n + 2), dtype=np.int8)
    padded[:, 1:-1] = active.T
    edges = np.diff(padded, axis=1)
    sc, starts = np.nonzero(edges == 1)  # column-major: by column, then by time
    _, ends = np.nonzero(edges == -1)  # exclusive ends, paired with the starts
    keep = (ends - starts) >= max(min_len, 1)
    sc, starts, ends = sc[keep], starts[keep], ends[keep]
    # a run starts a new burst when it is its column's first or far enough from the previous
    first = np.ones(starts.size, dtype=bool)
    if starts.size > 1:
        first[1:] = (sc[1:] != sc[:-1]) | ((starts[1:] - ends[:-1]) >= min_gap)
    last = np.ones(starts.size, dtype=bool)
    last[:-1] = first[1:]
    col, on, off = sc[first], starts[first], ends[last]
    bounds = np.searchsorted(col, np.arange(n_ch + 1))
    both = np.column_stack([on, off]).astype(np.float64) / fs
    return [both[bounds[c] : bounds[c + 1]] for c in range(n_ch)]


# ---------------------------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------------------------


def detect_onsets(
    x: npt.ArrayLike,
    fs: float,
    method: str = "tkeo",
    *,
    baseline: tuple[float, float] | None = None,
    k: float | None = None,
    min_duration: float = 0.025,
    min_gap: float = 0.05,
    **method_kw: Any,
) -> _F64 | list[_F64]:
    """Detect muscle activity bursts and return their (onset, offset) times.

    Parameters
    ----------
    x : array_like, shape (n_samples,) or (n_samples, n_channels)
        **Band-passed** sEMG in microvolts (e.g. ``bandpass(raw, fs, 20, 450)``; at 200-250 Hz
        use ``bandpass(raw, fs, 20, 90)`` or similar). No NaN: fill gaps first.
    fs : float
        Sampling rate in Hz.
    method : {"tkeo", "hodges_bui", "double_threshold"}
        Detector (see the module docstring and docs/onset.md).
    baseline : (float, float) or None
        Rest window ``(t0, t1)`` in seconds (at least 50 ms) from which the threshold is
        estimated, the same for all channels. ``None`` (default): for each channel, the quietest
        500 ms of the signal, i.e. the trailing 500 ms window with the lowest moving RMS of
        ``x``. The automatic choice needs a signal of at least 500 ms and assumes the
        recording contains rest; pass a window when the subject never rests.
    k : float, optional
        Threshold in baseline SDs above the baseline mean, for ``"tkeo"`` and ``"hodges_bui"``
        (default 3). Not used by ``"double_threshold"`` (set ``pfa`` instead).
    min_duration : float
        Runs of supra-threshold samples shorter than this (seconds, default 25 ms) are dropped:
        the "sustained for >= 25 ms" rule. Applied before merging.
    min_gap : float
        Bursts separated by less than this (seconds, default 50 ms) are merged into one.
    **method_kw
        ``"tkeo"``: ``lowpass_hz=50.0`` (None skips it), ``lowpass_order=2``.
        ``"hodges_bui"``: ``lowpass_hz=50.0``, ``lowpass_order=2``, ``window=0.05`` seconds
        (centred moving mean).
        ``"double_threshold"``: ``pfa=0.01`` (single-sample false-alarm probability of the first,
        chi-square threshold), ``m`` (window in samples, default 30 ms = ``round(0.03 fs)``,
        at least 6), ``r0`` (samples of the window that must exceed the first threshold,
        default ``ceil(m / 2)``).

    Returns
    -------
    ndarray, shape (n_bursts, 2), or list of such arrays
        ``[onset_s, offset_s]`` rows sorted by onset, non-overlapping, with
        ``0 <= onset < offset <= n_samples / fs``. The offset is the time of the first
        inactive sample after the burst. For 2-D input, one array per channel.

    Raises
    ------
    SignalError
        Non-positive ``fs``; empty or non-finite ``x``; baseline window outside the signal or
        shorter than 50 ms; ``k <= 0``; unknown ``method`` or method option.

    Examples
    --------
    >>> import numpy as np
    >>> from emgkit.signal.filters import bandpass
    >>> fs = 1000.0
    >>> rng = np.random.default_rng(0)
    >>> raw = 4 * rng.standard_normal(5000)
    >>> raw[2000:3000] += 60 * rng.standard_normal(1000)
    >>> detect_onsets(bandpass(raw, fs), fs).round(1)
    array([[2., 3.]])
    """
    fs = check_fs(fs)
    if method not in METHODS:
        raise SignalError(f"unknown onset method {method!r}; valid methods: {', '.join(METHODS)}")
    arr, was_1d = as_2d(x)
    min_len = round(check_nonneg_seconds(min_duration, "min_duration") * fs)
    gap = round(check_nonneg_seconds(min_gap, "min_gap") * fs)
    rest = _baseline_masks(arr, fs, baseline)

    allowed = {
        "tkeo": {"lowpass_hz", "lowpass_order"},
        "hodges_bui": {"lowpass_hz", "lowpass_order", "window"},
        "double_threshold": {"pfa", "m", "r0"},
    }[method]
    unknown = set(method_kw) - allowed
    if unknown:
        raise SignalError(
            f"unknown option(s) {sorted(unknown)} for method {method!r}; "
            f"valid: {sorted(allowed) or 'none'}"
        )
    if method == "double_threshold":
        if k is not None:
            raise SignalError(
                "k is not used by the double_threshold method; set pfa (first threshold) "
                "and m, r0 (second threshold) instead"
            )
        active = _active_double_threshold(arr, fs, rest, **method_kw)
    else:
        kk = _DEFAULT_K if k is None else check_positive(k, "k")
        if method == "tkeo":
            active = _active_tkeo(arr, fs, rest, kk, **method_kw)
        else:
            active = _active_hodges_bui(arr, fs, rest, kk, **method_kw)

    out = [_intervals(active[:, c], fs, min_len, gap) for c in range(arr.shape[1])]
    return out[0] if was_1d else out


def _detect_onsets_each(
    x: _F64,
    fs: float,
    method: str,
    baselines: Sequence[tuple[float, float]],
) -> list[_F64 | None]:
    """Per column ``c``: ``detect_onsets(x[:, c], fs, method=method, baseline=baselines[c])``.

    ``None`` where that call raises :class:`SignalError` (NaN in the column, a baseline window
    outside the signal, ...). ``"tkeo"`` and ``"hodges_bui"`` filter every column in one pass
    (the filter kernels compute each column alone, so the values are those of the one-column
    calls); ``"double_threshold"`` runs the one-column calls.
    """
    n_ch = x.shape[1]
    if method not in ("tkeo", "hodges_bui"):
        out: list[_F64 | None] = []
        for c in range(n_ch):
            try:
                out.append(np.asarray(detect_onsets(x[:, c], fs, method, baseline=baselines[c])))
            except SignalError:
                out.append(None)
        return out
    fs = check_fs(fs)
    arr = np.ascontiguousarray(x, dtype=np.float64)
    finite: _BOOL = np.zeros(n_ch, dtype=bool)
    if arr.shape[0]:
        finite = np.asarray(np.isfinite(arr).all(axis=0))
    good: list[int] = []
    masks: list[_BOOL] = []
    for c in range(n_ch):
        if not finite[c]:
            continue
        try:
            masks.append(_baseline_masks(arr[:, c : c + 1], fs, baselines[c])[:, 0])
        except SignalError:
            continue
        good.append(c)
    res: list[_F64 | None] = [None] * n_ch
    if not good:
        return res
    sub = arr if len(good) == n_ch else np.ascontiguousarray(arr[:, good])
    rest = np.column_stack(masks)
    try:
        if method == "tkeo":
            active = _active_tkeo(sub, fs, rest, _DEFAULT_K)
        else:
            active = _active_hodges_bui(sub, fs, rest, _DEFAULT_K)
    except SignalError:
        return res
    min_len, gap = round(0.025 * fs), round(0.05 * fs)
    for j, iv in enumerate(_intervals_each(active, fs, min_len, gap)):
        res[good[j]] = iv
    return res


def first_onset(
    x: npt.ArrayLike, fs: float, t_start: float, t_stop: float, **kw: Any
) -> float | _F64:
    """Time of the first burst onset within ``[t_start, t_stop]`` seconds, or NaN.

    Detection (and the baseline estimate) runs on the whole signal, then the first onset
    ``t_start <= onset <= t_stop`` is returned. A burst already active at ``t_start`` does not
    count: its onset lies before the window. Use it for muscle onset latencies relative to a
    movement onset (``first_onset(x, fs, t_move - 0.5, t_move + 1.0) - t_move``).

    Parameters
    ----------
    x, fs
        As for :func:`detect_onsets`.
    t_start, t_stop : float
        Search window in seconds, ``t_start <= t_stop``.
    **kw
        Passed to :func:`detect_onsets` (``method``, ``baseline``, ``k``, ...).

    Returns
    -------
    float or ndarray
        For 1-D ``x`` a float (NaN when no onset lies in the window); for 2-D ``x`` an array
        with one value per channel.
    """
    try:
        a, b = float(t_start), float(t_stop)
    except (TypeError, ValueError):
        raise SignalError(
            f"t_start and t_stop must be times in seconds, got {t_start!r}, {t_stop!r}"
        ) from None
    if not (math.isfinite(a) and math.isfinite(b)) or b < a:
        raise SignalError(
            f"search window ({t_start!r}, {t_stop!r}) must be finite with t_start <= t_stop"
        )
    res = detect_onsets(x, fs, **kw)
    per_ch = [res] if isinstance(res, np.ndarray) else res
    vals = np.full(len(per_ch), np.nan)
    for c, iv in enumerate(per_ch):
        on = iv[:, 0]
        inside = on[(on >= a) & (on <= b)]
        if inside.size:
            vals[c] = inside[0]
    return float(vals[0]) if isinstance(res, np.ndarray) else vals


# ---------------------------------------------------------------------------------------------
# onset refinement: change-point fit of the rising edge
# ---------------------------------------------------------------------------------------------

#: Centred moving-mean window of the mean-square envelope used by :func:`refine_onset`, s.
REFINE_WINDOW_S: Final[float] = 0.03
#: Longest walk back from the detected onset that :func:`refine_onset` allows, in seconds.
REFINE_MAX_BACK_S: Final[float] = 0.3
#: How far past the detected onset :func:`refine_onset` looks for the top of the rise, s.
REFINE_RISE_S: Final[float] = 0.8
#: The fit of :func:`refine_onset` ends where the rise reaches this fraction of its top
#: (``fit="ml"``; ``REFINE_FIT_TO_LSQ`` for ``fit="lsq"``).
REFINE_FIT_TO: Final[float] = 0.6
#: As ``REFINE_FIT_TO``, for the least-squares envelope fit (``fit="lsq"``).
REFINE_FIT_TO_LSQ: Final[float] = 0.3
#: Change-point fits of :func:`refine_onset`: maximum likelihood on the variance of the
#: band-passed signal (default), or least squares on a smoothed amplitude envelope.
REFINE_FITS: Final[tuple[str, ...]] = ("ml", "lsq")
#: Default fit of :func:`refine_onset`: ``"ml"`` from this sampling rate (Hz) up, ``"lsq"``
#: below (the likelihood fit was chosen and validated at 1 kHz; at 250 Hz one smooth-subject
#: onset read 51 ms early against 28 ms with ``"lsq"``, docs/onset.md).
REFINE_ML_MIN_FS: Final[float] = 500.0
#: Block length of the maximum-likelihood fit (block mean squares), seconds.
REFINE_BLOCK_S: Final[float] = 0.02
#: Exponents of the rise shapes ``(t - t_c)^p`` tried by :func:`refine_onset`.
REFINE_SHAPES: Final[tuple[float, ...]] = (0.75, 1.0)
# conventions of refine_onset (see its docstring): top-of-rise envelope window, guard margin
# and band, and the walk back allowed per second of the 10-60 % rise
_TOP_WINDOW_S: Final[float] = 0.1
_GUARD_S: Final[float] = 0.02
_GUARD_SD: Final[float] = 0.5
_BACK_PER_RISE: Final[float] = 0.5
#: Longest walk back of :func:`refine_onset` for a weak, slow rise, in seconds.
REFINE_MAX_BACK_WEAK_S: Final[float] = 0.6
# a weak, slow rise (conventions, see refine_onset): top of the rise between _WEAK_SNR_MIN and
# _WEAK_SNR_MAX times the baseline RMS and at least _WEAK_RISE_S from 10 % to 60 % of the top;
# it may walk back to the last time the _WALK_WINDOW_S envelope was at or below the baseline
# mean + _WALK_SD SD, plus _WALK_MARGIN_S for the fit; its baseline guard is _GUARD_WEAK_S
_WEAK_SNR_MIN: Final[float] = 2.0
_WEAK_SNR_MAX: Final[float] = 13.0
_WEAK_RISE_S: Final[float] = 0.1
_WALK_WINDOW_S: Final[float] = 0.05
_WALK_SD: Final[float] = 1.0
_WALK_MARGIN_S: Final[float] = 0.05
_GUARD_WEAK_S: Final[float] = 0.04
# the likelihood fit's window reaches at least this far past the crossing (s); its q grid has
# _ML_NQ log-spaced values over 10^-1.5 to 10^1.5 times the window end's excess power
_ML_AFTER_S: Final[float] = 0.05
_ML_NQ: Final[int] = 48


def refine_onset(
    x: npt.ArrayLike,
    fs: float,
    onset: float,
    baseline: tuple[float, float] | Sequence[float],
    *,
    earliest: float = 0.0,
    window: float = REFINE_WINDOW_S,
    max_back: float = REFINE_MAX_BACK_S,
    max_back_weak: float = REFINE_MAX_BACK_WEAK_S,
    rise: float = REFINE_RISE_S,
    fit_to: float | None = None,
    shapes: Sequence[float] = REFINE_SHAPES,
    fit: str | None = None,
) -> float:
    """Move a threshold-detected onset back to where the activation starts to rise.

    A threshold detector crosses late on a slow rise: the burst must first climb to
    ``mean + k * SD`` of the baseline (on a 700 ms linear ramp to 20 %MVC that takes
    50-120 ms). This function estimates the change point itself:

    1. amplitude envelope ``a(t) = sqrt(max(ms(t) - ms_base, 0))``, where ``ms`` is the
       centred ``window`` moving mean of ``x**2`` and ``ms_base`` its mean over ``baseline``
       (noise power subtracted, so ``a`` follows the activation amplitude, not the noise);
    2. the top of the rise is the maximum of a 100 ms version of ``a`` in
       ``[onset, onset + rise]``; the fit ends where that envelope first reaches ``fit_to``
       of the top (at least 5 samples after ``onset``);
    3. on ``[max(onset - back, earliest), end]``, where ``back`` is the smaller of
       ``max_back`` and half the time the 100 ms envelope takes to climb from 10 % to 60 %
       of the top (a fast rise leaves little lag to undo), a change point ``t_c`` is fitted
       for every candidate up to ``onset`` (2 ms grid) and every ``p`` in ``shapes``; the
       best ``t_c`` is the refined onset. ``fit="ml"`` (default at >= 500 Hz): maximum
       likelihood on the **variance** of ``x``: the mean squares ``y_j`` of
       ``REFINE_BLOCK_S`` (20 ms) blocks are ``sigma_j^2 chi2(nu) / nu`` with
       ``sigma^2(t) = ms_base + q (t - t_c)_+^(2p)`` (block-averaged); the negative
       log-likelihood ``sum_j log sigma_j^2 + y_j / sigma_j^2`` is minimised over ``t_c``,
       ``p`` and ``q > 0`` (48-point log grid). The noise power enters the model instead of
       being subtracted from a smoothed envelope; ``nu`` (the blocks' effective degrees of
       freedom) scales the likelihood and does not move its maximum. The window reaches at
       least 50 ms past ``onset`` (an abrupt rise is past ``end`` at once). ``fit="lsq"``
       (the earlier method, default below 500 Hz): least squares on ``a``, ``a = b`` before
       ``t_c`` and ``a = b + s (t - t_c)^p`` after (``s > 0``);
    4. guard: the result is not more than 20 ms before the last time (up to ``onset``) the
       envelope ``ms`` was inside the baseline band ``ms_base + 0.5 SD`` (SD of ``ms`` over
       the baseline).

    A **weak, slow rise** (top of the 100 ms envelope 2-13 times the baseline RMS, at least
    100 ms from 10 % to 60 % of the top) crosses the threshold far into its ramp, and its
    noisy rise-time estimate is short. For it, ``back`` may grow to the time since the last
    sample at which a centred 50 ms mean-square envelope was at or below its baseline mean +
    1 SD, plus 50 ms (at most ``max_back_weak``). Under ``fit="lsq"`` the guard of step 4 is
    then 40 ms (its 30 ms envelope touches the baseline band again after the true onset);
    under ``fit="ml"`` a weak rise has no guard (the likelihood models the noise that made
    the envelope touch the band).

    The result lies in ``[max(onset - back, earliest), onset]``: noise before the rise
    can never pull the onset back further than ``max_back`` (``max_back_weak`` for a weak,
    slow rise) nor out of the caller's search window, and the refinement never moves an
    onset later. Without a usable rise (flat
    envelope, no positive slope) the detected onset is returned unchanged.

    Refining a threshold onset by a statistical change-point fit follows the (approximated)
    GLR family (Micera, Sabatini & Dario 1998; Staude et al. 2001, EURASIP J Appl Signal
    Process 2001(2):67-81); the envelope model (constant,
    then a power-law rise: linear for a linearly ramped amplitude, concave (``p = 0.75``)
    when the first recruited motor units make the amplitude jump) and every numeric default here
    are this package's conventions, chosen on the synthetic generators (the ``"ml"`` block
    length, fit end and weak-rise guard on seeds 1-4 of ``motor_unit`` only); docs/onset.md
    has the measured accuracy.

    Parameters
    ----------
    x : array_like, shape (n_samples,)
        Band-passed sEMG of one channel in microvolts.
    fs : float
        Sampling rate in Hz.
    onset : float
        Detected onset, seconds from the first sample of ``x`` (e.g. from
        :func:`detect_onsets`).
    baseline : (float, float)
        Rest window (seconds, at least 50 ms) before the burst; the noise power comes from it.
    earliest : float
        The refined onset is never before this time (seconds), e.g. the search-window start.
    window : float
        Moving-mean window of the mean-square envelope, seconds (default 30 ms).
    max_back : float
        Largest backward move, seconds (default 300 ms).
    max_back_weak : float
        Largest backward move for a weak, slow rise, seconds (default 600 ms).
    rise : float
        How far after ``onset`` the top of the rise is searched, seconds (default 800 ms).
    fit_to : float, optional
        Fraction of the top (0-1) at which the fitted stretch ends (default 0.6 for
        ``fit="ml"``, 0.3 for ``fit="lsq"``).
    shapes : sequence of float
        Positive exponents ``p`` of the rise tried (default 0.75, 1).
    fit : {"ml", "lsq"}, optional
        Change-point fit of step 3 (default ``"ml"`` at ``fs >= 500`` Hz, ``"lsq"`` below).

    Returns
    -------
    float
        Refined onset in seconds, ``<= onset``; NaN when ``onset`` is NaN.

    Raises
    ------
    SignalError
        ``x`` with more than one channel, non-positive ``fs``, ``onset`` outside the signal,
        invalid baseline window, non-positive ``window`` or ``rise``, ``fit_to`` outside
        (0, 1], non-positive shapes, unknown ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> fs = 1000.0
    >>> rng = np.random.default_rng(1)
    >>> t = np.arange(4000) / fs
    >>> amp = 3 + 60 * np.clip((t - 2.0) / 0.5, 0, 1)  # linear 500 ms ramp from 2.0 s
    >>> x = amp * rng.standard_normal(t.size)
    >>> late = 2.08                                    # a threshold crossing 80 ms late
    >>> bool(abs(refine_onset(x, fs, late, (0.5, 1.5)) - 2.0) < 0.03)
    True
    """
    fs = check_fs(fs)
    arr, was_1d = as_2d(x)
    if not was_1d and arr.shape[1] != 1:
        raise SignalError("refine_onset takes one channel: x must be shaped (n_samples,)")
    t_on = float(onset)
    if not math.isfinite(t_on):
        return float("nan")
    n = arr.shape[0]
    i_on = round(t_on * fs)
    if not 0 <= i_on < n:
        raise SignalError(f"onset {t_on:g} s is outside the signal (0 to {n / fs:g} s)")
    if fit is None:
        fit = "ml" if fs >= REFINE_ML_MIN_FS else "lsq"
    if fit not in REFINE_FITS:
        raise SignalError(f"fit must be one of {', '.join(REFINE_FITS)}, got {fit!r}")
    if fit_to is None:
        fit_to = REFINE_FIT_TO if fit == "ml" else REFINE_FIT_TO_LSQ
    frac = check_positive(fit_to, "fit_to")
    if frac > 1:
        raise SignalError(f"fit_to is a fraction of the rise in (0, 1], got {fit_to!r}")
    ps = [check_positive(p, "shapes") for p in shapes]
    if not ps:
        raise SignalError("shapes must name at least one exponent, e.g. (0.75, 1.0)")
    rest = _baseline_masks(arr, fs, baseline)[:, 0]
    sq = arr * arr
    cs = _running_sum(sq)  # shared by the three envelopes below
    w = max(1, round(check_positive(window, "window") * fs))
    wt = max(1, round(_TOP_WINDOW_S * fs))
    ww = max(1, round(_WALK_WINDOW_S * fs))
    return _refine(
        arr[:, 0],
        fs,
        t_on,
        rest,
        _window_mean(sq, w, -(w // 2), cs)[:, 0],
        _window_mean(sq, wt, -(wt // 2), cs)[:, 0],
        lambda: _window_mean(sq, ww, -(ww // 2), cs)[:, 0],
        earliest=earliest,
        max_back=max_back,
        max_back_weak=max_back_weak,
        rise=rise,
        frac=frac,
        ps=ps,
        fit=fit,
    )


def _refine(
    x: _F64,
    fs: float,
    t_on: float,
    rest: _BOOL,
    ms: _F64,
    wide: _F64,
    walk_env: Callable[[], _F64],
    *,
    earliest: float,
    max_back: float,
    max_back_weak: float,
    rise: float,
    frac: float,
    ps: list[float],
    fit: str,
) -> float:
    """Steps 2-4 of :func:`refine_onset` on one channel ``x`` with its envelopes.

    ``ms`` and ``wide`` are the centred ``window`` and 100 ms moving means of ``x**2``;
    ``walk_env`` returns the 50 ms one (needed for a weak rise only).
    """
    n = x.shape[0]
    i_on = round(t_on * fs)
    ms_rest = ms[rest]  # gathered once for the baseline mean here and the guard's SD below
    ms_base = ms_rest.mean()
    i_end = min(n, i_on + max(1, round(check_positive(rise, "rise") * fs)))
    # only samples before i_end are read below (i_top < i_end, and i_60 <= i_top since
    # big[i_top] = top): the same elementwise values on that prefix
    big = np.sqrt(np.maximum(wide[:i_end] - ms_base, 0.0))
    top = float(big[i_on:i_end].max())
    if not top > 0:
        return t_on
    reached = np.flatnonzero(big[i_on:i_end] >= frac * top)
    i_fit = min(n, max(i_on + int(reached[0]), i_on + 5))
    # a fast rise leaves little lag to undo: the walk back is at most _BACK_PER_RISE times
    # the time the 100 ms envelope takes from 10 % to 60 % of the top
    i_top = i_on + int(np.argmax(big[i_on:i_end]))
    hi_idx = np.flatnonzero(big[: i_top + 1] < 0.6 * top)
    i_60 = int(hi_idx[-1]) + 1 if hi_idx.size else i_top
    lo_idx = np.flatnonzero(big[: i_60 + 1] < 0.1 * top)
    i_10 = int(lo_idx[-1]) + 1 if lo_idx.size else 0
    back = min(check_nonneg_seconds(max_back, "max_back"), _BACK_PER_RISE * (i_60 - i_10) / fs)
    # a weak, slow rise: the crossing can lie far into the ramp and the rise-time estimate of a
    # noisy envelope is short, so walk back to the last time a 50 ms envelope was at baseline
    noise_rms = math.sqrt(ms_base) if ms_base > 0 else 0.0
    weak = (
        _WEAK_SNR_MIN * noise_rms <= top < _WEAK_SNR_MAX * noise_rms
        and (i_60 - i_10) / fs >= _WEAK_RISE_S
    )
    if weak:
        mw = walk_env()
        mw_rest = mw[rest]
        below = np.flatnonzero(mw[: i_on + 1] <= mw_rest.mean() + _WALK_SD * mw_rest.std())
        walk = (i_on - int(below[-1])) / fs if below.size else math.inf
        weak_max = check_nonneg_seconds(max_back_weak, "max_back_weak")
        back = max(back, min(weak_max, walk + _WALK_MARGIN_S))
    lo_t = max(t_on - back, float(earliest), 0.0)
    i_lo = min(max(0, math.ceil(lo_t * fs - 1e-9)), i_on)
    if i_fit - i_lo < 4:
        return t_on
    step = max(1, round(0.002 * fs))
    cand = np.arange(i_lo, i_on + 1, step) / fs
    if fit == "ml":
        # the likelihood needs the rise in its window: at least _ML_AFTER_S past the crossing
        i_ml = min(n, max(i_fit, i_on + round(_ML_AFTER_S * fs)))
        best_t = _ml_change_point(x, fs, i_lo, i_ml, cand, ms_base, ps, REFINE_BLOCK_S)
    else:
        amp = np.sqrt(np.maximum(ms - ms_base, 0.0))
        best_t = _lsq_change_point(amp, fs, i_lo, i_fit, cand, ps, t_on)
    # guard: not more than _GUARD_S before the last time the envelope touched the baseline
    # mean, so a fit pulled back by noise or an earlier bump before the rise is cut short
    # (40 ms for a weak rise: its 30 ms envelope touches the baseline again after the onset)
    i_b = round(best_t * fs)
    band = ms_base + _GUARD_SD * ms_rest.std()
    at_base = np.flatnonzero(ms[i_b : i_on + 1] <= band)
    # (none for a weak rise under the likelihood fit, whose noise is in its model)
    if at_base.size and not (weak and fit == "ml"):
        guard = _GUARD_WEAK_S if weak else _GUARD_S
        best_t = max(best_t, (i_b + int(at_base[-1])) / fs - guard)
    return float(min(max(best_t, lo_t), t_on))


def _refine_onsets_each(
    x: _F64,
    fs: float,
    onsets: _F64,
    baselines: Sequence[tuple[float, float]],
    earliest: float,
) -> list[float]:
    """Per column ``c``: ``refine_onset(x[:, c], fs, onsets[c], baselines[c], earliest=...)``.

    The defaults of :func:`refine_onset` throughout; NaN onsets stay NaN. The envelopes of
    all columns come from one pass (each column's values are those of the one-column call:
    elementwise operations and a running sum along time).
    """
    fs = check_fs(fs)
    arr = np.ascontiguousarray(x, dtype=np.float64)
    out = [float("nan")] * arr.shape[1]
    todo = [c for c in range(arr.shape[1]) if math.isfinite(float(onsets[c]))]
    if not todo:
        return out
    sub = arr if len(todo) == arr.shape[1] else np.ascontiguousarray(arr[:, todo])
    sub, _ = as_2d(sub)
    n = sub.shape[0]
    fit = "ml" if fs >= REFINE_ML_MIN_FS else "lsq"
    frac = REFINE_FIT_TO if fit == "ml" else REFINE_FIT_TO_LSQ
    sq = sub * sub
    cs = _running_sum(sq)
    w = max(1, round(REFINE_WINDOW_S * fs))
    wt = max(1, round(_TOP_WINDOW_S * fs))
    ww = max(1, round(_WALK_WINDOW_S * fs))
    ms = _window_mean(sq, w, -(w // 2), cs)
    wide = _window_mean(sq, wt, -(wt // 2), cs)
    walk: list[_F64] = []

    def walk_col(j: int) -> Callable[[], _F64]:
        def get() -> _F64:
            if not walk:
                walk.append(_window_mean(sq, ww, -(ww // 2), cs))
            return walk[0][:, j]

        return get

    for j, c in enumerate(todo):
        t_on = float(onsets[c])
        if not 0 <= round(t_on * fs) < n:
            raise SignalError(f"onset {t_on:g} s is outside the signal (0 to {n / fs:g} s)")
        rest = _baseline_masks(sub[:, j : j + 1], fs, baselines[c])[:, 0]
        # column views: every reduction in _refine runs on a contiguous temporary (a masked
        # selection, an elementwise result or a reshaped copy), as in the one-column call
        out[c] = _refine(
            sub[:, j],
            fs,
            t_on,
            rest,
            ms[:, j],
            wide[:, j],
            walk_col(j),
            earliest=earliest,
            max_back=REFINE_MAX_BACK_S,
            max_back_weak=REFINE_MAX_BACK_WEAK_S,
            rise=REFINE_RISE_S,
            frac=frac,
            ps=list(REFINE_SHAPES),
            fit=fit,
        )
    return out


def _lsq_change_point(
    amp: _F64, fs: float, i_lo: int, i_fit: int, cand: _F64, ps: list[float], t_on: float
) -> float:
    """Least-squares change point of the amplitude envelope ``amp`` on ``[i_lo, i_fit)``."""
    a = amp[i_lo:i_fit]
    t = np.arange(i_lo, i_fit) / fs
    a_c = a - a.mean()
    saa = float(a_c @ a_c)
    best_sse, best_t = math.inf, t_on
    for p in ps:
        h = np.maximum(t[None, :] - cand[:, None], 0.0) ** p  # (n_cand, n_pts)
        h_c = h - h.mean(axis=1, keepdims=True)
        shh = np.einsum("ij,ij->i", h_c, h_c)
        sha = h_c @ a_c
        ok = (shh > 0) & (sha > 0)  # a rise (positive slope) only
        if not ok.any():
            continue
        sse = np.where(ok, saa - sha**2 / np.where(shh > 0, shh, 1.0), np.inf)
        j = int(np.argmin(sse))
        if sse[j] < best_sse:
            best_sse, best_t = float(sse[j]), float(cand[j])
    return best_t


def _ml_change_point(
    x: _F64,
    fs: float,
    i_lo: int,
    i_fit: int,
    cand: _F64,
    sigma0_sq: float,
    ps: list[float],
    block: float,
) -> float:
    """Maximum-likelihood change point (see :func:`_ml_change_point_numpy`, the reference).

    With numba on, the kernel :func:`emgkit.signal._kernels._onset.ml_change_point_best`
    evaluates the same likelihood on the same grid in the same order; it returns the same
    candidate unless two candidates' likelihoods agree to about 1e-13 relative.
    """
    L = max(1, round(block * fs))
    nb = (i_fit - i_lo) // L
    if nb < 4 or not sigma0_sq > 0:
        return float(cand[-1])
    d = np.rint(cand * fs).astype(np.int64) - i_lo
    if not _use_kernel() or d.size == 0 or d[0] < 0:
        return _ml_change_point_numpy(x, fs, i_lo, i_fit, cand, sigma0_sq, ps, block)
    seg = x[i_lo : i_lo + nb * L].reshape(nb, L)
    y = np.mean(seg * seg, axis=1)
    tail = max(1, nb // 8)
    y_top = max(float(np.mean(y[-tail:])) - sigma0_sq, 0.1 * sigma0_sq)
    psum = _power_prefix(fs, tuple(2.0 * p for p in ps), nb * L)
    j = int(ml_change_point_best(y, float(sigma0_sq), L, psum, d, tail, y_top, _ML_GRID))
    return float(cand[j]) if j >= 0 else float(cand[-1])


def _use_kernel() -> bool:
    """Whether :func:`_ml_change_point` runs the numba kernel rather than the numpy reference.

    The kernel once numba has started in this process (:func:`emgkit.signal._kernels.numba_started`:
    a long recording's zero-phase filter has run) or the kernel has already run; before that the
    numpy reference, so a short session's analysis (the demo's) does not start numba and compile
    this kernel (about 1.2 s CPU once, plus numba's start-up) for a fit numpy does in ~0.1 s.
    Both pick the same candidate unless two likelihoods agree to about 1e-13 relative.
    """
    return NUMBA_ENABLED and _k.numba_started(ml_change_point_best)


_POWER_PREFIX: dict[tuple[float, tuple[float, ...]], _F64] = {}


def _power_prefix(fs: float, es: tuple[float, ...], n: int) -> _F64:
    """``out[s, m] = sum_{r=1}^{m} (r / fs)^es[s]`` for ``m = 0..M``, ``M >= n`` (cached).

    The table's length is a power of two (at least 4096), so numpy's vectorised power has no
    scalar tail and each entry is the same whatever the length (the cumulative sum is
    sequential): every call sees the same values, whichever calls came before.
    """
    key = (float(fs), es)
    tab = _POWER_PREFIX.get(key)
    if tab is None or tab.shape[1] <= n:
        m = 4096
        while m < n:
            m *= 2
        r = np.arange(1, m + 1) / fs
        tab = np.zeros((len(es), m + 1))
        for k, e in enumerate(es):
            np.cumsum(r**e, out=tab[k, 1:])
        tab.flags.writeable = False
        _POWER_PREFIX[key] = tab
    return tab


def _ml_grid() -> _F64:
    """The relative ``q`` grid of the likelihood fit (``_ML_NQ`` log-spaced values)."""
    return np.logspace(-1.5, 1.5, _ML_NQ)


_ML_GRID: Final[_F64] = _ml_grid()


def _ml_change_point_numpy(
    x: _F64,
    fs: float,
    i_lo: int,
    i_fit: int,
    cand: _F64,
    sigma0_sq: float,
    ps: list[float],
    block: float,
) -> float:
    """Maximum-likelihood change point of the variance of ``x`` on ``[i_lo, i_fit)``.

    Block mean squares ``y_j`` (``block`` seconds) are modelled as
    ``sigma_j^2 chi2(nu) / nu`` with ``sigma^2(t) = sigma0^2 + q (t - t_c)_+^(2p)``
    averaged over the block; the negative log-likelihood
    ``(nu / 2) sum_j (log sigma_j^2 + y_j / sigma_j^2)`` is minimised over ``t_c`` in
    ``cand``, ``p`` in ``ps`` and ``q > 0`` (log grid). ``nu`` scales every term equally, so
    the argmin does not depend on it.
    """
    L = max(1, round(block * fs))
    nb = (i_fit - i_lo) // L
    if nb < 4 or not sigma0_sq > 0:
        return float(cand[-1])
    seg = x[i_lo : i_lo + nb * L].reshape(nb, L)
    y = np.mean(seg * seg, axis=1)
    ts = (i_lo + np.arange(nb * L)).reshape(nb, L) / fs
    tail = max(1, nb // 8)
    y_top = max(float(np.mean(y[-tail:])) - sigma0_sq, 0.1 * sigma0_sq)
    grid = _ml_grid()
    best_nll, best_t = math.inf, float(cand[-1])
    for p in ps:
        h = np.mean(np.maximum(ts[None] - cand[:, None, None], 0.0) ** (2.0 * p), axis=2)
        h_end = h[:, -tail:].mean(axis=1)
        ok = h_end > 0
        if not ok.any():
            continue
        q = (y_top / np.where(ok, h_end, 1.0))[:, None] * grid[None, :]
        var = sigma0_sq + q[:, :, None] * h[:, None, :]
        nll = np.sum(np.log(var) + y[None, None, :] / var, axis=2)
        nll[~ok] = np.inf
        j = np.unravel_index(int(np.argmin(nll)), nll.shape)
        if nll[j] < best_nll:
            best_nll, best_t = float(nll[j]), float(cand[j[0]])
    return best_t


# ---------------------------------------------------------------------------------------------
# steady part of a baseline window
# ---------------------------------------------------------------------------------------------

#: Block length of :func:`steady_baseline`, seconds.
STEADY_BLOCK_S: Final[float] = 0.05
#: Reference of :func:`steady_baseline`: the median block RMS over this last stretch, seconds.
STEADY_REF_S: Final[float] = 0.3
#: A block whose RMS is more than this factor above or below the reference is not steady.
STEADY_RATIO: Final[float] = 2.5
#: Shortest steady window :func:`steady_baseline` returns; shorter: the whole window.
STEADY_MIN_S: Final[float] = 0.3


def steady_baseline(
    x: npt.ArrayLike,
    fs: float,
    baseline: tuple[float, float] | Sequence[float],
    *,
    block: float = STEADY_BLOCK_S,
    ref: float = STEADY_REF_S,
    ratio: float = STEADY_RATIO,
    min_len: float = STEADY_MIN_S,
) -> tuple[float, float]:
    """The steady end of a baseline window: the stretch before its end at one activity level.

    A pre-movement baseline can hold a change of level (tonic postural activity switching on,
    a rest period ending) or a transient (a motion spike, the synchronous first discharge of
    newly recruited motor units). Either inflates the baseline SD, so a threshold detector
    misses the burst that follows. This function cuts the window into ``block`` blocks, takes
    the median block RMS of the last ``ref`` seconds as the level just before the window's
    end, and starts the window after the last block whose RMS lies more than ``ratio`` times
    above or below that level. When the steady stretch is shorter than ``min_len``, the whole
    window is returned (nothing steady enough to stand for the baseline alone).

    Sparse short events (an ECG beat in every second block or fewer) leave the median level
    unchanged but are cut like any transient when they exceed ``ratio``; the window then
    starts after the last of them. The block, reference, ratio and length values are this
    package's conventions (chosen on the synthetic generators with tonic erector activity,
    docs/onset.md), not a published rule.

    Parameters
    ----------
    x : array_like, shape (n_samples,)
        Band-passed sEMG of one channel in microvolts.
    fs : float
        Sampling rate in Hz.
    baseline : (float, float)
        The baseline window in seconds from the first sample of ``x`` (at least 50 ms).
    block : float
        Block length, seconds (default 50 ms).
    ref : float
        Length of the reference stretch at the window's end, seconds (default 300 ms).
    ratio : float
        Largest factor (> 1) between a steady block's RMS and the reference (default 2.5).
    min_len : float
        Shortest steady stretch returned, seconds (default 300 ms).

    Returns
    -------
    (float, float)
        ``(start, end)`` with ``baseline[0] <= start < end == baseline[1]``.

    Raises
    ------
    SignalError
        ``x`` with more than one channel, non-positive ``fs``, a baseline window outside the
        signal or shorter than 50 ms, non-positive ``block``, ``ref`` or ``min_len``,
        ``ratio <= 1``.

    Examples
    --------
    >>> import numpy as np
    >>> fs = 1000.0
    >>> rng = np.random.default_rng(0)
    >>> x = 2.0 * rng.standard_normal(3000)
    >>> x[1500:] *= 5.0                       # tonic activity switches on at 1.5 s
    >>> steady_baseline(x, fs, (1.0, 2.5))
    (1.5, 2.5)
    """
    fs = check_fs(fs)
    arr, was_1d = as_2d(x)
    if not was_1d and arr.shape[1] != 1:
        raise SignalError("steady_baseline takes one channel: x must be shaped (n_samples,)")
    _baseline_masks(arr, fs, baseline)  # validates the window
    t0, t1 = float(baseline[0]), float(baseline[1])
    nb = max(1, round(check_positive(block, "block") * fs))
    r = check_positive(ratio, "ratio")
    if r <= 1:
        raise SignalError(f"ratio must be > 1, got {ratio!r}")
    i0, i1 = max(0, math.ceil(t0 * fs - 1e-9)), min(arr.shape[0], math.floor(t1 * fs + 1e-9))
    k = (i1 - i0) // nb
    n_ref = max(1, round(check_positive(ref, "ref") * fs / nb))
    n_min = check_positive(min_len, "min_len")
    if k < 2:
        return (t0, t1)
    seg = arr[i1 - k * nb : i1, 0].reshape(k, nb)
    rms = np.sqrt(np.mean(seg * seg, axis=1))
    level = float(np.median(rms[-n_ref:]))
    if not level > 0:
        return (t0, t1)
    off = np.flatnonzero((rms > r * level) | (rms < level / r))
    first = int(off[-1]) + 1 if off.size else 0
    if first == 0 or (k - first) * nb / fs < n_min - 1e-9:
        return (t0, t1)
    return ((i1 - (k - first) * nb) / fs, t1)


def _steady_baselines_each(
    x: _F64, fs: float, baseline: tuple[float, float]
) -> list[tuple[float, float] | None]:
    """Per column ``c``: ``steady_baseline(x[:, c], fs, baseline)`` with its defaults.

    ``None`` where that call raises :class:`SignalError` (NaN in the column, a window outside
    the signal). The block mean squares of all columns come from one channel-major copy, each
    block reduced along its own contiguous samples as in the one-column call (same values).
    """
    fs = check_fs(fs)
    arr = np.ascontiguousarray(x, dtype=np.float64)
    n_ch = arr.shape[1]
    out: list[tuple[float, float] | None] = [None] * n_ch
    if arr.shape[0] == 0 or n_ch == 0:
        return out
    try:
        _baseline_masks(arr[:, :1], fs, baseline)  # validates the window (same for every column)
    except SignalError:
        return out
    finite = np.asarray(np.isfinite(arr).all(axis=0))
    t0, t1 = float(baseline[0]), float(baseline[1])
    nb = max(1, round(STEADY_BLOCK_S * fs))
    i0 = max(0, math.ceil(t0 * fs - 1e-9))
    i1 = min(arr.shape[0], math.floor(t1 * fs + 1e-9))
    k = (i1 - i0) // nb
    n_ref = max(1, round(STEADY_REF_S * fs / nb))
    if k < 2:
        return [(t0, t1) if finite[c] else None for c in range(n_ch)]
    seg = np.ascontiguousarray(arr[i1 - k * nb : i1].T).reshape(n_ch, k, nb)
    rms_all = np.sqrt(np.mean(seg * seg, axis=2))
    for c in range(n_ch):
        if not finite[c]:
            continue
        rms = rms_all[c]
        level = float(np.median(rms[-n_ref:]))
        out[c] = (t0, t1)
        if not level > 0:
            continue
        off = np.flatnonzero((rms > STEADY_RATIO * level) | (rms < level / STEADY_RATIO))
        first = int(off[-1]) + 1 if off.size else 0
        if first == 0 or (k - first) * nb / fs < STEADY_MIN_S - 1e-9:
            continue
        out[c] = ((i1 - (k - first) * nb) / fs, t1)
    return out
