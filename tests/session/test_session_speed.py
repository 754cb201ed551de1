"""Issue 14: --speed runs the cues fast but not the operator; --resume keeps it; --answers
still says how to resume; --short announces the hold it runs."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from emgkit.app import emulated
from emgkit.app.session import ScriptedUI, load_state, parse_answers, run_session
from emgkit.app.session.ui import instructions_for
from emgkit.cli import main
from emgkit.protocol import Protocol, load_protocol

SPEED = 25.0


class SpeedWatchingUI(ScriptedUI):
    """Notes the emulator's speed whenever the operator acts and whenever a cue runs."""

    def __init__(self, answers: Any, started: list[Any]) -> None:
        super().__init__(answers)
        self.started = started
        self.operator: list[float] = []
        self.cues: list[float] = []

    def _speed(self) -> float:
        return float(self.started[-1].speed)

    def trial_intro(self, trial, index, total):  # type: ignore[no-untyped-def]
        self.operator.append(self._speed())
        return super().trial_intro(trial, index, total)

    def ask_pain(self, trial):  # type: ignore[no-untyped-def]
        self.operator.append(self._speed())
        return super().ask_pain(trial)

    def cue(self, text: str, seconds: float) -> None:
        self.cues.append(self._speed())
        super().cue(text, seconds)


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    out: list[Any] = []
    real = emulated.start_emulator

    def spy(*args: Any, **kwargs: Any) -> Any:
        emu = real(*args, **kwargs)
        out.append(emu)
        return emu

    monkeypatch.setattr(emulated, "start_emulator", spy)
    return out


@pytest.fixture
def small() -> Protocol:
    p = load_protocol("bridge").shortened(max_reps=1, hold_scale=0.2, rest_scale=0.05)
    keep = [t for t in p.trials if t.id in ("rest", "slb_left", "slb_right")]
    return dataclasses.replace(p, trials=tuple(keep))


def test_operator_time_is_streamed_at_1x_and_cues_at_speed(
    tmp_path: Path, small: Protocol, started: list[Any]
) -> None:
    answers = parse_answers({"defaults": {"pain": 0, "felt": ["glute_max"]}})
    ui = SpeedWatchingUI(answers, started)
    res = run_session(small, "emulated-arduino", ui=ui, answers=answers, out=tmp_path / "s",
                      speed=SPEED, device_options={"fs": 1000.0})  # fmt: skip
    assert res.status == "complete"
    assert len(ui.operator) == 3 + 2  # 3 intros, 2 pain questions
    assert set(ui.operator) == {1.0}
    assert ui.cues and set(ui.cues) == {SPEED}


def test_resume_keeps_the_speed(tmp_path: Path, small: Protocol, started: list[Any]) -> None:
    answers = {"defaults": {"pain": 0, "felt": ["glute_max"]}}
    aborting = parse_answers({**answers, "abort": {"trial": "slb_left"}})
    res1 = run_session(small, "emulated-arduino", answers=aborting, out=tmp_path / "s",
                       speed=SPEED, device_options={"fs": 1000.0})  # fmt: skip
    assert res1.status == "aborted"
    assert load_state(res1.state_path)["speed"] == SPEED
    ui = SpeedWatchingUI(parse_answers(answers), started)
    res2 = run_session(None, None, ui=ui, resume_from=res1.state_path)  # no speed given
    assert res2.status == "complete"
    assert started[-1] is not started[0] and set(ui.cues) == {SPEED}


def test_answers_mode_says_how_to_resume(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "answers.toml"
    f.write_text('[defaults]\npain = 0\nfelt = []\n[abort]\ntrial = "mvc_glute_max_prone_left"\n')
    out = tmp_path / "s"
    argv = ["session", "--device", "emulated-arduino", "--out", str(out), "--short"]
    argv += ["--speed", "25", "--answers", str(f), "--fs", "1000"]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert f"emgkit session --resume {out / 'session.json'}" in text
    assert "recording segment 1" in text


def test_short_announces_the_hold_it_runs() -> None:
    p = load_protocol("bridge").shortened(max_reps=2, hold_scale=0.2, rest_scale=0.05)
    dlb = next(t for t in p.expanded() if t.id == "dlb_squeeze")
    assert "Hold 5 s" in dlb.instructions
    said = instructions_for(dlb)
    assert "Hold 1 s" in said and "5 s" not in said
    full = next(t for t in load_protocol("bridge").expanded() if t.id == "dlb_squeeze")
    assert instructions_for(full) == full.instructions
