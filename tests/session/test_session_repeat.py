"""Repeat a trial: the first attempt stays in the file, labelled discarded; the analysis uses
the last attempt (issue 14)."""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import pytest

from emgkit.analysis.attempts import DISCARDED, drop_discarded
from emgkit.analysis.bridge import analyze_bridge
from emgkit.app.session import ScriptedUI, load_state, parse_answers, run_session
from emgkit.io import read
from emgkit.protocol import Protocol, Trial, load_protocol

from .test_session_runner import ANSWERS, FS, SPEED, TINY, _check_timing, _expected, _ordered


class RepeatingUI(ScriptedUI):
    """The operator restarts ``dlb`` after its 2nd rep once, and at ``dlb``'s instructions
    first asks to repeat the trial before it (``slb_left``)."""

    def __init__(self) -> None:
        super().__init__(parse_answers(ANSWERS))
        self.intro_repeat_done = False
        self.restart_done = False

    def trial_intro(self, trial: Trial, index: int, total: int):  # type: ignore[override]
        if trial.id == "dlb" and not self.intro_repeat_done:
            self.intro_repeat_done = True
            self._say("intro", f"{trial.id} -> repeat")
            return "repeat"
        return super().trial_intro(trial, index, total)

    def repeat_now(self, trial: Trial, reps_done: int) -> bool:
        if trial.id == "dlb" and reps_done == 2 and not self.restart_done:
            self.restart_done = True
            return True
        return False


@pytest.fixture
def tiny(tmp_path: Path) -> Protocol:
    p = tmp_path / "tiny.toml"
    p.write_text(TINY)
    return load_protocol(p)


def test_repeated_attempts_are_kept_labelled_and_left_out_of_the_analysis(
    tmp_path: Path, tiny: Protocol
) -> None:
    ui = RepeatingUI()
    res = run_session(
        tiny,
        "emulated-arduino",
        ui=ui,
        answers=ui.answers,
        out=tmp_path / "s",
        speed=SPEED,
        device_options={"fs": FS, "emulated_subject": "healthy", "seed": 2},
    )
    assert res.status == "complete" and res.merged is not None
    assert res.done == [t.id for t in tiny.expanded()]
    # slb_left ran twice, dlb three times (intro, restart, the kept attempt)
    intros = [d for k, d in ui.log if k == "intro"]
    assert intros == ["rest", "mvc_gm_left", "mvc_gm_right", "slb_left", "dlb -> repeat",
                      "slb_left", "dlb", "dlb"]  # fmt: skip
    rec = read(res.merged)
    spans = sorted((e for e in rec.events if e.label == DISCARDED), key=lambda e: e.onset)
    assert [(e.trial, e.value) for e in spans] == [("slb_left", "attempt 1"), ("dlb", "attempt 1")]
    # nothing is deleted: the first slb_left (answers included) and dlb's 2 reps are in the file
    first_slb, dlb_restart = spans

    def within(span, trial):  # events of ``trial`` inside ``span`` (half-open)
        return [
            (e.label, e.value)
            for e in rec.events
            if e.trial == trial and e.label != DISCARDED and span.onset <= e.onset < span.offset
        ]

    inside = within(first_slb, "slb_left")
    assert sorted(inside) == [("felt", "glute_max,hamstrings_left"), ("hold", "1"),
                              ("pain", "3"), ("rep", "1"), ("trial", "")]  # fmt: skip
    restarted = within(dlb_restart, "dlb")
    assert sorted(restarted) == [("hold", "1"), ("hold", "2"), ("rep", "1"), ("rep", "2")]
    # without the discarded attempts the file is exactly one clean run of the protocol, and
    # the kept attempts are the last ones
    kept = drop_discarded(rec)
    expected = _expected(tiny, {"slb_left": 3, "dlb": 1}, {"slb_left": "glute_max,hamstrings_left"})
    assert _ordered([e for e in kept.events if e.label != DISCARDED]) == expected
    _check_timing(kept, tiny)
    trials = {e.trial: e for e in kept.events if e.label == "trial"}
    assert trials["slb_left"].onset >= first_slb.offset - 1 / FS
    assert trials["dlb"].onset >= dlb_restart.offset - 1 / FS
    state = load_state(res.state_path)
    assert state["discarded"] == {"slb_left": 1, "dlb": 1}
    # the analysis agrees: one attempt per trial (2 x 2 dlb reps per side, not 2 + 4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = analyze_bridge(rec, tiny)
    reps = result.reps
    per_trial = reps[(reps.muscle == "glute_max") & (reps.side == "left")].groupby("trial").size()
    assert per_trial.to_dict() == {"dlb": 4, "slb_left": 1}
    assert set(result.reps.trial) == {"dlb", "slb_left"}


