"""Spectral metrics: known spectra, the 1 kHz / 400 Hz refusals, the fatigue slope."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal as sps

from emgkit.errors import SignalError
from emgkit.signal import fatigue_slope, mean_frequency, median_frequency

FS = 2000.0


def test_sine_median_and_mean_frequency() -> None:
    t = np.arange(int(4 * FS)) / FS
    x = np.column_stack([np.sin(2 * np.pi * 100 * t), 3 * np.sin(2 * np.pi * 230 * t)])
    np.testing.assert_allclose(median_frequency(x, FS), [100, 230], atol=1.0)
    np.testing.assert_allclose(mean_frequency(x, FS), [100, 230], atol=1.0)


def test_band_limited_noise() -> None:
    """Flat noise in 60-260 Hz: median and mean frequency are the band centre, 160 Hz."""
    rng = np.random.default_rng(0)
    sos = sps.butter(10, [60, 260], "bandpass", fs=FS, output="sos")
    x = sps.sosfiltfilt(sos, rng.standard_normal((200_000, 2)), axis=0)
    np.testing.assert_allclose(median_frequency(x, FS, nperseg=2048), 160, atol=3)
    np.testing.assert_allclose(mean_frequency(x, FS, nperseg=2048), 160, atol=3)


def test_white_noise_median_is_quarter_fs() -> None:
    x = np.random.default_rng(1).standard_normal(400_000)
    assert median_frequency(x, FS, nperseg=2048)[0] == pytest.approx(FS / 4, rel=0.01)


def test_refuses_250_hz_and_band_limited_hardware() -> None:
    x = np.random.default_rng(2).standard_normal(5000)
    with pytest.raises(SignalError, match="65 Hz"):
        median_frequency(x, 250.0)
    with pytest.raises(SignalError, match="1000 Hz"):
        mean_frequency(x, 500.0)
    with pytest.raises(SignalError, match="hardware bandwidth"):
        median_frequency(x, 1000.0, hardware_bandwidth_hz=262.0)
    with pytest.raises(SignalError, match="1000 Hz"):
        fatigue_slope(x, 250.0)
    assert np.isfinite(median_frequency(x, 1000.0, hardware_bandwidth_hz=500.0)).all()


def test_fatigue_slope_of_a_falling_tone() -> None:
    """A tone gliding from 150 Hz down 1 %/s of its start: slope -1 %/s, epochs follow it."""
    dur = 20.0
    t = np.arange(int(dur * FS)) / FS
    f0, k = 150.0, -1.5  # Hz/s
    x = np.sin(2 * np.pi * (f0 * t + 0.5 * k * t**2))
    res = fatigue_slope(np.column_stack([x, x]), FS, epoch=1.0)
    assert res.values_hz.shape == (20, 2)
    np.testing.assert_allclose(res.times, np.arange(20) + 0.5)
    np.testing.assert_allclose(res.values_hz[:, 0], f0 + k * res.times, atol=2.5)
    np.testing.assert_allclose(res.slope_pct_per_s, 100 * k / f0, rtol=0.05)
    np.testing.assert_allclose(res.intercept_hz, f0, rtol=0.01)
    np.testing.assert_allclose(res.normalised_pct[0], 100 * (f0 + k * 0.5) / f0, rtol=0.02)


def test_fatigue_errors() -> None:
    x = np.random.default_rng(3).standard_normal(int(2.5 * FS))
    with pytest.raises(SignalError, match="at least 3 epochs"):
        fatigue_slope(x, FS, epoch=1.0)
    with pytest.raises(SignalError, match="metric"):
        fatigue_slope(x, FS, epoch=0.5, metric="mode")  # type: ignore[arg-type]
    with pytest.raises(SignalError, match="NaN"):
        median_frequency(np.full(3000, np.nan), FS)


def _mdf_reference(f: np.ndarray, p: np.ndarray) -> float:
    """Median frequency of one spectrum, bin by bin (the pre-vectorisation loop body)."""
    cum = np.concatenate([[0.0], np.cumsum(0.5 * (p[1:] + p[:-1]) * np.diff(f))])
    if cum[-1] <= 0:
        return float("nan")
    half = 0.5 * cum[-1]
    k = min(max(int(np.searchsorted(cum, half)), 1), len(f) - 1)
    p0, p1, h = p[k - 1], p[k], f[k] - f[k - 1]
    need, slope = half - cum[k - 1], (p1 - p0) / h
    if abs(slope) < 1e-300:
        u = need / p0 if p0 > 0 else 0.0
    else:
        u = (-p0 + np.sqrt(max(p0 * p0 + 2.0 * slope * need, 0.0))) / slope
    return float(f[k - 1] + min(max(u, 0.0), h))


@pytest.mark.parametrize(
    ("fs", "epoch", "nperseg"), [(2000.0, 1.0, None), (1000.0, 0.7, 333), (4000.0, 0.5, 256)]
)
def test_fatigue_slope_equals_per_epoch_scipy_welch(
    fs: float, epoch: float, nperseg: int | None
) -> None:
    """The batched epochs (one FFT, detrend folded into the spectrum) equal scipy.signal.welch
    with ``detrend="linear"`` run epoch by epoch, then the bin-by-bin median / centroid."""
    rng = np.random.default_rng(7)
    n = int(8.4 * fs)  # a trailing partial epoch, dropped
    # drift + offset per channel (what the detrend removes), a silent channel, a pure ramp
    t = np.arange(n)[:, None] / fs
    x = rng.normal(0, 40, (n, 5)) + 300.0 + 25.0 * t * np.array([1, -2, 0, 3, 0])
    x[:, 2] = 0.0
    x[:, 4] = 5.0 * t[:, 0]  # nothing left after the detrend
    n_ep = round(epoch * fs)
    nps = nperseg or min(n_ep, round(0.25 * fs))
    k = n // n_ep
    want_md = np.full((k, 5), np.nan)
    want_mn = np.full((k, 5), np.nan)
    for i in range(k):
        f, p = sps.welch(x[i * n_ep : (i + 1) * n_ep], fs=fs, nperseg=nps, axis=0, detrend="linear")
        for c in range(5):
            want_md[i, c] = _mdf_reference(f, p[:, c])
            if p[:, c].sum() > 0:
                want_mn[i, c] = (f * p[:, c]).sum() / p[:, c].sum()
    md = fatigue_slope(x, fs, epoch, nperseg=nperseg)
    mn = fatigue_slope(x, fs, epoch, nperseg=nperseg, metric="mean")
    assert md.values_hz.shape == (k, 5)
    # channels 2 (zero) and 4 (a ramp: detrended to rounding noise) carry no usable spectrum
    np.testing.assert_allclose(md.values_hz[:, [0, 1, 3]], want_md[:, [0, 1, 3]], rtol=1e-9)
    np.testing.assert_allclose(mn.values_hz[:, [0, 1, 3]], want_mn[:, [0, 1, 3]], rtol=1e-9)
    assert np.isnan(md.values_hz[:, 2]).all() and np.isnan(mn.values_hz[:, 2]).all()
    # the slope is the least-squares line through the epoch values
    b, a = np.polyfit(md.times, md.values_hz[:, 0], 1)
    assert md.slope_pct_per_s[0] == pytest.approx(100 * b / a, rel=1e-9)


def test_fatigue_slope_nperseg_must_fit_an_epoch() -> None:
    x = np.random.default_rng(4).standard_normal(int(4 * FS))
    with pytest.raises(SignalError, match="nperseg"):
        fatigue_slope(x, FS, epoch=1.0, nperseg=4000)
    with pytest.raises(SignalError, match="nperseg"):
        fatigue_slope(x, FS, epoch=1.0, nperseg=4)


@pytest.mark.parametrize("nc", [1, 5, 16])
def test_epoch_batches_change_no_bit(nc: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Welch spectra of a few epochs at a time equal the one-batch computation exactly."""
    from emgkit.signal import spectral

    x = np.random.default_rng(nc).standard_normal((2000 * 9 + 700, nc)) * 50.0
    x += np.linspace(0.0, 30.0, x.shape[0])[:, None]  # a trend: the detrend terms matter
    monkeypatch.setattr(spectral, "_EPOCH_BATCH", 10**6)
    one = spectral.fatigue_slope(x, 2000.0, 1.0)
    monkeypatch.setattr(spectral, "_EPOCH_BATCH", 2)
    batched = spectral.fatigue_slope(x, 2000.0, 1.0)
    assert len(one.times) == 9
    np.testing.assert_array_equal(batched.values_hz, one.values_hz)
    np.testing.assert_array_equal(batched.slope_pct_per_s, one.slope_pct_per_s)
    np.testing.assert_array_equal(batched.intercept_hz, one.intercept_hz)


def test_welch_tables_are_the_expressions_they_cache() -> None:
    from emgkit.signal import spectral as S

    for nper in (250, 500, 501):
        win, t, fw, fwt, tt = S._welch_tables(nper)
        want_win = sps.get_window("hann", nper)
        want_t = np.arange(nper, dtype=np.float64) - 0.5 * (nper - 1)
        assert np.array_equal(win, want_win) and np.array_equal(t, want_t)
        assert np.array_equal(fw, np.fft.rfft(want_win))
        assert np.array_equal(fwt, np.fft.rfft(want_win * want_t))
        assert tt == want_t @ want_t
        assert not (win.flags.writeable or t.flags.writeable or fw.flags.writeable)
        assert S._welch_tables(nper)[0] is win  # cached
