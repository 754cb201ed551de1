"""File discovery: paths, folders and globs to session files, and unique session ids."""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable
from pathlib import Path

from emgkit.errors import ConfigError
from emgkit.io._registry import readable_suffixes

#: Name endings of the files written beside a session (convert's CSV export, BIDS, the
#: batch results): not sessions themselves.
_SIDECAR_ENDINGS = (
    ".events.csv",
    ".channels.csv",
    ".gaps.csv",
    ".errors.csv",
    "_events.tsv",
    "_channels.tsv",
    "_electrodes.tsv",
    "_scans.tsv",
    "participants.tsv",
)


def _is_sidecar(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith(_SIDECAR_ENDINGS) or any(part.startswith(".") for part in path.parts)


def unique_session_ids(
    ids: list[str], paths: list[Path], subjects: list[str] | None = None
) -> list[str]:
    """Make session ids unique per file: a shared id gets the file's distinguishing path.

    Ids collide when two files of one subject carry the same session id (``ses-1`` of two
    subjects is not a collision).

    ``a/s.bdf``, ``b/s.bdf`` and ``c/s.bdf`` (all with session id ``s``) become ``a/s``,
    ``b/s`` and ``c/s`` (the path relative to the folders the colliding files share, without
    the extension); ids that are already unique are kept. Empty ids (failed files) are left.

    Parameters
    ----------
    ids : list of str
        The session id read from each file (its header's session, else the file stem).
    paths : list of Path
        The files, in the same order.
    subjects : list of str, optional
        The subject of each file (default: one subject for all).

    Returns
    -------
    list of str
    """
    out = list(ids)
    subs = subjects if subjects is not None else [""] * len(ids)
    groups: dict[tuple[str, str], list[int]] = {}
    for i, sid in enumerate(ids):
        if sid:
            groups.setdefault((subs[i], sid), []).append(i)
    for (_, sid), idx in groups.items():
        if len(idx) < 2:
            continue
        resolved = [paths[i].resolve() for i in idx]
        common = Path(os.path.commonpath([str(r.parent) for r in resolved]))
        for i, r in zip(idx, resolved, strict=True):
            rel = r.relative_to(common).with_suffix("").as_posix()
            out[i] = rel if rel != sid else f"{rel} [{r.parent.name}]"
        # still shared (same stem, different extensions): add the extension
        seen: dict[str, int] = {}
        for i in idx:
            seen[out[i]] = seen.get(out[i], 0) + 1
        for i, r in zip(idx, resolved, strict=True):
            if seen[out[i]] > 1:
                out[i] = r.relative_to(common).as_posix()
    return out


def expand_paths(patterns: str | Path | Iterable[str | Path]) -> list[Path]:
    """Expand files, folders and glob patterns (``**`` allowed) into a sorted list of files.

    A folder stands for every session file under it, sub-folders included (a BIDS
    ``sub-*/ses-*/emg/`` tree), in every format :func:`emgkit.io.read` supports (the io
    format registry's extensions); the sibling files ``convert`` and BIDS write next to a
    session (``*.events.csv``, ``*.channels.csv``, ``*.gaps.csv``, ``*_events.tsv``,
    ``*_channels.tsv``...) are skipped. Duplicates are dropped; order is sorted within each
    pattern, patterns in the order given.

    Raises
    ------
    ConfigError
        A pattern matches nothing.
    """
    if isinstance(patterns, (str, Path)):
        patterns = [patterns]
    out: list[Path] = []
    seen: set[Path] = set()
    for pat in patterns:
        p = Path(pat)
        if p.is_dir():
            suffixes = readable_suffixes()
            found = sorted(
                q
                for q in p.rglob("*")
                if q.is_file()
                and q.suffix.lower() in suffixes
                and not _is_sidecar(q.relative_to(p))
            )
        elif p.exists():
            found = [p]
        else:
            found = sorted(Path(m) for m in glob.glob(str(pat), recursive=True))
            found = [q for q in found if q.is_file()]
        if not found:
            raise ConfigError(f"{pat}: no session file matches (check the path or glob)")
        for q in found:
            key = q.resolve()
            if key not in seen:
                seen.add(key)
                out.append(q)
    return out
