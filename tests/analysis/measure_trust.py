"""Measurement harness for docs/analysis.md (issue 10): not a test module (not collected).

Plays synthetic sessions with emgkit.simulate's realistic generators (``coloured``: the
issue's independent stationary coloured-Gaussian model; ``motor_unit``: Fuglevand 1993) and
reports, per condition: %MVC error (plateau vs the conventional 500 ms peak window), the
left/right decision (three outcomes) against one-sided glute max inhibition with and without
natural 8 % side differences, the microvolt MVC-lower hint, onset accuracy by level, and
erector onsets under tonic activity.

Usage (from the repository root)::

    PYTHONPATH=src nice -n 5 python3 -m tests.analysis.measure_trust --seeds 30 --what all
"""

from __future__ import annotations

import argparse
import warnings
from collections import Counter

import numpy as np
import pandas as pd

from emgkit.analysis.bridge import AnalysisParams, analyze_bridge
from emgkit.analysis.interpret import interpret
from emgkit.protocol import Protocol, load_protocol
from emgkit.simulate import synthesize_session

BASE = load_protocol("bridge").shortened(max_reps=3)
#: without the three cue-variant trials (they do not enter the single-leg decision)
ASYM = Protocol(
    BASE.name,
    tuple(t for t in BASE.trials if t.task != "double_leg_bridge" or t.id == "dlb_squeeze"),
)


