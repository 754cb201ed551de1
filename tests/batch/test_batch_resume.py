"""Per-session cache: resume after a crash, no redo of finished sessions, invalidation."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import emgkit.app.batch.job as batch_job
import emgkit.app.batch.keys as batch_keys
from emgkit.app.batch import analyze_many, read_results, write_results

_REAL_ANALYZE = batch_job._analyze_path


class _Crash(BaseException):
    """Stands for a crash of the driver (not an Exception: the batch must not swallow it)."""


def _counting(monkeypatch: pytest.MonkeyPatch, crash_after: int | None = None) -> list[str]:
    calls: list[str] = []
    real = _REAL_ANALYZE

    def wrapper(path: str, *args: Any) -> Any:
        if crash_after is not None and len(calls) == crash_after:
            raise _Crash(path)
        calls.append(Path(path).name)
        return real(path, *args)

    monkeypatch.setattr(batch_job, "_analyze_path", wrapper)
    return calls


def test_simulated_crash_resumes_without_redoing(
    study: Path, tmp_path: Path, short_protocol: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = sorted(study.glob("p0?_s?.bdf"))
    cache = tmp_path / "cache"
    calls = _counting(monkeypatch, crash_after=2)
    with pytest.raises(_Crash):
        analyze_many(
            files, engine="serial", protocol=short_protocol, cache_dir=cache, progress=False
        )
    assert calls == [f.name for f in files[:2]]
    assert len(list(cache.glob("*.parquet"))) == 2
    assert not list(cache.glob(".*.tmp"))  # nothing half-written

    calls = _counting(monkeypatch)
    res = analyze_many(
        files, engine="serial", protocol=short_protocol, cache_dir=cache, progress=False
    )
    assert calls == [f.name for f in files[2:]]  # only the unfinished sessions
    assert list(res.sessions["status"]) == ["cached", "cached", "analysed", "analysed"]
    assert res.n_cached == 2 and res.n_analysed == 2

    # the resumed table equals an uncached run
    calls = _counting(monkeypatch)
    fresh = analyze_many(files, engine="serial", protocol=short_protocol, progress=False)
    assert len(calls) == 4
    pd.testing.assert_frame_equal(res.results, fresh.results)

    # a third run analyses nothing
    calls = _counting(monkeypatch)
    again = analyze_many(
        files, engine="serial", protocol=short_protocol, cache_dir=cache, progress=False
    )
    assert calls == [] and again.n_cached == 4
    pd.testing.assert_frame_equal(again.results, fresh.results)


def test_failed_sessions_are_retried_not_cached(
    study: Path, tmp_path: Path, short_protocol: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    first = analyze_many(
        study / "*.bdf", engine="serial", protocol=short_protocol, cache_dir=cache, progress=False
    )
    assert len(first.errors) == 1 and first.n_analysed == 4
    calls = _counting(monkeypatch)
    second = analyze_many(
        study / "*.bdf", engine="serial", protocol=short_protocol, cache_dir=cache, progress=False
    )
    assert calls == ["p03_broken.bdf"]
    assert second.n_cached == 4 and len(second.errors) == 1


def test_changes_invalidate_only_what_they_touch(
    study: Path, tmp_path: Path, short_protocol: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = sorted(study.glob("p0?_s?.bdf"))
    cache = tmp_path / "cache"
    base = analyze_many(
        files, engine="serial", protocol=short_protocol, cache_dir=cache, progress=False
    )

    # a changed parameter: every session is analysed again, and the values differ
    calls = _counting(monkeypatch)
    other = analyze_many(
        files,
        engine="serial",
        protocol=short_protocol,
        cache_dir=cache,
        params={"rms_window": 0.05},
        progress=False,
    )
    assert len(calls) == 4 and other.n_cached == 0
    mvc_a = base.results.query("metric == 'mvc_uv'")["value"].to_numpy()
    mvc_b = other.results.query("metric == 'mvc_uv'")["value"].to_numpy()
    assert mvc_a.shape == mvc_b.shape == (24,)
    assert (mvc_a != mvc_b).all()  # a shorter RMS window changes every MVC amplitude

    # a changed protocol (another setting) too
    calls = _counting(monkeypatch)
    analyze_many(
        files[:1],
        engine="serial",
        protocol=short_protocol.shortened(max_reps=1),
        cache_dir=cache,
        progress=False,
    )
    assert len(calls) == 1

    # both settings are now cached side by side
    calls = _counting(monkeypatch)
    analyze_many(
        files,
        engine="serial",
        protocol=short_protocol,
        cache_dir=cache,
        params={"rms_window": 0.05},
        progress=False,
    )
    analyze_many(files, engine="serial", protocol=short_protocol, cache_dir=cache, progress=False)
    assert calls == []

    # a changed file (here: its metadata sidecar) invalidates that session only
    side = files[1].with_name(files[1].name + ".json")
    assert side.is_file()
    side.write_text(side.read_text().replace("ses-2", "ses-2b"))
    res = analyze_many(
        files, engine="serial", protocol=short_protocol, cache_dir=cache, progress=False
    )
    assert calls == [files[1].name]
    assert "ses-2b" in set(res.results["session"])

    # another emgkit version: nothing is reused
    calls.clear()
    monkeypatch.setattr(batch_keys, "_version", lambda: "999.0")
    analyze_many(files, engine="serial", protocol=short_protocol, cache_dir=cache, progress=False)
    assert len(calls) == 4


@pytest.mark.timeout(180)
def test_killed_run_resumes(study: Path, tmp_path: Path) -> None:
    """SIGKILL the driver after some sessions: the next run reuses exactly those."""
    files = sorted(study.glob("p0?_s?.bdf"))
    cache = tmp_path / "cache"
    script = tmp_path / "run.py"
    script.write_text(
        textwrap.dedent(f"""
        from emgkit.protocol import load_protocol
        from emgkit.app.batch import analyze_many
        if __name__ == "__main__":
            proto = load_protocol("bridge").shortened(max_reps=2, hold_scale=0.3, rest_scale=0.2)
            analyze_many({[str(f) for f in files]!r}, engine="serial", protocol=proto,
                         cache_dir={str(cache)!r}, progress=False)
            print("finished")
    """)
    )
    proc = subprocess.Popen(
        [sys.executable, str(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline and proc.poll() is None:
            if len(list(cache.glob("*.parquet"))) >= 1:
                break
            time.sleep(0.02)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
        proc.stdout.close()  # type: ignore[union-attr]
        proc.stderr.close()  # type: ignore[union-attr]
    done = len(list(cache.glob("*.parquet")))
    assert 1 <= done <= 4
    assert not list(cache.glob(".*.tmp")) or done < 4  # a torn temp file is ignored anyway

    from emgkit.protocol import load_protocol

    proto = load_protocol("bridge").shortened(max_reps=2, hold_scale=0.3, rest_scale=0.2)
    res = analyze_many(files, engine="serial", protocol=proto, cache_dir=cache, progress=False)
    assert res.n_cached == done and res.n_analysed == 4 - done
    # sessions finish in order, so the cached ones are the first `done`
    assert list(res.sessions["status"]) == ["cached"] * done + ["analysed"] * (4 - done)


def test_parquet_metadata_and_csv(study: Path, tmp_path: Path, short_protocol: Any) -> None:
    res = analyze_many(
        study / "*.bdf",
        engine="serial",
        protocol=short_protocol,
        params={"rms_window": 0.08},
        progress=False,
    )
    written = write_results(res, tmp_path / "out" / "r.parquet", csv=True)
    assert [p.name for p in written] == ["r.parquet", "r.csv", "r.errors.csv"]
    table, meta = read_results(written[0])
    pd.testing.assert_frame_equal(table, res.results)
    from emgkit import __version__

    assert meta["emgkit_version"] == __version__
    assert meta["params"]["rms_window"] == 0.08
    assert meta["params"]["band"] == [20.0, 450.0]
    assert meta["protocol"]["name"] == "bridge"
    assert meta["n_errors"] == 1
    csv = pd.read_csv(written[1])
    assert len(csv) == len(res.results)
    errs = pd.read_csv(written[2])
    assert errs["path"].str.endswith("p03_broken.bdf").all()
