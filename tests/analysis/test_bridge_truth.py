"""Ground-truth recovery: the analysis of synthetic sessions finds what the subject really did."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from emgkit import BandLimitWarning, ConfigError
from emgkit.analysis.bridge import analyze_bridge
from emgkit.protocol import load_protocol
from emgkit.simulate import synthesize_session

PROTOCOL = load_protocol("bridge").shortened(max_reps=3)


def _merged(profile: str, fs: float, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, object]:
    # the idealised subject (first-order rises, no wander): tests of the arithmetic; accuracy
    # on realistic signals is tested below and measured in docs/analysis.md
    rec, truth = synthesize_session(profile, fs=fs, protocol=PROTOCOL, seed=seed, smooth=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BandLimitWarning)
        res = analyze_bridge(rec, PROTOCOL)
    lv = res.reps.merge(truth.levels, on=["trial", "rep", "muscle", "side"], suffixes=("", "_true"))
    on = res.reps.merge(truth.onsets, on=["trial", "rep", "muscle", "side"], suffixes=("", "_true"))
    return lv, on, res


def _onset_errors_by_level(on: pd.DataFrame, lv: pd.DataFrame) -> dict[str, np.ndarray]:
    """Absolute onset errors (s) split by true activation level (%MVC)."""
    m = on.merge(
        lv[["trial", "rep", "muscle", "side", "pct_mvc_true"]],
        on=["trial", "rep", "muscle", "side"],
    )
    err = (m["onset_s"] - m["onset_s_true"]).abs().to_numpy()
    lvl = m["pct_mvc_true"].to_numpy()
    return {
        "weak": err[lvl < 10],
        "moderate": err[(lvl >= 10) & (lvl < 20)],
        "working": err[lvl >= 20],
    }


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("profile", ["healthy", "right_inhibition"])
def test_pct_mvc_and_onsets_recovered_at_1khz(profile: str, seed: int) -> None:
    lv, on, _ = _merged(profile, 1000.0, seed)
    assert len(lv) > 50
    rel = np.abs(lv["pct_mvc"] - lv["pct_mvc_true"]) / lv["pct_mvc_true"]
    # %MVC within 10 % relative for every rep where the muscle really works (>= 5 %MVC)
    working = lv["pct_mvc_true"] >= 5.0
    assert working.sum() > 30
    assert rel[working].max() < 0.10, lv.loc[working & (rel >= 0.10)]
    # onsets: every muscle-rep has one; accuracy by level (docs/analysis.md has the figures:
    # a weak first-order rise reaches detectability later, a property of the SNR)
    err = _onset_errors_by_level(on, lv)
    for level, e in err.items():
        assert np.isfinite(e).all(), f"onset missing for a {level} contraction"
    assert err["working"].size > 40
    assert np.mean(err["working"] < 0.020) >= 0.97  # pooled over 20 sessions: 99.9 %
    assert err["working"].max() < 0.025
    assert np.mean(err["moderate"] < 0.020) >= 0.8  # pooled: p95 12 ms
    assert err["moderate"].max() < 0.040
    assert err["weak"].max() < 0.050


def test_ratios_and_symmetry_follow_truth() -> None:
    rec, truth = synthesize_session(
        "right_inhibition", fs=1000.0, protocol=PROTOCOL, seed=5, smooth=True
    )
    res = analyze_bridge(rec, PROTOCOL)
    m = res.ratios.merge(truth.ratios, on=["trial", "rep", "side"], suffixes=("", "_true"))
    assert len(m) > 10
    for col in ("glute_ham", "glute_erector"):
        rel = (m[col] - m[f"{col}_true"]).abs() / m[f"{col}_true"]
        assert rel.max() < 0.10, m[[col, f"{col}_true"]]
    slb = res.symmetry[res.symmetry.comparison == "single_leg_bridge"].set_index("muscle")
    t = truth.asymmetry.set_index("muscle")
    for muscle in slb.index:
        assert slb.loc[muscle, "symmetry_angle"] == pytest.approx(
            t.loc[muscle, "symmetry_angle"], abs=5.0
        )
    # right-side inhibition: right glute max works less in its single-leg bridge -> negative SA
    assert slb.loc["glute_max", "symmetry_angle"] < -3.0


@pytest.mark.parametrize("generator", ["coloured", "motor_unit"])
def test_pct_mvc_unbiased_on_realistic_generators(generator: str) -> None:
    errs = []
    for seed in (1, 2):
        rec, truth = synthesize_session(
            "healthy", fs=1000.0, protocol=PROTOCOL, seed=seed, generator=generator
        )
        res = analyze_bridge(rec, PROTOCOL)
        m = res.reps.merge(truth.levels, on=["trial", "rep", "channel"], suffixes=("", "_true"))
        m = m[m["pct_mvc_true"] >= 5.0]
        errs.append((m["pct_mvc"] / m["pct_mvc_true"] - 1.0).to_numpy())
        # every working rep gets an onset; the likelihood refinement can put the change point
        # on a pre-movement fluctuation (docs/validation.md: 2 of 1344 onsets more than 60 ms
        # early in the replay, one 76 ms early here on motor_unit seed 1), never far
        on = res.reps.merge(truth.onsets, on=["trial", "rep", "channel"], suffixes=("", "_t"))
        on = on.merge(m[["trial", "rep", "channel"]], on=["trial", "rep", "channel"])
        assert on["onset_s"].notna().mean() >= 0.95
        early = -(on["onset_s"] - on["onset_s_t"]).dropna()
        assert (early > 0.060).mean() <= 0.02 and early.max() < 0.100
    e = np.concatenate(errs)
    # issue 10 targets (>= 500 Hz): |median| <= 3 %, p95 <= 10 % (the conventional 500 ms peak
    # window reads about -13 % here: docs/analysis.md)
    assert abs(np.median(e)) <= 0.03 and np.percentile(np.abs(e), 95) <= 0.10


def test_band_limited_recording_warns_and_notes() -> None:
    rec, truth = synthesize_session("healthy", fs=250.0, protocol=PROTOCOL, seed=2, smooth=True)
    with pytest.warns(BandLimitWarning, match="250 Hz"):
        res = analyze_bridge(rec, PROTOCOL)
    assert any("250 Hz" in n for n in res.notes)
    lv = res.reps.merge(truth.levels, on=["trial", "rep", "muscle", "side"], suffixes=("", "_true"))
    on = res.reps.merge(truth.onsets, on=["trial", "rep", "muscle", "side"], suffixes=("", "_true"))
    err = _onset_errors_by_level(on, lv)
    assert np.isfinite(err["working"]).all()
    # the idealised subject: far tighter than the realistic generators at 250 Hz (p95 100-130 ms,
    # docs/validation.md); 47 ms on this seed since the v2 protocol (dlb_plain) moved the draws
    assert err["working"].max() < 0.060
    assert np.mean(err["moderate"] < 0.040) >= 0.9
    # %MVC still recovered (same hardware for MVC and task) within 10 % where muscles work
    working = lv["pct_mvc_true"] >= 10.0
    rel = np.abs(lv["pct_mvc"] - lv["pct_mvc_true"]) / lv["pct_mvc_true"]
    assert rel[working].max() < 0.10


def test_multifidus_normalised_to_the_sorensen_trial() -> None:
    rec, truth = synthesize_session(
        "healthy", fs=1000.0, protocol=PROTOCOL, montage="bridge8", seed=4
    )
    res = analyze_bridge(rec, PROTOCOL)
    mf = res.mvc[res.mvc.muscle == "multifidus"]
    assert len(mf) == 2
    assert (mf["source_trial"] == "mvc_erector_spinae").all()
    for _, r in mf.iterrows():
        assert r["mvc_uv"] == pytest.approx(truth.mvc_uv[r["channel"]], rel=0.05)


def test_missing_markers_and_channels_are_clear_errors() -> None:
    rec, _ = synthesize_session("healthy", fs=1000.0, protocol=PROTOCOL, seed=1)
    bare = rec.copy()
    bare.events = []
    with pytest.raises(ConfigError, match="no 'hold' events"):
        analyze_bridge(bare, PROTOCOL)
    anon = rec.with_data(rec.data, [type(c)(c.name) for c in rec.channels])
    with pytest.raises(ConfigError, match="montage"):
        analyze_bridge(anon, PROTOCOL)


def test_missing_mvc_gives_nan_and_a_note() -> None:
    rec, _ = synthesize_session("healthy", fs=1000.0, protocol=PROTOCOL, seed=1)
    rec.events = [e for e in rec.events if not e.trial.startswith("mvc_hamstrings")]
    res = analyze_bridge(rec, PROTOCOL)
    ham = res.reps[res.reps.muscle == "hamstrings"]
    assert ham["pct_mvc"].isna().all()
    assert res.reps[res.reps.muscle == "glute_max"]["pct_mvc"].notna().all()
    assert any("hamstrings" in n and "MVC" in n for n in res.notes)
