"""Figures drawn from a recording's envelopes and analysis results (matplotlib, no I/O besides
the optional ``save`` path).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt

from emgkit.muscles import display_name
from emgkit.recording import Recording

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from emgkit.analysis.bridge import BridgeResult

__all__ = [
    "plot_envelopes",
    "plot_onset_timeline",
    "plot_pct_mvc",
    "plot_ratios",
    "plot_symmetry",
    "plot_trial_envelopes",
    "task_trials",
]

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
                color=colour,
                alpha=1.0 if side == "right" else 0.35,
                edgecolor=colour,
                label=f"{str(muscle).replace('_', ' ')} {side}",
            )
    ax.set_xticks(x, trials, rotation=20, ha="right", fontsize=8)
    ax.set_ylabel("%MVC (mean over reps)")
    ax.set_title("Mean %MVC per trial: pale = left, solid = right", fontsize=9)
    ax.legend(ncols=len(muscles), fontsize=7, frameon=False)
    if save is not None:
        fig.savefig(save, dpi=110, metadata=_metadata(save))
    return fig


# ---------------------------------------------------------------------------- report figures
def _short(muscle: object) -> str:
    return display_name(muscle)


def _grid(  # type: ignore[no-untyped-def]
    nrows: int,
    ncols: int,
    figsize: tuple[float, float],
    sharey: Literal["none", "all", "row", "col"] | bool = False,
):
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, sharey=sharey)
    return fig, axes


def task_trials(rec: Recording) -> list[str]:
    """Ids of the bridge trials of ``rec`` (trial events that are not MVC or rest), in order."""
    out = []
    for ev in rec.events_for(label="trial"):
        t = ev.trial
        if not t or t.startswith(("mvc", "rest")) or t in out:
            continue
        out.append(t)
    return out


def plot_trial_envelopes(
    rec: Recording,
    envelope: npt.NDArray[np.float64],
    mvc_uv: dict[str, float] | None = None,
    trials: list[str] | None = None,
    points: int = 400,
) -> Figure:
    """Small multiples: one column per trial, one row per muscle, left vs right envelopes.

    Time is relative to the trial's start; holds are shaded. Envelopes are drawn in %MVC when
    ``mvc_uv`` has a positive value for the channel, else in microvolts.

    Parameters
    ----------
    rec : Recording
        Channels, events and time base (same columns as ``envelope``).
    envelope : ndarray (n_samples, n_channels)
        RMS envelope in microvolts.
    mvc_uv : dict, optional
        Channel name -> MVC amplitude (uV).
    trials : list of str, optional
        Trial ids to draw (default: every bridge trial, see :func:`task_trials`).
    points : int
        Each trace is reduced to about this many block means.
    """
    trials = task_trials(rec) if trials is None else trials
    muscles = [m for m in dict.fromkeys(c.muscle for c in rec.channels) if m is not None]
    nr, nc = max(1, len(muscles)), max(1, len(trials))
    fig, axes = _grid(nr, nc, (max(6.0, 2.0 * nc), 1.5 * nr + 0.8), sharey="row")
    trial_ev = {e.trial: e for e in rec.events_for(label="trial")}
    holds = rec.events_for(label="hold")
    for j, trial in enumerate(trials):
        ev = trial_ev.get(trial)
        if ev is None:
            continue
        i0 = max(0, round(ev.onset * rec.fs))
        i1 = min(rec.n_samples, round(ev.offset * rec.fs))
        step = max(1, (i1 - i0) // points)
        nb = (i1 - i0) // step
        t = (np.arange(nb) * step + step / 2) / rec.fs
        for i, muscle in enumerate(muscles):
            ax = axes[i, j]
            for h in holds:
                if h.trial == trial:
                    ax.axvspan(h.onset - ev.onset, h.offset - ev.onset, color="#eeeeee", lw=0)
            for ci, ch in enumerate(rec.channels):
                if ch.muscle != muscle or nb == 0:
                    continue
                seg = envelope[i0 : i0 + nb * step, ci].reshape(nb, step)
                with np.errstate(invalid="ignore"), _quiet():
                    y = np.nanmean(seg, axis=1)
                scale = (mvc_uv or {}).get(ch.name, np.nan)
                if np.isfinite(scale) and scale > 0:
                    y = y / scale * 100.0
                ax.plot(t, y, lw=0.8, color=_SIDE_COLOURS.get(ch.side or "", "k"), label=ch.side)
            ax.margins(x=0)
            ax.tick_params(labelsize=7)
            if i == 0:
                ax.set_title(trial, fontsize=8)
            if j == 0:
                unit = "%MVC" if mvc_uv else "uV"
                ax.set_ylabel(f"{_short(muscle)}\n({unit})", fontsize=8)
            if i == nr - 1:
                ax.set_xlabel("s from trial start", fontsize=7)
    axes[0, -1].legend(fontsize=7, frameon=False, loc="upper right")
    fig.suptitle(
        "RMS envelopes per bridge trial: left (blue) vs right (red); holds shaded", fontsize=9
    )
    return fig


class _quiet:
    """Silence numpy's RuntimeWarnings (all-NaN slices) inside a block."""

    def __enter__(self) -> None:
        import warnings

        self._cm = warnings.catch_warnings()
        self._cm.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)

    def __exit__(self, *exc: object) -> None:
        self._cm.__exit__(None, None, None)


