"""Replay of the onset refinement on stored per-rep segments (docs/onset.md): not a test module.

Plays the ``accuracy`` sessions of ``benchmarks/bench_validity.py`` (1 kHz), keeps for every
raw channel and rep the segment, steady baseline, search-window start and TKEO crossing that
``emgkit.analysis.bridge._rep_onsets`` uses, and refines the crossing with each variant of
``refine_onset``: the least-squares envelope fit with its 40 ms weak-rise guard (before), the
same without that guard, and the maximum-likelihood variance fit (now). Prints p95 |error| by
true level and the onsets more than 60 ms early.

Usage (from the repository root)::

    PYTHONPATH=src nice -n 5 python3 -m tests.analysis.onset_replay --seeds 1-8
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from emgkit.analysis import bridge as B
from emgkit.errors import SignalError
from emgkit.signal import onset as O

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_validity.py"


def _bench() -> Any:
    spec = importlib.util.spec_from_file_location("bench_validity", BENCH)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["bench_validity"] = mod
    spec.loader.exec_module(mod)
    return mod


def _segments(bench: Any, gen: str, seed: int) -> pd.DataFrame:
    """One row per bridge muscle-rep: truth, level and the refinement's inputs."""
    rec_rows: list[dict[str, Any]] = []

    def rep_onsets(filtered: Any, env: Any, fs: float, chans: Any, t_move: float, p: Any) -> Any:
        out = np.full(len(chans), np.nan)
        if not np.isfinite(t_move):
            return out
        t0, t1 = t_move + p.onset_search[0], t_move + p.onset_search[1]
        tb = max(0.0, t0 - p.onset_baseline)
        if t0 - tb < max(O.MIN_BASELINE_S, 0.5 * p.onset_baseline):
            return out
        i0 = max(0, round((tb - B._ONSET_PAD_S) * fs))
        i1 = min(filtered.shape[0], round((t1 + B._ONSET_TAIL_S) * fs))
        seg_t0 = i0 / fs
        base = (tb - seg_t0, t0 - seg_t0)
        for ci, ch in enumerate(chans):
            if ch.kind != B.SignalKind.RAW:
                continue
            xs = filtered[i0:i1, ci]
            try:
                b = O.steady_baseline(xs, fs, base)
                iv = O.detect_onsets(xs, fs, method=p.onset_method, baseline=b)
            except SignalError:
                continue
            ivs = np.asarray(iv, dtype=np.float64).reshape(-1, 2) + seg_t0
            det = B._rep_onset(ivs, t0, t1)
            out[ci] = det
            rec_rows.append(
                {
                    "channel": ch.name,
                    "onset_s": det,
                    "xs": xs.copy(),
                    "b": b,
                    "earliest": t0 - seg_t0,
                    "seg_t0": seg_t0,
                    "fs": fs,
                }
            )
        return out

    sp = bench._spec(cond="accuracy", generator=gen, seed=seed)
    wander = bench.COLOURED_WANDER if gen == "coloured" else 0.06
    proto = bench.protocol(sp["protocol"])
    rec, truth = bench._synth(sp, proto, wander)
    orig = B._rep_onsets
    B._rep_onsets = rep_onsets
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = B.analyze_bridge(rec, proto)
    finally:
        B._rep_onsets = orig
    key = bench.KEY
    lv = truth.levels[[*key, "pct_mvc"]].rename(columns={"pct_mvc": "pct_true"})
    tr = truth.onsets[[*key, "onset_s"]].rename(columns={"onset_s": "onset_true"})
    m = res.reps[[*key, "task", "onset_s"]].merge(lv, on=key).merge(tr, on=key)
    m = m[m["task"].isin(["single_leg_bridge", "double_leg_bridge"])].dropna(subset=["onset_s"])
    return m.merge(pd.DataFrame(rec_rows), on=["channel", "onset_s"])


VARIANTS = {
    "least squares, 40 ms weak guard (before)": ("lsq", O._GUARD_WEAK_S),
    "least squares, no weak guard": ("lsq", np.inf),
    "likelihood, no weak guard (now)": ("ml", O._GUARD_WEAK_S),
}


def replay(segs: pd.DataFrame) -> pd.DataFrame:
    rows = []
    guard = O._GUARD_WEAK_S
    for (gen, label), (fit, g) in (
        ((gen, label), v) for gen in segs["gen"].unique() for label, v in VARIANTS.items()
    ):
        m = segs[segs["gen"] == gen]
        O._GUARD_WEAK_S = g  # the weak-rise guard of the least-squares fit
        try:
            est = np.array(
                [
                    r.seg_t0
                    + O.refine_onset(
                        r.xs, r.fs, r.onset_s - r.seg_t0, r.b, earliest=r.earliest, fit=fit
                    )
                    for r in m.itertuples()
                ]
            )
        finally:
            O._GUARD_WEAK_S = guard
        e = (est - m["onset_true"].to_numpy()) * 1000.0
        lvl = m["pct_true"].to_numpy()
        w20, w10, lo = lvl >= 20, (lvl >= 7.5) & (lvl < 15), lvl < 20
        rows.append(
            {
                "generator": gen,
                "refinement": label,
                "p95_>=20%": np.quantile(np.abs(e[w20]), 0.95),
                "p95_~10%": np.quantile(np.abs(e[w10]), 0.95),
                "median_~10%": np.median(e[w10]),
                "p95_<20%": np.quantile(np.abs(e[lo]), 0.95),
                "n": e.size,
                "early_>60ms": int((e < -60).sum()),
                "min_ms": e.min(),
            }
        )
    return pd.DataFrame(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", default="1-8", help="e.g. 1-8 or 1,2,3")
    ap.add_argument("--generators", default="motor_unit,coloured")
    a = ap.parse_args()
    if "-" in a.seeds:
        lo, hi = (int(v) for v in a.seeds.split("-"))
        seeds = list(range(lo, hi + 1))
    else:
        seeds = [int(v) for v in a.seeds.split(",")]
    bench = _bench()
    segs = pd.concat(
        [
            _segments(bench, g, s).assign(gen=g, seed=s)
            for g in a.generators.split(",")
            for s in seeds
        ],
        ignore_index=True,
    )
    pd.set_option("display.width", 200)
    print(replay(segs).round(1).to_string(index=False))


if __name__ == "__main__":
    main()
