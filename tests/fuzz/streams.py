"""Damaged device streams with known ground truth, and the checks every parser must pass.

Used by the CI property tests (``tests/fuzz/test_fuzz_parsers.py``, a few hundred cases per
class) and by the long run ``benchmarks/fuzz_parsers.py`` (100,000+ cases per parser, figures
in docs/recording.md). One case = a clean stream, 1-3 mutations of one or several classes,
fed in random chunks; the parser's rows are then checked against what was sent:

* **fabricated**: a row that equals no sent sample;
* **misplaced**: a row that equals a sent sample, but not the one at its index;
* **accounting**: decoded rows + ``n_lost`` must equal the span of indices they cover, and the
  gaps must cover exactly the holes (every missing sample between two decoded ones counted,
  nothing else). Loss before the first or after the last decoded row is unknowable.

Mutation classes: ``flip`` (1-3 bits), ``insert`` (random junk), ``flood`` (runs of 0xA0,
0xC0, 0x00 or a mix), ``delete`` (a byte range), ``duplicate`` (a chunk sent twice),
``truncate`` (start and/or end cut) and, for the framed protocol, ``forge`` (a frame that
passes the CRC but carries a far-off sequence number, clock and data: the 1-in-65,536
corruption a CRC-16 lets through).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from emgkit.devices.arduino.framed import FramedParser, encode_data_frame
from emgkit.devices.base import ParseResult
from emgkit.devices.cyton.parser import CytonParser, uv_to_counts

CLASSES = ("flip", "insert", "flood", "delete", "duplicate", "truncate")
FRAMED_CLASSES = (*CLASSES, "forge")
LSB24 = 4.5 / 24 / (2**23 - 1) * 1e6


@dataclass
class Verdict:
    """What one case produced."""

    rows: int = 0
    fabricated: int = 0
    misplaced: int = 0
    accounting_errors: int = 0
    lost: int = 0
    classes: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.fabricated == 0 and self.misplaced == 0 and self.accounting_errors == 0


def _mutate(data: bytes, rng: np.random.Generator, kinds: list[str], unit: int) -> bytes:
    b = bytearray(data)
    for kind in kinds:
        if not b:
            break
        n = len(b)
        if kind == "flip":
            for _ in range(int(rng.integers(1, 4))):
                b[int(rng.integers(0, len(b)))] ^= 1 << int(rng.integers(0, 8))
        elif kind == "insert":
            at = int(rng.integers(0, n + 1))
            b[at:at] = rng.integers(0, 256, int(rng.integers(1, 41)), dtype=np.uint8).tobytes()
        elif kind == "flood":
            at = int(rng.integers(0, n + 1))
            length = int(rng.integers(1, 3 * unit))
            pick = int(rng.integers(0, 4))
            if pick == 3:
                junk = rng.choice(np.array([0xA0, 0xC0], np.uint8), length).tobytes()
            else:
                junk = bytes([(0xA0, 0xC0, 0x00)[pick]]) * length
            b[at:at] = junk
        elif kind == "delete":
            a = int(rng.integers(0, n))
            del b[a : a + int(rng.integers(1, 3 * unit))]
        elif kind == "duplicate":
            a = int(rng.integers(0, n))
            e = min(n, a + int(rng.integers(1, 12 * unit)))
            b[e:e] = b[a:e]
        elif kind == "truncate":
            lo = int(rng.integers(0, unit)) if rng.random() < 0.5 else 0
            hi = n - (int(rng.integers(0, unit)) if rng.random() < 0.7 else 0)
            b = b[lo:hi]
    return bytes(b)


def _chunks(data: bytes, rng: np.random.Generator) -> list[bytes]:
    if rng.random() < 0.3:
        return [data]
    cuts = np.sort(rng.integers(0, len(data) + 1, int(rng.integers(1, 12))))
    edges = [0, *cuts.tolist(), len(data)]
    return [data[a:b] for a, b in itertools.pairwise(edges)]


def _merge(parts: list[ParseResult], n_ch: int) -> ParseResult:
    out = ParseResult.empty(n_ch)
    if parts:
        out.samples = np.vstack([p.samples for p in parts] + [out.samples])
        out.sample_index = np.concatenate([p.sample_index for p in parts] + [out.sample_index])
        out.n_lost = sum(p.n_lost for p in parts)
        out.gaps = [g for p in parts for g in p.gaps]
        out.n_bad_bytes = sum(p.n_bad_bytes for p in parts)
    return out


def _check(res: ParseResult, truth: np.ndarray, first_known: bool, v: Verdict) -> None:
    """Rows against ``truth`` (n, n_ch) whose column 0 is the sample's own number."""
    idx = res.sample_index
    v.rows = len(idx)
    v.lost = int(res.n_lost)
    if not len(idx):
        if res.n_lost or res.gaps:
            v.accounting_errors += 1
        return
    ids = np.rint(res.samples[:, 0]).astype(np.int64)
    valid = (ids >= 0) & (ids < len(truth))
    same = np.zeros(len(ids), dtype=bool)
    same[valid] = np.all(res.samples[valid] == truth[ids[valid]], axis=1)
    v.fabricated = int(np.sum(~same))
    # placement: index differences must equal true-number differences
    origin = 0 if first_known else None
    if origin is None:
        good = np.flatnonzero(same)
        origin = int(ids[good[0]] - idx[good[0]]) if good.size else 0
    v.misplaced = int(np.sum(same & (idx + origin != ids)))
    if np.any(np.diff(idx) <= 0):
        v.accounting_errors += 1
        v.notes.append("indices not increasing")
    span = int(idx[-1] - idx[0] + 1)
    holes_before = 0
    if first_known:
        holes_before = int(idx[0])  # loss before the first row is known with a start number
    if len(idx) + res.n_lost != span + holes_before:
        v.accounting_errors += 1
        v.notes.append(f"rows {len(idx)} + lost {res.n_lost} != span {span} + {holes_before}")
    covered = np.zeros(int(idx[-1]) + 1, dtype=bool)
    covered[idx] = True
    for s, n in res.gaps:
        if s < 0 or n <= 0 or s + n > len(covered) or covered[s : s + n].any():
            v.accounting_errors += 1
            v.notes.append(f"gap {(s, n)} overlaps rows or is out of range")
            break
        covered[s : s + n] = True
    else:
        lo = 0 if first_known else int(idx[0])
        if not covered[lo:].all():
            v.accounting_errors += 1
            v.notes.append("a hole not covered by any gap")


