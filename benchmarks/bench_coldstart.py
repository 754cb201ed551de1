"""Cold and warm ``emgkit analyze`` and warm ``emgkit report``: this checkout against a baseline.

A demo-sized bridge session (right-side inhibition, 2 kHz, 3 reps per set, as
``emgkit demo --no-device``) is synthesised once and saved as BDF+. Then, in rounds that
alternate baseline and candidate so both see the same machine load, each implementation runs in
subprocesses:

- ``import``: ``python -c "import emgkit.cli"`` (what every command pays first);
- ``cold``: ``python -m emgkit.cli analyze FILE`` with a fresh, empty ``NUMBA_CACHE_DIR``
  (what a first run after ``pip install`` pays: every numba kernel it uses is compiled);
- ``warm``: the same command again with that cache (kernels loaded from disk);
- ``report``: ``python -m emgkit.cli report FILE --out DIR`` with that cache (read, analyse,
  HTML and PDF: the warm report).

Each step is timed as wall seconds and as the CPU seconds of the child process (user + system,
from ``getrusage``), which leaves out waiting for a core on a shared machine.

``--phases`` instead runs, in one subprocess per tree and round, the steps of ``emgkit report``
in one process with a timer around each (warm cache): the imports (numpy + pandas, scipy.signal,
numba, emgkit's analysis and io), reading the file, ``analyze_bridge``, importing the report
package and the steps of ``write_report`` (the calls it makes, one by one: importing fpdf2,
building the sections with their figures, drawing the figures, the HTML, the PDF), as CPU
seconds; ``write_report`` is their sum.

``--gc`` instead runs the warm report command under
a ``gc.callbacks`` timer: the CPU seconds Python's cyclic garbage collector takes in the
command, its number of collections and the command's process CPU, per tree and round.

``--first-calls`` instead times, in one subprocess per tree with an empty cache and the kernels
forced (``EMGKIT_COLD_SCIPY_BELOW=0``), the process CPU seconds of the first call of each signal
entry point on 20000 x 8 samples, in the order ``preprocess``, ``emg_amplitude``,
``moving_rms``, ``tkeo``, ``StreamingEnvelope.process``: what each compiles that the earlier ones
did not.

Prints the median seconds of each and the ratio candidate / baseline (below 1: faster), and the
load average before and after. The baseline is another source tree run with ``PYTHONPATH``
(default: ``/work/main/src``, the integration branch), so the same-run comparison needs no
install.

Usage::

    python3 benchmarks/bench_coldstart.py                       # 3 rounds
    python3 benchmarks/bench_coldstart.py --rounds 5 --baseline-src ../main/src
    python3 benchmarks/bench_coldstart.py --demo   # also `emgkit demo --no-device`, cold
    python3 benchmarks/bench_coldstart.py --first-calls
    python3 benchmarks/bench_coldstart.py --phases --rounds 3
    python3 benchmarks/bench_coldstart.py --gc --rounds 3
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _child(
    cmd: list[str], src: Path, cache: Path, cwd: Path | None = None, **extra: str
) -> subprocess.CompletedProcess[str]:
    """One subprocess with ``src`` first on the path and a numba cache; exit if it fails."""
    env = dict(os.environ, PYTHONPATH=str(src), NUMBA_CACHE_DIR=str(cache), **extra)
    res = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    if res.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed with PYTHONPATH={src}:\n{res.stderr[-2000:]}")
    return res


def _run(cmd: list[str], src: Path, cache: Path, cwd: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one :func:`_child`."""
    c0 = _children_cpu()
    t0 = time.perf_counter()
    _child(cmd, src, cache, cwd)
    return time.perf_counter() - t0, _children_cpu() - c0


def make_session(out: Path) -> Path:
    """The demo's session (``emgkit demo --no-device`` defaults), written as BDF+."""
    from emgkit.io.edf import write_bdf
    from emgkit.protocol import load_protocol
    from emgkit.simulate import synthesize_session

    proto = load_protocol("bridge").shortened(max_reps=3, rest_scale=0.3)
    rec, _ = synthesize_session("right_inhibition", fs=2000.0, protocol=proto, seed=1)
    path = out / "session.bdf"
    write_bdf(rec, path)
    print(
        f"session: {rec.n_channels} ch x {rec.fs:g} Hz x {rec.duration:.0f} s "
        f"({rec.n_samples * rec.n_channels / 1e6:.1f} M channel-samples)"
    )
    return path


FIRST_CALLS = """
import time
import numpy as np
from emgkit.signal import StreamingEnvelope, emg_amplitude, moving_rms, preprocess, tkeo
x = np.random.default_rng(0).standard_normal((20000, 8))
steps = [("preprocess", lambda: preprocess(x, 2000.0)),
         ("emg_amplitude", lambda: emg_amplitude(x, 2000.0)),
         ("moving_rms", lambda: moving_rms(x, 2000.0)),
         ("tkeo", lambda: tkeo(x)),
         ("StreamingEnvelope", lambda: StreamingEnvelope(2000.0, 8).process(x[:10]))]
for name, fn in steps:
    t = time.process_time()
    fn()
    print(name, time.process_time() - t)
"""


