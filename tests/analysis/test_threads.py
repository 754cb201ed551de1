"""analyze_bridge(workers=...): the threaded path gives the serial results bit for bit.

With ``workers >= 2`` and numba started (``emgkit.analysis._threads.helpers_for``), the quality
step's wander/motion screen, its clipping/flat pass and the envelope run on a helper thread
while the calling thread band-passes, checks the hum and finds every rep's onsets ahead of the
rep table. These tests force "numba started" (as after a long analysis in the same process) so
that a short session takes that path, check that it did, and compare every result with
``workers=1``; errors raised on either thread must be the serial path's.
"""

from __future__ import annotations

import dataclasses
import threading
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest

import emgkit.signal._kernels as _kernels
from emgkit.analysis import _threads, bridge, quality
from emgkit.analysis.bridge import BridgeResult, analyze_bridge
from emgkit.analysis.interpret import interpret
from emgkit.analysis.params import AnalysisParams
from emgkit.analysis.quality import assess_recording
from emgkit.errors import ConfigError, SignalError
from emgkit.protocol import Protocol, load_protocol
from emgkit.recording import Recording
from emgkit.signal._numba import NUMBA_ENABLED
from emgkit.simulate import synthesize_session
from emgkit.simulate.faults import ECG, Mains, MotionSpikes

PROTO = load_protocol("bridge").shortened(max_reps=2, rest_scale=0.3)


@pytest.fixture(scope="module")
def session() -> Recording:
    """Eight channels at 2 kHz with hum, ECG and motion spikes (cleaning and motion events)."""
    rec, _ = synthesize_session(
        "right_inhibition",
        fs=2000.0,
        protocol=PROTO,
        montage="bridge8",
        seed=7,
        faults=[Mains(50.0, 20.0), ECG(), MotionSpikes()],
    )
    return rec


@pytest.fixture()
def numba_started(monkeypatch: pytest.MonkeyPatch) -> None:
    """As after a long analysis in this process: every kernel, and threads allowed.

    Without numba (``EMGKIT_NUMBA=0``) no helper thread is ever used (the kernels would run as
    Python, holding the GIL): every analysis is serial (:func:`test_default_workers`), so the
    threaded-path tests have nothing to compare and are skipped.
    """
    if not NUMBA_ENABLED:
        pytest.skip("EMGKIT_NUMBA=0: analyses are serial (no helper thread without numba)")
    monkeypatch.setattr(_kernels, "_ZERO_PHASE_RAN", True)


