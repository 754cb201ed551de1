"""The benchmark scores the onset order the output states (``_order_said``), fast."""

from __future__ import annotations

from types import ModuleType

import numpy as np
import pandas as pd


def _on(est: dict[str, float], true: dict[str, float], sd_ms: float = 15.0) -> pd.DataFrame:
    rows = []
    z = np.random.default_rng(1).standard_normal(20)
    z = (z - z.mean()) / z.std(ddof=1)
    for muscle, mu in est.items():
        for k in range(20):
            t_move = 10.0 + k
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
                    "onset_s": t_move + lat,
                    "onset_true": t_move + true[muscle] / 1000.0,
                }
            )
    return pd.DataFrame(rows)


def test_stated_order_is_scored_against_the_true_order(bench: ModuleType) -> None:
    est = {"hamstrings": -150.0, "erector_spinae": -80.0, "glute_max": -20.0}
    assert bench._order_said(_on(est, est)) == (True, 0)
    swapped = {"hamstrings": -150.0, "erector_spinae": -20.0, "glute_max": -80.0}
    assert bench._order_said(_on(est, swapped)) == (False, 0)


def test_a_tie_is_right_only_within_its_stated_resolution(bench: ModuleType) -> None:
    # erector and glute 12 ms apart: stated about together (resolution 1.96 x 4.7 + 20 = 29 ms)
    est = {"hamstrings": -150.0, "erector_spinae": -80.0, "glute_max": -68.0}
    close = {"hamstrings": -150.0, "erector_spinae": -85.0, "glute_max": -60.0}  # 25 ms gap
    far = {"hamstrings": -150.0, "erector_spinae": -100.0, "glute_max": -60.0}  # 40 ms gap
    assert bench._order_said(_on(est, close)) == (True, 1)
    assert bench._order_said(_on(est, far)) == (False, 1)
