"""Merge a session's segments into one BDF+ (``session.bdf``)."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from emgkit.app.session.state import MERGED_NAME, STATE_NAME, load_state
from emgkit.errors import ConfigError

if TYPE_CHECKING:
    from emgkit.recording import Recording

__all__ = ["RESUME_GAP_S", "merge_segments"]

RESUME_GAP_S = 1.0  # missing samples between merged segments


def merge_segments(
    state_path: str | os.PathLike[str],
    out: str | os.PathLike[str] | None = None,
    *,
    read_back: Mapping[str, Recording] | None = None,
) -> Path:
    """Merge a session's segments into one BDF+ (default ``<folder>/session.bdf``).

    Segment data are placed back to back with a 1 s gap (NaN rows, reason
    ``"session resumed"``) between them; each segment keeps only the events of the trials
    completed in it (a trial interrupted half-way and redone later appears once).

    Parameters
    ----------
    state_path : path
        The session's state file (``session.json``) or the session folder holding it.
    out : path, optional
        Where to write the merged BDF+ (default ``session.bdf`` next to the state file).
    read_back : mapping, optional
        Segment files already read, by their ``bdf`` entry in the state: what the recorder
        read back when it verified them (:attr:`Recorder.recording
        <emgkit.acquisition.recorder.Recorder.recording>`), used instead of reading the file
        again. Other segments are read from their files.

    Returns
    -------
    Path
        The merged file.

    Raises
    ------
    ConfigError
        The segments have different channels or sampling rates (then analyse them one by
        one: they are listed in ``session.json``).
    """
    from emgkit.io import read
    from emgkit.io.edf import write_bdf
    from emgkit.recording import Event, Gap, Recording

    sp = Path(state_path)
    if sp.is_dir():
        sp = sp / STATE_NAME
    state = load_state(sp)
    outdir = sp.parent
    segs = [s for s in state["segments"] if s["status"] == "finalized"]
    if not segs:
        raise ConfigError(f"{sp}: no finalised segment to merge")
    known = read_back or {}
    recs = [known.get(s["bdf"]) or read(outdir / s["bdf"]) for s in segs]
    first = recs[0]
    for s, r in zip(segs, recs, strict=True):
        if r.fs != first.fs or r.channel_names != first.channel_names:
            raise ConfigError(
                f"segment {s['bdf']} has {r.n_channels} channels at {r.fs:g} Hz, unlike "
                f"{segs[0]['bdf']} ({first.n_channels} at {first.fs:g} Hz): analyse the "
                "segments separately"
            )
    fs = first.fs
    n_gap = round(RESUME_GAP_S * fs)
    blocks = []
    events: list[Event] = []
    gaps: list[Gap] = []
    offset = 0
    for i, (s, r) in enumerate(zip(segs, recs, strict=True)):
        if i > 0:
            blocks.append(np.full((n_gap, r.n_channels), np.nan))
            gaps.append(Gap(offset, n_gap, "session resumed"))
            offset += n_gap
        keep = set(s["trials"])
        t0 = offset / fs
        for e in r.events:
            if e.trial and e.trial not in keep:
                continue
            events.append(dataclasses.replace(e, onset=e.onset + t0))
        for g in r.gaps:
            gaps.append(Gap(g.start + offset, g.n_samples, g.reason))
        blocks.append(r.data)
        offset += r.n_samples
    info = dataclasses.replace(first.info, extra=dict(first.info.extra))
    info.extra["segments"] = [s["bdf"] for s in segs]
    merged = Recording(np.concatenate(blocks, axis=0), fs, first.channels, events, gaps, info)
    target = Path(out) if out is not None else outdir / MERGED_NAME
    return write_bdf(merged, target)
