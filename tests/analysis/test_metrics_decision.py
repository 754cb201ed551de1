"""The left/right decision: pooling, the healthy range and the analytic trade-off."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from emgkit.analysis.bridge import COMBINED, _symmetry
from emgkit.analysis.metrics import (
    NATURAL_LOG_RATIO_SD,
    SideDifference,
    combine_differences,
    detection_rate,
    false_call_rate,
    healthy_range,
    log_ratio_of_sa,
    side_difference,
    symmetry_angle,
)


def _part(m: float, se: float, nat: float = NATURAL_LOG_RATIO_SD, df: float = 39) -> SideDifference:
    nan = float("nan")
    return SideDifference(nan, nan, nan, nan, 1, "part", m, se, df, nat)


def test_natural_log_ratio_sd_is_two_sides_of_8_percent() -> None:
    assert pytest.approx(0.08 * np.sqrt(2.0)) == NATURAL_LOG_RATIO_SD


def test_log_ratio_of_sa_inverts_the_symmetry_angle() -> None:
    for lr in (-0.7, -0.2, 0.0, 0.15, 0.5):
        assert log_ratio_of_sa(float(symmetry_angle(np.exp(lr), 1.0))) == pytest.approx(lr)


def test_paired_side_difference_is_a_t_interval_on_log_ratios() -> None:
    rng = np.random.default_rng(3)
    R = 30.0 * np.exp(0.06 * rng.standard_normal(40))
    L = 0.8 * 30.0 * np.exp(0.06 * rng.standard_normal(40))
    d = side_difference(L, R, paired=True)
    lr = np.log(L / R)
    lo, hi = stats.t.interval(0.95, 39, loc=lr.mean(), scale=stats.sem(lr))
    assert d.log_ratio == pytest.approx(lr.mean())
    assert d.se == pytest.approx(stats.sem(lr))
    # the symmetry angle falls as log(L/R) rises: the upper log bound is the lower SA bound
    assert d.ci_low == pytest.approx(float(symmetry_angle(np.exp(hi), 1.0)))
    assert d.ci_high == pytest.approx(float(symmetry_angle(np.exp(lo), 1.0)))
    assert d.natural_sd == pytest.approx(NATURAL_LOG_RATIO_SD)


def test_tasks_pool_with_natural_plus_measurement_weights() -> None:
    a, b = _part(0.1, 0.05), _part(0.3, 0.10)
    n2 = 0.08**2 * 2
    wa, wb = 1 / (n2 + 0.05**2), 1 / (n2 + 0.10**2)
    wa, wb = wa / (wa + wb), wb / (wa + wb)
    d = combine_differences(a, b)
    assert d.log_ratio == pytest.approx(wa * 0.1 + wb * 0.3)
    assert d.se == pytest.approx(np.hypot(wa * 0.05, wb * 0.10))
    # task-specific natural differences partly average out
    assert d.natural_sd == pytest.approx(np.sqrt(n2 * (wa**2 + wb**2)))
    assert d.natural_sd < NATURAL_LOG_RATIO_SD
    assert d.df == 39


def test_repeat_visits_share_the_natural_difference() -> None:
    d = combine_differences(_part(0.1, 0.05), _part(0.3, 0.10), shared=True)
    # weights 1/se^2 = 400 and 100
    assert d.log_ratio == pytest.approx((0.1 * 400 + 0.3 * 100) / 500)
    assert d.se == pytest.approx(np.sqrt(1 / 500))
    assert d.natural_sd == pytest.approx(NATURAL_LOG_RATIO_SD)  # does not shrink


def test_healthy_range_is_the_95_percent_spread_in_points() -> None:
    d = _part(0.0, 0.03)
    sd = np.hypot(NATURAL_LOG_RATIO_SD, 0.03)
    assert healthy_range(d) == pytest.approx(float(symmetry_angle(np.exp(-1.96 * sd), 1.0)))
    assert 7.0 < healthy_range(d) < 7.6
    assert np.isnan(healthy_range(_part(0.0, float("nan"))))


def test_analytic_rates_match_a_simulation() -> None:
    rng = np.random.default_rng(0)
    nat, se, thr = 0.082, 0.035, 6.5
    noise = rng.standard_normal(200_000) * np.hypot(nat, se)
    sa0 = symmetry_angle(np.exp(noise), 1.0)
    assert false_call_rate(thr, nat, se) == pytest.approx(np.mean(np.abs(sa0) > thr), abs=0.003)
    # 30 % less on the left: log(L/R) = log(0.7) + noise, SA > 0 names the left side
    sa = symmetry_angle(np.exp(np.log(0.7) + noise), 1.0)
    right, wrong = detection_rate(0.3, thr, nat, se)
    assert right == pytest.approx(np.mean(sa > thr), abs=0.003)
    assert wrong == pytest.approx(np.mean(sa < -thr), abs=0.001)
    assert 0.9 < right < 0.99 and wrong < 1e-6


def _reps(lr_dlb: float, lr_slb: float, rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for k in range(40):
        for side, f in (("left", np.exp(lr_dlb)), ("right", 1.0)):
            pct = 25.0 * f * np.exp(0.06 * rng.standard_normal())
            rows.append(("dlb_squeeze", "double_leg_bridge", "both", k + 1, side, pct))
    for side, f in (("left", np.exp(lr_slb)), ("right", 1.0)):
        rows.append((f"slb_{side}", "single_leg_bridge", side, 1, side, 45.0 * f))
    df = pd.DataFrame(rows, columns=["trial", "task", "side_task", "rep", "side", "pct_mvc"])
    return df.assign(
        muscle="glute_max", amplitude_uv=df["pct_mvc"] * 3.0, quality="ok", quality_note=""
    )


def test_symmetry_headline_pools_and_sets_threshold_at_the_healthy_range() -> None:
    rng = np.random.default_rng(5)
    reps = _reps(np.log(0.78), np.log(0.74), rng)
    mvc = pd.DataFrame({"muscle": "glute_max", "side": ["left", "right"], "mvc_uv": [300.0, 300.0]})
    sym = _symmetry(reps, mvc, 6.5).set_index("comparison")
    dlb, slb, head = sym.loc["dlb_squeeze"], sym.loc["single_leg_bridge"], sym.loc[COMBINED]
    # weights 1 / (natural^2 + se^2) of the two comparisons
    w = np.array(
        [1 / (NATURAL_LOG_RATIO_SD**2 + s**2) for s in (slb.log_ratio_se, dlb.log_ratio_se)]
    )
    w /= w.sum()
    lr = w @ [log_ratio_of_sa(slb.symmetry_angle), log_ratio_of_sa(dlb.symmetry_angle)]
    assert log_ratio_of_sa(head.symmetry_angle) == pytest.approx(lr)
    for r in (dlb, slb, head):
        assert r.threshold == pytest.approx(round(max(6.5, r.healthy_range), 1))
    # one hold per side: the single-leg range is the widest, the pooled one the narrowest
    assert slb.healthy_range > dlb.healthy_range > head.healthy_range
    assert head.outcome == "likely asymmetric" and head.lower_side == "left"


def test_a_natural_sized_difference_is_not_called() -> None:
    rng = np.random.default_rng(6)
    # 12 % lower on the left in both tasks: inside the healthy range of the pooled comparison
    reps = _reps(np.log(0.88), np.log(0.88), rng)
    mvc = pd.DataFrame({"muscle": "glute_max", "side": ["left", "right"], "mvc_uv": [300.0, 300.0]})
    head = _symmetry(reps, mvc, 6.5).set_index("comparison").loc[COMBINED]
    assert head.outcome == "inconclusive"
    assert head.ci_low > 0  # the measured difference is real, but not beyond a healthy one
