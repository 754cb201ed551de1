"""Issue 14: the emulated subject acts out the protocol the guided session cues."""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

import numpy as np
import pytest

from emgkit.analysis.bridge import analyze_bridge
from emgkit.app.session import parse_answers, run_session
from emgkit.io import read
from emgkit.protocol import load_protocol
from emgkit.simulate import synthesize_session

PROFILE = "right_inhibition"
SEED = 3
FS = 1000.0


def test_guided_emulated_session_analyses_to_the_profile_truth(tmp_path: Path) -> None:
    proto = load_protocol("bridge").shortened(max_reps=1, rest_scale=0.1, hold_scale=0.6)
    answers = {"trials": {t.id: {"pain": 0} for t in proto.expanded() if t.ask_pain}}
    for t in proto.expanded():
        if t.ask_felt:
            answers["trials"].setdefault(t.id, {})["felt"] = ["glute_max"]
    res = run_session(
        proto,
        "emulated-arduino",
        answers=parse_answers(answers),
        out=tmp_path / "s",
        speed=25.0,
        device_options={"fs": FS, "emulated_subject": PROFILE, "seed": SEED},
    )
    assert res.status == "complete" and res.merged is not None
    rec = read(res.merged)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = analyze_bridge(rec, proto)
    # the subject the emulator rendered (same profile, protocol, rate and seed)
    _, truth = synthesize_session(PROFILE, fs=FS, protocol=proto, seed=SEED)
    true = truth.levels.groupby(["trial", "muscle", "side"])["pct_mvc"].mean()
    got = result.summary.set_index(["trial", "muscle", "side"])["pct_mvc"]
    bridges = [t.id for t in proto.expanded() if t.task.endswith("bridge")]
    checked = 0
    for (trial, muscle, side), pct in true.items():
        if trial in bridges and muscle == "glute_max" and pct >= 10.0:
            assert got[(trial, muscle, side)] == pytest.approx(pct, rel=0.25), (trial, side)
            checked += 1
    assert checked >= 8
    # the inhibited side is found where the profile puts it (right: negative angle)
    sym = result.symmetry.set_index(["comparison", "muscle"])
    angle = sym.loc[("single_leg_bridge", "glute_max"), "symmetry_angle"]
    true_angle = truth.asymmetry.set_index("muscle").loc["glute_max", "symmetry_angle"]
    assert true_angle < -10
    assert angle == pytest.approx(true_angle, abs=5.0)
    # in the double-leg bridges too, every cue variant shows the right side lower
    dlb = result.summary[
        (result.summary.muscle == "glute_max") & (result.summary.task == "double_leg_bridge")
    ]
    by = dlb.pivot_table(index="trial", columns="side", values="pct_mvc")
    assert (by["right"] < by["left"]).all()


def test_a_recorder_factory_gets_the_same_cued_subject(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The browser session (``emgkit ui --demo``) passes a factory: the same mechanism."""
    from emgkit.app import emulated
    from emgkit.app.emulated import recorder as make_recorder
    from emgkit.simulate.emulators import CuedSubject

    started = []
    real_start = emulated.start_emulator

    def spy(*args, **kwargs):
        emu = real_start(*args, **kwargs)
        started.append(emu)
        return emu

    monkeypatch.setattr(emulated, "start_emulator", spy)

    proto = load_protocol("bridge").shortened(max_reps=1, rest_scale=0.1, hold_scale=0.2)
    proto = dataclasses.replace(proto, trials=proto.trials[:2])  # rest + one MVC

    def factory(bdf: Path):  # as app/ui/session.py builds it
        rec = make_recorder(
            "emulated-arduino",
            None,
            out=bdf,
            fs=FS,
            emulator={"subject": PROFILE, "speed": 25.0, "loop": True, "seed": SEED},
        )
        return rec

    res = run_session(proto, factory, answers=parse_answers({"trials": {}}), out=tmp_path / "s")
    assert res.status == "complete"
    subject = started[0].subject
    assert isinstance(subject, CuedSubject)
    trials = [t.id for t in proto.expanded()]
    assert len(subject.cues) == len(trials)
    # each trial's rendered rows were played from the sample its "trial" span predicts
    rec = read(res.merged)
    spans = {e.trial: e for e in rec.events if e.label == "trial"}
    for (at, row0, _), tid in zip(subject.cues, trials, strict=True):
        assert subject.plans[tid][0] == row0
        lead = 0 if tid == "rest" else round(1.5 * FS)
        countdown = round(3.0 * FS)
        start = round(spans[tid].onset * FS) - (0 if tid != "rest" else countdown)
        assert at == start + countdown - lead


def test_the_cued_subject_hands_its_rendering_to_the_model_once() -> None:
    # the live screen keeps only the rendering's length (a 16-channel full protocol is
    # about 240 MiB of float64); the model gets the samples
    from emgkit.errors import ConfigError
    from emgkit.protocol import load_protocol
    from emgkit.simulate.emulators import cued_subject

    proto = load_protocol("bridge").shortened(max_reps=1)
    cued = cued_subject("arduino", "healthy", proto, fs=500.0, seed=1)
    assert cued.samples_uv is not None
    n = cued.samples_uv.shape[0]
    data = cued.take_samples()
    assert data.shape[0] == n == cued.n_rows and cued.samples_uv is None
    with pytest.raises(ConfigError, match="already handed"):
        cued.take_samples()
    assert cued.truth.activation.dtype == np.float32
