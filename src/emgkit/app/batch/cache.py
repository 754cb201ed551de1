"""The per-session cache: one Parquet file per analysed session, named by its key."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from emgkit.app.batch.tables import _normalise
from emgkit.errors import RecordingError
from emgkit.io._atomic import write_atomic


def _cache_path(cache_dir: Path, key: str) -> Path:
    return cache_dir / f"{key}.parquet"


def _cache_load(cache_dir: Path, key: str) -> tuple[str, str, str, pd.DataFrame] | None:
    import pyarrow.parquet as pq

    p = _cache_path(cache_dir, key)
    if not p.is_file():
        return None
    try:
        table = pq.read_table(p)
        meta = json.loads((table.schema.metadata or {}).get(b"emgkit_session", b"{}"))
        df = _normalise(table.to_pandas())
    except Exception:  # torn or foreign file: analyse again
        return None
    return meta.get("session", ""), meta.get("subject", ""), meta.get("date", ""), df


def _cache_store(
    cache_dir: Path, key: str, ids: tuple[str, str, str], df: pd.DataFrame, path: Path
) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[b"emgkit_session"] = json.dumps(
        {"session": ids[0], "subject": ids[1], "date": ids[2], "source": str(path)}
    ).encode()
    table = table.replace_schema_metadata(meta)
    final = _cache_path(cache_dir, key)
    try:  # atomic: a crash never leaves a half-written cache entry
        write_atomic(final, lambda fh: pq.write_table(table, fh))
    except OSError as exc:
        raise RecordingError(
            f"cannot write the batch cache {final}: {exc}; free disk space or pass another "
            "cache_dir"
        ) from exc