def first_calls(impls: dict[str, Path]) -> None:
    """CPU seconds of the first call of each entry point, empty cache, kernels forced."""
    res: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="emgkit-first-") as tmp:
        for name, src in impls.items():
            cmd = [sys.executable, "-c", FIRST_CALLS]
            out = _child(cmd, src, Path(tmp) / name, EMGKIT_COLD_SCIPY_BELOW="0")
            res[name] = {k: float(v) for k, v in (ln.split() for ln in out.stdout.splitlines())}
    print(f"first call, empty cache, process CPU seconds; load {os.getloadavg()[0]:.2f}")
    print(f"{'entry point':18s} {'baseline':>9s} {'candidate':>9s}")
    for k in res["baseline"]:
        print(f"{k:18s} {res['baseline'][k]:9.2f} {res['candidate'][k]:9.2f}")
    b, c = sum(res["baseline"].values()), sum(res["candidate"].values())
    print(f"{'total':18s} {b:9.2f} {c:9.2f}   ratio {c / b:.2f}")


PHASES = """
import sys, time
c0 = time.process_time()
def mark(name):
    global c0
    c = time.process_time()
    print(name, c - c0)
    c0 = c
import numpy, pandas
mark("import numpy+pandas")
import scipy.signal
mark("import scipy.signal")
import numba
mark("import numba")
import warnings
from emgkit.analysis.bridge import analyze_bridge
from emgkit.io import read
mark("import emgkit")
rec = read(sys.argv[1])
mark("read")
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    res = analyze_bridge(rec, None)
mark("analyze_bridge")
from emgkit.report.html import write_report
mark("import report")
# write_report's steps, one by one (the same calls it makes)
import fpdf
mark("  import fpdf")
from pathlib import Path
from emgkit.report._blocks import build_sections
import emgkit.report._svg as S
from emgkit.report.html import render_html
from emgkit.report.pdf import write_pdf
out = Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
secs = build_sections(rec, res)
mark("  sections")
if hasattr(S, "figure_drawings"):  # SVG and PDF operators in one pass
    svgs, drawings = S.figure_drawings(secs)
    kw = {"drawings": drawings}
else:  # before session 6: SVG only, the PDF parses it
    svgs, kw = S.figure_svgs(secs), {}
mark("  figures")
(out / "report.html").write_text(render_html(rec, secs, svgs), encoding="utf-8")
mark("  html")
write_pdf(rec, secs, out / "report.pdf", svgs, **kw)
mark("  pdf")
"""


GC_TIMER = """
import gc, sys, time
spent = [0.0, 0]
start = [0.0]
def timer(phase, info):
    if phase == "start":
        start[0] = time.process_time()
    else:
        spent[0] += time.process_time() - start[0]
        spent[1] += 1
gc.callbacks.append(timer)
from emgkit.cli import main
rc = main(sys.argv[1:])
print(f"gc {spent[0]:.3f} {spent[1]} cpu {time.process_time():.3f}", file=sys.stderr)
sys.exit(rc)
"""


def gc_share(impls: dict[str, Path], rounds: int) -> None:
    """Seconds of cyclic garbage collection in a warm ``emgkit report``, per tree."""
    load0 = os.getloadavg()
    rows: dict[str, list[tuple[float, int, float]]] = {n: [] for n in impls}
    with tempfile.TemporaryDirectory(prefix="emgkit-gc-") as tmp:
        work = Path(tmp)
        session = make_session(work)
        for r in range(rounds + 1):  # round 0 fills each tree's numba cache (not counted)
            for name, src in impls.items():
                cmd = [sys.executable, "-c", GC_TIMER, "report", str(session)]
                out = _child([*cmd, "--out", str(work / f"r-{name}")], src, work / name, work)
                if r:
                    _, t, n, _, c = out.stderr.strip().splitlines()[-1].split()
                    rows[name].append((float(t), int(n), float(c)))
    print(
        f"warm `emgkit report`, one process: garbage collection / collections / process CPU; "
        f"load {load0[0]:.2f} before, {os.getloadavg()[0]:.2f} after"
    )
    for name, v in rows.items():
        print(f"{name:9s} " + ", ".join(f"{t:.3f} s / {n} / {c:.2f} s" for t, n, c in v))
    med = {n: statistics.median(x[0] for x in v) for n, v in rows.items()}
    cpu = {n: statistics.median(x[2] for x in v) for n, v in rows.items()}
    print(
        f"medians: gc {med['baseline']:.3f} -> {med['candidate']:.3f} s, "
        f"CPU {cpu['baseline']:.2f} -> {cpu['candidate']:.2f} s "
        f"(ratio {cpu['candidate'] / cpu['baseline']:.2f})"
    )


