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
from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from scipy import stats

from emgkit.errors import SignalError
from emgkit.signal._checks import as_2d, check_fs, check_nonneg_seconds, check_positive
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
        seg = y[rest[:, c], c]
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


def _window_mean(y: _F64, w: int, shift: int) -> _F64:
    """Mean of ``y[i + shift : i + shift + w]`` for every ``i``, truncated at the edges.

    ``shift = -(w // 2)``: centred window; ``-(w - 1)``: trailing (ends at ``i``); ``0``: leading.
    """
    n = y.shape[0]
    csum = np.concatenate([np.zeros((1, y.shape[1])), np.cumsum(y, axis=0)])
    idx = np.arange(n)
    lo = np.clip(idx + shift, 0, n)
    hi = np.clip(idx + shift + w, 0, n)
    out: _F64 = (csum[hi] - csum[lo]) / (hi - lo)[:, None]
    return out


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
