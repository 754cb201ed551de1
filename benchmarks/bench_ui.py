"""`emgkit ui` under load: latency to pixel, page frame rate, server CPU and memory.

Starts `emgkit ui --demo --stamp-latency`, opens the page in headless Chromium on the Live
view, streams an emulated MyoWare/Arduino at ``--channels`` x ``--fs`` in real time for
``--seconds`` (once per channel count given), then reports:

* byte -> pixel latency: from the moment the server's serial ``read()`` returned the bytes (the
  emulator writes them to a pseudo-terminal, the real :class:`DeviceReader` reads them; the
  reader stamps ``time.time()`` right after the read in this diagnostic mode) to the end of the
  page's animation-frame callback that drew them (after ``setData``;
  ``performance.timeOrigin + performance.now()``). Both are the wall clock of this machine;
  the page-minus-server clock offset is measured at the start and the end of each run
  (a script round trip brackets it) and printed, so a misaligned clock shows. One value per
  drawn message, for the bytes of its oldest point's newest row (the message's worst case).
  Split into byte -> feed (reader, live queue, the feed thread waiting for the chunk that
  completes a display bin), feed -> send (server), send -> onmessage (WebSocket and the wait
  for the page's main thread) and onmessage -> paint (the wait for the next animation frame
  and the drawing). Percentiles of each part are taken separately (they do not add up);
* the older feed -> paint latency (from the live feed receiving the parsed chunk);
* page frame rate (requestAnimationFrame callbacks per second, Live view), and the gaps between
  frames (a page the machine does not schedule shows as long gaps);
* Chromium's CPU (all its processes, % of one core);
* server CPU (% of one core) and RSS every 10 s (memory flatness) — the server process also runs
  the emulated device, so the same device is measured without the screen as a baseline
  (``Recorder`` + ``wait``, no subscriber);
* samples received and lost (the recorder's counters);
* the machine load (``uptime``) before and after, and a markdown table of every run.

Usage::

    nice -n 5 python3 benchmarks/bench_ui.py --channels 8 16 --seconds 60   # byte -> pixel
    nice -n 5 python3 benchmarks/bench_ui.py --channels 16 --seconds 1800   # the long run
    nice -n 5 python3 benchmarks/bench_ui.py --memory --channels 8 16       # where RSS goes
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

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


def uptime() -> str:
    """The ``uptime`` line (load averages over 1, 5, 15 min)."""
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "load average: " + ", ".join(f"{v:.2f}" for v in os.getloadavg())


def clock_offset(drv: Any) -> tuple[float, float]:
    """Page wall clock minus this machine's ``time.time()``, in ms, and its +- bound (ms).

    The page clock is read inside a script round trip; the narrowest of 7 round trips is kept
    and the offset is taken against its midpoint (the bound is half the round trip).
    """
    best = (0.0, float("inf"))
    for _ in range(7):
        t0 = time.time()
        page = drv.execute_script("return (performance.timeOrigin + performance.now()) / 1000")
        t1 = time.time()
        if t1 - t0 < best[1]:
            best = (float(page) - 0.5 * (t0 + t1), t1 - t0)
    return round(1e3 * best[0], 2), round(0.5e3 * best[1], 2)


def pct(values_s: list[float]) -> list[float]:
    """p50, p95, p99 in ms of values in seconds."""
    if len(values_s) < 2:
        return [float("nan")] * 3
    qs = statistics.quantiles(sorted(1e3 * v for v in values_s), n=100)
    return [round(qs[49], 1), round(qs[94], 1), round(qs[98], 1)]


def run(args: argparse.Namespace, channels: int) -> dict[str, Any]:
    """One `emgkit ui` server and page at ``channels`` x ``args.fs`` for ``args.seconds``."""
    data = Path(tempfile.mkdtemp(prefix="emgkit-ui-bench-"))
    extra = ("--speed", f"{args.speed:g}") if args.speed != 1.0 else ()
    proc, url = start_server(data, "--demo", "--stamp-latency", *extra)
    server = psutil.Process(proc.pid)
    drv = chromium(data / "chromium")
    rows = []
    load0 = uptime()
    try:
        drv.get(url)
        wait(drv, "document.getElementById('status').dataset.conn === 'open'")
        drv.execute_script(
            "window.__emgkit.send({cmd: 'start', pseudonym: 'BENCH', device: 'emulated-arduino',"
            f" fs: {args.fs}, n_channels: {channels}, protocol: 'bridge'}})"
        )
        wait(drv, f"window.__emgkit.names.length === {channels}", 120)
        drv.execute_script("document.querySelector('#tabs button[data-view=\"live\"]').click()")
        wait(drv, "window.__emgkit.t.length > 100", 120)
        off0 = clock_offset(drv)
        drv.execute_script(
            "const a = window.__emgkit; a.lat.length = 0; a.latParts.length = 0;"
            " a.stamps.length = 0; a.gaps.length = 0"
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
            print(f"{channels} ch  t={rows[-1][0]:5d} s  cpu {rows[-1][1]:5.1f} %  "
                  f"rss {rows[-1][2]:7.1f} MiB", flush=True)  # fmt: skip
        c1, t1 = server.cpu_times(), time.monotonic()
        # one script: the arrays and the frame count of the same instant
        f1, lat, parts, stamps, gaps = drv.execute_script(
            "const a = window.__emgkit; return [a.frames, a.lat.slice(), a.latParts.slice(),"
            " a.stamps.slice(), a.gaps.slice()]"
        )
        kids = psutil.Process(drv.service.process.pid).children(recursive=True)
        browser_cpu_s = sum(k.cpu_times().user + k.cpu_times().system for k in kids)
        st = drv.execute_script("return window.__emgkit.state")
        off1 = clock_offset(drv)
    finally:
        drv.quit()
        stop_server(proc)
        shutil.rmtree(data, ignore_errors=True)
    load1 = uptime()
    # stamps: [byte read, feed, sent, onmessage, drawn] per drawn message
    byte = [s[4] - s[0] for s in stamps]
    res: dict[str, Any] = {
        "channels": channels,
        "fs": args.fs,
        "seconds": round(t1 - t0, 1),
        "byte_to_pixel_ms_p50_p95_p99": pct(byte),
        "byte_to_feed_ms_p50_p95_p99": pct([s[1] - s[0] for s in stamps]),
        "feed_to_send_ms_p50_p95_p99": pct([s[2] - s[1] for s in stamps]),
        "send_to_onmessage_ms_p50_p95_p99": pct([s[3] - s[2] for s in stamps]),
        "onmessage_to_paint_ms_p50_p95_p99": pct([s[4] - s[3] for s in stamps]),
        "byte_to_pixel_n": len(byte),
        "byte_to_pixel_ms_max": round(1e3 * max(byte), 1) if byte else None,
        "feed_to_pixel_ms_p50_p95_p99": pct(lat),
        "server_ms_p50_p95_p99": pct([p[0] for p in parts]),
        "transport_ms_p50_p95_p99": pct([p[1] for p in parts]),
        "page_ms_p50_p95_p99": pct([p[2] for p in parts]),
        "latency_n": len(lat),
        "clock_offset_ms_start_end": [off0[0], off1[0]],
        "clock_offset_bound_ms_start_end": [off0[1], off1[1]],
        "fps": round((f1 - f0) / (t1 - t0), 1),
        "frame_gap_ms_p50_p95_p99": pct([g / 1e3 for g in gaps]),
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
        "uptime_before": load0,
        "uptime_after": load1,
    }
    if not args.no_baseline:
        res["no_screen_cpu_pct"] = round(baseline_cpu(args.fs, channels, 20.0), 1)
    return res


def table(results: list[dict[str, Any]]) -> str:
    """The byte -> pixel figures of every run as a markdown table."""

    def f(key: str, r: dict[str, Any]) -> str:
        return " / ".join(f"{v:g}" for v in r[key])

    head = (
        "| channels x fs | s | messages | byte -> pixel p50 / p95 / p99 (ms) | byte -> feed | "
        "feed -> send | send -> onmessage | onmessage -> paint | fps | lost | "
        "page - server clock (ms, start / end) | load (1 min, before / after) |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|"
    )
    lines = [head]
    for r in results:
        off = r["clock_offset_ms_start_end"]
        bound = r["clock_offset_bound_ms_start_end"]
        loads = [
            str(r[k]).split("load average:")[-1].split(",")[0].strip()
            for k in ("uptime_before", "uptime_after")
        ]
        lines.append(
            f"| {r['channels']} x {r['fs']:g} Hz | {r['seconds']:g} | {r['byte_to_pixel_n']} | "
            f"{f('byte_to_pixel_ms_p50_p95_p99', r)} | {f('byte_to_feed_ms_p50_p95_p99', r)} | "
            f"{f('feed_to_send_ms_p50_p95_p99', r)} | "
            f"{f('send_to_onmessage_ms_p50_p95_p99', r)} | "
            f"{f('onmessage_to_paint_ms_p50_p95_p99', r)} | {r['fps']:g} | {r['lost']} | "
            f"{off[0]:+.2f} (+-{bound[0]:.2f}) / {off[1]:+.2f} (+-{bound[1]:.2f}) | "
            f"{loads[0]} / {loads[1]} |"
        )
    return "\n".join(lines)


def memory_child(channels: int, fs: float) -> None:
    """Print what the emulator of `emgkit ui --demo` keeps (``start_emulator``'s objects)."""
    import gc
    import sys
    import tracemalloc

    import emgkit.app.emulated  # noqa: F401  (the imports the server has before a session)
    from emgkit.protocol import load_protocol
    from emgkit.simulate.emulators import cued_subject, make_model

    proc = psutil.Process()
    proto = load_protocol("bridge")
    gc.collect()
    r0 = proc.memory_info().rss / 2**20
    tracemalloc.start()
    cued = cued_subject("arduino", "healthy", proto, fs=fs, n_channels=channels, seed=1)
    samples = cued.take_samples()  # as emgkit.app.emulated does: the model gets the rendering
    rendered_mib = samples.nbytes / 2**20
    model = make_model("arduino", samples_uv=samples, fs=fs, n_channels=channels)
    del samples
    gc.collect()
    kept, peak = (v / 2**20 for v in tracemalloc.get_traced_memory())
    r1 = proc.memory_info().rss / 2**20
    act = getattr(cued.truth, "activation", None)
    out = {
        "channels": channels,
        "protocol_s": round(cued.n_rows / fs, 1),
        "rss_mib_imports": round(r0, 1),
        "rss_mib_added": round(r1 - r0, 1),
        "traced_mib_kept": round(kept, 1),
        "traced_mib_peak": round(peak, 1),
        "rendered_mib_handed_to_model": round(rendered_mib, 1),
        "still_held_by_subject": cued.samples_uv is not None,
        "model_counts_mib": round(model.counts.nbytes / 2**20, 1),
        "truth_activation_mib": round(act.nbytes / 2**20, 1) if act is not None else None,
    }
    sys.stdout.write(json.dumps(out) + "\n")


def memory(channels: list[int], fs: float) -> None:
    """:func:`memory_child` in a fresh process per channel count, and a markdown table."""
    import sys

    rows = []
    for ch in channels:
        cmd = [sys.executable, __file__, "--memory-child", str(ch), "--fs", f"{fs:g}"]
        done = subprocess.run(cmd, capture_output=True, text=True, check=True)
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(json.dumps(rows[-1]), flush=True)
    keys = list(rows[0])
    print()
    print("| " + " | ".join(keys) + " |")
    print("|" + "---|" * len(keys))
    for r in rows:
        print("| " + " | ".join(str(r[k]) for k in keys) + " |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--fs", type=float, default=2000.0)
    ap.add_argument(
        "--channels", type=int, nargs="+", default=[8], help="one run per count (e.g. 8 16)"
    )
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument(
        "--speed", type=float, default=1.0,
        help="emulated device N times faster than real time (the long memory/loss run)",
    )  # fmt: skip
    ap.add_argument(
        "--memory", action="store_true",
        help="only measure where the demo server's memory goes (the cued subject), per --channels",
    )  # fmt: skip
    ap.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.memory_child:
        memory_child(args.memory_child, args.fs)
        return
    if args.memory:
        print(f"before: {uptime()}", flush=True)
        memory(args.channels, args.fs)
        return
    print(f"before: {uptime()}", flush=True)
    results = []
    for ch in args.channels:
        res = run(args, ch)
        print(json.dumps(res, indent=1), flush=True)
        results.append(res)
    print(f"after: {uptime()}")
    print()
    print(table(results))


if __name__ == "__main__":
    main()
