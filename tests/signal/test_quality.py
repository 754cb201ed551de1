"""signal.quality: one definition of flat, clipping, mains, noise floor, tonic, wander, motion."""

from __future__ import annotations

import numpy as np
import pytest

from emgkit.signal import quality as sq

FS = 1000.0


def _emg(n: int, rms: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rms * rng.standard_normal(n)


def test_flat_channel_found_and_connected_channel_not() -> None:
    x = np.column_stack([0.1 * np.ones(2000) + 0.01 * _emg(2000, 1.0), _emg(2000, 3.0)])
    assert sq.is_flat(x).tolist() == [True, False]


def test_clipping_fraction_and_the_single_rule() -> None:
    x = _emg(10_000, 100.0)
    clipped = np.clip(x, -150.0, 150.0)  # about 13 % of samples beyond 1.5 SD
    frac = sq.clipped_fraction(np.column_stack([x, clipped]))
    assert frac[0] == 0.0
    expected = np.mean(np.abs(x) >= 150.0)
    assert frac[1] == pytest.approx(expected, rel=1e-9)
    assert sq.is_clipping(frac).tolist() == [False, True]
    # 3 samples at the extremes (2 at the max, 1 at the min) are chance, not clipping
    y = x.copy()
    y[0] = y.max()
    assert sq.clipped_fraction(y)[0] == 0.0
    y[1] = y.max()  # 4: CLIP_MIN_SAMPLES
    assert sq.clipped_fraction(y)[0] == pytest.approx(4 / y.size)


def test_clipping_needs_many_levels_quiet_adc_channel_is_not_clipping() -> None:
    # a quiet channel on a coarse ADC: only 5 distinct values, many at the extremes
    rng = np.random.default_rng(1)
    q = 4.0 * np.round(rng.standard_normal(5000))
    q = np.clip(q, -8.0, 8.0)
    assert sq.clipped_fraction(q)[0] == 0.0


@pytest.mark.parametrize("line", [50.0, 60.0])
def test_mains_detected_at_its_frequency_with_harmonics(line: float) -> None:
    n = 20 * int(FS)
    t = np.arange(n) / FS
    emg = _emg(n, 20.0, 2)
    hum = 100.0 * np.sin(2 * np.pi * line * t) + 30.0 * np.sin(2 * np.pi * 3 * line * t + 1.0)
    ml = sq.mains_level(np.column_stack([emg, emg + hum]), FS)
    assert ml.freq_hz == line
    assert ml.detected.tolist() == [False, True]
    assert ml.harmonics[1] == (1, 3)
    # RMS of a 100 µV-peak sinusoid is 70.7 µV
    assert ml.uv[1] == pytest.approx(100.0 / np.sqrt(2), rel=0.1)
    assert ml.db[0] < sq.MAINS_DETECT_DB


def test_mains_level_with_a_known_line_frequency_only_checks_that_one() -> None:
    n = 10 * int(FS)
    t = np.arange(n) / FS
    x = _emg(n, 20.0, 3) + 100.0 * np.sin(2 * np.pi * 60.0 * t)
    assert not sq.mains_level(x, FS, power_line_hz=50.0).detected[0]
    assert sq.mains_level(x, FS, power_line_hz=60.0).detected[0]


def test_noise_floor_is_the_quiet_level() -> None:
    n = 10 * int(FS)
    x = _emg(n, 2.0, 4)
    x[3000:6000] += _emg(3000, 100.0, 5)
    assert sq.noise_floor(x, FS)[0] == pytest.approx(2.0, rel=0.15)


def test_tonic_fraction_relative_to_the_loudest_activity() -> None:
    n = 20 * int(FS)
    x = _emg(n, 10.0, 6)
    x[10_000:15_000] = _emg(5000, 100.0, 7)
    # rest (0-8 s) at 10 µV against a 100 µV burst: 10 %
    assert sq.tonic_fraction(x, FS, (1.0, 8.0))[0] == pytest.approx(0.1, rel=0.15)


def test_wander_level_sees_slow_drift_not_emg() -> None:
    n = 20 * int(FS)
    t = np.arange(n) / FS
    emg = _emg(n, 50.0, 8)
    drift = 300.0 * np.sin(2 * np.pi * 0.3 * t)
    w = sq.wander_level(np.column_stack([emg, emg + drift]), FS)
    assert w[0] < 10.0
    assert w[1] == pytest.approx(300.0 / np.sqrt(2), rel=0.1)


def test_motion_spikes_found_but_not_emg_bursts() -> None:
    n = 30 * int(FS)
    x = _emg(n, 3.0, 9)
    x[8000:12_000] += _emg(4000, 300.0, 10)  # a strong contraction: not motion
    k = np.arange(-150, 151) / FS
    spike = 300.0 * (k / 0.03) * np.exp(0.5 - 0.5 * (k / 0.03) ** 2)
    y = x.copy()
    for c0 in (5000, 20_000):
        y[c0 - 150 : c0 + 151] += spike
    ev = sq.motion_events(np.column_stack([x, y]), FS)
    assert ev[0].size == 0
    assert ev[1] == pytest.approx([5.0, 20.0], abs=0.1)


def test_channel_quality_uses_the_module_rules() -> None:
    n = 2 * int(FS)
    t = np.arange(n) / FS
    x = np.column_stack(
        [_emg(n, 20.0, 11), _emg(n, 20.0, 12) + 100 * np.sin(2 * np.pi * 50 * t), np.zeros(n)]
    )
    q = sq.channel_quality(x, FS)
    assert [c.flags for c in q] == ["ok", "MAINS50", "FLAT"]
    assert q[0].noise_floor_uv == pytest.approx(20.0, rel=0.2)
