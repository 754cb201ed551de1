"""Live-path cost per call: StreamingEnvelope vs scipy sosfilt with carried zi (+ numpy RMS).

Both do the same work per chunk: causal 4th-order band-pass 20-450 Hz (fs = 2 kHz), rectify
(square), trailing 100 ms RMS with state carried between calls. Prints microseconds per call
(median of --repeats runs of --calls calls each) for 1-, 10- and 100-sample chunks of 8 and 16
channels, the ratio, and checks that both give the same numbers.

Usage::

    python3 benchmarks/bench_realtime.py
    python3 benchmarks/bench_realtime.py --quick
"""

from __future__ import annotations

import argparse
import statistics
import time

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


def per_call_us(proc, chunks: list[np.ndarray], repeats: int) -> float:  # type: ignore[no-untyped-def]
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for c in chunks:
            proc(c)
        ts.append((time.perf_counter() - t0) / len(chunks))
    return statistics.median(ts) * 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer calls and repeats")
    ap.add_argument("--calls", type=int, default=None, help="calls per timed run")
    ap.add_argument("--repeats", type=int, default=None, help="timed runs")
    args = ap.parse_args()
    calls = args.calls or (2000 if args.quick else 20000)
    repeats = args.repeats or (3 if args.quick else 7)
    rng = np.random.default_rng(0)
    print(f"fs = {FS:g} Hz, {calls} calls per run, median of {repeats} runs")
    print(
        f"{'channels x chunk':>17} | {'emgkit us':>9} | {'scipy+numpy us':>14} | "
        f"{'ratio':>6} | max diff"
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
            t_ours = per_call_us(ours.process, chunks, repeats)
            t_ref = per_call_us(ref.process, chunks, repeats)
            print(
                f"{n_ch:>8} x {n:<6} | {t_ours:9.2f} | {t_ref:14.2f} | {t_ref / t_ours:6.1f} | "
                f"{diff:.1e}"
            )


if __name__ == "__main__":
    main()
