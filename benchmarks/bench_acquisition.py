"""Acquisition benchmarks: reader throughput (16 ch x 4 kHz, Arduino protocol) and latency.

1. **Reader cost per second of data.** The bytes of N seconds of a 16 ch x 4 kHz Arduino
   stream (real ArduinoModel frames) are pushed through the reader's per-chunk path (journal
   append, FramedParser.feed with MyoWare conversion, session clock, queue) in chunks of the
   size a 10 ms read returns; ``ratio = data seconds / CPU seconds`` says how many times faster
   than real time one core keeps up.
2. **End to end over a pty.** The same stream from the emulator (as fast as possible) through
   the real serial path: the reader's wall-clock rate in samples/s vs the 4 kHz needed.
3. **Latency from byte arrival to an envelope sample.** Real-time 4 kHz emulator; the reader
   stamps each chunk when ``read`` returns; a consumer thread takes the rows from its queue and
   runs :class:`emgkit.signal.stream.StreamingEnvelope`; latency = envelope ready - arrival.

4. **The demo's record step** (``--demo-record``): ``emgkit demo``'s guided session (the
   shortened bridge protocol with 3 reps, 6 ch, 2 kHz, about 350 s of samples): the cued
   synthetic subject on the emulated MyoWare/Arduino device (asked for up to 200x real time),
   recorded by the real reader, journal and recorder, which writes and verifies the BDF+;
   timed around ``emgkit.app.demo._guided_session`` as ``run_demo`` times its record step.
   Besides wall and process CPU, the CPU of each thread: the emulator (the device model and
   the cued subject), the reader (serial reads, parsing, journal) and the main thread's
   ``finalize`` (journal re-parse, BDF+ write and read-back). With ``--baseline-src DIR``
   (another checkout's ``src``, e.g. ``git archive <commit> src``), the step runs alternately
   in subprocesses on that code and on this one, and the ratio of the medians is printed: a
   same-run baseline on a shared machine. Also the emulator's batched framing alone
   (``ArduinoModel.next_frames`` vs one ``next_bytes`` per frame, same bytes checked).

5. **The parser's two paths** (``--parser``): CPU per frame of :class:`FramedParser` with
   the per-frame loop and with the bulk (numpy) path, for chunks of 8 to 16,000 frames.

Run: ``python benchmarks/bench_acquisition.py [--seconds 10]`` (about 30 s);
``python benchmarks/bench_acquisition.py --demo-record --repeats 3 --baseline-src /tmp/base/src``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from emgkit.acquisition import journal, transport
from emgkit.acquisition.recorder import Recorder
from emgkit.devices.arduino.driver import ArduinoDriver
from emgkit.devices.arduino.framed import FramedParser
from emgkit.devices.arduino.model import ArduinoModel
from emgkit.devices.arduino.myoware import MyoWareConverter
from emgkit.devices.base import ParseResult
from emgkit.devices.registry import parser_for
from emgkit.simulate.emulators import Emulator

FS, NCH = 4000, 16


def _model(seconds: float) -> ArduinoModel:
    x = np.random.default_rng(0).normal(0, 200, (int(FS * seconds), NCH))
    return ArduinoModel(x, FS, ["RAW"] * NCH)


def reader_cost(seconds: float) -> dict[str, float]:
    m = _model(seconds)
    m.handle(b"")  # no-op; start streaming through the command path
    from emgkit.devices.arduino.framed import MsgType, encode_command

    m.handle(encode_command(MsgType.START, 1))
    data = m.next_bytes(int(FS * seconds))
    chunk = max(1, len(data) // int(seconds * 100))  # what a 10 ms read returns
    conv = MyoWareConverter(["RAW"] * NCH, adc_bits=m.adc_bits, vref_mv=m.vref_mv)
    parser = FramedParser(NCH, FS, conv, first_sequence=0)
    sub = transport.Subscription(maxsize=64)
    clock = journal.SampleClock()
    with tempfile.TemporaryDirectory() as d:
        w = journal.JournalWriter(Path(d) / "j", {"parser": {}}, sync_interval=1.0)
        t0 = time.thread_time()
        rows = 0
        for i in range(0, len(data), chunk):
            b = data[i : i + chunk]
            w.write(b)
            res = clock.map(parser.feed(b))
            rows += res.samples.shape[0]
            sub.put(res)
            w.maybe_sync()
        w.close()
        cpu = time.thread_time() - t0
    assert rows == FS * seconds, rows
    return {
        "data_s": seconds,
        "cpu_s": cpu,
        "ratio": seconds / cpu,
        "bytes_per_s": len(data) / seconds,
    }


def pty_throughput(seconds: float) -> dict[str, float]:
    m = _model(seconds)
    emu = Emulator(m, realtime=False, batch=64).start()
    try:
        with tempfile.TemporaryDirectory() as d:
            r = Recorder("arduino", emu.port, out=Path(d) / "t.bdf", fs=FS, n_channels=NCH)
            t0 = time.monotonic()
            r.start()
            emu.wait_done(120)
            while r.n_samples < FS * seconds and time.monotonic() - t0 < 120:
                time.sleep(0.005)
            wall = time.monotonic() - t0
            n = r.n_samples
            r.stop(finalize_bdf=False)
    finally:
        emu.stop()
    return {"samples": n, "wall_s": wall, "samples_per_s": n / wall, "ratio": n / wall / FS}


class _Stamped:
    """Parser wrapper: stamps every row with the monotonic time its bytes arrived."""

    def __init__(self, inner: FramedParser) -> None:
        self.inner = inner

    n_channels = property(lambda self: self.inner.n_channels)
    fs = property(lambda self: self.inner.fs)

    def reset(self) -> None:
        self.inner.reset()

    def feed(self, data: bytes) -> ParseResult:
        t = time.perf_counter()
        res = self.inner.feed(data)
        res.aux["t_arrival"] = np.full(res.samples.shape[0], t)
        return res


def latency(seconds: float) -> dict[str, float]:
    from emgkit.signal.stream import StreamingEnvelope

    m = _model(seconds + 1)
    emu = Emulator(m, realtime=True).start()
    lat: list[float] = []
    try:
        drv = ArduinoDriver(fs=FS, n_channels=NCH)
        port = transport.open_port(emu.port)
        drv.prepare(port)
        parser = _Stamped(parser_for(drv))
        reader = transport.DeviceReader(
            emu.port, parser, port=port, on_open=drv.start, read_timeout=0.01
        )
        sub = reader.subscribe(maxsize=1024)
        env = StreamingEnvelope(FS, NCH)
        stop = threading.Event()

        def consume() -> None:
            while not stop.is_set():
                res = sub.get(timeout=0.05)
                if res is None or res.samples.shape[0] == 0:
                    continue
                env.process(res.samples)
                lat.append(time.perf_counter() - float(res.aux["t_arrival"][-1]))

        th = threading.Thread(target=consume, daemon=True)
        th.start()
        reader.start()
        env.process(np.zeros((8, NCH)))  # compile before measuring
        time.sleep(seconds)
        stop.set()
        reader.stop()
        th.join(5)
    finally:
        emu.stop()
    a = np.asarray(lat[10:]) * 1e3
    return {
        "n": float(a.size),
        "median_ms": float(np.median(a)),
        "p99_ms": float(np.percentile(a, 99)),
    }


_DEMO_RECORD = """
import json, tempfile, threading, time
from pathlib import Path
thread_cpu = {}
_run = threading.Thread.run
def run(self):
    try:
        _run(self)
    finally:
        thread_cpu[self.name.split(":")[0]] = time.thread_time()
