"""The onset order the interpretation states, with its resolution (``onset_order``)."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from emgkit.analysis.interpret import ORDER_FLOOR_S, _onsets, onset_order


def _reps(means_ms: dict[str, float], sd_ms: float, n: int, seed: int = 0) -> pd.DataFrame:
    """Double-leg-bridge reps with latencies of exactly the given mean and SD per muscle."""
    rows = []
    z = np.random.default_rng(seed).standard_normal(n)
    z = (z - z.mean()) / z.std(ddof=1)
    for muscle, mu in means_ms.items():
        for k in range(n):
            lat = (mu + sd_ms * z[k]) / 1000.0
            rows.append(
                {
                    "trial": "dlb",
                    "rep": k + 1,
                    "muscle": muscle,
                    "side": "left",
                    "task": "double_leg_bridge",
                    "side_task": "both",
                    "cue": "none",
                    "latency_s": lat,
                    "onset_s": 10.0 + lat,
                }
            )
    # a squeeze-first trial and a non-working single-leg side are left out of the order
    rows.append({**rows[0], "trial": "sq", "cue": "squeeze_first", "latency_s": 5.0})
    rows.append({**rows[0], "trial": "slb", "task": "single_leg_bridge", "side_task": "right"})
    rows[-1]["latency_s"] = 5.0
    return pd.DataFrame(rows)


def test_resolved_order_with_its_resolution() -> None:
    m, pairs = onset_order(
        _reps({"glute_max": -20.0, "hamstrings": -150.0, "erector_spinae": -80.0}, 15.0, 20)
    )
    assert m["muscle"].tolist() == ["hamstrings", "erector_spinae", "glute_max"]
    assert m["latency_ms"].to_numpy() == pytest.approx([-150.0, -80.0, -20.0])
    assert m["group"].tolist() == [0, 1, 2]
    res = 1.96 * math.hypot(15.0 / math.sqrt(20), 15.0 / math.sqrt(20)) + 1000 * ORDER_FLOOR_S
    assert pairs["resolution_ms"].to_numpy() == pytest.approx([res] * 3)
    assert (pairs["stated"] == "before").all()


def test_unresolved_difference_is_called_about_together() -> None:
    reps = _reps({"hamstrings": -150.0, "erector_spinae": -80.0, "glute_max": -68.0}, 15.0, 20)
    m, pairs = onset_order(reps)
    assert m["group"].tolist() == [0, 1, 1]
    p = pairs.set_index(["a", "b"])
    assert p.loc[("erector_spinae", "glute_max"), "stated"] == "together"
    assert p.loc[("hamstrings", "glute_max"), "stated"] == "before"
    (flag,) = [f for f in _onsets(SimpleNamespace(reps=reps)) if f.code == "onset_order"]  # type: ignore[arg-type]
    assert flag.level == "info"
    assert "about together" in flag.message
    assert "12 ms <" in flag.message  # the unresolved difference and what it would need
    assert "not a problem" in flag.message  # hamstrings before glute max is never a problem


def test_few_scattered_reps_resolve_nothing() -> None:
    # 60 ms apart but 3 reps with a 60 ms SD: resolution 1.96 x 49 + 20 = 116 ms
    m, pairs = onset_order(_reps({"hamstrings": -100.0, "glute_max": -40.0}, 60.0, 3))
    assert m["group"].tolist() == [0, 0]
    assert pairs.loc[0, "resolution_ms"] == pytest.approx(
        1.96 * math.hypot(60 / math.sqrt(3), 60 / math.sqrt(3)) + 20.0
    )
    assert pairs.loc[0, "stated"] == "together"


def test_below_500_hz_the_systematic_floor_is_wider() -> None:
    # 60-70 ms apart with 20 reps: resolved at 1 kHz (29 ms), not at 250 Hz (9 + 80 = 89 ms)
    reps = _reps({"hamstrings": -150.0, "erector_spinae": -80.0, "glute_max": -20.0}, 15.0, 20)
    assert onset_order(reps, 1000.0)[0]["group"].tolist() == [0, 1, 2]
    m, pairs = onset_order(reps, 250.0)
    assert m["group"].tolist() == [0, 0, 0]  # chained through unresolved neighbours...
    p = pairs.set_index(["a", "b"])["stated"]
    assert p[("hamstrings", "glute_max")] == "before"  # ...but 130 ms > 89 ms is resolved
    assert p[("hamstrings", "erector_spinae")] == "together"
    (flag,) = _onsets(SimpleNamespace(reps=reps, meta={"fs": 250.0}))  # type: ignore[arg-type]
    assert "(but hamstrings before glute max)" in flag.message
    assert pairs["resolution_ms"].min() == pytest.approx(
        1.96 * math.hypot(15 / math.sqrt(20), 15 / math.sqrt(20)) + 80.0
    )
