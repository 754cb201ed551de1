"""Figures drawn from a recording's envelopes and analysis results (matplotlib, no I/O besides
the optional ``save`` path).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from emgkit.recording import Recording

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from emgkit.analysis.bridge import BridgeResult

__all__ = ["plot_envelopes", "plot_pct_mvc"]

_SIDE_COLOURS = {"left": "#1f77b4", "right": "#d62728"}
_MUSCLE_COLOURS = {
    "glute_max": "#6a3d9a",
    "hamstrings": "#e66101",
    "biceps_femoris": "#e66101",
    "semitendinosus": "#fdb863",
    "erector_spinae": "#1b7837",
    "multifidus": "#5aae61",
}
_TRIAL_COLOURS = {
    "mvc": "#dddddd",
    "single_leg_bridge": "#fde0c5",
    "double_leg_bridge": "#d8ecd8",
    "rest": "#f4f4f4",
}


def _figure(figsize: tuple[float, float], nrows: int = 1) -> tuple[Figure, list]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    axes = [fig.add_subplot(nrows, 1, i + 1) for i in range(nrows)]
    return fig, axes


def plot_envelopes(
    rec: Recording,
    envelope: npt.NDArray[np.float64],
    mvc_uv: dict[str, float] | None = None,
    save: str | Path | None = None,
    max_points: int = 6000,
) -> Figure:
    """Envelopes per muscle, left vs right, over the whole session, trials shaded.

    Parameters
    ----------
    rec : Recording
        Source of channels, events and time base.
    envelope : ndarray (n_samples, n_channels)
        RMS envelope in microvolts, same columns as ``rec``.
    mvc_uv : dict, optional
        Channel name -> MVC amplitude; when given, envelopes are drawn in %MVC.
    save : path, optional
        Write the figure (PNG/SVG/PDF by extension).
    max_points : int
        Envelopes are decimated (max of each block) to at most this many points for drawing.
    """
    muscles = [m for m in dict.fromkeys(c.muscle for c in rec.channels) if m is not None]
    fig, axes = _figure((11, 2.2 * max(1, len(muscles)) + 0.6), max(1, len(muscles)))
    step = max(1, rec.n_samples // max_points)
    n_blocks = rec.n_samples // step
    t = (np.arange(n_blocks) * step + step / 2) / rec.fs
    trials = rec.events_for(label="trial")
    for ax, muscle in zip(axes, muscles, strict=False):
        for ev in trials:
            kind = next((k for k in _TRIAL_COLOURS if ev.trial.startswith(_prefix(k))), None)
            ax.axvspan(ev.onset, ev.offset, color=_TRIAL_COLOURS.get(kind or "", "#f7f7f7"), lw=0)
        for ci, ch in enumerate(rec.channels):
            if ch.muscle != muscle:
                continue
            y = envelope[: n_blocks * step, ci].reshape(n_blocks, step)
            with np.errstate(invalid="ignore"):
                yb = np.nanmax(y, axis=1) if np.isfinite(y).any() else np.full(n_blocks, np.nan)
            unit = "uV"
            if mvc_uv and np.isfinite(mvc_uv.get(ch.name, np.nan)) and mvc_uv[ch.name] > 0:
                yb = yb / mvc_uv[ch.name] * 100.0
                unit = "%MVC"
            ax.plot(t, yb, lw=0.8, color=_SIDE_COLOURS.get(ch.side or "", "k"), label=f"{ch.side}")
            ax.set_ylabel(f"{muscle.replace('_', ' ')}\n({unit})")
        ax.legend(loc="upper right", fontsize=8, frameon=False)
        ax.margins(x=0)
    axes[-1].set_xlabel("time (s)")
    axes[0].set_title(
        f"RMS envelopes, subject {rec.info.subject}: shaded = MVC (grey), single-leg (orange), "
        "double-leg (green) trials",
        fontsize=9,
    )
    if save is not None:
        fig.savefig(save, dpi=110, metadata=_metadata(save))
    return fig


def _prefix(kind: str) -> str:
    return {"single_leg_bridge": "slb", "double_leg_bridge": "dlb"}.get(kind, kind)


def _metadata(path: str | Path) -> dict[str, str | None]:
    ext = Path(path).suffix.lower()
    if ext == ".pdf":
        return {"CreationDate": None}
    if ext == ".svg":
        return {"Date": None}
    return {}


def plot_pct_mvc(result: BridgeResult, save: str | Path | None = None) -> Figure:
    """Grouped bars of mean %MVC per trial, muscle and side (left vs right)."""
    s = result.summary
    trials = list(dict.fromkeys(s["trial"]))
    muscles = list(dict.fromkeys(s["muscle"]))
    fig, (ax,) = _figure((max(6.0, 1.3 * len(trials) * len(muscles) / 2), 3.8))
    width = 0.8 / (2 * len(muscles))
    x = np.arange(len(trials))
    for mi, muscle in enumerate(muscles):
        colour = _MUSCLE_COLOURS.get(str(muscle), "#555555")
        for si, side in enumerate(("left", "right")):
            vals = [
                float(
                    s[(s.trial == tr) & (s.muscle == muscle) & (s.side == side)]["pct_mvc"].mean()
                )
                for tr in trials
            ]
            off = (2 * mi + si - len(muscles) + 0.5) * width
            ax.bar(
                x + off,
                vals,
                width,
                color=colour if side == "right" else "white",
                edgecolor=colour,
                hatch="" if side == "right" else "////",
                label=f"{str(muscle).replace('_', ' ')} {side}",
            )
    ax.set_xticks(x, trials, rotation=20, ha="right", fontsize=8)
    ax.set_ylabel("%MVC (mean over reps)")
    ax.set_title("Mean %MVC per trial: hatched = left, solid = right", fontsize=9)
    ax.legend(ncols=len(muscles), fontsize=7, frameon=False)
    if save is not None:
        fig.savefig(save, dpi=110, metadata=_metadata(save))
    return fig