class _AheadRecorder:
    """A recorder whose samples are always ahead of the schedule (a loaded machine)."""

    fs = 1000.0

    def __init__(self) -> None:
        self.markers: list[tuple[str, str, str, int]] = []
        self._n = 0

    @property
    def n_samples(self) -> int:  # 100 s more at every look
        self._n += 100_000
        return self._n

    def add_marker(self, label, value, trial, *, sample, duration):
        self.markers.append((label, value, trial, sample))


def test_a_repeat_lands_after_the_rep_it_was_asked_at_when_samples_are_ahead() -> None:
    # the schedule never waits when the samples are ahead, and a repeat asked after rep 2
    # used to be seen only once the thread next had to wait: reps 3.. were already journalled
    from emgkit.app.session.schedule import _Repeat, _Segment
    from emgkit.protocol import Trial as _Trial

    class UI(ScriptedUI):
        def repeat_now(self, trial: Trial, reps_done: int) -> bool:
            return reps_done == 2

    rec = _AheadRecorder()
    seg = _Segment(rec, UI(parse_answers(ANSWERS)), time.monotonic, 0.001, 5.0)
    trial = _Trial(id="dlb", task="double_leg_bridge", side="both", hold_s=5.0, reps=5)
    with pytest.raises(_Repeat):
        seg.run_trial(trial, 3.0)
    reps = [v for label, v, _, _ in rec.markers if label == "rep"]
    assert reps == ["1", "2"]


class _FastDevice:
    """A recorder whose clock runs at ``rate`` samples per second of a fake wall clock."""

    fs = 2000.0

    def __init__(self, rate: float, now: list[float]) -> None:
        self.rate = rate
        self.now = now

    @property
    def n_samples(self) -> int:
        return int(self.rate * self.now[0])


def test_a_fast_device_does_not_run_a_poll_past_the_phase_end(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # an emulated device at 1000x delivers 2,000,000 samples per second of wall time: a
    # 10 ms poll is 20,000 samples, which a wait used to overshoot by up to that much (then
    # `sync` moved the schedule there, and the subject rested that much longer). Near the
    # target the wait now sleeps about as long as the missing samples take, judged from the
    # rate seen so far. A fake wall clock: each sleep advances it exactly.
    from emgkit.app.session import schedule

    now = [0.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    monkeypatch.setattr(schedule.time, "sleep", sleep)
    monkeypatch.setattr(schedule.time, "monotonic", lambda: now[0])
    rec = _FastDevice(2_000_000.0, now)
    seg = schedule._Segment(rec, ScriptedUI(parse_answers(ANSWERS)), lambda: now[0], 0.01, 5.0)
    seg.wait_until(50_000)  # the first wait learns the rate: polls of 10 ms
    assert sleeps[:2] == [0.01, 0.01]
    first = rec.n_samples - 50_000
    sleeps.clear()
    target = rec.n_samples + 30_000
    seg.wait_until(target)  # 15 ms of samples: a poll, then about the time the rest takes
    over = rec.n_samples - target
    # 10 ms (10,000 samples left), 0.9 x 5 ms, then the shortest wait (a tenth of a poll)
    assert sleeps == pytest.approx([0.01, 0.9 * 10_000 / 2e6, 0.001])
    assert 0 <= over <= 0.1 * 0.01 * 2e6  # at most a tenth of a poll's samples past it
    assert first == over == 1000  # the old wait: 10,000 (a full poll past 40,000 and 20,000)
    # at real time (2000 samples/s) the polls stay 10 ms until the last one
    now[0] = 0.0
    slow = _FastDevice(2000.0, now)
    seg = schedule._Segment(slow, ScriptedUI(parse_answers(ANSWERS)), lambda: now[0], 0.01, 5.0)
    sleeps.clear()
    seg.wait_until(1000)
    assert sleeps[:5] == [0.01] * 5 and slow.n_samples >= 1000
    assert all(s >= 0.001 for s in sleeps)
