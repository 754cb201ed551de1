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
   the cued subject), the reader (serial reads, parsing, journal), the main thread's
   ``finalize`` (the journal checked against the live rows or re-parsed, BDF+ write and
   read-back) and the rest of the main thread
   (``main``: rendering the subject, the session runner, merging the segments, reading the
   session back). ``--speed`` asks the emulator for another speed than the demo's
   ``DEMO_SPEED`` (1000x since session 5; 200x before), for both trees.
   With ``--baseline-src DIR`` (another checkout's ``src``, e.g. ``git archive <commit>
   src``), the step runs alternately in subprocesses on that code and on this one, and the
   ratio of the medians is printed: a same-run baseline on a shared machine. Also the
   emulator's batched framing alone (``ArduinoModel.next_frames`` vs one ``next_bytes`` per
   frame, same bytes checked).

5. **The parser's two paths** (``--parser``): CPU per frame of :class:`FramedParser` with
   the per-frame loop and with the bulk (numpy) path, for chunks of 8 to 16,000 frames.

6. **Same seed, same recording** (``--same-recording --baseline-src DIR``): see
   :func:`same_recording`.

7. **The cued subject's rendering** (``--render``): ``cued_subject`` of the demo (6 ch, 2 kHz,
   seed 1) in one process, alternately with its channels rendered one after the other and on
   two threads (``emgkit.simulate.subject.PARALLEL_RENDER_MIN``), wall and process CPU.

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
        key = self.name.split(":")[0]
        if key.startswith("emgkit-render"):  # the subject's channels on two threads (session 7)
            key = "emgkit-render"
        thread_cpu[key] = thread_cpu.get(key, 0.0) + time.thread_time()
threading.Thread.run = run
import emgkit.acquisition.recorder as R
# Recorder.stop calls _finalize since session 6 (finalize before)
FIN = "_finalize" if hasattr(R, "_finalize") else "finalize"
fin = getattr(R, FIN)
def timed_finalize(*a, **k):
    c = time.thread_time()
    try:
        return fin(*a, **k)
    finally:
        thread_cpu["finalize"] = thread_cpu.get("finalize", 0.0) + time.thread_time() - c
setattr(R, FIN, timed_finalize)
from emgkit.app.demo import _guided_session
from emgkit.protocol import load_protocol
proto = load_protocol("bridge").shortened(max_reps=3, rest_scale=0.3)  # as run_demo
with tempfile.TemporaryDirectory() as d:
    t0 = time.perf_counter(); c0 = time.process_time(); m0 = time.thread_time()
    rec, _, _, _ = _guided_session(
        "emulated-arduino", proto, "right_inhibition", 1, 2000.0, __SPEED__, Path(d), lambda s: None
    )
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    thread_cpu["main"] = time.thread_time() - m0 - thread_cpu.get("finalize", 0.0)
print(json.dumps({"wall": wall, "cpu": cpu, "n": rec.n_samples, "gaps": len(rec.gaps),
                  "threads": thread_cpu}))
"""


def _demo_record_once(src: str, speed: float) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": src}
    code = _DEMO_RECORD.replace("__SPEED__", repr(float(speed)))
    res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
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


def demo_record(repeats: int, baseline_src: str | None, speed: float = 1000.0) -> None:
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
            runs["baseline"].append(_demo_record_once(baseline_src, speed))
        runs["new"].append(_demo_record_once(here, speed))
    for name, r in runs.items():
        if not r:
            continue
        walls = [x["wall"] for x in r]
        cpus = [x["cpu"] for x in r]
        threads = {
            t: statistics.median(x["threads"].get(t, 0.0) for x in r)
            for t in ("emgkit-emulator", "emgkit-reader", "emgkit-render", "finalize", "main")
        }
        print(
            f"demo record step ({name}, {speed:g}x): wall median "
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


# ---------------------------------------------------------------------- same recording

#: The emulator's wire bytes for a cued session, driven step by step (no pty, no threads);
#: argv: kind seed faults(0/1) batch. The cues are issued far (20,000 samples at 2 kHz) ahead
#: of the emulator, the first before it streams, so where they land does not depend on the
#: wall clock or on how many packets one emulator step makes (the demo's own cues do: the
#: runner cues a trial where the emulator is when it gets there, so two demo runs differ).
_EMU_BYTES = r"""
import hashlib, json, sys
from emgkit.simulate import emulators as E
from emgkit.protocol import load_protocol

kind, seed, batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[4])
faults_on = sys.argv[3] == "1"
proto = load_protocol("bridge").shortened(max_reps=3, rest_scale=0.3)
if kind == "arduino":
    fs, nch = 2000.0, 6
else:
    fs, nch = None, None
cued = E.cued_subject(kind, "right_inhibition", proto, fs=fs, n_channels=nch, seed=seed)
model = E.make_model(kind, samples_uv=cued.take_samples(), fs=fs, n_channels=nch, seed=seed)
faults = []
if faults_on:
    faults = [E.DropPackets(3000, 5), E.CorruptBytes(5000, (3, -2)), E.InsertGarbage(7000),
              E.Stall(9000, 1.0), E.DropPackets(40_000, 1), E.CorruptBytes(60_000, (0,))]
