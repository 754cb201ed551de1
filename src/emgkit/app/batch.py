"""Analyse many sessions with the same settings: a local process pool or a Dask cluster.

>>> from emgkit.app.batch import analyze_many
>>> res = analyze_many(["data/*.bdf"], cache_dir="results.cache")  # doctest: +SKIP
>>> res.results.head()  # doctest: +SKIP

Every session gives rows of one tidy table (session, subject, date, trial, muscle, side, metric,
value); a session that fails is recorded in ``errors`` (path, error type, message) and the batch
goes on. With ``cache_dir`` each analysed session is kept as one Parquet file named after a key
made of the file's content hash, every analysis setting and the emgkit version: re-running skips
sessions already analysed with the same settings and picks up where a crashed run stopped. See
``docs/batch.md``.
"""

from __future__ import annotations

import dataclasses
import glob
import hashlib
import json
import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from emgkit.errors import ConfigError, RecordingError
from emgkit.io._atomic import write_atomic
from emgkit.io._registry import readable_suffixes

if TYPE_CHECKING:
    from emgkit.analysis.bridge import AnalysisParams, BridgeResult
    from emgkit.protocol import Protocol

__all__ = [
    "ERROR_COLUMNS",
    "RESULT_COLUMNS",
    "SESSION_COLUMNS",
    "BatchResult",
    "analyze_many",
    "expand_paths",
    "read_results",
    "session_key",
    "tidy_result",
    "unique_session_ids",
    "write_results",
]

#: Columns of the tidy results table.
RESULT_COLUMNS = ("session", "subject", "date", "trial", "muscle", "side", "metric", "value")
#: Columns of the errors table.
ERROR_COLUMNS = ("path", "error_type", "message")
#: Columns of the per-session table (how each session was handled).
SESSION_COLUMNS = ("path", "session", "subject", "date", "key", "status", "seconds")

_ID_COLUMNS = ("session", "subject", "date", "trial", "muscle", "side")
_CACHE_SCHEMA = 1


# --------------------------------------------------------------------------- result container


@dataclass(slots=True)
class BatchResult:
    """What :func:`analyze_many` returns.

    Attributes
    ----------
    results : DataFrame
        Tidy table, one row per (session, trial, muscle, side, metric): columns
        :data:`RESULT_COLUMNS`; ``value`` is float64, the other columns strings (``""`` when
        not applicable, e.g. ``side`` of a symmetry angle is ``"both"``, ``date`` is ISO 8601 or
        ``""``). Sessions appear in input order.
    errors : DataFrame
        One row per failed session: :data:`ERROR_COLUMNS`.
    sessions : DataFrame
        One row per input file: :data:`SESSION_COLUMNS`; ``status`` is ``"analysed"``,
        ``"cached"`` or ``"error"``.
    settings : dict
        emgkit version, protocol, montage and every analysis parameter (also written as Parquet
        schema metadata by :func:`write_results`).
    """

    results: pd.DataFrame
    errors: pd.DataFrame
    sessions: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def n_cached(self) -> int:
        """Sessions taken from the cache."""
        return int((self.sessions["status"] == "cached").sum())

    @property
    def n_analysed(self) -> int:
        """Sessions analysed in this run."""
        return int((self.sessions["status"] == "analysed").sum())

    def to_frame(self) -> pd.DataFrame:
        """The tidy results as a plain DataFrame (for Jupyter, ``groupby``, plotting)."""
        return self.results

    def wide(self) -> pd.DataFrame:
        """One row per (session, trial, muscle, side), one column per metric."""
        return self.results.pivot_table(
            index=list(_ID_COLUMNS), columns="metric", values="value", aggfunc="first"
        ).reset_index()

    def _repr_html_(self) -> str:  # Jupyter
        head = (
            f"<p>emgkit batch: {len(self.sessions)} sessions, {self.n_analysed} analysed, "
            f"{self.n_cached} from cache, {len(self.errors)} failed; "
            f"{len(self.results)} result rows</p>"
        )
        html = head + self.results.head(20).to_html(index=False)
        if len(self.errors):
            html += "<p>errors</p>" + self.errors.to_html(index=False)
        return html

    def __repr__(self) -> str:
        return (
            f"BatchResult({len(self.sessions)} sessions: {self.n_analysed} analysed, "
            f"{self.n_cached} cached, {len(self.errors)} errors; {len(self.results)} rows)"
        )


