"""Onset accuracy of the bridge analysis on the realistic generators (issue 10 targets).

Truth onset = the start of the activation's linear rise (``GroundTruth.onsets``; ramps of
60-700 ms). Targets at 1 kHz: p95 |error| <= 30 ms for muscle-reps at >= 20 %MVC, <= 60 ms
at about 10 %MVC (7.5-15 %), and the muscles' firing order right in every bridge trial.
The sessions are those of the ``accuracy`` condition of ``benchmarks/bench_validity.py``
(same generator options), so both measure the same thing. A few seeds here (fast);
``PYTHONPATH=src python3 tests/analysis/test_onset_accuracy.py 8`` prints the table of
docs/onset.md, ``benchmarks/bench_validity.py`` the full tables.
"""

from __future__ import annotations

import warnings
from functools import cache

import numpy as np
import pandas as pd
import pytest

from emgkit.analysis.bridge import analyze_bridge
from emgkit.protocol import load_protocol
from emgkit.simulate import synthesize_session

PROTOCOL = load_protocol("bridge").shortened(max_reps=3)
KEY = ["trial", "rep", "muscle", "side"]
SEEDS = (1, 2, 3)
#: weak (7.5-15 %MVC) muscle-reps are 2-4 per session: their p95 needs more sessions
WEAK_SEEDS = (1, 2, 3, 4, 5, 6)
BRIDGES = ("single_leg_bridge", "double_leg_bridge")
#: the generators as benchmarks/bench_validity.py plays them (its ``accuracy`` condition):
#: coloured wander 0.04 (500 ms envelope means vary by about 6 %), natural side CV 8 %
WANDER = {"coloured": 0.04, "motor_unit": 0.06}
SIDE_CV = 0.08


