"""Cohort report from a batch's tidy results: distributions across subjects, trends per subject.

>>> from emgkit.report.cohort import cohort_report
>>> cohort_report(batch.results, "cohort.html")  # doctest: +SKIP

The page is self-contained (figures embedded as SVG, no external files or scripts) and
reproducible: the same results give a byte-identical page.
"""

from __future__ import annotations

import html
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from emgkit.errors import ConfigError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "cohort_figures",
    "cohort_report",
    "cohort_summary",
    "cohort_tables",
    "quality_gates",
    "session_metrics",
]

#: (metric, label) of the per-session values the report shows.
COHORT_METRICS = (
    ("glute_ham", "glute:hamstring ratio"),
    ("glute_erector", "glute:erector ratio"),
    ("symmetry_angle", "glute max symmetry angle (%)"),
)
_SIDE_COLOURS = {"left": "#1f77b4", "right": "#d62728", "both": "#444444"}


def session_metrics(results: pd.DataFrame, trial: str | None = None) -> pd.DataFrame:
    """One value per session, side and cohort metric.

    Ratios are the mean over the double-leg bridge trials (or over ``trial`` only) per side; the
    symmetry angle is that of the glute max over the same trials (side ``"both"``).

    Parameters
    ----------
    results : DataFrame
        Tidy batch table (:attr:`emgkit.app.batch.BatchResult.results`).
    trial : str, optional
        Restrict to one trial (e.g. ``"dlb_squeeze"``).

    Returns
    -------
    DataFrame
        session, subject, date, side, metric, value; sorted by subject, date, session.
    """
    need = {"session", "subject", "date", "trial", "muscle", "side", "metric", "value"}
    missing = need - set(results.columns)
    if missing:
        raise ConfigError(
            f"not an emgkit batch results table: missing columns {sorted(missing)}; "
            "pass BatchResult.results or a file written by `emgkit batch`"
        )
    # default: double-leg bridges ("dlb_*" in the shipped protocol); single-leg trials are
    # asymmetric by design and MVC trials have no ratio
    d = results
    d = d[d["trial"] == trial] if trial is not None else d[d["trial"].str.startswith("dlb")]
    names = [m for m, _ in COHORT_METRICS]
    d = d[d["metric"].isin(names)]
    d = d[(d["metric"] != "symmetry_angle") | (d["muscle"] == "glute_max")]
    if d.empty:
        return pd.DataFrame(columns=["session", "subject", "date", "side", "metric", "value"])
    grouped: pd.DataFrame = d.groupby(
        ["session", "subject", "date", "side", "metric"], as_index=False, sort=False
    )[["value"]].mean()
    out = grouped.sort_values(
        ["subject", "date", "session", "metric", "side"], kind="stable"
    ).reset_index(drop=True)
    return out


def cohort_tables(per_session: pd.DataFrame) -> pd.DataFrame:
    """Distribution of each metric across subjects (each subject's mean over sessions first).

    Returns
    -------
    DataFrame
        metric, side, n_subjects, median, q1, q3, min, max.
    """
    if per_session.empty:
        return pd.DataFrame(
            columns=["metric", "side", "n_subjects", "median", "q1", "q3", "min", "max"]
        )
    subj = per_session.groupby(["metric", "side", "subject"], as_index=False)["value"].mean()
    rows = []
    for (metric, side), g in subj.groupby(["metric", "side"], sort=True):
        v = g["value"].to_numpy(dtype=float)
        v = v[np.isfinite(v)]
        q = np.percentile(v, [25, 50, 75]) if v.size else [np.nan] * 3
        rows.append(
            {
                "metric": metric,
                "side": side,
                "n_subjects": int(v.size),
                "median": float(q[1]),
                "q1": float(q[0]),
                "q3": float(q[2]),
                "min": float(v.min()) if v.size else np.nan,
                "max": float(v.max()) if v.size else np.nan,
            }
        )
    return pd.DataFrame(rows)


def _new_figure(w: float, h: float, ncols: int) -> tuple[Figure, list[Any]]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(w, h), layout="constrained")
    axes = [fig.add_subplot(1, ncols, i + 1) for i in range(ncols)]
    return fig, axes


