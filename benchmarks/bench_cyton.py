"""Cyton parser throughput and per-call cost, against a numpy ``frombuffer`` baseline.

Run: ``python3 benchmarks/bench_cyton.py`` (about half a minute). Prints packets/s for a bulk
feed and microseconds per ``feed`` call with 1 and 10 packets per call, for 8 channels and for
the Daisy (16 channels), and the same figures for a baseline that assumes perfect alignment
(``np.frombuffer`` + reshape + 24-bit decode, no resync, no counters, no aux).

A Cyton sends 250 packets/s, so per-call overhead is what matters live: at 10 packets per call
the parser is called 25 times a second.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from emgkit.devices.cyton.parser import CytonParser, encode_stream

SCALE = 4.5 / 24 / (2**23 - 1) * 1e6


def baseline_decode(data: bytes) -> np.ndarray:
    """Aligned-only decode: what a parser without resync could do at best with numpy."""
    n = len(data) // 33
    a = np.frombuffer(data, dtype=np.uint8, count=n * 33).reshape(n, 33)
    b = a[:, 2:26].reshape(n, 8, 3).astype(np.int32)
    v = (b[:, :, 0] << 16) | (b[:, :, 1] << 8) | b[:, :, 2]
    v = np.where(v >= 0x800000, v - 0x1000000, v)
    return v * SCALE


def best_of(fn: Callable[[], object], repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def per_call_us(daisy: bool, per_call: int, n_calls: int, decode_aux: bool = True) -> float:
    n_ch = 16 if daisy else 8
    rows = n_calls * per_call // (2 if daisy else 1) + 2
    data = encode_stream(np.random.default_rng(0).normal(0, 100, (rows, n_ch)), daisy=daisy)
    chunk = 33 * per_call
    chunks = [data[i : i + chunk] for i in range(0, n_calls * chunk, chunk)]
    p = CytonParser(daisy=daisy, decode_aux=decode_aux)
    p.feed(chunks[0])  # warm (numba compiled or loaded from cache)

    def run() -> None:
        p.reset()
        for c in chunks:
            p.feed(c)

    return best_of(run, 3) / n_calls * 1e6


def baseline_per_call_us(per_call: int, n_calls: int) -> float:
    data = encode_stream(np.zeros((n_calls * per_call, 8)))
    chunk = 33 * per_call
    chunks = [data[i : i + chunk] for i in range(0, n_calls * chunk, chunk)]

    def run() -> None:
        for c in chunks:
            baseline_decode(c)

    return best_of(run, 3) / n_calls * 1e6


def main() -> None:
    n_bulk = 500_000
    x8 = np.random.default_rng(1).normal(0, 100, (n_bulk, 8))
    data8 = encode_stream(x8)
    x16 = np.random.default_rng(2).normal(0, 100, (n_bulk // 2, 16))
    data16 = encode_stream(x16, daisy=True, start_counter=1)
    CytonParser().feed(data8[:330])

    print(f"bulk feed of {n_bulk} packets ({len(data8) / 1e6:.1f} MB); ratio = speed vs baseline")
    t_base = best_of(lambda: baseline_decode(data8))
    print(f"  numpy frombuffer baseline (aligned only)  {n_bulk / t_base / 1e6:7.1f} M packets/s")
    results = {}
    for label, daisy, data, aux in (
        ("CytonParser 8 ch", False, data8, True),
        ("CytonParser 8 ch, decode_aux=False", False, data8, False),
        ("CytonParser 16 ch (Daisy)", True, data16, True),
    ):
        p = CytonParser(daisy=daisy, decode_aux=aux)

        def run(p: CytonParser = p, data: bytes = data) -> None:
            p.reset()
            p.feed(data)

        t = best_of(run)
        results[label] = t
        print(f"  {label:<40} {n_bulk / t / 1e6:7.1f} M packets/s  ({t_base / t:.2f}x baseline)")

    print("per feed() call (live use: 250 packets/s); ratio = time vs baseline")
    for per_call in (1, 10):
        n_calls = 20_000 if per_call == 1 else 5_000
        base = baseline_per_call_us(per_call, n_calls)
        print(f"  {per_call:>2} packet(s)/call  numpy baseline        {base:7.2f} us")
        for label, daisy, aux in (
            ("8 ch", False, True),
            ("8 ch, decode_aux=False", False, False),
            ("16 ch (Daisy)", True, True),
        ):
            us = per_call_us(daisy, per_call, n_calls, aux)
            ratio = us / base
            print(f"  {per_call:>2} packet(s)/call  {label:<22}{us:7.2f} us  ({ratio:.2f}x base)")
    print(
        "CPU share live at 10 packets/call (25 calls/s):"
        f" {per_call_us(False, 10, 2000) * 25 / 1e6 * 100:.4f} % of one core"
    )


if __name__ == "__main__":
    main()
