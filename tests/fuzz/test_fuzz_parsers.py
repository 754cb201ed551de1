"""Each damage class, against each parser: no fabricated row, no misplaced row, exact loss.

The long run (100,000+ cases per parser) is ``benchmarks/fuzz_parsers.py``; these are the
same cases drawn by hypothesis, one class at a time and mixed, fast enough for CI.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emgkit.devices.cyton.parser import encode_packet
from tests.fuzz.streams import (
    CLASSES,
    FRAMED_CLASSES,
    _cyton_bytes,
    cyton_case,
    framed_case,
)

seeds = st.integers(0, 2**32 - 1)


def _assert_ok(v: object) -> None:
    assert v.ok, (v.classes, v.fabricated, v.misplaced, v.accounting_errors, v.notes)  # type: ignore[attr-defined]


@pytest.mark.parametrize("kind", CLASSES)
@settings(max_examples=60, deadline=None)
@given(seed=seeds)
def test_cyton_each_class(kind: str, seed: int) -> None:
    _assert_ok(cyton_case(seed, [kind]))


@settings(max_examples=150, deadline=None)
@given(seed=seeds, kinds=st.lists(st.sampled_from(CLASSES), min_size=2, max_size=3))
def test_cyton_mixed_classes(seed: int, kinds: list[str]) -> None:
    _assert_ok(cyton_case(seed, kinds))


@pytest.mark.parametrize("kind", FRAMED_CLASSES)
@settings(max_examples=60, deadline=None)
@given(seed=seeds)
def test_framed_each_class(kind: str, seed: int) -> None:
    _assert_ok(framed_case(seed, [kind]))


@settings(max_examples=150, deadline=None)
@given(seed=seeds, kinds=st.lists(st.sampled_from(FRAMED_CLASSES), min_size=2, max_size=3))
def test_framed_mixed_classes(seed: int, kinds: list[str]) -> None:
    _assert_ok(framed_case(seed, kinds))


def test_fuzz_encoder_matches_the_real_one() -> None:
    rng = np.random.default_rng(0)
    counts = rng.integers(-(2**23), 2**23, (5, 8))
    aux = rng.integers(0, 256, (5, 6), dtype=np.uint8)
    stop = rng.integers(0xC0, 0xC7, 5)
    want = b"".join(
        encode_packet(250 + i, counts[i], aux[i].tobytes(), int(stop[i])) for i in range(5)
    )
    assert _cyton_bytes(250 + np.arange(5), counts, aux, stop) == want


def test_the_checker_sees_a_misplaced_row() -> None:
    """The fuzz would be worthless if it could not fail: a row placed 256 late (what emgkit
    0.1 did with a replayed packet) counts as misplaced."""
    from emgkit.devices.base import ParseResult
    from tests.fuzz import streams

    v = streams.Verdict()
    truth = np.arange(10, dtype=np.float64)[:, None]
    res = ParseResult(truth[[0, 1, 2]], np.array([0, 1, 258]), 255, [(2, 256)])
    streams._check(res, truth, False, v)
    assert v.misplaced == 1 and not v.ok
