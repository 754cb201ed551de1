"""The fast paths of the per-rep onsets give the reference values.

- the numba change-point kernel picks the same candidate as the numpy likelihood search
  (``_ml_change_point_numpy``, the reference and the fallback with ``EMGKIT_NUMBA=0``);
- the slice-based moving mean equals the clipped-index formula bit for bit;
- ``_detect_onsets_each`` (all channels filtered in one pass) equals one ``detect_onsets`` call
  per channel, including channels with NaN or a baseline outside the signal.
"""

from __future__ import annotations

import numpy as np
import pytest

from emgkit.signal import onset as O
from emgkit.signal._numba import NUMBA_ENABLED
from emgkit.signal.filters import bandpass


def _ramp_signal(rng: np.random.Generator, fs: float, top: float, ramp: float) -> np.ndarray:
    """3 s of band-passed noise (RMS ~3) with a ramp to ``top`` starting at 2.0 s."""
    t = np.arange(round(3.0 * fs)) / fs
    amp = 3.0 + top * np.clip((t - 2.0) / ramp, 0.0, 1.0)
    x = amp * rng.standard_normal(t.size)
    return np.asarray(bandpass(x, fs, 20.0, min(450.0, 0.45 * fs)))


def _cases(n: int, seed: int) -> list[tuple[np.ndarray, float, float]]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        fs = (500.0, 1000.0, 2000.0, 1500.0)[i % 4]
        top = float(rng.choice([4.0, 10.0, 40.0, 300.0, 3000.0]))
        ramp = float(rng.uniform(0.02, 0.8))
        out.append((_ramp_signal(rng, fs, top, ramp), fs, float(rng.uniform(2.02, 2.3))))
    return out


@pytest.mark.skipif(not NUMBA_ENABLED, reason="the kernel is the numpy reference without numba")
def test_kernel_picks_the_numpy_candidate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(O, "_use_kernel", lambda: NUMBA_ENABLED)  # the kernel, not the rule
    cases = _cases(240, seed=11)
    fast = [O.refine_onset(x, fs, on, (0.8, 1.9), earliest=1.7, fit="ml") for x, fs, on in cases]
    monkeypatch.setattr(O, "_ml_change_point", O._ml_change_point_numpy)
    ref = [O.refine_onset(x, fs, on, (0.8, 1.9), earliest=1.7, fit="ml") for x, fs, on in cases]
    assert fast == ref
    # the refinement moved most onsets (so the comparison exercised the fit)
    moved = sum(f < on for f, (_, _, on) in zip(fast, cases, strict=True))
    assert moved > 0.8 * len(cases)


@pytest.mark.skipif(not NUMBA_ENABLED, reason="the kernel is the numpy reference without numba")
@pytest.mark.parametrize("top", [1e3, 1e6])
def test_kernel_survives_huge_power_ratios(top: float, monkeypatch: pytest.MonkeyPatch) -> None:
    """Products of variance ratios up to ~1e13 per block are taken in chunks, not overflowed."""
    monkeypatch.setattr(O, "_use_kernel", lambda: True)
    rng = np.random.default_rng(3)
    fs = 2000.0
    x = _ramp_signal(rng, fs, top, 0.3)
    i_lo, i_fit = round(1.8 * fs), round(2.4 * fs)
    cand = np.arange(i_lo, round(2.1 * fs) + 1, 4) / fs
    s0 = float(np.mean(x[: round(1.5 * fs)] ** 2))
    args = (x, fs, i_lo, i_fit, cand, s0, [0.75, 1.0], O.REFINE_BLOCK_S)
    got = O._ml_change_point(*args)
    assert got == O._ml_change_point_numpy(*args)
    assert cand[0] <= got < cand[-1]  # a fit, not the no-fit fallback (the last candidate)


def _reference_window_mean(y: np.ndarray, w: int, shift: int) -> np.ndarray:
    n = y.shape[0]
    csum = np.concatenate([np.zeros((1, y.shape[1])), np.cumsum(y, axis=0)])
    idx = np.arange(n)
    lo = np.clip(idx + shift, 0, n)
    hi = np.clip(idx + shift + w, 0, n)
    out: np.ndarray = (csum[hi] - csum[lo]) / (hi - lo)[:, None]
    return out


