"""Cold and warm start of ``emgkit analyze``: this checkout against a baseline, same run.

A demo-sized bridge session (right-side inhibition, 2 kHz, 3 reps per set, as ``emgkit demo``)
is synthesised once and saved as BDF+. Then, in rounds that alternate baseline and candidate
so both see the same machine load, each implementation runs in subprocesses:

- ``cold``: ``python -m emgkit.cli analyze FILE`` with a fresh, empty ``NUMBA_CACHE_DIR``
  (what a first run after ``pip install`` pays: every numba kernel it uses is compiled);
- ``warm``: the same command again with that cache (kernels loaded from disk);
- ``import``: ``python -c "import emgkit.cli"`` (what every command pays first).

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
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]


def _run(cmd: list[str], src: Path, cache: Path, cwd: Path) -> float:
    """Wall seconds of one subprocess with ``src`` first on the path and a given numba cache."""
    env = dict(os.environ, PYTHONPATH=str(src), NUMBA_CACHE_DIR=str(cache))
    t0 = time.perf_counter()
    res = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if res.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed with PYTHONPATH={src}:\n{res.stderr[-2000:]}")
    return dt


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
            env = dict(
                os.environ,
                PYTHONPATH=str(src),
                NUMBA_CACHE_DIR=str(Path(tmp) / name),
                EMGKIT_COLD_SCIPY_BELOW="0",
            )
            out = subprocess.run(
                [sys.executable, "-c", FIRST_CALLS], env=env, capture_output=True, text=True
            )
            if out.returncode != 0:
                sys.exit(out.stderr[-2000:])
            res[name] = {k: float(v) for k, v in (ln.split() for ln in out.stdout.splitlines())}
    print(f"first call, empty cache, process CPU seconds; load {os.getloadavg()[0]:.2f}")
    print(f"{'entry point':18s} {'baseline':>9s} {'candidate':>9s}")
    for k in res["baseline"]:
        print(f"{k:18s} {res['baseline'][k]:9.2f} {res['candidate'][k]:9.2f}")
    b, c = sum(res["baseline"].values()), sum(res["candidate"].values())
    print(f"{'total':18s} {b:9.2f} {c:9.2f}   ratio {c / b:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--baseline-src", type=Path, default=Path("/work/main/src"))
    ap.add_argument("--candidate-src", type=Path, default=HERE / "src")
    ap.add_argument("--demo", action="store_true", help="also time `emgkit demo --no-device`, cold")
    ap.add_argument("--first-calls", action="store_true", help="first call per entry point")
    a = ap.parse_args()
    impls = {"baseline": a.baseline_src.resolve(), "candidate": a.candidate_src.resolve()}
    for name, src in impls.items():
        if not (src / "emgkit" / "__init__.py").is_file():
            sys.exit(f"--{name}-src {src} holds no emgkit package")
    if a.first_calls:
        first_calls(impls)
        return
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    steps = ["import", "cold", "warm"] + (["demo cold"] if a.demo else [])
    times: dict[str, dict[str, list[float]]] = {n: {s: [] for s in steps} for n in impls}
    py = sys.executable
    with tempfile.TemporaryDirectory(prefix="emgkit-cold-") as tmp:
        work = Path(tmp)
        session = make_session(work)
        analyze = [py, "-m", "emgkit.cli", "analyze", str(session)]
        for r in range(a.rounds):
            for name, src in impls.items():
                cache = work / f"numba-{name}-{r}"
                t = times[name]
                t["import"].append(_run([py, "-c", "import emgkit.cli"], src, cache, work))
                t["cold"].append(_run(analyze, src, cache, work))
                t["warm"].append(_run(analyze, src, cache, work))
                if a.demo:
                    demo = [py, "-m", "emgkit.cli", "demo", "--no-device", "--out", str(work / "d")]
                    t["demo cold"].append(_run(demo, src, work / f"numba-demo-{name}-{r}", work))
                print(
                    f"round {r + 1} {name:9s} "
                    + ", ".join(f"{s} {v[-1]:.2f} s" for s, v in t.items()),
                    flush=True,
                )
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(f"\nmedians of {a.rounds} alternating rounds (wall seconds)")
    print(f"{'step':10s} {'baseline':>9s} {'candidate':>9s} {'ratio':>6s}")
    for s in steps:
        b = statistics.median(times["baseline"][s])
        c = statistics.median(times["candidate"][s])
        print(f"{s:10s} {b:9.2f} {c:9.2f} {c / b:6.2f}")


if __name__ == "__main__":
    main()