# --------------------------------------------------------------------------- settings and keys


def _version() -> str:
    from emgkit._version import __version__

    return str(__version__)


def _jsonable(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in sorted(obj.items(), key=lambda kv: str(kv[0]))}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (str, int, bool)) or obj is None:
        return obj
    if isinstance(obj, float):
        return obj if np.isfinite(obj) else None  # NaN/inf are written as null, as io writes them
    if isinstance(obj, np.generic):
        return _jsonable(obj.item())
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "value") and isinstance(getattr(obj, "value", None), (str, int)):  # enums
        return obj.value
    return repr(obj)


def _make_params(params: AnalysisParams | Mapping[str, Any] | None) -> AnalysisParams:
    from emgkit.analysis.bridge import AnalysisParams

    if params is None:
        return AnalysisParams()
    if isinstance(params, AnalysisParams):
        return params
    if not isinstance(params, Mapping):
        raise ConfigError(
            f"params must be an AnalysisParams or a mapping of its fields, got {type(params)!r}"
        )
    known = {f.name: f for f in dataclasses.fields(AnalysisParams)}
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise ConfigError(f"unknown analysis parameter(s) {unknown}; known: {sorted(known)}")
    defaults = AnalysisParams()
    kw = {}
    for k, v in params.items():
        if isinstance(getattr(defaults, k), tuple) and isinstance(v, (list, tuple)):
            v = tuple(float(x) for x in v)
        kw[k] = v
    return AnalysisParams(**kw)


def _settings(protocol: Protocol | str, montage: Any, params: AnalysisParams) -> dict[str, Any]:
    """Everything that changes the results, as plain JSON values."""
    return {
        "emgkit_version": _version(),
        "analysis": "bridge",
        "protocol": _jsonable(protocol),
        "montage": _jsonable(montage),
        "params": _jsonable(params),
        "cache_schema": _CACHE_SCHEMA,
    }


def _content_hash(path: Path) -> str:
    """SHA-256 of the file and, when present, its ``<file>.json`` metadata sidecar."""
    h = hashlib.sha256()
    for p in (path, path.with_name(path.name + ".json")):
        if p is not path and not p.is_file():
            continue
        h.update(p.name.encode() if p is not path else b"session")
        with p.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
    return h.hexdigest()


def session_key(path: str | Path, settings: Mapping[str, Any]) -> str:
    """Cache key of one session: content hash + settings (incl. emgkit version).

    Parameters
    ----------
    path : str or Path
        Session file (its ``.json`` sidecar, if any, is hashed too).
    settings : mapping
        As :attr:`BatchResult.settings`.

    Returns
    -------
    str
        40 hex digits.
    """
    blob = json.dumps(dict(settings), sort_keys=True, separators=(",", ":"))
    h = hashlib.sha256()
    h.update(_content_hash(Path(path)).encode())
    h.update(blob.encode())
    return h.hexdigest()[:40]


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


# --------------------------------------------------------------------------- one session


def _str(v: Any) -> str:
    if v is None or v is pd.NA:
        return ""
    if isinstance(v, float) and not np.isfinite(v):
        return ""
    return str(v)


#: BridgeResult tables that make the cohort table, and the value columns left out of each
#: (descriptive copies of other metrics, or per-rep detail); the rest of the numeric columns,
#: including ones the analysis adds later, become metrics.
_COHORT_TABLES: dict[str, tuple[str, ...]] = {
    "summary": (),
    "mvc": (),
    "ratios": (),
    "symmetry": ("pct_left", "pct_right", "n_epochs"),
    "variants": ("pct_mvc", "pct_mvc_ref"),
    "pain": (),
}


