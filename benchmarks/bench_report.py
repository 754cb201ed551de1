"""Report generation time (HTML + PDF, warm) against the report code of a baseline commit.

The standard session is the demo session (``emgkit demo`` defaults: synthetic
``right_inhibition`` subject, bridge protocol shortened to 3 reps, 6 channels at 2 kHz, 323 s);
``--session long`` is the full protocol at 1 kHz (523 s). It is synthesised and analysed once
per process (not timed: the analysis is excluded); then
:func:`emgkit.report.html.write_report` runs once to warm up (imports, fonts, numba) and
``--repeats`` more times, timed. The baseline is the same script run against the sources of
``--baseline`` (default ``ddd47d8``, the report before the speed work of issue 13 step 3),
extracted with ``git archive`` into a temporary folder; baseline and current runs alternate so
both see the same machine load. Medians of wall time and of process CPU time
(``time.process_time``, which leaves out waiting for a shared core) are printed, and their
ratio, with the load average before and after.

``--demo-steps`` instead runs ``run_demo(device=None)`` (``emgkit demo --no-device``: the demo
without the emulated recording) once per round in a fresh process per tree, with the demo's step
timer reading process CPU time instead of the wall clock, and prints the median CPU seconds of
each step (``plot`` and ``report`` in the baseline; the report step alone once the demo's figures
are the report's) and of plot + report.

Usage::

    nice -n 5 python3 benchmarks/bench_report.py                 # 3 rounds x 3 repeats
    nice -n 5 python3 benchmarks/bench_report.py --rounds 1 --repeats 2
    nice -n 5 python3 benchmarks/bench_report.py --demo-steps --baseline 2a4b8ac --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

_CHILD = r"""
import json, sys, tempfile, time, warnings
from emgkit.simulate import synthesize_session
from emgkit.analysis.bridge import analyze_bridge
from emgkit.report.html import write_report
from emgkit.protocol import load_protocol
if sys.argv[2] == "demo":
    proto = load_protocol("bridge").shortened(max_reps=3, rest_scale=0.3)
    rec, _ = synthesize_session("right_inhibition", fs=2000, protocol=proto, seed=1)
else:
    proto = load_protocol("bridge")
    rec, _ = synthesize_session("right_inhibition", fs=1000, seed=3)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    res = analyze_bridge(rec, proto)
out = tempfile.mkdtemp()
write_report(rec, res, out)  # warm-up
wall, cpu = [], []
for _ in range(int(sys.argv[1])):
    t0, c0 = time.perf_counter(), time.process_time()
    write_report(rec, res, out)
    wall.append(time.perf_counter() - t0)
    cpu.append(time.process_time() - c0)
print(json.dumps({"wall": wall, "cpu": cpu}))
"""


_DEMO = r"""
import json, sys, time, types, warnings
warnings.simplefilter("ignore")
import emgkit.app.demo as demo
demo.time = types.SimpleNamespace(perf_counter=time.process_time)  # the step timer on CPU time
out = demo.run_demo(sys.argv[1], device=None, log=lambda s: None)
print(json.dumps(out.timings))
"""


def _demo_steps(base: Path, cur: Path, rounds: int) -> None:
    """Median CPU seconds of the demo's steps (no emulated device), baseline vs current."""
    runs: dict[str, dict[str, list[float]]] = {"baseline": {}, "current": {}}
    load0 = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(rounds):
            for name, src in (("baseline", base), ("current", cur)):
                run = subprocess.run(
                    [sys.executable, "-c", _DEMO, str(Path(tmp) / name)],
                    env={**os.environ, "PYTHONPATH": str(src)},
                    capture_output=True,
                    text=True,
                    cwd=tmp,
                )
                if run.returncode != 0:
                    raise SystemExit(f"demo child failed ({src}):\n{run.stderr[-3000:]}")
                t = json.loads(run.stdout.strip().splitlines()[-1])
                t["plot + report"] = t.get("plot", 0.0) + t["report"]
                for k, v in t.items():
                    runs[name].setdefault(k, []).append(v)
    print(
        f"demo steps (no device), CPU seconds, medians of {rounds} rounds; load average "
        f"{load0:.1f} before, {os.getloadavg()[0]:.1f} after"
    )
    steps = list(dict.fromkeys([*runs["baseline"], *runs["current"]]))
    print(f"{'step':14s} {'baseline':>9s} {'current':>9s}")
    for k in steps:
        b = statistics.median(runs["baseline"][k]) if k in runs["baseline"] else float("nan")
        c = statistics.median(runs["current"][k]) if k in runs["current"] else float("nan")
        print(f"{k:14s} {b:9.2f} {c:9.2f}")


def _run(src: Path, repeats: int, session: str) -> dict[str, list[float]]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    run = subprocess.run(
        [sys.executable, "-c", _CHILD, str(repeats), session],
        env=env,
        capture_output=True,
        text=True,
        cwd=tempfile.gettempdir(),
    )
    if run.returncode != 0:
        raise SystemExit(f"benchmark child failed ({src}):\n{run.stderr[-3000:]}")
    return json.loads(run.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", default="ddd47d8", help="git commit of the baseline report")
    ap.add_argument("--session", choices=("demo", "long"), default="demo")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--demo-steps", action="store_true", help="the demo's steps, CPU seconds")
    args = ap.parse_args()
    repo = Path(__file__).resolve().parents[1]
    load0 = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        arch = subprocess.run(
            ["git", "-C", str(repo), "archive", args.baseline, "src", "data"],
            capture_output=True,
            check=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=arch, check=True)
        if args.demo_steps:
            _demo_steps(Path(tmp) / "src", repo / "src", args.rounds)
            return
        runs: dict[str, dict[str, list[float]]] = {
            "baseline": {"wall": [], "cpu": []},
            "current": {"wall": [], "cpu": []},
        }
        for _ in range(args.rounds):
            for name, src in (("baseline", Path(tmp) / "src"), ("current", repo / "src")):
                r = _run(src, args.repeats, args.session)
                runs[name]["wall"] += r["wall"]
                runs[name]["cpu"] += r["cpu"]
    med = {k: {m: statistics.median(v[m]) for m in ("wall", "cpu")} for k, v in runs.items()}
    print(
        f"session {args.session}; load average {load0:.1f} before, {os.getloadavg()[0]:.1f} "
        f"after; {args.rounds} rounds x {args.repeats} repeats"
    )
    print("| code | wall median | CPU median |")
    print("|---|---|---|")
    for k in ("baseline", "current"):
        print(f"| {k} | {med[k]['wall']:.2f} s | {med[k]['cpu']:.2f} s |")
    print(
        f"| ratio baseline/current | {med['baseline']['wall'] / med['current']['wall']:.2f}x "
        f"| {med['baseline']['cpu'] / med['current']['cpu']:.2f}x |"
    )


if __name__ == "__main__":
    main()
