"""Offline amplitude pipeline throughput: emgkit (numba) vs a plain scipy baseline, same run.

Pipeline: 4th-order Butterworth band-pass 20-450 Hz, zero-phase; rectify; 100 ms centred
moving RMS. Workloads (performance-anchors.md): W1 = 16 ch x 2 kHz x 10 min, W2 = 64 ch x 4 kHz
x 10 min. emgkit and scipy runs alternate (emgkit, scipy, emgkit, scipy, ...) so both see the
same machine load; the figures are medians of wall time and of process CPU time
(``time.process_time``: time the process actually ran, so waiting for a core shared with other
processes is left out). The ratio is the ratio of the two medians from the same run.

With ``--out`` a third function takes part in the rounds: ``emg_amplitude(x, fs, out=buf)`` into
one reused buffer, what a caller that keeps its output array gets (no page faults and no zeroing
of fresh pages). It is printed on its own line with its own ratio; the headline ratio stays the
fresh-output call, as the scipy baseline allocates its results too. The difference of the two
medians is printed as the first touch of the fresh output, with the minor page faults of one
fresh call and the transparent huge page mode (with ``never`` the first touch of W1's 154 MB
output costs about twice as much: docs/performance.md).

With ``--baseline-src DIR`` (another checkout's ``src``) it instead compares emgkit with emgkit:
subprocesses alternate between that tree and this one (``--rounds`` each), every one timing
``--repeats`` whole ``emg_amplitude`` calls on the workload (``--minutes`` long, default 10), each
followed by one into a reused ``out=``, and prints each subprocess's process-CPU median and minimum
and the ratios of the medians of medians. Rounds alternate the order (baseline first, then this
tree first), so a drift in the machine's load or page state does not favour one tree.

Also prints a measured copy bandwidth and the bandwidth-bound ceiling, and with ``--compile``
the numba compile time of the first call (empty cache) and the first call of a second process
(cache on disk), both in subprocesses with a private ``NUMBA_CACHE_DIR``.

Usage::

    python3 benchmarks/bench_offline.py            # W1 and W2, 10 min each, 5 repeats
    python3 benchmarks/bench_offline.py --quick    # 1 min of each, 3 repeats
    python3 benchmarks/bench_offline.py --only W1 --repeats 7 --compile
    python3 benchmarks/bench_offline.py --only W1 --repeats 7 --out
    python3 benchmarks/bench_offline.py --only W2 --baseline-src /tmp/base/src --rounds 3
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy import signal as sps

from emgkit.signal import emg_amplitude


def scipy_baseline(xc: np.ndarray, fs: float) -> np.ndarray:
    """The plain scipy way, (channels, samples) layout: sosfiltfilt, abs, cumsum moving RMS.

    Centred 100 ms window truncated at the edges (as emgkit). The interior is a slice difference
    of the cumulative sum (no fancy indexing); only the ``n_win`` edge samples are gathered.
    """
    sos = sps.butter(4, [20.0, 450.0], btype="bandpass", fs=fs, output="sos")
    y = np.abs(sps.sosfiltfilt(sos, xc, axis=-1))
    n = round(0.1 * fs)
    m = y.shape[1]
    cs = np.empty((y.shape[0], m + 1))
    cs[:, 0] = 0.0
    np.cumsum(y * y, axis=-1, out=cs[:, 1:])
    k = n // 2
    out = np.empty_like(y)
    out[:, k : k + m + 1 - n] = (cs[:, n:] - cs[:, : m + 1 - n]) / n
    edge = np.r_[0:k, k + m + 1 - n : m]
    lo = np.clip(edge - k, 0, m)
    hi = np.clip(edge - k + n, 0, m)
    out[:, edge] = (cs[:, hi] - cs[:, lo]) / (hi - lo)
    return np.sqrt(np.maximum(out, 0.0, out=out), out=out)


def interleaved(
    fns: dict[str, Callable[[], object]], repeats: int
) -> dict[str, tuple[list[float], list[float]]]:
    """Run the functions in turn, ``repeats`` rounds; (wall times, CPU times) per name."""
    res: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            w0, c0 = time.perf_counter(), time.process_time()
            fn()
            res[name][1].append(time.process_time() - c0)
            res[name][0].append(time.perf_counter() - w0)
    return res


def copy_bandwidth(nbytes: int = 256 * 2**20, repeats: int = 5) -> float:
    """GB/s of a plain numpy copy into an existing array (bytes read + bytes written)."""
    a = np.ones(nbytes // 8)
    b = np.empty_like(a)
    np.copyto(b, a)
    ts = interleaved({"copy": lambda: np.copyto(b, a)}, repeats)["copy"][0]
    return 2 * nbytes / min(ts) / 1e9


def run(
    name: str, n_ch: int, fs: float, minutes: float, repeats: int, bw: float, reuse: bool = False
) -> None:
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
    fns: dict[str, Callable[[], object]] = {
        "emgkit": lambda: emg_amplitude(x, fs),
        "scipy": lambda: scipy_baseline(xc, fs),
    }
    if reuse:
        buf = emg_amplitude(x, fs)
        fns["out="] = lambda: emg_amplitude(x, fs, out=buf)
    res = interleaved(fns, repeats)
    ceiling = bw * 1e9 / 32 / 1e6  # 32 bytes per channel-sample, see main()
    print(
        f"{name}: {n_ch} ch x {fs / 1000:g} kHz x {minutes:g} min = {cs:.1f} M channel-samples "
        f"({x.nbytes / 1e9:.2f} GB), {repeats} interleaved rounds, medians"
    )
    print("                    wall M/s   (s)      CPU M/s   (s)")
    med = {}
    for k in ("scipy", "emgkit"):
        w, c = (statistics.median(v) for v in res[k])
        med[k] = (w, c)
        label = "scipy baseline" if k == "scipy" else "emgkit (numba) "
        print(f"  {label}  {cs / w:8.1f}  ({w:6.3f})  {cs / c:8.1f}  ({c:6.3f})")
    rw = med["scipy"][0] / med["emgkit"][0]
    rc = med["scipy"][1] / med["emgkit"][1]
    print(f"  ratio (scipy / emgkit): wall {rw:.2f} x, CPU {rc:.2f} x   (max rel. diff {err:.1e})")
    if reuse:
        w, c = (statistics.median(v) for v in res["out="])
        print(
            f"  emgkit, out= reused  {cs / w:8.1f}  ({w:6.3f})  {cs / c:8.1f}  ({c:6.3f})   "
            f"ratio wall {med['scipy'][0] / w:.2f} x, CPU {med['scipy'][1] / c:.2f} x "
            "(not the headline: no fresh output)"
        )
        print(
            f"  first touch of the fresh output (fresh - out= CPU medians): "
            f"{1e3 * (med['emgkit'][1] - c):.1f} ms, {fresh_faults(x, fs)} page faults per call, "
            f"transparent huge pages: {thp_setting()}"
        )
    best = cs / min(res["emgkit"][1])
    print(
        f"  bandwidth ceiling at {bw:.1f} GB/s and 32 B/channel-sample: {ceiling:.0f} M/s -> "
        f"emgkit at {100 * (cs / med['emgkit'][0]) / ceiling:.0f} % (wall median), "
        f"{100 * best / ceiling:.0f} % (best CPU time)"
    )


def fresh_faults(x: np.ndarray, fs: float) -> str:
    """Minor page faults of one ``emg_amplitude`` call with a fresh output (``?`` off Unix)."""
    try:
        import resource
    except ImportError:  # Windows
        return "?"
    r0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    emg_amplitude(x, fs)
    return str(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - r0)


def thp_setting() -> str:
    """The kernel's transparent huge page mode (``[madvise]``: numpy asks for them), or ``?``."""
    try:
        text = Path("/sys/kernel/mm/transparent_hugepage/enabled").read_text()
    except OSError:
        return "?"
    return next((w.strip("[]") for w in text.split() if w.startswith("[")), "?")


