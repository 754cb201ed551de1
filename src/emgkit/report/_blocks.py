"""The report's content as a list of sections of simple blocks, rendered to HTML and to PDF.

Both renderers walk the same :class:`Section` list, so the HTML and the PDF say the same thing.
Text in blocks is plain (never HTML): the HTML renderer escapes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from emgkit.recording import MUSCLES, Recording, SessionInfo, SignalKind

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from emgkit.analysis.bridge import BridgeResult
    from emgkit.analysis.interpret import Flag
    from emgkit.montage import Montage

__all__ = ["FigureBlock", "ItemList", "Paragraph", "Section", "Table", "build_sections"]


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A paragraph of plain text; ``kind`` "note" is drawn as a boxed note."""

    text: str
    kind: str = "text"


@dataclass(frozen=True, slots=True)
class Table:
    """A table of display strings (all cells are text)."""

    frame: pd.DataFrame
    caption: str = ""


@dataclass(frozen=True, slots=True)
class FigureBlock:
    """A matplotlib figure with its caption and a name (which figure it is, e.g. "pct_mvc")."""

    figure: Figure
    caption: str = ""
    name: str = ""


@dataclass(frozen=True, slots=True)
class ItemList:
    """A bulleted list; each item is (level tag or "", text)."""

    items: tuple[tuple[str, str], ...]
    title: str = ""


Block = Paragraph | Table | FigureBlock | ItemList


@dataclass(slots=True)
class Section:
    """A titled part of the report."""

    id: str
    title: str
    blocks: list[Block] = field(default_factory=list)


def _f(v: Any, spec: str = ".1f") -> str:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return str(v) if v is not None else "-"
    if not np.isfinite(x):
        return "-"
    out = format(x, spec)
    if out.startswith("-") and float(out) == 0:  # -0.3 shown as "0", never "-0"
        out = format(0.0, spec)
    return out


def _strings(df: pd.DataFrame) -> pd.DataFrame:
    return df.astype(object).where(df.notna(), "-").astype(str)


def session_name(info: SessionInfo) -> str:
    """Name a session, also when it has no session label.

    ``info.session``, else the file it was read from, else "not labelled" (never a bare "-").
    """
    if info.session:
        return str(info.session)
    src = str(info.extra.get("source_file") or "") if isinstance(info.extra, dict) else ""
    return f"file {src}" if src else "not labelled"


def session_line(info: SessionInfo) -> str:
    """Session line of the report header, e.g. ``"Session S02, 2026-12-01"``.

    Without a label ``"Session from file x.bdf, ..."`` or ``"Session not labelled, ..."``; the
    date says "date not recorded" when missing.
    """
    date = info.date.date().isoformat() if info.date else "date not recorded"
    if info.session:
        return f"Session {info.session}, {date}"
    name = session_name(info)
    return f"Session from {name}, {date}" if name.startswith("file ") else f"Session {name}, {date}"


def _muscle(m: object) -> str:
    return MUSCLES.get(str(m), str(m))


# ---------------------------------------------------------------------------- sections
def _summary(rec: Recording, result: BridgeResult, flags: list[Flag] | None) -> Section:
    from emgkit.report.summary import answers, plot_glute_sides

    blocks: list[Block] = []
    for a in answers(rec, result, flags):
        status = {
            "ok": " Signal quality: ok.",
            "warn": " Signal quality: warnings on these channels, read with care.",
            "fail": " Signal quality: failed on these channels.",
        }.get(a.quality, "")
        blocks.append(
            Paragraph(f"{a.question} {a.text}{status}", "note" if a.key == "limits" else "text")
        )
    fig = plot_glute_sides(result)
    if fig is not None:
        blocks.append(
            FigureBlock(
                fig,
                "Key figure: glute max left vs right (%MVC per hold and mean); right: the "
                "symmetry angle with its 95 % interval against the meaningful-change band "
                "(grey, a convention). An interval wholly outside the band reads 'likely "
                "asymmetric', wholly inside 'no meaningful difference', else 'inconclusive'.",
                "glute_sides",
            )
        )
    blocks.append(
        Paragraph(
            "Not a diagnosis: these are patterns in one recording. Details, methods and "
            "references follow."
        )
    )
    return Section("summary", "Summary", blocks)


