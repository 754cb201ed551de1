"""Interpretation of bridge results: literature-grounded flags worded with their uncertainty.

Contract (used by the report): ``interpret(result) -> list[Flag]``. Flags never diagnose; a
normal pattern (hamstrings before glute max; glute:erector < 1 in a double-leg bridge) is said
to be normal, not flagged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy.stats import t as student_t

from emgkit.analysis.metrics import NATURAL_LOG_RATIO_SD, detection_rate, false_call_rate
from emgkit.muscles import HAMSTRING_MUSCLES, TRUNK_MUSCLES, display_name

if TYPE_CHECKING:
    from emgkit.analysis.bridge import BridgeResult

__all__ = ["LEVELS", "Flag", "headline_symmetry", "interpret"]

#: ``notable``: a pattern worth a clinician's look; ``info``: context, including patterns that
#: are normal; ``limitation``: what the recording cannot support.
LEVELS = ("notable", "info", "limitation")


@dataclass(frozen=True, slots=True)
class Flag:
    """One interpretation statement.

    Attributes
    ----------
    code : str
        Stable identifier, e.g. ``"glute_asymmetry"``, ``"compensation"``, ``"onset_order"``,
        ``"band_limited"``.
    level : {"notable", "info", "limitation"}
    message : str
        Plain-language statement with its uncertainty; never a diagnosis.
    muscle, side, trial : str or None
        What it is about.
    evidence : dict of str to float
        The numbers behind it (e.g. symmetry angle, threshold, n_epochs).
    references : tuple of str
        Short citations (see docs/analysis.md).
    """

    code: str
    level: str
    message: str
    muscle: str | None = None
    side: str | None = None
    trial: str | None = None
    evidence: dict[str, float] = field(default_factory=dict)
    references: tuple[str, ...] = ()


#: Short citations used by the flags (full references in docs/analysis.md).
REFS = {
    "zifchock": "Zifchock et al. 2008 (symmetry angle)",
    "feldwieser": "Feldwieser et al. 2012 (5-12 %MVC multifidus side differences, "
    "one-legged bridges)",
    "norcross": "Norcross, Blackburn & Goerger 2010 (glute max MVIC within-subject CV 9-36 %)",
    "contreras": "Contreras et al. 2015 (no single glute max MVC position is maximal for everyone)",
    "freeman": "Freeman, Mascia & McGill 2013 (glute max activity falls with hip pain/effusion)",
    "lehecka": "Lehecka et al. 2017 (knee angle drives hamstring activity in single-leg bridges)",
    "ho": "Ho et al. 2020 (knee flexion angle and glute max:biceps femoris ratio)",
    "lewis": "Lewis & Sahrmann 2009 (hamstrings fire before glute max in healthy hip extension)",
    "sakamoto": "Sakamoto et al. 2009 (semitendinosus -> erector spinae -> glute max)",
    "guimaraes": "Guimaraes et al. 2010 (same order with and without low back pain)",
    "ekstrom": "Ekstrom, Donatelli & Carp 2007 (double-leg bridge: glute max 25 ± 14, "
    "longissimus 39 ± 13 %MVC)",
    "besomi": "Besomi et al. 2020 (normalisation to MVC)",
    "ads1299": "ADS1299 datasheet, Table 1 (-3 dB at 65 Hz at 250 SPS)",
    "coorevits": "Coorevits et al. 2008 (median-frequency slope)",
    "hodges": "Hodges & Moseley 2003 (pain changes motor control)",
}

#: Smallest left/right glute onset difference (s) ever reported: about the error of a
#: difference of two onsets, sqrt(2) x the p95 single-onset error of working muscles
#: (>= 20 %MVC) at 1 kHz on the realistic generators, 27-29 ms -> 41 ms, rounded to 40 ms
#: (docs/onset.md has the command that measures it).
ONSET_FLOOR_S = 0.040

#: Glute max and lumbar erector %MVC in healthy double-leg bridges (Ekstrom, Donatelli & Carp
#: 2007: mean +- SD, n = 30): "normal" is said only when both values lie within mean +- 1 SD.
EKSTROM_DLB = {"glute_max": (25.0, 14.0), "erector_spinae": (39.0, 13.0)}

#: Glute:hamstring ratio below which a single-leg bridge is called hamstring-dominant
#: ("notable"): a convention (the hamstrings work at least 1.5 x glute max), not a published
#: cut-off; knee angle alone moves the ratio by about 3 x (Lehecka et al. 2017).
HAMSTRING_DOMINANT_RATIO = 0.67

#: A side's glute max is "lower in microvolts" when BOTH its MVC and its double-leg bridge
#: amplitude are lower than the other side's by this factor or more (lower / higher below it;
#: for the bridge, the upper end of the 95 % interval of the paired rep-by-rep ratio). A
#: convention derived from the between-side spread of healthy subjects, not a published
#: cut-off: electrode position, skin and fat give healthy sides an SD of log(R / L) of about
#: 0.28 in microvolts (simulated healthy sessions, ``mvc_cv`` 0.2 per side so sqrt(2) x 0.2
#: expected: MVC 0.29 over 100 motor-unit subjects, 0.23-0.25 over 20 per generator; real
#: between-side data were not available), and 0.75 (log -0.29, about 1 SD) gave the hint to
#: 20 of those 100 healthy subjects (54 of 100 with a 30 % drop of MVC and bridge; see
#: ``benchmarks/bench_mvc_hint.py``). It cannot separate an inhibited side from a side with
#: worse electrode contact.
MVC_UV_LOWER_RATIO = 0.75

#: SD of the healthy between-side log microvolt ratio that :data:`MVC_UV_LOWER_RATIO` was
#: derived from (see there); used only to word the hint.
HEALTHY_UV_LOG_RATIO_SD = 0.28

#: Smallest cue-variant change (percentage points of MVC) ever reported (convention: with 3
#: reps per trial the rep-to-rep SD is itself uncertain, and trials differ by order/fatigue).
CUE_FLOOR_PCT = 3.0

_HAM = HAMSTRING_MUSCLES
_TRUNK = TRUNK_MUSCLES


def _nice(muscle: str) -> str:
    return display_name(muscle, "plain")


def _f(x: Any) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return float("nan")


def interpret(result: BridgeResult) -> list[Flag]:
    """Literature-grounded flags for a bridge result, worded with their uncertainty.

    Parameters
    ----------
    result : BridgeResult
        From :func:`emgkit.analysis.bridge.analyze_bridge`.

    Returns
    -------
    list of Flag
        In this order: limitations, notable patterns, then context (``info``). Codes:
        ``glute_asymmetry``, ``compensation``, ``mvc_side_lower``, ``hamstring_dominant``,
        ``onset_order``, ``onset_asymmetry``, ``glute_erector_normal`` (or
        ``glute_erector_ratio`` outside the quoted range), ``cue_effect``, ``fatigue``, and the
        limitations ``no_activity``, ``quality_refused``, ``mvc_refused``, ``submaximal_mvc``,
        ``band_limited``, ``envelope_only``, ``missing_mvc``, ``gaps_in_holds``,
        ``pain_reported``, ``auto_segmented``.

    Notes
    -----
    No flag is a diagnosis. The glute max left/right comparison has three outcomes ("likely
    asymmetric", "inconclusive", "no meaningful difference"), always naming the lower side:
    likely asymmetric when the symmetry angle exceeds the threshold (a convention, see
    :class:`~emgkit.analysis.bridge.AnalysisParams`) and its 95 % interval from the rep-to-rep
    or hold-to-hold variability excludes zero. No clinical flag is raised on a metric whose
    quality is 'fail' (a limitation says why). Hamstrings or erector spinae firing before glute
    max is the usual healthy order and is never flagged; glute:erector below 1 in a double-leg
    bridge is called normal only when both values lie in the quoted healthy range.
    """
    flags: list[Flag] = []
    flags += _limitations(result)
    if (result.meta or {}).get("no_activity"):
        # a recording without contractions: nothing else can be said
        return flags
    asym = _glute_asymmetry(result)
    flags += _mvc_side_lower(result)
    flags += asym
    flags += _compensation(result, asym)
    flags += _hamstring_dominance(result)
    flags += _onsets(result)
    flags += _glute_erector(result)
    flags += _cue_effects(result)
    flags += _fatigue(result)
    order = {lvl: i for i, lvl in enumerate(("limitation", "notable", "info"))}
    return sorted(flags, key=lambda f: order.get(f.level, 3))


# ------------------------------------------------------------------------------ limitations
def _limitations(res: BridgeResult) -> list[Flag]:
    out: list[Flag] = []
    meta = res.meta or {}
    if meta.get("no_activity"):
        out.append(
            Flag(
                "no_activity",
                "limitation",
                "No muscle activity detected: no hold on any channel rose clearly above that "
                "channel's rest level, so no %MVC, ratio, left/right comparison or onset is "
                "reported. Check electrode contact, amplifier gain and that the person "
                "contracted.",
            )
        )
        return out
    out += _quality_refusals(res)
    out += _mvc_limits(res)
    fs = _f(meta.get("fs"))
    bw = meta.get("hardware_bandwidth_hz")
    band_note = next((n for n in res.notes if n.startswith("recorded at")), None)
    if meta.get("band_limited") or band_note or (np.isfinite(fs) and fs < 1000):
        where = f"{fs:g} Hz" if np.isfinite(fs) else "a low sampling rate"
        bw_txt = f" with a hardware bandwidth of about {float(bw):g} Hz" if bw else ""
        out.append(
            Flag(
                "band_limited",
                "limitation",
                f"Recorded at {where}{bw_txt}: surface EMG power above that band is attenuated, so "
                "amplitudes are underestimated and onsets are less precise (p95 error about "
                "100-130 ms at 250 Hz on the validation generators, docs/validation.md). %MVC "
                "and ratios remain usable only because the MVC and the bridges "
                "were recorded with the same hardware, and not exactly: how much power the band "
                "loses depends on the EMG spectrum, which changes with effort, so %MVC can be off "
                "by about 6 % in either direction (-6 % median on the motor-unit validation "
                "model at 250 Hz, whose bridges have a higher mean frequency than its MVCs). "
                "Median-frequency (fatigue) metrics were not computed. A >= 1 kHz recording is "
                "needed for clinical claims.",
                evidence={"fs_hz": fs, "hardware_bandwidth_hz": _f(bw)},
                references=(REFS["ads1299"],),
            )
        )
    env = list(meta.get("envelope_channels", []))
    if env:
        out.append(
            Flag(
                "envelope_only",
                "limitation",
                f"{len(env)} channel(s) ({', '.join(env)}) carry a hardware envelope (e.g. "
                "MyoWare ENV), not raw EMG: onset times are smeared by the envelope's own "
                "smoothing (tens of ms), so onset order and latencies are approximate, and no "
                "spectral or fatigue metric is possible on them.",
                evidence={"n_envelope_channels": float(len(env))},
            )
        )
    missing: Any = (
        res.mvc[~np.isfinite(res.mvc["mvc_uv"].astype(float))] if not res.mvc.empty else []
    )
    rows = list(getattr(missing, "iterrows", lambda: iter(()))())
    if rows:
        # one statement for all channels without an MVC (an imported file may have none)
        which = ", ".join(f"{_nice(str(r['muscle']))} ({r['side']})" for _, r in rows)
        out.append(
            Flag(
                "missing_mvc",
                "limitation",
                f"No MVC trial for {which}: amplitudes cannot be normalised, so %MVC, the "
                "ratios that use them and left/right symmetry are not available for "
                f"{'this channel' if len(rows) == 1 else 'these channels'}. Raw microvolt "
                "amplitudes must not be compared between sides or muscles (electrode position "
                "and tissue differ).",
                muscle=str(rows[0][1]["muscle"]) if len(rows) == 1 else None,
                side=str(rows[0][1]["side"]) if len(rows) == 1 else None,
                evidence={"n_channels_without_mvc": float(len(rows))},
                references=(REFS["besomi"],),
            )
        )
    n_gap = int(meta.get("holds_with_gaps", 0) or 0)
    if n_gap:
        out.append(
            Flag(
                "gaps_in_holds",
                "limitation",
                f"{n_gap} hold(s) contain missing samples (lost packets): their means use the "
                "samples that arrived, their fatigue slopes were not computed, and an onset "
                "falling in a gap cannot be found.",
                evidence={"holds_with_gaps": float(n_gap)},
            )
        )
    if meta.get("auto_segmented"):
        out.append(
            Flag(
                "auto_segmented",
                "limitation",
                "The recording had no markers: reps and holds were found from the EMG "
                "envelopes (a heuristic), trial types are unknown, and latencies are relative "
                "to the detected activity onset, not to a movement marker.",
            )
        )
    pain = res.pain if isinstance(res.pain, pd.DataFrame) else pd.DataFrame()
    if not pain.empty and "pain" in pain and (pain["pain"].astype(float) > 0).any():
        hurt = pain[pain["pain"].astype(float) > 0]
        worst = hurt.loc[hurt["pain"].astype(float).idxmax()]  # type: ignore[call-overload]
        out.append(
            Flag(
                "pain_reported",
                "limitation",
                f"Pain was reported in {len(hurt)} trial(s) (up to {float(worst['pain']):g}/10 "
                f"in {worst['trial']}). Pain itself changes motor control (it can reduce and "
                "redistribute muscle activity), so the patterns below describe how the person "
                "moved while in pain and may change when the pain does.",
                trial=str(worst["trial"]),
                evidence={"max_pain": float(worst["pain"]), "n_trials_with_pain": float(len(hurt))},
                references=(REFS["hodges"],),
            )
        )
    return out


def _quality_refusals(res: BridgeResult) -> list[Flag]:
    q = res.quality if isinstance(res.quality, pd.DataFrame) else pd.DataFrame()
    if q.empty or "status" not in q:
        return []
    out = []
    for name, row in q[q["status"] == "fail"].iterrows():
        out.append(
            Flag(
                "quality_refused",
                "limitation",
                f"{name} ({_nice(str(row.get('muscle', '')))}, {row.get('side', '')}) failed its "
                f"signal-quality check: {row.get('detail', '')}. Its %MVC, ratios and left/right "
                "comparisons are not used for any finding.",
                muscle=str(row.get("muscle", "")) or None,
                side=str(row.get("side", "")) or None,
            )
        )
    return out


def _mvc_limits(res: BridgeResult) -> list[Flag]:
    from emgkit.analysis.normalize import MVC_MIN_SNR, PCT_MVC_SUBMAXIMAL

    out: list[Flag] = []
    mvc = res.mvc
    if not mvc.empty and "snr" in mvc:
        low = mvc[(mvc["snr"].astype(float) < MVC_MIN_SNR)]
        for _, r in low.iterrows():
            out.append(
                Flag(
                    "mvc_refused",
                    "limitation",
                    f"The MVC of {_nice(str(r['muscle']))} ({r['side']}) is only "
                    f"{float(r['snr']):.1f} x its rest level (needs at least "
                    f"{MVC_MIN_SNR:g} x): it is not clearly a contraction, so %MVC, ratios "
                    "and left/right comparisons for this channel are refused. Repeat the MVC "
                    "or check the electrode.",
                    muscle=str(r["muscle"]),
                    side=str(r["side"]),
                    evidence={"snr": float(r["snr"]), "mvc_uv": _f(r["mvc_uv"])},
                )
            )
    s = res.summary
    if not s.empty and "pct_mvc" in s:
        hi = s[s["pct_mvc"].astype(float) > PCT_MVC_SUBMAXIMAL]
        for (muscle, side), g in hi.groupby(["muscle", "side"], sort=False):
            worst = float(g["pct_mvc"].max())
            out.append(
                Flag(
                    "submaximal_mvc",
                    "limitation",
                    f"{_nice(str(muscle))} ({side}) reached {worst:.0f} %MVC in a bridge: the MVC "
                    "was very probably not maximal (pain, fear, an unfamiliar position), so its "
                    "%MVC values, the ratios and left/right comparisons that use them read too "
                    "high. Repeat the MVC, or compare microvolts within this session only.",
                    muscle=str(muscle),
                    side=str(side),
                    evidence={"max_pct_mvc": worst},
                    references=(REFS["besomi"],),
                )
            )
    return out


# ------------------------------------------------------------------------------ asymmetry
def _slb_sym(res: BridgeResult, muscle: str) -> pd.Series | None:
    sym = res.symmetry
    if sym.empty:
        return None
    row = sym[(sym["comparison"] == "single_leg_bridge") & (sym["muscle"] == muscle)]
    return None if row.empty else row.iloc[0]


def headline_symmetry(res: BridgeResult, muscle: str = "glute_max") -> pd.Series | None:
    """The symmetry row the left/right statement is about (what the clinician reads).

    The single- and double-leg comparisons of ``muscle`` pooled, else the single-leg
    comparison, else the double-leg trial with most reps; None when there is none.

    Parameters
    ----------
    res : BridgeResult
        Result of :func:`~emgkit.analysis.analyze_bridge`; its ``symmetry`` table is read.
    muscle : str
        Muscle whose left/right comparison is wanted (``"glute_max"`` by default).

    Returns
    -------
    pandas.Series or None
        One row of ``res.symmetry``, or None when no comparison of ``muscle`` exists.
    """
    return _headline_sym(res, muscle)


def _headline_sym(res: BridgeResult, muscle: str) -> pd.Series | None:
    from emgkit.analysis.bridge import COMBINED

    sym = res.symmetry
    if sym.empty:
        return None
    row = sym[(sym["comparison"] == COMBINED) & (sym["muscle"] == muscle)]
    if not row.empty:
        return row.iloc[0]
    r = _slb_sym(res, muscle)
    if r is not None:
        return r
    d = sym[(sym["muscle"] == muscle) & (sym["comparison"] != "single_leg_bridge")]
    d = d[d["comparison"] != COMBINED]
    if d.empty:
        return None
    return d.iloc[int(np.argmax(d["n_epochs"].to_numpy(dtype=float)))]


#: What one session cannot tell, said with every glute max left/right outcome.
ONE_SESSION = (
    "One session cannot tell inhibition from a natural side difference of the same size "
    "(electrode, anatomy, habit: healthy sides differ by about 8 %, a symmetry angle spread "
    "of about ±7 points in one task). Repeating the same test narrows only the measurement "
    "interval: a natural difference stays from visit to visit, and so does a lasting "
    "inhibition. What separates them is a change: the side difference before and after pain "
    "changes, or with and without a cue that acts on one side: the difference between two "
    "sessions cancels the natural side difference, and a change of more than about 5 points "
    "is beyond the visit-to-visit noise measured on simulated subjects (docs/validation.md)."
)


def _tradeoff(r: pd.Series, thr: float) -> str:
    """The analytic false-call and detection rates of this comparison's threshold and noise."""
    nat, se = _f(r.get("natural_sd")), _f(r.get("log_ratio_se"))
    if not (np.isfinite(nat) and np.isfinite(se)):
        return ""
    fp = false_call_rate(thr, nat, se)
    det = [detection_rate(x, thr, nat, se)[0] for x in (0.2, 0.3, 0.5)]
    shared = ""
    if nat < 0.99 * NATURAL_LOG_RATIO_SD:  # pooled tasks, natural differences taken as independent
        fp1 = false_call_rate(thr, NATURAL_LOG_RATIO_SD, se)
        shared = (
            f" (about {100 * fp1:.0f} % if a person's natural side difference were the same in "
            f"both bridge types, which pooling cannot average out)"
        )
    return (
        f"With this threshold and this session's noise, about {100 * fp:.0f} % of healthy people "
        f"with such natural differences would be called asymmetric{shared}, and a one-sided "
        f"inhibition of 20 / 30 / 50 % would be found in about {100 * det[0]:.0f} / "
        f"{100 * det[1]:.0f} / {100 * det[2]:.0f} % of sessions (Gaussian model; "
        f"docs/validation.md). "
    )


def _glute_asymmetry(res: BridgeResult) -> list[Flag]:
    r = _headline_sym(res, "glute_max")
    if r is None:
        return []
    L, R, sa = float(r["pct_left"]), float(r["pct_right"]), _f(r["symmetry_angle"])
    lo_ci, hi_ci = _f(r.get("ci_low")), _f(r.get("ci_high"))
    thr = float(r["threshold"])
    hr = _f(r.get("healthy_range"))
    params = getattr(res, "params", None)
    floor = float(getattr(params, "asymmetry_floor", thr))
    comp = str(r["comparison"])
    where = (
        "single-leg bridges"
        if comp == "single_leg_bridge"
        else (
            "single- and double-leg bridges (pooled)"
            if comp == "single_and_double_leg"
            else f"double-leg bridges ({comp})"
        )
    )
    if str(r.get("quality", "ok")) == "fail" or not np.isfinite(sa):
        return [
            Flag(
                "glute_asymmetry",
                "limitation",
                f"Glute max left/right in the {where} was not judged: "
                + (str(r.get("quality_note", "")) or "%MVC is not available on both sides")
                + ".",
                muscle="glute_max",
                trial=comp,
            )
        ]
    side = str(r.get("lower_side") or ("right" if R < L else "left"))
    other = "left" if side == "right" else "right"
    lo, hi = (R, L) if side == "right" else (L, R)
    outcome = str(r.get("outcome", "inconclusive"))
    interval = (
        f"95 % interval {lo_ci:+.1f} to {hi_ci:+.1f} from {r.get('interval_source', '')}"
        if np.isfinite(lo_ci)
        else "no interval: the repeat variability could not be estimated"
    )
    head = (
        f"Glute max left/right in the {where}: {outcome} - the {side} side worked less, "
        f"{lo:.0f} vs {hi:.0f} %MVC (symmetry angle {sa:+.1f} points, {interval}; limb "
        f"symmetry index {_f(r.get('lsi')):.0f} %). "
        + (
            f"Threshold {thr:.1f} points: the larger of a {floor:g}-point convention and the "
            f"range a healthy person shows in this comparison (±{hr:.1f} points at 95 %, from "
            "natural side differences of about 8 % per side - a convention, no glute max "
            "side-difference norm exists - and this session's measurement noise). "
            if np.isfinite(hr)
            else f"Threshold {thr:.1f} points, a convention (no glute max side-difference norm "
            "exists). "
        )
        + _tradeoff(r, thr)
    )
    if outcome == "likely asymmetric":
        body = (
            "The pattern is consistent with, but not specific to, pain-related inhibition of "
            f"the {side} gluteus maximus; position, effort, fatigue and electrode placement can "
            "produce it too. "
        )
        level = "notable"
    elif outcome == "no meaningful difference":
        body = "The whole interval lies inside the threshold. "
        level = "info"
    else:
        body = (
            "The difference or its uncertainty reaches the threshold, so this session can "
            "neither confirm nor rule out a meaningful difference. "
        )
        level = "info"
    if outcome != "likely asymmetric":
        body += _hidden_by_mvc(res)
    uv = ""
    mL, mR = _f(r.get("mvc_uv_left")), _f(r.get("mvc_uv_right"))
    aL, aR = _f(r.get("amp_uv_left")), _f(r.get("amp_uv_right"))
    if np.isfinite(mL) and np.isfinite(mR):
        uv = (
            f" In microvolts: MVC {mL:.0f} (left) vs {mR:.0f} (right), bridge {aL:.0f} vs "
            f"{aR:.0f} uV; microvolts differ between sides with electrode position, skin and "
            "fat, so they are context, not a finding."
        )
    return [
        Flag(
            "glute_asymmetry",
            level,
            head + body + ONE_SESSION + uv,
            muscle="glute_max",
            side=side,
            trial=comp,
            evidence={
                "pct_left": L,
                "pct_right": R,
                "symmetry_angle": sa,
                "ci_low": lo_ci,
                "ci_high": hi_ci,
                "symmetry_index": _f(r.get("symmetry_index")),
                "lsi": _f(r.get("lsi")),
                "mdc": _f(r.get("mdc")),
                "threshold": thr,
                "healthy_range": hr,
                "n_epochs": _f(r.get("n_epochs")),
                "likely_asymmetric": float(outcome == "likely asymmetric"),
                "other_side_is_" + other: 1.0,
            },
            references=(REFS["zifchock"], REFS["norcross"], REFS["freeman"]),
        )
    ]


def _hidden_by_mvc(res: BridgeResult) -> str:
    """What a %MVC outcome short of "likely asymmetric" cannot rule out (issue 10, item 4)."""
    hint = _mvc_side_lower(res)
    tail = (
        f"the microvolt note on the {hint[0].side} side is a reason to look, not a finding"
        if hint
        else "the microvolt amplitudes of one session cannot rule it out either: healthy sides "
        "differ in microvolts (electrode position, skin, fat) by about as much as a 30 % drop, "
        "and in simulated sessions such a drop is missed about half of the time"
    )
    return (
        "What this %MVC result cannot support: ruling out an inhibition that lowers the same "
        "side's MVC as much as its bridge. Each side is divided by its own MVC, so such an "
        f"inhibition leaves no left/right difference in %MVC; {tail}. "
    )


def _paired_log_ratio(reps: pd.DataFrame) -> tuple[float, float, float, int]:
    """Mean log(right / left) of the glute max double-leg bridge reps and its 95 % interval.

    Parameters
    ----------
    reps : DataFrame
        ``BridgeResult.reps``.

    Returns
    -------
    mean, low, high : float
        Mean of the rep-by-rep log ratios and its t-based 95 % interval (NaN when fewer
        than 3 reps have both sides).
    n : int
        Number of paired reps.
    """
    d = reps[(reps["muscle"] == "glute_max") & (reps["task"] == "double_leg_bridge")]
    if d.empty:
        return float("nan"), float("nan"), float("nan"), 0
    w = d.pivot_table(index=["trial", "rep"], columns="side", values="amplitude_uv")
    if not {"left", "right"} <= set(w.columns):
        return float("nan"), float("nan"), float("nan"), 0
    ok = (w["left"] > 0) & (w["right"] > 0)
    lr = np.log(w.loc[ok, "right"].to_numpy(float) / w.loc[ok, "left"].to_numpy(float))
    n = len(lr)
    if n < 3:
        return float("nan"), float("nan"), float("nan"), n
    m = float(lr.mean())
    half = float(student_t.ppf(0.975, n - 1)) * float(lr.std(ddof=1)) / np.sqrt(n)
    return m, m - half, m + half, n


def _mvc_side_lower(res: BridgeResult) -> list[Flag]:
    """Say when one side's glute max is lower in microvolts in both the MVC and the bridge.

    Per-side %MVC normalisation divides each side by its own MVC, so an inhibition that
    lowers the MVC as much as the bridge is invisible to every %MVC comparison; only raw
    microvolts can show it, and they differ between healthy sides too (electrode position,
    skin, fat). The rule, a convention: the same side is lower by :data:`MVC_UV_LOWER_RATIO`
    or more in its MVC (mean over MVC rows) AND in its double-leg bridge (the whole 95 %
    interval of the paired rep-by-rep ratio beyond the margin; without paired reps, the
    working-side single-leg bridge amplitude). The margin is about 1 SD of the healthy
    between-side log microvolt ratio (:data:`HEALTHY_UV_LOG_RATIO_SD`); with a 30 % MVC and
    bridge drop the hint appears in only about half of the sessions (the healthy spread is
    as large as the effect), and about 1 healthy subject in 5 gets it (simulated: 54 / 100
    and 20 / 100).

    Parameters
    ----------
    res : BridgeResult
        The analysis result.

    Returns
    -------
    list of Flag
        At most one ``mvc_side_lower`` flag (level ``info``).
    """
    mvc = res.mvc
    if mvc.empty or "mvc_uv" not in mvc:
        return []
    g = mvc[mvc["muscle"] == "glute_max"].groupby("side")["mvc_uv"].mean()
    if not {"left", "right"} <= set(g.index):
        return []
    mL, mR = float(g["left"]), float(g["right"])
    if not (mL > 0 and mR > 0) or min(mL, mR) / max(mL, mR) >= MVC_UV_LOWER_RATIO:
        return []
    side = "left" if mL < mR else "right"
    other = "right" if side == "left" else "left"
    margin = float(np.log(MVC_UV_LOWER_RATIO))  # negative
    sign = 1.0 if side == "right" else -1.0  # log(lower side / other side) = sign * log(R/L)
    m, lo, hi, n = _paired_log_ratio(res.reps)
    if n >= 3:
        worst = max(sign * lo, sign * hi)  # the end of the interval nearest "no difference"
        if not worst <= margin:
            return []
        bridge_ratio = float(np.exp(sign * m))
        b_lo, b_hi = sorted((float(np.exp(sign * lo)), float(np.exp(sign * hi))))
        bridge_txt = (
            f"; in the {n} double-leg bridge reps it is {100 * (1 - bridge_ratio):.0f} % lower "
            f"(lower / higher {bridge_ratio:.2f}, 95 % interval {b_lo:.2f}-{b_hi:.2f})"
        )
        basis = "double_leg_bridge"
    else:
        r = res.reps
        b = r[
            (r["muscle"] == "glute_max")
            & (r["task"] == "single_leg_bridge")
            & (r["side"] == r["side_task"])
        ]
        amp = b.groupby("side")["amplitude_uv"].mean()
        if not {"left", "right"} <= set(amp.index) or not float(amp[other]) > 0:
            return []
        bridge_ratio = float(amp[side]) / float(amp[other])
        if not (bridge_ratio > 0 and np.log(bridge_ratio) <= margin):
            return []
        b_lo = b_hi = float("nan")
        bridge_txt = (
            f"; in its single-leg bridge it is {100 * (1 - bridge_ratio):.0f} % lower "
            f"({float(amp[side]):.0f} vs {float(amp[other]):.0f} uV)"
        )
        basis = "single_leg_bridge"
    ratio_v = min(mL, mR) / max(mL, mR)
    lower_pct = 100 * (1 - MVC_UV_LOWER_RATIO)
    return [
        Flag(
            "mvc_side_lower",
            "info",
            f"The {side} glute max is lower in microvolts: its MVC is "
            f"{100 * (1 - ratio_v):.0f} % lower ({min(mL, mR):.0f} vs {max(mL, mR):.0f} uV)"
            f"{bridge_txt}. %MVC divides each side by its own MVC, so an inhibition that "
            "lowers the MVC as much as the bridge is hidden from the %MVC comparison; only raw "
            "microvolts can show it. What it can support: a reason to "
            "look (palpation, strength testing, a repeat with re-applied electrodes). What it "
            "cannot: electrode position, skin and fat alone make healthy sides differ in "
            f"microvolts (SD of the log ratio about {HEALTHY_UV_LOG_RATIO_SD:.2f} in simulated "
            "healthy subjects), so it does not "
            "tell inhibition from electrode contact and is not a finding. Rule (a convention): "
            f"the same side at least {lower_pct:.0f} % lower in both the MVC and the bridge, "
            "about 1 healthy SD; in simulated sessions about 1 healthy subject in 5 shows it, "
            "and a true 30 % drop of both is missed about half of the time.",
            muscle="glute_max",
            side=side,
            evidence={
                "mvc_uv_left": mL,
                "mvc_uv_right": mR,
                "mvc_uv_ratio": ratio_v,
                "bridge_uv_ratio": bridge_ratio,
                "bridge_uv_ratio_low": b_lo,
                "bridge_uv_ratio_high": b_hi,
                "bridge_n_reps": float(n),
                "bridge_from_double_leg": float(basis == "double_leg_bridge"),
                "margin_ratio": MVC_UV_LOWER_RATIO,
            },
            references=(REFS["besomi"], REFS["contreras"]),
        )
    ]


def _compensation(res: BridgeResult, asym: list[Flag]) -> list[Flag]:
    if not asym or asym[0].side is None or asym[0].level != "notable":
        return []
    side = asym[0].side
    out = []
    for muscle in (*_HAM, *_TRUNK):
        r = _headline_sym(res, muscle)
        if r is None or not bool(r["meaningful"]) or str(r.get("quality", "ok")) == "fail":
            continue
        L, R = float(r["pct_left"]), float(r["pct_right"])
        mine, other = (R, L) if side == "right" else (L, R)
        if not mine > other:
            continue
        out.append(
            Flag(
                "compensation",
                "notable",
                f"On the {side} side, where glute max worked less, the {_nice(muscle)} worked "
                f"more in the bridges: {mine:.0f} vs {other:.0f} %MVC (symmetry angle "
                f"{float(r['symmetry_angle']):+.1f} %, threshold {float(r['threshold']):.1f} %). "
                "This may reflect the other hip extensors taking over part of the load; it "
                "does not show why.",
                muscle=muscle,
                side=side,
                trial="single_leg_bridge",
                evidence={
                    "pct_left": L,
                    "pct_right": R,
                    "symmetry_angle": float(r["symmetry_angle"]),
                    "threshold": float(r["threshold"]),
                },
                references=(REFS["freeman"],),
            )
        )
    return out


# ------------------------------------------------------------------------------ ratios
def _hamstring_dominance(res: BridgeResult) -> list[Flag]:
    rt = res.ratios
    if rt.empty or "glute_ham" not in rt:
        return []
    w = rt[(rt["task"] == "single_leg_bridge") & (rt["side"] == rt["side_task"])]
    out = []
    for side, grp in w.groupby("side", sort=True):
        gh = float(np.nanmean(grp["glute_ham"])) if grp["glute_ham"].notna().any() else np.nan
        if not np.isfinite(gh) or gh >= 1.0:
            continue
        if "quality" in grp and (grp["quality"] == "fail").all():
            continue
        level = "notable" if gh < HAMSTRING_DOMINANT_RATIO else "info"
        out.append(
            Flag(
                "hamstring_dominant",
                level,
                f"In the {side} single-leg bridge the hamstrings worked harder than glute max "
                f"(glute:hamstring ratio {gh:.2f} in %MVC"
                + (
                    f"; below {HAMSTRING_DOMINANT_RATIO:g}, a convention for 'hamstring-"
                    "dominant', not a published cut-off"
                    if level == "notable"
                    else ""
                )
                + "). Knee angle and heel distance "
                "strongly change this ratio (hamstring activity falls as the knee bends more "
                "and the heel comes closer), so compare it only between bridges with the same "
                "set-up before reading it as a hamstring-dominant strategy.",
                muscle="hamstrings",
                side=str(side),
                evidence={"glute_ham": gh, "n_reps": float(len(grp))},
                references=(REFS["lehecka"], REFS["ho"]),
            )
        )
    return out


def _glute_erector(res: BridgeResult) -> list[Flag]:
    rt = res.ratios
    if rt.empty or "glute_erector" not in rt:
        return []
    use = rt[rt["task"] == "double_leg_bridge"]
    if "quality" in use:
        use = use[use["quality"] != "fail"]
    d = use["glute_erector"].astype(float)
    if not d.notna().any():
        return []
    ge = float(np.nanmean(d))
    if ge >= 1.0:
        return []
    s = res.summary
    dl = s[(s["task"] == "double_leg_bridge")] if not s.empty else s
    g = float(dl[dl["muscle"] == "glute_max"]["pct_mvc"].mean()) if len(dl) else np.nan
    e = float(dl[dl["muscle"].isin(_TRUNK)]["pct_mvc"].mean()) if len(dl) else np.nan
    (gm, gsd), (em, esd) = EKSTROM_DLB["glute_max"], EKSTROM_DLB["erector_spinae"]
    inside = abs(g - gm) <= gsd and abs(e - em) <= esd
    quoted = (
        f"healthy adults average glute max {gm:g} ± {gsd:g} and lumbar erector spinae "
        f"{em:g} ± {esd:g} %MVC in this exercise (ratio of the means {gm / em:.2f})"
    )
    head = (
        f"In the double-leg bridges glute max worked less than the lumbar erector spinae "
        f"(glute:erector ratio {ge:.2f} in %MVC; glute max {g:.0f}, erector {e:.0f} %MVC). "
    )
    if inside:
        code = "glute_erector_normal"
        text = (
            f"This is within the normal range: {quoted}. It is not a sign of a 'switched-off' "
            "glute."
        )
    else:
        code = "glute_erector_ratio"
        text = (
            "A ratio below 1 is usual in this exercise, but these values lie outside the range "
            f"quoted for healthy adults ({quoted}; mean ± 1 SD), so they are not called normal "
            "here; set-up, effort and the MVCs can move them."
        )
    evidence = {"glute_erector": ge, "n": float(d.notna().sum()), "glute_pct": g, "erector_pct": e}
    return [
        Flag(
            code,
            "info",
            head + text,
            muscle="glute_max",
            evidence=evidence,
            references=(REFS["ekstrom"],),
        )
    ]


# ------------------------------------------------------------------------------ onsets
#: Systematic part of the onset-order resolution (s): a difference of two muscles' mean
#: latencies must exceed 1.96 x its standard error (the reps' spread) plus this to be called
#: an order. Averaging over reps removes the random onset error but not the systematic one:
#: the median onset error differs by contraction level and generator by up to about 20 ms
#: (-12 ms at >= 20 %MVC on ``motor_unit``, +5 ms on ``coloured``, up to +-10 ms at ~10 %MVC;
#: docs/onset.md). A convention derived from that measurement, not a published value.
ORDER_FLOOR_S = 0.020
#: ``ORDER_FLOOR_S`` below 500 Hz (s): at 250 Hz the muscles' mean onset errors differed by up to
#: 75 ms within one session (4 seeds per generator, docs/onset.md), so only larger differences
#: are called an order there.
ORDER_FLOOR_LOW_FS_S = 0.080
#: Sampling rate (Hz) from which ``ORDER_FLOOR_S`` applies.
ORDER_FLOOR_MIN_FS = 500.0


def order_floor_s(fs: float | None) -> float:
    """The systematic part of the onset-order resolution at sampling rate ``fs`` (s)."""
    low = fs is not None and math.isfinite(fs) and fs < ORDER_FLOOR_MIN_FS
    return ORDER_FLOOR_LOW_FS_S if low else ORDER_FLOOR_S


def _order_reps(reps: pd.DataFrame) -> pd.DataFrame:
    """The reps the onset order is read from: working muscles of the bridges, standard cue."""
    bridges = reps[reps["task"].isin(("single_leg_bridge", "double_leg_bridge"))]
    # working muscles only: the stance side in single-leg bridges
    working = bridges[
        (bridges["task"] == "double_leg_bridge") | (bridges.side == bridges.side_task)
    ]
    standard = working[working["cue"] != "squeeze_first"]
    return standard if standard["latency_s"].notna().any() else working


def onset_order(reps: pd.DataFrame, fs: float | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Mean onset latency per muscle and which differences the reps resolve.

    The latencies of the working muscles in the bridges (the stance side of single-leg
    bridges; the squeeze-first cue left out when other trials exist) are averaged per muscle
    over reps and trials. Two muscles' order is **resolved** when the difference of their
    means exceeds its resolution ``1.96 * sqrt(se_a^2 + se_b^2) + floor`` (``se`` =
    SD / sqrt(n) of a muscle's rep latencies, which holds both the person's rep-to-rep
    variation and the random onset error; ``floor`` the systematic error,
    :func:`order_floor_s`: ``ORDER_FLOOR_S`` from 500 Hz, ``ORDER_FLOOR_LOW_FS_S`` below). Muscles
    sorted by mean latency form groups: a new group starts where the difference to the
    previous muscle is resolved; inside a group the muscles switch on "about together".

    Parameters
    ----------
    reps : DataFrame
        :attr:`BridgeResult.reps` (columns task, side, side_task, cue, muscle, latency_s).
    fs : float, optional
        Sampling rate of the recording in Hz (``None``: treated as >= 500 Hz).

    Returns
    -------
    muscles : DataFrame
        One row per muscle with an onset, sorted by mean latency: ``muscle``,
        ``latency_ms``, ``sd_ms``, ``n``, ``group`` (0, 1, ...; equal = about together).
    pairs : DataFrame
        One row per pair ``a`` (earlier mean) and ``b``: ``diff_ms`` (b - a, >= 0),
        ``resolution_ms``, ``stated`` (``"before"``: the difference exceeds its own resolution,
        a before b; ``"together"``: it does not). Groups are chained through neighbours, so two
        muscles of one group can still be resolved from each other (stated ``"before"``; the
        flag's text names such pairs).
    """
    cols = ["muscle", "latency_ms", "sd_ms", "n", "group"]
    pcols = ["a", "b", "diff_ms", "resolution_ms", "stated"]
    if reps.empty or "latency_s" not in reps:
        return pd.DataFrame(columns=cols), pd.DataFrame(columns=pcols)
    use = _order_reps(reps).dropna(subset=["latency_s"])
    g = use.groupby("muscle")["latency_s"]
    m = pd.DataFrame(
        {
            "latency_ms": g.mean() * 1000.0,
            "sd_ms": g.std(ddof=1).fillna(0.0) * 1000.0,
            "n": g.size().astype(float),
        }
    ).sort_values("latency_ms")
    m.index.name = "muscle"
    m = m.reset_index()
    se = (m["sd_ms"] / np.sqrt(m["n"])).to_numpy()
    floor_ms = order_floor_s(fs) * 1000.0
    lat = m["latency_ms"].to_numpy()

    def res_ms(i: int, j: int) -> float:
        return float(1.96 * math.hypot(se[i], se[j]) + floor_ms)

    group = [0]
    for i in range(1, len(m)):
        resolved = lat[i] - lat[i - 1] > res_ms(i - 1, i)
        group.append(group[-1] + 1 if resolved else group[-1])
    m["group"] = group
    names = [str(v) for v in m["muscle"]]
    pairs = [
        {
            "a": names[i],
            "b": names[j],
            "diff_ms": float(lat[j] - lat[i]),
            "resolution_ms": res_ms(i, j),
            "stated": "before" if lat[j] - lat[i] > res_ms(i, j) else "together",
        }
        for i in range(len(m))
        for j in range(i + 1, len(m))
    ]
    return m[cols], pd.DataFrame(pairs, columns=pcols)


def onset_order_text(m: pd.DataFrame, pairs: pd.DataFrame, nice: Any = None) -> str:
    """The order of :func:`onset_order` in words: groups by arrows, "about together" inside.

    Muscles of one group that are nevertheless resolved from each other (a chain A ~ B ~ C
    with A before C) are named after the group.

    Parameters
    ----------
    m : DataFrame
        The ``muscles`` table of :func:`onset_order` (sorted, with ``group``).
    pairs : DataFrame
        The ``pairs`` table of :func:`onset_order` (``a``, ``b``, ``stated``).
    nice : callable, optional
        Maps a muscle id to the name shown (default: the interpretation's names).

    Returns
    -------
    str
        E.g. ``"hamstrings (-120 ms) -> erector spinae (-60 ms) -> glute max (+48 ms)"``.
    """
    name = nice or _nice
    parts = []
    group_of = dict(zip(m["muscle"], m["group"], strict=True))
    for _, grp in m.groupby("group", sort=True):
        names = [
            f"{name(str(k))} ({v:+.0f} ms)"
            for k, v in zip(grp["muscle"], grp["latency_ms"], strict=True)
        ]
        text = names[0] if len(names) == 1 else " and ".join(names) + " about together"
        inner = [
            f"{name(str(a))} before {name(str(b))}"
            for a, b, st in zip(pairs["a"], pairs["b"], pairs["stated"], strict=True)
            if st == "before" and group_of[a] == group_of[b] == grp["group"].iloc[0]
        ]
        if inner:
            text += " (but " + ", ".join(inner) + ")"
        parts.append(text)
    return " -> ".join(parts)


def _onsets(res: BridgeResult) -> list[Flag]:
    reps = res.reps
    if reps.empty or "latency_s" not in reps:
        return []
    bridges = reps[reps["task"].isin(("single_leg_bridge", "double_leg_bridge"))]
    out: list[Flag] = []
    fs = _f(res.meta.get("fs")) if isinstance(getattr(res, "meta", None), dict) else math.nan
    m, pairs = onset_order(reps, fs)
    if not m.empty:
        last = m[m["group"] == m["group"].max()]["muscle"].tolist()
        glute_last = "glute_max" in last
        ties = pairs[pairs["stated"] == "together"]
        tie_text = (
            " Muscles said to switch on about together differ by less than the reps' spread "
            "and the measured onset accuracy resolve (needed: "
            + ", ".join(
                f"{_nice(str(r.a))}-{_nice(str(r.b))} {r.diff_ms:.0f} ms < {r.resolution_ms:.0f} ms"
                for r in ties.itertuples()
            )
            + ")."
            if not ties.empty
            else ""
        )
        steps = pairs.merge(
            pd.DataFrame(
                {"a": m["muscle"].iloc[:-1].to_numpy(), "b": m["muscle"].iloc[1:].to_numpy()}
            )
        )
        resolved = steps[steps["stated"] == "before"]
        res_text = (
            f" Each arrow is a difference larger than its resolution (at most "
            f"{resolved['resolution_ms'].max():.0f} ms: 1.96 x the standard error from the reps' "
            f"spread plus {order_floor_s(fs) * 1000:.0f} ms of systematic onset error)."
            if not resolved.empty
            else ""
        )
        low_text = (
            f" At {fs:g} Hz onsets are imprecise (p95 error 100-130 ms at >= 20 %MVC) and an order "
            "stated this way was right in only 67-97 % of simulated 250 Hz sessions "
            "(docs/validation.md): treat it as indicative."
            if order_floor_s(fs) > ORDER_FLOOR_S
            else ""
        )
        mus = [str(v) for v in m["muscle"]]
        evidence = {f"latency_ms_{k}": float(v) for k, v in zip(mus, m["latency_ms"], strict=True)}
        evidence.update({f"n_reps_{k}": float(v) for k, v in zip(mus, m["n"], strict=True)})
        evidence.update(
            {
                f"resolution_ms_{a}_{b}": float(v)
                for a, b, v in zip(pairs["a"], pairs["b"], pairs["resolution_ms"], strict=True)
            }
        )
        out.append(
            Flag(
                "onset_order",
                "info",
                f"Onset order relative to movement onset (mean over working muscles and reps): "
                f"{onset_order_text(m, pairs)}.{res_text}{tie_text}{low_text} "
                + (
                    "Hamstrings and erector spinae switching on before glute max is the usual "
                    "order in healthy people and is not a problem."
                    if glute_last
                    else "Healthy people usually switch on the hamstrings and erector spinae "
                    "before glute max; other orders are common too and are not abnormal by "
                    "themselves (between-person spread is 70-100 ms)."
                ),
                evidence=evidence,
                references=(REFS["lewis"], REFS["sakamoto"], REFS["guimaraes"]),
            )
        )
    # left vs right glute onset, paired by trial and rep in double-leg bridges
    g = bridges[(bridges["muscle"] == "glute_max") & (bridges["task"] == "double_leg_bridge")]
    wide = g.pivot_table(index=["trial", "rep"], columns="side", values="latency_s")
    if {"left", "right"} <= set(wide.columns):
        diff = (wide["right"] - wide["left"]).dropna().to_numpy()
        if diff.size >= 3:
            mean = float(diff.mean())
            sd = float(diff.std(ddof=1))
            thr = max(1.96 * sd / np.sqrt(diff.size), ONSET_FLOOR_S)
            if abs(mean) > thr:
                late = "right" if mean > 0 else "left"
                out.append(
                    Flag(
                        "onset_asymmetry",
                        "info",
                        f"In the double-leg bridges the {late} glute max switched on "
                        f"{abs(mean) * 1000:.0f} ms later than the other side (mean over "
                        f"{diff.size} reps; beyond the person's rep-to-rep variability and "
                        f"the {ONSET_FLOOR_S * 1000:.0f} ms detection floor: threshold "
                        f"{thr * 1000:.0f} ms). Onset timing varies widely between healthy "
                        "people; read it together with the amplitude findings.",
                        muscle="glute_max",
                        side=late,
                        evidence={
                            "mean_diff_ms": mean * 1000,
                            "sd_diff_ms": sd * 1000,
                            "threshold_ms": thr * 1000,
                            "n_reps": float(diff.size),
                        },
                        references=(REFS["lewis"],),
                    )
                )
    return out


# ------------------------------------------------------------------------------ variants
def _cue_effects(res: BridgeResult) -> list[Flag]:
    v, s = res.variants, res.summary
    if v.empty or s.empty:
        return []
    from emgkit.analysis.bridge import plain_bridge_trial

    key = s.set_index(["trial", "muscle", "side"])
    ref = res.params.reference_trial or plain_bridge_trial(s)
    if ref is None:
        return []
    out = []
    for (trial, muscle), grp in v.groupby(["trial", "muscle"], sort=False):
        sides = []
        ev: dict[str, float] = {}
        for _, r in grp.iterrows():
            try:
                a = key.loc[(trial, muscle, r["side"])]  # type: ignore[index]
                b = key.loc[(ref, muscle, r["side"])]  # type: ignore[index]
            except KeyError:
                continue
            na, nb = float(a["n_reps"]), float(b["n_reps"])
            sa, sb = _f(a["pct_mvc_sd"]), _f(b["pct_mvc_sd"])
            if not (na >= 2 and nb >= 2 and np.isfinite(sa) and np.isfinite(sb)):
                continue
            thr = max(1.96 * float(np.sqrt(sa**2 / na + sb**2 / nb)), CUE_FLOOR_PCT)
            ch = float(r["change"])
            ev[f"change_{r['side']}"] = ch
            ev[f"threshold_{r['side']}"] = thr
            if abs(ch) > thr:
                sides.append((str(r["side"]), ch, float(r["pct_mvc"]), float(r["pct_mvc_ref"])))
        if not sides:
            continue
        txt = "; ".join(f"{sd} {b:.0f} -> {a:.0f} %MVC ({c:+.1f})" for sd, c, a, b in sides)
        cue = str(grp["cue"].iloc[0]).replace("_", " ")
        out.append(
            Flag(
                "cue_effect",
                "info",
                f"With the '{cue}' cue ({trial}) {_nice(str(muscle))} activity changed compared "
                f"with the plain double-leg bridge ({ref}): {txt}. The change exceeds the "
                "rep-to-rep variability of both "
                f"trials (95 % limits) and {CUE_FLOOR_PCT:g} %MVC; trial order and fatigue "
                "may contribute.",
                muscle=str(muscle),
                trial=str(trial),
                evidence=ev,
                references=(REFS["lehecka"], REFS["ho"]) if muscle in _HAM else (),
            )
        )
    return out


def _fatigue(res: BridgeResult) -> list[Flag]:
    fat = res.fatigue
    if not isinstance(fat, pd.DataFrame) or fat.empty:
        return []
    m = fat.groupby(["muscle", "side"])["slope_pct_per_s"].mean()
    ev = {f"{k[0]}_{k[1]}": float(v) for k, v in m.items()}  # type: ignore[index]
    steepest = m.idxmin()
    return [
        Flag(
            "fatigue",
            "info",
            "Median-frequency slopes over the holds (%/s; a falling median frequency suggests "
            + (
                f"fatigue): steepest fall for {_nice(str(steepest[0]))} ({steepest[1]}) at "  # type: ignore[index]
                f"{float(m.min()):+.2f} %/s. "
                if float(m.min()) < 0
                else "fatigue): no muscle showed a falling median frequency. "
            )
            + "Slopes vary between muscles and agree only moderately "
            "with endurance; short holds give noisy slopes.",
            evidence=ev,
            references=(REFS["coorevits"],),
        )
    ]
