"""Tidy analysis results: one row per session, trial, muscle, side and metric, with metadata.

:func:`tidy_results` turns a :class:`~emgkit.analysis.bridge.BridgeResult` (every DataFrame
field it has, whatever they are) into one long table with the columns of :data:`TIDY_COLUMNS`:

======== ===============================================================================
subject  subject pseudonym (``SessionInfo.subject``)
session  session label (``SessionInfo.session``; ``""`` when none)
table    the result table the row comes from (``mvc``, ``reps``, ``summary``, ``ratios``,
         ``symmetry``, ``epochs``, ``variants``, ``pain``, ...)
trial    protocol trial (``comparison`` for symmetry, ``source_trial`` for MVC)
task     task of the trial (``single_leg_bridge`` ...), ``""`` when the table has none
cue      cue variant, ``""`` when none
rep      rep number (nullable integer), ``<NA>`` for per-trial rows
epoch    epoch number within a hold (nullable integer)
channel  channel name, ``""`` for per-muscle rows
muscle   canonical muscle id, ``""`` for per-side ratios
side     ``left``/``right``/``""``
metric   column name in the source table (``pct_mvc``, ``latency_s``, ``symmetry_angle``...)
value    float64 (booleans become 0/1; NaN where the analysis could not measure)
======== ===============================================================================

Identifier columns of a table that are not listed above (a future field) are kept as extra
string columns after ``side``, so nothing is dropped.

:func:`write_results` writes Parquet (pyarrow; dtypes exact, metadata in the schema under the
key ``emgkit``) or CSV (metadata as ``# key: json`` comment lines before the header; column
dtypes are recorded there so :func:`read_results` restores them). The metadata holds the emgkit
version, every pipeline parameter (``AnalysisParams.as_dict()``), the session info and the
analysis notes.
"""

from __future__ import annotations

import dataclasses
import io
import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from emgkit.errors import ConfigError, FormatError
from emgkit.io.base import atomic_write, json_safe

if TYPE_CHECKING:
    import pandas as pd

    from emgkit.recording import Recording, SessionInfo

__all__ = [
    "RESULTS_FORMAT",
    "TIDY_COLUMNS",
    "read_results",
    "results_metadata",
    "tidy_results",
    "write_results",
]

#: Identifies emgkit result files (stored in the metadata).
RESULTS_FORMAT = "emgkit-results/1"

#: Columns of a tidy results table, in order (extra identifier columns go before ``metric``).
TIDY_COLUMNS = (
    "subject",
    "session",
    "table",
    "trial",
    "task",
    "cue",
    "rep",
    "epoch",
    "channel",
    "muscle",
    "side",
    "metric",
    "value",
)

_STR_IDS = ("trial", "task", "cue", "channel", "muscle", "side")
_INT_IDS = ("rep", "epoch")  # integer columns that identify a row, not measure it
_TRIAL_ALIASES = ("trial", "comparison", "source_trial")
_META_KEY = "emgkit"
_CSV_PREFIX = "# "


def _version() -> str:
    try:
        from emgkit._version import __version__

        return str(__version__)
    except ImportError:  # pragma: no cover - partial installs
        return "unknown"


def _session_of(source: Recording | SessionInfo | None) -> tuple[dict[str, Any], float | None]:
    from emgkit.recording import Recording, SessionInfo

    if source is None:
        return {}, None
    if isinstance(source, Recording):
        info, fs = source.info, source.fs
    elif isinstance(source, SessionInfo):
        info, fs = source, None
    else:
        raise ConfigError(
            f"session info must be a Recording or SessionInfo, got {type(source).__name__}"
        )
    d = {f.name: getattr(info, f.name) for f in dataclasses.fields(info)}
    return json_safe(d), fs


def _frames(result: Any) -> dict[str, pd.DataFrame]:
    """Every DataFrame attribute of ``result`` (dataclass fields first, in order)."""
    import pandas as pd

    names: list[str] = []
    if dataclasses.is_dataclass(result):
        names = [f.name for f in dataclasses.fields(result)]
    else:
        names = [n for n in dir(result) if not n.startswith("_")]
    out = {}
    for n in names:
        v = getattr(result, n, None)
        if isinstance(v, pd.DataFrame):
            out[n] = v
    if not out:
        raise ConfigError(
            f"{type(result).__name__} has no DataFrame fields to tidy; pass a BridgeResult"
        )
    return out


