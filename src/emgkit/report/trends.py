"""Trend figure for :func:`emgkit.analysis.compare.compare_sessions` (matplotlib, no pyplot)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from emgkit.analysis.compare import CompareResult

__all__ = ["plot_trends"]

_PANELS = (
    ("symmetry_angle", "single-leg bridge symmetry angle (%)\n(+ = right larger)"),
    ("pct_mvc", "%MVC, working side, single-leg bridges"),
    ("glute_ham", "glute:hamstring ratio, single-leg bridges"),
    ("hold_s", "hold time (s)"),
)
_SIDE = {"left": "#1f77b4", "right": "#d62728", "": "#444444"}
_MARK = {"glute_max": "o", "hamstrings": "s", "erector_spinae": "^", "multifidus": "v", "": "D"}


def plot_trends(result: CompareResult, save: str | Path | None = None) -> Figure:
    """Four panels over sessions; filled markers = meaningful change from the first session.

    Parameters
    ----------
    result : CompareResult
    save : path, optional
        Write the figure (format from the suffix, e.g. ``.png``, ``.svg``).
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 7), layout="constrained")
    axes = fig.subplots(2, 2).ravel()
    t = result.trends
    sessions = list(result.sessions["session"])
    x_of = {s: i for i, s in enumerate(sessions)}
    for ax, (metric, title) in zip(axes, _PANELS, strict=True):
        d = t[t["metric"] == metric]
        if metric in ("pct_mvc", "glute_ham"):
            d = d[d["trial"].astype(str).str.startswith("slb")]
        for (trial, muscle, side), g in d.groupby(["trial", "muscle", "side"], sort=False):
            xs = [x_of[s] for s in g["session"]]
            colour = _SIDE.get(str(side), "#444444")
            marker = _MARK.get(str(muscle), "o")
            label = " ".join(str(v) for v in (muscle, side) if v) or str(trial)
            ax.plot(xs, g["value"], "-", color=colour, alpha=0.6, lw=1)
            ax.errorbar(
                xs, g["value"], yerr=1.96 * g["se"].fillna(0), fmt="none", ecolor=colour, alpha=0.4
            )
            for xi, v, m in zip(xs, g["value"], g["meaningful"], strict=True):
                ax.plot([xi], [v], marker, color=colour, mfc=colour if m else "white", ms=7)
            ax.plot([], [], marker + "-", color=colour, mfc="white", label=label)
        if metric == "symmetry_angle":
            ax.axhline(0.0, color="k", lw=0.8)
        if metric == "glute_ham":
            ax.axhline(1.0, color="k", lw=0.8, ls=":")
        ax.set_title(title, fontsize=10)
        ax.set_xticks(range(len(sessions)), sessions, rotation=30, fontsize=8)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7, ncols=2)
    fig.suptitle("Trends across sessions (filled marker: change beyond the person's own noise)")
    if save is not None:
        fig.savefig(save)
    return fig