_FIRST_CALL = """
import time, numpy as np
t0 = time.perf_counter()
from emgkit.signal import emg_amplitude
t1 = time.perf_counter()
emg_amplitude(np.random.default_rng(0).standard_normal((4000, 16)), 2000.0)
t2 = time.perf_counter()
print(f"{t1 - t0:.3f} {t2 - t1:.3f}")
"""


def compile_times() -> None:
    """First call with an empty numba cache, then again in a second process (cache on disk)."""
    with tempfile.TemporaryDirectory() as d:
        env = dict(os.environ, NUMBA_CACHE_DIR=d)
        for label in ("empty cache (compiles)", "second process (cache)"):
            out = subprocess.run(
                [sys.executable, "-c", _FIRST_CALL], env=env, capture_output=True, text=True
            )
            imp, first = out.stdout.split()
            print(f"  first emg_amplitude call, {label}: {first} s (import {imp} s)")


_EMGKIT_ONLY = """
import statistics, sys, time
import numpy as np
from emgkit.signal import emg_amplitude
nc, repeats = int(sys.argv[1]), int(sys.argv[4])
fs, minutes = float(sys.argv[2]), float(sys.argv[3])
x = np.random.default_rng(0).standard_normal((int(fs * 60 * minutes), nc)) * 50.0
emg_amplitude(x[: int(fs)], fs)
buf = emg_amplitude(x, fs)
ts, tr = [], []
for _ in range(repeats):
    c0 = time.process_time()
    emg_amplitude(x, fs)
    ts.append(time.process_time() - c0)
    c0 = time.process_time()
    emg_amplitude(x, fs, out=buf)
    tr.append(time.process_time() - c0)
print(statistics.median(ts), min(ts), statistics.median(tr))
"""