emu = E.Emulator(model, faults=faults, realtime=False, batch=batch, subject=cued)
if kind == "arduino":
    from emgkit.devices.arduino.framed import MsgType, encode_command
    emu.model.handle(encode_command(MsgType.START, 1))
else:
    emu.model.handle(b"b")
emu._await_command = False
buf = bytearray()
def write_all(data):
    buf.extend(data)
    return True
emu._write_all = write_all
rate = float(getattr(model, "fs", None) or getattr(model, "sample_rate"))
pos = lambda: E._stream_sample(model)
margin = 20_000 if kind == "arduino" else 3_000
target = margin + 4_000
starts = []
for i, t in enumerate(proto.expanded()):
    # the first cue ends the subject's free movement: cue it before streaming starts so the
    # rest loop starts at a packet that does not depend on the emulator's step size
    while i and pos() < target - margin and not emu._exhausted:
        emu._stream_some()
    lead = round(3.0 * rate)
    start = cued.cue(t.id, target, lead)
    starts.append(start)
    row0, row1, own = cued.plans[t.id]
    target = start + (lead - own) + (row1 - row0) + round(2.0 * rate)
while pos() < target and not emu._exhausted:
    emu._stream_some()
PREFIX = 10_700_000 if kind == "arduino" else 1_000_000
assert len(buf) >= PREFIX, len(buf)
tr = emu.truth
print(json.dumps({
    "kind": kind, "seed": seed, "faults": faults_on, "batch": batch,
    "bytes": len(buf), "sha256": hashlib.sha256(bytes(buf)).hexdigest()[:16],
    "prefix_sha256": hashlib.sha256(bytes(buf[:PREFIX])).hexdigest()[:16],
    "packets": tr.n_packets, "delivered": tr.n_delivered, "dropped": tr.dropped,
    "corrupted": tr.corrupted, "starts": starts, "cues": [c[0] for c in cued.cues],
}))
"""

#: The same cue schedule through the pty, the reader, the journal and its recovery (what
#: finalize writes to BDF+); argv: device seed faults(0/1).
_E2E = r"""
import hashlib, json, sys, tempfile, time
from pathlib import Path
import numpy as np
from emgkit.app import emulated
from emgkit.acquisition import journal
from emgkit.protocol import load_protocol
from emgkit.simulate import emulators as E

dev, seed, faults_on = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
proto = load_protocol("bridge").shortened(max_reps=3, rest_scale=0.3)
trials = proto.expanded()
arduino = dev == "arduino"
faults = []
if faults_on:
    faults = [E.DropPackets(3000, 5), E.CorruptBytes(5000, (3, -2)), E.InsertGarbage(7000),
              E.DropPackets(40_000, 1), E.CorruptBytes(60_000, (0,))]
margin = 40_000 if arduino else 5_000
first_target = margin + 4_000
state = {}

def factory(rec):
    emu = emulated._factory(rec)
    # cue the first trial before the device streams (ends free movement at packet 0)
    rate = rec.driver.fs if arduino else 250.0
    state["rate"] = rate
    state["start0"] = emu.subject.cue(trials[0].id, first_target, round(3.0 * rate))
    return emu

with tempfile.TemporaryDirectory() as d:
    kw = dict(fs=2000.0, n_channels=6) if arduino else {}
    rec = emulated.recorder(
        f"emulated-{dev}", out=Path(d) / "s.bdf", montage="bridge6", keep_journal=True,
        emulator={"subject": "right_inhibition", "seed": seed, "speed": 200.0,
                  "protocol": proto, "faults": faults},
        emulator_factory=factory, **kw,
    )
    rec.start()
    emu = rec.emulator
    rate = state["rate"]
    def wait_for(n):
        t0 = time.monotonic()
        while rec.n_samples < n:
            if time.monotonic() - t0 > 120:
                raise SystemExit(f"stalled at {rec.n_samples}")
            time.sleep(0.002)
    lead = round(3.0 * rate)
    start = state["start0"]
    events = []
    for i, t in enumerate(trials):
        if i:
            wait_for(target - margin)
            start = emu.subject.cue(t.id, target, lead)
        row0, row1, own = emu.subject.plans[t.id]
        dur = (lead - own) + (row1 - row0)
        rec.add_marker("trial", "", t.id, sample=start, duration=dur / rate)
        events.append((t.id, start, dur))
        target = start + dur + round(2.0 * rate)
    end = target
    wait_for(end)
    rec.stop(finalize_bdf=False)
    r = journal.recover(rec.journal_dir)
