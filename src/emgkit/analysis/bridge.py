"""The bridge-test analysis: Recording in, tidy DataFrames out.

Pipeline (defaults from clinical-anchors.md, see docs/analysis.md):

1. Fill missing samples with 0 for filtering; they stay excluded from every metric window.
2. Raw channels: zero-phase 4th-order Butterworth band-pass 20-450 Hz (30-450 Hz on trunk
   channels, ECG removal after Drake & Callaghan 2006); envelope channels skip the band-pass.
3. 100 ms centred moving RMS envelope.
4. MVC per channel = best 500 ms mean of the envelope within that muscle's and side's MVC holds,
   maximum over positions; %MVC = hold-mean envelope / MVC x 100.
5. Onsets: TKEO-conditioned threshold on the band-passed signal with the rest trial as baseline;
   latency relative to the rep's movement onset (the rep marker).
6. Ratios glute:hamstring and glute:erector per side and rep from %MVC; left/right symmetry angle.
"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from emgkit.analysis.metrics import limb_symmetry_index, ratio, symmetry_angle, symmetry_index
from emgkit.analysis.normalize import mvc_amplitude
from emgkit.errors import BandLimitWarning, ConfigError, SignalError
from emgkit.muscles import GLUTE, HAMSTRING_MUSCLES, TRUNK_MUSCLES
from emgkit.protocol import Protocol, Trial, load_protocol
from emgkit.recording import Event, Recording, SignalKind

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


@dataclass(frozen=True, slots=True)
class AnalysisParams:
    """Every parameter of the bridge analysis (recorded with the results).

    Attributes
    ----------
    band : (float, float)
        Band-pass corners in Hz for raw channels (default 20-450 Hz, 4th order, zero-phase).
    trunk_low : float
        Low corner in Hz on trunk channels (erector spinae, multifidus): 30 Hz removes ECG.
    order : int
        Butterworth order of each pass.
    rms_window : float
        Moving RMS window in seconds (100 ms).
    mvc_window : float
        Window of the best mean used for MVC amplitude (500 ms).
    onset_method : str
        Onset detector (see :func:`emgkit.signal.onset.detect_onsets`).
    onset_search : (float, float)
        Onset search window relative to movement onset, in seconds.
    epoch : float
        Holds are also cut into epochs of this length (s) to measure the person's own
        rep-to-rep and within-hold variability (for the meaningful-change threshold).
    asymmetry_floor : float
        Smallest symmetry angle (%) ever called a meaningful left/right difference, whatever the
        person's own variability: healthy single-leg bridges differ by 5-12 %MVC between sides
        (Feldwieser et al. 2012), about SA 7 % at 40 %MVC. A convention, not a validated norm.
    reference_trial : str
        The standard bridge that cue variants are compared with.
    """

    band: tuple[float, float] = (20.0, 450.0)
    trunk_low: float = 30.0
    order: int = 4
    rms_window: float = 0.1
    mvc_window: float = 0.5
    onset_method: str = "tkeo"
    onset_search: tuple[float, float] = (-0.8, 0.6)
    epoch: float = 1.0
    asymmetry_floor: float = 7.0
    reference_trial: str = "dlb_squeeze"

    def as_dict(self) -> dict[str, Any]:
        """Parameters as a flat dict (for result metadata)."""
        return {
            "band_low_hz": self.band[0],
            "band_high_hz": self.band[1],
            "trunk_low_hz": self.trunk_low,
            "order": self.order,
            "rms_window_s": self.rms_window,
            "mvc_window_s": self.mvc_window,
            "onset_method": self.onset_method,
            "onset_search_s": list(self.onset_search),
            "epoch_s": self.epoch,
            "asymmetry_floor_sa": self.asymmetry_floor,
            "reference_trial": self.reference_trial,
        }


@dataclass(slots=True)
class BridgeResult:
    """Results of :func:`analyze_bridge`, as tidy DataFrames.

    Attributes
    ----------
    mvc : DataFrame
        channel, muscle, side, mvc_uv, source_trial.
    reps : DataFrame
        trial, task, cue, side_task, rep, channel, muscle, side, hold_s (hold duration),
        amplitude_uv, pct_mvc, onset_s, latency_s (onset relative to movement onset;
        negative = before).
    summary : DataFrame
        Per trial, muscle and side: pct_mvc mean, SD and CV (%) over reps, n_reps, hold_s
        (mean hold duration), amplitude_uv, latency_ms (mean) and latency_sd_ms.
    ratios : DataFrame
        Per trial, rep and side: glute_ham and glute_erector (%MVC ratios).
    symmetry : DataFrame
        Per comparison (each double-leg trial; the single-leg pair) and muscle: pct_left,
        pct_right, symmetry_angle, symmetry_index (Robinson: (R - L) / mean x 100),
        lsi (limb symmetry index, lower side / higher side x 100), lower_side, mdc
        (meaningful-change threshold from the person's own epoch variability), threshold =
        max(mdc, asymmetry floor), n_epochs, meaningful (bool).
    epochs : DataFrame
        trial, rep, epoch, channel, muscle, side, pct_mvc for each ``epoch``-second piece of
        each hold.
    variants : DataFrame
        Cue variants vs the reference trial per muscle and side: pct_mvc, pct_mvc_ref, change
        (percentage points), change_rel (%).
    pain : DataFrame
        trial, pain (0-10) from "pain" events.
    fatigue : DataFrame
        Per bridge hold and raw channel (only at fs >= 1 kHz with adequate hardware bandwidth):
        trial, rep, channel, muscle, side, hold_s, mdf_start_hz (intercept of the fit),
        slope_pct_per_s (normalised median-frequency slope, Coorevits et al. 2008), n_epochs.
    notes : list of str
        Limitations that apply to this recording (band-limited, missing MVC, gaps).
    params : AnalysisParams
    meta : dict
        What the recording could support: fs, hardware_bandwidth_hz, band_limited,
        envelope_channels (names of non-raw EMG channels), holds_with_gaps (number of bridge
        holds that contain missing samples), auto_segmented.
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


def _raw_and_trunk(rec: Recording) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    raw = np.array([c.kind == SignalKind.RAW for c in rec.channels])
    trunk = np.array([c.muscle in TRUNK_MUSCLES for c in rec.channels])
    return raw, trunk


def envelopes(
    rec: Recording, params: AnalysisParams | None = None
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Band-passed signal and 100 ms RMS envelope of every EMG channel of ``rec``.

    Returns
    -------
    filtered : ndarray (n_samples, n_channels)
        Band-passed raw channels (envelope channels passed through unchanged).
    envelope : ndarray (n_samples, n_channels)
        Moving RMS envelope in microvolts; NaN where samples are missing.
    """
    from emgkit.signal.envelope import moving_rms
    from emgkit.signal.filters import bandpass
    from emgkit.signal.pipeline import TRUNK_HIGHPASS_HZ, preprocess

    p = params or AnalysisParams()
    gm = rec.gap_mask()
    # no copy of the data when nothing is missing (a 30 min x 16 ch x 2 kHz session is 460 MB)
    filled = rec.filled("zero").data if gm.any() or not np.isfinite(rec.data).all() else rec.data
    raw, trunk = _raw_and_trunk(rec)
    if p.trunk_low == TRUNK_HIGHPASS_HZ:
        # one fused pass over all channels, per-column designs (trunk: 30 Hz corner)
        filtered = preprocess(
            filled, rec.fs, band=p.band, order=p.order, trunk_highpass=trunk, raw_mask=raw
        )
        env = moving_rms(filtered, rec.fs, p.rms_window, center=True)
        if gm.any():
            env[gm, :] = np.nan
        return filtered, env
    low_high = [(p.band[0], raw & ~trunk), (max(p.trunk_low, p.band[0]), raw & trunk)]
    todo = [(low, mask) for low, mask in low_high if mask.any()]
    if len(todo) == 1 and todo[0][1].all():
        filtered = bandpass(filled, rec.fs, todo[0][0], p.band[1], p.order)
    else:
        filtered = filled.copy()
        for low, mask in todo:
            filtered[:, mask] = bandpass(filled[:, mask], rec.fs, low, p.band[1], p.order)
    env = moving_rms(filtered, rec.fs, p.rms_window, center=True)
    if gm.any():
        env[gm, :] = np.nan
    return filtered, env


def _hold_mean(env: npt.NDArray[np.float64], fs: float, ev: Event) -> npt.NDArray[np.float64]:
    i0 = max(0, round(ev.onset * fs))
    i1 = min(env.shape[0], round(ev.offset * fs))
    seg = env[i0:i1]
    if seg.shape[0] == 0:
        return np.full(env.shape[1], np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(seg, axis=0)


def _trial_of(protocol: Protocol, trial_id: str) -> Trial | None:
    for t in protocol.expanded():
        if t.id == trial_id:
            return t
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
    for ev in rec.events_for(label="trial"):
        t = ev.trial
        if t == "rest" or t.startswith("rest"):
            margin = min(1.0, ev.duration / 4)
            if ev.duration - 2 * margin >= 0.5:
                return (ev.onset + margin, ev.offset - margin)
    return None


def analyze_bridge(
    rec: Recording,
    protocol: Protocol | str | None = None,
    params: AnalysisParams | None = None,
    *,
    auto_segment: bool = False,
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
    auto_segment : bool
        When the recording has no "hold" events, find reps and holds from the envelopes (and
        accelerometer) with :func:`emgkit.analysis.segment.segment`; the trials are named
        ``auto_<n>`` with task ``unlabelled`` and a note says so.

    Returns
    -------
    BridgeResult

    Raises
    ------
    ConfigError
        No EMG channel with a muscle and side, or no hold events.
    """
    p = params or AnalysisParams()
    proto = protocol if isinstance(protocol, Protocol) else load_protocol(protocol or "bridge")
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
    holds = rec.events_for(label="hold")
    notes: list[str] = []
    if not holds and auto_segment:
        from emgkit.analysis.segment import segment

        with warnings.catch_warnings():
            # the band-limit is reported once, below, with what it means for the metrics
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
    if rec.band_limited:
        bw = rec.info.hardware_bandwidth_hz
        msg = (
            f"recorded at {rec.fs:g} Hz"
            + (f" with a hardware bandwidth of about {bw:g} Hz" if bw else "")
            + ": sEMG power above that is attenuated, so amplitudes are underestimated; "
            "%MVC is valid only because MVC and tasks share the same hardware; "
            "spectral and fatigue metrics are not computed (they need >= 1 kHz)"
        )
        notes.append(msg)
        warnings.warn(msg, BandLimitWarning, stacklevel=2)
    sub = (
        rec
        if emg_idx == list(range(rec.n_channels))
        else rec.pick(names=[rec.channels[i].name for i in emg_idx])
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BandLimitWarning)
        filtered, env = envelopes(sub, p)
    fs = sub.fs
    chans = sub.channels

    # ---- MVC per channel
    mvc_rows = []
    mvc_uv = np.full(len(chans), np.nan)
    for ci, ch in enumerate(chans):
        ch_holds = _mvc_holds(proto, holds, str(ch.muscle), str(ch.side), exact=True)
        if not ch_holds:
            ch_holds = _mvc_holds(proto, holds, str(ch.muscle), str(ch.side), exact=False)
        amp, src = mvc_amplitude(env[:, ci], fs, ch_holds, p.mvc_window)
        mvc_uv[ci] = amp
        mvc_rows.append(
            {
                "channel": ch.name,
                "muscle": ch.muscle,
                "side": ch.side,
                "mvc_uv": amp,
                "source_trial": src,
                "n_mvc_holds": len(ch_holds),
            }
        )
        if not np.isfinite(amp):
            notes.append(
                f"no MVC hold for {ch.muscle} ({ch.side}): %MVC cannot be computed for {ch.name}"
            )
    mvc_df = pd.DataFrame(mvc_rows)

    # ---- onsets: one detection pass per channel, then the first burst near each rep
    baseline = _baseline_window(sub)
    intervals = _detect_all(filtered, env, fs, chans, baseline, p)

    # ---- per rep metrics
    rep_events = {(e.trial, e.value): e for e in sub.events_for(label="rep")}
    rows = []
    epoch_rows = []
    for ev in holds:
        tr = _trial_of(proto, ev.trial)
        if tr is None or tr.task in ("mvc", "rest"):
            continue
        hold_amp = _hold_mean(env, fs, ev)
        rep_no = int(ev.value) if ev.value.isdigit() else ev.value
        hold_s = float(ev.duration)
        for k, seg_amp in enumerate(_epoch_means(env, fs, ev, p.epoch)):
            for ci, ch in enumerate(chans):
                epoch_rows.append(
                    {
                        "trial": ev.trial,
                        "task": tr.task,
                        "side_task": tr.side,
                        "rep": rep_no,
                        "epoch": k,
                        "channel": ch.name,
                        "muscle": ch.muscle,
                        "side": ch.side,
                        "pct_mvc": seg_amp[ci] / mvc_uv[ci] * 100.0 if mvc_uv[ci] > 0 else np.nan,
                    }
                )
        rep_ev = rep_events.get((ev.trial, ev.value))
        t_move = rep_ev.onset if rep_ev is not None else float("nan")
        for ci, ch in enumerate(chans):
            onset = _rep_onset(
                intervals[ci], t_move + p.onset_search[0], t_move + p.onset_search[1]
            )
            rows.append(
                {
                    "trial": ev.trial,
                    "task": tr.task,
                    "cue": tr.cue,
                    "side_task": tr.side,
                    "rep": rep_no,
                    "channel": ch.name,
                    "muscle": ch.muscle,
                    "side": ch.side,
                    "hold_s": hold_s,
                    "amplitude_uv": hold_amp[ci],
                    "pct_mvc": hold_amp[ci] / mvc_uv[ci] * 100.0 if mvc_uv[ci] > 0 else np.nan,
                    "onset_s": onset,
                    "latency_s": onset - t_move,
                }
            )
    reps = pd.DataFrame(rows)
    if reps.empty:
        raise ConfigError("no bridge holds found (only MVC/rest trials?): nothing to summarise")

    summary = (
        reps.groupby(["trial", "task", "cue", "side_task", "muscle", "side"], sort=False)
        .agg(
            pct_mvc=("pct_mvc", "mean"),
            pct_mvc_sd=("pct_mvc", "std"),
            n_reps=("rep", "nunique"),
            hold_s=("hold_s", "mean"),
            amplitude_uv=("amplitude_uv", "mean"),
            latency_ms=(
                "latency_s",
                lambda s: float(np.nanmean(s) * 1000) if s.notna().any() else np.nan,
            ),
            latency_sd_ms=(
                "latency_s",
                lambda s: float(np.nanstd(s, ddof=1) * 1000) if s.notna().sum() > 1 else np.nan,
            ),
        )
        .reset_index()
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        cv = summary["pct_mvc_sd"] / summary["pct_mvc"] * 100.0
    summary.insert(list(summary.columns).index("pct_mvc_sd") + 1, "pct_mvc_cv", cv)
    ratios_df = _ratios(reps)
    epochs = pd.DataFrame(epoch_rows)
    sym = _symmetry(reps, epochs, p.asymmetry_floor)
    variants = _variants(summary, p.reference_trial)
    pain = pd.DataFrame(
        [
            {"trial": e.trial, "pain": float(e.value) if _is_number(e.value) else np.nan}
            for e in sub.events_for(label="pain")
        ],
        columns=["trial", "pain"],
    )
    fatigue = _fatigue(sub, filtered, holds, proto, notes)
    gm = sub.gap_mask()
    holds_with_gaps = 0
    for ev in holds:
        tr = _trial_of(proto, ev.trial)
        if tr is None or tr.task in ("mvc", "rest"):
            continue
        i0, i1 = max(0, round(ev.onset * fs)), min(sub.n_samples, round(ev.offset * fs))
        holds_with_gaps += bool(gm[i0:i1].any())
    meta = {
        "fs": float(fs),
        "hardware_bandwidth_hz": sub.info.hardware_bandwidth_hz,
        "band_limited": bool(rec.band_limited),
        "envelope_channels": [c.name for c in chans if c.kind != SignalKind.RAW],
        "holds_with_gaps": int(holds_with_gaps),
        "auto_segmented": bool(auto_segment and any(e.trial.startswith("auto_") for e in holds)),
    }
    return BridgeResult(
        mvc_df, reps, summary, ratios_df, sym, epochs, variants, pain, fatigue, notes, p, meta
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
    notes: list[str],
) -> pd.DataFrame:
    """Median-frequency slope per bridge hold and raw channel (fs >= 1 kHz only)."""
    from emgkit.signal.spectral import MIN_FS_HZ, MIN_HARDWARE_BANDWIDTH_HZ, fatigue_slope

    raw = [i for i, c in enumerate(rec.channels) if c.kind == SignalKind.RAW]
    bw = rec.info.hardware_bandwidth_hz
    if rec.fs < MIN_FS_HZ or (bw is not None and bw < MIN_HARDWARE_BANDWIDTH_HZ):
        notes.append(
            f"fatigue (median-frequency slope) not computed: it needs >= {MIN_FS_HZ:g} Hz "
            f"sampling and >= {MIN_HARDWARE_BANDWIDTH_HZ:g} Hz hardware bandwidth "
            "(clinical-anchors.md section 8)"
        )
        return pd.DataFrame(columns=_FATIGUE_COLS)
    if not raw:
        notes.append(
            "fatigue (median-frequency slope) not computed: the channels are envelopes, "
            "which carry no spectrum"
        )
        return pd.DataFrame(columns=_FATIGUE_COLS)
    gm = rec.gap_mask()
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
            fsl = fatigue_slope(filtered[i0:i1][:, raw], rec.fs, 1.0, hardware_bandwidth_hz=bw)
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
    return pd.DataFrame(rows, columns=_FATIGUE_COLS)


def _is_number(text: str) -> bool:
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
            out.append(np.nanmean(env[a:b], axis=0))
    return out


def _detect_all(
    filtered: npt.NDArray[np.float64],
    env: npt.NDArray[np.float64],
    fs: float,
    chans: tuple[Any, ...],
    baseline: tuple[float, float] | None,
    p: AnalysisParams,
) -> list[npt.NDArray[np.float64]]:
    from emgkit.signal.onset import detect_onsets

    raw = [ci for ci, ch in enumerate(chans) if ch.kind == SignalKind.RAW]
    other = [ci for ci in range(len(chans)) if ci not in raw]
    out: list[npt.NDArray[np.float64]] = [np.empty((0, 2))] * len(chans)

    def run(x: npt.NDArray[np.float64], cols: list[int], method: str) -> None:
        # all channels of one kind in one call: the kernels vectorise across channels
        try:
            found = detect_onsets(x, fs, method=method, baseline=baseline)
        except SignalError:
            return
        for ci, iv in zip(cols, found, strict=True):
            out[ci] = np.asarray(iv, dtype=np.float64).reshape(-1, 2)

    if raw:
        run(filtered if len(raw) == len(chans) else filtered[:, raw], raw, p.onset_method)
    if other:
        # an envelope is not raw EMG: TKEO and double threshold need the raw signal
        run(np.nan_to_num(env[:, other]), other, "hodges_bui")
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
    wide = reps.pivot_table(
        index=["trial", "task", "cue", "side_task", "rep", "side"],
        columns="muscle",
        values="pct_mvc",
        aggfunc="mean",
    ).reset_index()
    ham = next((m for m in HAMSTRING_MUSCLES if m in wide.columns), None)
    trunk = next((m for m in TRUNK_MUSCLES if m in wide.columns), None)
    out = wide[["trial", "task", "cue", "side_task", "rep", "side"]].copy()
    glute = wide[GLUTE] if GLUTE in wide.columns else np.nan
    out["glute_ham"] = ratio(glute, wide[ham]) if ham else np.nan
    out["glute_erector"] = ratio(glute, wide[trunk]) if trunk else np.nan
    return out.reset_index(drop=True)


def _mdc(sa_values: npt.NDArray[np.float64]) -> float:
    """Minimal detectable change (95 %) of a mean symmetry angle from its epoch values.

    ``MDC95 = 1.96 x sqrt(2) x SD / sqrt(n)``: the smallest difference between two such means
    that exceeds the person's own measurement variability.
    """
    v = sa_values[np.isfinite(sa_values)]
    if v.size < 2:
        return float("nan")
    return float(1.96 * np.sqrt(2.0) * v.std(ddof=1) / np.sqrt(v.size))


def _sym_row(
    comparison: str, muscle: str, L: float, R: float, sa_k: npt.NDArray[np.float64], floor: float
) -> dict[str, Any]:
    sa = float(symmetry_angle(L, R))
    lower = "left" if L < R else ("right" if R < L else "")
    lo, hi = (L, R) if L <= R else (R, L)
    mdc = _mdc(sa_k)
    thr = max(floor, mdc) if np.isfinite(mdc) else floor
    return {
        "comparison": comparison,
        "muscle": muscle,
        "pct_left": L,
        "pct_right": R,
        "symmetry_angle": sa,
        "symmetry_index": float(symmetry_index(L, R)),
        "lsi": float(limb_symmetry_index(lo, hi)),
        "lower_side": lower,
        "mdc": mdc,
        "threshold": thr,
        "n_epochs": int(np.isfinite(sa_k).sum()),
        "meaningful": bool(np.isfinite(sa) and abs(sa) > thr),
    }


def _symmetry(reps: pd.DataFrame, epochs: pd.DataFrame, floor: float) -> pd.DataFrame:
    """Left vs right per muscle: double-leg trials per trial; single-leg bridges as a pair.

    Single-leg bridges compare the working (stance) side of the left trial with the working side
    of the right trial; epochs are paired by (rep, epoch) position.
    """
    cols = [
        "comparison",
        "muscle",
        "pct_left",
        "pct_right",
        "symmetry_angle",
        "symmetry_index",
        "lsi",
        "lower_side",
        "mdc",
        "threshold",
        "n_epochs",
        "meaningful",
    ]
    rows: list[dict[str, Any]] = []
    if epochs.empty:
        return pd.DataFrame(rows, columns=cols)
    dlb = epochs[epochs["task"] == "double_leg_bridge"]
    for (trial, muscle), grp in dlb.groupby(["trial", "muscle"], sort=False):
        wide = grp.pivot_table(index=["rep", "epoch"], columns="side", values="pct_mvc")
        if not {"left", "right"} <= set(wide.columns):
            continue
        r = reps[(reps.trial == trial) & (reps.muscle == muscle)]
        L = float(r[r.side == "left"]["pct_mvc"].mean())
        R = float(r[r.side == "right"]["pct_mvc"].mean())
        sa_k = np.asarray(symmetry_angle(wide["left"], wide["right"]))
        rows.append(_sym_row(str(trial), str(muscle), L, R, sa_k, floor))
    slb = epochs[(epochs["task"] == "single_leg_bridge") & (epochs["side"] == epochs["side_task"])]
    for muscle, grp in slb.groupby("muscle", sort=False):
        wide = grp.pivot_table(index=["rep", "epoch"], columns="side", values="pct_mvc")
        if not {"left", "right"} <= set(wide.columns):
            continue
        r = reps[
            (reps.task == "single_leg_bridge")
            & (reps.muscle == muscle)
            & (reps.side == reps.side_task)
        ]
        L = float(r[r.side == "left"]["pct_mvc"].mean())
        R = float(r[r.side == "right"]["pct_mvc"].mean())
        sa_k = np.asarray(symmetry_angle(wide["left"], wide["right"]))
        rows.append(_sym_row("single_leg_bridge", str(muscle), L, R, sa_k, floor))
    return pd.DataFrame(rows, columns=cols)


def _variants(summary: pd.DataFrame, reference: str) -> pd.DataFrame:
    """Each double-leg cue variant vs the reference trial, per muscle and side."""
    cols = ["trial", "cue", "muscle", "side", "pct_mvc", "pct_mvc_ref", "change", "change_rel"]
    ref = summary[summary.trial == reference].set_index(["muscle", "side"])["pct_mvc"]
    rows: list[dict[str, Any]] = []
    if ref.empty:
        return pd.DataFrame(rows, columns=cols)
    dlb = summary[(summary.task == "double_leg_bridge") & (summary.trial != reference)]
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
    return pd.DataFrame(rows, columns=cols)
