"""Progress across visits for one pseudonym: an HTML + PDF report.

One row per session, in chronological order, keyed by date-time and session id (two sessions on
the same day stay apart): the glute max left/right symmetry in the single-leg bridges with its
95 % interval and outcome, glute max %MVC per side, the glute:hamstring and glute:erector ratios,
the mean bridge hold time and the pain ratings. The change of the symmetry angle since the
first and since the previous visit is compared with the meaningful-change threshold (a
convention, see :class:`~emgkit.analysis.bridge.AnalysisParams`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from emgkit.errors import ConfigError
from emgkit.report._blocks import FigureBlock, Paragraph, Section, Table, session_name

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from emgkit.analysis.bridge import BridgeResult
    from emgkit.recording import Recording

__all__ = ["Visit", "progress_sections", "progress_table", "write_progress_report"]


@dataclass(frozen=True, slots=True)
class Visit:
    """One analysed session of the subject."""

    recording: Recording
    result: BridgeResult


def _key(v: Visit) -> tuple[str, str]:
    info = v.recording.info
    when = info.date.isoformat(sep=" ", timespec="minutes") if info.date else ""
    return when, info.session or ""


def _mean(x: pd.Series) -> float:
    a = pd.to_numeric(x, errors="coerce").to_numpy(dtype=float)
    a = a[np.isfinite(a)]
    return float(a.mean()) if a.size else float("nan")


def progress_table(visits: list[Visit]) -> pd.DataFrame:
    """One row per visit, oldest first (see the module docstring for the columns).

    Raises
    ------
    ConfigError
        No visits, or visits of more than one pseudonym.
    """
    from emgkit.report.summary import glute_side_row

    if not visits:
        raise ConfigError("no sessions given")
    subjects = {v.recording.info.subject or "anonymous" for v in visits}
    if len(subjects) > 1:
        raise ConfigError(
            f"sessions of several subjects ({', '.join(sorted(subjects))}): a progress "
            "report is for one pseudonym"
        )
    rows = []
    for v in sorted(visits, key=_key):
        when, _ = _key(v)
        res = v.result
        r = glute_side_row(res)
        s = res.summary
        slb = s[(s["task"] == "single_leg_bridge") & (s["muscle"] == "glute_max")]
        slb = slb[slb["side"] == slb["side_task"]] if "side_task" in slb else slb
        rt = res.ratios
        holds = [
            e.duration
            for e in v.recording.events_for(label="hold")
            if e.trial.startswith(("slb", "dlb"))
        ]
        pain = {e.trial: e.value for e in v.recording.events_for(label="pain")}
        rows.append(
            {
                "date-time": when or "not recorded",
                "session": session_name(v.recording.info),
                "comparison": str(r["comparison"]) if r is not None else "-",
                "sa": float(r["symmetry_angle"]) if r is not None else np.nan,
                "ci_low": float(r["ci_low"]) if r is not None else np.nan,
                "ci_high": float(r["ci_high"]) if r is not None else np.nan,
                "threshold": float(r["threshold"]) if r is not None else np.nan,
                "outcome": str(r["outcome"]) if r is not None else "-",
                "quality": str(r.get("quality", "-")) if r is not None else "-",
                "glute_left": _mean(slb[slb["side"] == "left"]["pct_mvc"]),
                "glute_right": _mean(slb[slb["side"] == "right"]["pct_mvc"]),
                "glute_ham": _mean(rt[rt["task"] == "single_leg_bridge"]["glute_ham"])
                if "glute_ham" in rt
                else np.nan,
                "glute_erector": _mean(rt[rt["task"] == "double_leg_bridge"]["glute_erector"])
                if "glute_erector" in rt
                else np.nan,
                "hold_s": float(np.mean(holds)) if holds else np.nan,
                "pain": ", ".join(f"{t} {p}" for t, p in pain.items()) or "-",
            }
        )
    df = pd.DataFrame(rows)
    df["change_first"] = df["sa"] - df["sa"].iloc[0]
    df["change_previous"] = df["sa"].diff()
    return df


def _change_word(change: float, threshold: float) -> str:
    if not (np.isfinite(change) and np.isfinite(threshold)):
        return "-"
    word = "beyond" if abs(change) > threshold else "within"
    return f"{change:+.1f} ({word} ±{threshold:g})"


def _plot(df: pd.DataFrame) -> Figure:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.0, 2.6), layout="constrained")
    ax = fig.add_subplot()
    x = np.arange(len(df))
    thr = float(np.nanmax(df["threshold"])) if df["threshold"].notna().any() else 7.5
    ax.axhspan(-thr, thr, color="#dddddd", lw=0, label=f"meaningful threshold ±{thr:g}")
    ax.axhline(0, color="k", lw=0.8)
    err = np.vstack([df["sa"] - df["ci_low"], df["ci_high"] - df["sa"]])
    ax.errorbar(
        x,
        df["sa"],
        yerr=np.abs(err),
        fmt="D-",
        color="#6a3d9a",
        capsize=3,
        label="symmetry angle, 95 % interval",
    )
    ax.set_xticks(
        x, [f"{d}\n{s}" for d, s in zip(df["date-time"], df["session"], strict=True)], fontsize=7
    )
    ax.set_ylabel("glute max symmetry angle\n(+ = right larger)", fontsize=8)
    ax.legend(fontsize=7, frameon=False, loc="upper left")
    ax.tick_params(labelsize=7)
    return fig


def progress_sections(visits: list[Visit]) -> list[Section]:
    """The progress report as sections (the same block model as the session report)."""
    df = progress_table(visits)
    last = df.iloc[-1]
    thr = float(last["threshold"])
    sentence = (
        f"{len(df)} visits from {df['date-time'].iloc[0]} to {last['date-time']}. At the last "
        f"visit glute max in the single-leg bridges read '{last['outcome']}' (symmetry angle "
        f"{last['sa']:+.1f}, 95 % interval {last['ci_low']:+.1f} to {last['ci_high']:+.1f}); "
        f"change since the first visit {_change_word(last['change_first'], thr)}, since the "
        f"previous {_change_word(last['change_previous'], thr)} points. A change beyond the "
        "threshold (a convention) is more than one session's spread; a change within it is not "
        "evidence of change. Electrode re-application between visits adds its own difference."
        if len(df) > 1
        else "Only one visit: there is no change to report yet."
    )
    disp = pd.DataFrame(
        {
            "date-time": df["date-time"],
            "session": df["session"],
            "glute max SA (95 % interval)": [
                f"{a:+.1f} ({lo:+.1f} to {hi:+.1f})"
                for a, lo, hi in zip(df["sa"], df["ci_low"], df["ci_high"], strict=True)
            ],
            "outcome": df["outcome"],
            "quality": df["quality"],
            "change since first": [
                _change_word(c, t) for c, t in zip(df["change_first"], df["threshold"], strict=True)
            ],
            "change since previous": [
                _change_word(c, t)
                for c, t in zip(df["change_previous"], df["threshold"], strict=True)
            ],
            "glute max %MVC L/R": [
                f"{a:.0f}/{b:.0f}" for a, b in zip(df["glute_left"], df["glute_right"], strict=True)
            ],
            "G:H": [f"{v:.2f}" for v in df["glute_ham"]],
            "G:E": [f"{v:.2f}" for v in df["glute_erector"]],
            "hold s": [f"{v:.1f}" for v in df["hold_s"]],
            "pain (0-10)": df["pain"],
        }
    ).replace("nan", "-")
    return [
        Section(
            "progress",
            "Progress across visits",
            [
                Paragraph(sentence),
                FigureBlock(
                    _plot(df),
                    "Glute max symmetry angle per visit with its 95 % interval; grey = the "
                    "meaningful-change threshold (a convention).",
                ),
                Table(
                    disp,
                    "One row per session, oldest first; same-day sessions are kept apart by "
                    "time and session id. %MVC: single-leg bridges, working side. G:H "
                    "single-leg, G:E double-leg %MVC ratios.",
                ),
            ],
        )
    ]


def write_progress_report(
    visits: list[Visit], out_dir: str | Path, *, basename: str = "progress"
) -> tuple[Path, Path]:
    """Write the progress report of one pseudonym as HTML and PDF.

    Parameters
    ----------
    visits : list of Visit
        The subject's analysed sessions (any order).
    out_dir : path
        Folder (created if missing).
    basename : str
        File name without extension.

    Returns
    -------
    (Path, Path)
        The HTML and PDF paths.
    """
    from emgkit.report._svg import figure_drawings
    from emgkit.report.html import render_html
    from emgkit.report.pdf import write_pdf

    sections = progress_sections(visits)
    first = sorted(visits, key=_key)[0].recording
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    svgs, drawings = figure_drawings(sections)  # each figure drawn once, for both files
    html_path = out / f"{basename}.html"
    pdf_path = out / f"{basename}.pdf"
    title = f"Progress across visits: subject {first.info.subject or 'anonymous'}"
    sub = f"{len(visits)} bridge-test sessions analysed by emgkit, oldest first; not a diagnosis."
    html_path.write_text(
        render_html(first, sections, svgs, title=title, subtitle=sub), encoding="utf-8"
    )
    write_pdf(first, sections, pdf_path, svgs, title=title, subtitle=sub, drawings=drawings)
    return html_path, pdf_path
