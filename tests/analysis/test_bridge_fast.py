"""The bridge analysis's shortcuts give the bits of the plain formulation (session 6 speed work)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from emgkit.analysis import bridge as B
from emgkit.recording import Event


def _plain_nanmean(a: np.ndarray) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(a, axis=0)


@pytest.mark.parametrize("n", [1, 2, 7, 8, 9, 127, 128, 129, 1000, 4097, 20011])
@pytest.mark.parametrize("n_ch", [1, 3, 16])
def test_nanmean_rows_is_nanmean_bit_for_bit(n: int, n_ch: int) -> None:
    rng = np.random.default_rng(n * 31 + n_ch)
    # envelope-like: positive, a wide dynamic range, so that the summation order shows
    a = np.exp(rng.normal(2.0, 3.0, size=(n, n_ch)))
    got = B._nanmean_rows(a)
    assert np.array_equal(got, _plain_nanmean(a))
    sq = a * a
    assert np.array_equal(B._nanmean_rows(sq), _plain_nanmean(sq))
    # and on a row slice of a larger array (the hold windows of the envelope)
    big = np.exp(rng.normal(0.0, 2.0, size=(n + 50, n_ch)))
    assert np.array_equal(B._nanmean_rows(big[17 : 17 + n]), _plain_nanmean(big[17 : 17 + n]))


def test_nanmean_rows_with_missing_and_infinite_values() -> None:
    rng = np.random.default_rng(3)
    a = rng.normal(size=(500, 4))
    a[10, 1] = np.nan
    a[:, 2] = np.nan  # a column without any value: NaN
    a[7, 3] = np.inf
    got = B._nanmean_rows(a)
    want = _plain_nanmean(a)
    assert np.isnan(got[2]) and got[3] == np.inf
    np.testing.assert_array_equal(got, want)
    assert np.array_equal(got[:2], want[:2])
    # overflow of a finite column's sum: nanmean's inf, not a wrong finite number
    b = np.full((4, 2), 1e308)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got_b = B._nanmean_rows(b)
    np.testing.assert_array_equal(got_b, _plain_nanmean(b))
    # no rows: NaN, as nanmean; no warning escapes (overflow and empty slices included)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(B._nanmean_rows(np.zeros((0, 3)))).all()


def test_hold_rms_cache_returns_the_computed_values() -> None:
    rng = np.random.default_rng(5)
    env = np.abs(rng.normal(10.0, 4.0, size=(6000, 5)))
    env[3000:3100, 2] = np.nan
    fs = 1000.0
    holds = [Event(1.0, 1.5, "hold", "t", "1"), Event(2.9, 1.3, "hold", "t", "2")]
    cache: dict[tuple[int, int], np.ndarray] = {}
    for ev in holds:
        i0, i1 = round(ev.onset * fs), round(ev.offset * fs)
        seg = env[i0:i1]
        want = np.sqrt(_plain_nanmean(seg * seg))
        first = B._hold_rms(env, fs, ev, cache)
        assert np.array_equal(first, want)
        assert np.array_equal(B._hold_rms(env, fs, ev), want)
        assert B._hold_rms(env, fs, ev, cache) is first  # the second call reads the cache
    assert sorted(cache) == [(1000, 2500), (2900, 4200)]