def cohort_figures(per_session: pd.DataFrame) -> dict[str, Figure]:
    """Distribution (one point per subject over a box) and trend (per subject over sessions).

    Returns
    -------
    dict
        ``{"distributions": Figure, "trends": Figure}``.
    """
    figs: dict[str, Figure] = {}
    fig, axes = _new_figure(11.0, 3.6, len(COHORT_METRICS))
    subj = per_session.groupby(["metric", "side", "subject"], as_index=False)["value"].mean()
    for ax, (metric, label) in zip(axes, COHORT_METRICS, strict=True):
        g = subj[subj["metric"] == metric]
        sides = [s for s in ("left", "right", "both") if s in set(g["side"])]
        data = [g.loc[g["side"] == s, "value"].dropna().to_numpy() for s in sides]
        if sides:
            ax.boxplot(data, tick_labels=sides, showfliers=False, widths=0.5)
            for k, (s, v) in enumerate(zip(sides, data, strict=True)):
                jitter = np.linspace(-0.12, 0.12, v.size) if v.size > 1 else np.zeros(v.size)
                ax.plot(k + 1 + jitter, v, "o", ms=4, alpha=0.7, color=_SIDE_COLOURS[s])
        if metric == "symmetry_angle":
            ax.axhline(0.0, color="0.6", lw=0.8)
        ax.set_title(label, fontsize=10)
        ax.set_ylabel("subject mean over sessions")
    fig.suptitle("Across subjects (double-leg bridges)", fontsize=11)
    figs["distributions"] = fig

    fig, axes = _new_figure(11.0, 3.6, len(COHORT_METRICS))
    for ax, (metric, label) in zip(axes, COHORT_METRICS, strict=True):
        g = per_session[per_session["metric"] == metric]
        if metric != "symmetry_angle":
            g = g.groupby(["session", "subject", "date"], as_index=False, sort=False)[
                "value"
            ].mean()  # left and right averaged for the trend
        for subject, gs in g.groupby("subject", sort=True):
            gs = gs.sort_values(["date", "session"], kind="stable")
            ax.plot(
                np.arange(1, len(gs) + 1),
                gs["value"].to_numpy(),
                "o-",
                ms=3,
                lw=1,
                label=str(subject),
            )
        if metric == "symmetry_angle":
            ax.axhline(0.0, color="0.6", lw=0.8)
        ax.set_title(label, fontsize=10)
        ax.set_xlabel("session number (by date)")
    n_subj = per_session["subject"].nunique()
    if 0 < n_subj <= 12:
        axes[-1].legend(fontsize=7, title="subject", title_fontsize=7)
    fig.suptitle("Each subject over sessions (ratios: mean of left and right)", fontsize=11)
    figs["trends"] = fig
    return figs


