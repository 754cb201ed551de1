"""Batched DATA framing (encode_data_frames, ArduinoModel.next_frames) against the per-frame
reference encoder, byte for byte."""

from __future__ import annotations

import numpy as np
import pytest

from emgkit.devices.arduino.framed import (
    DATA_HEADER_SIZE,
    MsgType,
    cobs_decode,
    crc16,
    encode_command,
    encode_data_frame,
    encode_data_frames,
)
from emgkit.devices.arduino.model import ArduinoModel
from emgkit.errors import ConfigError


def _reference(seq: np.ndarray, t_us: np.ndarray, counts: np.ndarray) -> list[bytes]:
    return [encode_data_frame(int(s), int(t), c) for s, t, c in zip(seq, t_us, counts, strict=True)]


def _zero_positions(frames: list[bytes]) -> set[int]:
    """Positions of the decoded body (payload + CRC) that are 0x00 in at least one frame."""
    pos: set[int] = set()
    for fr in frames:
        body = np.frombuffer(cobs_decode(fr[:-1]), dtype=np.uint8)
        pos.update(np.flatnonzero(body == 0).tolist())
    return pos


@pytest.mark.parametrize(("k", "n"), [(4, 6), (1, 1), (2, 3), (3, 40), (8, 16), (200, 2)])
def test_batch_equals_reference_with_zero_bytes_everywhere(k: int, n: int) -> None:
    rng = np.random.default_rng(k * 1000 + n)
    f = 6000
    counts = rng.integers(0, 65536, (f, k, n))
    counts[rng.random(counts.shape) < 0.2] = 0  # two zero bytes
    counts[rng.random(counts.shape) < 0.2] = 256  # low byte zero
    counts[rng.random(counts.shape) < 0.1] = 7  # high byte zero
    counts[0] = 0  # a payload of zeros only
    counts[1] = 0x0101  # no zero byte in the payload
    seq = rng.integers(0, 1 << 34, f)  # wraps mod 2**32 as the reference does
    t_us = rng.integers(0, 1 << 34, f)
    seq[:500] = rng.integers(0, 4, 500) << (8 * rng.integers(0, 4, 500))  # zero header bytes
    t_us[:500] = 0
    got = encode_data_frames(seq, t_us, counts)
    want = _reference(seq, t_us, counts)
    assert got == want
    m = DATA_HEADER_SIZE + 2 * k * n
    if m + 2 <= 254 and f > 4 * 256:
        # every position of the body that can be 0 was 0 in some frame (type, version, n and
        # k never are), CRC bytes included
        fixed = {0, 1, 10, 11}
        assert _zero_positions(got) == set(range(m + 2)) - fixed
    for fr in got[:50]:
        assert fr.endswith(b"\x00") and b"\x00" not in fr[:-1]
        assert crc16(cobs_decode(fr[:-1])) == 0


def test_batch_edge_cases() -> None:
    assert encode_data_frames([], [], np.zeros((0, 4, 6), dtype=np.uint16)) == []
    one = encode_data_frames([5], [7], np.arange(24).reshape(1, 4, 6))
    assert one == [encode_data_frame(5, 7, np.arange(24).reshape(4, 6))]
    with pytest.raises(ConfigError, match=r"0\.\.65535"):
        encode_data_frames([0], [0], np.full((1, 2, 2), 70000))
    with pytest.raises(ConfigError, match="n_frames, k, n_channels"):
        encode_data_frames([0], [0], np.zeros((2, 2)))
    with pytest.raises(ConfigError, match="seq"):
        encode_data_frames([0, 1], [0], np.zeros((1, 2, 2)))


def _stream(model: ArduinoModel, calls: list[int], batched: bool) -> bytes:
    k = model.config.samples_per_frame
    out = bytearray()
    for c in calls:
        if batched:
            out += b"".join(model.next_frames(c))
        else:
            for _ in range(c):
                out += model.next_bytes(k)
    out += model.handle(encode_command(MsgType.STOP, 2))
    return bytes(out)