def _session(rec: Recording, result: BridgeResult) -> Section:
    info = rec.info
    date = info.date.isoformat(sep=" ", timespec="minutes") if info.date else "not recorded"
    rows = [
        ("Subject (pseudonym)", info.subject or "anonymous"),
        ("Session", session_name(info)),
        ("Date", date),
        (
            "Device",
            (info.device or "not recorded") + (f" ({info.firmware})" if info.firmware else ""),
        ),
        ("Sampling rate", f"{rec.fs:g} Hz"),
        (
            "Hardware bandwidth",
            f"{info.hardware_bandwidth_hz:g} Hz" if info.hardware_bandwidth_hz else "not recorded",
        ),
        ("Montage", info.montage or "not recorded"),
        ("Duration", f"{rec.duration:.1f} s"),
        ("Channels", ", ".join(rec.channel_names)),
        ("Trials", str(len(rec.events_for(label="trial")))),
        ("Missing samples", f"{len(rec.gaps)} gap(s), {rec.n_missing / rec.fs:.3f} s"),
        ("Notes", info.notes or "-"),
    ]
    df = pd.DataFrame(rows, columns=["item", "value"])
    blocks: list[Block] = [Table(df)]
    chans = pd.DataFrame(
        [
            {
                "channel": c.name,
                "muscle": _muscle(c.muscle) if c.muscle else "-",
                "side": c.side or "-",
                "kind": str(c.kind),
                "site": c.site or "-",
            }
            for c in rec.channels
        ]
    )
    blocks.append(Table(chans, "Channels and electrode sites"))
    return Section("session", "Session and subject", blocks)


def _quality(rec: Recording, result: BridgeResult) -> Section:
    from emgkit.report._quality import rest_window, signal_quality

    q = _analysis_quality(result)
    rw = rest_window(rec)
    where = (
        f"the rest trial ({rw[0]:.1f}-{rw[1]:.1f} s)"
        if rw
        else "the whole recording (no rest trial found)"
    )
    mains_where = where
    if q is None:  # a result without the analysis's quality table: measure here
        q = signal_quality(rec, None)
    elif rw is not None:
        # the hum at rest, where EMG does not mask or mimic it (the gate's whole-recording
        # figure counts contraction energy near 50/60 Hz too): a short spectrum per channel
        from emgkit.signal import quality as sq

        cols = [rec.channel_names.index(c) for c in q["channel"] if c in rec.channel_names]
        if len(cols) == len(q):
            i0, i1 = round(rw[0] * rec.fs), round(rw[1] * rec.fs)
            ml = sq.mains_level(rec.data[i0:i1, cols], rec.fs, rec.info.power_line_hz)
            q["mains_uv"] = ml.uv
            q["mains_hz"] = ml.freq_hz
        else:
            mains_where = "the whole recording"
    m = result.mvc
    if not m.empty and "rest_uv" in m:
        # the analysis's own rest RMS of the band-passed channel (no re-filtering here)
        rest = m.set_index("channel")["rest_uv"]
        q["noise_uv"] = [
            float(rest.get(n, v)) for n, v in zip(q["channel"], q["noise_uv"], strict=True)
        ]
    qa = result.quality if isinstance(result.quality, pd.DataFrame) else pd.DataFrame()
    if not qa.empty and "status" in qa:
        q["status"] = [
            (
                f"{qa.loc[n, 'status']}: {qa.loc[n, 'detail']}"
                if n in qa.index and qa.loc[n, "status"] != "ok"
                else (str(qa.loc[n, "status"]) if n in qa.index else s0)
            )
            for n, s0 in zip(q["channel"], q["status"], strict=True)
        ]
    disp = pd.DataFrame(
        {
            "channel": q["channel"],
            "flat": np.where(q["flat"], "yes", "no"),
            "clipping %": [_f(v, ".2f") for v in q["clipping_pct"]],
            "mains": [
                f"{_f(u, '.2f')} uV @ {h:.0f} Hz"
                for u, h in zip(q["mains_uv"], q["mains_hz"], strict=True)
            ],
            "noise floor uV": [_f(v, ".2f") for v in q["noise_uv"]],
            "missing %": [_f(v, ".2f") for v in q["missing_pct"]],
            "status": q["status"],
        }
    )
    text = (
        "Flat: SD below 0.5 uV over the recording (electrode off or channel shorted). Clipping: "
        "share of samples stuck at the extreme values. Mains: RMS of the 50/60 Hz line in "
        f"{mains_where}. Noise floor: RMS of the band-passed signal in {where} (raw channels); "
        "a good sEMG baseline is a few microvolts. Missing: samples lost in gaps."
    )
    return Section("quality", "Signal quality per channel", [Paragraph(text), Table(disp)])


