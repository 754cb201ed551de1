"""The threads of one analysis: how many (``workers``), and the helper pool.

An analysis runs its steps on the calling thread and, given ``workers >= 2``, hands a few
independent steps to helper threads: the quality step's wander and motion screen, the envelope
(moving RMS) and the clipping/flat pass, while the calling thread band-passes the signal, checks
the hum and finds the onsets of every rep (docs/performance.md, "30-min analysis, session 7").
The numba kernels run without the GIL (``nogil=True``, :mod:`emgkit.signal._numba`) and large
numpy operations release it, so the two threads overlap; the onsets are mostly small numpy calls
that hold it, which is why the steps are overlapped rather than the channels split.

Results are identical to the serial path bit for bit: every step computes the same values from
the same inputs in the same order whichever thread runs it, and nothing is reduced across threads.
One rule keeps it so: a kernel with a numpy or scipy counterpart picks between them by whether
numba has started in the process (:func:`emgkit.signal._kernels.numba_started`), a state that a
step on another thread could change mid-way, so the helpers run only when numba has already
started (:func:`helpers_for`); before that the steps run serially whatever ``workers`` says.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

from emgkit.errors import ConfigError
from emgkit.signal._kernels import numba_started
from emgkit.signal._numba import NUMBA_ENABLED

__all__ = ["busy", "cpu_count", "earlier_first", "helper_pool", "helpers_for", "resolve_workers"]

T = TypeVar("T")


def cpu_count() -> int:
    """The CPUs this process may run on (at least 1)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS/Windows
        return max(1, os.cpu_count() or 1)


def busy() -> bool:
    """True if every CPU is already busy: the 1-minute load average is at least :func:`cpu_count`.

    A helper thread then shares a CPU with other processes, and the two threads' hand-offs of
    the GIL wait for the scheduler: on the 2-CPU VM the 30-min analysis ran 0.7-0.8x the serial
    wall time at load 2.2-3.9 against 1.24x at load 0.7-0.9 (docs/performance.md, "30-min
    analysis, session 7"). False where the load average is not available.
    """
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # pragma: no cover - Windows
        return False
    return load >= cpu_count()


def resolve_workers(workers: int | None) -> int:
    """The number of threads an analysis may use.

    Parameters
    ----------
    workers : int or None
        The caller's choice: ``1`` runs every step on the calling thread (the serial path);
        ``n >= 2`` allows ``n - 1`` helper threads; ``None`` picks ``min(2, cpu_count())`` with
        numba enabled unless every CPU is already busy (:func:`busy`), else 1 (the analysis
        overlaps two streams of work, so more threads than 2 find nothing more to do). Helpers
        run only once numba has started in the process (:func:`helpers_for`): a short session
        analysed in a fresh process stays serial and never starts numba; after that, on a CPU
        otherwise idle, threads paid at every size measured (the demo session 1.31x, a 2-minute
        one 1.1x: docs/performance.md, "30-min analysis, session 7").

    Returns
    -------
    int
        At least 1.

    Raises
    ------
    ConfigError
        ``workers`` is not a positive integer or None.
    """
    if workers is None:
        return min(2, cpu_count()) if NUMBA_ENABLED and not busy() else 1
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ConfigError(f"workers must be a positive integer or None, got {workers!r}")
    return workers


@contextmanager
def helper_pool(workers: int) -> Iterator[ThreadPoolExecutor | None]:
    """``workers - 1`` helper threads for the duration of the block (None when ``workers <= 1``).

    On leaving the block (normally or by an exception) tasks not started are cancelled and the
    running ones are waited for, so no helper outlives the analysis that started it.
    """
    if workers <= 1:
        yield None
        return
    pool = ThreadPoolExecutor(max_workers=workers - 1, thread_name_prefix="emgkit-analysis")
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def helpers_for(pool: ThreadPoolExecutor | None) -> ThreadPoolExecutor | None:
    """``pool`` if steps may run on it now, else None (run them on the calling thread).

    They may once numba has started in this process: every kernel with a numpy or scipy
    counterpart then takes the kernel, so no step on one thread changes which code another
    step runs (the choice before that depends on the order of the calls).
    """
    if pool is None or not (NUMBA_ENABLED and numba_started()):
        return None
    return pool


def earlier_first(earlier: Callable[[], Any] | None, fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)``; if it raises, ``earlier()`` first (its exception wins if it raises one).

    ``earlier`` finishes the steps that the serial path runs before ``fn`` (typically a helper's
    ``Future.result``): their error is the one the serial path would have raised.
    """
    try:
        return fn(*args)
    except BaseException:
        if earlier is not None:
            earlier()
        raise
