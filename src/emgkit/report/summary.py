"""Page one of the bridge report: the clinical questions, each answered in one plain sentence.

Every answer carries its number, its uncertainty and the quality status of the metric it comes
from, and is built from the :class:`~emgkit.analysis.bridge.BridgeResult` alone (the report
never re-runs the analysis). The questions, in order:

1. is glute max under-working on one side in the bridges (how much, with the 95 % interval and
   the three-outcome word);
2. how glute max compares with the hamstrings and the lumbar erector spinae against the
   literature (the range is quoted; "normal" is said only inside it);
3. which muscle switches on first (hamstrings and erector spinae before glute max stated as the
   usual healthy order);
4. pain per trial;
5. what limits these readings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from emgkit.analysis.bridge import BridgeResult
    from emgkit.analysis.interpret import Flag
    from emgkit.recording import Recording

__all__ = ["Answer", "answers", "plot_glute_sides"]


@dataclass(frozen=True, slots=True)
class Answer:
    """One page-one answer.

    Attributes
    ----------
    key : str
        Stable identifier: ``"glute_sides"``, ``"glute_vs_others"``, ``"onset_order"``,
        ``"pain"``, ``"limits"``.
    question : str
        The question, as a clinician would ask it.
    text : str
        The one-sentence answer with its number and uncertainty (plain text).
    quality : str
        Quality status of the metric behind it: "ok", "warn", "fail" or "-" (not a metric).
    """

    key: str
    question: str
    text: str
    quality: str = "-"


def _f(x: Any) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return float("nan")


def _worst(values: Any) -> str:
    vals = {str(v) for v in values if isinstance(v, str) and v}
    for level in ("fail", "warn", "ok"):
        if level in vals:
            return level
    return "-"


def glute_side_row(result: BridgeResult) -> pd.Series | None:
    """The glute max left/right comparison page one reports.

    The single-leg pair when present (the test's key comparison), else the double-leg trial
    with most reps.
    """
    sym = result.symmetry
    if sym.empty:
        return None
    g = sym[sym["muscle"] == "glute_max"]
    slb = g[g["comparison"] == "single_leg_bridge"]
    if not slb.empty:
        return slb.iloc[0]
    if g.empty:
        return None
    return g.iloc[int(np.argmax(g["n_epochs"].to_numpy(dtype=float)))]


def _glute_sides(result: BridgeResult) -> Answer:
    q = "Is glute max under-working on one side in the bridges?"
    r = glute_side_row(result)
    if r is None:
        return Answer("glute_sides", q, "Not answered: no glute max left/right comparison.", "-")
    comp = str(r["comparison"])
    where = "single-leg bridges" if comp == "single_leg_bridge" else f"double-leg bridge {comp}"
    status = str(r.get("quality", "ok"))
    sa = _f(r["symmetry_angle"])
    if status == "fail" or not np.isfinite(sa):
        why = str(r.get("quality_note") or "") or "%MVC is not available on both sides"
        return Answer("glute_sides", q, f"Not judged in the {where}: {why}.", "fail")
    L, R = _f(r["pct_left"]), _f(r["pct_right"])
    side = str(r.get("lower_side") or ("right" if R < L else "left"))
    lo, hi = (R, L) if side == "right" else (L, R)
    outcome = str(r.get("outcome", "inconclusive"))
    a, b, thr = _f(r.get("ci_low")), _f(r.get("ci_high")), _f(r["threshold"])
    interval = (
        f"95 % interval {a:+.1f} to {b:+.1f}"
        if np.isfinite(a) and np.isfinite(b)
        else "no interval (repeat variability not estimable)"
    )
    verdict = {
        "likely asymmetric": f"likely asymmetric: the {side} side works less",
        "no meaningful difference": "no meaningful difference between the sides",
    }.get(outcome, f"inconclusive: the {side} side is lower but this session cannot decide")
    text = (
        f"{verdict.capitalize()[0]}{verdict[1:]} in the {where} ({lo:.0f} vs {hi:.0f} %MVC; "
        f"symmetry angle {sa:+.1f} points, {interval}, from {int(_f(r['n_epochs']))} "
        f"reps/holds; meaningful change ±{thr:g} points, a convention)."
    )
    return Answer("glute_sides", q, text, status)


def _in_range(x: float, mean: float, sd: float) -> bool:
    return bool(np.isfinite(x) and abs(x - mean) <= sd)


def _glute_vs_others(result: BridgeResult) -> Answer:
    from emgkit.analysis.interpret import EKSTROM_DLB, HAMSTRING_DOMINANT_RATIO

    q = "How does glute max compare with the hamstrings and the back extensors?"
    s = result.summary
    parts: list[str] = []
    status: list[str] = []
    if not s.empty and "task" in s:
        dl = s[s["task"] == "double_leg_bridge"]
        if "cue" in dl and (dl["cue"] != "squeeze_first").any():
            dl = dl[dl["cue"] != "squeeze_first"]
        if "quality" in dl:
            dl = dl[dl["quality"] != "fail"]
        g = float(dl[dl["muscle"] == "glute_max"]["pct_mvc"].mean()) if len(dl) else np.nan
        trunk = dl[dl["muscle"].isin(("erector_spinae", "multifidus"))]
        e = float(trunk["pct_mvc"].mean()) if len(trunk) else np.nan
        (gm, gsd), (em, esd) = EKSTROM_DLB["glute_max"], EKSTROM_DLB["erector_spinae"]
        if np.isfinite(g) and np.isfinite(e):
            inside = _in_range(g, gm, gsd) and _in_range(e, em, esd)
            word = (
                "both inside that range, i.e. normal"
                if inside
                else "outside that range, so not called normal"
            )
            parts.append(
                f"in the double-leg bridges glute max worked at {g:.0f} %MVC and the lumbar "
                f"erector spinae at {e:.0f} %MVC (glute:erector {g / e:.2f}); healthy adults: "
                f"{gm:g} ± {gsd:g} and {em:g} ± {esd:g} %MVC (Ekstrom 2007, mean ± 1 SD), "
                f"{word}"
            )
            if "quality" in dl:
                status.append(
                    _worst(dl[dl["muscle"].isin(("glute_max", *trunk["muscle"]))]["quality"])
                )
    rt = result.ratios
    if not rt.empty and "glute_ham" in rt:
        w = rt[(rt["task"] == "single_leg_bridge") & (rt["side"] == rt["side_task"])]
        if "quality" in w:
            w = w[w["quality"] != "fail"]
        bits, low = [], []
        for side in ("left", "right"):
            v = w[w["side"] == side]["glute_ham"].to_numpy(dtype=float)
            v = v[np.isfinite(v)]
            if v.size:
                bits.append(f"{v.mean():.2f} {side}")
                if v.mean() < HAMSTRING_DOMINANT_RATIO:
                    low.append(side)
        if bits:
            verdict = (
                f"hamstring-dominant on the {' and '.join(low)} side"
                + ("s" if len(low) > 1 else "")
                + f" (below {HAMSTRING_DOMINANT_RATIO:g}, a convention, not a published cut-off)"
                if low
                else f"not hamstring-dominant (not below {HAMSTRING_DOMINANT_RATIO:g}, a "
                "convention)"
            )
            parts.append(
                "in the single-leg bridges glute max:hamstrings was "
                + " and ".join(bits)
                + f": {verdict}; there is no published healthy range, and knee angle alone "
                "moves this ratio about 3-fold (Lehecka 2017)"
            )
            if "quality" in w:
                status.append(_worst(w["quality"]))
    if not parts:
        return Answer("glute_vs_others", q, "Not answered: no usable %MVC ratios.", "fail")
    text = "; ".join(parts)
    return Answer("glute_vs_others", q, text[0].upper() + text[1:] + ".", _worst(status))


_NICE = {"glute_max": "glute max", "erector_spinae": "erector spinae"}


def _onset_order(result: BridgeResult) -> Answer:
    q = "Which muscle switches on first?"
    reps = result.reps
    if reps.empty or "latency_s" not in reps:
        return Answer("onset_order", q, "Not answered: no onsets were measured.", "-")
    b = reps[reps["task"].isin(("single_leg_bridge", "double_leg_bridge"))]
    b = b[(b["task"] == "double_leg_bridge") | (b["side"] == b["side_task"])]
    if "cue" in b and (b["cue"] != "squeeze_first").any():
        b = b[b["cue"] != "squeeze_first"]
    if "quality" in b:
        b = b[b["quality"] != "fail"]
    from emgkit.analysis.interpret import onset_order, onset_order_text, order_floor_s

    # the interpretation's order: muscles whose difference the reps do not resolve are said to
    # switch on about together (docs/onset.md)
    fs = result.meta.get("fs") if isinstance(result.meta, dict) else None
    fs = float(fs) if isinstance(fs, (int, float)) else None
    om, pairs = onset_order(b, fs)
    if om.empty:
        return Answer("onset_order", q, "Not answered: no onsets were found.", "fail")
    order = onset_order_text(om, pairs, lambda m: _NICE.get(m, m.replace("_", " ")))
    n = int(b.dropna(subset=["latency_s"])[["trial", "rep"]].drop_duplicates().shape[0])
    if (pairs["stated"] == "together").any():
        order += (
            f" (about together: closer than the reps' spread and {order_floor_s(fs) * 1000:.0f} ms "
            "of systematic onset error resolve)"
        )
    if "glute_max" in set(om.loc[om["group"] == om["group"].max(), "muscle"]):
        tail = (
            "hamstrings and erector spinae before glute max is the usual healthy order "
            "(Lewis 2009; Sakamoto 2009), i.e. normal"
        )
    else:
        tail = (
            "healthy people usually switch on hamstrings and erector spinae before glute max, "
            "but other orders are common and not abnormal by themselves (Lewis 2009)"
        )
    text = (
        f"{order[0].upper()}{order[1:]} relative to movement onset (mean of {n} reps of the "
        f"working muscles; onsets below about 10 %MVC are less precise); {tail}."
    )
    return Answer("onset_order", q, text, _worst(b["quality"]) if "quality" in b else "-")


def _pain(rec: Recording, result: BridgeResult) -> Answer:
    q = "Was there pain?"
    ratings: dict[str, str] = {}
    for ev in rec.events_for(label="pain"):
        ratings[ev.trial or "-"] = str(ev.value)
    if not ratings and not result.pain.empty and {"trial", "pain"} <= set(result.pain.columns):
        ratings = {
            str(t): str(v) for t, v in zip(result.pain["trial"], result.pain["pain"], strict=True)
        }
    if not ratings:
        return Answer("pain", q, "No pain ratings were recorded.", "-")
    rated = [_f(v) for v in ratings.values()]
    any_pain = any(np.isfinite(v) and v > 0 for v in rated)
    if not any_pain and all(np.isfinite(v) for v in rated):
        return Answer(
            "pain",
            q,
            f"No: 0 (no pain, on a 0-10 scale) in all {len(rated)} rated trials "
            f"({', '.join(ratings)}).",
            "-",
        )
    listing = ", ".join(f"{t} {v}" for t, v in ratings.items())
    tail = (
        "; pain can change how muscles are used, so the patterns below describe movement with "
        "that pain (Hodges 2003)"
        if any_pain
        else ""
    )
    return Answer("pain", q, f"Pain (0-10) per trial: {listing}{tail}.", "-")


def _limits(rec: Recording, result: BridgeResult, flags: list[Flag] | None) -> Answer:
    from emgkit.analysis.interpret import ONE_SESSION

    q = "What limits these readings?"
    bits: list[str] = []
    meta = result.meta or {}
    if meta.get("no_activity"):
        bits.append("no muscle activity clearly above rest was found, so no numbers are given")
    if rec.band_limited or meta.get("band_limited"):
        bw = rec.info.hardware_bandwidth_hz
        bits.append(
            f"the device is band-limited ({bw:g} Hz hardware bandwidth at {rec.fs:g} Hz)"
            if bw
            else f"the device is band-limited at {rec.fs:g} Hz"
        )
        bits[-1] += (
            ": amplitudes are underestimated, %MVC can be off by about 6 % (the loss depends "
            "on the spectrum, which changes with effort), onsets are less precise; no fatigue "
            "spectra"
        )
    qa = result.quality if isinstance(result.quality, pd.DataFrame) else pd.DataFrame()
    if not qa.empty and "status" in qa:
        failed = [str(n) for n in qa.index[qa["status"] == "fail"]]
        warned = [str(n) for n in qa.index[qa["status"] == "warn"]]
        if failed:
            bits.append("quality gates failed on " + ", ".join(failed) + " (metrics refused)")
        if warned:
            bits.append("quality warnings on " + ", ".join(warned))
    m = result.mvc
    if m.empty:
        bits.append("no MVC was recorded, so there is no %MVC")
    elif "mvc_ok" in m and not m["mvc_ok"].astype(bool).all():
        refused = ", ".join(str(c) for c in m.loc[~m["mvc_ok"].astype(bool), "channel"])
        bits.append(f"%MVC refused on {refused} (MVC not clearly above rest)")
    if meta.get("auto_segmented"):
        bits.append("trials were found automatically, not marked during the recording")
    if meta.get("holds_with_gaps"):
        bits.append(f"{int(meta['holds_with_gaps'])} bridge hold(s) contain lost samples")
    bits.append(ONE_SESSION[0].lower() + ONE_SESSION[1:].split(";")[0])
    text = "; ".join(bits)
    return Answer("limits", q, text[0].upper() + text[1:].rstrip(".") + ".", "-")


def answers(rec: Recording, result: BridgeResult, flags: list[Flag] | None = None) -> list[Answer]:
    """The page-one answers of a bridge session, in reading order.

    Parameters
    ----------
    rec : Recording
        The session (for pain events and device facts).
    result : BridgeResult
        Its analysis.
    flags : list of Flag, optional
        Interpretation flags (not required; the answers are built from ``result``).

    Returns
    -------
    list of Answer
        Limits first (what the reader must know before the numbers), then pain (before the
        patterns it may change), then glute sides, glute vs other muscles, onset order.
    """
    if (result.meta or {}).get("no_activity"):
        return [_limits(rec, result, flags), _pain(rec, result)]
    return [
        _limits(rec, result, flags),
        _pain(rec, result),
        _glute_sides(result),
        _glute_vs_others(result),
        _onset_order(result),
    ]


def plot_glute_sides(result: BridgeResult) -> Figure | None:
    """The key figure: glute max left vs right in the single-leg bridges.

    Left panel: %MVC of each hold (dots) and the mean (bar) for the left and the right
    single-leg bridge. Right panel: the symmetry angle with its 95 % interval against the
    meaningful-change band (grey). Falls back to the double-leg comparison page one reports.

    Returns
    -------
    Figure or None
        None when there is no glute max left/right comparison.
    """
    from matplotlib.figure import Figure

    r = glute_side_row(result)
    if r is None or not np.isfinite(_f(r["symmetry_angle"])):
        return None
    comp = str(r["comparison"])
    reps = result.reps
    g = reps[reps["muscle"] == "glute_max"]
    if comp == "single_leg_bridge":
        g = g[(g["task"] == "single_leg_bridge") & (g["side"] == g["side_task"])]
    else:
        g = g[g["trial"] == comp]
    fig = Figure(figsize=(7.0, 2.6))
    ax, ax2 = fig.subplots(1, 2, width_ratios=[1.0, 1.5])
    # fixed margins (inches -> fractions): no layout engine, the figure is drawn once
    fig.subplots_adjust(
        left=0.6 / 7.0,
        right=1 - 0.1 / 7.0,
        top=1 - 0.3 / 2.6,
        bottom=0.45 / 2.6,
        wspace=0.35 / ((7.0 - 0.7 - 0.35) / 2),
    )
    colours = {"left": "#1f77b4", "right": "#d62728"}
    for i, side in enumerate(("left", "right")):
        v = g[g["side"] == side]["pct_mvc"].to_numpy(dtype=float)
        v = v[np.isfinite(v)]
        mean = _f(r["pct_" + side])
        ax.bar(i, mean, 0.6, color="white", edgecolor=colours[side], lw=1.5)
        if v.size:
            ax.plot(
                np.full(v.size, i) + np.linspace(-0.12, 0.12, v.size),
                v,
                "o",
                color=colours[side],
                ms=4,
            )
        ax.text(i, mean, f"{mean:.0f}", ha="center", va="bottom", fontsize=8)
    ax.set_xticks([0, 1], ["left", "right"])
    ax.set_ylabel("glute max %MVC", fontsize=8)
    where = "single-leg bridges" if comp == "single_leg_bridge" else comp
    ax.set_title(f"{where}: holds (dots), mean (bar)", fontsize=8)
    ax.tick_params(labelsize=7)
    sa, a, b, thr = (_f(r[k]) for k in ("symmetry_angle", "ci_low", "ci_high", "threshold"))
    lim = float(np.nanmax(np.abs([sa, a, b, thr, 10.0]))) * 1.25
    ax2.axvspan(-thr, thr, color="#dddddd", lw=0, label=f"meaningful change ±{thr:g}")
    ax2.axvline(0, color="k", lw=0.8)
    if np.isfinite(a) and np.isfinite(b):
        ax2.plot([a, b], [0, 0], color="k", lw=2, label="95 % interval")
    ax2.plot([sa], [0], "D", color="k", ms=7)
    ax2.set_xlim(-lim, lim)
    ax2.set_ylim(-1, 1)
    ax2.set_yticks([])
    ax2.set_xlabel(
        "symmetry angle (points): negative = left larger, positive = right larger", fontsize=7
    )
    ax2.set_title(f"{r['outcome']} (lower side: {r['lower_side']})", fontsize=8)
    ax2.legend(fontsize=7, loc="upper left", frameon=False)
    ax2.tick_params(labelsize=7)
    return fig
