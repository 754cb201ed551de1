"""Issue 10 bounds on a few seeds of the two validation generators (the benchmark has the full
tables: ``benchmarks/bench_validity.py``, docs/validation.md).

Bounds today's analysis meets are plain asserts; bounds it does not meet yet are
``xfail(strict=True)`` (the >= 20 %MVC onset p95 on these few seeds):
they fail the suite as soon as they pass, so the mark must then go.
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


# p95 32 ms on these 2 seeds x 2 generators (280 muscle-reps); the pooled benchmark figure
# is in docs/onset.md
@pytest.mark.xfail(strict=True, reason="p95 32 ms > 30 ms on seeds 1-2 (docs/onset.md)")
def test_onset_p95_at_20pct_mvc_and_above(acc1k) -> None:
    e = np.concatenate([r["on_err20"] for r in acc1k])
    assert np.all(np.isfinite(e)) and np.quantile(e, 0.95) <= 30.0
