"""Offline amplitude pipeline throughput: emgkit (numba) vs a plain scipy baseline.

Pipeline: 4th-order Butterworth band-pass 20-450 Hz, zero-phase; rectify; 100 ms centred
moving RMS. Workloads (performance-anchors.md): W1 = 16 ch x 2 kHz x 10 min, W2 = 64 ch x 4 kHz
x 10 min. Prints M channel-samples/s (samples x channels / wall time, median of --repeats runs
after a warm-up), the ratio, a measured copy bandwidth and the bandwidth-bound ceiling.

Usage::

    python3 benchmarks/bench_offline.py            # W1 and W2, 10 min each
    python3 benchmarks/bench_offline.py --quick    # 1 min of each, fewer repeats
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from collections.abc import Callable

import numpy as np
from scipy import signal as sps

from emgkit.signal import emg_amplitude


def scipy_baseline(xc: np.ndarray, fs: float) -> np.ndarray:
    """The plain scipy way, (channels, samples) layout: sosfiltfilt, abs, cumsum moving RMS."""
    sos = sps.butter(4, [20.0, 450.0], btype="bandpass", fs=fs, output="sos")
    y = np.abs(sps.sosfiltfilt(sos, xc, axis=-1))
    n = round(0.1 * fs)
    sq = y * y
    cs = np.concatenate([np.zeros((sq.shape[0], 1)), np.cumsum(sq, axis=-1)], axis=-1)
    idx = np.arange(sq.shape[1])
    lo = np.clip(idx - n // 2, 0, sq.shape[1])
    hi = np.clip(idx - n // 2 + n, 0, sq.shape[1])
    return np.sqrt(np.maximum((cs[:, hi] - cs[:, lo]) / (hi - lo), 0.0))


def timed(fn: Callable[[], object], repeats: int) -> float:
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def copy_bandwidth(nbytes: int = 256 * 2**20, repeats: int = 5) -> float:
    """GB/s of a plain numpy copy (bytes read + bytes written)."""
    a = np.ones(nbytes // 8)
    b = np.empty_like(a)
    np.copyto(b, a)
    t = timed(lambda: np.copyto(b, a), repeats)
    return 2 * nbytes / t / 1e9


def run(name: str, n_ch: int, fs: float, minutes: float, repeats: int, bw: float) -> None:
    n = int(fs * 60 * minutes)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, n_ch)) * 50.0
    xc = np.ascontiguousarray(x.T)
    cs = n * n_ch / 1e6
    emg_amplitude(x[: int(fs)], fs)  # JIT warm-up (cache load) before timing
    ours = emg_amplitude(x, fs)
    ref = scipy_baseline(xc, fs)
    err = float(np.max(np.abs(ours - ref.T)) / np.max(ref))
    del ours, ref
    t_ours = timed(lambda: emg_amplitude(x, fs), repeats)
    t_ref = timed(lambda: scipy_baseline(xc, fs), max(1, repeats // 2))
    ceiling = bw * 1e9 / 32 / 1e6  # 32 bytes per channel-sample, see below
    print(
        f"{name}: {n_ch} ch x {fs / 1000:g} kHz x {minutes:g} min = {cs:.1f} M channel-samples "
        f"({x.nbytes / 1e9:.2f} GB)"
    )
    print(f"  scipy baseline : {cs / t_ref:8.1f} M/s  ({t_ref:.2f} s)")
    print(f"  emgkit (numba) : {cs / t_ours:8.1f} M/s  ({t_ours:.2f} s)")
    print(f"  ratio          : {t_ref / t_ours:8.2f} x   (max rel. difference {err:.1e})")
    print(
        f"  bandwidth ceiling at {bw:.1f} GB/s and 32 B/channel-sample: {ceiling:.0f} M/s "
        f"-> emgkit at {100 * (cs / t_ours) / ceiling:.0f} % of it"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1 minute of data, 3 repeats")
    ap.add_argument("--repeats", type=int, default=None, help="timed runs per implementation")
    ap.add_argument("--only", choices=["W1", "W2"], default=None, help="run one workload")
    args = ap.parse_args()
    minutes = 1.0 if args.quick else 10.0
    repeats = args.repeats or (3 if args.quick else 5)
    import numba
    import scipy

    print(
        f"python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
        f"numba {numba.__version__}; single-threaded kernels"
    )
    bw = copy_bandwidth()
    print(f"numpy copy bandwidth (read + write): {bw:.1f} GB/s")
    print(
        "minimum traffic of the fused zero-phase pipeline: 32 B per channel-sample (read x, "
        "write the forward pass, read it back, write the RMS; 8 B each)"
    )
    if args.only in (None, "W1"):
        run("W1", 16, 2000.0, minutes, repeats, bw)
    if args.only in (None, "W2"):
        run("W2", 64, 4000.0, minutes, repeats, bw)


if __name__ == "__main__":
    main()
