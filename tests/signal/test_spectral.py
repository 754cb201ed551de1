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