def _analysis_quality(result: BridgeResult) -> pd.DataFrame | None:
    """Quality table the analysis measured (:attr:`BridgeResult.quality`), or None.

    In the columns of :func:`emgkit.report._quality.signal_quality`; None when it is missing
    (the report then measures; it never measures twice).
    """
    qa = result.quality if isinstance(result.quality, pd.DataFrame) else pd.DataFrame()
    need = {"status", "flat", "clipped_fraction", "mains_hz", "mains_uv", "noise_floor_uv"}
    if qa.empty or not need <= set(qa.columns):
        return None
    missing = qa["missing_pct"] if "missing_pct" in qa else pd.Series(0.0, index=qa.index)
    return pd.DataFrame(
        {
            "channel": [str(c) for c in qa.index],
            "flat": qa["flat"].astype(bool).to_numpy(),
            "clipping_pct": qa["clipped_fraction"].astype(float).to_numpy() * 100.0,
            "mains_uv": qa["mains_uv"].astype(float).to_numpy(),
            "mains_hz": qa["mains_hz"].astype(float).to_numpy(),
            "noise_uv": qa["noise_floor_uv"].astype(float).to_numpy(),
            "missing_pct": missing.astype(float).to_numpy(),
            "status": qa["status"].astype(str).to_numpy(),
        }
    )


def _mvc(result: BridgeResult) -> Section:
    m = result.mvc
    if m.empty:
        return Section("mvc", "MVC", [Paragraph("No MVC was found.", "note")])
    disp = pd.DataFrame(
        {
            "channel": m["channel"],
            "muscle": [_muscle(x) for x in m["muscle"]],
            "side": m["side"],
            "MVC uV": [_f(v) for v in m["mvc_uv"]],
            "position giving the maximum": [
                s if isinstance(s, str) and s else "none" for s in m["source_trial"]
            ],
            "MVC holds": [str(v) for v in m.get("n_mvc_holds", pd.Series(["-"] * len(m)))],
        }
    )
    text = _mvc_definition(result.params)
    return Section("mvc", "MVC (normalisation)", [Paragraph(text), Table(disp)])


def _mvc_definition(p: Any) -> str:
    """The MVC definition the analysis used (its ``AnalysisParams``), in words."""
    tail = (
        "over the MVC holds of the same muscle and side; when several positions were tested "
        "the maximum is kept and its trial is named."
    )
    if p.mvc_method == "peak_window":
        return (
            f"MVC amplitude = highest {p.mvc_window * 1000:g} ms mean of the "
            f"{p.rms_window * 1000:g} ms RMS envelope {tail} (The conventional peak window; it "
            "reads high on a noisy envelope: docs/validation.md.)"
        )
    t0, t1 = p.mvc_trim
    return (
        f"MVC amplitude = RMS over the plateau of each MVC hold (the hold without its first "
        f"{t0:g} s and last {t1:g} s), maximum {tail} The plateau RMS avoids the upward bias of "
        "picking the highest short window of a noisy envelope (docs/analysis.md)."
    )