@pytest.fixture()
def threads_seen(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the threads that ran the wander/motion screen (bridge._low_measures)."""
    seen: list[str] = []
    low = quality._low_measures

    def spy(*a: Any) -> Any:
        seen.append(threading.current_thread().name)
        return low(*a)

    monkeypatch.setattr(bridge, "_low_measures", spy)  # the threaded path's
    monkeypatch.setattr(quality, "_low_measures", spy)  # assess_recording's (the serial path)
    return seen


def _analyze(rec: Recording, workers: int, proto: Protocol = PROTO, **kw: Any) -> BridgeResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return analyze_bridge(rec, proto, workers=workers, **kw)


def _assert_identical(a: BridgeResult, b: BridgeResult) -> None:
    for f in dataclasses.fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, pd.DataFrame):
            assert x.equals(y), f.name
            assert list(x.columns) == list(y.columns), f.name
            assert list(x.dtypes) == list(y.dtypes), f.name
        elif isinstance(x, np.ndarray):
            assert x.dtype == y.dtype and np.array_equal(x, y, equal_nan=True), f.name
        elif isinstance(x, float) and np.isnan(x):
            assert np.isnan(y), f.name
        else:
            assert x == y, f.name
    assert [dataclasses.asdict(f) for f in interpret(a)] == [
        dataclasses.asdict(f) for f in interpret(b)
    ]


@pytest.mark.usefixtures("numba_started")
def test_threaded_equals_serial_bit_for_bit(session: Recording, threads_seen: list[str]) -> None:
    serial = _analyze(session, 1)
    assert threads_seen == ["MainThread"]
    threaded = _analyze(session, 2)
    assert threads_seen[1].startswith("emgkit-analysis")  # the helper ran it
    assert serial.notes and any("hum" in n for n in serial.notes)  # something was cleaned
    assert np.isfinite(serial.reps["onset_s"]).sum() > 20
    assert (serial.quality["motion_per_min"] > 0).any()
    _assert_identical(serial, threaded)
    assert not [t for t in threading.enumerate() if t.name.startswith("emgkit-analysis")]


@pytest.mark.usefixtures("numba_started")
def test_threaded_equals_serial_with_gaps_and_own_filter(
    session: Recording, threads_seen: list[str]
) -> None:
    # NaN gaps: the quality band is not the analysis's filtered signal, so the calling thread
    # filters (envelopes) while the helper measures wander and motion
    data = session.data.copy()
    data[40_000:40_600, 2] = np.nan
    data[90_000:90_100] = np.nan
    gappy = session.with_data(data)
    _assert_identical(_analyze(gappy, 1), _analyze(gappy, 2))
    # non-default filter settings: the same, without gaps
    p = AnalysisParams(band=(25.0, 400.0))
    _assert_identical(_analyze(session, 1, params=p), _analyze(session, 3, params=p))
    assert threads_seen.count("MainThread") == 2 and len(threads_seen) == 4


@pytest.mark.usefixtures("numba_started")
def test_assess_recording_threaded_equals_serial(session: Recording) -> None:
    a = assess_recording(session, workers=1)
    b = assess_recording(session, workers=2)
    assert a.channels.equals(b.channels) and a.actions == b.actions
    assert a.band is not None and b.band is not None and np.array_equal(a.band, b.band)
    assert np.array_equal(a.recording.data, b.recording.data, equal_nan=True)


@pytest.mark.usefixtures("numba_started")
def test_threads_from_the_point_numba_starts(
    session: Recording, threads_seen: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # a single analysis of a long recording in a fresh process: numba starts in the stage (the
    # hum check reads the whole recording), so the clipping/flat pass runs serially and the
    # rest on two threads
    asked: list[bool] = []

    def started(kernel: Any = None) -> bool:
        asked.append(bool(asked))
        return asked[-1]  # False at the first question, True afterwards

    monkeypatch.setattr(_threads, "numba_started", started)
    threaded = _analyze(session, 2)
    assert asked[:2] == [False, True]
    assert threads_seen[0].startswith("emgkit-analysis")
    _assert_identical(_analyze(session, 1), threaded)


@pytest.mark.skipif(not NUMBA_ENABLED, reason="EMGKIT_NUMBA=0: numba never starts")
def test_no_helper_before_numba_started(
    session: Recording, threads_seen: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # a fresh process analysing a short session: its calls take numpy/scipy counterparts whose
    # choice depends on call order, so workers=2 runs serially there
    monkeypatch.setattr(_threads, "numba_started", lambda kernel=None: False)
    _analyze(session, 2)
    assert threads_seen == ["MainThread"]


@pytest.mark.usefixtures("numba_started")
@pytest.mark.parametrize("workers", [1, 2])
def test_helper_error_is_the_serial_error(
    session: Recording, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    def broken(*a: Any) -> Any:
        raise SignalError("wander screen failed")

    monkeypatch.setattr(bridge, "_low_measures", broken)
    monkeypatch.setattr(quality, "_low_measures", broken)
    with pytest.raises(SignalError, match="wander screen failed") as info:
        _analyze(session, workers)
    # the traceback reaches the step that raised, whichever thread ran it
    assert info.traceback[-1].name == "broken"
    assert not [t for t in threading.enumerate() if t.name.startswith("emgkit-analysis")]


@pytest.mark.usefixtures("numba_started")
@pytest.mark.parametrize("workers", [1, 2])
def test_onset_error_raised_at_its_rep(
    session: Recording, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    calls: list[int] = []
    rep_onsets = bridge._rep_onsets

    def third_fails(*a: Any) -> Any:
        calls.append(1)
        if len(calls) == 3:
            raise SignalError("rep 3 broken")
        return rep_onsets(*a)

    monkeypatch.setattr(bridge, "_rep_onsets", third_fails)
    with pytest.raises(SignalError, match="rep 3 broken"):
        _analyze(session, workers)


@pytest.mark.usefixtures("numba_started")
def test_earlier_step_error_wins(session: Recording, monkeypatch: pytest.MonkeyPatch) -> None:
    # the serial path measures wander/motion before it finds onsets: its error comes first
    def broken_low(*a: Any) -> Any:
        raise SignalError("wander screen failed")

    def broken_onsets(*a: Any) -> Any:
        raise ConfigError("onsets failed")

    monkeypatch.setattr(bridge, "_low_measures", broken_low)
    monkeypatch.setattr(quality, "_low_measures", broken_low)
    monkeypatch.setattr(bridge, "_rep_onsets", broken_onsets)
    for workers in (1, 2):
        with pytest.raises(SignalError, match="wander screen failed"):
            _analyze(session, workers)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_bad_workers_is_a_config_error(session: Recording, bad: Any) -> None:
    with pytest.raises(ConfigError, match="workers"):
        _analyze(session, bad)


def test_default_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_threads, "NUMBA_ENABLED", True)  # the rule itself, numba on or off
    monkeypatch.setattr(_threads, "cpu_count", lambda: 2)
    monkeypatch.setattr(_threads.os, "getloadavg", lambda: (0.9, 0.5, 0.3))  # a CPU idle
    assert not _threads.busy()
    assert _threads.resolve_workers(None) == 2
    monkeypatch.setattr(_threads.os, "getloadavg", lambda: (2.0, 1.5, 1.0))  # every CPU busy
    assert _threads.busy()
    assert _threads.resolve_workers(None) == 1
    assert _threads.resolve_workers(2) == 2  # an explicit number is kept
    assert _threads.resolve_workers(3) == 3
    assert _threads.resolve_workers(1) == 1
    monkeypatch.setattr(_threads, "cpu_count", lambda: 1)
    assert _threads.resolve_workers(None) == 1
    monkeypatch.setattr(_threads, "NUMBA_ENABLED", False)  # EMGKIT_NUMBA=0: nothing runs nogil
    monkeypatch.setattr(_threads, "cpu_count", lambda: 8)
    assert _threads.resolve_workers(None) == 1
    assert _threads.helpers_for(object()) is None  # type: ignore[arg-type]
