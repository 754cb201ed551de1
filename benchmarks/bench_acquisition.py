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

Run: ``python benchmarks/bench_acquisition.py [--seconds 10]`` (about 30 s).
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=10.0)
    a = ap.parse_args()
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