def tidy_result(result: BridgeResult, session: str, subject: str, date: str) -> pd.DataFrame:
    """Flatten a :class:`~emgkit.analysis.bridge.BridgeResult` into the tidy batch table.

    A projection of :func:`emgkit.io.results.tidy_results` (the one place that decides which
    columns of a result are metrics) onto the cohort columns (session, subject, date, trial,
    muscle, side, metric, value): ``summary`` metrics per trial, muscle and side (``pct_mvc``,
    ``pct_mvc_sd``, ``n_reps``, ``latency_ms``, ...); ``mvc_uv`` under trial ``"mvc"``; the
    ``glute_ham`` and ``glute_erector`` ratios averaged over reps per trial and side (muscle
    ``"glute_max"``); ``symmetry_angle``, ``mdc``, ``threshold``, ``meaningful`` (0/1)... per
    comparison and muscle (side ``"both"``); cue-variant ``change``/``change_rel`` (prefixed
    ``variant_``); ``pain`` per trial; per channel (trial ``"quality"``) the quality gate's
    ``quality_status`` (0 ok, 1 warn, 2 fail) and ``issue_<code>`` = 1 for each problem found.
    Per-rep and per-epoch detail is left out.
    """
    from emgkit.io.results import tidy_results

    t = tidy_results(result)
    parts = []
    for table, skip in _COHORT_TABLES.items():
        d = t[(t["table"] == table) & ~t["metric"].isin(skip)]
        if d.empty:
            continue
        d = d[["trial", "muscle", "side", "metric", "value"]].copy()
        if table == "mvc":
            d["trial"] = "mvc"
        elif table == "ratios":
            d["muscle"] = "glute_max"
            d = d.groupby(["trial", "muscle", "side", "metric"], sort=False, as_index=False).agg(
                value=("value", "mean")
            )
        elif table == "symmetry":
            d["side"] = "both"
        elif table == "variants":
            d["metric"] = "variant_" + d["metric"].astype(str)
        parts.append(d)
    q = _quality_rows(result)
    if not q.empty:
        parts.append(q)
    cols = ["trial", "muscle", "side", "metric", "value"]
    long = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)
    long.insert(0, "date", date)
    long.insert(0, "subject", subject)
    long.insert(0, "session", session)
    return _normalise(long)


#: ``quality_status`` values of the batch table (per channel, trial ``"quality"``).
QUALITY_STATUS_CODES = {"ok": 0.0, "warn": 1.0, "fail": 2.0}


def _quality_rows(result: BridgeResult) -> pd.DataFrame:
    """The quality gate of each channel as tidy rows (trial ``"quality"``, the channel's
    muscle and side): ``quality_status`` (0 ok, 1 warn, 2 fail) and ``issue_<code>`` = 1 for
    each problem found (codes of :data:`emgkit.analysis.quality.ISSUE_CODES`), so a cohort
    report can name which gate failed on which channel."""
    q = getattr(result, "quality", None)
    cols = ["trial", "muscle", "side", "metric", "value"]
    if not isinstance(q, pd.DataFrame) or q.empty or "status" not in q.columns:
        return pd.DataFrame(columns=cols)
    rows = []
    for _, r in q.iterrows():
        who = {"trial": "quality", "muscle": _str(r.get("muscle")), "side": _str(r.get("side"))}
        status = QUALITY_STATUS_CODES.get(str(r["status"]), np.nan)
        rows.append({**who, "metric": "quality_status", "value": status})
        for code in filter(None, str(r.get("issues", "")).split(";")):
            rows.append({**who, "metric": f"issue_{code}", "value": 1.0})
    return pd.DataFrame(rows, columns=cols)


