"""Trial markers for recordings made without them (OpenBCI GUI files, CSV from other systems).

A marker table is a CSV or TSV file with a header and one row per rep (hold) of a protocol
trial::

    trial,start,end
    rest,2.0,12.0
    mvc_glute_max_prone_left,20.5,25.5
    slb_left,130.0,140.0
    slb_left,146.0,156.0

``start`` and ``end`` are seconds from the first sample; rows with the same ``trial`` are the
reps of that trial, in time order. Optional columns: ``hold_start`` and ``hold_end`` (the steady
part of the rep when it differs from start-end) and ``pain`` (0-10, asked after the trial).
:func:`attach_markers` turns the rows into the "trial", "rep", "hold" and "pain" events an
emgkit session file carries, so the analysis, report and batch run as on a recorded session.

:func:`auto_marker_table` writes the automatic segmentation (:mod:`emgkit.analysis.segment`)
as such a table, with ``auto_<n>`` trial ids for the user to rename to protocol trials after
looking at the review figure (:func:`plot_marker_review`).
"""

from __future__ import annotations

import csv
import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from emgkit.errors import ConfigError, FormatError
from emgkit.recording import Event

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from emgkit.protocol import Protocol
    from emgkit.recording import Recording

__all__ = [
    "MarkerRow",
    "attach_markers",
    "auto_marker_table",
    "plot_marker_review",
    "read_marker_table",
    "write_marker_table",
]

_TRIAL_LABELS = ("trial", "rep", "hold")


@dataclass(frozen=True, slots=True)
class MarkerRow:
    """One rep of a trial: its span, its steady hold, and an optional pain rating."""

    trial: str
    start: float
    end: float
    hold_start: float
    hold_end: float
    pain: str = ""


def _num(text: str, what: str, line: int, path: Path) -> float:
    try:
        x = float(text)
    except ValueError:
        raise FormatError(
            f"{path}, line {line}: {what} {text!r} is not a number (seconds)"
        ) from None
    if x != x or x in (float("inf"), float("-inf")):
        raise FormatError(f"{path}, line {line}: {what} must be a finite number of seconds")
    return x


