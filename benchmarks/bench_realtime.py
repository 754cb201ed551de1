"""Live-path cost per call: StreamingEnvelope vs scipy sosfilt with carried zi (+ numpy RMS).

Both do the same work per chunk: causal 4th-order band-pass 20-450 Hz (fs = 2 kHz), rectify
(square), trailing 100 ms RMS with state carried between calls. Prints microseconds per call
(median of --repeats runs of --calls calls each) for 1-, 10- and 100-sample chunks of 8 and 16
channels, the ratio, and checks that both give the same numbers. ``process()`` returns a new
array; ``process_into()`` (the lean path) writes into a preallocated one and skips all Python
checks; both columns are timed in the same run.

With ``--baseline-src DIR`` (another checkout's ``src``) it instead compares emgkit with emgkit
on the one-sample call (8 channels x ``--samples`` samples, default 1): subprocesses alternate
between that tree and this one (``--rounds`` pairs), each timing ``process()`` and
``process_into()`` (median of 7 runs of 20000 calls, process CPU time and wall time).

Usage::

    python3 benchmarks/bench_realtime.py
    python3 benchmarks/bench_realtime.py --quick
    python3 benchmarks/bench_realtime.py --baseline-src /tmp/base/src --rounds 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from scipy import signal as sps

from emgkit.signal import StreamingEnvelope

FS = 2000.0


class ScipyEnvelope:
    """scipy.signal.sosfilt with carried zi, then a numpy ring-buffer running RMS."""

    def __init__(self, fs: float, n_ch: int, window: float = 0.1) -> None:
        self.sos = sps.butter(4, [20.0, 450.0], btype="bandpass", fs=fs, output="sos")
        self.zi = np.zeros((self.sos.shape[0], 2, n_ch))
        self.nw = round(window * fs)
        self.ring = np.zeros((self.nw, n_ch))
        self.acc = np.zeros(n_ch)
        self.pos = 0

    def process(self, chunk: np.ndarray) -> np.ndarray:
        y, self.zi = sps.sosfilt(self.sos, chunk, axis=0, zi=self.zi)
        sq = y * y
        idx = (self.pos + np.arange(len(chunk))) % self.nw  # chunks shorter than the window
        csum = np.cumsum(sq - self.ring[idx], axis=0) + self.acc
        self.ring[idx] = sq
        self.acc = csum[-1]
        cnt = np.minimum(self.pos + np.arange(1, len(chunk) + 1), self.nw)[:, None]
        self.pos += len(chunk)
        return np.sqrt(np.maximum(csum / cnt, 0.0))


CLOCK = time.perf_counter


def per_call_us(proc, chunks: list[np.ndarray], repeats: int) -> float:  # type: ignore[no-untyped-def]
    ts = []
    for _ in range(repeats):
        t0 = CLOCK()
        for c in chunks:
            proc(c)
        ts.append((CLOCK() - t0) / len(chunks))
    return statistics.median(ts) * 1e6


_ONE_TREE = """
import statistics, sys, time
import numpy as np
from emgkit.signal import StreamingEnvelope
n = int(sys.argv[1])
rng = np.random.default_rng(0)
chunks = [np.ascontiguousarray(rng.standard_normal((n, 8)) * 50) for _ in range(20000)]
plain, lean, out = StreamingEnvelope(2000.0, 8), StreamingEnvelope(2000.0, 8), np.empty((n, 8))
plain.process(chunks[0])
lean.process_into(chunks[0], out)
def per_call(fn, clock):
    ts = []
    for _ in range(7):
        t0 = clock()
        for c in chunks:
            fn(c)
        ts.append((clock() - t0) / len(chunks) * 1e6)
    return statistics.median(ts)
def into(c):
    lean.process_into(c, out)
cpu, wall = time.process_time, time.perf_counter
print(per_call(plain.process, cpu), per_call(into, cpu), per_call(plain.process, wall),
      per_call(into, wall))