def _normalise(df: pd.DataFrame) -> pd.DataFrame:
    """Column order and dtypes of the results table (identical fresh or from cache)."""
    out = pd.DataFrame(
        {
            c: df[c].map(_str).astype("str") if c in df.columns else pd.Series([], dtype="str")
            for c in RESULT_COLUMNS[:-1]
        }
    )
    out["value"] = df["value"].astype("float64").to_numpy() if "value" in df.columns else []
    return out.reset_index(drop=True)


def _empty_results() -> pd.DataFrame:
    return _normalise(pd.DataFrame(columns=list(RESULT_COLUMNS)))


def _session_ids(path: Path, rec: Any) -> tuple[str, str, str]:
    info = rec.info
    session = _str(getattr(info, "session", "")) or path.stem
    subject = _str(getattr(info, "subject", "")) or "anonymous"
    date = getattr(info, "date", None)
    iso = getattr(date, "isoformat", None)
    date_s = str(iso()) if callable(iso) else _str(date)
    return session, subject, date_s


def _analyze_path(path: str, montage: Any, protocol: Any, params: Any) -> tuple[str, Any]:
    """Analyse one session file (runs in a worker process).

    Returns ``("ok", (session, subject, date, DataFrame, seconds))`` or
    ``("error", (error_type, message))``: a failure never raises, so one bad file cannot stop
    the batch or kill a Dask worker.
    """
    import warnings

    t0 = time.perf_counter()
    try:
        from emgkit.analysis.bridge import analyze_bridge
        from emgkit.io import read

        p = Path(path)
        rec = read(p, montage=montage)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = analyze_bridge(rec, protocol, params)
        session, subject, date = _session_ids(p, rec)
        df = tidy_result(res, session, subject, date)
        return "ok", (session, subject, date, df, time.perf_counter() - t0)
    except Exception as exc:  # recorded in the errors table; the batch goes on
        return "error", (type(exc).__name__, str(exc) or repr(exc))


# --------------------------------------------------------------------------- cache


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


# --------------------------------------------------------------------------- engines


def _default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS/Windows
        return max(1, os.cpu_count() or 1)


def _run_serial(jobs: list[tuple[int, str]], args: tuple[Any, ...]) -> Iterable[tuple[int, Any]]:
    for i, path in jobs:
        yield i, _analyze_path(path, *args)


def _run_pool(
    jobs: list[tuple[int, str]], args: tuple[Any, ...], workers: int
) -> Iterable[tuple[int, Any]]:
    import importlib
    from concurrent.futures import ProcessPoolExecutor, as_completed

    # import the analysis stack once here: forked workers inherit it instead of each
    # importing scipy/numba again (with spawn/forkserver this is harmless)
    for mod in ("emgkit.analysis.bridge", "emgkit.io", "emgkit.io.edf"):
        importlib.import_module(mod)
    ex = ProcessPoolExecutor(max_workers=max(1, min(workers, len(jobs))))
    try:
        futs = {ex.submit(_analyze_path, path, *args): i for i, path in jobs}
        for fut in as_completed(futs):
            i = futs[fut]
            try:
                out = fut.result()
            except Exception as exc:  # worker died (BrokenProcessPool, MemoryError ...)
                out = ("error", (type(exc).__name__, str(exc) or repr(exc)))
            yield i, out
    finally:
        ex.shutdown(wait=True, cancel_futures=True)


def _run_dask(
    jobs: list[tuple[int, str]], args: tuple[Any, ...], client: Any, keys: list[str]
) -> Iterable[tuple[int, Any]]:
    from distributed import as_completed

    futs = {}
    for i, path in jobs:
        fut = client.submit(_analyze_path, path, *args, key=f"emgkit-{keys[i]}-{i}", pure=False)
        futs[fut] = i
    try:
        for fut in as_completed(list(futs)):
            i = futs[fut]
            try:
                out = fut.result()
            except Exception as exc:  # KilledWorker, lost connection ...
                out = ("error", (type(exc).__name__, str(exc) or repr(exc)))
            fut.release()
            yield i, out
    finally:
        for fut in futs:
            if not fut.done():
                fut.cancel()


