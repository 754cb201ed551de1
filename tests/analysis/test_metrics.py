"""Symmetry metrics and MVC normalisation: known answers."""

from __future__ import annotations

import numpy as np
import pytest

from emgkit.analysis.metrics import limb_symmetry_index, ratio, symmetry_angle, symmetry_index
from emgkit.analysis.normalize import best_window_mean, mvc_amplitude
from emgkit.recording import Event


def test_symmetry_angle_known_values() -> None:
    assert symmetry_angle(10, 10) == pytest.approx(0.0)
    assert symmetry_angle(0, 10) == pytest.approx(50.0)  # right only
    assert symmetry_angle(10, 0) == pytest.approx(-50.0)
    # L/R = 1/sqrt(3): arctan = 30 deg -> (45-30)/90*100 = 16.67
    assert symmetry_angle(1.0, np.sqrt(3.0)) == pytest.approx(100 * 15 / 90)
    assert np.isnan(symmetry_angle(0, 0))


def test_symmetry_index_and_lsi() -> None:
    assert symmetry_index(40, 60) == pytest.approx(40.0)
    assert limb_symmetry_index(45, 50) == pytest.approx(90.0)
    assert np.isnan(ratio(1.0, 0.0))
    assert ratio(30.0, 20.0) == pytest.approx(1.5)


def test_best_window_mean_skips_nan_windows() -> None:
    fs = 100.0
    env = np.ones(500)
    env[100:150] = 5.0  # a 0.5 s plateau of 5
    assert best_window_mean(env, fs, 0.5) == pytest.approx(5.0)
    env[120] = np.nan  # the only window at 5 now has a hole
    assert best_window_mean(env, fs, 0.5) < 5.0
    assert best_window_mean(np.array([2.0, 4.0]), fs, 0.5) == pytest.approx(3.0)


def test_mvc_takes_max_over_positions() -> None:
    fs = 100.0
    env = np.zeros(1000)
    env[100:300] = 100.0
    env[500:700] = 120.0
    holds = [Event(1.0, 2.0, "hold", "prone"), Event(5.0, 2.0, "hold", "standing")]
    amp, src = mvc_amplitude(env, fs, holds)
    assert amp == pytest.approx(120.0)
    assert src == "standing"
    amp, src = mvc_amplitude(env, fs, [])
    assert np.isnan(amp) and src == ""
