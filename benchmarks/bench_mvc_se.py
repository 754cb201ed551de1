"""Check the MVC standard error of :func:`emgkit.analysis.metrics.plateau_log_se` against truth.

For each seed and generator (1 kHz, glute max MVC trials only: 2 prone + 1 standing hold per
side, 5 s each), the analysis' MVC (plateau RMS of the best hold) is compared with the
simulator's designed MVC of that channel (``_Subject.mvc_actual``: the level the task
%MVC are drawn against, before the effort wander and the carrier). Over seeds, the SD of
``log(estimate / design)`` is the actual MVC error that shifts every %MVC rep of that side;
the RMS of the per-session SE estimates (overlapping batch means, batches of 0.5 s and of the
shipped 1 s) should match it.

Usage::

    PYTHONPATH=src nice -n 5 python3 benchmarks/bench_mvc_se.py --seeds 30
"""

from __future__ import annotations

import argparse
import warnings
from typing import Any

import numpy as np
import pandas as pd

from emgkit.analysis.bridge import _mvc_holds
from emgkit.analysis.metrics import plateau_log_se
from emgkit.analysis.normalize import PLATEAU_TRIM_S, plateau_rms
from emgkit.analysis.params import AnalysisParams, envelopes
from emgkit.montage import load_montage
from emgkit.protocol import Protocol, load_protocol
from emgkit.simulate import subject as sub
from emgkit.simulate import synthesize_session

BATCHES = (0.5, 1.0)


def _protocol() -> Protocol:
    base = load_protocol("bridge")
    keep = tuple(t for t in base.trials if t.task == "rest" or t.muscle == "glute_max")
    return Protocol(base.name, keep)


def one(gen: str, seed: int) -> list[dict[str, Any]]:
    """Per glute max channel: log error of the MVC against design, and the SE estimates."""
    captured: dict[str, Any] = {}
    orig = sub._true_mvc

    def spy(subj: Any, a_true: Any, fs: float) -> Any:
        captured.update(zip([c.name for c in subj.channels], subj.mvc_actual, strict=True))
        return orig(subj, a_true, fs)

    sub._true_mvc = spy
    try:
        mont = load_montage("bridge6")
        proto = _protocol()
        rec, _ = synthesize_session(
            "healthy",
            seed=seed,
            fs=1000.0,
            protocol=proto,
            montage=mont,
            generator=gen,
            wander_cv=0.04 if gen == "coloured" else 0.06,
        )
    finally:
        sub._true_mvc = orig
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, env = envelopes(rec, AnalysisParams())
    rows = []
    fs = rec.fs
    for ci, ch in enumerate(rec.channels):
        if ch.muscle != "glute_max":
            continue
        holds = _mvc_holds(proto, rec.events_for("hold"), "glute_max", str(ch.side), exact=True)
        best, seg_best = -np.inf, None
        for ev in holds:
            seg = env[round(ev.onset * fs) : round(ev.offset * fs), ci]
            v = plateau_rms(seg, fs, PLATEAU_TRIM_S)
            if v > best:
                best, seg_best = v, seg
        row: dict[str, Any] = {
            "generator": gen,
            "seed": seed,
            "channel": ch.name,
            "log_err": float(np.log(best / captured[ch.name])),
        }
        for b in BATCHES:
            row[f"se_{b}"] = plateau_log_se(seg_best, fs, PLATEAU_TRIM_S, b)[0]
        rows.append(row)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=30)
    a = ap.parse_args()
    rows = [r for g in ("motor_unit", "coloured") for s in range(a.seeds) for r in one(g, s)]
    df = pd.DataFrame(rows)
    out = []
    for gen, g in df.groupby("generator", sort=False):
        rec: dict[str, Any] = {
            "generator": gen,
            "channels": len(g),
            "mean_log_err": g["log_err"].mean(),
            "sd_log_err (truth)": g["log_err"].std(ddof=1),
        }
        for b in BATCHES:
            rec[f"rms_se_obm_{b}s"] = float(np.sqrt(np.nanmean(g[f"se_{b}"] ** 2)))
        out.append(rec)
    t = pd.DataFrame(out)
    print("| " + " | ".join(t.columns) + " |")
    print("|" + "---|" * len(t.columns))
    for _, r in t.iterrows():
        print("| " + " | ".join(f"{v:.4f}" if isinstance(v, float) else str(v) for v in r) + " |")


if __name__ == "__main__":
    main()
