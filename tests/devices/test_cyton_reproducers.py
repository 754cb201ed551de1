"""Issue 11's minimal Cyton reproducers: the parser never fabricates nor misplaces a row.

Each test is the reproducer from the issue, bytes as Python, and asserts what a correct
parser must return (no mixed or junk row, no false gap, no shifted clock).
"""

from __future__ import annotations

import numpy as np

from emgkit.devices.base import ParseResult
from emgkit.devices.cyton.parser import CytonParser, encode_packet, uv_to_counts

LSB24 = 4.5 / 24 / (2**23 - 1) * 1e6


def pkt(counter: int, values: list[int]) -> bytes:
    """A 33-byte packet; one value repeats over the 8 channels when only one is given."""
    return encode_packet(counter, values * 8 if len(values) == 1 else values)


def run(parser: CytonParser, *chunks: bytes) -> ParseResult:
    parts = [parser.feed(c) for c in chunks] + [parser.flush()]
    return ParseResult(
        np.vstack([r.samples for r in parts]),
        np.concatenate([r.sample_index for r in parts]),
        sum(r.n_lost for r in parts),
        [g for r in parts for g in r.gaps],
        sum(r.n_bad_bytes for r in parts),
    )


def test_r1_first_packet_is_never_accepted_unconfirmed() -> None:
    for strict in (True, False):
        res = run(CytonParser(strict=strict), pkt(0, [1000])[:17] + pkt(1, [-2000])[17:])
        assert res.samples.shape == (0, 8), strict  # a hybrid, not a packet


def test_r1_after_reset_too() -> None:
    p = CytonParser()
    run(p, pkt(0, [5]) + pkt(1, [6]) + pkt(2, [7]))
    p.reset()
    res = run(p, pkt(0, [1000])[:17] + pkt(1, [-2000])[17:])
    assert res.samples.shape == (0, 8)


def test_r2_junk_last_packet_is_not_emitted_at_end_of_stream() -> None:
    p2 = pkt(2, [300])
    res = run(CytonParser(), pkt(0, [100]) + pkt(1, [200]) + p2[:20] + bytes(12) + b"\xc0")
    counts = np.rint(res.samples / LSB24)
    # every row decoded is a whole, genuine packet: 100 or 200 on all channels
    assert all(set(r.tolist()) in ({100.0}, {200.0}) for r in counts)
    assert 300 not in counts and 0 not in counts


def _emg_like(n: int, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return uv_to_counts(rng.normal(0, 60, (n, 8)))


def test_r3_a0_flood_inside_packet_0xa0_gives_no_spike_and_counts_the_loss() -> None:
    counts = _emg_like(170)
    pk = [encode_packet(i, counts[i]) for i in range(170)]
    p160 = pk[160]
    assert p160[1] == 0xA0
    for flood in (10, 12, 20, 33, 40):
        bad = p160[:10] + b"\xa0" * flood + p160[10:]
        stream = b"".join(pk[:160]) + bad + b"".join(pk[161:])
        res = run(CytonParser(), stream)
        got = np.rint(res.samples / LSB24).astype(np.int64)
        idx = res.sample_index
        # every row is the packet sent at its own index: no -140 mV spike anywhere
        np.testing.assert_array_equal(got, counts[idx])
        assert np.abs(res.samples).max() < 1000.0
        # what is missing is counted: rows + lost == span
        assert len(idx) + res.n_lost == idx[-1] - idx[0] + 1
        assert 160 not in idx.tolist() or np.array_equal(got[idx == 160][0], counts[160])


def test_r4_replayed_packets_are_not_a_255_sample_gap() -> None:
    counts = _emg_like(12, seed=4)
    pk = [encode_packet(i, counts[i]) for i in range(12)]
    stream = b"".join(pk[:5]) + pk[3] + pk[4] + b"".join(pk[5:])
    res = run(CytonParser(), stream)
    idx = res.sample_index
    got = np.rint(res.samples / LSB24).astype(np.int64)
    assert len(set(idx.tolist())) == len(idx)  # packet 3 not emitted twice
    np.testing.assert_array_equal(got, counts[idx])  # nothing 1.024 s late
    assert idx[-1] <= 11 and res.n_lost < 12
    assert len(idx) + res.n_lost == idx[-1] - idx[0] + 1


def test_r4_replay_of_k_packets_for_every_k() -> None:
    counts = _emg_like(300, seed=7)
    pk = [encode_packet(i, counts[i]) for i in range(300)]
    for k in (1, 2, 5, 50, 200):
        stream = b"".join(pk[:250]) + b"".join(pk[250 - k : 250]) + b"".join(pk[250:])
        res = run(CytonParser(), stream)
        idx = res.sample_index
        got = np.rint(res.samples / LSB24).astype(np.int64)
        np.testing.assert_array_equal(got, counts[idx], err_msg=f"k={k}")
        assert res.n_lost <= 3, (k, res.gaps)
        assert len(idx) + res.n_lost == idx[-1] - idx[0] + 1