def emgkit_vs_emgkit(name: str, baseline: str, minutes: float, repeats: int, rounds: int) -> None:
    """Alternate subprocesses on ``baseline`` (a ``src`` folder) and this tree's ``src``."""
    nc, fs = (16, 2000.0) if name == "W1" else (64, 4000.0)
    here = str(Path(__file__).resolve().parents[1] / "src")
    med: dict[str, list[float]] = {"baseline": [], "this tree": []}
    reused: dict[str, list[float]] = {"baseline": [], "this tree": []}
    print(f"{name}, {minutes:g} min, {repeats} calls per subprocess, process CPU seconds")
    trees = (("baseline", baseline), ("this tree", here))
    for i in range(rounds):
        for label, src in trees if i % 2 == 0 else trees[::-1]:
            out = subprocess.run(
                [sys.executable, "-c", _EMGKIT_ONLY, str(nc), str(fs), str(minutes), str(repeats)],
                env=dict(os.environ, PYTHONPATH=src),
                capture_output=True,
                text=True,
                check=True,
            )
            m, lo, r = (float(v) for v in out.stdout.split())
            med[label].append(m)
            reused[label].append(r)
            load = os.getloadavg()[0]
            print(
                f"  {label:9s}  median {m:.3f}  min {lo:.3f}  out= reused {r:.3f}"
                f"   (load {load:.1f})"
            )
    b, c = (statistics.median(v) for v in med.values())
    rb, rc = (statistics.median(v) for v in reused.values())
    print(
        f"  this tree / baseline (medians of medians): {c / b:.2f}; "
        f"into a reused out=: {rc / rb:.2f}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1 minute of data, 3 repeats")
    ap.add_argument("--repeats", type=int, default=None, help="interleaved rounds")
    ap.add_argument("--only", choices=["W1", "W2"], default=None, help="run one workload")
    ap.add_argument("--compile", action="store_true", help="also time JIT compile / cache load")
    ap.add_argument("--baseline-src", default=None, help="compare emgkit with this src folder")
    ap.add_argument("--rounds", type=int, default=2, help="subprocess pairs with --baseline-src")
    ap.add_argument("--minutes", type=float, default=None, help="workload length in minutes")
    ap.add_argument(
        "--out", action="store_true", help="also time emg_amplitude(x, fs, out=buf), reused buffer"
    )
    args = ap.parse_args()
    minutes = args.minutes or (1.0 if args.quick else 10.0)
    repeats = args.repeats or (3 if args.quick else 5)
    if args.baseline_src:
        for name in ("W1", "W2") if args.only is None else (args.only,):
            emgkit_vs_emgkit(name, args.baseline_src, minutes, repeats, args.rounds)
        return
    import numba
    import scipy

    print(
        f"python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
        f"numba {numba.__version__}; single-threaded kernels; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    bw = copy_bandwidth()
    print(f"numpy copy bandwidth (read + write, best of 5): {bw:.1f} GB/s")
    print(
        "minimum traffic of the fused zero-phase pipeline: 32 B per channel-sample (read x, "
        "write the forward pass, read it back, write the RMS; 8 B each)"
    )
    if args.compile:
        compile_times()
    if args.only in (None, "W1"):
        run("W1", 16, 2000.0, minutes, repeats, bw, args.out)
    if args.only in (None, "W2"):
        run("W2", 64, 4000.0, minutes, repeats, bw, args.out)
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
