"""The bulk (numpy) path of FramedParser.feed against the per-frame loop, fuzzed.

Both paths must give the same rows, indices, timestamps, gaps, lost and bad byte counts, the
same counters and replies, and leave the same state for the next call, for any damage to the
stream and any way of cutting it into chunks.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emgkit.devices.arduino.framed import (
    FramedParser,
    StatusCode,
    encode_ack,
    encode_data_frame,
    encode_status,
)
from emgkit.devices.base import ParseResult

_U32 = 1 << 32


def _parsers(n: int, first: int | None = None) -> tuple[FramedParser, FramedParser]:
    """(bulk whenever a chunk has a delimiter, per-frame always)."""
    fast = FramedParser(n, 2000.0, first_sequence=first)
    slow = FramedParser(n, 2000.0, first_sequence=first)
    fast.batch_min_frames = 1
    slow.batch_min_frames = 1 << 60
    return fast, slow


def _state(p: FramedParser) -> dict[str, Any]:
    return {
        "counters": (
            p.n_frames, p.n_bad_frames, p.n_samples, p.n_lost, p.n_stale, p.n_unknown,
            p.n_implausible,
        ),
        "pending": p._pending,
        "discard": p._discard,
        "next": (p._next_seq, p._next_index, p._t_last, p._t_wrap, p._ref, p._period),
        "suspect": p._suspect,
        "replies": list(p.replies),
    }  # fmt: skip


def _same(a: ParseResult, b: ParseResult) -> None:
    assert a.samples.shape == b.samples.shape
    np.testing.assert_array_equal(a.samples, b.samples)
    np.testing.assert_array_equal(a.sample_index, b.sample_index)
    assert a.sample_index.dtype == b.sample_index.dtype
    np.testing.assert_array_equal(a.aux["timestamp_us"], b.aux["timestamp_us"])
    assert (a.n_lost, a.gaps, a.n_bad_bytes) == (b.n_lost, b.gaps, b.n_bad_bytes)


def _concat(results: list[ParseResult], n: int) -> ParseResult:
    out = ParseResult.empty(n)
    out.samples = np.concatenate([r.samples for r in results])
    out.sample_index = np.concatenate([r.sample_index for r in results])
    out.aux["timestamp_us"] = np.concatenate([r.aux["timestamp_us"] for r in results])
    out.n_lost = sum(r.n_lost for r in results)
    out.gaps = [g for r in results for g in r.gaps]
    out.n_bad_bytes = sum(r.n_bad_bytes for r in results)
    return out


def _run_both(stream: bytes, cuts: list[int], n: int, first: int | None = None) -> FramedParser:
    fast, slow = _parsers(n, first)
    edges = [0, *sorted(set(c for c in cuts if 0 < c < len(stream))), len(stream)]
    got = []
    for a, b in itertools.pairwise(edges):
        res = fast.feed(stream[a:b])
        _same(res, slow.feed(stream[a:b]))
        assert _state(fast) == _state(slow)
        got.append(res)
    # the cutting does not matter either (journal recovery feeds merged reads)
    whole, _ = _parsers(n, first)
    _same(_concat(got, n), whole.feed(stream))
    return fast


def _frames(
    rng: np.random.Generator, n: int, k: int, count: int, seq0: int = 0, t0: int = 0
) -> list[bytes]:
    counts = rng.integers(0, 1024, (count, k, n))
    counts[rng.random(counts.shape) < 0.1] = 0  # zero bytes in the samples
    counts[rng.random(counts.shape) < 0.1] = 256
    period = 500
    return [
        encode_data_frame((seq0 + i * k) % _U32, (t0 + i * k * period) % _U32, counts[i])
        for i in range(count)
    ]


def _damage(rng: np.random.Generator, frames: list[bytes], n_ops: int) -> bytes:
    """Frames with corrupt, dropped, duplicated, truncated frames and stray bytes."""
    out: list[bytes] = []
    for fr in frames:
        r = rng.random()
        if r < n_ops * 0.01:  # corrupt one byte (a zero sometimes: splits the frame)
            b = bytearray(fr)
            i = int(rng.integers(0, len(b)))
            b[i] = 0 if rng.random() < 0.3 else int(rng.integers(0, 256))
            out.append(bytes(b))
        elif r < n_ops * 0.02:  # dropped: a gap
            continue
        elif r < n_ops * 0.025:  # duplicated: stale
            out.extend([fr, fr])
        elif r < n_ops * 0.03:  # truncated
            out.append(fr[: int(rng.integers(1, len(fr)))])
        elif r < n_ops * 0.035:  # stray bytes, maybe a lone delimiter
            out.append(rng.integers(0, 256, int(rng.integers(1, 40))).astype(np.uint8).tobytes())
            out.append(fr)
        elif r < n_ops * 0.04:  # a reply between data frames
            out.append(encode_ack(int(rng.integers(0, 256)), 0x42))
            out.append(fr)
        else:
            out.append(fr)
    return b"".join(out)


@pytest.mark.parametrize(("n", "k"), [(6, 4), (1, 1), (3, 2), (16, 8), (2, 120)])
def test_clean_stream_every_split(n: int, k: int) -> None:
    rng = np.random.default_rng(n * 100 + k)
    frames = _frames(rng, n, k, 40)
    stream = b"".join(frames)
    # one cut at every offset (the rest of the stream in one chunk)
    step = max(1, len(stream) // 300)
    for cut in range(0, len(stream), step):
        _run_both(stream, [cut], n)
    p = _run_both(stream, [], n)
    assert p.n_samples == 40 * k and p.n_bad_frames == 0


@pytest.mark.parametrize("seed", range(12))
def test_damaged_streams(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, k = [(6, 4), (1, 2), (8, 8), (3, 1)][seed % 4]
    frames = _frames(rng, n, k, 600, seq0=int(rng.integers(0, _U32)), t0=int(rng.integers(0, _U32)))
    stream = _damage(rng, frames, 1 + seed % 5)
    cuts = rng.integers(0, len(stream), int(rng.integers(0, 60))).tolist()
    p = _run_both(stream, cuts, n, first=None)
    assert p.n_frames > 300  # the test compares real decoding, not two empty results
    _run_both(stream, [], n)
    _run_both(stream, list(range(0, len(stream), 97)), n)


def test_zero_byte_in_every_position() -> None:
    """A 0x00 put at every byte of a frame in the middle of a run (and the CRC broken)."""
    rng = np.random.default_rng(5)
    frames = _frames(rng, 6, 4, 30)
    for i in range(len(frames[10])):
        damaged = bytearray(frames[10])
        damaged[i] = 0
        stream = b"".join(frames[:10]) + bytes(damaged) + b"".join(frames[11:])
        p = _run_both(stream, [], 6)
        assert p.n_frames >= 28
        damaged = bytearray(frames[10])
        damaged[i] ^= 0x5A
        stream = b"".join(frames[:10]) + bytes(damaged) + b"".join(frames[11:])
        _run_both(stream, [len(stream) // 2], 6)


def test_wraps_jumps_and_first_sequence() -> None:
    rng = np.random.default_rng(9)
    # seq and micros() both wrap inside the run; then a believable jump and a far one
    frames = _frames(rng, 4, 2, 200, seq0=_U32 - 150, t0=_U32 - 20_000)
    frames += _frames(rng, 4, 2, 50, seq0=(_U32 - 150 + 200 * 2 + 40) % _U32,
                      t0=(_U32 - 20_000 + (200 * 2 + 40) * 500) % _U32)  # fmt: skip
    frames += _frames(rng, 4, 2, 50, seq0=123_456_789, t0=5)
    frames.insert(30, encode_status(int(StatusCode.OVERRUN), 7, 3))
    stream = b"".join(frames)
    p = _run_both(stream, [], 4, first=_U32 - 160)
    assert p.n_lost >= 10
    _run_both(stream, list(range(0, len(stream), 250)), 4, first=_U32 - 160)
    # an over-long run of garbage without delimiters, then frames
    junk = rng.integers(1, 256, 3000).astype(np.uint8).tobytes()
    _run_both(junk + stream, [100, 2000, 3100], 4)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 2**31),
    st.lists(st.integers(0, 20_000), max_size=12),
    st.integers(1, 5),
)
def test_hypothesis_damage_and_cuts(seed: int, cuts: list[int], ops: int) -> None:
    rng = np.random.default_rng(seed)
    frames = _frames(rng, 6, 4, 300, seq0=int(rng.integers(0, _U32)))
    stream = _damage(rng, frames, ops)
    _run_both(stream, cuts, 6)


def test_default_threshold_takes_the_bulk_path_for_big_chunks() -> None:
    rng = np.random.default_rng(1)
    stream = b"".join(_frames(rng, 6, 4, 1000))
    p = FramedParser(6, 2000.0)
    res = p.feed(stream)
    assert res.samples.shape == (4000, 6)
    np.testing.assert_array_equal(res.sample_index, np.arange(4000))
    assert p.batch_min_frames <= 1000