# ------------------------------------------------------------------------------- Cyton
def _cyton_bytes(
    counters: np.ndarray, counts: np.ndarray, aux: np.ndarray, stop: np.ndarray
) -> bytes:
    """Vectorised :func:`encode_packet` for many packets (checked against it in the tests)."""
    n = counts.shape[0]
    out = np.empty((n, 33), dtype=np.uint8)
    out[:, 0] = 0xA0
    out[:, 1] = counters % 256
    u = counts.astype(np.int64) & 0xFFFFFF
    out[:, 2:26:3] = (u >> 16) & 0xFF
    out[:, 3:26:3] = (u >> 8) & 0xFF
    out[:, 4:26:3] = u & 0xFF
    out[:, 26:32] = aux
    out[:, 32] = stop
    return out.tobytes()


def _decode_slots(data: bytes) -> np.ndarray:
    """Channel counts of every 33-byte slot (as if each slot were a packet)."""
    a = np.frombuffer(data, dtype=np.uint8).reshape(-1, 33).astype(np.int64)
    v = (a[:, 2:26:3] << 16) | (a[:, 3:26:3] << 8) | a[:, 4:26:3]
    return np.where(v & 0x800000, v - 0x1000000, v)


def cyton_case(seed: int, kinds: list[str] | None = None, strict: bool = True) -> Verdict:
    """One fuzz case for :class:`CytonParser`: EMG-like packets, channel 1 = packet number.

    Bit flips are applied first, in place: a flipped *data* bit inside an intact frame is
    undetectable without a checksum (the Cyton protocol has none), so a row equal to its own
    packet as flipped counts as decoded, not fabricated. Everything else must be exact.
    """
    rng = np.random.default_rng(seed)
    n = int(rng.integers(20, 320))
    start = int(rng.integers(0, 256))
    emg = rng.normal(0, float(rng.choice([5.0, 60.0, 2000.0])), (n, 8))
    counts = uv_to_counts(emg).astype(np.int64)
    special = rng.random((n, 8)) < 0.03  # header/stop-like data bytes now and then
    counts[special] = rng.choice(np.array([0xA0A0A0 - 2**24, 0xC0C0C0 - 2**24, 0x00A0C0]))
    counts[:, 0] = np.arange(n)
    aux = np.zeros((n, 6), dtype=np.uint8)
    aux[9::10] = rng.integers(0, 256, (len(aux[9::10]), 6))
    stop = rng.integers(0xC0, 0xC7, n)
    clean = _cyton_bytes(start + np.arange(n), counts, aux, stop)
    if kinds is None:
        kinds = list(rng.choice(CLASSES, int(rng.integers(1, 4))))
    flips = [k for k in kinds if k == "flip"]
    flipped = _mutate(clean, rng, flips, 33)
    alt = _decode_slots(flipped)
    data = _mutate(flipped, rng, [k for k in kinds if k != "flip"], 33)
    p = CytonParser(strict=strict)
    parts = [p.feed(c) for c in _chunks(data, rng)] + [p.flush()]
    res = _merge(parts, 8)
    rows = np.rint(res.samples / LSB24).astype(np.int64)
    v = Verdict(classes=tuple(kinds))
    _check_rows(rows, res, [counts, alt], v)
    return v


