"""Bridge analysis: ground-truth recovery sweep and the cost of a 30-minute 16-channel session.

1. Sweep: ``--seeds`` seeds (default 20) x 4 profiles, fs = 1 kHz, the shipped protocol
   shortened to 3 reps. Per session: glute:hamstring and glute:erector ratio errors (relative,
   reps where the true denominator >= 5 %MVC and both muscles work, i.e. working side),
   single-leg symmetry-angle error (percentage points), onset order of the working muscles
   (stance side), onset errors (>= 20 %MVC), and the glute_asymmetry flag from
   :func:`emgkit.analysis.interpret.interpret` -> sensitivity (inhibited profiles flagged on
   the right side) and specificity (healthy and hamstring_dominant not flagged).
2. Cost: analyse_bridge on a 30-minute, 16-channel, 2 kHz session (bridge8 montage at 2 kHz
   with double-leg sets repeated to reach 30 min, channels tiled to 16); median of --repeats.

   With ``--baseline-src DIR`` (another checkout's ``src``, e.g. ``git archive <commit> src``)
   the cost runs alternately in subprocesses on that code and on this one (one warm-up call,
   then one timed call per subprocess; the session is synthesised once and kept in
   ``--session-cache``), and prints wall and process-CPU medians and their ratio: a same-run
   baseline on a shared machine, with the process CPU and wall of the steps of
   ``analyze_bridge`` (quality, rep table, per-rep onsets, symmetry, summary, ratios,
   fatigue; from session 7 the signal steps, which run the quality step, the filter and, with
   a helper thread, the onsets). ``--workers N`` passes ``workers=N`` to this checkout's
   ``analyze_bridge`` (``--workers 1``: its serial path). ``--demo`` does the same on the
   demo session (6 ch x 2 kHz x 358 s, five warm calls per subprocess, the one with the
   least wall time kept; the least CPU before session 7). ``--profile`` adds the cumulative
   share of the heaviest functions of one call (cProfile) on this code.
3. ``--by-size``: this checkout's ``workers=1`` against ``workers=2`` (alternating, medians of
   ``--repeats`` calls) on the demo session, the 30-min session cropped to 5 and 10 minutes,
   and the whole 30-min session, each in a subprocess that marks numba as started (the helper
   thread runs only then): where the second thread pays.
4. ``--first-runs N``: what a fresh install pays. For this checkout (and ``--baseline-src``,
   if given), with a new, empty ``NUMBA_CACHE_DIR`` per tree, N subprocesses one after the
   other, each analysing the cached 30-min session once with no warm-up: the first compiles
   the kernels it needs, the later ones load them from the disk cache. Prints the process CPU
   of each call (``analyze_bridge`` + ``interpret``).

Usage::

    python3 benchmarks/bench_analysis.py              # sweep (20 seeds) + cost
    python3 benchmarks/bench_analysis.py --seeds 5 --skip-cost
    python3 benchmarks/bench_analysis.py --skip-sweep --repeats 2 --baseline-src /tmp/base/src
    python3 benchmarks/bench_analysis.py --skip-sweep --baseline-src /tmp/base/src --demo
    python3 benchmarks/bench_analysis.py --skip-sweep --first-runs 3 --baseline-src /tmp/base/src
    python3 benchmarks/bench_analysis.py --by-size --repeats 5
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import pickle
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from emgkit.analysis.bridge import analyze_bridge
from emgkit.analysis.interpret import interpret
from emgkit.errors import BandLimitWarning
from emgkit.protocol import Protocol, load_protocol
from emgkit.recording import Channel, Recording
from emgkit.simulate import synthesize_session

PROFILES = ("healthy", "right_inhibition", "left_inhibition", "hamstring_dominant")
KEY = ["trial", "rep", "muscle", "side"]


def session_errors(profile: str, seed: int, fs: float, proto: Protocol) -> dict[str, object]:
    """Errors of one synthetic session against its ground truth."""
    rec, truth = synthesize_session(profile, fs=fs, protocol=proto, seed=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BandLimitWarning)
        res = analyze_bridge(rec, proto)
    m = res.ratios.merge(truth.ratios, on=["trial", "rep", "side"], suffixes=("", "_true"))
    lv = truth.levels.pivot_table(
        index=["trial", "rep", "side"], columns="muscle", values="pct_mvc"
    ).reset_index()
    m = m.merge(lv, on=["trial", "rep", "side"])
    ok_h = (m["hamstrings"] >= 5) & (m["glute_max"] >= 5)
    ok_e = (m["erector_spinae"] >= 5) & (m["glute_max"] >= 5)
    gh = ((m["glute_ham"] - m["glute_ham_true"]).abs() / m["glute_ham_true"])[ok_h]
    ge = ((m["glute_erector"] - m["glute_erector_true"]).abs() / m["glute_erector_true"])[ok_e]
    slb = res.symmetry[res.symmetry.comparison == "single_leg_bridge"].set_index("muscle")
    ta = truth.asymmetry.set_index("muscle")
    sa_err = (slb["symmetry_angle"] - ta["symmetry_angle"]).abs().dropna()
    on = res.reps.merge(truth.onsets, on=KEY, suffixes=("", "_true"))
    on = on.merge(truth.levels[[*KEY, "pct_mvc"]], on=KEY, suffixes=("", "_lv"))
    work = on[on["pct_mvc_lv"] >= 20]
    on_err = (work["onset_s"] - work["onset_s_true"]).abs()
    # onset order of working muscles (stance side; both sides in double-leg bridges), per rep
    w = on[(on.task == "double_leg_bridge") | (on.side == on.side_task)]
    order_ok = []
    for _, g in w.groupby(["trial", "rep", "side"]):
        if g["onset_s"].isna().any() or len(g) < 2:
            continue
        order_ok.append(
            list(g.sort_values("onset_s")["muscle"])
            == list(g.sort_values("onset_s_true")["muscle"])
        )
    flags = interpret(res)
    asym = [f for f in flags if f.code == "glute_asymmetry"]
    return {
        "profile": profile,
        "seed": seed,
        "gh_err_max": float(gh.max()),
        "ge_err_max": float(ge.max()),
        "sa_err_max": float(sa_err.max()),
        "order_ok": float(np.mean(order_ok)) if order_ok else np.nan,
        "onset_err_max_ms": float(on_err.max() * 1000),
        "onset_err_p95_ms": float(on_err.quantile(0.95) * 1000),
        "onset_missing": int(work["onset_s"].isna().sum()),
        "asym_side": asym[0].side if asym else "",
    }


def sweep(seeds: int) -> pd.DataFrame:
    proto = load_protocol("bridge").shortened(max_reps=3)
    rows = []
    t0 = time.perf_counter()
    for profile in PROFILES:
        for seed in range(1, seeds + 1):
            rows.append(session_errors(profile, seed, 1000.0, proto))
    df = pd.DataFrame(rows)
    print(f"sweep: {len(df)} sessions in {time.perf_counter() - t0:.0f} s")
    with pd.option_context("display.width", 200):
        agg = df.groupby("profile", sort=False).agg(
            gh_err_max=("gh_err_max", "max"),
            ge_err_max=("ge_err_max", "max"),
            sa_err_max=("sa_err_max", "max"),
            order_ok=("order_ok", "mean"),
            onset_max_ms=("onset_err_max_ms", "max"),
            onset_p95_ms=("onset_err_p95_ms", "median"),
            onset_missing=("onset_missing", "sum"),
        )
        print(agg.round(3).to_string())
    expected = {"right_inhibition": "right", "left_inhibition": "left"}
    pos = df[df.profile.isin(list(expected))]
    tp = sum(r.asym_side == expected[r.profile] for r in pos.itertuples())
    wrong_side = sum(r.asym_side not in ("", expected[r.profile]) for r in pos.itertuples())
    neg = df[~df.profile.isin(list(expected))]
    tn = int((neg["asym_side"] == "").sum())
    print(
        f"glute_asymmetry flag: sensitivity {tp}/{len(pos)} = {tp / len(pos):.1%} "
        f"(right side for right_inhibition, left for left_inhibition; wrong side {wrong_side}); "
        f"specificity {tn}/{len(neg)} = {tn / len(neg):.1%} (healthy + hamstring_dominant)"
    )
    return df


def long_session() -> tuple[Recording, Protocol]:
    """30 min, 16 channels, 2 kHz: bridge8 with more double-leg sets, channels tiled."""
    base = load_protocol("bridge")
    trials = tuple(
        dataclasses.replace(t, sets=t.sets * 3) if t.task == "double_leg_bridge" else t
        for t in base.trials
    )
    proto = dataclasses.replace(base, trials=trials)
    rec, _ = synthesize_session(
        "right_inhibition", fs=2000.0, protocol=proto, montage="bridge8", seed=1
    )
    n = round(30 * 60 * rec.fs)
    data = rec.data[:n]
    if data.shape[0] < n:
        reps = -(-n // data.shape[0])
        data = np.tile(data, (reps, 1))[:n]
    data16 = np.ascontiguousarray(np.hstack([data, data[:, ::-1]]))
    chans = list(rec.channels) + [
        Channel(f"{c.name}_b", c.muscle, c.side, c.kind) for c in rec.channels[::-1]
    ]
    events = [e for e in rec.events if e.offset <= n / rec.fs]
    return Recording(data16, rec.fs, chans, events, (), rec.info), proto


def cost(repeats: int) -> None:
    t0 = time.perf_counter()
    rec, proto = long_session()
    print(
        f"synthesised {rec.duration / 60:.1f} min x {rec.n_channels} ch x {rec.fs:g} Hz "
        f"({rec.data.nbytes / 1e6:.0f} MB) in {time.perf_counter() - t0:.0f} s; "
        f"{len(rec.events_for(label='hold'))} holds"
    )
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        res = analyze_bridge(rec, proto)
        interpret(res)
        times.append(time.perf_counter() - t0)
    print(
        f"analyze_bridge + interpret: median {statistics.median(times):.1f} s "
        f"(runs: {', '.join(f'{t:.1f}' for t in times)})"
    )


def fatigue_cost(n_holds: int = 124, hold_s: float = 20.0, n_ch: int = 16) -> None:
    """fatigue_slope vs the per-epoch scipy.signal.welch loop it replaced, same process."""
    from scipy import signal as sps

    from emgkit.signal.spectral import _mdf, fatigue_slope

    fs = 2000.0
    rng = np.random.default_rng(0)
    x = rng.normal(0, 50, (int(hold_s * fs), n_ch))

    def reference() -> np.ndarray:
        vals = np.empty((int(hold_s), n_ch))
        for i in range(int(hold_s)):
            f, p = sps.welch(
                x[i * 2000 : (i + 1) * 2000], fs=fs, nperseg=500, axis=0, detrend="linear"
            )
            vals[i] = _mdf(f, p)
        return vals

    t = {"reference": [], "batched": []}
    for _ in range(3):
        t0 = time.process_time()
        for _ in range(n_holds):
            want = reference()
        t["reference"].append(time.process_time() - t0)
        t0 = time.process_time()
        for _ in range(n_holds):
            got = fatigue_slope(x, fs, 1.0).values_hz
        t["batched"].append(time.process_time() - t0)
    err = float(np.max(np.abs(got - want) / want))
    r, b = min(t["reference"]), min(t["batched"])
    print(
        f"fatigue slopes, {n_holds} holds x {hold_s:g} s x {n_ch} ch at 2 kHz: "
        f"per-epoch scipy welch "
        f"{r:.2f} s CPU, batched {b:.2f} s CPU ({r / b:.1f}x; max relative difference {err:.1e}); "
        f"load {os.getloadavg()[0]:.1f}"
    )


#: The steps timed and printed, in pipeline order (``_signal_steps`` and ``_onsets_ahead`` exist from
#: session 7 on: quality, filter and, threaded, the onsets; ``_assess`` is its serial quality step).
_STEP_ORDER = (
    "_signal_steps",
    "_assess",
    "_filter",
    "_onsets_ahead",
    "_rep_table",
    "_rep_onsets",
    "_symmetry",
    "_summary",
    "_ratios",
    "_fatigue",
)


_TIMED_CALL = """
import json, os, pickle, sys, time, warnings
from emgkit.analysis import bridge as B
from emgkit.analysis.bridge import analyze_bridge
from emgkit.analysis.interpret import interpret
rec, proto = pickle.load(open(sys.argv[1], "rb"))
repeats = int(sys.argv[2])
kw = {}
if os.environ.get("EMGKIT_BENCH_WORKERS"):  # this checkout only (the baseline has no workers=)
    kw["workers"] = int(os.environ["EMGKIT_BENCH_WORKERS"])