def _envelopes(rec: Recording, env: Any, result: BridgeResult) -> Section:
    from emgkit.report.figures import plot_pct_mvc, plot_trial_envelopes

    mvc = (
        dict(zip(result.mvc["channel"], result.mvc["mvc_uv"], strict=True))
        if not result.mvc.empty
        else {}
    )
    blocks: list[Block] = []
    if env is not None:
        blocks.append(
            FigureBlock(
                plot_trial_envelopes(rec, env, mvc),
                "Envelopes (%MVC) per bridge trial, left vs right; grey = holds.",
                "trial_envelopes",
            )
        )
    blocks.append(
        FigureBlock(plot_pct_mvc(result), "Mean %MVC per trial, muscle and side.", "pct_mvc")
    )
    from emgkit.report.tables import summary_table

    blocks.append(
        Table(
            _strings(summary_table(result)),
            "Per trial and muscle: %MVC (mean over reps), SA = symmetry angle (+ = right larger; "
            "single-leg trials compared as a pair below), onset latency (ms, negative = before "
            "movement), G:H and G:E ratios per side.",
        )
    )
    return Section("envelopes", "Envelopes and %MVC", blocks)


def _ratios_symmetry(result: BridgeResult) -> Section:
    from emgkit.report.figures import plot_ratios, plot_symmetry

    blocks: list[Block] = []
    if not result.ratios.empty:
        blocks.append(
            FigureBlock(
                plot_ratios(result),
                "Glute:hamstring and glute:erector %MVC ratios (bars = mean, dots = reps; "
                "single-leg trials: working side). Glute:erector below 1 in a double-leg bridge "
                "is normal (Ekstrom 2007); the glute:hamstring ratio depends on knee angle and "
                "heel distance.",
                "ratios",
            )
        )
    s = result.symmetry
    if s.empty:
        blocks.append(Paragraph("No left/right comparison was possible.", "note"))
    else:
        blocks.append(
            FigureBlock(
                plot_symmetry(result),
                "Symmetry angle per comparison and muscle; grey band = the meaningful "
                "threshold (a convention set at the healthy side-difference spread).",
                "symmetry",
            )
        )
        disp = pd.DataFrame(
            {
                "comparison": s["comparison"],
                "muscle": [_muscle(x) for x in s["muscle"]],
                "%MVC left": [_f(v) for v in s["pct_left"]],
                "%MVC right": [_f(v) for v in s["pct_right"]],
                "SA": [_f(v, "+.1f") for v in s["symmetry_angle"]],
                "95 % interval": [
                    f"{_f(a, '+.1f')} to {_f(b, '+.1f')}"
                    for a, b in zip(s["ci_low"], s["ci_high"], strict=True)
                ],
                "threshold": [_f(v) for v in s["threshold"]],
                "reps/holds": [str(v) for v in s["n_epochs"]],
                "lower side": s["lower_side"],
                "outcome": s["outcome"],
                "MVC uV L/R": [
                    f"{_f(a, '.0f')}/{_f(b, '.0f')}"
                    for a, b in zip(s["mvc_uv_left"], s["mvc_uv_right"], strict=True)
                ],
                "quality": s["quality"],
            }
        )
        blocks.append(Table(disp))
    return Section("symmetry", "Ratios and left/right symmetry", blocks)