def _check_rows(rows: np.ndarray, res: ParseResult, truths: list[np.ndarray], v: Verdict) -> None:
    """Like :func:`_check` for rows that may equal any of ``truths`` at their own number."""
    idx = res.sample_index
    v.rows, v.lost = len(idx), int(res.n_lost)
    lookup: dict[bytes, int] = {}
    for t in reversed(truths):
        for j in range(len(t)):
            lookup[t[j].tobytes()] = j
    where = np.array([lookup.get(r.tobytes(), -1) for r in rows], dtype=np.int64)
    exact = [j >= 0 and np.array_equal(rows[i], truths[0][j]) for i, j in enumerate(where)]
    v.fabricated = int(np.sum(where < 0))
    first = next((i for i, e in enumerate(exact) if e), None)
    origin = int(where[first] - idx[first]) if first is not None else 0
    v.misplaced = int(np.sum((where >= 0) & (idx + origin != where)))
    fake = ParseResult(np.zeros((len(idx), 1)), idx, res.n_lost, res.gaps)
    fake.samples[:, 0] = idx + origin
    acc = Verdict()
    _check(
        fake,
        np.arange(max(len(truths[0]), int(idx.max(initial=0)) + origin + 1))[:, None].astype(
            np.float64
        ),
        False,
        acc,
    )
    v.accounting_errors = acc.accounting_errors
    v.notes += acc.notes


# ------------------------------------------------------------------------------ framed
def framed_case(seed: int, kinds: list[str] | None = None) -> Verdict:
    """One fuzz case for :class:`FramedParser` (first_sequence=0, device clock = 1/fs)."""
    rng = np.random.default_rng(seed)
    n_ch = int(rng.integers(1, 5))
    k = int(rng.integers(1, 9))
    n_frames = int(rng.integers(6, 80))
    fs = float(rng.choice([500.0, 1000.0, 2000.0]))
    period = 1e6 / fs
    t0 = int(rng.integers(0, 2**32))
    total = n_frames * k
    counts = rng.integers(0, 4096, (total, n_ch)).astype(np.uint16)
    counts[:, 0] = np.arange(total)
    frames = [
        encode_data_frame(i * k, t0 + round(i * k * period), counts[i * k : (i + 1) * k])
        for i in range(n_frames)
    ]
    if kinds is None:
        kinds = list(rng.choice(FRAMED_CLASSES, int(rng.integers(1, 4))))
    if "forge" in kinds:
        for _ in range(int(rng.integers(1, 3))):
            j = int(rng.integers(0, n_frames))
            seq = (int(rng.integers(1, 2**32)) + j * k) % 2**32
            junk = rng.integers(0, 4096, (k, n_ch)).astype(np.uint16)
            junk[:, 0] = 60_000  # no sent sample has this number
            frames.insert(j, encode_data_frame(seq, int(rng.integers(0, 2**32)), junk))
    rest = [c for c in kinds if c != "forge"]
    data = _mutate(b"".join(frames), rng, rest, 24)
    p = FramedParser(n_ch, fs, first_sequence=0)
    res = _merge([p.feed(c) for c in _chunks(data, rng)], n_ch)
    v = Verdict(classes=tuple(kinds))
    _check(res, counts.astype(np.float64), True, v)
    return v


CASES: dict[str, Callable[..., Verdict]] = {"cyton": cyton_case, "framed": framed_case}