def phases(impls: dict[str, Path], rounds: int) -> None:
    """CPU seconds of each step of a warm ``emgkit report``, in one process per tree and round."""
    res: dict[str, dict[str, list[float]]] = {n: {} for n in impls}
    load0 = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="emgkit-phases-") as tmp:
        work = Path(tmp)
        session = make_session(work)
        for r in range(rounds + 1):  # round 0 fills each tree's numba cache (not counted)
            for name, src in impls.items():
                cmd = [sys.executable, "-c", PHASES, str(session), str(work / f"r-{name}")]
                out = _child(cmd, src, work / name, work)
                if r == 0:
                    continue
                for ln in out.stdout.splitlines():
                    step, v = ln.rstrip().rsplit(" ", 1)
                    res[name].setdefault(step, []).append(float(v))
    print(
        f"steps of a warm `emgkit report` in one process, CPU seconds, medians of {rounds} "
        f"rounds; load {load0[0]:.2f} before, {os.getloadavg()[0]:.2f} after"
    )
    print(f"{'step':22s} {'baseline':>9s} {'candidate':>9s}")
    for step in res["baseline"]:
        b = statistics.median(res["baseline"][step])
        c = statistics.median(res["candidate"][step])
        print(f"{step:22s} {b:9.2f} {c:9.2f}")
    sub = [k for k in res["baseline"] if k.startswith("  ")]
    wb = sum(statistics.median(res["baseline"][k]) for k in sub)
    wc = sum(statistics.median(res["candidate"][k]) for k in sub)
    print(f"{'write_report (sum)':22s} {wb:9.2f} {wc:9.2f}")
    tb = sum(statistics.median(v) for v in res["baseline"].values())
    tc = sum(statistics.median(v) for v in res["candidate"].values())
    print(f"{'total':22s} {tb:9.2f} {tc:9.2f}   ratio {tc / tb:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--baseline-src", type=Path, default=Path("/work/main/src"))
    ap.add_argument("--candidate-src", type=Path, default=HERE / "src")
    ap.add_argument("--demo", action="store_true", help="also time `emgkit demo --no-device`, cold")
    ap.add_argument("--first-calls", action="store_true", help="first call per entry point")
    ap.add_argument("--phases", action="store_true", help="steps of a warm report, in-process")
    ap.add_argument("--gc", action="store_true", help="garbage collection in a warm report")
    a = ap.parse_args()
    impls = {"baseline": a.baseline_src.resolve(), "candidate": a.candidate_src.resolve()}
    for name, src in impls.items():
        if not (src / "emgkit" / "__init__.py").is_file():
            sys.exit(f"--{name}-src {src} holds no emgkit package")
    if a.first_calls:
        first_calls(impls)
        return
    if a.phases:
        phases(impls, a.rounds)
        return
    if a.gc:
        gc_share(impls, a.rounds)
        return
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    steps = ["import", "cold", "warm", "report"] + (["demo cold"] if a.demo else [])
    times: dict[str, dict[str, list[tuple[float, float]]]] = {
        n: {s: [] for s in steps} for n in impls
    }
    py = sys.executable
    with tempfile.TemporaryDirectory(prefix="emgkit-cold-") as tmp:
        work = Path(tmp)
        session = make_session(work)
        analyze = [py, "-m", "emgkit.cli", "analyze", str(session)]
        report = [py, "-m", "emgkit.cli", "report", str(session), "--out", str(work / "rep")]
        for r in range(a.rounds):
            for name, src in impls.items():
                cache = work / f"numba-{name}-{r}"
                t = times[name]
                t["import"].append(_run([py, "-c", "import emgkit.cli"], src, cache, work))
                t["cold"].append(_run(analyze, src, cache, work))
                t["warm"].append(_run(analyze, src, cache, work))
                t["report"].append(_run(report, src, cache, work))
                if a.demo:
                    demo = [py, "-m", "emgkit.cli", "demo", "--no-device", "--out", str(work / "d")]
                    t["demo cold"].append(_run(demo, src, work / f"numba-demo-{name}-{r}", work))
                print(
                    f"round {r + 1} {name:9s} "
                    + ", ".join(f"{s} {v[-1][0]:.2f}/{v[-1][1]:.2f} s" for s, v in t.items()),
                    flush=True,
                )
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(f"\nmedians of {a.rounds} alternating rounds (wall / child CPU seconds)")
    print(f"{'step':10s} {'baseline':>13s} {'candidate':>13s} {'ratio':>11s}")
    for s in steps:
        bw = statistics.median(v[0] for v in times["baseline"][s])
        cw = statistics.median(v[0] for v in times["candidate"][s])
        bc = statistics.median(v[1] for v in times["baseline"][s])
        cc = statistics.median(v[1] for v in times["candidate"][s])
        print(f"{s:10s} {bw:6.2f}/{bc:6.2f} {cw:6.2f}/{cc:6.2f} {cw / bw:5.2f}/{cc / bc:5.2f}")


if __name__ == "__main__":
    main()