# process CPU and wall of the steps of analyze_bridge that run on the calling thread (nested:
# _rep_onsets runs inside _rep_table, or inside _onsets_ahead in _signal_steps when threaded;
# with a helper thread, process CPU includes the helper's work done meanwhile)
steps = {}
walls = {}
def timed(name, fn):
    def wrapper(*a, **k):
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            return fn(*a, **k)
        finally:
            steps[name] = steps.get(name, 0.0) + time.process_time() - c0
            walls[name] = walls.get(name, 0.0) + time.perf_counter() - t0
    return wrapper
for name in STEPS:
    if hasattr(B, name):
        setattr(B, name, timed(name, getattr(B, name)))
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    interpret(analyze_bridge(rec, proto, **kw))  # warm-up: numba compile or cache load
    runs = []
    for _ in range(repeats):
        steps.clear()
        walls.clear()
        t0, c0 = time.perf_counter(), time.process_time()
        interpret(analyze_bridge(rec, proto, **kw))
        runs.append((time.perf_counter() - t0, time.process_time() - c0, dict(steps), dict(walls)))
w, c, st, sw = min(runs, key=lambda r: r[0])
print(json.dumps({"wall": w, "cpu": c, "load": os.getloadavg()[0], "steps": st, "walls": sw}))
""".replace("STEPS", repr(_STEP_ORDER))


def demo_session() -> tuple[Recording, Protocol]:
    """The demo session of benchmarks/bench_coldstart.py (6 ch x 2 kHz x 358 s), in memory."""
    proto = load_protocol("bridge").shortened(max_reps=3, rest_scale=0.3)
    rec, _ = synthesize_session("right_inhibition", fs=2000.0, protocol=proto, seed=1)
    return rec, proto


def cost_vs_baseline(
    repeats: int,
    baseline_src: str,
    cache: Path,
    profile: bool,
    demo: bool = False,
    workers: int | None = None,
) -> None:
    """Alternate the cost on ``baseline_src`` and on this checkout, in subprocesses.

    Each subprocess makes one warm-up call, then one (30-min) or five (demo) timed calls and
    reports the one with the least wall time, with the CPU and wall of the steps of
    ``analyze_bridge``. ``workers``: this checkout's ``analyze_bridge(workers=...)`` (default:
    its own default).
    """
    if not cache.exists():
        t0 = time.perf_counter()
        rec, proto = demo_session() if demo else long_session()
        with cache.open("wb") as fh:
            pickle.dump((rec, proto), fh, protocol=5)
        print(f"synthesised the session in {time.perf_counter() - t0:.0f} s -> {cache}")
    here = str(Path(__file__).resolve().parents[1] / "src")
    runs: dict[str, list[dict[str, Any]]] = {"baseline": [], "new": []}
    calls = 5 if demo else 1
    for _ in range(repeats):
        for name, src in (("baseline", baseline_src), ("new", here)):
            env = {**os.environ, "PYTHONPATH": src}
            if name == "new" and workers is not None:
                env["EMGKIT_BENCH_WORKERS"] = str(workers)
            res = subprocess.run(
                [sys.executable, "-c", _TIMED_CALL, str(cache), str(calls)],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            r = json.loads(res.stdout.strip().splitlines()[-1])
            runs[name].append(r)
            st = ", ".join(
                f"{k} {v:.2f}/{r['walls'].get(k, float('nan')):.2f}" for k, v in r["steps"].items()
            )
            print(
                f"  {name}: wall {r['wall']:.2f} s, process CPU {r['cpu']:.2f} s "
                f"(load {r['load']:.1f}); steps CPU/wall s: {st}",
                flush=True,
            )

    def med(v: list[dict[str, Any]], key: str) -> dict[str, float]:
        names = {k for r in v for k in r[key]}
        return {k: statistics.median(r[key].get(k, float("nan")) for r in v) for k in names}

    b_wall, n_wall = (statistics.median(r["wall"] for r in runs[k]) for k in ("baseline", "new"))
    b_cpu, n_cpu = (statistics.median(r["cpu"] for r in runs[k]) for k in ("baseline", "new"))
    what = "demo session 6 ch x 2 kHz x 358 s" if demo else "30 min x 16 ch x 2 kHz"
    print(
        f"analyze_bridge + interpret, {what}"
        f"{f' (new: workers={workers})' if workers is not None else ''}: "
        f"baseline wall {b_wall:.2f} s CPU {b_cpu:.2f} s; new wall {n_wall:.2f} s "
        f"CPU {n_cpu:.2f} s; baseline / new: wall {b_wall / n_wall:.2f}x, "
        f"CPU {b_cpu / n_cpu:.2f}x"
    )
    bs, ns = med(runs["baseline"], "steps"), med(runs["new"], "steps")
    bw, nw = med(runs["baseline"], "walls"), med(runs["new"], "walls")
    print("  steps on the calling thread (with a helper thread, CPU includes its work meanwhile):")
    for k in (k for k in _STEP_ORDER if k in bs or k in ns):
        b_st = f"{bs[k]:.3f} s CPU / {bw[k]:.3f} s wall" if k in bs else "-"
        n_st = f"{ns[k]:.3f} s CPU / {nw[k]:.3f} s wall" if k in ns else "-"
        print(f"  {k}: baseline {b_st}, new {n_st}")
    if profile:
        import cProfile
        import pstats

        with cache.open("rb") as fh:
            rec, proto = pickle.load(fh)
        analyze_bridge(rec, proto)
        pr = cProfile.Profile()
        pr.enable()
        analyze_bridge(rec, proto)
        pr.disable()
        pstats.Stats(pr).sort_stats("cumulative").print_stats(30)


_BY_SIZE = """
import os, pickle, statistics, sys, time, warnings
import emgkit.signal._kernels as K
from emgkit.analysis.bridge import analyze_bridge
from emgkit.analysis.interpret import interpret
path, minutes, calls = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
with open(path, "rb") as fh:
    rec, proto = pickle.load(fh)