def plot_ratios(result: BridgeResult) -> Figure:
    """Glute:hamstring and glute:erector %MVC ratios per trial and side (mean bar, rep dots).

    Single-leg trials show the working (stance) side only. A dashed line marks a ratio of 1.
    """
    r = result.ratios
    keep = (r["task"] != "single_leg_bridge") | (r["side"] == r["side_task"])
    r = r[keep]
    order = list(dict.fromkeys(result.summary["trial"])) if not result.summary.empty else []
    trials = [t for t in order if t in set(r["trial"])]
    trials += [t for t in dict.fromkeys(r["trial"]) if t not in trials]
    fig, axes = _grid(1, 2, (10.0, 3.4))
    x = np.arange(len(trials))
    for ax, col, title in zip(
        axes[0],
        ("glute_ham", "glute_erector"),
        ("glute : hamstring", "glute : erector"),
        strict=True,
    ):
        for si, side in enumerate(("left", "right")):
            off = (si - 0.5) * 0.38
            means = []
            for k, tr in enumerate(trials):
                v = r[(r.trial == tr) & (r.side == side)][col].to_numpy(dtype=float)
                v = v[np.isfinite(v)]
                means.append(float(v.mean()) if v.size else np.nan)
                ax.plot(np.full(v.size, k + off), v, "o", ms=2.5, color="k", zorder=3)
            ax.bar(
                x + off,
                means,
                0.36,
                color=_SIDE_COLOURS[side],
                alpha=0.75,
                label=side,
            )
        ax.axhline(1.0, color="k", lw=0.8, ls="--")
        ax.set_xticks(x, trials, rotation=20, ha="right", fontsize=7)
        ax.set_title(f"{title} (%MVC ratio)", fontsize=9)
        ax.tick_params(labelsize=7)
    axes[0, 0].legend(fontsize=7, frameon=False)
    return fig


def plot_symmetry(result: BridgeResult) -> Figure:
    """Left/right symmetry angle per comparison and muscle, with the meaningful-change band.

    The grey band is +/- the threshold (max of the person's own MDC and the asymmetry floor);
    bars outside it are drawn solid, bars inside it pale. Positive = right larger.
    """
    s = result.symmetry
    n = max(1, len(s))
    fig, axes = _grid(1, 1, (8.0, 0.28 * n + 1.2))
    ax = axes[0, 0]
    y = np.arange(len(s))[::-1]
    for yi, (_, row) in zip(y, s.iterrows(), strict=True):
        thr = float(row["threshold"])
        ax.fill_betweenx([yi - 0.45, yi + 0.45], -thr, thr, color="#dddddd", lw=0)
        colour = _MUSCLE_COLOURS.get(str(row["muscle"]), "#555555")
        meaningful = bool(row["meaningful"])
        ax.barh(
            yi,
            float(row["symmetry_angle"]),
            0.6,
            color=colour,
            alpha=1.0 if meaningful else 0.3,
            edgecolor=colour,
        )
    ax.axvline(0, color="k", lw=0.8)
    labels = [f"{r.comparison}: {_short(r.muscle)}" for r in s.itertuples()]
    ax.set_yticks(y, labels, fontsize=7)
    ax.set_xlabel("symmetry angle (%): negative = left larger, positive = right larger", fontsize=8)
    ax.set_title(
        "Left/right symmetry: grey band = meaningful-change threshold; solid = beyond it",
        fontsize=9,
    )
    ax.tick_params(labelsize=7)
    lim = float(np.nanmax(np.abs(np.r_[s["symmetry_angle"], s["threshold"], 10.0]))) * 1.1
    ax.set_xlim(-lim, lim)
    return fig


def plot_onset_timeline(result: BridgeResult, max_cols: int = 3) -> Figure:
    """Onset latency relative to movement onset, per trial; channels ordered by mean latency.

    Dots are reps, the bar is the mean; the vertical line is movement onset (the rep marker).
    """
    reps = result.reps
    trials = list(dict.fromkeys(reps["trial"]))
    nc = min(max_cols, max(1, len(trials)))
    nr = int(np.ceil(max(1, len(trials)) / nc))
    fig, axes = _grid(nr, nc, (3.4 * nc, 2.0 * nr + 0.6), sharey=False)
    for k in range(nr * nc):
        ax = axes[k // nc, k % nc]
        if k >= len(trials):
            ax.set_axis_off()
            continue
        g = reps[reps.trial == trials[k]]
        means = g.groupby("channel", sort=False)["latency_s"].mean() * 1000.0
        order = means.sort_values(na_position="last").index.tolist()
        for yi, chan in enumerate(order[::-1]):
            gc = g[g.channel == chan]
            colour = _MUSCLE_COLOURS.get(str(gc["muscle"].iloc[0]), "#555555")
            lat = gc["latency_s"].to_numpy(dtype=float) * 1000.0
            ax.plot(lat, np.full(lat.size, yi), "o", ms=3, color=colour, alpha=0.7)
            m = float(means[chan])
            if np.isfinite(m):
                ax.plot([m, m], [yi - 0.3, yi + 0.3], color=colour, lw=2)
        ax.axvline(0, color="k", lw=0.8, ls="--")
        ax.set_yticks(np.arange(len(order)), order[::-1], fontsize=7)
        ax.set_title(trials[k], fontsize=8)
        ax.tick_params(labelsize=7)
        ax.set_xlabel("ms from movement onset", fontsize=7)
    fig.suptitle(
        "Onset timeline (earliest at top): hamstrings/erector before glute max is the usual "
        "healthy order",
        fontsize=9,
    )
    return fig
