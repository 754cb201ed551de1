"""Report generation time (HTML + PDF, warm) against the report code of a baseline commit.

A standard session (synthetic ``right_inhibition`` subject, full bridge protocol, 6 channels at
1 kHz, 523 s) is synthesised and analysed once per process (not timed); then
:func:`emgkit.report.html.write_report` runs once to warm up (imports, fonts, numba) and
``--repeats`` more times, timed. The baseline is the same script run against the sources of
``--baseline`` (default ``efc0018``, the branch point before the fpdf2 report), extracted with
``git archive`` into a temporary folder; baseline and current runs alternate so both see the
same machine load. Medians of wall time and of process CPU time (``time.process_time``, which
leaves out waiting for a shared core) are printed, and their ratio.

Usage::

    nice -n 5 python3 benchmarks/bench_report.py                 # 3 rounds x 3 repeats
    nice -n 5 python3 benchmarks/bench_report.py --rounds 1 --repeats 2
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
rec, _ = synthesize_session("right_inhibition", fs=1000, seed=3)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    res = analyze_bridge(rec, "bridge")
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


def _run(src: Path, repeats: int) -> dict[str, list[float]]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    run = subprocess.run(
        [sys.executable, "-c", _CHILD, str(repeats)],
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
    ap.add_argument("--baseline", default="efc0018", help="git commit of the baseline report")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    repo = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as tmp:
        arch = subprocess.run(
            ["git", "-C", str(repo), "archive", args.baseline, "src", "data"],
            capture_output=True,
            check=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=arch, check=True)
        runs: dict[str, dict[str, list[float]]] = {
            "baseline": {"wall": [], "cpu": []},
            "current": {"wall": [], "cpu": []},
        }
        for _ in range(args.rounds):
            for name, src in (("baseline", Path(tmp) / "src"), ("current", repo / "src")):
                r = _run(src, args.repeats)
                runs[name]["wall"] += r["wall"]
                runs[name]["cpu"] += r["cpu"]
    med = {k: {m: statistics.median(v[m]) for m in ("wall", "cpu")} for k, v in runs.items()}
    print(f"load average: {os.getloadavg()[0]:.1f}; {args.rounds} rounds x {args.repeats} repeats")
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
