"""The batch engines analyse each session on one thread (analyze_bridge(workers=1)).

The pool and Dask engines already run one session per CPU; a helper thread per session would
oversubscribe them. Every engine runs :func:`emgkit.app.batch.job._analyze_path`, so this is
checked there, with the default made to want (and use) threads for these short sessions.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from emgkit.analysis import _threads, bridge
from emgkit.app.batch import engines, job
from emgkit.protocol import Protocol


def test_each_session_runs_single_threaded(
    session_files: list[Path], short_protocol: Protocol, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_threads, "cpu_count", lambda: 2)  # the default would be 2 threads
    monkeypatch.setattr(_threads, "busy", lambda: False)
    monkeypatch.setattr(_threads, "numba_started", lambda kernel=None: True)  # and used
    assert _threads.resolve_workers(None) == 2
    asked: list[Any] = []
    pools: list[int] = []
    analyze = bridge.analyze_bridge
    helper_pool = _threads.helper_pool

    def spy(*a: Any, **kw: Any) -> Any:
        asked.append(kw.get("workers", "default"))
        return analyze(*a, **kw)

    def pool_spy(workers: int) -> Any:
        pools.append(workers)
        return helper_pool(workers)

    monkeypatch.setattr(bridge, "analyze_bridge", spy)
    monkeypatch.setattr(_threads, "helper_pool", pool_spy)
    outcomes = list(
        engines._run_serial(
            list(enumerate(map(str, session_files[:2]))), (None, short_protocol, None)
        )
    )
    assert [o[1][0] for o in outcomes] == ["ok", "ok"]
    assert asked == [1, 1]
    assert pools and set(pools) == {1}  # no helper thread was started
    assert not [t for t in threading.enumerate() if t.name.startswith("emgkit-analysis")]
    assert job._analyze_path(str(session_files[2]), None, short_protocol, None)[0] == "ok"
    assert asked[-1] == 1
