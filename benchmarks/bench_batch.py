"""Batch engines: sessions per minute serially, on the process pool and on a Dask LocalCluster.

    python3 benchmarks/bench_batch.py [--sessions 12] [--fs 1000]

Synthetic bridge sessions (shortened protocol: 2 reps, holds x0.3, rests x0.2) are written as
BDF+ to a temporary folder and analysed with :func:`emgkit.app.batch.analyze_many` without a cache:
serially in this process (after one warm-up session, so numba is compiled), then with 1 and 2
workers on a fresh ProcessPoolExecutor and on a fresh loopback LocalCluster. Pool and Dask
times include their workers' first-task cost (imports, numba cache load); the LocalCluster
start-up is reported separately. Overhead = wall time - serial time / workers (the ideal).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import time
from pathlib import Path


def _make_sessions(folder: Path, n: int, fs: float) -> list[Path]:
    from emgkit.io import write_bdf
    from emgkit.protocol import load_protocol
    from emgkit.simulate import synthesize_session

    proto = load_protocol("bridge").shortened(max_reps=2, hold_scale=0.3, rest_scale=0.2)
    out = []
    for i in range(n):
        profile = ("healthy", "right_inhibition", "left_inhibition", "hamstring_dominant")[i % 4]
        rec, _ = synthesize_session(
            profile, fs=fs, seed=100 + i, protocol=proto, subject=f"B{i % 4:02d}"
        )
        rec.info.session = f"ses-{i // 4 + 1}"
        rec.info.date = dt.datetime(2024, 1, 1) + dt.timedelta(days=i)
        out.append(write_bdf(rec, folder / f"s{i:03d}.bdf"))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=12)
    ap.add_argument("--fs", type=float, default=1000.0)
    args = ap.parse_args()

    import pandas as pd

    from emgkit.app.batch import analyze_many
    from emgkit.protocol import load_protocol

    proto = load_protocol("bridge").shortened(max_reps=2, hold_scale=0.3, rest_scale=0.2)
    with tempfile.TemporaryDirectory() as tmp:
        files = _make_sessions(Path(tmp), args.sessions, args.fs)
        n = len(files)
        analyze_many(files[:1], engine="serial", protocol=proto, progress=False)  # warm-up
        rows: list[tuple[str, int, float, float]] = []  # engine, workers, wall, start-up

        t0 = time.perf_counter()
        ref = analyze_many(files, engine="serial", protocol=proto, progress=False)
        serial = time.perf_counter() - t0
        rows.append(("serial", 1, serial, 0.0))

        for w in (1, 2):
            t0 = time.perf_counter()
            res = analyze_many(files, workers=w, protocol=proto, progress=False)
            rows.append(("pool", w, time.perf_counter() - t0, 0.0))
            pd.testing.assert_frame_equal(res.results, ref.results)

        from distributed import Client, LocalCluster

        for w in (1, 2):
            t0 = time.perf_counter()
            cluster = LocalCluster(
                n_workers=w,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            )
            client = Client(cluster)
            try:
                client.wait_for_workers(w, timeout=60)
                start = time.perf_counter() - t0
                t0 = time.perf_counter()
                res = analyze_many(files, client=client, protocol=proto, progress=False)
                rows.append(("dask", w, time.perf_counter() - t0, start))
            finally:
                client.close()
                cluster.close()
            pd.testing.assert_frame_equal(res.results, ref.results)

    cpus = len(os.sched_getaffinity(0))
    print(
        f"{n} sessions ({args.fs:g} Hz, shortened bridge protocol), {cpus} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"{'engine':<8}{'workers':>8}{'wall s':>9}{'sess/min':>10}{'vs serial':>11}"
        f"{'overhead s':>12}{'start s':>9}"
    )
    for engine, w, wall, start in rows:
        overhead = wall - serial / w
        print(
            f"{engine:<8}{w:>8}{wall:>9.2f}{60 * n / wall:>10.1f}{serial / wall:>10.2f}x"
            f"{overhead:>12.2f}{start:>9.2f}"
        )
    print("all engines gave identical tables")


if __name__ == "__main__":  # the pool and Dask workers may import this file again
    main()