if minutes > 0:
    rec = rec.crop(0, minutes * 60)
K._ZERO_PHASE_RAN = True  # as after a long analysis in this process: numba started
warnings.simplefilter("ignore")
for w in (1, 2):
    interpret(analyze_bridge(rec, proto, workers=w))  # warm-up
runs = {1: [], 2: []}
for _ in range(calls):
    for w in (1, 2):
        t0, c0 = time.perf_counter(), time.process_time()
        interpret(analyze_bridge(rec, proto, workers=w))
        runs[w].append((time.perf_counter() - t0, time.process_time() - c0))
med = {w: [statistics.median(r[i] for r in v) for i in (0, 1)] for w, v in runs.items()}
print(
    f"{rec.data.size / 1e6:5.1f} M channel-samples ({rec.duration / 60:.1f} min x "
    f"{rec.n_channels} ch): workers=1 wall {med[1][0]:.3f} s CPU {med[1][1]:.3f} s; workers=2 "
    f"wall {med[2][0]:.3f} s CPU {med[2][1]:.3f} s; serial / threaded wall "
    f"{med[1][0] / med[2][0]:.2f}x (medians of {calls}; load {os.getloadavg()[0]:.1f})",
    flush=True,
)
"""


def by_size(cache: Path, demo_cache: Path, calls: int) -> None:
    """``workers=1`` against ``workers=2`` on this checkout, one subprocess per session size.

    Numba is marked as started in each subprocess (as after a long analysis in the same
    process: the helper thread only runs then), and the two settings alternate.
    """
    for path in (demo_cache, cache):
        if not path.exists():
            rec, proto = demo_session() if path == demo_cache else long_session()
            with path.open("wb") as fh:
                pickle.dump((rec, proto), fh, protocol=5)
    here = str(Path(__file__).resolve().parents[1] / "src")
    for path, minutes in ((demo_cache, 0.0), (cache, 5.0), (cache, 10.0), (cache, 0.0)):
        subprocess.run(
            [sys.executable, "-c", _BY_SIZE, str(path), str(minutes), str(calls)],
            env={**os.environ, "PYTHONPATH": here},
            check=True,
        )


_FIRST_RUN = """
import pickle, sys, time
from emgkit.analysis.bridge import analyze_bridge
from emgkit.analysis.interpret import interpret
with open(sys.argv[1], "rb") as fh:
    rec, proto = pickle.load(fh)
