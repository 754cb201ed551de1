"""Marker-free segmentation on synthetic sessions (markers removed) and a real recording."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from emgkit.analysis.bridge import analyze_bridge
from emgkit.analysis.segment import activity_profile, find_reps, segment
from emgkit.protocol import load_protocol
from emgkit.recording import Channel, SignalKind
from emgkit.simulate import synthesize_session

PROTOCOL = load_protocol("bridge").shortened(max_reps=3)


@pytest.mark.parametrize(("profile", "seed"), [("healthy", 1), ("right_inhibition", 2)])
def test_reps_found_within_300ms_of_truth(profile: str, seed: int) -> None:
    rec, truth = synthesize_session(profile, fs=1000.0, protocol=PROTOCOL, seed=seed)
    true_reps = rec.events_for(label="rep")
    bare = rec.copy()
    bare.events = []
    ev = segment(bare)
    found = [e for e in ev if e.label == "rep"]
    assert len(found) == len(true_reps)  # every rep, no extra
    t_true = np.array([e.onset for e in true_reps])
    t_found = np.array([e.onset for e in found])
    assert np.abs(t_found - t_true).max() < 0.3
    # one auto trial per non-rest protocol trial, holds inside their reps
    n_trials = int((truth.trials["n_reps"] > 0).sum())
    assert len({e.trial for e in ev}) == n_trials
    holds = [e for e in ev if e.label == "hold"]
    for r, h in zip(found, holds, strict=True):
        assert r.onset <= h.onset < h.offset <= r.offset + 1e-9
        assert h.trial == r.trial and h.value == r.value


def test_analyze_bridge_runs_on_auto_segments() -> None:
    rec, _ = synthesize_session("healthy", fs=1000.0, protocol=PROTOCOL, seed=3)
    bare = rec.copy()
    bare.events = []
    res = analyze_bridge(bare, PROTOCOL, auto_segment=True)
    assert set(res.reps["task"]) == {"unlabelled"}
    assert res.reps["trial"].str.startswith("auto_").all()
    assert res.meta["auto_segmented"]
    assert any("no markers" in n for n in res.notes)
    assert res.reps["amplitude_uv"].gt(0).all()


def test_accelerometer_refines_movement_onset() -> None:
    rec, _ = synthesize_session("healthy", fs=1000.0, protocol=PROTOCOL, seed=1)
    moves = np.array([e.onset for e in rec.events_for(label="rep")])
    acc = np.zeros(rec.n_samples)
    rng = np.random.default_rng(0)
    for t in moves:  # the pelvis lifts at the movement marker: a 0.5 s ramp of 0.3 g
        i = round(t * rec.fs)
        acc[i : i + 500] += np.linspace(0, 0.3, 500)[: acc[i : i + 500].size]
        acc[i + 500 : i + 4000] += 0.3
    acc += rng.normal(0, 0.002, acc.size)
    data = np.column_stack([rec.data, acc])
    chans = [*rec.channels, Channel("accel_z", kind=SignalKind.ACCEL, units="g")]
    with_acc = rec.with_data(data, chans)
    with_acc.events = []
    found = np.array([e.onset for e in segment(with_acc) if e.label == "rep"])
    assert found.size == moves.size
    assert np.abs(found - moves).max() < 0.1  # the EMG alone: up to ~0.25 s off


def test_real_recording_three_reps(real_data: Path) -> None:
    from emgkit.io import read

    rec = read(real_data / "uci-lower-limb" / "3Apie.txt")
    ev = segment(rec)
    reps = [e for e in ev if e.label == "rep"]
    assert len(reps) == 3
    # SOURCE.txt: hamstring bursts ~2.6-5.6, 8.3-10.1, 13.7-19.0 s
    for r, (a, b) in zip(reps, [(2.6, 5.6), (8.3, 10.1), (13.7, 19.0)], strict=True):
        assert abs(r.onset - a) < 1.0  # the SOURCE times are approximate ("~")
        assert r.onset < b and r.offset > a


def test_profile_and_find_reps_known_answer() -> None:
    fs = 100.0
    env = np.full((3000, 2), 5.0)
    env[500:900, 0] = 100.0  # 4 s burst on channel 0
    env[1500:1700, :] = 60.0  # 2 s burst on both
    env[2500:2550, 1] = 80.0  # 0.5 s blip: shorter than min_rep
    prof = activity_profile(env, fs, smooth=0.0)
    assert prof[:400].max() == pytest.approx(0.0)
    reps = find_reps(prof, fs)
    assert len(reps) == 2
    assert reps[0][0] == pytest.approx(5.0) and reps[0][1] == pytest.approx(9.0)
    assert reps[1][0] == pytest.approx(15.0) and reps[1][1] == pytest.approx(17.0)
