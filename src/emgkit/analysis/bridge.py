"""The bridge-test analysis: Recording in, tidy DataFrames out.

Pipeline (defaults from clinical-anchors.md, see docs/analysis.md):

1. Fill missing samples with 0 for filtering; they stay excluded from every metric window.
2. Raw channels: zero-phase 4th-order Butterworth band-pass 20-450 Hz (30-450 Hz on trunk
   channels, ECG removal after Drake & Callaghan 2006); envelope channels skip the band-pass.
3. 100 ms centred moving RMS envelope.
4. MVC per channel (``AnalysisParams.mvc_method``): by default the RMS over the steady part of
   each of that muscle's and side's MVC holds, maximum over holds and positions (the
   conventional best 500 ms window is ``"peak_window"``); %MVC = hold RMS / MVC x 100.
5. Onsets: TKEO-conditioned threshold on the band-passed signal against each rep's own
   pre-movement baseline, refined back to the rise (docs/onset.md); latency relative to the
   rep's movement onset (the rep marker).
6. Ratios glute:hamstring and glute:erector per side and rep from %MVC; left/right symmetry angle.

:func:`analyze_bridge` runs this as a chain of private steps, each a function of arrays or
DataFrames with ``fs`` passed explicitly: inputs (``_emg_indices``, ``_find_holds``,
``_band_limit_note``), signal quality (``_assess``), steps 1-3 (``_filter``), rest level and
MVC (``_rest_levels``, ``_mvc_table``, ``_no_activity``), per-hold %MVC and onsets
(``_epoch_table``, ``_rep_table``), then the tables derived from the reps (``_summary``,
``_ratios``, ``_symmetry``, ``_variants``, ``_pain``, ``_fatigue``, ``_meta``).
"""

from __future__ import annotations

import itertools
import math
import warnings
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from emgkit.analysis import _threads as _th
from emgkit.analysis.attempts import drop_discarded
from emgkit.analysis.metrics import (
    SideDifference,
    asymmetry_outcome,
    combine_differences,
    healthy_range,
    limb_symmetry_index,
    mvc_log_ratio_se,
    plateau_log_se,
    ratio,
    side_difference,
    symmetry_index,
)
from emgkit.analysis.normalize import (
    MVC_MIN_SNR,
    PCT_MVC_SUBMAXIMAL,
    best_window_mean,
    mvc_amplitude,
    plateau_rms,
)
from emgkit.analysis.params import AnalysisParams, _raw_and_trunk, envelopes
from emgkit.analysis.quality import (
    QualityAssessment,
    _band_measures,
    _finish,
    _low_measures,
    _stage,
    assess_recording,
    rest_window,
)
from emgkit.analysis.segment import segment
from emgkit.errors import BandLimitWarning, ConfigError, SignalError
from emgkit.muscles import GLUTE, HAMSTRING_MUSCLES, TRUNK_MUSCLES
from emgkit.protocol import Protocol, Trial, load_protocol
from emgkit.recording import Event, Recording, SignalKind
from emgkit.signal.envelope import moving_rms
from emgkit.signal.pipeline import TRUNK_HIGHPASS_HZ

__all__ = ["AnalysisParams", "BridgeResult", "analyze_bridge", "envelopes"]

#: Which MVC trial normalises which muscle when the protocol has no trial of its own: the
#: resisted Sorensen (erector spinae) also serves the lumbar multifidus site, the hamstring
#: trial serves the medial/lateral hamstring sites (clinical-anchors.md section 3).
MVC_EQUIVALENT: dict[str, tuple[str, ...]] = {
    "multifidus": ("multifidus", "erector_spinae"),
    "biceps_femoris": ("biceps_femoris", "hamstrings"),
    "semitendinosus": ("semitendinosus", "hamstrings"),
    "hamstrings": ("hamstrings", "biceps_femoris", "semitendinosus"),
}


@dataclass(slots=True)
class BridgeResult:
    """Results of :func:`analyze_bridge`, as tidy DataFrames.

    Attributes
    ----------
    mvc : DataFrame
        channel, muscle, side, mvc_uv (see :mod:`emgkit.analysis.normalize` for the
        definition), source_trial, n_mvc_holds, rest_uv (the channel's rest RMS), snr
        (mvc_uv / rest_uv), mvc_ok (False: %MVC refused for this channel), mvc_note,
        mvc_log_se and mvc_log_se_df (standard error of log mvc_uv from the plateau of the
        hold that gave it, by overlapping batch means:
        :func:`emgkit.analysis.metrics.plateau_log_se`;
        it enters the %MVC left/right intervals).
    reps : DataFrame
        trial, task, cue, side_task, rep, channel, muscle, side, hold_s (hold duration),
        amplitude_uv (RMS over the hold), pct_mvc, onset_s, latency_s (onset relative to
        movement onset; negative = before), quality, quality_note.
    summary : DataFrame
        Per trial, muscle and side: pct_mvc mean, SD and CV (%) over reps, n_reps, hold_s
        (mean hold duration), amplitude_uv, latency_ms (mean) and latency_sd_ms,
        above_mvc (mean %MVC above ``PCT_MVC_SUBMAXIMAL``: the MVC was probably sub-maximal),
        quality, quality_note.
    ratios : DataFrame
        Per trial, rep and side: glute_ham and glute_erector (%MVC ratios), quality,
        quality_note.
    symmetry : DataFrame
        Per comparison (each double-leg trial, reps paired; the single-leg pair, holds
        unpaired) and muscle: pct_left, pct_right, symmetry_angle (from the geometric mean
        left/right ratio over reps or holds), ci_low, ci_high (95 % interval of the symmetry
        angle from the rep-to-rep or hold-to-hold variability plus the two sides' MVC
        normalisation error: a t-interval on log(L/R)),
        interval_source, symmetry_index, lsi, lower_side, threshold (the meaningful
        symmetry angle: ``asymmetry_floor`` or, when wider, healthy_range), healthy_range
        (95 % range of a healthy person with natural side differences of
        :data:`~emgkit.analysis.metrics.NATURAL_SIDE_CV` measured with this comparison's
        noise, points), log_ratio_se, mvc_log_ratio_se and natural_sd (standard error of the
        measured log(L/R), the part of it from the MVC normalisation, and SD of the natural
        one), outcome ("likely asymmetric" / "inconclusive" /
        "no meaningful difference"), meaningful (outcome is "likely asymmetric"), mdc
        (1.96 x sqrt(2) x standard error of the symmetry angle), n_epochs (the number of
        reps or holds the interval uses), mvc_uv_left/right, amp_uv_left/right (raw
        microvolts), mvc_uv_ratio (lower / higher MVC), quality, quality_note.
    epochs : DataFrame
        trial, rep, epoch, channel, muscle, side, pct_mvc for each ``epoch``-second piece of
        each hold (for display; not used for decisions).
    variants : DataFrame
        Cue variants vs the plain double-leg bridge per muscle and side: pct_mvc, pct_mvc_ref,
        change (percentage points), change_rel (%).
    pain : DataFrame
        trial, pain (0-10) from "pain" events.
    fatigue : DataFrame
        Per bridge hold and raw channel (only at fs >= 1 kHz with adequate hardware bandwidth):
        trial, rep, channel, muscle, side, hold_s, mdf_start_hz (intercept of the fit),
        slope_pct_per_s (normalised median-frequency slope, Coorevits et al. 2008), n_epochs.
    notes : list of str
        Limitations that apply to this recording (band-limited, missing MVC, gaps, what the
        quality step did to the signal).
    params : AnalysisParams
        The settings the analysis used.
    meta : dict
        What the recording could support: fs, hardware_bandwidth_hz, band_limited,
        envelope_channels (names of non-raw EMG channels), holds_with_gaps (number of bridge
        holds that contain missing samples), auto_segmented, no_activity (no channel showed a
        contraction clearly above rest: no numbers are reported).
    quality : DataFrame
        One row per channel (index = channel name) from
        :func:`emgkit.analysis.quality.assess_recording`: muscle, side, status
        ('ok' / 'warn' / 'fail'), issues, detail and numeric measures.
    envelope : ndarray (n_samples, n_channels) or None
        The 100 ms RMS envelope (microvolts) of the analysed EMG channels, in the order of
        ``envelope_channels``; what the report draws (it never re-filters).
    envelope_channels : list of str
        Channel names of the columns of ``envelope``.
    fs : float
        Sampling rate of ``envelope`` in Hz.
    """

    mvc: pd.DataFrame
    reps: pd.DataFrame
    summary: pd.DataFrame
    ratios: pd.DataFrame
    symmetry: pd.DataFrame
    epochs: pd.DataFrame = field(default_factory=pd.DataFrame)
    variants: pd.DataFrame = field(default_factory=pd.DataFrame)
    pain: pd.DataFrame = field(default_factory=pd.DataFrame)
    fatigue: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: list[str] = field(default_factory=list)
    params: AnalysisParams = field(default_factory=AnalysisParams)
    meta: dict[str, Any] = field(default_factory=dict)
    quality: pd.DataFrame = field(default_factory=pd.DataFrame)
    envelope: npt.NDArray[np.float64] | None = None
    envelope_channels: list[str] = field(default_factory=list)
    fs: float = float("nan")