c0 = time.process_time()
interpret(analyze_bridge(rec, proto))
print(time.process_time() - c0)
"""


def first_runs(n: int, baseline_src: str | None, cache: Path) -> None:
    """Process CPU of ``n`` one-call subprocesses per tree, each tree with a fresh numba cache."""
    import tempfile

    if not cache.exists():
        rec, proto = long_session()
        with cache.open("wb") as fh:
            pickle.dump((rec, proto), fh, protocol=5)
    here = str(Path(__file__).resolve().parents[1] / "src")
    trees = ([("baseline", baseline_src)] if baseline_src else []) + [("new", here)]
    for name, src in trees:
        with tempfile.TemporaryDirectory() as numba_cache:
            env = {**os.environ, "PYTHONPATH": src, "NUMBA_CACHE_DIR": numba_cache}
            cpu = []
            for _ in range(n):
                res = subprocess.run(
                    [sys.executable, "-c", _FIRST_RUN, str(cache)],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=True,
                )
                cpu.append(float(res.stdout.strip().splitlines()[-1]))
        runs = ", ".join(f"{c:.2f}" for c in cpu)
        print(
            f"{name}: 30-min analyze_bridge + interpret, fresh numba cache, one call per "
            f"process, CPU s: {runs} (first: compiles; load {os.getloadavg()[0]:.1f})",
            flush=True,
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--skip-sweep", action="store_true")
    ap.add_argument("--skip-cost", action="store_true")
    ap.add_argument("--baseline-src", default=None, help="src folder of the baseline code")
    ap.add_argument("--session-cache", type=Path, default=Path("/tmp/emgkit-bench-30min.pkl"))
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--fatigue", action="store_true", help="only the fatigue-slope micro benchmark")
    ap.add_argument(
        "--demo",
        action="store_true",
        help="with --baseline-src: the demo session instead of the 30-min one (5 warm calls "
        "per subprocess, cached in --demo-cache)",
    )
    ap.add_argument("--demo-cache", type=Path, default=Path("/tmp/emgkit-bench-demo.pkl"))
    ap.add_argument(
        "--first-runs",
        type=int,
        default=0,
        metavar="N",
        help="N one-call processes per tree with a fresh numba cache (what a new install pays)",
    )
    ap.add_argument(
        "--workers",
        type=int,
        default=None,
        help="with --baseline-src: this checkout's analyze_bridge(workers=N) (default: its "
        "default, 2 threads for the 30-min session on a 2-CPU machine)",
    )
    ap.add_argument(
        "--by-size",
        action="store_true",
        help="workers=1 against workers=2 on this checkout: the demo session, the 30-min "
        "session cropped to 5 and 10 min, and whole (numba started; --repeats calls each)",
    )
    a = ap.parse_args()
    if a.by_size:
        by_size(a.session_cache, a.demo_cache, a.repeats)
        return
    if a.first_runs:
        first_runs(a.first_runs, a.baseline_src, a.session_cache)
        return
    if a.fatigue:
        fatigue_cost()
        return
    if not a.skip_sweep:
        sweep(a.seeds)
    if not a.skip_cost:
        if a.baseline_src:
            cache = a.demo_cache if a.demo else a.session_cache
            cost_vs_baseline(a.repeats, a.baseline_src, cache, a.profile, a.demo, a.workers)
        else:
            cost(a.repeats)


if __name__ == "__main__":
    main()