def _onsets(result: BridgeResult) -> Section:
    from emgkit.report.figures import plot_onset_timeline

    reps = result.reps
    blocks: list[Block] = [
        Paragraph(
            "Onset latency of each channel relative to movement onset (the rep marker), "
            "channels ordered by mean latency. Hamstrings and erector spinae firing before "
            "glute max is the usual healthy order (Lewis & Sahrmann 2009; Sakamoto et al. "
            "2009) and is not a finding in itself. Onsets of muscles working below about "
            "10 %MVC lag and are less certain."
        )
    ]
    if reps["latency_s"].notna().any():
        blocks.append(
            FigureBlock(plot_onset_timeline(result), "Onset timeline per trial.", "onset_timeline")
        )
        rows = []
        for trial, g in reps.groupby("trial", sort=False):
            lat = g.groupby("channel", sort=False)["latency_s"].mean().sort_values() * 1000
            order = [f"{c} ({_f(v, '+.0f')} ms)" for c, v in lat.items() if np.isfinite(v)]
            missing = [str(c) for c, v in lat.items() if not np.isfinite(v)]
            rows.append(
                {
                    "trial": trial,
                    "order (mean latency)": " < ".join(order) or "-",
                    "no onset found": ", ".join(missing) or "-",
                }
            )
        blocks.append(Table(pd.DataFrame(rows)))
    else:
        blocks.append(Paragraph("No onsets were detected.", "note"))
    return Section("onsets", "Onset timeline", blocks)


def _reps_holds(rec: Recording, result: BridgeResult) -> Section:
    holds = rec.events_for(label="hold")
    reps = result.reps
    rows = []
    for trial, g in reps.groupby("trial", sort=False):
        d = np.array([h.duration for h in holds if h.trial == trial])
        glute = g[g.muscle == "glute_max"]
        cv = []
        for side in ("left", "right"):
            v = glute[glute.side == side]["pct_mvc"].to_numpy(dtype=float)
            v = v[np.isfinite(v)]
            cv.append(
                f"{v.mean():.1f} +/- {v.std(ddof=1):.1f}"
                if v.size > 1
                else (f"{v.mean():.1f}" if v.size else "-")
            )
        rows.append(
            {
                "trial": trial,
                "task": str(g["task"].iloc[0]).replace("_", " "),
                "side": str(g["side_task"].iloc[0]),
                "reps": str(g["rep"].nunique()),
                "hold s (mean)": _f(d.mean() if d.size else np.nan),
                "hold s (min-max)": f"{d.min():.1f}-{d.max():.1f}" if d.size else "-",
                "glute max %MVC L (mean +/- SD)": cv[0],
                "glute max %MVC R (mean +/- SD)": cv[1],
            }
        )
    return Section(
        "reps",
        "Reps and holds",
        [
            Paragraph(
                "Hold durations from the hold markers; variability of glute max %MVC across reps."
            ),
            Table(pd.DataFrame(rows)),
        ],
    )


def _fatigue(rec: Recording, result: BridgeResult) -> Section:
    fat = getattr(result, "fatigue", None)
    if isinstance(fat, pd.DataFrame) and not fat.empty:
        need = {"trial", "muscle", "side", "slope_pct_per_s"}
        if need <= set(fat.columns):
            rows = []
            for (trial, muscle), g in fat.groupby(["trial", "muscle"], sort=False):
                row = {"trial": str(trial), "muscle": _muscle(muscle)}
                for side, tag in (("left", "L"), ("right", "R")):
                    gs = g[g.side == side]
                    row[f"slope %/s {tag}"] = _f(gs["slope_pct_per_s"].mean(), "+.2f")
                    if "mdf_start_hz" in gs:
                        row[f"MDF start Hz {tag}"] = _f(gs["mdf_start_hz"].mean(), ".0f")
                row["reps"] = str(g["rep"].nunique()) if "rep" in g else "-"
                rows.append(row)
            disp = pd.DataFrame(rows)
        else:
            disp = fat.copy()
            for c in disp.columns:
                if pd.api.types.is_float_dtype(disp[c]):
                    disp[c] = [_f(v, ".3g") for v in disp[c]]
        return Section(
            "fatigue",
            "Fatigue",
            [
                Paragraph(
                    "Slope of the median frequency over sustained holds, in % of its starting "
                    "value per second, mean over reps (negative = falling, a sign of fatigue). "
                    "The slope discriminates people poorly on its own (Humphrey et al. 2005); "
                    "read it as a within-person trend, and short holds give noisy slopes."
                ),
                Table(_strings(disp)),
            ],
        )
    why = (
        "not computed: the recording is band-limited (spectral measures need >= 1 kHz and the "
        "full sEMG band)"
        if rec.band_limited
        else "not available in this analysis"
    )
    return Section(
        "fatigue", "Fatigue", [Paragraph(f"Fatigue (median-frequency slope): {why}.", "note")]
    )