data = np.ascontiguousarray(r.data[:end])
print(json.dumps({
    "dev": dev, "seed": seed, "faults": faults_on, "n_recovered": r.n_samples, "prefix": end,
    "rows_sha256": hashlib.sha256(np.nan_to_num(data, nan=-1e30).tobytes()).hexdigest()[:16],
    "nan_rows": int(np.isnan(data).any(axis=1).sum()),
    "gaps": [(g.start, g.n_samples, g.reason) for g in r.gaps if g.start < end],
    "events": [
        (e.label, e.trial, round(e.onset * r.fs), round(e.duration * r.fs)) for e in r.events
    ],
    "harness_events": events,
}))
"""


def _run_json(src: str, code: str, *args: object) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": src}
    res = subprocess.run(
        [sys.executable, "-c", code, *map(str, args)], env=env, capture_output=True, text=True
    )
    if res.returncode:
        raise SystemExit(f"failed on {src}:\n{res.stderr[-2000:]}")
    out: dict[str, Any] = json.loads(res.stdout.strip().splitlines()[-1])
    return out


def same_recording(baseline_src: str, seeds: list[int]) -> bool:
    """Same seed, same recording: this tree against ``baseline_src``, printed case by case.

    For the Arduino and Cyton emulators, each seed, without and with faults (dropped,
    corrupted packets, garbage): (1) the emulator's wire bytes and ground truth, and this
    tree's bytes with another emulator step size; (2) end to end, the rows, gaps and events
    recovered from the journal, compared over the scheduled session.
    """
    here = str(Path(__file__).resolve().parents[1] / "src")
    ok = True
    for kind in ("arduino", "cyton"):
        for seed in seeds:
            for faults in (0, 1):
                a = _run_json(baseline_src, _EMU_BYTES, kind, seed, faults, 32)
                b = _run_json(here, _EMU_BYTES, kind, seed, faults, 32)
                c = _run_json(here, _EMU_BYTES, kind, seed, faults, 7)
                same = a == b and c["prefix_sha256"] == b["prefix_sha256"]
                a2 = _run_json(baseline_src, _E2E, kind, seed, faults)
                b2 = _run_json(here, _E2E, kind, seed, faults)
                a2.pop("n_recovered")  # where the recorder stopped: after the schedule, by time
                b2.pop("n_recovered")
                same2 = a2 == b2
                ok &= same and same2
                print(
                    f"{kind} seed {seed} faults {faults}: wire bytes "
                    f"{'IDENTICAL' if same else 'DIFFERENT'} ({b['bytes']} bytes, "
                    f"{b['packets']} packets, {len(b['dropped'])} dropped, "
                    f"{len(b['corrupted'])} corrupted; step 7 vs 32 same prefix: "
                    f"{c['prefix_sha256'] == b['prefix_sha256']}); recovered session "
                    f"{'IDENTICAL' if same2 else 'DIFFERENT'} ({b2['prefix']} rows, "
                    f"{b2['nan_rows']} missing, {len(b2['gaps'])} gaps, "
                    f"{len(b2['events'])} events)",
                    flush=True,
                )
    return ok


def render_threads(repeats: int) -> None:
    """The demo's cued-subject rendering, channels serial vs on two threads, one process."""
    import emgkit.simulate.subject as subject_mod
    from emgkit.protocol import load_protocol
    from emgkit.simulate.emulators import cued_subject

    proto = load_protocol("bridge").shortened(max_reps=3, rest_scale=0.3)  # as run_demo

    def once() -> tuple[float, float]:
        t, c = time.perf_counter(), time.process_time()
        cued_subject("arduino", "right_inhibition", proto, fs=2000.0, n_channels=6, seed=1)
        return time.perf_counter() - t, time.process_time() - c

    once()  # imports, first-call set-up
    threshold = subject_mod.PARALLEL_RENDER_MIN
    runs: dict[str, list[tuple[float, float]]] = {"one thread": [], "two threads": []}
    for _ in range(repeats):
        for name, value in (("one thread", 1 << 62), ("two threads", threshold)):
            subject_mod.PARALLEL_RENDER_MIN = value
            runs[name].append(once())
    subject_mod.PARALLEL_RENDER_MIN = threshold
    for name, r in runs.items():
        print(
            f"cued subject rendering ({name}): wall median "
            f"{statistics.median(x[0] for x in r):.3f} s (runs "
            f"{', '.join(f'{x[0]:.3f}' for x in r)}), process CPU median "
            f"{statistics.median(x[1] for x in r):.3f} s; load {os.getloadavg()[0]:.1f}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--demo-record", action="store_true", help="only the demo's record step")
    ap.add_argument(
        "--parser", action="store_true", help="only the parser's per-frame vs bulk path"
    )
    ap.add_argument(
        "--render", action="store_true", help="only the cued subject's rendering, 1 vs 2 threads"
    )
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--baseline-src", default=None, help="src folder of the baseline code")
    ap.add_argument(
        "--same-recording",
        action="store_true",
        help="compare the recordings of this tree and --baseline-src for the same seeds",
    )
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument(
        "--speed",
        type=float,
        default=1000.0,
        help="--demo-record: the emulator's speed, both trees (run_demo's DEMO_SPEED is 1000)",
    )
    a = ap.parse_args()
    if a.render:
        render_threads(a.repeats)
        return
    if a.parser:
        parser_paths()
        return
    if a.same_recording:
        if not a.baseline_src:
            raise SystemExit("--same-recording needs --baseline-src")
        raise SystemExit(0 if same_recording(a.baseline_src, a.seeds) else 1)
    if a.demo_record:
        demo_record(a.repeats, a.baseline_src, a.speed)
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