@pytest.mark.parametrize("n", [1, 2, 7, 29, 30, 61, 1000])
def test_window_mean_is_bitwise_the_clipped_formula(n: int) -> None:
    rng = np.random.default_rng(n)
    y = rng.standard_normal((n, 3)) ** 2 * 1e3
    for w in (1, 2, 3, 10, 29, 30, 31, 60, 2000):
        for shift in (-(w // 2), -(w - 1), 0):
            got = O._window_mean(y, w, shift)
            np.testing.assert_array_equal(got, _reference_window_mean(y, w, shift))


@pytest.mark.parametrize("method", ["tkeo", "hodges_bui", "double_threshold"])
def test_detect_each_equals_one_call_per_channel(method: str) -> None:
    rng = np.random.default_rng(5)
    fs = 2000.0
    n_ch = 19  # two kernel blocks, the second partly filled
    t = np.arange(round(2.8 * fs)) / fs
    x = rng.standard_normal((t.size, n_ch)) * rng.uniform(2, 20, n_ch)
    for c in range(n_ch):
        t_on = 1.4 + 0.03 * c
        x[:, c] += 40 * (t >= t_on) * np.clip((t - t_on) / 0.2, 0, 1) * rng.standard_normal(t.size)
    x = np.asarray(bandpass(x, fs))
    x[100:110, 4] = np.nan  # a gap: that channel raises, the others do not
    bases = [(0.1 + 0.01 * c, 1.1) for c in range(n_ch)]
    bases[7] = (0.1, 9.0)  # outside the signal
    got = O._detect_onsets_each(x, fs, method, bases)
    n_found = 0
    for c in range(n_ch):
        try:
            want = np.asarray(O.detect_onsets(x[:, c], fs, method, baseline=bases[c]))
        except Exception:
            assert got[c] is None
            continue
        res = got[c]
        assert res is not None
        np.testing.assert_array_equal(res, want)
        n_found += int(res.shape[0] > 0)
    assert got[4] is None and got[7] is None
    assert n_found >= 10  # bursts found, so the comparison is not between empty results


@pytest.mark.parametrize("fs", [250.0, 1000.0, 2000.0])
def test_refine_each_equals_one_call_per_channel(fs: float) -> None:
    """Envelopes of all channels in one pass: the refined onsets of the one-channel calls."""
    rng = np.random.default_rng(int(fs))
    n_ch = 18
    sigs = [_ramp_signal(rng, fs, float(rng.choice([5.0, 15.0, 60.0])), 0.4) for _ in range(n_ch)]
    x = np.column_stack(sigs)
    bases = [(0.8 + 0.02 * c, 1.9) for c in range(n_ch)]
    onsets = np.array([float(rng.uniform(2.03, 2.3)) for _ in range(n_ch)])
    onsets[3] = np.nan  # no onset detected: stays NaN
    got = O._refine_onsets_each(x, fs, onsets, bases, 1.7)
    want = [
        float("nan")
        if np.isnan(onsets[c])
        else O.refine_onset(x[:, c], fs, onsets[c], bases[c], earliest=1.7)
        for c in range(n_ch)
    ]
    np.testing.assert_array_equal(got, want)
    assert sum(g < o for g, o in zip(got, onsets, strict=True)) > n_ch // 2  # most moved back


@pytest.mark.parametrize("fs", [250.0, 1000.0, 2000.0])
def test_steady_each_equals_one_call_per_channel(fs: float) -> None:
    """Block RMS of all channels from one copy: the windows of the one-channel calls."""
    rng = np.random.default_rng(7)
    n_ch = 20
    x = 2.0 * rng.standard_normal((round(2.8 * fs), n_ch))
    for c in range(0, n_ch, 2):  # tonic activity switching on at different times
        x[round((0.4 + 0.05 * c) * fs) :, c] *= float(rng.uniform(3.0, 8.0))
    x[5, 11] = np.nan
    base = (0.1, 1.6)
    got = O._steady_baselines_each(x, fs, base)
    want: list[tuple[float, float] | None] = []
    for c in range(n_ch):
        try:
            want.append(O.steady_baseline(x[:, c], fs, base))
        except Exception:
            want.append(None)
    assert got == want
    assert want[11] is None
    assert sum(w is not None and w[0] > base[0] for w in want) >= 5  # some windows were cut
    assert O._steady_baselines_each(x, fs, (0.1, 9.0)) == [None] * n_ch  # outside the signal


def test_intervals_each_equals_one_column_at_a_time() -> None:
    rng = np.random.default_rng(9)
    fs = 1000.0
    for n, n_ch in ((1, 1), (2, 3), (50, 4), (3000, 17)):
        # runs of random lengths: short ones dropped, close ones merged
        active = np.repeat(rng.random((n // 5 + 1, n_ch)) < 0.4, 5, axis=0)[:n]
        active ^= rng.random((n, n_ch)) < 0.02
        for min_len, gap in ((0, 0), (1, 3), (25, 50), (7, 12)):
            got = O._intervals_each(active, fs, min_len, gap)
            for c in range(n_ch):
                want = O._intervals(active[:, c], fs, min_len, gap)
                np.testing.assert_array_equal(got[c], want)
                assert got[c].shape == want.shape


@pytest.mark.skipif(not NUMBA_ENABLED, reason="no kernel without numba")
def test_kernel_only_once_numba_has_started(monkeypatch: pytest.MonkeyPatch) -> None:
    """A short process keeps the numpy reference: numba is not started for the onset fit alone."""
    from emgkit.signal import _kernels

    calls: list[str] = []
    real = O.ml_change_point_best
    monkeypatch.setattr(O, "ml_change_point_best", _Spy(real, calls))
    monkeypatch.setattr(_kernels, "numba_started", lambda kernel=None: False)
    x, fs, on = _cases(1, seed=5)[0]
    a = O.refine_onset(x, fs, on, (0.8, 1.9), earliest=1.7, fit="ml")
    assert calls == []
    monkeypatch.setattr(_kernels, "numba_started", lambda kernel=None: True)
    b = O.refine_onset(x, fs, on, (0.8, 1.9), earliest=1.7, fit="ml")
    assert calls  # the kernel ran
    assert a == b


class _Spy:
    """Records calls to a kernel; no ``signatures`` so the rule decides."""

    def __init__(self, fn: object, calls: list[str]) -> None:
        self.fn, self.calls = fn, calls

    def __call__(self, *args: object) -> object:
        self.calls.append("kernel")
        return self.fn(*args)  # type: ignore[operator]
