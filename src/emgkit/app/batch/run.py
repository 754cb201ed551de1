"""The batch entry point: plan (keys, cache hits), run the jobs on an engine, collect tables."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from emgkit.app.batch.cache import _cache_load, _cache_store
from emgkit.app.batch.discover import expand_paths, unique_session_ids
from emgkit.app.batch.engines import _connect, _default_workers, _run_dask, _run_pool, _run_serial
from emgkit.app.batch.keys import _make_params, _settings, session_key
from emgkit.app.batch.progress import session_bar
from emgkit.app.batch.tables import (
    ERROR_COLUMNS,
    SESSION_COLUMNS,
    BatchResult,
    _empty_results,
    _normalise,
)
from emgkit.errors import ConfigError

if TYPE_CHECKING:
    from emgkit.analysis.bridge import AnalysisParams
    from emgkit.protocol import Protocol


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

    plan = _plan(files, settings, cdir)
    bar = session_bar(len(files), len(files) - len(plan.jobs), enabled=progress)
    args = (montage, proto, p)
    own_client = None
    try:
        if not plan.jobs:
            stream: Iterable[tuple[int, Any]] = ()
        elif engine == "serial":
            stream = _run_serial(plan.jobs, args)
        elif engine == "pool":
            stream = _run_pool(plan.jobs, args, workers or _default_workers())
        else:
            if client is None:
                own_client = client = _connect(str(scheduler), connect_timeout)
            stream = _run_dask(plan.jobs, args, client, plan.keys)
        for i, outcome in stream:
            _record(plan, i, outcome, cdir)
            bar.update(1)
    finally:
        bar.close()
        if own_client is not None:
            own_client.close()
    return _collect(plan, settings)


@dataclass(slots=True)
class _Plan:
    """The state of one batch: per input file its key, table and session row; the jobs left."""

    files: list[Path]
    keys: list[str]
    frames: list[pd.DataFrame | None]
    rows: list[dict[str, Any]]
    errors: list[dict[str, str]] = field(default_factory=list)
    jobs: list[tuple[int, str]] = field(default_factory=list)


def _plan(files: list[Path], settings: Mapping[str, Any], cdir: Path | None) -> _Plan:
    """Key every file, take what the cache holds, and list the sessions left to analyse."""
    n = len(files)
    plan = _Plan(files, [""] * n, [None] * n, [{} for _ in range(n)])
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
        plan.rows[i] = row
        try:
            plan.keys[i] = session_key(f, settings)
        except OSError as exc:
            row["status"] = "error"
            plan.errors.append(
                {"path": str(f), "error_type": type(exc).__name__, "message": str(exc)}
            )
            continue
        row["key"] = plan.keys[i]
        hit = _cache_load(cdir, plan.keys[i]) if cdir is not None else None
        if hit is not None:
            row.update(session=hit[0], subject=hit[1], date=hit[2], status="cached")
            plan.frames[i] = hit[3]
        else:
            plan.jobs.append((i, str(f)))
    return plan


def _record(plan: _Plan, i: int, outcome: tuple[str, Any], cdir: Path | None) -> None:
    """Enter the outcome of job ``i`` in the plan (and the cache, when analysed)."""
    status, payload = outcome
    row = plan.rows[i]
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
        plan.frames[i] = df
        if cdir is not None:
            _cache_store(cdir, plan.keys[i], (session, subject, date), df, plan.files[i])
    else:
        etype, msg = payload
        row["status"] = "error"
        plan.errors.append({"path": str(plan.files[i]), "error_type": etype, "message": msg})


def _collect(plan: _Plan, settings: dict[str, Any]) -> BatchResult:
    """Unique session ids, then the results, errors and sessions tables in input order."""
    files, rows, frames = plan.files, plan.rows, plan.frames
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
    err_df = pd.DataFrame(plan.errors, columns=list(ERROR_COLUMNS)).astype("str")
    if len(err_df):
        order = {str(f): i for i, f in enumerate(files)}
        err_df = err_df.sort_values("path", key=lambda s: s.map(order)).reset_index(drop=True)
    sess = pd.DataFrame(rows, columns=list(SESSION_COLUMNS))
    return BatchResult(_normalise(results), err_df, sess, settings)
