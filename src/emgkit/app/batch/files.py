"""Result files: the batch table as Parquet (with its settings) and optional CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from emgkit.app.batch.tables import BatchResult, _normalise


def write_results(result: BatchResult, path: str | Path, *, csv: bool = False) -> list[Path]:
    """Write the tidy results as Parquet (metadata: emgkit version and every setting).

    Written through :func:`emgkit.io.results.write_results` (atomic; the same metadata layout
    as per-session results files), plus a plain ``<stem>.csv`` with ``csv=True`` (no comment
    header, for spreadsheets; the metadata is in the Parquet file) and ``<stem>.errors.csv``
    when sessions failed.

    Parameters
    ----------
    result : BatchResult
        What :func:`analyze_many` returned.
    path : str or Path
        The Parquet file to write.
    csv : bool
        Also write ``<stem>.csv``.

    Returns
    -------
    list of Path
        Files written.
    """
    from emgkit.io.results import write_results as write_tidy

    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = {
        **result.settings,
        "n_sessions": len(result.sessions),
        "n_errors": len(result.errors),
    }
    written = [write_tidy(result.results, out, format="parquet", metadata=meta)]
    if csv:
        c = out.with_suffix(".csv")
        result.results.to_csv(c, index=False)
        written.append(c)
    if len(result.errors):
        e = out.with_name(out.stem + ".errors.csv")
        result.errors.to_csv(e, index=False)
        written.append(e)
    return written


def read_results(path: str | Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Read a batch Parquet file: the tidy table and its settings metadata."""
    from emgkit.io.results import read_results as read_tidy

    table, meta = read_tidy(path)
    return _normalise(table), meta
