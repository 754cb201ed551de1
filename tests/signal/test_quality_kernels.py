"""The quality kernels (emgkit.signal._kernels._quality): numba kernel == numpy code == reference.

Each entry point has a numba kernel and a numpy implementation (used when EMGKIT_NUMBA=0); both
are run here on the same inputs and compared with each other and with a plain formulation.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
from scipy import signal as sps

from emgkit.signal._kernels import _quality as kq


def _signal(n: int = 20_011, nc: int = 5, seed: int = 0) -> npt.NDArray[np.float64]:
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, 30.0, (n, nc))
    x[:, 1] += 5000.0  # electrode offset
    x[:, 2] = np.round(x[:, 2] / 4.0) * 4.0  # ADC steps: many samples at the extremes
    x[:, 3] = np.clip(x[:, 3], -20.0, 20.0)  # clipped
    return x


@pytest.mark.parametrize("use_kernel", [True, False])
def test_column_stats_equal_plain_numpy(use_kernel: bool) -> None:
    x = _signal()
    x[7, 0] = np.nan
    x[9, 4] = np.inf
    x[:, 4][::2] = np.nan
    cnt, mx, mn, nmx, nmn, mean, ss = kq.column_stats(x, use_kernel=use_kernel)
    for c in range(x.shape[1]):
        v = x[:, c][np.isfinite(x[:, c])]
        assert cnt[c] == v.size
        assert mx[c] == v.max() and mn[c] == v.min()
        assert nmx[c] == np.count_nonzero(v == v.max())
        assert nmn[c] == np.count_nonzero(v == v.min())
        assert mean[c] == pytest.approx(v.mean(), rel=1e-12)
        assert ss[c] == pytest.approx(((v - v.mean()) ** 2).sum(), rel=1e-9)
    assert nmx[3] > 100 and nmn[3] > 100  # the clipped channel piles up at its limits


def test_column_stats_no_finite_sample() -> None:
    x = np.full((10, 2), np.nan)
    for use_kernel in (True, False):
        cnt, mx, mn, _, _, mean, ss = kq.column_stats(x, use_kernel=use_kernel)
        assert cnt.tolist() == [0, 0] and np.isnan(mean).all() and (ss == 0).all()
        assert (mx == -np.inf).all() and (mn == np.inf).all()


@pytest.mark.parametrize("d", [2, 3, 4, 8, 10])
def test_decimate3_kernel_numpy_and_fir_agree(d: int) -> None:
    x = _signal(n=4001 * d // 4 + 3)
    a = kq.decimate3(x, d, use_kernel=True)
    b = kq.decimate3(x, d, use_kernel=False)
    np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-9)
    # reference: the 3d-2 tap FIR (three d-sample means) evaluated at every sample, then
    # every d-th output, away from the ends
    h = kq.cic3_taps(d)
    assert h.size == 3 * d - 2 and h.sum() == pytest.approx(1.0)
    full = np.stack([np.convolve(x[:, c], h, mode="full") for c in range(x.shape[1])], axis=1)
    off = (h.size - 1) // 2
    j = np.arange(2, a.shape[0] - 2)
    np.testing.assert_allclose(a[j], full[j * d - off + h.size - 1], rtol=1e-12, atol=1e-9)


def test_decimate3_response_is_the_cubed_box() -> None:
    # response (sin(pi f d / fs) / (d sin(pi f / fs)))**3: -0.27 dB at 20 Hz (2 kHz, d = 8); a
    # sine at 0.9 x the decimated rate aliases onto 0.1 x and is attenuated by 57 dB
    d, fs, n = 8, 2000.0, 160_000
    t = np.arange(n) / fs

    def resp(f: float) -> float:
        return float((np.sin(np.pi * f * d / fs) / (d * np.sin(np.pi * f / fs))) ** 3)

    assert 20 * np.log10(resp(20.0)) == pytest.approx(-0.27, abs=0.01)
    assert 20 * np.log10(resp(0.9 * fs / d)) < -57.0
    for f, want in ((20.0, resp(20.0)), (0.9 * fs / d, resp(0.9 * fs / d))):
        y = kq.decimate3(np.sin(2 * np.pi * f * t)[:, None], d)[100:-100, 0]
        assert np.sqrt(2 * np.mean(y**2)) == pytest.approx(abs(want), rel=2e-3)


@pytest.mark.parametrize("seg", [1, 7, 200])
def test_window_rms_kernel_equals_numpy(seg: int) -> None:
    x = _signal()
    a = kq.window_rms(x, seg, use_kernel=True)
    b = kq.window_rms(x, seg, use_kernel=False)
    k = x.shape[0] // seg
    ref = x[: k * seg].reshape(k, seg, -1).std(axis=1)
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(a, ref, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_welch_frames_and_power_kernel_equal_numpy(dtype: type) -> None:
    x = _signal()
    nper, step, k = 1000, 500, 7
    win = np.asarray(sps.get_window("hann", nper), dtype=np.float64)
    a = np.empty((x.shape[1], k, nper), dtype=dtype)
    b = np.empty_like(a)
    kq.welch_frames(x, 300, step, win, a, use_kernel=True)
    kq.welch_frames(x, 300, step, win, b, use_kernel=False)
    tol = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol * 100)
    seg = x[300 + 2 * step : 300 + 2 * step + nper, 1]
    np.testing.assert_allclose(a[1, 2], (seg - seg.mean()) * win, rtol=tol, atol=tol * 100)
    spec = np.fft.rfft(a, axis=2)
    pa = np.zeros((x.shape[1], nper // 2 + 1))
    pb = np.zeros_like(pa)
    kq.add_power(spec, pa, use_kernel=True)
    kq.add_power(spec, pb, use_kernel=False)
    np.testing.assert_allclose(pa, pb, rtol=1e-5 if dtype == np.float32 else 1e-12)
    np.testing.assert_allclose(pa, (np.abs(spec) ** 2).sum(axis=1), rtol=1e-5)


def test_small_inputs_take_numpy_until_numba_has_started(monkeypatch: pytest.MonkeyPatch) -> None:
    # the numpy twins' rule: before numba has started in the process, an input below
    # COLD_SCIPY_BELOW elements takes the numpy code; forcing decides either way
    class Unused:
        signatures: tuple[object, ...] = ()

    monkeypatch.setattr(kq, "NUMBA_ENABLED", True)
    monkeypatch.setattr(kq, "numba_started", lambda kernel=None: False)
    assert not kq._use_kernel(Unused, 1000, None)
    assert kq._use_kernel(Unused, kq.COLD_SCIPY_BELOW, None)
    assert kq._use_kernel(Unused, 1000, True) and not kq._use_kernel(Unused, 10**9, False)
    monkeypatch.setattr(kq, "numba_started", lambda kernel=None: True)
    assert kq._use_kernel(Unused, 1000, None)