def _pain_felt(rec: Recording, result: BridgeResult) -> Section:
    trials: dict[str, dict[str, str]] = {}
    for ev in rec.events_for(label="pain"):
        trials.setdefault(ev.trial or "-", {})["pain (0-10)"] = ev.value
    for ev in rec.events_for(label="felt"):
        d = trials.setdefault(ev.trial or "-", {})
        prev = d.get("felt", "")
        d["felt"] = f"{prev}; {ev.value}" if prev else ev.value
    if not trials:
        return Section(
            "pain",
            "Pain and felt muscles",
            [Paragraph("No pain ratings or felt-muscle answers were recorded.", "note")],
        )
    rows = [
        {
            "trial": t,
            "pain (0-10)": d.get("pain (0-10)", "-"),
            "muscles felt": d.get("felt", "-") or "-",
        }
        for t, d in trials.items()
    ]
    return Section(
        "pain",
        "Pain and felt muscles",
        [
            Paragraph(
                "The subject's answers after each trial: pain rating 0-10 and which muscles "
                "they felt working."
            ),
            Table(pd.DataFrame(rows)),
        ],
    )


def _variants(result: BridgeResult) -> Section:
    from emgkit.analysis.bridge import plain_bridge_trial

    v = result.variants
    if v.empty:
        return Section(
            "variants", "Cue variants", [Paragraph("No cue variants to compare.", "note")]
        )
    disp = pd.DataFrame(
        {
            "trial": v["trial"],
            "cue": v["cue"],
            "muscle": [_muscle(x) for x in v["muscle"]],
            "side": v["side"],
            "%MVC": [_f(x) for x in v["pct_mvc"]],
            "%MVC plain bridge": [_f(x) for x in v["pct_mvc_ref"]],
            "change (points)": [_f(x, "+.1f") for x in v["change"]],
            "change %": [_f(x, "+.0f") for x in v["change_rel"]],
        }
    )
    return Section(
        "variants",
        "Cue variants",
        [
            Paragraph(
                "Each double-leg cue variant against the plain double-leg bridge "
                f"({result.params.reference_trial or plain_bridge_trial(result.summary)}), "
                "per muscle and side."
            ),
            Table(disp),
        ],
    )


def _interpretation(result: BridgeResult, flags: list[Flag] | None) -> Section:
    from emgkit.analysis.interpret import LEVELS

    blocks: list[Block] = [
        Paragraph(
            "Statements grounded in the literature and worded with their uncertainty. They "
            "describe patterns in this recording; they are not a diagnosis."
        )
    ]
    if flags is None:
        try:
            from emgkit.analysis.interpret import interpret

            flags = list(interpret(result))
        except NotImplementedError:
            flags = None
    if flags is None:
        blocks.append(
            Paragraph(
                "Interpretation not available (interpretation flags are not implemented in "
                "this version).",
                "note",
            )
        )
    else:
        titles = {
            "notable": "Worth a clinician's look",
            "info": "Context (including normal patterns)",
            "limitation": "Limitations",
        }
        levels = list(LEVELS) + sorted({f.level for f in flags} - set(LEVELS))
        if not flags:
            blocks.append(Paragraph("No interpretation flags were raised."))
        for level in levels:
            items = []
            for f in (f for f in flags if f.level == level):
                what = ", ".join(x for x in (f.trial, f.muscle, f.side) if x)
                # the numbers are in the message; the raw evidence dictionary stays out of
                # clinical text (it is in the flag for programs)
                text = f.message + (f" [{what.replace('_', ' ')}]" if what else "")
                if f.references:
                    text += " (" + "; ".join(_short_cite(r) for r in f.references) + ")"
                items.append((level, text))
            if items:
                blocks.append(ItemList(tuple(items), titles.get(level, level)))
    if result.notes:
        blocks.append(ItemList(tuple(("limitation", n) for n in result.notes), "Analysis notes"))
    return Section("interpretation", "Interpretation", blocks)