threading.Thread.run = run
import emgkit.acquisition.recorder as R
fin = R.finalize
def timed_finalize(*a, **k):
    c = time.thread_time()
    try:
        return fin(*a, **k)
    finally:
        thread_cpu["finalize"] = thread_cpu.get("finalize", 0.0) + time.thread_time() - c
R.finalize = timed_finalize
from emgkit.app.demo import _guided_session
from emgkit.protocol import load_protocol
proto = load_protocol("bridge").shortened(max_reps=3, rest_scale=0.3)  # as run_demo
with tempfile.TemporaryDirectory() as d:
    t0 = time.perf_counter(); c0 = time.process_time()
    rec, _, _, _ = _guided_session(
        "emulated-arduino", proto, "right_inhibition", 1, 2000.0, 200.0, Path(d), lambda s: None
    )
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
print(json.dumps({"wall": wall, "cpu": cpu, "n": rec.n_samples, "gaps": len(rec.gaps),
                  "threads": thread_cpu}))
"""


def _demo_record_once(src: str) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": src}
    res = subprocess.run(
        [sys.executable, "-c", _DEMO_RECORD], env=env, capture_output=True, text=True
    )
    if res.returncode:
        raise SystemExit(f"the demo record step failed on {src}:\n{res.stderr[-2000:]}")
    out: dict[str, Any] = json.loads(res.stdout.strip().splitlines()[-1])
    return out


def framing(seconds: float = 323.0) -> dict[str, float]:
    """Emulator framing of the demo's stream alone: per-frame ``next_bytes`` vs ``next_frames``."""
    x = np.random.default_rng(0).normal(0, 200, (int(2000 * seconds), 6))
    from emgkit.devices.arduino.framed import MsgType, encode_command

    out: dict[str, float] = {}
    blobs = []
    for mode in ("per_frame", "batched", "per_frame", "batched"):
        m = ArduinoModel(x, 2000, ["RAW"] * 6)
        m.handle(encode_command(MsgType.START, 1))
        k = m.config.samples_per_frame
        parts: list[bytes] = []
        t0 = time.process_time()
        if mode == "per_frame":
            while not m.exhausted:
                parts.append(m.next_bytes(k))
        else:
            while fr := m.next_frames(32):
                parts.extend(fr)
        cpu = time.process_time() - t0
        out[mode] = min(out.get(mode, np.inf), cpu)
        out["frames"] = m.frames_sent
        blobs.append(b"".join(parts))
    assert blobs[0] == blobs[1], "batched framing differs from per-frame framing"
    return out