def read_marker_table(path: str | Path) -> list[MarkerRow]:
    """Read a marker table (CSV or TSV, header ``trial,start,end``; see the module docstring).

    Parameters
    ----------
    path : path
        The table. The delimiter (comma, tab or semicolon) is detected from the header.

    Returns
    -------
    list of MarkerRow
        In file order.

    Raises
    ------
    FormatError
        Missing columns, a non-numeric time, ``end`` not after ``start``, or a hold outside
        its rep.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise FormatError(f"cannot read the marker table {p}: {exc.strerror or exc}") from None
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise FormatError(f"{p}: the marker table is empty (expected a header trial,start,end)")
    delim = max("\t,;", key=lines[0].count)
    reader = csv.DictReader(lines, delimiter=delim)
    cols = {c.strip().lower(): c for c in (reader.fieldnames or [])}
    missing = [c for c in ("trial", "start", "end") if c not in cols]
    if missing:
        raise FormatError(
            f"{p}: the marker table needs the columns trial, start, end (seconds); missing "
            + ", ".join(missing)
        )
    rows: list[MarkerRow] = []
    for i, r in enumerate(reader, start=2):
        trial = (r.get(cols["trial"]) or "").strip()
        if not trial:
            raise FormatError(f"{p}, line {i}: empty trial id")
        start = _num((r.get(cols["start"]) or "").strip(), "start", i, p)
        end = _num((r.get(cols["end"]) or "").strip(), "end", i, p)
        if end <= start:
            raise FormatError(f"{p}, line {i}: end ({end:g} s) must be after start ({start:g} s)")
        hs, he = start, end
        if "hold_start" in cols and (r.get(cols["hold_start"]) or "").strip():
            hs = _num(r[cols["hold_start"]].strip(), "hold_start", i, p)
        if "hold_end" in cols and (r.get(cols["hold_end"]) or "").strip():
            he = _num(r[cols["hold_end"]].strip(), "hold_end", i, p)
        if not (start <= hs < he <= end):
            raise FormatError(f"{p}, line {i}: the hold {hs:g}-{he:g} s must lie inside the rep")
        pain = (r.get(cols["pain"]) or "").strip() if "pain" in cols else ""
        rows.append(MarkerRow(trial, start, end, hs, he, pain))
    if not rows:
        raise FormatError(f"{p}: the marker table has a header but no rows")
    return rows


def attach_markers(
    rec: Recording,
    rows: list[MarkerRow],
    protocol: Protocol | str | None = "bridge",
    *,
    replace: bool = False,
) -> Recording:
    """A copy of ``rec`` with the trial, rep, hold and pain events of ``rows``.

    A rest trial (the protocol's ``task = "rest"``) becomes a "trial" event only (the baseline);
    every other row becomes a "rep" and a "hold" of its trial, numbered in time order.

    Parameters
    ----------
    rec : Recording
        The recording (its existing non-trial events, e.g. "marker", are kept).
    rows : list of MarkerRow
        From :func:`read_marker_table`.
    protocol : Protocol or str or None
        Trial ids are checked against it (default the bridge protocol); ``auto_<n>`` ids are
        accepted (unlabelled trials); None skips the check.
    replace : bool
        Replace trial/rep/hold/pain events already in the file (default: refuse).

    Returns
    -------
    Recording

    Raises
    ------
    ConfigError
        A trial id the protocol does not know, a time outside the recording, overlapping reps,
        or existing markers without ``replace``.
    """
    existing = [e for e in rec.events if e.label in (*_TRIAL_LABELS, "pain")]
    if existing and not replace:
        raise ConfigError(
            f"the recording already has {len(existing)} trial/rep/hold/pain markers; "
            "pass replace=True (CLI: --replace) to overwrite them"
        )
    rest_ids = {"rest"}
    if protocol is not None:
        from emgkit.protocol import load_protocol

        proto = load_protocol(protocol) if isinstance(protocol, str) else protocol
        known = {t.id for t in proto.expanded()}
        rest_ids |= {t.id for t in proto.expanded() if t.task == "rest"}
        unknown = sorted({r.trial for r in rows} - known)
        unknown = [t for t in unknown if not t.startswith("auto_")]
        if unknown:
            raise ConfigError(
                f"trial id(s) {', '.join(unknown)} are not in the protocol {proto.name!r}; "
                f"use one of: {', '.join(sorted(known))}"
            )
    dur = rec.duration
    for r in rows:
        if r.start < 0 or r.end > dur + 1e-9:
            raise ConfigError(
                f"trial {r.trial}: {r.start:g}-{r.end:g} s lies outside the recording "
                f"(0-{dur:.3f} s)"
            )
    ordered = sorted(rows, key=lambda r: r.start)
    for a, b in itertools.pairwise(ordered):
        if b.start < a.end:
            raise ConfigError(
                f"reps overlap: {a.trial} {a.start:g}-{a.end:g} s and {b.trial} "
                f"{b.start:g}-{b.end:g} s"
            )
    events = [e for e in rec.events if e.label not in (*_TRIAL_LABELS, "pain")]
    by_trial: dict[str, list[MarkerRow]] = {}
    for r in ordered:
        by_trial.setdefault(r.trial, []).append(r)
    for trial, reps in by_trial.items():
        t0, t1 = reps[0].start, max(r.end for r in reps)
        events.append(Event(t0, t1 - t0, "trial", trial))
        if trial in rest_ids:
            continue  # a rest trial is the baseline: no reps or holds
        for k, r in enumerate(reps, start=1):
            events.append(Event(r.start, r.end - r.start, "rep", trial, str(k)))
            events.append(Event(r.hold_start, r.hold_end - r.hold_start, "hold", trial, str(k)))
        pain = next((r.pain for r in reversed(reps) if r.pain), "")
        if pain:
            events.append(Event(t1, 0.0, "pain", trial, pain))
    out = rec.copy()
    out.events = sorted(events, key=lambda e: (e.onset, e.label))
    return out


def auto_marker_table(rec: Recording) -> list[MarkerRow]:
    """The automatic segmentation of ``rec`` as marker rows (trial ids ``auto_<n>``).

    Uses :func:`emgkit.analysis.segment.segment` (a heuristic on the envelopes); rename the ids
    to protocol trials after checking :func:`plot_marker_review`, then :func:`attach_markers`.
    """
    from emgkit.analysis.segment import segment
    from emgkit.recording import SignalKind

    emg = [
        c.name
        for c in rec.channels
        if c.muscle is not None and c.side is not None and c.kind != SignalKind.ACCEL
    ]
    if not emg:
        raise ConfigError("no EMG channel has a muscle and side: give the montage (--montage)")
    evs = segment(rec.pick(names=emg))
    holds = {(e.trial, e.value): e for e in evs if e.label == "hold"}
    rows = []
    for e in evs:
        if e.label != "rep":
            continue
        h = holds.get((e.trial, e.value), e)
        hs = max(h.onset, e.onset)
        he = min(h.onset + h.duration, e.onset + e.duration)
        if he <= hs:
            hs, he = e.onset, e.onset + e.duration
        rows.append(MarkerRow(e.trial, e.onset, e.onset + e.duration, hs, he))
    return rows


def write_marker_table(rows: list[MarkerRow], path: str | Path) -> Path:
    """Write ``rows`` as a CSV marker table (readable by :func:`read_marker_table`).

    Parameters
    ----------
    rows : list of MarkerRow
        One row per rep, written in the given order; times in seconds from the first sample,
        written with millisecond precision (3 decimals).
    path : str or Path
        Output CSV file; an existing file is overwritten.

    Returns
    -------
    Path
        ``path`` as a :class:`~pathlib.Path`.
    """
    p = Path(path)
    with p.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["trial", "start", "end", "hold_start", "hold_end", "pain"])
        for r in rows:
            w.writerow(
                [
                    r.trial,
                    f"{r.start:.3f}",
                    f"{r.end:.3f}",
                    f"{r.hold_start:.3f}",
                    f"{r.hold_end:.3f}",
                    r.pain,
                ]
            )
    return p


def plot_marker_review(rec: Recording, rows: list[MarkerRow]) -> Figure:
    """Review figure of a marker table: envelopes of every EMG channel with the holds shaded.

    Meant to check a marker table (automatic or hand-made) before attaching it: one panel per
    non-accelerometer channel shows its 100 ms moving-RMS envelope in µV over the whole
    recording, each rep's hold (``hold_start`` to ``hold_end``) is shaded, and its trial id is
    written at its ``start`` above the first panel.

    Parameters
    ----------
    rec : Recording
        The recording the table describes (markers not needed).
    rows : list of MarkerRow
        The reps to show, times in seconds from the first sample of ``rec``.

    Returns
    -------
    matplotlib.figure.Figure
        A figure not attached to pyplot (save it with ``fig.savefig``).
    """
    import numpy as np
    from matplotlib.figure import Figure

    from emgkit.analysis.bridge import envelopes
    from emgkit.recording import SignalKind

    emg = [c.name for c in rec.channels if c.kind != SignalKind.ACCEL]
    sub = rec.pick(names=emg)
    _, env = envelopes(sub)
    n = env.shape[1]
    fig = Figure(figsize=(11.0, 1.1 * n + 1.0), layout="constrained")
    axes = fig.subplots(n, 1, sharex=True, squeeze=False)[:, 0]
    t = np.arange(env.shape[0]) / rec.fs
    step = max(1, env.shape[0] // 20000)
    for ax, name, y in zip(axes, emg, env.T, strict=True):
        ax.plot(t[::step], y[::step], lw=0.6, color="#333333")
        ax.set_ylabel(f"{name}\nuV", fontsize=7)
        ax.tick_params(labelsize=7)
        for r in rows:
            ax.axvspan(r.hold_start, r.hold_end, color="#fde0c5", lw=0)
    for r in rows:
        axes[0].text(
            r.start, axes[0].get_ylim()[1], r.trial, fontsize=6, rotation=60, va="bottom", ha="left"
        )
    axes[-1].set_xlabel("time (s)", fontsize=8)
    return fig
