"""Issue 10 bounds on a few seeds of the two validation generators (the benchmark has the full
tables: ``benchmarks/bench_validity.py``, docs/validation.md).

Bounds today's analysis meets are plain asserts; bounds it does not meet yet are
``xfail(strict=True)``: they fail the suite as soon as they pass, so the mark must then go.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np
import pytest

pytestmark = pytest.mark.slow

GENS = ("motor_unit", "coloured")
SEEDS = (1, 2)
NEEDS = "issue 10: not met yet (docs/validation.md)"


def _run(bench: ModuleType, **kw: Any) -> list[dict[str, Any]]:
    return [bench.run_session(bench._spec(generator=g, seed=s, **kw)) for g in GENS for s in SEEDS]


@pytest.fixture(scope="module")
def acc1k(bench: ModuleType) -> list[dict[str, Any]]:
    return _run(bench, cond="accuracy")


@pytest.fixture(scope="module")
def acc250(bench: ModuleType) -> list[dict[str, Any]]:
    return _run(bench, cond="accuracy", fs=250.0)


def _pct(rows: list[dict[str, Any]]) -> np.ndarray:
    return np.concatenate([r["pct_err"] for r in rows])


# ------------------------------------------------------------------ what holds today
def test_pct_mvc_errors_are_bounded_at_1khz(acc1k) -> None:
    e = _pct(acc1k)
    assert e.size > 100
    assert np.all(np.isfinite(e))
    assert np.quantile(np.abs(e), 0.95) < 40.0  # gross failures would show here


def test_healthy_subjects_with_natural_differences_are_not_called_asymmetric(bench) -> None:
    # the shipped protocol (2 x 20 double-leg reps); natural 8 % side differences: the
    # analytic false-call rate is about 2 % per session (docs/validation.md)
    rows = _run(bench, cond="asym", protocol=bench.ASYM_PROTOCOL, side_cv=0.08)
    assert sum(r["outcome"] == "asymmetric" for r in rows) == 0
    assert all(r["head"]["comparison"] == "single_and_double_leg" for r in rows)


def test_30pct_inhibition_with_natural_differences_is_found_on_its_side(bench) -> None:
    # model: about 95 % per session; never the wrong side
    rows = [bench.run_session(bench._asym_spec(g, 0.08, 0.3, s)) for g in GENS for s in SEEDS]
    right = [r["outcome"] == "asymmetric" and r["side_said"] == r["inhibition_side"] for r in rows]
    wrong = [r["outcome"] == "asymmetric" and r["side_said"] != r["inhibition_side"] for r in rows]
    assert {r["inhibition_side"] for r in rows} == {"left", "right"}
    assert sum(right) >= 3 and not any(wrong)


def test_symmetric_subjects_are_not_called_asymmetric(bench: ModuleType) -> None:
    rows = _run(bench, cond="asym", protocol="glute", side_cv=0.0)
    assert sum(r["outcome"] == "asymmetric" for r in rows) == 0


def test_hamstring_dominant_symmetric_subjects_are_not_called_asymmetric(bench) -> None:
    # natural 8 % side differences: today's yes/no flag calls some of them asymmetric
    rows = _run(bench, cond="hamdom", protocol="glute", profile="hamstring_dominant")
    assert sum(r["outcome"] == "asymmetric" for r in rows) == 0


@pytest.mark.parametrize("side", ["left", "right"])
def test_50pct_inhibition_is_found_on_the_right_side(bench: ModuleType, side: str) -> None:
    rows = _run(
        bench, cond="asym", protocol="glute", side_cv=0.0, inhibition=0.5, inhibition_side=side
    )
    assert all(r["outcome"] == "asymmetric" and r["side_said"] == side for r in rows)


def test_ecg_at_1khz_keeps_erector_onsets(bench: ModuleType) -> None:
    rows = _run(bench, cond="art", protocol="short", fault="ecg")
    found = sum(r["erector_found"][0] for r in rows)
    total = sum(r["erector_found"][1] for r in rows)
    assert total > 0 and found / total >= 0.95


# ------------------------------------------------------------------ not yet (issue 10)
def test_pct_mvc_bias_and_p95_at_1khz(acc1k) -> None:
    e = _pct(acc1k)
    assert abs(np.median(e)) <= 3.0 and np.quantile(np.abs(e), 0.95) <= 10.0


def test_pct_mvc_bias_and_p95_at_250hz(acc250) -> None:
    e = _pct(acc250)
    assert abs(np.median(e)) <= 6.0 and np.quantile(np.abs(e), 0.95) <= 15.0


@pytest.mark.xfail(
    strict=True,
    reason="issue 10 not met: the uV hint now needs MVC and bridge < 0.75 x (healthy hint rate "
    "54/100 -> 20/100); surfaced 54/100 at 30 % (docs/analysis.md, What %MVC hides)",
)
def test_inhibition_that_lowers_the_mvc_is_surfaced(bench: ModuleType) -> None:
    rows = _run(bench, cond="inh_mvc", protocol="glute", inhibition=0.3, inhibition_mvc=0.3)
    surfaced = [
        (r["outcome"] == "asymmetric" and r["side_said"] == "right") or r["surfaced"] == "right"
        for r in rows
    ]
    assert np.mean(surfaced) >= 0.8


def test_5pct_tonic_erector_keeps_erector_onsets(bench: ModuleType) -> None:
    # the onset of a tonically active erector is its rise above the tonic level (the truth's
    # onset, GroundTruth.onsets); found when the analysis reports an onset for the rep
    rows = _run(bench, cond="art", protocol="short", tonic_pct=5.0)
    found = sum(r["erector_found"][0] for r in rows)
    total = sum(r["erector_found"][1] for r in rows)
    assert found / total >= 0.95


# these 2 seeds x 2 generators (280 muscle-reps) read 32 ms before the likelihood refinement;
# the pooled benchmark figure is in docs/onset.md
def test_onset_p95_at_20pct_mvc_and_above(acc1k) -> None:
    e = np.concatenate([r["on_err20"] for r in acc1k])
    assert np.all(np.isfinite(e)) and np.quantile(e, 0.95) <= 30.0


def test_onset_p95_at_about_10pct_mvc(acc1k, p95_consistent) -> None:
    e = np.concatenate([r["on_err10"] for r in acc1k])
    assert e.size >= 10 and np.all(np.isfinite(e))
    # a few seeds: consistent with p95 <= 60 ms (the 30-seed figures are in docs/validation.md)
    assert p95_consistent(np.abs(e), 60.0), np.sort(np.abs(e))


def test_onset_order_the_output_states_is_right(acc1k) -> None:
    # what the clinician reads (interpret.onset_order), scored by the benchmark's _order_said
    assert all(r["order_said_ok"] for r in acc1k), [r["order_said_ok"] for r in acc1k]


# ------------------------------------------------------------------ tables from several pickles
def _fake_row(bench: ModuleType, gen: str, cv: float, inh: float, k: int, **kw: Any) -> dict:
    spec = bench._asym_spec(gen, cv, inh, k, **kw)
    side = spec["inhibition_side"] if inh > 0 else ("left" if k % 2 else "right")
    lr = np.log(1 - inh) if side == "left" else -np.log(1 - inh)
    sa = float(bench.symmetry_angle(np.exp(lr + 0.01 * k), 1.0))
    called = abs(sa) > 6.5
    head = {
        "symmetry_angle": sa,
        "threshold": 6.5,
        "log_ratio_se": 0.035,
        "natural_sd": 0.082,
        "n_epochs": 42,
    }
    return {
        **spec,
        "outcome": "asymmetric" if called else "no difference",
        "side_said": ("left" if sa > 0 else "right") if called else None,
        "surfaced": None,
        "head": head,
        "by_source": {
            "single_and_double_leg": ("asymmetric" if called else "no difference")
            + ":"
            + ("left" if sa > 0 else "right")
        },
    }


def test_tables_from_several_pickles(bench: ModuleType, tmp_path, monkeypatch) -> None:
    a = [_fake_row(bench, "coloured", 0.08, inh, k) for inh in (0.0, 0.3) for k in (1, 2)]
    b = [
        _fake_row(bench, "coloured", 0.08, inh, k, cond="repeat", visit=2)
        for inh in (0.0, 0.3)
        for k in (1, 2)
    ]
    import pandas as pd

    pd.DataFrame(a).to_pickle(tmp_path / "a.pkl")
    pd.DataFrame(b).to_pickle(tmp_path / "b.pkl")
    out = tmp_path / "out.md"
    monkeypatch.setattr(
        "sys.argv",
        [
            "bench",
            "--load",
            str(tmp_path / "a.pkl"),
            str(tmp_path / "b.pkl"),
            "--only",
            "",
            "--out",
            str(out),
        ],
    )
    bench.main()
    md = out.read_text()
    assert "--seeds 2`" in md  # two seeds per condition; repeat visits do not count
    # 30 % inhibition, one seed per side: both found on their side
    row = next(ln for ln in md.splitlines() if ln.startswith("| coloured | 8.0 | 30.0 |"))
    assert "| 1 left, 1 right | 2 | 2 | 0 |" in row
    assert "### Asymmetry: repeat visits pooled" in md
    assert "### Asymmetry: change between two visits" in md
    # the change table: 30 % inhibition at visit 1, none at visit 2 on the same subject
    ch = next(ln for ln in md.splitlines() if "then resolved" in ln)
    assert "| 2 | 100.0 |" in ch