def demo_record(repeats: int, baseline_src: str | None) -> None:
    here = str(Path(__file__).resolve().parents[1] / "src")
    f = framing()
    print(
        f"emulator framing, {f['frames']:.0f} DATA frames (323 s, 6 ch, 2 kHz): one next_bytes "
        f"per frame {f['per_frame']:.2f} s CPU, next_frames(32) {f['batched']:.2f} s CPU "
        f"({f['per_frame'] / f['batched']:.1f}x; same bytes)"
    )
    runs: dict[str, list[dict[str, Any]]] = {"new": [], "baseline": []}
    for _ in range(repeats):
        if baseline_src:
            runs["baseline"].append(_demo_record_once(baseline_src))
        runs["new"].append(_demo_record_once(here))
    for name, r in runs.items():
        if not r:
            continue
        walls = [x["wall"] for x in r]
        cpus = [x["cpu"] for x in r]
        threads = {
            t: statistics.median(x["threads"].get(t, 0.0) for x in r)
            for t in ("emgkit-emulator", "emgkit-reader", "finalize")
        }
        print(
            f"demo record step ({name}): wall median "
            f"{statistics.median(x['wall'] for x in r):.2f} s "
            f"(runs {', '.join(f'{w:.2f}' for w in walls)}), process CPU median "
            f"{statistics.median(x['cpu'] for x in r):.2f} s (runs "
            f"{', '.join(f'{c:.2f}' for c in cpus)}); thread CPU medians: "
            + ", ".join(f"{t} {v:.2f} s" for t, v in threads.items())
            + f"; {r[0]['n']} samples, {r[0]['gaps']} gaps; load {os.getloadavg()[0]:.1f}"
        )
    if runs["baseline"]:
        for key in ("wall", "cpu"):
            ratio = statistics.median(x[key] for x in runs["baseline"]) / statistics.median(
                x[key] for x in runs["new"]
            )
            print(f"demo record step: baseline / new {key} = {ratio:.2f}x")


def parser_paths(n_frames: int = 40_000) -> None:
    """FramedParser CPU per frame: the per-frame loop vs the bulk (numpy) path, by chunk size.

    The demo's frames (6 ch, 4 samples per frame, 10-bit counts around mid-scale) fed in chunks
    of 8 to 16,000 frames; the live reader sees about 30 frames per read at the demo's speed, a
    journal re-parse 1 MiB chunks (16,000 frames).
    """
    from emgkit.devices.arduino.framed import encode_data_frames

    rng = np.random.default_rng(0)
    counts = np.clip(rng.normal(512, 60, (n_frames, 4, 6)), 0, 1023).astype(np.int64)
    seq = np.arange(n_frames) * 4
    stream = b"".join(encode_data_frames(seq, seq * 500, counts))
    size = len(stream) // n_frames
    print(
        f"FramedParser, {n_frames} DATA frames of {size} bytes (6 ch x 4 samples), CPU per frame:"
    )
    for per_chunk in (8, 32, 128, 16_000):
        chunk = size * per_chunk
        best = {}
        for name, thr in (("per-frame", 1 << 60), ("bulk", 1), ("default", None)) * 2:
            p = FramedParser(6, 2000.0)
            if thr is not None:
                p.batch_min_frames = thr
            t0 = time.process_time()
            for i in range(0, len(stream), chunk):
                p.feed(stream[i : i + chunk])
            dt = (time.process_time() - t0) / n_frames * 1e6
            best[name] = min(best.get(name, np.inf), dt)
        print(
            f"  {per_chunk:6d} frames per chunk: per-frame loop {best['per-frame']:.2f} us, "
            f"bulk path {best['bulk']:.2f} us, default (bulk from "
            f"{FramedParser.batch_min_frames} frames) {best['default']:.2f} us"
        )
    print(f"load {os.getloadavg()[0]:.1f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--demo-record", action="store_true", help="only the demo's record step")
    ap.add_argument(
        "--parser", action="store_true", help="only the parser's per-frame vs bulk path"
    )
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--baseline-src", default=None, help="src folder of the baseline code")
    a = ap.parse_args()
    if a.parser:
        parser_paths()
        return
    if a.demo_record:
        demo_record(a.repeats, a.baseline_src)
        return
    c = reader_cost(a.seconds)
    print(
        f"reader cost  16 ch x 4 kHz Arduino: {c['data_s']:.0f} s of data "
        f"({c['bytes_per_s'] / 1e3:.0f} kB/s) in {c['cpu_s']:.3f} s CPU -> "
        f"{c['ratio']:.0f}x real time on one core"
    )
    t = pty_throughput(a.seconds)
    print(
        f"pty end to end: {t['samples']} samples in {t['wall_s']:.2f} s = "
        f"{t['samples_per_s']:.0f} samples/s ({t['ratio']:.1f}x the 4 kHz needed; "
        "emulator and reader share the machine)"
    )
    lt = latency(min(a.seconds, 5.0))
    print(
        f"latency byte arrival -> envelope sample: median {lt['median_ms']:.3f} ms, "
        f"p99 {lt['p99_ms']:.3f} ms over {lt['n']:.0f} chunks"
    )


if __name__ == "__main__":
    main()
