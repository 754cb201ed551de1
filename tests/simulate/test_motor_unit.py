"""The motor-unit generator (Fuglevand, Winter & Patla 1993): recruitment, rate coding,
spectrum and the amplitude-excitation relation that defines its %MVC truth."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import welch

from emgkit import ConfigError
from emgkit.simulate._noise import median_frequency
from emgkit.simulate.motor_unit import MotorUnitPool, hermite_rodriguez, spike_trains

FS = 2000.0


@pytest.fixture(scope="module")
def pool() -> MotorUnitPool:
    return MotorUnitPool.draw(FS, np.random.default_rng(11))


def _ramp(seconds: float = 20.0) -> np.ndarray:
    return np.linspace(0.0, 1.0, int(seconds * FS))


def test_pool_structure_follows_fuglevand(pool: MotorUnitPool) -> None:
    thr = pool.thresholds
    assert np.all(np.diff(thr) > 0)
    assert thr[-1] / thr[0] == pytest.approx(30.0)  # recruitment range RR = 30
    assert thr[-1] == pytest.approx(0.65)
    assert pool.peak_rates[0] == pytest.approx(35.0) and pool.peak_rates[-1] == pytest.approx(25.0)
    # MUAP amplitude grows with threshold (size principle), blurred by the random depth
    assert np.corrcoef(np.arange(thr.size), np.log(pool.amplitudes))[0, 1] > 0.5


def test_recruitment_order_is_by_size_henneman(pool: MotorUnitPool) -> None:
    idx, unit = spike_trains(_ramp(), FS, pool.thresholds, pool.peak_rates, seed=1)
    first = np.full(pool.thresholds.size, np.inf)
    np.minimum.at(first, unit, idx)
    assert np.all(np.isfinite(first))  # every unit recruited on the way to full excitation
    # first spike order = threshold order = size order (ties within 2 ms allowed)
    assert np.all(np.diff(first) >= -0.002 * FS)
    # each unit starts firing when the ramp crosses its threshold
    assert np.allclose(first / FS / 20.0, pool.thresholds, atol=0.01)


def test_firing_rates_within_bounds_and_isi_cv(pool: MotorUnitPool) -> None:
    for e in (0.1, 0.5, 1.0):
        exc = np.full(int(20 * FS), e)
        idx, unit = spike_trains(exc, FS, pool.thresholds, pool.peak_rates, seed=2)
        active = np.flatnonzero(pool.thresholds <= e)
        assert set(np.unique(unit)) == set(active)  # nobody above threshold fires
        for u in active[:: max(1, active.size // 10)]:
            t = np.sort(idx[unit == u]) / FS
            isi = np.diff(t[t > 0.5])
            rate = 1.0 / isi.mean()
            assert 7.0 <= rate <= 37.0
            assert rate == pytest.approx(pool.rates(e)[u], rel=0.08)
            assert 0.15 <= isi.std() / isi.mean() <= 0.25  # Fuglevand: CV 0.2
    # rate coding: at full excitation every unit is at its peak rate
    assert np.allclose(pool.rates(1.0), pool.peak_rates)
    assert np.allclose(pool.rates(pool.thresholds[5])[5], 8.0)


def test_spectrum_median_frequency_in_semg_range(pool: MotorUnitPool) -> None:
    for e in (0.2, 0.8):
        y = pool.render(np.full(int(30 * FS), e), 1.0, seed=3)
        f, p = welch(y[int(FS) :], FS, nperseg=1024)
        mdf = median_frequency(f, p)
        assert 60.0 <= mdf <= 130.0
        f2 = np.linspace(0, FS / 2, 1025)
        assert mdf == pytest.approx(median_frequency(f2, pool.power_spectrum_shape(f2, e)), rel=0.1)


def test_rms_rises_monotonically_with_excitation_and_matches_the_model(
    pool: MotorUnitPool,
) -> None:
    levels = np.array([0.05, 0.15, 0.3, 0.5, 0.75, 1.0])
    measured = []
    for k, e in enumerate(levels):
        y = pool.render(np.full(int(20 * FS), e), 1.0, seed=10 + k)
        measured.append(float(np.sqrt(np.mean(y[int(FS) :] ** 2))))
    m = np.array(measured)
    assert np.all(np.diff(m) > 0)
    expected = pool.expected_rms(levels)
    # incoherent summation: the expected RMS is the %MVC truth of this generator
    assert np.allclose(m / expected, 1.0, atol=0.05)
    _, curve = pool.rms_curve()
    assert np.all(np.diff(curve) >= 0) and curve[0] == 0.0


def test_hermite_rodriguez_is_biphasic_with_zero_mean() -> None:
    t = np.linspace(-0.02, 0.02, 4001)
    s = hermite_rodriguez(t, 0.002)
    assert abs(s.sum()) < 1e-9 * np.abs(s).sum()
    assert t[np.argmax(s)] == pytest.approx(0.002 / np.sqrt(2), rel=0.01)


def test_invalid_pool() -> None:
    with pytest.raises(ConfigError, match="recruit_range"):
        MotorUnitPool.draw(FS, np.random.default_rng(0), recruit_range=0.5)