def _melt(table: str, df: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    import pandas as pd

    if df.empty or df.shape[1] == 0:
        return pd.DataFrame(), []
    df = df.reset_index(drop=True)
    ids: list[str] = []
    values: list[str] = []
    for c in df.columns:
        col = df[c]
        name = str(c)
        if name in _INT_IDS or name in _STR_IDS or name in _TRIAL_ALIASES:
            ids.append(name)
        elif pd.api.types.is_bool_dtype(col) or pd.api.types.is_numeric_dtype(col):
            values.append(name)
        else:
            ids.append(name)
    if not values:
        return pd.DataFrame(), []
    n = len(df)
    base: dict[str, Any] = {}
    trial_src = next((a for a in _TRIAL_ALIASES if a in df.columns), None)
    extra: list[str] = []
    for c in ids:
        if c == trial_src:
            base["trial"] = df[c]
            continue
        base[c] = df[c]
        if c not in _STR_IDS and c not in _INT_IDS:  # e.g. source_trial beside trial, a new id
            extra.append(c)
    parts = []
    for v in values:
        part = {k: col.to_numpy() for k, col in base.items()}
        part["metric"] = np.full(n, v, dtype=object)
        part["value"] = df[v].to_numpy(dtype=np.float64, na_value=np.nan)
        parts.append(pd.DataFrame(part))
    long = pd.concat(parts, ignore_index=True)
    long.insert(0, "table", table)
    return long, extra


def tidy_results(
    result: Any,
    session: Recording | SessionInfo | None = None,
) -> pd.DataFrame:
    """One long table of every metric in ``result``.

    Parameters
    ----------
    result : BridgeResult
        From :func:`emgkit.analysis.bridge.analyze_bridge`; every DataFrame field is
        converted (fields added later are picked up automatically).
    session : Recording or SessionInfo, optional
        Fills the ``subject`` and ``session`` columns (``"anonymous"``/``""`` otherwise).

    Returns
    -------
    DataFrame
        Columns :data:`TIDY_COLUMNS` (plus any extra identifier columns before ``metric``);
        string columns are pandas strings, ``rep``/``epoch`` nullable ``Int64``, ``value``
        float64.

    Examples
    --------
    >>> from emgkit.io.results import tidy_results
    >>> tidy = tidy_results(result, rec)  # doctest: +SKIP
    >>> tidy.query("table == 'summary' and metric == 'pct_mvc'")  # doctest: +SKIP
    """
    import pandas as pd

    sess, _ = _session_of(session)
    longs = []
    extras: list[str] = []
    for name, df in _frames(result).items():
        long, extra = _melt(name, df)
        if not long.empty:
            longs.append(long)
            extras += [e for e in extra if e not in extras]
    cols = [*TIDY_COLUMNS[:-2], *extras, "metric", "value"]
    out = pd.concat(longs, ignore_index=True) if longs else pd.DataFrame({c: [] for c in cols})
    out.insert(0, "session", str(sess.get("session") or ""))
    out.insert(0, "subject", str(sess.get("subject") or "anonymous"))
    for c in cols:
        if c not in out.columns:
            out[c] = pd.NA if c in ("rep", "epoch") else ""
    out = out[cols]
    for c in cols:
        if c in ("rep", "epoch"):
            out[c] = pd.to_numeric(out[c], errors="coerce").astype("Int64")
        elif c == "value":
            out[c] = out[c].astype("float64")
        else:
            out[c] = out[c].astype("string").fillna("").astype("str")
    return out


def results_metadata(
    result: Any = None, session: Recording | SessionInfo | None = None
) -> dict[str, Any]:
    """The metadata stored with a results file.

    Keys: ``format`` (:data:`RESULTS_FORMAT`), ``emgkit_version``, ``params`` (every pipeline
    parameter, ``result.params.as_dict()``), ``session`` (all :class:`SessionInfo` fields),
    ``fs`` (when a Recording is given), ``notes`` (the analysis notes), ``written``.

    Parameters
    ----------
    result : BridgeResult, optional
        The analysis (its parameters and notes).
    session : Recording or SessionInfo, optional
        The session (its fields; a Recording adds ``fs``).
    """
    sess, fs = _session_of(session)
    params: dict[str, Any] = {}
    p = getattr(result, "params", None)
    if p is not None:
        params = p.as_dict() if hasattr(p, "as_dict") else dataclasses.asdict(p)
    return {
        "format": RESULTS_FORMAT,
        "emgkit_version": _version(),
        "params": json_safe(params),
        "session": sess,
        "fs": fs,
        "notes": list(getattr(result, "notes", []) or []),
        "written": datetime.now().astimezone().isoformat(timespec="seconds"),
    }


def _fmt_of(path: Path, format: str | None) -> str:
    fmt = (format or path.suffix.lstrip(".")).lower()
    if fmt in ("parquet", "pq"):
        return "parquet"
    if fmt in ("csv", "tsv"):
        return fmt
    raise ConfigError(
        f"{path}: results format {fmt!r} not supported; use a .parquet, .csv or .tsv name "
        "(or format='parquet'/'csv'/'tsv')"
    )


def write_results(
    result: Any,
    path: str | Path,
    *,
    session: Recording | SessionInfo | None = None,
    format: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> Path:
    """Write tidy results with their metadata to Parquet or CSV/TSV.

    Parameters
    ----------
    result : BridgeResult or DataFrame
        A result (tidied with :func:`tidy_results`) or an already tidy DataFrame.
    path : str or Path
        ``.parquet`` or ``.csv``/``.tsv`` (or give ``format``). Written atomically.
    session : Recording or SessionInfo, optional
        Subject/session columns and the session metadata.
    format : {"parquet", "csv", "tsv"}, optional
    metadata : dict, optional
        Extra JSON-serialisable entries merged into the metadata (e.g. the input file).

    Returns
    -------
    Path

    Examples
    --------
    >>> from emgkit.io.results import read_results, write_results
    >>> write_results(result, "s01.parquet", session=rec)  # doctest: +SKIP
    >>> df, meta = read_results("s01.parquet")  # doctest: +SKIP
    >>> meta["params"]["band_low_hz"]  # doctest: +SKIP
    20.0
    """
    import pandas as pd

    p = Path(path)
    fmt = _fmt_of(p, format)
    if isinstance(result, pd.DataFrame):
        tidy = result
        meta = results_metadata(None, session)
    else:
        tidy = tidy_results(result, session)
        meta = results_metadata(result, session)
    if metadata:
        meta.update(json_safe(metadata))
    meta["columns"] = {str(c): str(t) for c, t in tidy.dtypes.items()}
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(tidy, preserve_index=False)
        md = dict(table.schema.metadata or {})
        md[_META_KEY.encode()] = json.dumps(meta).encode("utf-8")
        md[b"emgkit_version"] = str(meta["emgkit_version"]).encode()
        table = table.replace_schema_metadata(md)
        buf = io.BytesIO()
        pq.write_table(table, buf)
        data = buf.getvalue()
    else:
        lines = [f"{_CSV_PREFIX}{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in meta.items()]
        body = tidy.to_csv(index=False, sep="\t" if fmt == "tsv" else ",", lineterminator="\n")
        data = ("\n".join(lines) + "\n" + body).encode("utf-8")
    atomic_write(p, lambda fh: fh.write(data))  # type: ignore[arg-type]
    return p


def _restore_dtypes(df: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    import pandas as pd

    for c, t in columns.items():
        if c not in df.columns:
            continue
        if t == "Int64":
            df[c] = pd.to_numeric(df[c], errors="coerce").astype("Int64")
        elif t in ("float64", "int64", "bool"):
            df[c] = df[c].astype(np.dtype(t))
        elif t in ("str", "string", "object"):
            df[c] = df[c].fillna("").astype("str")
    return df


def read_results(path: str | Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Read a results file written by :func:`write_results`.

    Returns
    -------
    (DataFrame, dict)
        The tidy table (dtypes as written) and the metadata (see :func:`results_metadata`).

    Raises
    ------
    FormatError
        The file is missing, damaged, or not an emgkit results file.
    """
    import pandas as pd

    p = Path(path)
    if not p.is_file():
        raise FormatError(f"{p}: no such file")
    fmt = _fmt_of(p, None)
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(p)
        except (pa.ArrowInvalid, OSError) as exc:
            raise FormatError(f"{p}: not a readable Parquet file ({exc})") from exc
        raw = (table.schema.metadata or {}).get(_META_KEY.encode())
        if raw is None:
            raise FormatError(
                f"{p}: Parquet file without emgkit metadata (schema key 'emgkit'); "
                "it was not written by emgkit.io.write_results"
            )
        meta = json.loads(raw.decode("utf-8"))
        df = table.to_pandas()
        return _restore_dtypes(df, meta.get("columns", {})), meta
    meta = {}
    n_head = 0
    with p.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.startswith(_CSV_PREFIX.rstrip()):
                break
            n_head += 1
            key, sep, val = line[len(_CSV_PREFIX) :].partition(": ")
            if not sep:
                raise FormatError(f"{p}, line {n_head}: metadata line without 'key: value'")
            try:
                meta[key] = json.loads(val)
            except json.JSONDecodeError as exc:
                raise FormatError(
                    f"{p}, line {n_head}: metadata value of {key!r} is not JSON ({exc.msg})"
                ) from exc
    if meta.get("format") != RESULTS_FORMAT:
        raise FormatError(
            f"{p}: no emgkit results header ('# format: \"{RESULTS_FORMAT}\"' on the first "
            "lines); it was not written by emgkit.io.write_results"
        )
    cols = meta.get("columns", {})
    str_cols = [c for c, t in cols.items() if t in ("str", "string", "object")]
    df = pd.read_csv(
        p,
        sep="\t" if fmt == "tsv" else ",",
        skiprows=n_head,
        dtype={c: "str" for c in str_cols},
        keep_default_na=False,
        na_values={c: [""] for c in cols if c not in str_cols},
    )
    return _restore_dtypes(df, cols), meta
