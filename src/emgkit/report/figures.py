"""Figures drawn from a recording's envelopes and analysis results (matplotlib).

No I/O besides the optional ``save`` path.
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
    "minmax_decimate",
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
    """Grouped bars of mean %MVC per trial, muscle and side (left vs right).

    Parameters
    ----------
    result : BridgeResult
        Analysis result; its ``summary`` table (``trial``, ``muscle``, ``side``, ``pct_mvc``)
        is averaged over reps.
    save : path, optional
        When given, the figure is also written there (format from the suffix, 110 dpi).

    Returns
    -------
    matplotlib.figure.Figure
        The figure (not shown, not closed).
    """
    s = result.summary
    trials = list(dict.fromkeys(s["trial"]))
    muscles = list(dict.fromkeys(s["muscle"]))
    size = (max(6.0, 1.3 * len(trials) * len(muscles) / 2), 3.8)
    bottom = _label_inches([str(t) for t in trials], 8) * 0.34 + 0.3  # labels turned 20 deg
    fig, axes = _grid(1, 1, size, margins=(0.65, 0.1, 0.3, bottom, 0.0, 0.0))
    ax = axes[0, 0]
    width = 0.8 / (2 * len(muscles))
    x = np.arange(len(trials))
    mean = s.groupby(["trial", "muscle", "side"], sort=False)["pct_mvc"].mean().to_dict()
    for mi, muscle in enumerate(muscles):
        colour = _MUSCLE_COLOURS.get(str(muscle), "#555555")
        for si, side in enumerate(("left", "right")):
            vals = [float(mean.get((tr, muscle, side), np.nan)) for tr in trials]
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
    margins: tuple[float, float, float, float, float, float] | None = None,
):
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained" if margins is None else None)
    axes = fig.subplots(nrows, ncols, squeeze=False, sharey=sharey)
    if margins is not None:
        _fixed_layout(fig, nrows, ncols, *margins)
    return fig, axes


def _fixed_layout(
    fig: Figure,
    nrows: int,
    ncols: int,
    left: float,
    right: float,
    top: float,
    bottom: float,
    wspace: float,
    hspace: float,
) -> None:
    """Place a grid of axes with fixed margins and gaps in inches.

    No layout engine: the constrained layout measured every tick label of every axes again at
    each draw and was most of the drawing time of the small-multiple figures.
    """
    w, h = (float(x) for x in fig.get_size_inches())
    aw = max((w - left - right - (ncols - 1) * wspace) / ncols, 0.1)
    ah = max((h - top - bottom - (nrows - 1) * hspace) / nrows, 0.1)
    fig.subplots_adjust(
        left=left / w,
        right=1 - right / w,
        top=1 - top / h,
        bottom=bottom / h,
        wspace=wspace / aw,
        hspace=hspace / ah,
    )


def _label_inches(labels: list[str], fontsize: float) -> float:
    """Generous width (inches) of the longest of ``labels`` at ``fontsize`` points."""
    return max((len(t) for t in labels), default=0) * fontsize * 0.62 / 72.0


def minmax_decimate(
    t: npt.NDArray[np.float64], y: npt.NDArray[np.float64], columns: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Reduce a trace to the lowest and the highest sample of each of ``columns`` columns.

    Every point kept is a real sample, in time order, and the extremes of each column are
    kept, so a line drawn at that many pixel columns looks the same as the full trace and no
    peak is dropped (block means would flatten them). Columns that are all NaN stay NaN (a
    gap stays a gap).

    Parameters
    ----------
    t, y : ndarray (n,)
        Times and values.
    columns : int
        Pixel columns the trace is drawn over.

    Returns
    -------
    t, y : ndarray
        At most ``2 * columns`` points (the input itself when it is not longer).
    """
    n = y.size
    if columns < 1 or n <= 2 * columns:
        return t, y
    step = -(-n // columns)
    nb = -(-n // step)
    pad = nb * step - n
    yy = np.concatenate([y, np.full(pad, np.nan)]).reshape(nb, step)
    nan = np.isnan(yy)
    i_lo = np.where(nan, np.inf, yy).argmin(axis=1)
    i_hi = np.where(nan, -np.inf, yy).argmax(axis=1)
    first = np.minimum(i_lo, i_hi) + np.arange(nb) * step
    second = np.maximum(i_lo, i_hi) + np.arange(nb) * step
    idx = np.column_stack([first, second]).ravel()
    idx = np.minimum(idx, n - 1)
    out_y = y[idx].astype(float)
    all_nan = np.repeat(nan.all(axis=1), 2)
    out_y[all_nan] = np.nan
    return t[idx], out_y


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
    columns: int | None = None,
) -> Figure:
    """Every bridge trial side by side, one row per muscle, left vs right envelopes.

    Each row is one axes: the trials follow each other along x, separated by a gap and a
    line, each named at the top, with time ticks counted from that trial's start; holds are
    shaded. One axes per muscle instead of one per trial and muscle: the same picture at a
    sixth of the drawing cost. Envelopes are drawn in %MVC when ``mvc_uv`` has a positive value
    for the channel, else in microvolts.

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
    columns : int, optional
        Pixel columns per row: each trace keeps the lowest and highest sample of each column
        (:func:`minmax_decimate`, so no peak is dropped). Default: 100 per inch of axes width,
        finer than the HTML (about 90 px per inch) and the PDF show it.
    """
    from matplotlib.collections import PolyCollection
    from matplotlib.transforms import blended_transform_factory

    trials = task_trials(rec) if trials is None else trials
    muscles = [m for m in dict.fromkeys(c.muscle for c in rec.channels) if m is not None]
    nr = max(1, len(muscles))
    unit = "%MVC" if mvc_uv else "uV"
    trial_ev = {e.trial: e for e in rec.events_for(label="trial")}
    spans = []  # (trial, i0, i1) in samples
    for trial in trials:
        ev = trial_ev.get(trial)
        if ev is None:
            continue
        i0 = max(0, round(ev.onset * rec.fs))
        i1 = min(rec.n_samples, round(ev.offset * rec.fs))
        if i1 > i0:
            spans.append((trial, ev.onset, i0, i1))
    total = sum(i1 - i0 for _, _, i0, i1 in spans) / rec.fs
    gap = 0.06 * total / max(1, len(spans) - 1) if len(spans) > 1 else 0.0
    width = max(6.0, 2.0 * max(1, len(spans)))
    left, right = 0.7, 0.1
    fig, axes = _grid(
        nr, 1, (width, 1.5 * nr + 0.8), sharey=False, margins=(left, right, 0.6, 0.45, 0, 0.2)
    )
    for ax in axes[1:, 0]:
        ax.sharex(axes[0, 0])
    if columns is None:
        columns = round(100 * (width - left - right))
    holds = rec.events_for(label="hold")
    ticks: list[float] = []
    labels: list[str] = []
    x0 = 0.0
    offsets = []
    for trial, onset, i0, i1 in spans:
        dur = (i1 - i0) / rec.fs
        offsets.append((trial, onset, i0, i1, x0, dur))
        step = 10.0 if dur > 12 else 5.0
        for k in np.arange(0.0, dur + 1e-9, step):
            ticks.append(x0 + float(k))
            labels.append(f"{k:g}")
        x0 += dur + gap
    shade = [
        (xs + h.onset - onset, xs + h.offset - onset)
        for trial, onset, _i0, _i1, xs, _dur in offsets
        for h in holds
        if h.trial == trial
    ]
    seps = [xs - gap / 2 for _t, _o, _i0, _i1, xs, _d in offsets if xs > 0]
    for i, muscle in enumerate(muscles):
        ax = axes[i, 0]
        band = ax.get_xaxis_transform()  # x in data, y in axes fraction
        ax.add_collection(
            PolyCollection(
                [[(a, 0), (b, 0), (b, 1), (a, 1)] for a, b in shade],
                facecolors="#eeeeee",
                linewidths=0,
                transform=band,
            ),
            autolim=False,
        )
        if seps:
            ax.vlines(seps, 0, 1, colors="#999999", lw=0.6, transform=band)
        for ci, ch in enumerate(rec.channels):
            if ch.muscle != muscle:
                continue
            scale = (mvc_uv or {}).get(ch.name, np.nan)
            ts: list[npt.NDArray[np.float64]] = []
            ys: list[npt.NDArray[np.float64]] = []
            brk = np.full(1, np.nan)
            for _trial, _onset, i0, i1, xs, _dur in offsets:
                y = np.asarray(envelope[i0:i1, ci], dtype=float)
                if np.isfinite(scale) and scale > 0:
                    y = y / scale * 100.0
                t = xs + np.arange(i1 - i0) / rec.fs
                td, yd = minmax_decimate(t, y, max(1, round(columns * (i1 - i0) / rec.fs / x0)))
                ts += [td, brk]
                ys += [yd, brk]  # a break between trials
            if ts:
                ax.plot(
                    np.concatenate(ts),
                    np.concatenate(ys),
                    lw=0.7,
                    color=_SIDE_COLOURS.get(ch.side or "", "k"),
                    label=ch.side,
                )
        ax.set_xlim(0, max(x0 - gap, 1e-3))
        ax.set_ylim(bottom=0)
        ax.tick_params(labelsize=7)
        ax.set_ylabel(f"{_short(muscle)}\n({unit})", fontsize=8)
        ax.set_xticks(ticks, labels if i == nr - 1 else [])
    top = axes[0, 0]
    tr = blended_transform_factory(top.transData, top.transAxes)
    for trial, _onset, _i0, _i1, xs, dur in offsets:
        top.text(xs + dur / 2, 1.03, trial, transform=tr, ha="center", va="bottom", fontsize=8)
    # no legend: the title names the colours (a figure legend overlapped the title when the
    # figure is narrow, three trials or fewer)
    axes[-1, 0].set_xlabel("s from each trial's start (trials side by side)", fontsize=7)
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
    bottom = _label_inches([str(t) for t in trials], 7) * 0.34 + 0.25  # labels turned 20 deg
    fig, axes = _grid(1, 2, (10.0, 3.4), margins=(0.45, 0.1, 0.3, bottom, 0.5, 0.0))
    x = np.arange(len(trials))
    for ax, col, title in zip(
        axes[0],
        ("glute_ham", "glute_erector"),
        ("glute : hamstring", "glute : erector"),
        strict=True,
    ):
        groups = {k: g[col].to_numpy(dtype=float) for k, g in r.groupby(["trial", "side"])}
        for si, side in enumerate(("left", "right")):
            off = (si - 0.5) * 0.38
            means = []
            dots_x: list[float] = []
            dots_y: list[float] = []
            for k, tr in enumerate(trials):
                v = groups.get((tr, side), np.zeros(0))
                v = v[np.isfinite(v)]
                means.append(float(v.mean()) if v.size else np.nan)
                dots_x += [k + off] * v.size
                dots_y += v.tolist()
            ax.plot(dots_x, dots_y, "o", ms=2.5, color="k", zorder=3)  # one artist per side
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
    labels = [f"{r.comparison}: {_short(r.muscle)}" for r in s.itertuples()]
    left = _label_inches(labels, 7) + 0.15
    fig, axes = _grid(1, 1, (8.0, 0.28 * n + 1.2), margins=(left, 0.15, 0.3, 0.5, 0.0, 0.0))
    ax = axes[0, 0]
    y = np.arange(len(s))[::-1]
    from matplotlib.colors import to_rgba

    thr = s["threshold"].to_numpy(dtype=float)
    ax.barh(y, 2 * thr, 0.9, left=-thr, color="#dddddd", lw=0)  # the bands, one call
    colours = [_MUSCLE_COLOURS.get(str(m), "#555555") for m in s["muscle"]]
    fills = [
        to_rgba(c, 1.0 if bool(mf) else 0.3) for c, mf in zip(colours, s["meaningful"], strict=True)
    ]
    ax.barh(y, s["symmetry_angle"].to_numpy(dtype=float), 0.6, color=fills, edgecolor=colours)
    ax.axvline(0, color="k", lw=0.8)
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


def plot_onset_timeline(result: BridgeResult, max_cols: int = 2) -> Figure:
    """Onset latency relative to movement onset, per trial; channels ordered by mean latency.

    Dots are reps, the bar is the mean; the vertical line is movement onset (the rep marker).
    The trials are blocks of rows (named above each block) in ``max_cols`` panels on one
    shared time axis, so latencies compare across trials at a glance.

    Parameters
    ----------
    result : BridgeResult
        Analysis result; its ``reps`` table gives each rep's onset latency (``latency_s``,
        drawn in ms) per channel.
    max_cols : int
        Largest number of side-by-side panels (the trials are shared among them).

    Returns
    -------
    matplotlib.figure.Figure
        The figure (not shown, not closed).
    """
    reps = result.reps
    trials = list(dict.fromkeys(reps["trial"]))
    nc = min(max_cols, max(1, len(trials)))
    per = int(np.ceil(max(1, len(trials)) / nc))  # trials per panel
    names = [str(c) for c in dict.fromkeys(reps["channel"])]
    n_ch = max(1, len(names))
    rows = per * (n_ch + 1)
    left = _label_inches(names, 7) + 0.15
    fig, axes = _grid(
        1, nc, (5.0 * nc, 0.13 * rows + 1.0), margins=(left, 0.15, 0.45, 0.45, left, 0.0)
    )
    for ax in axes[0, 1:]:
        ax.sharex(axes[0, 0])
    for p in range(nc):
        ax = axes[0, p]
        ticks: list[float] = []
        labels: list[str] = []
        marks: dict[str, tuple[list[float], list[float], list[float], list[float]]] = {}
        top = rows - 0.5
        for trial in trials[p * per : (p + 1) * per]:
            g = reps[reps.trial == trial]
            means = g.groupby("channel", sort=False)["latency_s"].mean() * 1000.0
            order = means.sort_values(na_position="last").index.tolist()
            ax.text(
                0.01,
                top - 0.5,
                trial,
                transform=ax.get_yaxis_transform(),
                fontsize=7.5,
                fontweight="bold",
                va="center",
            )
            by_chan = {c: gc for c, gc in g.groupby("channel", sort=False)}
            for k, chan in enumerate(order):
                yi = top - 1.5 - k
                gc = by_chan[chan]
                colour = _MUSCLE_COLOURS.get(str(gc["muscle"].iloc[0]), "#555555")
                lat = gc["latency_s"].to_numpy(dtype=float) * 1000.0
                dx, dy, bx, by = marks.setdefault(colour, ([], [], [], []))
                dx += lat.tolist()
                dy += [yi] * lat.size
                m = float(means[chan])
                if np.isfinite(m):  # the mean: a short vertical bar (NaN-separated segments)
                    bx += [m, m, np.nan]
                    by += [yi - 0.35, yi + 0.35, np.nan]
                ticks.append(yi)
                labels.append(str(chan))
            top -= n_ch + 1
            ax.axhline(top + 0.5, color="#cccccc", lw=0.6)
        for colour, (dx, dy, bx, by) in marks.items():  # two artists per muscle colour
            ax.plot(dx, dy, "o", ms=2.5, color=colour)
            ax.plot(bx, by, color=colour, lw=2)
        ax.axvline(0, color="k", lw=0.8, ls="--")
        ax.set_yticks(ticks, labels, fontsize=6.5)
        ax.set_ylim(-0.5, rows - 0.5)
        ax.tick_params(labelsize=7)
        ax.set_xlabel("ms from movement onset (dashed line)", fontsize=7)
    fig.suptitle(
        "Onset timeline per trial (earliest at top; dots = reps, bar = mean): hamstrings/erector "
        "before glute max is the usual healthy order",
        fontsize=9,
    )
    return fig
