"""Execution engines: run the per-session job serially, on a process pool or on Dask.

Each engine yields ``(index, outcome)`` pairs as sessions finish; a worker that dies becomes an
``("error", ...)`` outcome, never an exception. The job is looked up on :mod:`.job` at call time
(tests replace it there).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from emgkit.app.batch import job
from emgkit.errors import ConfigError


def _default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS/Windows
        return max(1, os.cpu_count() or 1)


def _run_serial(jobs: list[tuple[int, str]], args: tuple[Any, ...]) -> Iterable[tuple[int, Any]]:
    for i, path in jobs:
        yield i, job._analyze_path(path, *args)


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
        futs = {ex.submit(job._analyze_path, path, *args): i for i, path in jobs}
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
        fut = client.submit(job._analyze_path, path, *args, key=f"emgkit-{keys[i]}-{i}", pure=False)
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