def _run(rec, proto, params=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return analyze_bridge(rec, proto, params)


def pct_mvc(seeds: int, gens: tuple[str, ...], rates: tuple[float, ...]) -> pd.DataFrame:
    rows = []
    for gen in gens:
        for fs in rates:
            for seed in range(seeds):
                rec, truth = synthesize_session(
                    "healthy", fs=fs, protocol=ASYM, seed=seed, generator=gen
                )
                for method in ("plateau", "peak_window"):
                    res = _run(rec, ASYM, AnalysisParams(mvc_method=method))
                    m = res.reps.merge(
                        truth.levels, on=["trial", "rep", "channel"], suffixes=("", "_true")
                    )
                    m = m[m["pct_mvc_true"] >= 5.0]
                    err = (m["pct_mvc"] / m["pct_mvc_true"] - 1.0) * 100.0
                    rows += [{"gen": gen, "fs": fs, "method": method, "err": e} for e in err]
    df = pd.DataFrame(rows)
    return (
        df.groupby(["gen", "fs", "method"])["err"]
        .agg(
            median="median",
            p95=lambda e: np.percentile(np.abs(e), 95),
            max=lambda e: np.abs(e).max(),
            n="size",
        )
        .round(1)
    )


CONDITIONS = ((0.08, 0.0), (0.08, 0.3), (0.0, 0.2), (0.0, 0.3), (0.08, 0.2), (0.08, 0.5))


def decision(seeds: int, gen: str) -> pd.DataFrame:
    rows = []
    for side_cv, inh in CONDITIONS:
        for inh_side in ("right",):
            if True:
                c: Counter[str] = Counter()
                for seed in range(seeds):
                    rec, _ = synthesize_session(
                        "healthy",
                        fs=1000.0,
                        protocol=ASYM,
                        seed=seed,
                        generator=gen,
                        side_cv=side_cv,
                        inhibition=inh,
                        inhibition_side=inh_side,
                    )
                    f = [x for x in interpret(_run(rec, ASYM)) if x.code == "glute_asymmetry"]
                    if not f:
                        c["none"] += 1
                        continue
                    det = f[0].level == "notable"
                    if det:
                        c["right side" if f[0].side == inh_side or inh == 0 else "WRONG side"] += 1
                    else:
                        c[
                            "inconclusive" if "inconclusive" in f[0].message else "no meaningful"
                        ] += 1
                rows.append(
                    {
                        "side_cv": side_cv,
                        "inhibition": inh,
                        "side": inh_side,
                        "likely asymmetric": c["right side"] + c["WRONG side"],
                        "wrong side": c["WRONG side"],
                        "inconclusive": c["inconclusive"],
                        "no meaningful difference": c["no meaningful"],
                        "n": seeds,
                    }
                )
    return pd.DataFrame(rows)


def rule_model(seeds: int, n_dlb: int, thr: float = 6.5, combined: bool = False) -> pd.DataFrame:
    """The left/right rule on a rep-level model (no signals): per side, single-leg level x
    natural factor exp(side_cv z) x (1 - inhibition) x rep factor (6 % CV) x MVC estimation error
    (2.5 % CV, plateau) x hold-mean noise (1.5 % CV); one single-leg hold per side; the
    borrowed SD from ``n_dlb`` double-leg reps per side with the same rep and hold noise."""
    from emgkit.analysis.metrics import asymmetry_outcome, combine_differences, side_difference

    rows = []
    for side_cv in (0.0, 0.08):
        for inh in (0.0, 0.1, 0.2, 0.3, 0.5):
            rng = np.random.default_rng(int(inh * 100) + int(side_cv * 1000))
            det = wrong = inc = none = 0
            for _ in range(seeds):
                nat = np.exp(side_cv * np.clip(rng.standard_normal(2), -2, 2))
                mvc_err = np.exp(0.025 * rng.standard_normal(2))
                lev = 45.0 * nat / mvc_err * np.array([1.0, 1.0 - inh])  # right inhibited
                hold = (
                    lev * (1 + 0.06 * rng.standard_normal(2)) * (1 + 0.015 * rng.standard_normal(2))
                )
                d = np.log(
                    1 + 0.06 * rng.standard_normal((n_dlb, 2))
                ) + 0.015 * rng.standard_normal((n_dlb, 2))
                sd = float(np.sqrt(((d - d.mean(0)) ** 2).sum() / (2 * (n_dlb - 1))))
                iv = side_difference(
                    [hold[0]], [hold[1]], paired=False, borrowed_sd=sd, borrowed_df=2 * (n_dlb - 1)
                )
                if combined:
                    nat2 = np.exp(side_cv * np.clip(rng.standard_normal(2), -2, 2))
                    lev2 = 25.0 * nat2 / mvc_err * np.array([1.0, 1.0 - inh])
                    eff = 1 + 0.06 * rng.standard_normal((n_dlb, 1))
                    reps = lev2 * eff * (1 + 0.03 * rng.standard_normal((n_dlb, 2)))
                    iv = combine_differences(
                        iv, side_difference(reps[:, 0], reps[:, 1], paired=True)
                    )
                o = asymmetry_outcome(iv.symmetry_angle, iv.ci_low, iv.ci_high, thr)
                if o == "likely asymmetric":
                    det += 1
                    wrong += inh > 0 and iv.symmetry_angle > 0
                elif o == "inconclusive":
                    inc += 1
                else:
                    none += 1
            rows.append(
                {
                    "side_cv": side_cv,
                    "inhibition": inh,
                    "likely asymmetric %": 100 * det / seeds,
                    "wrong side %": 100 * wrong / seeds,
                    "inconclusive %": 100 * inc / seeds,
                    "no meaningful difference %": 100 * none / seeds,
                }
            )
    return pd.DataFrame(rows).round(1)


def hamstring_dominant(seeds: int, gen: str) -> int:
    n = 0
    for seed in range(seeds):
        rec, _ = synthesize_session(
            "hamstring_dominant", fs=1000.0, protocol=ASYM, seed=seed, generator=gen, side_cv=0.08
        )
        f = [x for x in interpret(_run(rec, ASYM)) if x.code == "glute_asymmetry"]
        n += bool(f and f[0].level == "notable")
    return n


def mvc_hint(seeds: int, gen: str) -> tuple[int, int]:
    hit = healthy = 0
    for seed in range(seeds):
        rec, _ = synthesize_session(
            "healthy",
            fs=1000.0,
            protocol=ASYM,
            seed=seed,
            generator=gen,
            side_cv=0.08,
            inhibition=0.3,
            inhibition_mvc=0.3,
        )
        flags = interpret(_run(rec, ASYM))
        surfaced = any(x.code == "mvc_side_lower" and x.side == "right" for x in flags) or any(
            x.code == "glute_asymmetry" and x.level == "notable" and x.side == "right"
            for x in flags
        )
        hit += surfaced
        rec, _ = synthesize_session(
            "healthy", fs=1000.0, protocol=ASYM, seed=seed, generator=gen, side_cv=0.08
        )
        healthy += any(x.code == "mvc_side_lower" for x in interpret(_run(rec, ASYM)))
    return hit, healthy


def onsets(seeds: int, gen: str, tonic: float = 0.0) -> pd.DataFrame:
    rows = []
    for seed in range(seeds):
        rec, truth = synthesize_session(
            "healthy", fs=1000.0, protocol=BASE, seed=seed, generator=gen, tonic_pct=tonic
        )
        res = _run(rec, BASE)
        m = res.reps.merge(truth.onsets, on=["trial", "rep", "channel"], suffixes=("", "_true"))
        m = m.merge(
            truth.levels[["trial", "rep", "channel", "pct_mvc"]],
            on=["trial", "rep", "channel"],
            suffixes=("", "_lvl"),
        )
        m = m[m.task.isin(["double_leg_bridge", "single_leg_bridge"])]
        m = m[(m.task == "double_leg_bridge") | (m.side == m.side_task)]
        for _, r in m.iterrows():
            rows.append(
                {
                    "seed": seed,
                    "muscle": r["muscle"],
                    "level": r["pct_mvc_lvl"],
                    "err_ms": (r["onset_s"] - r["onset_s_true"]) * 1000.0,
                }
            )
        # firing order (hamstrings -> erector -> glute, means over working reps) right?
    df = pd.DataFrame(rows)
    df["band"] = pd.cut(
        df["level"], [0, 10, 20, 1000], right=False, labels=["<10", "10-20", ">=20"]
    )
    out = df.groupby("band", observed=True)["err_ms"].agg(
        found=lambda e: e.notna().mean() * 100,
        median=lambda e: e.median(),
        p95=lambda e: np.nanpercentile(np.abs(e), 95),
        n="size",
    )
    er = df[df.muscle == "erector_spinae"]
    out.loc["erector found %", "found"] = er["err_ms"].notna().mean() * 100
    return out.round(1)


def order(seeds: int, gen: str) -> float:
    ok = 0
    for seed in range(seeds):
        rec, _ = synthesize_session("healthy", fs=1000.0, protocol=BASE, seed=seed, generator=gen)
        f = [x for x in interpret(_run(rec, BASE)) if x.code == "onset_order"]
        ev = f[0].evidence if f else {}
        ok += (
            ev.get("latency_ms_hamstrings", np.inf)
            < ev.get("latency_ms_erector_spinae", -np.inf)
            < ev.get("latency_ms_glute_max", -np.inf)
        )
    return ok / seeds * 100


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=30)
    ap.add_argument("--gen", default="coloured")
    ap.add_argument("--what", default="all")
    a = ap.parse_args()
    pd.set_option("display.width", 200)
    w = a.what
    if w in ("all", "pct"):
        print(pct_mvc(a.seeds, (a.gen,), (1000.0, 250.0)), flush=True)
    if w in ("all", "model"):
        for comb in (False, True):
            for n in (3, 40):
                print(
                    f"rule on the rep-level model, {n} double-leg reps, combined={comb}:",
                    flush=True,
                )
                print(rule_model(4000, n, combined=comb).to_string(index=False), flush=True)
    if w in ("all", "decision"):
        print(decision(a.seeds, a.gen).to_string(index=False), flush=True)
        print(
            "hamstring-dominant symmetric, likely asymmetric:",
            hamstring_dominant(a.seeds, a.gen),
            "/",
            a.seeds,
            flush=True,
        )
    if w in ("all", "hint"):
        hit, healthy = mvc_hint(a.seeds, a.gen)
        print(
            f"inhibition 30 % also lowering the MVC 30 %: surfaced {hit}/{a.seeds}; "
            f"healthy (side_cv 8 %) with the hint {healthy}/{a.seeds}",
            flush=True,
        )
    if w in ("all", "onsets"):
        print(onsets(a.seeds, a.gen), flush=True)
        print("tonic 5 %MVC:", onsets(a.seeds, a.gen, tonic=5.0), flush=True)
        print("firing order right %:", order(a.seeds, a.gen), flush=True)


if __name__ == "__main__":
    main()