def _nanmean_rows(a: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """``np.nanmean(a, axis=0)`` of a C-ordered 2-D ``a``: the same bits, less work when finite.

    ``nanmean`` copies ``a`` with its NaNs set to 0 and a boolean mask, then sums the copy
    along axis 0 and divides by the count. When the plain sum of ``a`` along axis 0 is finite
    in every column, ``a`` holds no NaN (or inf) and that copy equals ``a``: the same
    reduction over the same values in the same order, divided by the same count, so the
    result is that sum over ``len(a)`` (bit for bit; ``tests/analysis/test_bridge_fast.py``).
    Otherwise (or with no rows) ``nanmean`` itself, warnings muted.
    """
    if a.shape[0]:
        with np.errstate(over="ignore", invalid="ignore"):
            tot = np.add.reduce(a, axis=0)
        if np.isfinite(tot).all():
            return np.asarray(tot / a.shape[0], dtype=np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.asarray(np.nanmean(a, axis=0), dtype=np.float64)


def _hold_rms(
    env: npt.NDArray[np.float64],
    fs: float,
    ev: Event,
    cache: dict[tuple[int, int], npt.NDArray[np.float64]] | None = None,
) -> npt.NDArray[np.float64]:
    """RMS of each channel over a hold, from the moving-RMS envelope (missing samples skipped).

    ``cache`` (keyed by the hold's sample range) spares the second computation for a hold that
    :func:`_no_activity` and :func:`_rep_table` both measure (the values are returned, not
    copied: callers only read them).
    """
    i0 = max(0, round(ev.onset * fs))
    i1 = min(env.shape[0], round(ev.offset * fs))
    key = (i0, i1)
    if cache is not None and key in cache:
        return cache[key]
    seg = env[i0:i1]
    out = np.sqrt(_nanmean_rows(seg * seg))  # NaN where nothing is recorded (or no rows)
    if cache is not None:
        cache[key] = out
    return out


def _rest_levels(
    env: npt.NDArray[np.float64], fs: float, baseline: tuple[float, float] | None
) -> npt.NDArray[np.float64]:
    """Rest RMS per channel: over the rest trial, else the quietest second (5th percentile)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if baseline is not None:
            i0, i1 = round(baseline[0] * fs), round(baseline[1] * fs)
            seg = env[max(0, i0) : min(env.shape[0], i1)]
            if seg.shape[0]:
                return np.sqrt(np.nanmean(seg * seg, axis=0))
        n = max(1, round(fs))
        k = env.shape[0] // n
        if k == 0:
            return np.full(env.shape[1], np.nan)
        blocks = np.sqrt(np.nanmean((env[: k * n] ** 2).reshape(k, n, -1), axis=1))
        return np.nanpercentile(blocks, 5, axis=0)


QUALITY_LEVELS = ("ok", "warn", "fail")


def _assess(
    rec: Recording, rest: tuple[float, float] | None
) -> tuple[pd.DataFrame, list[str], Recording, QualityAssessment]:
    """Run the quality step (emgkit.analysis.quality) on the EMG channels.

    Returns the per-channel table, what was done to the signal, the recording to analyse and
    the assessment itself (its band-passed signal can spare :func:`_filter` a pass).
    """
    qa = assess_recording(rec, rest=rest, workers=1)
    return qa.channels, list(qa.actions), qa.recording, qa


#: A rep's onsets found ahead of the rep table (:func:`_onsets_ahead`): the values, or the
#: exception their computation raised (raised again where the serial path would compute them).
_Ahead = tuple[npt.NDArray[np.float64] | None, Exception | None]


@dataclass(slots=True)
class _Signal:
    """What :func:`_signal_steps` hands to the rest of the analysis."""

    quality: pd.DataFrame
    actions: list[str]
    rec: Recording
    filtered: npt.NDArray[np.float64]
    env: npt.NDArray[np.float64]
    onsets: list[_Ahead] | None


def _signal_steps(
    rec: Recording,
    rest: tuple[float, float] | None,
    p: AnalysisParams,
    pool: ThreadPoolExecutor | None,
    task_holds: list[tuple[Event, Trial]],
) -> _Signal:
    """The quality step, band-pass and envelope; with a helper thread, the reps' onsets too.

    Serial (``pool`` None): :func:`_assess` then :func:`_filter`, and the onsets are left to
    :func:`_rep_table`. With a helper thread, the quality step's clipping/flat pass runs on it
    beside the hum check if numba has already started
    (:func:`emgkit.analysis._threads.helpers_for`). If numba has started by the end of the
    cleaning (the hum check of a long recording starts it, so even a single ``emgkit analyze``
    of one is threaded from there on), the wander and motion screen and then the envelope run
    on the helper while this thread band-passes the signal and finds the onsets of every
    bridge hold's rep (:func:`_onsets_ahead`: mostly small numpy calls, which hold the GIL,
    against the helper's kernels, which do not); otherwise the rest runs serially, in the
    serial path's order. Every value is computed from the same inputs by the same code as in
    the serial path, so the results are the same bit for bit; an exception is raised where the
    serial path would raise it first.
    """
    if pool is None:
        quality, actions, sub, qa = _assess(rec, rest)
        return _Signal(quality, actions, sub, *_filter(sub, p, qa), None)
    if rest is None:
        rest = rest_window(rec)  # as assess_recording
    st = _stage(rec, rest, _th.helpers_for(pool))
    fs = rec.fs
    helpers = _th.helpers_for(pool)  # numba may have started in the stage (a long recording)
    if st.raw_filled is None or helpers is None:
        band_ms = band = low_ms = None
        if st.raw_filled is not None:
            band_ms, band = _band_measures(st.raw_filled, st.finite, fs, st.raw, st.trunk, rest)
            low_ms = _low_measures(st.raw_filled, fs)
        qa = _finish(st, band_ms, band, low_ms)
        sub = qa.recording
        return _Signal(qa.channels, list(qa.actions), sub, *_filter(sub, p, qa), None)
    low = helpers.submit(_low_measures, st.raw_filled, fs)
    band_ms, band = _band_measures(st.raw_filled, st.finite, fs, st.raw, st.trunk, rest)

    def assessment() -> QualityAssessment:
        return _finish(st, band_ms, band, low.result())

    sub = st.cleaned
    shared = band if bool(st.raw.all()) and st.finite is None else None
    env_next: Future[npt.NDArray[np.float64]] | None = None
    env: npt.NDArray[np.float64] | None = None
    if _reuses_band(sub, p, shared, st.trunk):
        filtered = band
        env_next = helpers.submit(_envelope, band, fs, p)
    else:
        filtered, env = _th.earlier_first(assessment, _envelopes, sub, p)
    onsets = _onsets_ahead(filtered, env, fs, sub, task_holds, p)
    qa = assessment()
    if env_next is not None:
        env = env_next.result()
    assert env is not None
    return _Signal(qa.channels, list(qa.actions), qa.recording, filtered, env, onsets)


def _onsets_ahead(
    filtered: npt.NDArray[np.float64],
    env: npt.NDArray[np.float64] | None,
    fs: float,
    rec: Recording,
    task_holds: list[tuple[Event, Trial]],
    p: AnalysisParams,
) -> list[_Ahead]:
    """:func:`_rep_onsets` of every bridge hold's rep, as :func:`_rep_table` would compute them.

    ``env`` may be None when every channel is raw (it is read for envelope channels only). An
    exception is kept with its hold, for :func:`_rep_table` to raise at that hold.
    """
    rep_events = {(e.trial, e.value): e for e in rec.events_for(label="rep")}
    out: list[_Ahead] = []
    for ev, _ in task_holds:
        rep_ev = rep_events.get((ev.trial, ev.value))
        t_move = rep_ev.onset if rep_ev is not None else float("nan")
        try:
            out.append((_rep_onsets(filtered, env, fs, rec.channels, t_move, p), None))
        except Exception as exc:  # raised again by _rep_table at this hold
            out.append((None, exc))
    return out


def _channel_quality(quality: pd.DataFrame, chans: tuple[Any, ...]) -> tuple[list[str], list[str]]:
    """Quality status ('ok' / 'warn' / 'fail') and note per channel; 'ok' when not assessed."""
    status, note = [], []
    for ch in chans:
        if quality.empty or ch.name not in quality.index:
            status.append("ok")
            note.append("")
            continue
        row = quality.loc[ch.name]
        st = str(row.get("status", "ok"))
        status.append(st if st in QUALITY_LEVELS else "ok")
        note.append("" if st == "ok" else str(row.get("detail", "")))
    return status, note


def _onset_refused(quality: pd.DataFrame, name: str) -> bool:
    """Onsets are refused only for flat or clipping channels (the quality contract)."""
    if quality.empty or name not in quality.index:
        return False
    issues = str(quality.loc[name].get("issues", ""))
    return bool({"flat", "clipping"} & set(issues.split(";")))


def _worst(values: pd.Series | npt.NDArray[Any]) -> str:
    """The worst quality status among ``values`` ('ok' when there is none)."""
    rank = {q: i for i, q in enumerate(QUALITY_LEVELS)}
    vals = [str(v) for v in values if str(v) in rank]
    return max(vals, key=lambda v: rank[v]) if vals else "ok"


def _join_notes(values: pd.Series | npt.NDArray[Any]) -> str:
    """The distinct non-empty notes of ``values``, in order, joined with '; '."""
    return "; ".join(dict.fromkeys(str(v) for v in values if isinstance(v, str) and v))


#: The trials of the last few protocols by id (the protocol is kept, so its id is not reused).
_TRIALS: dict[int, tuple[Protocol, dict[str, Trial]]] = {}


def _trial_of(protocol: Protocol, trial_id: str) -> Trial | None:
    """The protocol trial named ``trial_id`` (an ``auto_<n>`` trial is ``unlabelled``)."""
    hit = _TRIALS.get(id(protocol))
    if hit is None or hit[0] is not protocol:
        by_id: dict[str, Trial] = {}
        for t in protocol.expanded():
            by_id.setdefault(t.id, t)  # the first trial of an id, as a search would find
        if len(_TRIALS) >= 8:
            _TRIALS.clear()
        hit = _TRIALS[id(protocol)] = (protocol, by_id)
    found = hit[1].get(trial_id)
    if found is not None:
        return found
    if trial_id.startswith("auto_"):
        # found by marker-free segmentation: the task is unknown
        return Trial(id=trial_id, task="unlabelled", side="both")
    return None


def _mvc_holds(
    proto: Protocol, holds: list[Event], muscle: str, side: str, exact: bool
) -> list[Event]:
    """MVC hold events of ``muscle`` and ``side`` (or of an equivalent muscle's trial)."""
    targets = (muscle,) if exact else MVC_EQUIVALENT.get(muscle, (muscle,))
    out = []
    for ev in holds:
        tr = _trial_of(proto, ev.trial)
        if tr is None or tr.task != "mvc" or tr.muscle not in targets:
            continue
        if tr.side in (side, "both"):
            out.append(ev)
    return out


def _baseline_window(rec: Recording) -> tuple[float, float] | None:
    """(start, stop) in s of the first rest trial's middle, or None when there is none.

    The middle drops min(1 s, a quarter of the trial) at each end and must last >= 0.5 s.
    """
    for ev in rec.events_for(label="trial"):
        t = ev.trial
        if t == "rest" or t.startswith("rest"):
            margin = min(1.0, ev.duration / 4)
            if ev.duration - 2 * margin >= 0.5:
                return (ev.onset + margin, ev.offset - margin)
    return None


def _emg_indices(rec: Recording) -> list[int]:
    """Indices of the channels analysed as EMG: with a muscle and side, not accelerometers.

    Parameters
    ----------
    rec : Recording
        The recording as read.

    Returns
    -------
    list of int
        Channel indices, in the recording's order.

    Raises
    ------
    ConfigError
        No channel has both a muscle and a side.
    """
    emg_idx = [
        i
        for i, c in enumerate(rec.channels)
        if c.muscle is not None and c.side is not None and c.kind != SignalKind.ACCEL
    ]
    if not emg_idx:
        raise ConfigError(
            "no EMG channel has a muscle and side; assign a montage when reading the file "
            "(e.g. emgkit.io.read(path, montage='bridge6'))"
        )
    return emg_idx


def _find_holds(
    rec: Recording, emg_idx: list[int], auto_segment: bool
) -> tuple[Recording, list[Event], list[str]]:
    """The recording's "hold" events, found by segmentation when it has none and that is asked.

    Parameters
    ----------
    rec : Recording
        The recording (discarded attempts already dropped).
    emg_idx : list of int
        The EMG channels (:func:`_emg_indices`), used by the segmentation.
    auto_segment : bool
        Segment from the envelopes when the recording has no "hold" events.

    Returns
    -------
    rec : Recording
        ``rec``, or a copy with the segmented events added.
    holds : list of Event
        The hold events.
    notes : list of str
        What the segmentation did (empty when it did not run).

    Raises
    ------
    ConfigError
        No hold events (after segmentation, if it ran).
    """
    holds = rec.events_for(label="hold")
    notes: list[str] = []
    if not holds and auto_segment:
        with warnings.catch_warnings():
            # the band-limit is reported once, by analyze_bridge, with what it means
            warnings.simplefilter("ignore", BandLimitWarning)
            auto = segment(rec.pick(names=[rec.channels[i].name for i in emg_idx]))
        rec = rec.copy()
        rec.events = sorted([*rec.events, *auto], key=lambda e: e.onset)
        holds = rec.events_for(label="hold")
        notes.append(
            f"no markers: {len(holds)} holds in "
            f"{len({e.trial for e in holds})} trials were found from the envelopes "
            "(emgkit.analysis.segment; a heuristic: check them); their tasks are unknown "
            "and there is no MVC trial, so %MVC, ratios and symmetry are not available"
        )
    if not holds:
        raise ConfigError(
            "the recording has no 'hold' events: nothing to analyse. Record with `emgkit session` "
            "or add trial/hold markers"
        )
    return rec, holds, notes


def _band_limit_note(rec: Recording) -> str | None:
    """What a band-limited recording means for the metrics, or None when it is not limited."""
    if not rec.band_limited:
        return None
    bw = rec.info.hardware_bandwidth_hz
    return (
        f"recorded at {rec.fs:g} Hz"
        + (f" with a hardware bandwidth of about {bw:g} Hz" if bw else "")
        + ": sEMG power above that is attenuated, so amplitudes are underestimated; "
        "%MVC is valid only because MVC and tasks share the same hardware; "
        "spectral and fatigue metrics are not computed (they need >= 1 kHz)"
    )


def _pick_emg(rec: Recording, emg_idx: list[int]) -> Recording:
    """The recording restricted to its EMG channels (``rec`` itself when they are all EMG)."""
    if emg_idx == list(range(rec.n_channels)):
        return rec
    return rec.pick(names=[rec.channels[i].name for i in emg_idx])


def _filter(
    rec: Recording, p: AnalysisParams, qa: QualityAssessment | None = None
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Band-passed signal and moving-RMS envelope (:func:`envelopes`), band-limit warning muted.

    Parameters
    ----------
    rec : Recording
        The EMG channels after the quality step.
    p : AnalysisParams
        Filter and envelope settings.
    qa : QualityAssessment, optional
        The quality step's result for ``rec``: its band-passed signal is reused when it is
        exactly what :func:`envelopes` would compute (default filter settings, every channel
        raw, nothing missing).

    Returns
    -------
    filtered, env : ndarray (n_samples, n_channels)
        In microvolts, at ``rec.fs``.
    """
    if qa is not None and _reuses_band(rec, p, qa.band, qa.band_trunk):
        assert qa.band is not None
        return qa.band, _envelope(qa.band, rec.fs, p)
    return _envelopes(rec, p)


def _reuses_band(
    rec: Recording,
    p: AnalysisParams,
    band: npt.NDArray[np.float64] | None,
    band_trunk: npt.NDArray[np.bool_] | None,
) -> bool:
    """True if the quality step's band (:attr:`QualityAssessment.band`) is the filtered signal.

    The quality step band-passed these very samples with the default design: when the
    parameters are those defaults (and every channel is raw, nothing missing), that is
    :func:`envelopes`' filtered signal (one pass fewer).
    """
    if band is None or band_trunk is None:
        return False
    raw, trunk = _raw_and_trunk(rec)
    return bool(
        tuple(p.band) == (20.0, 450.0)
        and p.order == 4
        and p.trunk_low == TRUNK_HIGHPASS_HZ
        and raw.all()
        and np.array_equal(trunk, band_trunk)
        and band.shape == rec.data.shape
        and not rec.gap_mask().any()
    )


def _envelope(
    band: npt.NDArray[np.float64], fs: float, p: AnalysisParams
) -> npt.NDArray[np.float64]:
    """The moving-RMS envelope of the band-passed ``band`` (:func:`envelopes`' second step)."""
    return moving_rms(band, fs, p.rms_window, center=True)


def _envelopes(
    rec: Recording, p: AnalysisParams
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """:func:`envelopes` with the band-limit warning muted (the analysis notes it once)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BandLimitWarning)
        return envelopes(rec, p)


def _mvc_channel(
    env: npt.NDArray[np.float64],
    fs: float,
    ch: Any,
    proto: Protocol,
    holds: list[Event],
    rest_uv: float,
    q_status: str,
    q_note: str,
    p: AnalysisParams,
) -> tuple[dict[str, Any], str | None]:
    """MVC row of one channel, with the SNR and quality rules.

    Parameters
    ----------
    env : ndarray (n_samples,)
        The channel's envelope (microvolts).
    fs : float
        Sampling rate in Hz.
    ch : Channel
        The channel (muscle, side, name).
    proto : Protocol
        Maps hold events to MVC trials.
    holds : list of Event
        All hold events.
    rest_uv : float
        The channel's rest RMS (:func:`_rest_levels`).
    q_status, q_note : str
        The channel's quality status and note (:func:`_channel_quality`).
    p : AnalysisParams
        MVC window, method and trim.

    Returns
    -------
    row : dict
        One row of :attr:`BridgeResult.mvc`.
    note : str or None
        The recording-level note this channel adds, if any.
    """
    ch_holds = _mvc_holds(proto, holds, str(ch.muscle), str(ch.side), exact=True)
    if not ch_holds:
        ch_holds = _mvc_holds(proto, holds, str(ch.muscle), str(ch.side), exact=False)
    amp, src = mvc_amplitude(env, fs, ch_holds, p.mvc_window, method=p.mvc_method, trim=p.mvc_trim)
    log_se, log_df = _mvc_log_se(env, fs, ch_holds, amp, p)
    snr = amp / rest_uv if rest_uv > 0 else float("nan")
    ok = bool(np.isfinite(amp) and not (np.isfinite(snr) and snr < MVC_MIN_SNR))
    note = ""
    rec_note: str | None = None
    if not np.isfinite(amp):
        note = "no MVC hold"
        rec_note = f"no MVC hold for {ch.muscle} ({ch.side}): %MVC cannot be computed for {ch.name}"
    elif not ok:
        note = (
            f"MVC {amp:.1f} uV is only {snr:.1f} x the rest level {rest_uv:.1f} uV "
            f"(needs >= {MVC_MIN_SNR:g} x): not clearly a contraction, %MVC refused"
        )
        rec_note = f"{ch.name}: {note}"
    elif q_status == "fail":
        ok = False
        note = f"signal quality 'fail': {q_note}"
    row = {
        "channel": ch.name,
        "muscle": ch.muscle,
        "side": ch.side,
        "mvc_uv": amp,
        "source_trial": src,
        "n_mvc_holds": len(ch_holds),
        "rest_uv": rest_uv,
        "snr": snr,
        "mvc_ok": ok,
        "mvc_note": note,
        "mvc_log_se": log_se,
        "mvc_log_se_df": log_df,
    }
    return row, rec_note


def _mvc_log_se(
    env: npt.NDArray[np.float64], fs: float, holds: list[Event], amp: float, p: AnalysisParams
) -> tuple[float, float]:
    """SE of log(MVC) from the plateau of the hold that gave ``amp`` (NaN, 0 when none)."""
    if not np.isfinite(amp):
        return float("nan"), 0.0
    for ev in holds:
        i0 = max(0, round(ev.onset * fs))
        i1 = min(env.shape[0], round(ev.offset * fs))
        if i1 - i0 < 2:
            continue
        seg = env[i0:i1]
        val = (
            plateau_rms(seg, fs, p.mvc_trim)
            if p.mvc_method == "plateau"
            else best_window_mean(seg, fs, p.mvc_window)
        )
        if val == amp:
            return plateau_log_se(seg, fs, p.mvc_trim)
    return float("nan"), 0.0


def _mvc_table(
    env: npt.NDArray[np.float64],
    fs: float,
    chans: tuple[Any, ...],
    proto: Protocol,
    holds: list[Event],
    rest_uv: npt.NDArray[np.float64],
    quality: pd.DataFrame,
    p: AnalysisParams,
) -> tuple[pd.DataFrame, npt.NDArray[np.float64], list[str]]:
    """MVC per channel (definition: :mod:`emgkit.analysis.normalize`), with the SNR rule.

    Parameters
    ----------
    env : ndarray (n_samples, n_channels)
        Envelopes (microvolts).
    fs : float
        Sampling rate in Hz.
    chans : tuple of Channel
        The channels of ``env``.
    proto : Protocol
        Maps hold events to MVC trials.
    holds : list of Event
        All hold events.
    rest_uv : ndarray (n_channels,)
        Rest RMS per channel.
    quality : DataFrame
        The quality table: a 'fail' channel gets no %MVC.
    p : AnalysisParams
        MVC window, method and trim.

    Returns
    -------
    mvc : DataFrame
        :attr:`BridgeResult.mvc`.
    mvc_uv : ndarray (n_channels,)
        The MVC that normalises each channel, NaN where %MVC is refused.
    notes : list of str
        Channels without an MVC or with one refused.
    """
    q_status, q_note = _channel_quality(quality, chans)
    rows, notes = [], []
    mvc_uv = np.full(len(chans), np.nan)
    for ci, ch in enumerate(chans):
        row, note = _mvc_channel(
            env[:, ci], fs, ch, proto, holds, rest_uv[ci], q_status[ci], q_note[ci], p
        )
        if note is not None:
            notes.append(note)
        mvc_uv[ci] = row["mvc_uv"] if row["mvc_ok"] else np.nan
        rows.append(row)
    return pd.DataFrame(rows), mvc_uv, notes


def _no_activity(
    env: npt.NDArray[np.float64],
    fs: float,
    holds: list[Event],
    rest_uv: npt.NDArray[np.float64],
    hold_cache: dict[tuple[int, int], npt.NDArray[np.float64]] | None = None,
) -> bool:
    """True when no hold of any channel reaches ``MVC_MIN_SNR`` x that channel's rest level.

    Parameters
    ----------
    env : ndarray (n_samples, n_channels)
        Envelopes (microvolts).
    fs : float
        Sampling rate in Hz.
    holds : list of Event
        All hold events (MVC included).
    rest_uv : ndarray (n_channels,)
        Rest RMS per channel.
    hold_cache : dict, optional
        Hold RMS values by sample range, filled here and reused by :func:`_rep_table`.

    Returns
    -------
    bool
        A noise-only recording, which must not produce numbers.
    """
    peak_hold = np.full(env.shape[1], np.nan)
    for ev in holds:
        peak_hold = np.fmax(peak_hold, _hold_rms(env, fs, ev, hold_cache))
    with np.errstate(invalid="ignore", divide="ignore"):
        active = peak_hold >= MVC_MIN_SNR * rest_uv
    return bool(np.isfinite(rest_uv).any() and not active.any())


_NO_ACTIVITY_NOTE = (
    "no muscle activity detected: no hold on any channel reached "
    f"{MVC_MIN_SNR:g} x that channel's rest level, so no %MVC, ratio, symmetry or onset "
    "is reported (check electrode contact, gain and that the person contracted)"
)


def _task_holds(proto: Protocol, holds: list[Event]) -> list[tuple[Event, Trial]]:
    """The bridge holds (not MVC or rest) with their trials, in event order."""
    out = []
    for ev in holds:
        tr = _trial_of(proto, ev.trial)
        if tr is None or tr.task in ("mvc", "rest"):
            continue
        out.append((ev, tr))
    return out


def _rep_no(ev: Event) -> int | str:
    """Rep number of a hold event (its value; an int when it is one)."""
    return int(ev.value) if ev.value.isdigit() else ev.value


def _pct(amp: float, mvc: float) -> float:
    """``amp`` as a percentage of ``mvc``; NaN when the MVC is missing or not positive."""
    return amp / mvc * 100.0 if mvc > 0 else np.nan


def _epoch_table(
    env: npt.NDArray[np.float64],
    fs: float,
    chans: tuple[Any, ...],
    task_holds: list[tuple[Event, Trial]],
    mvc_uv: npt.NDArray[np.float64],
    epoch: float,
) -> pd.DataFrame:
    """%MVC of each ``epoch``-second piece of each bridge hold (:attr:`BridgeResult.epochs`).

    Parameters
    ----------
    env : ndarray (n_samples, n_channels)
        Envelopes (microvolts).
    fs : float
        Sampling rate in Hz.
    chans : tuple of Channel
        The channels of ``env``.
    task_holds : list of (Event, Trial)
        The bridge holds (:func:`_task_holds`).
    mvc_uv : ndarray (n_channels,)
        The normalising MVC per channel (NaN: no %MVC).
    epoch : float
        Epoch length in seconds.

    Returns
    -------
    DataFrame
        trial, task, side_task, rep, epoch, channel, muscle, side, pct_mvc.
    """
    rows = []
    for ev, tr in task_holds:
        for k, seg_amp in enumerate(_epoch_means(env, fs, ev, epoch)):
            for ci, ch in enumerate(chans):
                rows.append(
                    {
                        "trial": ev.trial,
                        "task": tr.task,
                        "side_task": tr.side,
                        "rep": _rep_no(ev),
                        "epoch": k,
                        "channel": ch.name,
                        "muscle": ch.muscle,
                        "side": ch.side,
                        "pct_mvc": _pct(seg_amp[ci], mvc_uv[ci]),
                    }
                )
    return pd.DataFrame(rows)


def _rep_table(
    filtered: npt.NDArray[np.float64],
    env: npt.NDArray[np.float64],
    fs: float,
    chans: tuple[Any, ...],
    task_holds: list[tuple[Event, Trial]],
    rep_events: dict[tuple[str, str], Event],
    mvc_uv: npt.NDArray[np.float64],
    quality: pd.DataFrame,
    onsets_off: bool,
    p: AnalysisParams,
    hold_cache: dict[tuple[int, int], npt.NDArray[np.float64]] | None = None,
    ahead: list[_Ahead] | None = None,
) -> pd.DataFrame:
    """Per bridge hold and channel: amplitude, %MVC, onset and latency (:attr:`BridgeResult.reps`).

    Parameters
    ----------
    filtered : ndarray (n_samples, n_channels)
        Band-passed signal (onsets on raw channels).
    env : ndarray (n_samples, n_channels)
        Envelopes (microvolts).
    fs : float
        Sampling rate in Hz.
    chans : tuple of Channel
        The channels of ``env``.
    task_holds : list of (Event, Trial)
        The bridge holds (:func:`_task_holds`).
    rep_events : dict
        (trial, rep) -> "rep" event, whose onset is the movement onset.
    mvc_uv : ndarray (n_channels,)
        The normalising MVC per channel (NaN: no %MVC).
    quality : DataFrame
        The quality table (onsets are refused on flat or clipping 'fail' channels).
    onsets_off : bool
        No onsets at all (a recording without muscle activity).
    p : AnalysisParams
        Onset settings.
    hold_cache : dict, optional
        Hold RMS values by sample range (:func:`_no_activity` fills it for every hold).
    ahead : list, optional
        The onsets of each hold of ``task_holds`` already computed (:func:`_onsets_ahead`),
        used instead of computing them here (an exception kept with a hold is raised at it).

    Returns
    -------
    DataFrame
        One row per hold and channel.

    Raises
    ------
    ConfigError
        There is no bridge hold.
    """
    q_status, q_note = _channel_quality(quality, chans)
    rows = []
    for k, (ev, tr) in enumerate(task_holds):
        hold_amp = _hold_rms(env, fs, ev, hold_cache)
        rep_ev = rep_events.get((ev.trial, ev.value))
        t_move = rep_ev.onset if rep_ev is not None else float("nan")
        if onsets_off:
            onsets = np.full(len(chans), np.nan)
        elif ahead is not None:
            found, err = ahead[k]
            if err is not None:
                raise err
            assert found is not None
            onsets = found
        else:
            onsets = _rep_onsets(filtered, env, fs, chans, t_move, p)
        for ci, ch in enumerate(chans):
            onset = onsets[ci]
            if q_status[ci] == "fail" and _onset_refused(quality, ch.name):
                onset = float("nan")
            rows.append(
                {
                    "trial": ev.trial,
                    "task": tr.task,
                    "cue": tr.cue,
                    "side_task": tr.side,
                    "rep": _rep_no(ev),
                    "channel": ch.name,
                    "muscle": ch.muscle,
                    "side": ch.side,
                    "hold_s": float(ev.duration),
                    "amplitude_uv": hold_amp[ci],
                    "pct_mvc": _pct(hold_amp[ci], mvc_uv[ci]),
                    "onset_s": onset,
                    "latency_s": onset - t_move,
                    "quality": q_status[ci],
                    "quality_note": q_note[ci],
                }
            )
    reps = pd.DataFrame(rows)
    if reps.empty:
        raise ConfigError("no bridge holds found (only MVC/rest trials?): nothing to summarise")
    return reps


def _mean_ms(s: pd.Series) -> float:
    """Mean of latencies in seconds, in milliseconds (NaN when none is finite)."""
    return float(np.nanmean(s) * 1000) if s.notna().any() else np.nan


def _sd_ms(s: pd.Series) -> float:
    """SD (ddof 1) of latencies in seconds, in milliseconds (NaN with fewer than two)."""
    return float(np.nanstd(s, ddof=1) * 1000) if s.notna().sum() > 1 else np.nan


_SUMMARY_KEYS = ["trial", "task", "cue", "side_task", "muscle", "side"]


def _summary(reps: pd.DataFrame) -> pd.DataFrame:
    """Per trial, muscle and side over reps (:attr:`BridgeResult.summary`).

    pandas aggregates the means, SD and rep counts; the latency and quality columns are
    computed over the same groups (first-appearance order) from numpy columns, not by
    per-group Python callbacks.
    """
    grouped = reps.groupby(_SUMMARY_KEYS, sort=False)
    summary = grouped.agg(
        pct_mvc=("pct_mvc", "mean"),
        pct_mvc_sd=("pct_mvc", "std"),
        n_reps=("rep", "nunique"),
        hold_s=("hold_s", "mean"),
        amplitude_uv=("amplitude_uv", "mean"),
    ).reset_index()
    keys = list(zip(*(reps[k].to_numpy(dtype=object) for k in _SUMMARY_KEYS), strict=True))
    groups = _groups(keys, np.arange(len(reps)))
    if len(groups) == len(summary):
        lat = reps["latency_s"].to_numpy(dtype=float)
        qual = reps["quality"].to_numpy(dtype=object)
        note = reps["quality_note"].to_numpy(dtype=object)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            summary["latency_ms"] = [_mean_ms_arr(lat[i]) for i in groups.values()]
            summary["latency_sd_ms"] = [_sd_ms_arr(lat[i]) for i in groups.values()]
        summary["quality"] = [_worst(qual[i]) for i in groups.values()]
        summary["quality_note"] = [_join_notes(note[i]) for i in groups.values()]
    else:  # a key with a missing value (groupby drops it): the per-group callbacks
        extra = grouped.agg(
            latency_ms=("latency_s", _mean_ms),
            latency_sd_ms=("latency_s", _sd_ms),
            quality=("quality", _worst),
            quality_note=("quality_note", _join_notes),
        ).reset_index(drop=True)
        for col in extra.columns:
            summary[col] = extra[col].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        cv = summary["pct_mvc_sd"] / summary["pct_mvc"] * 100.0
    summary.insert(list(summary.columns).index("pct_mvc_sd") + 1, "pct_mvc_cv", cv)
    summary.insert(
        list(summary.columns).index("pct_mvc_cv") + 1,
        "above_mvc",
        summary["pct_mvc"].to_numpy(dtype=float) > PCT_MVC_SUBMAXIMAL,
    )
    return summary


def _mean_ms_arr(v: npt.NDArray[np.float64]) -> float:
    """:func:`_mean_ms` of an array."""
    return float(np.nanmean(v) * 1000) if (~np.isnan(v)).any() else np.nan


def _sd_ms_arr(v: npt.NDArray[np.float64]) -> float:
    """:func:`_sd_ms` of an array."""
    return float(np.nanstd(v, ddof=1) * 1000) if (~np.isnan(v)).sum() > 1 else np.nan


def _pain(rec: Recording) -> pd.DataFrame:
    """Pain ratings (0-10) from the "pain" events: trial, pain (NaN when not a number)."""
    return pd.DataFrame(
        [
            {"trial": e.trial, "pain": float(e.value) if _is_number(e.value) else np.nan}
            for e in rec.events_for(label="pain")
        ],
        columns=["trial", "pain"],
    )


def _holds_with_gaps(rec: Recording, task_holds: list[tuple[Event, Trial]]) -> int:
    """Number of bridge holds that contain missing samples."""
    gm = rec.gap_mask()
    n = 0
    for ev, _ in task_holds:
        i0, i1 = max(0, round(ev.onset * rec.fs)), min(rec.n_samples, round(ev.offset * rec.fs))
        n += bool(gm[i0:i1].any())
    return n


def _meta(
    sub: Recording,
    band_limited: bool,
    task_holds: list[tuple[Event, Trial]],
    auto_segmented: bool,
    no_activity: bool,
) -> dict[str, Any]:
    """What the recording could support (:attr:`BridgeResult.meta`).

    Parameters
    ----------
    sub : Recording
        The analysed EMG channels.
    band_limited : bool
        The recording is band-limited.
    task_holds : list of (Event, Trial)
        The bridge holds.
    auto_segmented : bool
        The holds were found by segmentation.
    no_activity : bool
        No channel showed a contraction.

    Returns
    -------
    dict
        See :class:`BridgeResult`.
    """
    return {
        "fs": float(sub.fs),
        "hardware_bandwidth_hz": sub.info.hardware_bandwidth_hz,
        "band_limited": bool(band_limited),
        "envelope_channels": [c.name for c in sub.channels if c.kind != SignalKind.RAW],
        "holds_with_gaps": int(_holds_with_gaps(sub, task_holds)),
        "auto_segmented": bool(auto_segmented),
        "no_activity": no_activity,
    }


def analyze_bridge(
    rec: Recording,
    protocol: Protocol | str | None = None,
    params: AnalysisParams | None = None,
    *,
    auto_segment: bool = False,
    workers: int | None = None,
) -> BridgeResult:
    """Analyse a bridge-test recording: %MVC, ratios, onsets, left/right symmetry.

    Parameters
    ----------
    rec : Recording
        With channels assigned to muscles and sides, and "trial"/"rep"/"hold" events (written by
        ``emgkit session``, the synthetic subject, or imported markers).
    protocol : Protocol or str, optional
        The protocol the trials belong to (default: the shipped ``bridge`` protocol).
    params : AnalysisParams, optional
        Analysis settings (default: ``AnalysisParams()``, the clinical-anchors.md defaults).
    auto_segment : bool
        When the recording has no "hold" events, find reps and holds from the envelopes (and
        accelerometer) with :func:`emgkit.analysis.segment.segment`; the trials are named
        ``auto_<n>`` with task ``unlabelled`` and a note says so.
    workers : int or None
        Threads to use. 1 runs every step on the calling thread; 2 or more let a helper thread
        run the quality step's wander and motion screen, its clipping/flat pass and the
        envelope while the calling thread band-passes the signal and finds the onsets, once
        numba has started in the process (a recording of 8 M channel-samples or more starts
        it; a short session in a fresh process runs serially and never starts it); more than 2
        find nothing more to overlap. None (the default): 2 when the machine has two CPUs and
        not all of them are busy already (1-minute load average below the CPU count), else 1
        (:func:`emgkit.analysis._threads.resolve_workers`). The results are identical
        bit for bit whatever the number; the batch engines, which run sessions in parallel
        processes, pass 1.

    Returns
    -------
    BridgeResult
        The tidy tables, notes and envelope.

    Raises
    ------
    ConfigError
        No EMG channel with a muscle and side, no hold events, or ``workers`` is not a
        positive integer or None.

    Warns
    -----
    BandLimitWarning
        The recording is band-limited (also in ``notes``).
    """
    p = params or AnalysisParams()
    proto = protocol if isinstance(protocol, Protocol) else load_protocol(protocol or "bridge")
    emg_idx = _emg_indices(rec)
    # a repeated trial: only its last attempt (emgkit session / ui "repeat")
    rec, holds, notes = _find_holds(drop_discarded(rec), emg_idx, auto_segment)
    band_note = _band_limit_note(rec)
    if band_note is not None:
        notes.append(band_note)
        warnings.warn(band_note, BandLimitWarning, stacklevel=2)
    # quality step, envelopes and rest levels on the EMG channels
    sub = _pick_emg(rec, emg_idx)
    baseline = _baseline_window(sub)
    task_holds = _task_holds(proto, holds)
    nw = _th.resolve_workers(workers)
    with _th.helper_pool(nw) as pool:
        sig = _signal_steps(sub, baseline, p, pool, task_holds)
    quality, sub, filtered, env = sig.quality, sig.rec, sig.filtered, sig.env
    notes.extend(sig.actions)
    fs, chans = sub.fs, sub.channels
    rest_uv = _rest_levels(env, fs, baseline)
    # MVC, and whether there is any contraction at all
    mvc_df, mvc_uv, mvc_notes = _mvc_table(env, fs, chans, proto, holds, rest_uv, quality, p)
    notes.extend(mvc_notes)
    # the RMS of each hold, computed once for the activity check and the rep table
    hold_cache: dict[tuple[int, int], npt.NDArray[np.float64]] = {}
    no_activity = _no_activity(env, fs, holds, rest_uv, hold_cache)
    if no_activity:
        mvc_uv[:] = np.nan
        notes.append(_NO_ACTIVITY_NOTE)
    # per hold: epochs, then %MVC and onsets (each rep's own pre-movement baseline)
    epochs = _epoch_table(env, fs, chans, task_holds, mvc_uv, p.epoch)
    rep_events = {(e.trial, e.value): e for e in sub.events_for(label="rep")}
    reps = _rep_table(
        filtered,
        env,
        fs,
        chans,
        task_holds,
        rep_events,
        mvc_uv,
        quality,
        no_activity,
        p,
        hold_cache,
        sig.onsets,
    )
    # tables derived from the reps
    summary = _summary(reps)
    ratios_df = _ratios(reps)
    sym = _symmetry(reps, mvc_df, p.asymmetry_floor)
    variants, variant_notes = _variants(summary, p.reference_trial)
    notes.extend(variant_notes)
    pain = _pain(sub)
    fatigue, fatigue_notes = _fatigue(sub, filtered, holds, proto)
    notes.extend(fatigue_notes)
    auto = bool(auto_segment and any(e.trial.startswith("auto_") for e in holds))
    meta = _meta(sub, rec.band_limited, task_holds, auto, no_activity)
    return BridgeResult(
        mvc_df,
        reps,
        summary,
        ratios_df,
        sym,
        epochs,
        variants,
        pain,
        fatigue,
        notes,
        p,
        meta,
        quality=quality,
        envelope=env,
        envelope_channels=[c.name for c in chans],
        fs=float(fs),
    )


_FATIGUE_COLS = [
    "trial",
    "rep",
    "channel",
    "muscle",
    "side",
    "hold_s",
    "mdf_start_hz",
    "slope_pct_per_s",
    "n_epochs",
]


def _fatigue(
    rec: Recording,
    filtered: npt.NDArray[np.float64],
    holds: list[Event],
    proto: Protocol,
) -> tuple[pd.DataFrame, list[str]]:
    """Median-frequency slope per bridge hold and raw channel (fs >= 1 kHz only).

    Parameters
    ----------
    rec : Recording
        The analysed EMG channels (sampling rate, hardware bandwidth, gaps).
    filtered : ndarray (n_samples, n_channels)
        Band-passed signal of ``rec``'s channels.
    holds : list of Event
        All hold events (MVC and rest holds are skipped).
    proto : Protocol
        Maps hold events to trials.

    Returns
    -------
    fatigue : DataFrame
        :attr:`BridgeResult.fatigue`.
    notes : list of str
        Why fatigue was not computed, if it was not.
    """
    from emgkit.signal.spectral import MIN_FS_HZ, MIN_HARDWARE_BANDWIDTH_HZ, fatigue_slope

    raw = [i for i, c in enumerate(rec.channels) if c.kind == SignalKind.RAW]
    bw = rec.info.hardware_bandwidth_hz
    if rec.fs < MIN_FS_HZ or (bw is not None and bw < MIN_HARDWARE_BANDWIDTH_HZ):
        note = (
            f"fatigue (median-frequency slope) not computed: it needs >= {MIN_FS_HZ:g} Hz "
            f"sampling and >= {MIN_HARDWARE_BANDWIDTH_HZ:g} Hz hardware bandwidth "
            "(clinical-anchors.md section 8)"
        )
        return pd.DataFrame(columns=_FATIGUE_COLS), [note]
    if not raw:
        note = (
            "fatigue (median-frequency slope) not computed: the channels are envelopes, "
            "which carry no spectrum"
        )
        return pd.DataFrame(columns=_FATIGUE_COLS), [note]
    gm = rec.gap_mask()
    # every channel raw (the usual case): the hold is a row slice of ``filtered``, no copy
    every = raw == list(range(filtered.shape[1]))
    rows: list[dict[str, Any]] = []
    for ev in holds:
        tr = _trial_of(proto, ev.trial)
        if tr is None or tr.task in ("mvc", "rest"):
            continue
        i0 = max(0, round(ev.onset * rec.fs))
        i1 = min(rec.n_samples, round(ev.offset * rec.fs))
        if i1 - i0 < 3 * rec.fs or gm[i0:i1].any():
            continue  # fewer than 3 one-second epochs, or a gap inside the hold
        try:
            seg = filtered[i0:i1] if every else filtered[i0:i1][:, raw]
            fsl = fatigue_slope(seg, rec.fs, 1.0, hardware_bandwidth_hz=bw)
        except SignalError:
            continue
        for j, ci in enumerate(raw):
            ch = rec.channels[ci]
            rows.append(
                {
                    "trial": ev.trial,
                    "rep": int(ev.value) if ev.value.isdigit() else ev.value,
                    "channel": ch.name,
                    "muscle": ch.muscle,
                    "side": ch.side,
                    "hold_s": float(ev.duration),
                    "mdf_start_hz": float(fsl.intercept_hz[j]),
                    "slope_pct_per_s": float(fsl.slope_pct_per_s[j]),
                    "n_epochs": len(fsl.times),
                }
            )
    return pd.DataFrame(rows, columns=_FATIGUE_COLS), []


def _is_number(text: str) -> bool:
    """True when ``text`` parses as a float."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def _epoch_means(
    env: npt.NDArray[np.float64], fs: float, ev: Event, epoch: float
) -> list[npt.NDArray[np.float64]]:
    """Mean envelope over consecutive ``epoch``-second pieces of a hold (at least 2 pieces)."""
    i0 = max(0, round(ev.onset * fs))
    i1 = min(env.shape[0], round(ev.offset * fs))
    n = i1 - i0
    if n < 2:
        return []
    k = max(2, int(n // max(1, round(epoch * fs))))
    edges = np.linspace(i0, i1, k + 1).round().astype(int)
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for a, b in itertools.pairwise(edges):
            out.append(_nanmean_rows(env[a:b]))
    return out


#: Seconds of signal kept before each rep's baseline window so that the detector's own filters
#: settle before the baseline starts.
_ONSET_PAD_S = 0.1
#: Seconds of signal kept after the search window so that a burst starting near its end can
#: show that it lasts (``_rep_onset``'s ``min_span``).
_ONSET_TAIL_S = 0.3


def _rep_onsets(
    filtered: npt.NDArray[np.float64],
    env: npt.NDArray[np.float64] | None,
    fs: float,
    chans: tuple[Any, ...],
    t_move: float,
    p: AnalysisParams,
) -> npt.NDArray[np.float64]:
    """Onset (s) of each channel in one rep, with the rep's own pre-movement baseline.

    The baseline is the ``p.onset_baseline`` seconds just before the search window
    ``t_move + p.onset_search``: whatever runs there (tonic postural activity, ECG residue, the
    noise floor) sets that rep's threshold, so a tonic erector spinae no longer hides the rep's
    onset as it does with a rest-trial threshold. NaN where no burst starts in the window.
    ``env`` is read for envelope channels only (None is accepted when every channel is raw).
    """
    from emgkit.signal.onset import (
        MIN_BASELINE_S,
        _detect_onsets_each,
        _refine_onsets_each,
        _steady_baselines_each,
    )

    out = np.full(len(chans), np.nan)
    if not np.isfinite(t_move):
        return out
    t0, t1 = t_move + p.onset_search[0], t_move + p.onset_search[1]
    tb = max(0.0, t0 - p.onset_baseline)
    if t0 - tb < max(MIN_BASELINE_S, 0.5 * p.onset_baseline):
        return out  # no pre-movement window: the rep starts too close to the recording start
    i0 = max(0, round((tb - _ONSET_PAD_S) * fs))
    i1 = min(filtered.shape[0], round((t1 + _ONSET_TAIL_S) * fs))
    if i1 - i0 < 3:
        return out
    seg_t0 = i0 / fs
    base = (tb - seg_t0, t0 - seg_t0)
    raw = [ci for ci, ch in enumerate(chans) if ch.kind == SignalKind.RAW]
    other = [ci for ci in range(len(chans)) if ci not in raw]
    if other:
        assert env is not None, "envelope channels need the envelopes"
        env_win = np.nan_to_num(env[i0:i1])
    else:
        env_win = filtered  # not read (no envelope channel)
    for cols, x, method, is_raw in (
        (raw, filtered[i0:i1], p.onset_method, True),
        # an envelope is not raw EMG: TKEO and double threshold need the raw signal
        (other, env_win, "hodges_bui", False),
    ):
        if not cols:
            continue
        # C-ordered (``x[:, cols]`` is Fortran-ordered, and each detector step copied it again);
        # every channel: a read-only view of the window, no copy
        if len(cols) == x.shape[1]:
            xs = x.view()
            xs.flags.writeable = False
        else:
            xs = np.take(x, cols, axis=1)
        # a level change or transient in the window (tonic activity switching on with the
        # trial) would inflate the threshold: keep the window's steady end (None: the channel
        # cannot be analysed, e.g. a gap in the window)
        steady = _steady_baselines_each(xs, fs, base) if is_raw else [base] * len(cols)
        keep = [j for j, b in enumerate(steady) if b is not None]
        bases = [b for b in steady if b is not None]
        if len(keep) < len(cols):
            xs = xs[:, keep]
        # every channel's detector in one filter pass (the same values as one call each)
        found = _detect_onsets_each(xs, fs, method, bases)
        det = np.full(len(keep), np.nan)
        for k, iv in enumerate(found):
            if iv is not None:
                det[k] = _rep_onset(iv.reshape(-1, 2) + seg_t0, t0, t1)
        if is_raw and np.isfinite(det).any():
            # the threshold crosses late on a slow rise: back-extrapolate the rising edge
            # (refine_onset of each channel, the envelopes of all of them in one pass)
            ref = _refine_onsets_each(xs, fs, det - seg_t0, bases, t0 - seg_t0)
            det = np.where(np.isfinite(det), seg_t0 + np.asarray(ref), det)
        for k, j in enumerate(keep):
            if found[k] is not None:
                out[cols[j]] = det[k]
    return out


def _rep_onset(
    iv: npt.NDArray[np.float64], t0: float, t1: float, join: float = 0.1, min_span: float = 0.15
) -> float:
    """Onset of the burst that carries a rep, searched in ``[t0, t1]``.

    Bursts separated by less than ``join`` seconds are chained (a detector may split a weak
    burst in pieces); the onset is the start of the first chain that begins in the window and
    spans at least ``min_span`` seconds, so a short noise blip earlier in the window is ignored
    (a rep's activity lasts through the hold). NaN when no such chain starts in the window, or
    when activity was already running at ``t0``.
    """
    if not np.isfinite(t0) or iv.size == 0:
        return float("nan")
    if ((iv[:, 0] < t0) & (iv[:, 1] > t0)).any():
        return float("nan")
    n = iv.shape[0]
    j = int(np.searchsorted(iv[:, 0], t0))
    while j < n and iv[j, 0] <= t1:
        k = j
        while k + 1 < n and iv[k + 1, 0] - iv[k, 1] < join:
            k += 1
        if iv[k, 1] - iv[j, 0] >= min_span:
            return float(iv[j, 0])
        j = k + 1
    return float("nan")


def _ratios(reps: pd.DataFrame) -> pd.DataFrame:
    """Glute:hamstring and glute:erector %MVC ratios per trial, rep and side."""
    wide = reps.pivot_table(
        index=["trial", "task", "cue", "side_task", "rep", "side"],
        columns="muscle",
        values="pct_mvc",
        aggfunc="mean",
        dropna=False,
    ).reset_index()
    ham = next((m for m in HAMSTRING_MUSCLES if m in wide.columns), None)
    trunk = next((m for m in TRUNK_MUSCLES if m in wide.columns), None)
    out = wide[["trial", "task", "cue", "side_task", "rep", "side"]].copy()
    glute = wide[GLUTE] if GLUTE in wide.columns else np.nan
    out["glute_ham"] = ratio(glute, wide[ham]) if ham else np.nan
    out["glute_erector"] = ratio(glute, wide[trunk]) if trunk else np.nan
    # a ratio is as good as the worse of the channels it uses (per side)
    used = reps[reps["muscle"].isin([GLUTE, *HAMSTRING_MUSCLES, *TRUNK_MUSCLES])]
    q = used.groupby("side").agg(
        quality=("quality", _worst), quality_note=("quality_note", _join_notes)
    )
    out = out.merge(q, left_on="side", right_index=True, how="left")
    out["quality"] = out["quality"].fillna("ok")
    out["quality_note"] = out["quality_note"].fillna("")
    out = out.dropna(subset=["glute_ham", "glute_erector"], how="all")
    return out.reset_index(drop=True)


#: Comparison name of the headline row: single-leg bridges and the double-leg trial with most
#: reps, their log(L/R) pooled with weights 1 / (natural variance + measurement variance)
#: (:func:`emgkit.analysis.metrics.combine_differences`).
COMBINED = "single_and_double_leg"

#: Outcomes of the left/right decision.
OUTCOMES = ("likely asymmetric", "inconclusive", "no meaningful difference")

_SYM_COLS = [
    "comparison",
    "muscle",
    "pct_left",
    "pct_right",
    "symmetry_angle",
    "ci_low",
    "ci_high",
    "interval_source",
    "symmetry_index",
    "lsi",
    "lower_side",
    "mdc",
    "threshold",
    "healthy_range",
    "log_ratio_se",
    "mvc_log_ratio_se",
    "natural_sd",
    "n_epochs",
    "outcome",
    "meaningful",
    "mvc_uv_left",
    "mvc_uv_right",
    "mvc_uv_ratio",
    "amp_uv_left",
    "amp_uv_right",
    "quality",
    "quality_note",
]


class _RepColumns:
    """The columns of the reps table that the symmetry step reads, as numpy arrays.

    Row selections are integer index arrays in table order, so each comparison reads its
    values in the order the DataFrame masks of the table would give.
    """

    def __init__(self, reps: pd.DataFrame) -> None:
        self.trial = reps["trial"].to_numpy(dtype=object)
        self.task = reps["task"].to_numpy(dtype=object)
        self.muscle = reps["muscle"].to_numpy(dtype=object)
        self.side = reps["side"].to_numpy(dtype=object)
        self.side_task = reps["side_task"].to_numpy(dtype=object)
        self.rep = reps["rep"].to_numpy(dtype=object)
        self.pct = reps["pct_mvc"].to_numpy(dtype=float)
        self.amp = reps["amplitude_uv"].to_numpy(dtype=float)
        self.quality = reps["quality"].to_numpy(dtype=object)
        self.note = reps["quality_note"].to_numpy(dtype=object)
        self.is_left = self.side == "left"
        self.is_right = self.side == "right"
        self.working_slb = (self.task == "single_leg_bridge") & (self.side == self.side_task)


class _MvcLookup:
    """:func:`_uv` and :func:`_mvc_side_se` of one MVC table, each computed once per key."""

    def __init__(self, mvc: pd.DataFrame) -> None:
        self.mvc = mvc
        self._uv: dict[tuple[str, str], float] = {}
        self._se: dict[str, tuple[float, float]] = {}

    def uv(self, muscle: str, side: str) -> float:
        key = (muscle, side)
        if key not in self._uv:
            self._uv[key] = _uv(self.mvc, muscle, side)
        return self._uv[key]

    def side_se(self, muscle: str) -> tuple[float, float]:
        if muscle not in self._se:
            self._se[muscle] = _mvc_side_se(self.mvc, muscle)
        return self._se[muscle]


def _groups(keys: list[tuple[Any, ...]], rows: npt.NDArray[np.intp]) -> dict[Any, list[int]]:
    """Row indices of each key, keys in order of first appearance (``groupby(sort=False)``)."""
    out: dict[Any, list[int]] = {}
    for k, i in zip(keys, rows.tolist(), strict=True):
        out.setdefault(k, []).append(i)
    return out


def _log_sd_pooled(cols: _RepColumns, muscle: str) -> tuple[float, int]:
    """Rep-to-rep SD of log %MVC of ``muscle`` in the double-leg bridges, pooled.

    Pooled over trials and sides, with its degrees of freedom: the borrowed hold-to-hold
    variability for single-leg trials that have a single hold per side.
    """
    rows = np.flatnonzero((cols.task == "double_leg_bridge") & (cols.muscle == muscle))
    groups = _groups(list(zip(cols.trial[rows], cols.side[rows], strict=True)), rows)
    ss, df = 0.0, 0
    for key in sorted(groups):  # groupby(["trial", "side"]) order
        with np.errstate(invalid="ignore", divide="ignore"):
            v = np.log(cols.pct[groups[key]])
        v = v[np.isfinite(v)]
        if v.size >= 2:
            ss += float(((v - v.mean()) ** 2).sum())
            df += v.size - 1
    return (float(np.sqrt(ss / df)), df) if df > 0 else (float("nan"), 0)


def _uv(mvc: pd.DataFrame, muscle: str, side: str) -> float:
    """Mean MVC (microvolts) of ``muscle`` on ``side``; NaN when there is none."""
    m = mvc[(mvc.muscle == muscle) & (mvc.side == side)]["mvc_uv"].astype(float)
    return float(m.mean()) if m.notna().any() else float("nan")


def _mvc_side_se(mvc: pd.DataFrame, muscle: str) -> tuple[float, float]:
    """SE (and df) on a %MVC log(L/R) of ``muscle`` from its two sides' MVC errors."""
    if "mvc_log_se" not in mvc.columns:
        return 0.0, math.inf
    out = []
    for side in ("left", "right"):
        m = mvc[(mvc.muscle == muscle) & (mvc.side == side)]
        if "mvc_ok" in m.columns:
            m = m[m["mvc_ok"].astype(bool)]
        if m.empty:
            return float("nan"), float("nan")
        out.append((float(m["mvc_log_se"].iloc[0]), float(m["mvc_log_se_df"].iloc[0])))
    return mvc_log_ratio_se(out[0][0], out[0][1], out[1][0], out[1][1])


def _nan_mean(v: npt.NDArray[np.float64]) -> float:
    """Mean of the non-NaN values (pandas ``Series.mean``); NaN when there is none."""
    ok = ~np.isnan(v)
    return float(v[ok].mean()) if ok.any() else float("nan")


def _sym_row(
    comparison: str,
    muscle: str,
    cols: _RepColumns,
    left: list[int],
    right: list[int],
    paired: bool,
    borrowed: tuple[float, int],
    mvc: _MvcLookup,
    floor: float,
) -> dict[str, Any]:
    """One left/right comparison (rows ``left`` and ``right`` of the reps) with its outcome.

    %MVC comparison: the two sides' MVC-normalisation error is part of the interval.
    """
    mse, mdf = mvc.side_se(muscle)
    Lv = cols.pct[left]
    Rv = cols.pct[right]
    if paired:
        # inner join on the rep number (every left/right pair of a rep, left rows in order)
        by_rep: dict[Any, list[int]] = {}
        for i in right:
            by_rep.setdefault(cols.rep[i], []).append(i)
        pairs = [(i, j) for i in left for j in by_rep.get(cols.rep[i], ())]
        Lp = cols.pct[[i for i, _ in pairs]]
        Rp = cols.pct[[j for _, j in pairs]]
        with np.errstate(invalid="ignore", divide="ignore"):
            d = np.log(Lp / Rp)
        ok = np.isfinite(d)
        iv = side_difference(Lp[ok], Rp[ok], paired=True, mvc_se=mse, mvc_df=mdf)
    else:
        iv = side_difference(
            Lv,
            Rv,
            paired=False,
            borrowed_sd=borrowed[0],
            borrowed_df=borrowed[1],
            mvc_se=mse,
            mvc_df=mdf,
        )
    L = float(np.nanmean(Lv)) if np.isfinite(Lv).any() else np.nan
    R = float(np.nanmean(Rv)) if np.isfinite(Rv).any() else np.nan
    return _row_dict(comparison, muscle, L, R, iv, floor, mvc, cols, left, right)


def _row_dict(
    comparison: str,
    muscle: str,
    L: float,
    R: float,
    iv: SideDifference,
    floor: float,
    mvc: _MvcLookup,
    cols: _RepColumns,
    left: list[int],
    right: list[int],
) -> dict[str, Any]:
    """One row of :attr:`BridgeResult.symmetry` from the side means and the interval ``iv``."""
    lo, hi = (L, R) if L <= R else (R, L)
    # the threshold: the convention floor, or the range a healthy person with natural side
    # differences shows in this comparison when that is wider (healthy_range: natural
    # difference and this comparison's measurement error), so that at most about 5 % of
    # healthy people are called asymmetric whatever the number of reps
    hr = healthy_range(iv)
    thr = round(max(floor, hr), 1) if np.isfinite(hr) else floor
    outcome = asymmetry_outcome(iv.symmetry_angle, iv.ci_low, iv.ci_high, thr)
    sa = iv.symmetry_angle
    lower = "" if not np.isfinite(sa) or sa == 0 else ("left" if sa > 0 else "right")
    mL, mR = mvc.uv(muscle, "left"), mvc.uv(muscle, "right")
    aL = _nan_mean(cols.amp[left]) if left else np.nan
    aR = _nan_mean(cols.amp[right]) if right else np.nan
    both = left + right
    return {
        "comparison": comparison,
        "muscle": muscle,
        "pct_left": L,
        "pct_right": R,
        "symmetry_angle": sa,
        "ci_low": iv.ci_low,
        "ci_high": iv.ci_high,
        "interval_source": iv.source,
        "symmetry_index": float(symmetry_index(L, R)),
        "lsi": float(limb_symmetry_index(lo, hi)),
        "lower_side": lower,
        "mdc": iv.mdc,
        "threshold": thr,
        "healthy_range": hr,
        "log_ratio_se": iv.se,
        "mvc_log_ratio_se": iv.mvc_se,
        "natural_sd": iv.natural_sd,
        "n_epochs": iv.n,
        "outcome": outcome,
        "meaningful": outcome == OUTCOMES[0],
        "mvc_uv_left": mL,
        "mvc_uv_right": mR,
        "mvc_uv_ratio": min(mL, mR) / max(mL, mR) if mL > 0 and mR > 0 else np.nan,
        "amp_uv_left": aL,
        "amp_uv_right": aR,
        "quality": _worst(cols.quality[both]) if both else "ok",
        "quality_note": _join_notes(cols.note[both]) if both else "",
        "_iv": iv,
    }


def _symmetry(reps: pd.DataFrame, mvc: pd.DataFrame, floor: float) -> pd.DataFrame:
    """Left vs right per muscle: double-leg trials rep by rep; single-leg bridges hold by hold.

    Double-leg trials pair the two sides rep by rep (a t-interval over reps of log(L/R)).
    Single-leg bridges compare the working (stance) side of the left trial(s) with the working
    side of the right trial(s), unpaired (Welch); with a single hold per side the
    hold-to-hold variability is borrowed from the double-leg reps of the same muscle.
    """
    rows: list[dict[str, Any]] = []
    if reps.empty or not reps["pct_mvc"].notna().any():
        return pd.DataFrame(rows, columns=_SYM_COLS)
    cols = _RepColumns(reps)
    look = _MvcLookup(mvc)
    has_pct = ~np.isnan(cols.pct)

    def split(idx: list[int]) -> tuple[list[int], list[int]]:
        return [i for i in idx if cols.is_left[i]], [i for i in idx if cols.is_right[i]]

    dlb = np.flatnonzero(cols.task == "double_leg_bridge")
    keys = list(zip(cols.trial[dlb], cols.muscle[dlb], strict=True))
    for (trial, muscle), idx in _groups(keys, dlb).items():
        left, right = split(idx)
        if not left or not right or not has_pct[idx].any():
            continue
        rows.append(
            _sym_row(str(trial), str(muscle), cols, left, right, True, (np.nan, 0), look, floor)
        )
    slb = np.flatnonzero(cols.working_slb)
    for (muscle,), idx in _groups([(m,) for m in cols.muscle[slb]], slb).items():
        left, right = split(idx)
        if not left or not right or not has_pct[idx].any():
            continue
        borrowed = _log_sd_pooled(cols, str(muscle))
        rows.append(
            _sym_row(
                "single_leg_bridge", str(muscle), cols, left, right, False, borrowed, look, floor
            )
        )
    # the headline: single-leg and the largest double-leg comparison of a muscle, averaged
    for muscle in dict.fromkeys(r["muscle"] for r in rows):
        slb_r = [
            r for r in rows if r["muscle"] == muscle and r["comparison"] == "single_leg_bridge"
        ]
        dlb_r = [
            r for r in rows if r["muscle"] == muscle and r["comparison"] != "single_leg_bridge"
        ]
        if not slb_r or not dlb_r:
            continue
        d = max(dlb_r, key=lambda r: r["n_epochs"])
        iv = combine_differences(slb_r[0]["_iv"], d["_iv"])
        use = np.flatnonzero(
            (cols.muscle == muscle) & ((cols.trial == d["comparison"]) | cols.working_slb)
        ).tolist()
        left, right = split(use)
        row = _row_dict(
            COMBINED,
            str(muscle),
            float(np.mean([slb_r[0]["pct_left"], d["pct_left"]])),
            float(np.mean([slb_r[0]["pct_right"], d["pct_right"]])),
            iv,
            floor,
            look,
            cols,
            left,
            right,
        )
        row["interval_source"] = f"single_leg_bridge and {d['comparison']}: " + iv.source
        rows.append(row)
    for r in rows:
        r.pop("_iv", None)
    return pd.DataFrame(rows, columns=_SYM_COLS)


def plain_bridge_trial(summary: pd.DataFrame) -> str | None:
    """The plain double-leg bridge (cue ``standard``) of a summary, or None."""
    d = summary[(summary.task == "double_leg_bridge") & (summary.cue == "standard")]
    return str(d["trial"].iloc[0]) if len(d) else None


def _variants(summary: pd.DataFrame, reference: str | None) -> tuple[pd.DataFrame, list[str]]:
    """Each double-leg cue variant vs the plain double-leg bridge, per muscle and side.

    Parameters
    ----------
    summary : DataFrame
        :attr:`BridgeResult.summary`.
    reference : str or None
        The reference trial (``AnalysisParams.reference_trial``); None: the plain
        double-leg bridge (:func:`plain_bridge_trial`).

    Returns
    -------
    variants : DataFrame
        :attr:`BridgeResult.variants`.
    notes : list of str
        Why the variants were not compared, when there are several cues and no reference.
    """
    cols = ["trial", "cue", "muscle", "side", "pct_mvc", "pct_mvc_ref", "change", "change_rel"]
    rows: list[dict[str, Any]] = []
    ref_trial = reference or plain_bridge_trial(summary)
    dlb_all = summary[summary.task == "double_leg_bridge"]
    if ref_trial is None:
        notes = []
        if dlb_all["cue"].nunique() > 1:
            notes.append(
                "cue variants were not compared: the protocol has no plain double-leg bridge "
                "(cue 'standard') to compare them with, and comparing them with another cue "
                "(e.g. the squeeze-first trial) would not show what a cue adds"
            )
        return pd.DataFrame(rows, columns=cols), notes
    ref = summary[summary.trial == ref_trial].set_index(["muscle", "side"])["pct_mvc"]
    if ref.empty:
        return pd.DataFrame(rows, columns=cols), []
    dlb = dlb_all[dlb_all.trial != ref_trial]
    for _, r in dlb.iterrows():
        key = (r["muscle"], r["side"])
        if key not in ref.index:
            continue
        base = float(ref[key])
        rows.append(
            {
                "trial": r["trial"],
                "cue": r["cue"],
                "muscle": r["muscle"],
                "side": r["side"],
                "pct_mvc": float(r["pct_mvc"]),
                "pct_mvc_ref": base,
                "change": float(r["pct_mvc"]) - base,
                "change_rel": (float(r["pct_mvc"]) / base - 1.0) * 100.0 if base > 0 else np.nan,
            }
        )
    return pd.DataFrame(rows, columns=cols), []