def _short_cite(ref: str) -> str:
    """Reference-list key: "Lewis & Sahrmann 2009 (what it showed)" -> "Lewis 2009"."""
    return reference_key(ref) or ref


def reference_key(text: str) -> str | None:
    """The :data:`~emgkit.report.methods.REFERENCES` key a short citation names, if any."""
    from emgkit.report.methods import REFERENCES

    for key in REFERENCES:
        name, _, year = key.rpartition(" ")
        if name and re.search(rf"\b{re.escape(name)}\b[^()]*?\b{year}\b", text):
            return key
        if not name and key in text:
            return key
    return None


def cited_keys(sections: list[Section]) -> list[str]:
    """Reference keys cited anywhere in the text of ``sections``, in first-cited order."""
    from emgkit.report.methods import REFERENCES

    texts: list[str] = []
    for s in sections:
        for b in s.blocks:
            if isinstance(b, Paragraph):
                texts.append(b.text)
            elif isinstance(b, Table | FigureBlock):
                texts.append(b.caption)
            elif isinstance(b, ItemList):
                texts.extend(t for _, t in b.items)
    out: list[str] = []
    for t in texts:
        for key in REFERENCES:
            name, _, year = key.rpartition(" ")
            pat = (
                rf"\b{re.escape(name)}\b(?: et al\.?| & [A-Z][a-z]+| and [A-Z][a-z]+|"
                rf", [A-Z][a-z]+ & [A-Z][a-z]+)? {year}\b"
                if name
                else re.escape(key)
            )
            if key not in out and re.search(pat, t):
                out.append(key)
    return out


def _methods(
    rec: Recording, result: BridgeResult, montage: Montage | None, before: list[Section]
) -> Section:
    from emgkit.report.methods import REFERENCES, methods_paragraphs

    secs = methods_paragraphs(rec, result, montage)
    blocks: list[Block] = []
    cited: list[str] = []
    for s in secs:
        cites = f" ({'; '.join(s.cites)})" if s.cites else ""
        blocks.append(Paragraph(f"{s.title}. {s.text}{cites}"))
        cited.extend(c for c in s.cites if c not in cited)
    # every work cited anywhere in the report, not only in the methods
    for extra in cited_keys([*before, Section("m", "", list(blocks))]):
        if extra not in cited:
            cited.append(extra)
    blocks.append(ItemList(tuple(("", REFERENCES[k]) for k in cited), "References"))
    return Section("methods", "Methods (ISEK reporting standards)", blocks)


def build_sections(
    rec: Recording,
    result: BridgeResult,
    *,
    flags: list[Flag] | None = None,
    montage: Montage | None = None,
) -> list[Section]:
    """Every section of the report, in order (figures are created here)."""
    emg = [
        c.name
        for c in rec.channels
        if c.muscle is not None and c.side is not None and c.kind != SignalKind.ACCEL
    ]
    sub = rec.pick(names=emg) if emg else None
    # the envelopes the analysis computed (BridgeResult.envelope): the report never re-filters
    env = (
        result.envelope
        if result.envelope is not None
        and list(result.envelope_channels) == emg
        and result.envelope.shape[0] == rec.n_samples
        else None
    )
    body = [
        _summary(rec, result, flags),
        _session(rec, result),
        _quality(rec, result),
        _mvc(result),
        _envelopes(sub if sub is not None else rec, env, result),
        _ratios_symmetry(result),
        _onsets(result),
        _reps_holds(rec, result),
        _fatigue(rec, result),
        _pain_felt(rec, result),
        _variants(result),
        _interpretation(result, flags),
    ]
    return [*body, _methods(rec, result, montage, body)]