def _connect(scheduler: str, timeout: float) -> Any:
    try:
        from distributed import Client
    except ImportError as exc:
        raise ConfigError(
            "a Dask scheduler was given but dask.distributed is not installed: "
            "pip install 'emgkit[dask]'"
        ) from exc
    try:
        return Client(scheduler, timeout=timeout)
    except OSError as exc:
        raise ConfigError(
            f"cannot reach the Dask scheduler at {scheduler} ({exc}); start it with "
            "`dask scheduler` and check host, port and firewall"
        ) from exc


# --------------------------------------------------------------------------- entry point


def analyze_many(
    paths: str | Path | Iterable[str | Path],
    *,
    client: Any = None,
    scheduler: str | None = None,
    workers: int | None = None,
    montage: Any = None,
    protocol: Protocol | str = "bridge",
    params: AnalysisParams | Mapping[str, Any] | None = None,
    cache_dir: str | Path | None = None,
    progress: bool = True,
    engine: str | None = None,
    connect_timeout: float = 30.0,
) -> BatchResult:
    """Analyse many sessions with the same settings (bridge test), in parallel.

    Parameters
    ----------
    paths : path, glob or iterable of them
        Session files in any format :func:`emgkit.io.read` understands; folders and globs
        (``"study/**/*.bdf"``) are expanded. With Dask the paths must be visible to every
        worker (shared storage), see ``docs/batch.md``.
    client : dask.distributed.Client, optional
        Run on this Dask cluster (left open: you own it).
    scheduler : str, optional
        Address of a running Dask scheduler (``"tcp://HOST:8786"``): a client is opened for the
        batch and closed afterwards.
    workers : int, optional
        Processes of the local pool (default: the CPUs this process may use).
    montage : str, Path, Montage or mapping, optional
        Passed to :func:`emgkit.io.read` for every file (e.g. ``"bridge6"`` for OpenBCI text).
    protocol : Protocol or str
        Protocol of the sessions (default: the shipped ``"bridge"``).
    params : AnalysisParams or mapping, optional
        Analysis parameters, the same for all sessions.
    cache_dir : str or Path, optional
        Keep one Parquet per analysed session here and reuse it when the file content, the
        settings and the emgkit version are unchanged. ``None``: no cache.
    progress : bool
        Show a tqdm progress bar over sessions (on stderr).
    engine : {"pool", "dask", "serial"}, optional
        Default: ``"dask"`` when ``client`` or ``scheduler`` is given, else ``"pool"``.
        ``"serial"`` runs in this process (debugging, benchmarks).
    connect_timeout : float
        Seconds to wait for ``scheduler``.

    Returns
    -------
    BatchResult
        ``results`` (tidy table), ``errors``, ``sessions``, ``settings``.

    Raises
    ------
    ConfigError
        No file matches, unknown parameter, bad engine, or the scheduler cannot be reached.

    Notes
    -----
    Scripts that use the pool or Dask must guard their entry point with
    ``if __name__ == "__main__":`` (worker processes may import the script again).

    Examples
    --------
    >>> res = analyze_many("study/*.bdf", workers=2, cache_dir="study.cache")  # doctest: +SKIP
    >>> res.results.query("metric == 'symmetry_angle'")  # doctest: +SKIP
    """
    p = _make_params(params)
    files = expand_paths(paths)
    if engine is None:
        engine = "dask" if (client is not None or scheduler is not None) else "pool"
    if engine not in ("pool", "dask", "serial"):
        raise ConfigError(f"engine must be 'pool', 'dask' or 'serial', got {engine!r}")
    if engine == "dask" and client is None and scheduler is None:
        raise ConfigError("engine='dask' needs client= or scheduler='tcp://HOST:PORT'")
    if isinstance(protocol, str):
        from emgkit.protocol import load_protocol

        proto: Any = load_protocol(protocol)
    else:
        proto = protocol
    settings = _settings(proto, montage, p)
    cdir = Path(cache_dir) if cache_dir is not None else None
    if cdir is not None:
        cdir.mkdir(parents=True, exist_ok=True)

    n = len(files)
    keys: list[str] = [""] * n
    frames: list[pd.DataFrame | None] = [None] * n
    rows: list[dict[str, Any]] = [{} for _ in range(n)]
    errors: list[dict[str, str]] = []
    jobs: list[tuple[int, str]] = []
    for i, f in enumerate(files):
        row: dict[str, Any] = {
            "path": str(f),
            "session": "",
            "subject": "",
            "date": "",
            "key": "",
            "status": "",
            "seconds": 0.0,
        }
        rows[i] = row
        try:
            keys[i] = session_key(f, settings)
        except OSError as exc:
            row["status"] = "error"
            errors.append({"path": str(f), "error_type": type(exc).__name__, "message": str(exc)})
            continue
        row["key"] = keys[i]
        hit = _cache_load(cdir, keys[i]) if cdir is not None else None
        if hit is not None:
            row.update(session=hit[0], subject=hit[1], date=hit[2], status="cached")
            frames[i] = hit[3]
        else:
            jobs.append((i, str(f)))

    from tqdm.auto import tqdm

    bar = tqdm(
        total=n,
        initial=n - len(jobs),
        desc="sessions",
        unit="session",
        disable=not progress,
        dynamic_ncols=True,
    )
    args = (montage, proto, p)
    own_client = None
    try:
        if not jobs:
            stream: Iterable[tuple[int, Any]] = ()
        elif engine == "serial":
            stream = _run_serial(jobs, args)
        elif engine == "pool":
            stream = _run_pool(jobs, args, workers or _default_workers())
        else:
            if client is None:
                own_client = client = _connect(str(scheduler), connect_timeout)
            stream = _run_dask(jobs, args, client, keys)
        for i, (status, payload) in stream:
            row = rows[i]
            if status == "ok":
                session, subject, date, df, secs = payload
                df = _normalise(df)
                row.update(
                    session=session,
                    subject=subject,
                    date=date,
                    status="analysed",
                    seconds=float(secs),
                )
                frames[i] = df
                if cdir is not None:
                    _cache_store(cdir, keys[i], (session, subject, date), df, files[i])
            else:
                etype, msg = payload
                row["status"] = "error"
                errors.append({"path": str(files[i]), "error_type": etype, "message": msg})
            bar.update(1)
    finally:
        bar.close()
        if own_client is not None:
            own_client.close()

    ids = unique_session_ids(
        [str(r.get("session", "")) for r in rows], files, [str(r.get("subject", "")) for r in rows]
    )
    for i, sid in enumerate(ids):
        if sid != rows[i].get("session", ""):
            rows[i]["session"] = sid
            frame = frames[i]
            if frame is not None:
                frames[i] = frame.assign(session=sid)
    good = [f for f in frames if f is not None]
    results = pd.concat(good, ignore_index=True) if good else _empty_results()
    err_df = pd.DataFrame(errors, columns=list(ERROR_COLUMNS)).astype("str")
    if len(err_df):
        order = {str(f): i for i, f in enumerate(files)}
        err_df = err_df.sort_values("path", key=lambda s: s.map(order)).reset_index(drop=True)
    sess = pd.DataFrame(rows, columns=list(SESSION_COLUMNS))
    return BatchResult(_normalise(results), err_df, sess, settings)


# --------------------------------------------------------------------------- files


def write_results(result: BatchResult, path: str | Path, *, csv: bool = False) -> list[Path]:
    """Write the tidy results as Parquet (metadata: emgkit version and every setting).

    Written through :func:`emgkit.io.results.write_results` (atomic; the same metadata layout
    as per-session results files), plus a plain ``<stem>.csv`` with ``csv=True`` (no comment
    header, for spreadsheets; the metadata is in the Parquet file) and ``<stem>.errors.csv``
    when sessions failed.

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
