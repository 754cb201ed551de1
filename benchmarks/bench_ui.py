"""`emgkit ui` under load: latency to pixel, page frame rate, server CPU and memory.

Starts `emgkit ui --demo`, opens the page in headless Chromium on the Live view, streams an
emulated MyoWare/Arduino at ``--channels`` x ``--fs`` in real time for ``--seconds``, then
reports:

* latency: from the server's live feed receiving a parsed chunk to the end of the page's
  animation-frame callback that drew it (after ``setData``; wall clock, same machine), p50 / p95 /
  p99 over every drawn message (a message's oldest point), and the same split into server
  (feed arrival -> WebSocket send), transport (send -> the page's ``onmessage``) and page
  (``onmessage`` -> drawn: the wait for the next animation frame and the drawing);
* page frame rate (requestAnimationFrame callbacks per second, Live view), and the gaps between
  frames (a page the machine does not schedule shows as long gaps; the "transport" part of the
  latency is the same stall seen by a message waiting for the page's main thread);
* Chromium's CPU (all its processes, % of one core);
* server CPU (% of one core) and RSS every 10 s (memory flatness) — the server process also runs
  the emulated device, so the same device is measured without the screen as a baseline
  (``Recorder`` + ``wait``, no subscriber);
* samples received and lost (the recorder's counters).

Usage::

    nice -n 5 python3 benchmarks/bench_ui.py --seconds 120
    nice -n 5 python3 benchmarks/bench_ui.py --channels 16 --seconds 1800   # the long run
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import psutil

from _ui_browser import chromium, start_server, stop_server, wait


def baseline_cpu(fs: float, channels: int, seconds: float) -> float:
    """CPU % of one core of the same emulated recording without the screen (this process)."""
    from emgkit.app.emulated import recorder

    tmp = Path(tempfile.mkdtemp(prefix="emgkit-ui-baseline-"))
    out = tmp / "b.bdf"
    rec = recorder(
        "emulated-arduino", out=out, fs=fs, n_channels=channels,
        emulator={"subject": "healthy", "loop": True},
    )  # fmt: skip
    rec.start()
    p = psutil.Process()
    c0, t0 = p.cpu_times(), time.monotonic()
    rec.wait(seconds)
    c1, t1 = p.cpu_times(), time.monotonic()
    rec.stop(finalize_bdf=False)
    shutil.rmtree(tmp, ignore_errors=True)
    return 100.0 * ((c1.user + c1.system) - (c0.user + c0.system)) / (t1 - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--fs", type=float, default=2000.0)
    ap.add_argument("--channels", type=int, default=8)
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument(
        "--speed", type=float, default=1.0,
        help="emulated device N times faster than real time (the long memory/loss run)",
    )  # fmt: skip
    args = ap.parse_args()

    data = Path(tempfile.mkdtemp(prefix="emgkit-ui-bench-"))
    extra = ("--speed", f"{args.speed:g}") if args.speed != 1.0 else ()
    proc, url = start_server(data, "--demo", *extra)
    server = psutil.Process(proc.pid)
    drv = chromium(data / "chromium")
    rows = []
    try:
        drv.get(url)
        wait(drv, "document.getElementById('status').dataset.conn === 'open'")
        drv.execute_script(
            "window.__emgkit.send({cmd: 'start', pseudonym: 'BENCH', device: 'emulated-arduino',"
            f" fs: {args.fs}, n_channels: {args.channels}, protocol: 'bridge'}})"
        )
        wait(drv, f"window.__emgkit.names.length === {args.channels}", 120)
        drv.execute_script("document.querySelector('#tabs button[data-view=\"live\"]').click()")
        wait(drv, "window.__emgkit.t.length > 100", 120)
        drv.execute_script(
            "const a = window.__emgkit; a.lat.length = 0; a.latParts.length = 0; a.gaps.length = 0"
        )
        kids = psutil.Process(drv.service.process.pid).children(recursive=True)
        browser_c0 = sum(k.cpu_times().user + k.cpu_times().system for k in kids)
        f0 = drv.execute_script("return window.__emgkit.frames")
        c0, t0 = server.cpu_times(), time.monotonic()
        last_c, last_t = c0, t0
        while time.monotonic() - t0 < args.seconds:
            time.sleep(min(10.0, args.seconds))
            c, t = server.cpu_times(), time.monotonic()
            cpu = 100.0 * ((c.user + c.system) - (last_c.user + last_c.system)) / (t - last_t)
            rows.append((round(t - t0), round(cpu, 1), round(server.memory_info().rss / 2**20, 1)))
            last_c, last_t = c, t
            print(f"t={rows[-1][0]:5d} s  cpu {rows[-1][1]:5.1f} %  rss {rows[-1][2]:7.1f} MiB",
                  flush=True)  # fmt: skip
        c1, t1 = server.cpu_times(), time.monotonic()
        f1 = drv.execute_script("return window.__emgkit.frames")
        lat = drv.execute_script("return window.__emgkit.lat.slice()")
        parts = drv.execute_script("return window.__emgkit.latParts.slice()")
        gaps = drv.execute_script("return window.__emgkit.gaps.slice()")
        kids = psutil.Process(drv.service.process.pid).children(recursive=True)
        browser_cpu_s = sum(k.cpu_times().user + k.cpu_times().system for k in kids)
        st = drv.execute_script("return window.__emgkit.state")
    finally:
        drv.quit()
        stop_server(proc)
        shutil.rmtree(data, ignore_errors=True)
    lat_ms = sorted(1e3 * v for v in lat)
    q = statistics.quantiles(lat_ms, n=100)

    def pct(values: list[float]) -> list[float]:
        qs = statistics.quantiles(sorted(1e3 * v for v in values), n=100)
        return [round(qs[49], 1), round(qs[94], 1), round(qs[98], 1)]

    res = {
        "channels": args.channels,
        "fs": args.fs,
        "seconds": round(t1 - t0, 1),
        "latency_ms_p50": round(q[49], 1),
        "latency_ms_p95": round(q[94], 1),
        "latency_ms_p99": round(q[98], 1),
        "server_ms_p50_p95_p99": pct([p[0] for p in parts]),
        "transport_ms_p50_p95_p99": pct([p[1] for p in parts]),
        "page_ms_p50_p95_p99": pct([p[2] for p in parts]),
        "latency_n": len(lat_ms),
        "fps": round((f1 - f0) / (t1 - t0), 1),
        "frame_gap_ms_p50_p95_p99": [round(v, 1) for v in pct([g / 1e3 for g in gaps])],
        "browser_cpu_pct": round(100.0 * (browser_cpu_s - browser_c0) / (t1 - t0), 1),
        "server_cpu_pct": round(
            100.0 * ((c1.user + c1.system) - (c0.user + c0.system)) / (t1 - t0), 1
        ),
        "speed": args.speed,
        "rss_mib_first_last": (rows[0][2], rows[-1][2]) if rows else None,
        "rss_mib_max": max(r[2] for r in rows) if rows else None,
        "samples": st["acq"]["samples"],
        "lost": st["acq"]["lost"],
        "screen_dropped_chunks": st["live"]["dropped"],
    }
    if not args.no_baseline:
        res["no_screen_cpu_pct"] = round(baseline_cpu(args.fs, args.channels, 20.0), 1)
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
