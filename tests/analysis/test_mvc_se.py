"""The MVC-normalisation error in the %MVC left/right interval (issue 10).

Each side's MVC is an estimate; its error shifts every %MVC rep of that side together, so
rep-to-rep variance cannot see it. These tests pin the estimator (batch means over the MVC
plateau) and its propagation: values that would be wrong if the term were missing.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from emgkit.analysis.bridge import COMBINED, _symmetry
from emgkit.analysis.metrics import (
    NATURAL_LOG_RATIO_SD,
    SideDifference,
    combine_differences,
    false_call_rate,
    healthy_range,
    mvc_log_ratio_se,
    plateau_log_se,
    side_difference,
    symmetry_angle,
)

FS = 1000.0


def test_plateau_log_se_is_overlapping_batch_means_on_power() -> None:
    # 5 s hold; after the (1.0, 0.5) s trim 3.5 s remain, in 0.5 s pieces of constant power
    powers = np.array([100.0, 121.0, 90.0, 110.0, 95.0, 105.0, 130.0])
    env = np.concatenate(
        [np.full(1000, 10.0), *[np.full(500, np.sqrt(p)) for p in powers], np.full(500, 10.0)]
    )
    se, df = plateau_log_se(env, FS)
    # by hand: every 1 s window of the 3500-sample plateau, Meketon-Schmeiser scaling
    p = np.repeat(powers, 500)
    n, b = p.size, 1000
    means = np.array([p[j : j + b].mean() for j in range(n - b + 1)])
    var_mean = b / ((n - b) * (n - b + 1)) * np.sum((means - p.mean()) ** 2)
    assert se == pytest.approx(0.5 * np.sqrt(var_mean) / p.mean(), rel=1e-9)
    assert df == pytest.approx(1.5 * (3.5 - 1.0))
    assert 0.010 < se < 0.02
    # a perfectly steady plateau has no sampling error; a too-short hold is not estimable
    assert plateau_log_se(np.full(5000, 50.0), FS)[0] == pytest.approx(0.0)
    assert math.isnan(plateau_log_se(np.full(2500, 50.0), FS)[0])


def _holds(wander: float, rng: np.random.Generator, n: int = 300) -> tuple[float, float]:
    """SD of log plateau RMS over ``n`` independent holds, and the RMS of the SE estimates."""
    k = np.exp(-0.5 * (np.arange(-750, 751) / 250.0) ** 2)
    k /= np.sqrt((k**2).sum())  # unit-SD wander smoothed with a 0.25 s Gaussian (the simulator's)
    logs, ses = [], []
    for _ in range(n):
        w = 1.0 + wander * np.convolve(rng.standard_normal(6500), k, mode="same")[:5000]
        x = 100.0 * w * rng.standard_normal(5000)
        env = np.sqrt(np.convolve(x**2, np.ones(100) / 100, mode="same"))  # 100 ms moving RMS
        logs.append(np.log(np.sqrt(np.mean(env[1000:4500] ** 2))))
        ses.append(plateau_log_se(env, FS)[0])
    return float(np.std(logs, ddof=1)), float(np.sqrt(np.mean(np.square(ses))))


def test_plateau_log_se_matches_the_spread_of_plateau_rms_over_repeats() -> None:
    rng = np.random.default_rng(7)
    # white carrier: the correlation is the 100 ms window only; the estimate is unbiased
    truth, est = _holds(0.0, rng)
    assert est == pytest.approx(truth, rel=0.15)
    assert 0.010 < truth < 0.014
    # plus a 6 % slow effort wander: the error is 2.5x larger; a 3.5 s plateau holds few
    # independent pieces of it, so the estimate reads low, but by less than a third
    truth_w, est_w = _holds(0.06, rng)
    assert truth_w > 2.0 * truth
    assert 0.7 * truth_w < est_w < truth_w


def test_mvc_log_ratio_se_adds_both_sides_with_satterthwaite_df() -> None:
    se, df = mvc_log_ratio_se(0.03, 6, 0.04, 6)
    assert se == pytest.approx(0.05)
    assert df == pytest.approx(0.05**4 / (0.03**4 / 6 + 0.04**4 / 6))
    assert mvc_log_ratio_se(0.0, 6, 0.0, 6) == (0.0, math.inf)
    assert all(math.isnan(v) for v in mvc_log_ratio_se(float("nan"), 6, 0.03, 6))


def test_paired_interval_width_includes_the_mvc_term() -> None:
    rng = np.random.default_rng(3)
    R = 30.0 * np.exp(0.06 * rng.standard_normal(40))
    L = 30.0 * np.exp(0.06 * rng.standard_normal(40))
    lr = np.log(L / R)
    se_rep = float(stats.sem(lr))  # about 0.013: 40 reps
    mse, mdf = mvc_log_ratio_se(0.028, 6, 0.028, 6)  # about 0.040: the simulated MVC error
    d = side_difference(L, R, paired=True, mvc_se=mse, mvc_df=mdf)
    tot = math.hypot(se_rep, mse)
    dof = tot**4 / (se_rep**4 / 39 + mse**4 / mdf)
    t = float(stats.t.ppf(0.975, dof))
    assert d.se == pytest.approx(tot)
    assert d.df == pytest.approx(dof)
    assert d.mvc_se == pytest.approx(mse)
    assert d.ci_low == pytest.approx(float(symmetry_angle(np.exp(lr.mean() + t * tot), 1.0)))
    assert d.ci_high == pytest.approx(float(symmetry_angle(np.exp(lr.mean() - t * tot), 1.0)))
    # without the term the interval is less than a third as wide
    d0 = side_difference(L, R, paired=True)
    assert (d.ci_high - d.ci_low) > 3.0 * (d0.ci_high - d0.ci_low)
    assert "MVC normalisation" in d.source
    # and the healthy range / false-call rate see it
    assert healthy_range(d) > healthy_range(d0)
    assert false_call_rate(6.5, NATURAL_LOG_RATIO_SD, d.se) > false_call_rate(
        6.5, NATURAL_LOG_RATIO_SD, d0.se
    )


def _part(m: float, se_rep: float, mvc: float, df: float = 39) -> SideDifference:
    nan = float("nan")
    tot = math.hypot(se_rep, mvc)
    return SideDifference(nan, nan, nan, nan, 1, "part", m, tot, df, NATURAL_LOG_RATIO_SD, mvc)


def test_tasks_of_one_session_share_the_mvc_error() -> None:
    # single-leg (rep SE 0.089) and double-leg (0.0125), both normalised by the same MVCs
    a, b = _part(0.1, 0.089, 0.04), _part(0.3, 0.0125, 0.04)
    n2 = NATURAL_LOG_RATIO_SD**2
    w = np.array([1 / (n2 + 0.089**2), 1 / (n2 + 0.0125**2)])
    w /= w.sum()
    d = combine_differences(a, b)
    assert d.log_ratio == pytest.approx(w @ [0.1, 0.3])
    # common error: its full variance stays, whatever the weights
    assert d.se == pytest.approx(np.sqrt((w[0] * 0.089) ** 2 + (w[1] * 0.0125) ** 2 + 0.04**2))
    assert d.mvc_se == pytest.approx(0.04)
    # many pooled comparisons of one session cannot go below the MVC error
    many = combine_differences(*[_part(0.0, 0.0125, 0.04) for _ in range(50)])
    assert many.se == pytest.approx(np.hypot(0.0125 / np.sqrt(50), 0.04))


def test_repeat_visits_average_their_own_mvc_errors() -> None:
    # each visit has its own MVCs: the term shrinks like the rest
    v = [_part(0.1, 0.03, 0.04), _part(0.1, 0.03, 0.04)]
    d = combine_differences(*v, shared=True)
    assert d.se == pytest.approx(0.05 / np.sqrt(2))
    assert d.mvc_se == pytest.approx(0.04 / np.sqrt(2))
    # the same parts as cue variants of one session (same MVCs): it does not
    c = combine_differences(*v, shared=True, mvc_common=True)
    assert c.se == pytest.approx(np.hypot(0.03 / np.sqrt(2), 0.04))


def test_symmetry_table_takes_the_mvc_error_from_the_mvc_rows() -> None:
    rng = np.random.default_rng(5)
    rows = []
    for k in range(40):
        for side in ("left", "right"):
            pct = 25.0 * np.exp(0.06 * rng.standard_normal())
            rows.append(("dlb_squeeze", "double_leg_bridge", "both", k + 1, side, pct))
    for side in ("left", "right"):
        rows.append((f"slb_{side}", "single_leg_bridge", side, 1, side, 45.0))
    reps = pd.DataFrame(rows, columns=["trial", "task", "side_task", "rep", "side", "pct_mvc"])
    reps = reps.assign(
        muscle="glute_max", amplitude_uv=reps["pct_mvc"] * 3.0, quality="ok", quality_note=""
    )
    mvc = pd.DataFrame(
        {
            "muscle": "glute_max",
            "side": ["left", "right"],
            "mvc_uv": [300.0, 300.0],
            "mvc_ok": True,
            "mvc_log_se": [0.03, 0.02],
            "mvc_log_se_df": [6, 6],
        }
    )
    sym = _symmetry(reps, mvc, 6.5).set_index("comparison")
    mse = math.hypot(0.03, 0.02)
    d = reps[reps.task == "double_leg_bridge"].pivot(index="rep", columns="side", values="pct_mvc")
    se_rep = float(stats.sem(np.log(d["left"] / d["right"])))
    for comp in ("dlb_squeeze", "single_leg_bridge", COMBINED):
        assert sym.loc[comp, "mvc_log_ratio_se"] == pytest.approx(mse)
    assert sym.loc["dlb_squeeze", "log_ratio_se"] == pytest.approx(math.hypot(se_rep, mse))
    # the pooled SE keeps the whole MVC term (it is common to both tasks)
    assert sym.loc[COMBINED, "log_ratio_se"] > mse


def test_analysis_carries_the_mvc_error_into_the_glute_interval() -> None:
    import warnings

    from emgkit.analysis.bridge import analyze_bridge
    from emgkit.protocol import load_protocol
    from emgkit.simulate import synthesize_session

    proto = load_protocol("bridge").shortened(max_reps=3)
    rec, _ = synthesize_session("healthy", fs=1000.0, protocol=proto, seed=2, generator="coloured")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = analyze_bridge(rec, proto)
    g = res.mvc[res.mvc.muscle == "glute_max"].set_index("side")
    # 5 s MVC holds: a 3.5 s plateau, 1 s batches: 1.5 x 2.5 df; 1-5 % on log(MVC)
    assert g["mvc_log_se_df"].tolist() == pytest.approx([3.75, 3.75])
    assert ((g["mvc_log_se"] > 0.005) & (g["mvc_log_se"] < 0.06)).all()
    mse = math.hypot(g.loc["left", "mvc_log_se"], g.loc["right", "mvc_log_se"])
    head = res.symmetry.set_index(["comparison", "muscle"]).loc[(COMBINED, "glute_max")]
    assert head["mvc_log_ratio_se"] == pytest.approx(mse)
    assert head["log_ratio_se"] > mse
    assert "MVC normalisation error of both sides common to all" in head["interval_source"]