def _svg(fig: Figure) -> str:
    import matplotlib as mpl

    buf = io.StringIO()
    with mpl.rc_context({"svg.hashsalt": "emgkit", "svg.fonttype": "path"}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    start = text.find("<svg")
    return text[start:] if start >= 0 else text


#: Plain names of the quality gates (:data:`emgkit.analysis.quality.ISSUE_CODES`).
GATE_NAMES = {
    "flat": "flat signal",
    "clipping": "clipping",
    "mains": "mains interference",
    "ecg": "ECG in the signal",
    "noise_floor": "signal not clear of the noise floor",
    "tonic": "activity at rest",
    "wander": "baseline wander",
    "motion": "motion artefacts",
}


def quality_gates(results: pd.DataFrame) -> tuple[dict[str, tuple[str, list[str]]], set[str]]:
    """Which quality gate failed (or warned) on which channel, per session.

    Parameters
    ----------
    results : DataFrame
        Tidy batch table with the per-channel rows of trial ``"quality"`` (``quality_status``
        0/1/2 = ok/warn/fail and ``issue_<code>`` = 1), as :func:`emgkit.app.batch.tidy_result`
        writes them.

    Returns
    -------
    gates : dict
        session -> (worst status "fail" or "warn", ["glute max right: flat signal", ...]),
        only sessions with a channel that is not "ok"; a failed session lists its failed
        channels only.
    checked : set of str
        Sessions that have quality rows at all (older batch tables have none).
    """
    q = results[results["trial"] == "quality"]
    checked = set(q["session"])
    st = q[q["metric"] == "quality_status"]
    issues = q[q["metric"].str.startswith("issue_") & (q["value"] > 0)]
    out: dict[str, tuple[str, list[str]]] = {}
    for session, g in st.groupby("session", sort=True):
        worst = float(np.nanmax(g["value"].to_numpy(dtype=float), initial=0.0))
        if worst < 1:
            continue
        level = "fail" if worst >= 2 else "warn"
        items = []
        for _, r in g[g["value"] >= worst].iterrows():
            codes = issues[
                (issues["session"] == session)
                & (issues["muscle"] == r["muscle"])
                & (issues["side"] == r["side"])
            ]["metric"].str.removeprefix("issue_")
            words = ", ".join(GATE_NAMES.get(c, c.replace("_", " ")) for c in codes)
            who = f"{str(r['muscle']).replace('_', ' ')} {r['side']}".strip()
            items.append(f"{who}: {words or level}")
        out[str(session)] = (level, items)
    return out, {str(x) for x in checked}


def cohort_summary(results: pd.DataFrame, errors: pd.DataFrame | None = None) -> list[str]:
    """The first-page sentences of the cohort report (plain text, one finding each).

    Parameters
    ----------
    results : DataFrame
        Tidy batch table.
    errors : DataFrame, optional
        Sessions that failed (the batch's errors table: path, error_type, message).

    Returns
    -------
    list of str
        Cohort size; sessions that failed; sessions whose quality gates failed or warned,
        naming the gate(s) and channel(s); sessions without usable %MVC and why; the glute max
        single-leg left/right outcome counts with the lower side; and what a cohort table of
        single sessions cannot tell.
    """
    out: list[str] = []
    n_sessions = results["session"].nunique() if len(results) else 0
    n_subjects = results["subject"].nunique() if len(results) else 0
    n_err = 0 if errors is None else len(errors)
    out.append(
        f"{n_subjects} subjects, {n_sessions} sessions analysed"
        + (f"; {n_err} session(s) failed and are not in any number below" if n_err else "")
        + "."
    )
    if n_err and errors is not None:
        col = next((c for c in ("message", "error", "reason") if c in errors.columns), None)
        key = next((c for c in ("session", "path") if c in errors.columns), None)
        names = [
            f"{r[key]}" + (f" ({r[col]})" if col else "")
            for _, r in errors.iterrows()
            if key is not None
        ]
        if names:
            out.append("Failed: " + "; ".join(names) + ".")
    if len(results):
        gates, checked = quality_gates(results)
        failed = {k: v for k, v in gates.items() if v[0] == "fail"}
        warned = sorted(k for k, v in gates.items() if v[0] == "warn")
        if failed:
            out.append(
                f"Quality gates failed in {len(failed)} session(s) (the channel's numbers are "
                "left out): "
                + "; ".join(f"{k} ({', '.join(v[1])})" for k, v in sorted(failed.items()))
                + "."
            )
        if warned:
            out.append(
                f"Quality warnings (numbers kept, read with care) in {len(warned)} session(s): "
                + "; ".join(f"{k} ({', '.join(gates[k][1])})" for k in warned)
                + "."
            )
        pct = results[(results["metric"] == "pct_mvc") & results["trial"].str.startswith("dlb")]
        ok = pct.groupby("session")["value"].apply(lambda v: bool(np.isfinite(v).any()))
        no_pct = sorted(set(results["session"]) - set(ok[ok].index))
        if no_pct:
            why = []
            for k in no_pct:
                if k in failed:
                    why.append(f"{k} (quality gate failed, above)")
                elif k in checked:
                    why.append(f"{k} (MVC refused or missing)")
                else:
                    why.append(f"{k} (reason not in this batch table)")
            out.append(
                f"No usable %MVC in {len(no_pct)} session(s); see each session's report: "
                + ", ".join(why)
                + "."
            )
        sym = results[
            (results["trial"] == "single_leg_bridge")
            & (results["muscle"] == "glute_max")
            & (results["metric"].isin(("symmetry_angle", "meaningful")))
        ]
        if len(sym):
            w = sym.pivot_table(index="session", columns="metric", values="value")
            n = int(w["symmetry_angle"].notna().sum()) if "symmetry_angle" in w else 0
            if "meaningful" in w and n:
                asym = w[w["meaningful"] == 1]
                lower_l = int((asym["symmetry_angle"] > 0).sum())
                lower_r = int((asym["symmetry_angle"] < 0).sum())
                out.append(
                    f"Glute max in the single-leg bridges: likely asymmetric in {len(asym)} of {n} "
                    f"sessions (left side lower in {lower_l}, right side lower in {lower_r}); "
                    "the others are inconclusive or show no meaningful difference."
                )
    out.append(
        "Each session is one measurement: a side difference in one session cannot be told "
        "from a natural electrode or anatomy difference of the same size; repeat sessions of "
        "the same subject (trend section) narrow it. Not a diagnosis."
    )
    return out


def cohort_report(
    results: pd.DataFrame,
    path: str | Path,
    *,
    title: str = "emgkit cohort report",
    errors: pd.DataFrame | None = None,
    settings: dict[str, Any] | None = None,
) -> Path:
    """Write a self-contained HTML cohort report.

    Parameters
    ----------
    results : DataFrame
        Tidy batch table.
    path : str or Path
        Output ``.html``.
    title : str
    errors : DataFrame, optional
        Failed sessions, listed at the end.
    settings : dict, optional
        Batch settings (emgkit version, parameters), listed at the end.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ConfigError
        ``results`` is not a batch table.
    """
    per = session_metrics(results)
    figs = cohort_figures(per)
    dist = cohort_tables(per)
    n_sessions = results["session"].nunique() if len(results) else 0
    n_subjects = results["subject"].nunique() if len(results) else 0
    esc = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{esc(title)}</title>",
        "<style>body{font-family:sans-serif;max-width:1150px;margin:2em auto;color:#222}"
        "table{border-collapse:collapse;font-size:0.9em}td,th{border:1px solid #ccc;"
        "padding:2px 8px;text-align:right}th{background:#f3f3f3}svg{max-width:100%;"
        "height:auto}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
        f"<p>{n_subjects} subjects, {n_sessions} sessions"
        + (f", {len(errors)} failed" if errors is not None else "")
        + ". Ratios are %MVC ratios averaged over reps and double-leg bridge trials; the "
        "symmetry angle is in % (0 = symmetric; negative: the left side works more). "
        "Distributions use one value per subject (mean over sessions).</p>",
        "<h2>Summary</h2>",
        "<ul>" + "".join(f"<li>{esc(t)}</li>" for t in cohort_summary(results, errors)) + "</ul>",
        "<h2>Distributions across subjects</h2>",
        _svg(figs["distributions"]),
        dist.to_html(index=False, float_format=lambda v: f"{v:.3g}", na_rep=""),
        "<h2>Trend per subject</h2>",
        _svg(figs["trends"]),
    ]
    if len(per):
        wide = per.pivot_table(
            index=["subject", "date", "session"], columns=["metric", "side"], values="value"
        )
        wide.columns = [f"{c[0]} {c[1]}" for c in wide.columns]
        parts += [
            "<h2>Per session</h2>",
            wide.reset_index().to_html(index=False, float_format=lambda v: f"{v:.3g}", na_rep=""),
        ]
    if errors is not None and len(errors):
        parts += ["<h2>Failed sessions</h2>", errors.to_html(index=False)]
    if settings:
        items = "".join(
            f"<li><b>{esc(str(k))}</b>: {esc(str(v))}</li>"
            for k, v in settings.items()
            if k != "protocol"
        )
        parts += ["<h2>Settings</h2>", f"<ul>{items}</ul>"]
    parts.append("</body></html>")
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(parts), encoding="utf-8")
    return out
