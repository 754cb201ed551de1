"""Guided session end to end: an emulated Arduino on a pty, a scripted subject, resume."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from emgkit.acquisition.recorder import Recorder
from emgkit.app.emulated import recorder as make_recorder
from emgkit.app.session import (
    ScriptedUI,
    TerminalUI,
    load_state,
    merge_segments,
    parse_answers,
    planned_duration,
    run_session,
)
from emgkit.app.session.runner import LIFT_S, LOWER_S, MVC_RAMP_S, MVC_RELEASE_S, TAIL_S
from emgkit.errors import ConfigError
from emgkit.io import read
from emgkit.protocol import Protocol, load_protocol
from emgkit.recording import Event, Recording

SPEED = 25.0
FS = 1000.0

TINY = """
name = "tiny"
[[trials]]
id = "rest"
task = "rest"
hold_s = 1.0
rest_s = 0.5
[[trials]]
id = "mvc_gm"
task = "mvc"
muscle = "glute_max"
side = "each"
hold_s = 1.0
reps = 1
rest_s = 0.5
[[trials]]
id = "slb_left"
task = "single_leg_bridge"
side = "left"
hold_s = 1.5
rest_s = 0.5
ask_pain = true
ask_felt = true
[[trials]]
id = "dlb"
task = "double_leg_bridge"
cue = "squeeze_first"
hold_s = 0.5
reps = 2
sets = 2
rep_rest_s = 0.25
rest_s = 0.75
ask_pain = true
"""

ANSWERS = {
    "trials": {
        "slb_left": {"pain": 3, "felt": ["glute_max", "hamstrings_left"]},
        "dlb": {"pain": 1},
    }
}


@pytest.fixture
def tiny(tmp_path: Path) -> Protocol:
    p = tmp_path / "tiny.toml"
    p.write_text(TINY)
    return load_protocol(p)


def _expected(proto: Protocol, pains: dict[str, int], felt: dict[str, str]) -> list[tuple]:
    """(label, trial, value) of every event the session must write, in time order."""
    out: list[tuple] = []
    for t in proto.expanded():
        out.append(("trial", t.id, ""))
        if t.task != "rest":
            for n in range(1, t.total_reps + 1):
                out += [("rep", t.id, str(n)), ("hold", t.id, str(n))]
        if t.ask_felt:
            out.append(("felt", t.id, felt[t.id]))
        if t.ask_pain:
            out.append(("pain", t.id, str(pains[t.id])))
    return out


def _key(e: Event) -> tuple:
    return (e.label, e.trial, e.value)


def _ordered(events: list[Event]) -> list[tuple]:
    # trial spans start first; pain/felt sit at the trial's end: order by (trial start, kind)
    starts = {e.trial: e.onset for e in events if e.label == "trial"}
    rank = {"trial": 0, "rep": 1, "hold": 1, "felt": 2, "pain": 3}
    return [
        _key(e)
        for e in sorted(events, key=lambda e: (starts[e.trial], rank[e.label], e.onset, e.label))
    ]


def _check_timing(rec: Recording, proto: Protocol) -> None:
    """Spans: exact phase lengths on the sample clock, nesting, ordering."""
    tol = 1.5 / rec.fs
    trials = {e.trial: e for e in rec.events if e.label == "trial"}
    last_end = 0.0
    for t in proto.expanded():
        tr = trials[t.id]
        assert tr.onset >= last_end - tol  # trials do not overlap
        last_end = tr.offset
        if t.task == "rest":
            assert tr.duration == pytest.approx(t.hold_s, abs=tol)
            continue
        mvc = t.task == "mvc"
        lift, lower = (MVC_RAMP_S, MVC_RELEASE_S) if mvc else (LIFT_S, LOWER_S)
        reps = sorted(
            (e for e in rec.events if e.label == "rep" and e.trial == t.id), key=lambda e: e.onset
        )
        holds = {e.value: e for e in rec.events if e.label == "hold" and e.trial == t.id}
        assert reps[0].onset == pytest.approx(tr.onset + 3.0, abs=tol)  # after the countdown
        assert tr.offset == pytest.approx(reps[-1].offset + TAIL_S, abs=tol)
        for i, r in enumerate(reps):
            h = holds[r.value]
            assert r.duration == pytest.approx(lift + t.hold_s + lower, abs=tol)
            assert h.duration == pytest.approx(t.hold_s, abs=tol)
            assert h.onset == pytest.approx(r.onset + lift, abs=tol)
            if i:
                gap = r.onset - reps[i - 1].offset
                between_sets = i % t.reps == 0
                assert gap == pytest.approx(t.rest_s if between_sets else t.rep_rest_s, abs=tol)
        for e in rec.events:
            if e.trial == t.id and e.label in ("pain", "felt"):
                assert e.onset == pytest.approx(tr.offset, abs=tol)


def test_scripted_session_writes_the_expected_events(
    tmp_path: Path, tiny: Protocol, monkeypatch: pytest.MonkeyPatch
) -> None:
    import emgkit.io

    files_read: list[Path] = []
    real_read = emgkit.io.read

    def counted(path: Path, **kw: object) -> Recording:
        files_read.append(Path(path))
        return real_read(path, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(emgkit.io, "read", counted)
    ui = ScriptedUI(parse_answers(ANSWERS))
    res = run_session(
        tiny,
        "emulated-arduino",
        ui=ui,
        answers=ui.answers,
        out=tmp_path / "s",
        speed=SPEED,
        device_options={"fs": FS},
    )
    assert res.status == "complete"
    assert res.remaining == [] and res.skipped == []
    assert res.done == [t.id for t in tiny.expanded()]
    assert res.merged is not None and len(res.segments) == 1
    # the merge took the segment as its recorder read it back, not from the file again ...
    assert files_read == []
    # ... and wrote the very file a merge from the segment files writes
    again = merge_segments(res.state_path, out=tmp_path / "again.bdf")
    assert files_read == [res.segments[0]]
    assert again.read_bytes() == res.merged.read_bytes()
    rec = read(res.merged)
    expected = _expected(tiny, {"slb_left": 3, "dlb": 1}, {"slb_left": "glute_max,hamstrings_left"})
    assert _ordered(rec.events) == expected
    _check_timing(rec, tiny)
    # the recording covers the planned protocol (plus the small scheduling slack per trial)
    assert rec.duration >= planned_duration(tiny) - tiny.expanded()[-1].rest_s
    assert rec.fs == FS and rec.channel_names[:2] == read(res.segments[0]).channel_names[:2]
    # the operator saw the cues in order
    cues = [d for k, d in ui.log if k == "cue"]
    assert cues[:2] == ["GET READY", "RELAX"]
    assert cues.count("LIFT") == 1 + 4 and cues.count("PUSH") == 2
    state = load_state(res.state_path)
    assert state["status"] == "complete" and state["merged"] == "session.bdf"


def test_abort_then_resume_loses_nothing_and_records_nothing_twice(
    tmp_path: Path, tiny: Protocol
) -> None:
    out = tmp_path / "s"
    aborting = parse_answers({**ANSWERS, "abort": {"trial": "dlb", "after_rep": 1}})
    res1 = run_session(
        tiny, "emulated-arduino", answers=aborting, out=out, speed=SPEED, device_options={"fs": FS}
    )
    assert res1.status == "aborted"
    assert res1.remaining == ["dlb"] and res1.merged is None
    seg1 = read(res1.segments[0])
    # the half-done trial is in the first segment file (nothing thrown away) ...
    assert [_key(e) for e in seg1.events if e.trial == "dlb"] == [
        ("rep", "dlb", "1"),
        ("hold", "dlb", "1"),
    ]
    state = load_state(res1.state_path)
    assert state["segments"][0]["partial"] == "dlb"
    assert state["status"] == "aborted"

    # a new session in the same folder is refused: resume it instead
    with pytest.raises(ConfigError, match="--resume"):
        run_session(tiny, "emulated-arduino", answers=aborting, out=out, speed=SPEED)

    ui = ScriptedUI(parse_answers(ANSWERS))
    res2 = run_session(None, None, ui=ui, resume_from=res1.state_path, speed=SPEED)
    assert res2.status == "complete" and res2.remaining == []
    assert [k for k, d in ui.log if k == "intro"] == ["intro"]  # only dlb was run again
    assert len(res2.segments) == 2 and res2.merged is not None
    seg2 = read(res2.segments[1])
    assert {e.trial for e in seg2.events} == {"dlb"}
    merged = read(res2.merged)
    expected = _expected(tiny, {"slb_left": 3, "dlb": 1}, {"slb_left": "glute_max,hamstrings_left"})
    assert _ordered(merged.events) == expected  # every trial once, the partial dlb left out
    _check_timing(merged, tiny)
    # segments back to back with a 1 s gap of missing samples between them
    assert merged.n_samples == seg1.n_samples + round(FS) + seg2.n_samples
    resumed = [g for g in merged.gaps if g.reason == "session resumed"]
    assert len(resumed) == 1 and resumed[0].start == seg1.n_samples
    dlb = next(e for e in merged.events if e.trial == "dlb" and e.label == "trial")
    assert dlb.onset > seg1.duration


def test_resume_after_a_crash_recovers_the_journal(tmp_path: Path, tiny: Protocol) -> None:
    out = tmp_path / "s"

    def factory(bdf: Path) -> Recorder:
        emu = {"realtime": False, "subject": None, "duration": 30.0, "loop": True}
        return make_recorder("emulated-arduino", out=bdf, fs=FS, keep_journal=True, emulator=emu)

    aborting = parse_answers({**ANSWERS, "abort": {"trial": "slb_left"}})
    res1 = run_session(tiny, factory, answers=aborting, out=out)
    assert res1.status == "aborted" and res1.remaining == ["slb_left", "dlb"]
    # make it look like the process died while recording: no BDF+, only the journal
    seg = res1.segments[0]
    assert seg.with_name(seg.name + ".journal").is_dir()
    seg.unlink()
    state = json.loads(res1.state_path.read_text())
    state["segments"][0]["status"] = "recording"
    res1.state_path.write_text(json.dumps(state))

    res2 = run_session(None, factory, answers=parse_answers(ANSWERS), resume_from=out)
    assert res2.status == "complete"
    assert seg.is_file()  # finalised from the journal
    merged = read(res2.merged)  # type: ignore[arg-type]
    expected = _expected(tiny, {"slb_left": 3, "dlb": 1}, {"slb_left": "glute_max,hamstrings_left"})
    assert _ordered(merged.events) == expected


def test_skip_and_terminal_ui(tmp_path: Path, tiny: Protocol) -> None:
    # the operator at a (non-TTY) terminal: skips the MVCs, mistypes the pain rating once
    typed = "\n" + "s\n" + "s\n" + "\n" + "12\n3\n" + "gluteus\nglute_max, hamstrings\n" + "\n2\n"
    stdout = io.StringIO()
    ui = TerminalUI(io.StringIO(typed), stdout)
    res = run_session(
        tiny, "emulated-arduino", ui=ui, out=tmp_path / "s", speed=SPEED, device_options={"fs": FS}
    )
    assert res.status == "complete"
    assert res.skipped == ["mvc_gm_left", "mvc_gm_right"]
    text = stdout.getvalue()
    assert "whole number from 0 to 10" in text and "unknown muscle 'gluteus'" in text
    assert "\033[" not in text  # no ANSI codes when not a terminal
    assert "  HOLD (1.5 s)" in text
    rec = read(res.merged)  # type: ignore[arg-type]
    assert {e.trial for e in rec.events} == {"rest", "slb_left", "dlb"}
    values = {(e.label, e.trial): e.value for e in rec.events if e.label in ("pain", "felt")}
    assert values == {
        ("pain", "slb_left"): "3",
        ("felt", "slb_left"): "glute_max,hamstrings",
        ("pain", "dlb"): "2",
    }


def test_bad_answers_fail_before_recording(tmp_path: Path, tiny: Protocol) -> None:
    out = tmp_path / "s"
    missing = parse_answers({"trials": {"slb_left": {"pain": 3}}})
    with pytest.raises(ConfigError, match=r"trial 'slb_left' asks which muscles"):
        run_session(tiny, "emulated-arduino", answers=missing, out=out, speed=SPEED)
    unknown = parse_answers({"trials": {"slb_right": {"pain": 3}}, "defaults": {"pain": 0}})
    with pytest.raises(ConfigError, match=r"\[trials.slb_right\] is not a trial of protocol"):
        run_session(tiny, "emulated-arduino", answers=unknown, out=tmp_path / "t", speed=SPEED)
    assert not list(out.glob("segment-*"))


def test_speed_needs_an_emulated_device(tmp_path: Path, tiny: Protocol) -> None:
    with pytest.raises(ConfigError, match="emulated"):
        run_session(
            tiny,
            "cyton",
            answers=parse_answers(ANSWERS),
            out=tmp_path / "s",
            speed=10,
            device_options={"port": "/dev/null-not-a-port"},
        )


def test_planned_duration_known_answer(tiny: Protocol) -> None:
    # rest 3+1 (+0.5 rest); mvc 3+2.5+1 (+0.5) = 7 twice; slb 3+4+1 (+0.5);
    # dlb 3 + 4 reps x 3 s + 2 x 0.25 between reps + 0.75 between sets + 1 (last: no rest)
    assert planned_duration(tiny) == pytest.approx(4.5 + 7 + 7 + 8.5 + 17.25)
    assert planned_duration(tiny, countdown_s=0) == pytest.approx(44.25 - 5 * 3)


def test_resume_state_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        run_session(None, None, resume_from=tmp_path / "nope.json")
    bad = tmp_path / "session.json"
    bad.write_text("{not json")
    with pytest.raises(ConfigError, match="not valid JSON"):
        run_session(None, None, resume_from=bad)


def test_closed_input_stops_cleanly_and_keeps_what_was_recorded(
    tmp_path: Path, tiny: Protocol
) -> None:
    # the operator's input runs dry after starting two trials: no traceback, a resumable state
    typed = "\n" + "s\n" + "s\n"
    stdout = io.StringIO()
    ui = TerminalUI(io.StringIO(typed), stdout)
    res = run_session(
        tiny, "emulated-arduino", ui=ui, out=tmp_path / "s", speed=SPEED, device_options={"fs": FS}
    )
    assert res.status == "aborted"
    assert "input closed" in stdout.getvalue()
    assert res.skipped == ["mvc_gm_left", "mvc_gm_right"]
    assert res.remaining  # the rest can be resumed