@cache
def _session(generator: str, seed: int) -> pd.DataFrame:
    """Per muscle-rep: estimated and true onset, true %MVC, task and task side."""
    rec, truth = synthesize_session(
        "healthy",
        fs=1000.0,
        protocol=PROTOCOL,
        seed=seed,
        generator=generator,
        wander_cv=WANDER.get(generator, 0.06),
        side_cv=SIDE_CV,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = analyze_bridge(rec, PROTOCOL)
    lv = truth.levels[[*KEY, "pct_mvc"]].rename(columns={"pct_mvc": "pct_true"})
    tr = truth.onsets[[*KEY, "onset_s"]].rename(columns={"onset_s": "onset_true"})
    m = res.reps[[*KEY, "task", "side_task", "onset_s"]].merge(lv, on=KEY).merge(tr, on=KEY)
    return m[m["task"].isin(BRIDGES)].reset_index(drop=True)


def _errors_ms(generator: str, seeds: tuple[int, ...] = SEEDS) -> pd.DataFrame:
    m = pd.concat([_session(generator, s) for s in seeds], ignore_index=True)
    m["err_ms"] = (m["onset_s"] - m["onset_true"]) * 1000.0
    return m


def _order_right(m: pd.DataFrame) -> bool:
    """Mean onset order of the working muscles matches the truth in every bridge trial/side."""
    work = m[(m["task"] == "double_leg_bridge") | (m["side"] == m["side_task"])]
    for _, g in work.groupby(["trial", "side"]):
        est = g.groupby("muscle")["onset_s"].mean()
        true = g.groupby("muscle")["onset_true"].mean()
        if est.isna().any() or list(est.sort_values().index) != list(true.sort_values().index):
            return False
    return True


# at 7.5-15 %MVC: the issue-10 target of 60 ms (met since the likelihood refinement; the
# full figures are in docs/onset.md)
@pytest.mark.parametrize("generator", ["coloured", "motor_unit"])
def test_weak_contractions_p95_within_60_ms(generator: str, p95_consistent) -> None:
    m = _errors_ms(generator, WEAK_SEEDS)
    e = m.loc[(m["pct_true"] >= 7.5) & (m["pct_true"] < 15.0), "err_ms"].to_numpy()
    assert e.size >= 12
    assert np.isfinite(e).all()
    # a few seeds: consistent with p95 <= 60 ms (tests/conftest.py; 30-seed figures in
    # docs/validation.md)
    assert p95_consistent(np.abs(e), 60.0), np.sort(np.abs(e))


@pytest.mark.parametrize("generator", ["coloured", "motor_unit"])
def test_firing_order_right(generator: str) -> None:
    right = [_order_right(_session(generator, s)) for s in SEEDS]
    assert all(right), right


@pytest.mark.parametrize("top", [40.0, 20.0])
def test_refinement_never_later_and_bounded(top: float) -> None:
    """Refined onsets stay in [crossing - walk-back cap, crossing] and find a ramp's start.

    ``top`` 40 uV over a 3 uV floor is an ordinary rise (walk back <= 300 ms); 20 uV is a weak
    one (top < 13 x the noise RMS), which may walk back to the last baseline crossing (<= 600 ms).
    """
    from emgkit.signal.filters import bandpass
    from emgkit.signal.onset import REFINE_MAX_BACK_WEAK_S, detect_onsets, refine_onset

    fs = 1000.0
    rng = np.random.default_rng(7)
    t = np.arange(6000) / fs
    for ramp in (0.06, 0.3, 0.7):
        lag, err = [], []
        for _ in range(8):
            amp = 3.0 + top * np.clip((t - 3.0) / ramp, 0.0, 1.0)
            x = bandpass(amp * rng.standard_normal(t.size), fs)
            det = float(np.asarray(detect_onsets(x, fs, baseline=(1.0, 2.5)))[0, 0])
            ref = refine_onset(x, fs, det, (1.0, 2.5), earliest=2.6)
            assert det - REFINE_MAX_BACK_WEAK_S - 1e-9 <= ref <= det
            assert ref >= 2.6
            lag.append(det - 3.0)
            err.append(ref - 3.0)
        # the change point is back near the true start (3.0 s), closer than the crossing (a
        # weak ramp stays inside the noise longer: median 22 ms on the 700 ms ramp here)
        assert np.median(np.abs(err)) < (0.02 if top >= 40.0 else 0.03), (ramp, err)
        if ramp >= 0.3:
            assert np.median(np.abs(err)) < np.median(lag), (ramp, lag, err)


def _table(seeds: range, gens: tuple[str, ...] = ("coloured", "motor_unit")) -> pd.DataFrame:
    """p95 |error| (ms) at >= 20 and 7.5-15 %MVC, median error, firing order per generator."""
    rows = []
    for gen in gens:
        ms = [_session(gen, s) for s in seeds]
        m = pd.concat(ms, ignore_index=True)
        e = (m["onset_s"] - m["onset_true"]).to_numpy() * 1000.0
        w, k = m["pct_true"].to_numpy() >= 20.0, m["pct_true"].between(7.5, 15.0).to_numpy()
        rows.append(
            {
                "generator": gen,
                "sessions": len(ms),
                "n_>=20%": int(w.sum()),
                "missed_>=20%": int(np.isnan(e[w]).sum()),
                "median_ms_>=20%": float(np.nanmedian(e[w])),
                "p95_abs_ms_>=20%": float(np.nanquantile(np.abs(e[w]), 0.95)),
                "n_~10%": int(k.sum()),
                "median_ms_~10%": float(np.nanmedian(e[k])),
                "p95_abs_ms_~10%": float(np.nanquantile(np.abs(e[k]), 0.95)),
                "order_right_%": 100.0 * float(np.mean([_order_right(x) for x in ms])),
            }
        )
    return pd.DataFrame(rows)


if __name__ == "__main__":  # the figures of docs/onset.md
    import sys

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    gens = tuple(sys.argv[2].split(",")) if len(sys.argv) > 2 else ("coloured", "motor_unit")
    pd.set_option("display.width", 200)
    print(_table(range(1, n + 1), gens).round(1).to_string(index=False))
