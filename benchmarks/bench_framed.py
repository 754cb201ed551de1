"""How fast FramedParser decodes the firmware's DATA stream, against what 16 ch x 4 kHz needs.

Run: ``python benchmarks/bench_framed.py [--seconds 10] [--chunk 4096] [--repeat 5]``.
Prints MB/s, frames/s, samples/s and the ratio to the live rate (median of the repeats), for a
clean stream and for one with 1% of its frames corrupted.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from emgkit.devices.arduino.framed import (
    FramedParser,
    default_samples_per_frame,
    encode_data_frame,
)
from emgkit.devices.arduino.myoware import MyoWareConverter


def build_stream(n_channels: int, fs: int, seconds: float, seed: int = 0) -> tuple[bytes, int]:
    k = default_samples_per_frame(fs, n_channels)
    n_frames = int(seconds * fs) // k
    counts = np.random.default_rng(seed).integers(0, 4096, (n_frames * k, n_channels))
    frames = [
        encode_data_frame(i * k, i * k * 1_000_000 // fs, counts[i * k : (i + 1) * k])
        for i in range(n_frames)
    ]
    return b"".join(frames), n_frames


def corrupt(stream: bytes, fraction: float, seed: int = 1) -> bytes:
    rng = np.random.default_rng(seed)
    buf = bytearray(stream)
    for pos in rng.integers(0, len(buf), int(len(buf) / 273 * fraction)):
        buf[pos] ^= 0x5A
    return bytes(buf)


def run(stream: bytes, n_channels: int, fs: float, chunk: int, convert: bool) -> float:
    conv = MyoWareConverter(["RAW"] * n_channels) if convert else None
    parser = FramedParser(n_channels, fs, conv)
    t = time.perf_counter()
    for off in range(0, len(stream), chunk):
        parser.feed(stream[off : off + chunk])
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--channels", type=int, default=16)
    ap.add_argument("--fs", type=int, default=4000)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--chunk", type=int, default=4096)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    n, fs = args.channels, args.fs
    stream, n_frames = build_stream(n, fs, args.seconds)
    k = default_samples_per_frame(fs, n)
    need_fps = fs / k
    need_bps = len(stream) / args.seconds
    print(
        f"stream: {n} ch x {fs} Hz, {n_frames} frames, {len(stream)} bytes "
        f"({need_bps / 1e3:.1f} kB/s, {need_fps:.0f} frames/s live); chunk {args.chunk} B"
    )
    cases = [
        ("clean, counts", stream, False),
        ("clean, uV (MyoWareConverter)", stream, True),
        ("1% frames corrupted, uV", corrupt(stream, 0.01), True),
    ]
    for name, data, convert in cases:
        times = [run(data, n, float(fs), args.chunk, convert) for _ in range(args.repeat)]
        dt = statistics.median(times)
        fps = n_frames / dt
        print(
            f"{name:32s} {len(data) / dt / 1e6:7.1f} MB/s {fps:10.0f} frames/s "
            f"{n_frames * k / dt / 1e6:6.3f} M samples/s "
            f"ratio to live {fps / need_fps:7.0f}x"
        )


if __name__ == "__main__":
    main()
