"""The ``mvc_side_lower`` hint: detection on ``inh_mvc`` vs hint rate on healthy subjects.

Runs only the two conditions of ``bench_validity.py`` that matter for the hint, with that
benchmark's own functions (``_spec``, ``_asym_spec``, ``run_session``, ``read_analysis``):

* ``inh_mvc``: 30 % glute max inhibition on the right that also lowers that MVC by 30 %,
  natural 8 % side differences, shipped protocol ``glute_full``;
* ``asym`` healthy: the same subjects (same seeds) without inhibition.

Saves the rows (the columns of ``bench_validity.run_session``) to ``--save`` and the
analysis result of every session next to it (``-res.pkl``), so the rule can be re-read
offline. Prints the surfaced counts (as ``bench_validity`` counts them) and the healthy hint
rate, and the between-side spread of log(R / L) microvolts of the healthy sessions.

Usage::

    PYTHONPATH=src nice -n 5 python3 benchmarks/bench_mvc_hint.py --seeds 20 \\
        --save /work/bench-pickles/surf.pkl
    PYTHONPATH=src python3 benchmarks/bench_mvc_hint.py --reread /work/bench-pickles/surf-res.pkl
    python3 benchmarks/bench_mvc_hint.py --rows /work/bench-pickles/s4-asym.pkl

``--rows`` counts the same from the per-session rows a ``bench_validity.py --only asym --save``
run pickled (its ``inh_mvc`` sessions and its healthy 8 % sessions), without re-running.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_validity as bv


def specs(seeds: int, first: int, gens: list[str]) -> list[dict[str, Any]]:
    """The session specs: ``inh_mvc`` and healthy ``asym`` (8 %, no inhibition), per seed."""
    out = []
    for gen in gens:
        for k in range(first, first + seeds):
            out.append(
                bv._spec(
                    generator=gen,
                    protocol=bv.ASYM_PROTOCOL,
                    cond="inh_mvc",
                    inhibition=0.3,
                    inhibition_mvc=0.3,
                    seed=k,
                )
            )
            out.append(bv._asym_spec(gen, 0.08, 0.0, k))
    return out


def run(sp: list[dict[str, Any]], save: str) -> list[tuple[dict[str, Any], Any]]:
    """Run every spec with ``bench_validity.run_session``, keeping each analysis result."""
    stash: list[Any] = []
    orig = bv.analyze_bridge

    def keep(*a: Any, **k: Any) -> Any:
        r = orig(*a, **k)
        stash.append(r)
        return r

    bv.analyze_bridge = keep
    rows, results = [], []
    try:
        for s in sp:
            rows.append(bv.run_session(s))
            results.append((s, stash.pop()))
    finally:
        bv.analyze_bridge = orig
    pd.DataFrame(rows).to_pickle(save)
    with open(save.replace(".pkl", "-res.pkl"), "wb") as f:
        pickle.dump(results, f)
    return results


def summarise(results: list[tuple[dict[str, Any], Any]]) -> pd.DataFrame:
    """Surfaced / hinted per condition and generator, read as ``bench_validity`` reads them."""
    rows = []
    for s, res in results:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rd = bv.read_analysis(res)
        asym_r = rd.glute_outcome == "asymmetric" and rd.glute_side == "right"
        hint_r = rd.glute_outcome != "asymmetric" and rd.mvc_side_surfaced == "right"
        g = res.mvc[res.mvc["muscle"] == "glute_max"].groupby("side")["mvc_uv"].mean()
        rows.append(
            {
                "cond": s["cond"],
                "generator": s["generator"],
                "seed": s["seed"],
                "surfaced": bool(asym_r or hint_r),
                "hint_any_side": rd.mvc_side_surfaced is not None,
                "log_mvc_r_over_l": float(np.log(g["right"] / g["left"])),
            }
        )
    df = pd.DataFrame(rows)
    inh, hea = df[df["cond"] == "inh_mvc"], df[df["cond"] == "asym"]
    tab = pd.DataFrame(
        {
            "inh_mvc_surfaced": inh.groupby("generator")["surfaced"].sum(),
            "inh_mvc_n": inh.groupby("generator").size(),
            "healthy_hinted": hea.groupby("generator")["hint_any_side"].sum(),
            "healthy_n": hea.groupby("generator").size(),
            "healthy_sd_log_mvc_ratio": hea.groupby("generator")["log_mvc_r_over_l"].std(),
        }
    )
    return tab


def summarise_rows(df: pd.DataFrame) -> pd.DataFrame:
    """The counts of :func:`summarise` from ``bench_validity`` rows (no analysis results)."""
    inh = df[df["cond"] == "inh_mvc"]
    hea = df[(df["cond"] == "asym") & (df["side_cv"] == 0.08) & (df["inhibition"] == 0.0)]
    if "visit" in hea:
        hea = hea[hea["visit"].fillna(1) <= 1]
    asym_r = (inh["outcome"] == "asymmetric") & (inh["side_said"] == "right")
    hint_r = (inh["outcome"] != "asymmetric") & (inh["surfaced"] == "right")
    return pd.DataFrame(
        {
            "inh_mvc_surfaced": (asym_r | hint_r).groupby(inh["generator"]).sum(),
            "inh_mvc_n": inh.groupby("generator").size(),
            "healthy_hinted": hea["surfaced"].notna().groupby(hea["generator"]).sum(),
            "healthy_n": hea.groupby("generator").size(),
        }
    )


def main(argv: list[str] | None = None) -> None:
    """Command line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--generators", default=",".join(bv.GENERATORS))
    ap.add_argument("--save", default="bench_mvc_hint.pkl")
    ap.add_argument("--reread", help="re-read a saved -res.pkl with the current code")
    ap.add_argument("--rows", help="count from a bench_validity.py --save pickle of rows")
    a = ap.parse_args(argv)
    if a.rows:
        print(summarise_rows(pd.read_pickle(a.rows)).to_string())
        return
    if a.reread:
        with open(a.reread, "rb") as f:
            results = pickle.load(f)
    else:
        results = run(specs(a.seeds, a.first_seed, a.generators.split(",")), a.save)
    print(summarise(results).to_string())


if __name__ == "__main__":
    main()