"""


def tree_vs_tree(baseline: str, samples: int, rounds: int) -> None:
    """Alternate subprocesses on ``baseline`` (a ``src`` folder) and this tree's ``src``."""
    here = str(Path(__file__).resolve().parents[1] / "src")
    print(f"8 channels x {samples} sample(s) per call, us per call (median of 7 x 20000 calls)")
    print(
        f"{'tree':9s} | {'process CPU':>11s} | {'into CPU':>8s} | {'process wall':>12s} | "
        f"{'into wall':>9s} | load"
    )
    res: dict[str, list[float]] = {"baseline": [], "this tree": []}
    for _ in range(rounds):
        for label, src in (("baseline", baseline), ("this tree", here)):
            out = subprocess.run(
                [sys.executable, "-c", _ONE_TREE, str(samples)],
                env=dict(os.environ, PYTHONPATH=src),
                capture_output=True,
                text=True,
                check=True,
            )
            v = [float(t) for t in out.stdout.split()]
            res[label].append(v[0])
            print(
                f"{label:9s} | {v[0]:11.3f} | {v[1]:8.3f} | {v[2]:12.3f} | {v[3]:9.3f} | "
                f"{os.getloadavg()[0]:.1f}"
            )
    b, c = (statistics.median(v) for v in res.values())
    print(f"process() CPU, this tree / baseline (medians): {c / b:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer calls and repeats")
    ap.add_argument("--calls", type=int, default=None, help="calls per timed run")
    ap.add_argument("--repeats", type=int, default=None, help="timed runs")
    ap.add_argument(
        "--cpu",
        action="store_true",
        help="time with process CPU time (time.process_time) instead of wall time: on a loaded "
        "machine it leaves out the time the process waited for a core",
    )
    ap.add_argument("--baseline-src", default=None, help="compare with this src folder")
    ap.add_argument("--rounds", type=int, default=3, help="subprocess pairs with --baseline-src")
    ap.add_argument("--samples", type=int, default=1, help="samples per call with --baseline-src")
    args = ap.parse_args()
    if args.baseline_src:
        tree_vs_tree(args.baseline_src, args.samples, args.rounds)
        return
    global CLOCK
    if args.cpu:
        CLOCK = time.process_time
    calls = args.calls or (2000 if args.quick else 20000)
    repeats = args.repeats or (3 if args.quick else 7)
    rng = np.random.default_rng(0)
    clock = "process CPU time" if args.cpu else "wall time"
    load = " ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"fs = {FS:g} Hz, {calls} calls per run, median of {repeats} runs, {clock}; load {load}")
    print(
        f"{'channels x chunk':>17} | {'process us':>10} | {'process_into us':>15} | "
        f"{'scipy+numpy us':>14} | {'ratio':>6} | max diff"
    )
    for n_ch in (8, 16):
        for n in (1, 10, 100):
            chunks = [
                np.ascontiguousarray(rng.standard_normal((n, n_ch)) * 50) for _ in range(calls)
            ]
            ours = StreamingEnvelope(FS, n_ch)
            ref = ScipyEnvelope(FS, n_ch)
            # same output (check on the first 500 calls, the windows fill up), JIT warm
            k = min(500, calls)
            diff = max(float(np.max(np.abs(ours.process(c) - ref.process(c)))) for c in chunks[:k])
            out = np.empty((n, n_ch))
            lean = StreamingEnvelope(FS, n_ch)

            def into(c: np.ndarray, lean: StreamingEnvelope = lean, out: np.ndarray = out) -> None:
                lean.process_into(c, out)

            into(chunks[0])
            t_ours = per_call_us(ours.process, chunks, repeats)
            t_lean = per_call_us(into, chunks, repeats)
            t_ref = per_call_us(ref.process, chunks, repeats)
            print(
                f"{n_ch:>8} x {n:<6} | {t_ours:10.2f} | {t_lean:15.2f} | {t_ref:14.2f} | "
                f"{t_ref / t_ours:6.1f} | {diff:.1e}"
            )


if __name__ == "__main__":
    main()