@pytest.mark.parametrize("loop", [False, True])
def test_next_frames_equals_next_bytes(loop: bool) -> None:
    """Same wire bytes and the same device state (sample clock, counters, ground truth) as one
    ``next_bytes(samples_per_frame)`` per frame, across a loop wrap or the end of the signal,
    with a STOP that flushes a short frame."""
    rng = np.random.default_rng(3)
    x = rng.normal(0, 300, (2003, 5))
    calls = [1, 7, 8, 100, 3, 250, 64] if loop else [1, 7, 8, 100, 3, 900]
    models = []
    streams = []
    for batched in (False, True):
        m = ArduinoModel(x, 2000, ["RAW", "ENV", "RAW", "RECT", "RAW"], loop=loop)
        m.handle(encode_command(MsgType.START, 1))
        m.next_bytes(3)  # a partly filled frame before the batched calls
        streams.append(_stream(m, calls, batched))
        models.append(m)
    assert streams[0] == streams[1] and len(streams[0]) > 1000
    a, b = models
    assert (a.seq, a._row, a._clock, a.samples_sent, a.frames_sent) == (
        b.seq,
        b._row,
        b._clock,
        b.samples_sent,
        b.frames_sent,
    )
    assert list(a.frame_seqs) == list(b.frame_seqs)
    assert a.exhausted == b.exhausted == (not loop)


def test_next_frames_not_streaming() -> None:
    m = ArduinoModel(np.zeros((100, 2)), 1000, ["RAW", "RAW"])
    assert m.next_frames(4) == []
    with pytest.raises(ConfigError):
        m.next_frames(-1)


@pytest.mark.parametrize(
    ("k", "n"), [(4, 6), (1, 1), (3, 40), (8, 16), (119, 1), (120, 1), (60, 2)]
)
def test_single_frame_fast_encoder_equals_reference(k: int, n: int) -> None:
    """The device model's per-frame encoder (cued-subject path) gives encode_data_frame's bytes,
    for bodies up to 253 bytes (split at zeros) and longer ones (full COBS)."""
    from emgkit.devices.arduino.framed import _encode_data_frame_u2

    rng = np.random.default_rng(k * 7 + n)
    for i in range(1500):
        counts = rng.integers(0, 65536, (k, n)).astype(np.uint16)
        counts[rng.random(counts.shape) < 0.2] = 0
        counts[rng.random(counts.shape) < 0.2] = 256
        seq = int(rng.integers(0, 1 << 34)) if i % 3 else int(rng.integers(0, 4)) << 8
        t_us = int(rng.integers(0, 1 << 34)) if i % 5 else 0
        assert _encode_data_frame_u2(seq, t_us, counts) == encode_data_frame(seq, t_us, counts)


def test_per_frame_path_with_jumping_rows_sends_the_rows_acquired() -> None:
    """next_bytes while a cued subject moves the model's row between calls (and the loop wraps):
    every frame carries exactly the rows the ADC read, in order (the one-stretch fast path and
    the gathered path both)."""
    from emgkit.devices.arduino.framed import FramedParser

    rng = np.random.default_rng(4)
    x = rng.normal(0, 300, (997, 3))
    m = ArduinoModel(x, 2000, ["RAW"] * 3, samples_per_frame=4, loop=True)
    m.handle(encode_command(MsgType.START, 1))
    total = m.counts.shape[0]
    read: list[int] = []
    wire = []
    for i in range(3000):
        if i % 7 == 0:
            m._row = int(rng.integers(0, total))  # what the cued subject does
        n = int(rng.integers(1, 9))
        read.extend((m._row + j) % total for j in range(n))
        wire.append(m.next_bytes(n))
    res = FramedParser(3, 2000.0).feed(b"".join(wire))
    sent = res.samples.shape[0]
    assert sent == m.samples_sent and sent > 10_000
    np.testing.assert_array_equal(res.samples, m.counts[read[:sent]].astype(np.float64))
