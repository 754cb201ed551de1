"""signal.mains.subtract_mains: the hum goes, the sEMG and its onsets stay."""

from __future__ import annotations

import numpy as np
import pytest

from emgkit.signal.mains import subtract_mains
from emgkit.signal.pipeline import remove_mains

FS = 1000.0


def _session(freq: float = 50.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    n = int(40 * FS)
    t = np.arange(n) / FS
    rng = np.random.default_rng(seed)
    level = np.where((t > 15) & (t < 22), 200.0, 2.0)  # 7 s hold on a 2 µV baseline
    emg = level * rng.standard_normal(n)
    hum = 100.0 * np.sin(2 * np.pi * freq * t + 0.3) + 30.0 * np.sin(2 * np.pi * 3 * freq * t)
    return emg, emg + hum


@pytest.mark.parametrize("freq", [50.0, 50.07, 60.0])
def test_hum_removed_to_below_the_noise_even_off_nominal(freq: float) -> None:
    emg, x = _session(freq)
    nominal = 60.0 if freq == 60.0 else 50.0
    y = subtract_mains(x, FS, nominal, (1, 3))
    r = (y - emg)[2000:-2000]
    # 74 µV RMS of hum in, less than 1.5 µV RMS left (the drifted line is measured, not assumed)
    assert np.sqrt(np.mean(r**2)) < 1.5


def test_no_hum_spread_before_a_contraction_unlike_a_notch() -> None:
    emg, x = _session()
    pre = slice(int(14.5 * FS), int(14.95 * FS))  # the 0.45 s before the hold starts
    y = subtract_mains(x, FS, 50.0, (1, 3))
    notched = remove_mains(x, FS, 50.0, harmonics=3)
    base = np.sqrt(np.mean(emg[pre] ** 2))  # 2 µV
    err_sub = np.sqrt(np.mean((y - emg)[pre] ** 2))
    err_notch = np.sqrt(np.mean((notched - emg)[pre] ** 2))
    assert err_sub < 0.5 * base
    assert err_notch > base  # the zero-phase notch rings the burst's 50 Hz part forward


def test_short_signal_returned_unchanged() -> None:
    x = np.random.default_rng(1).standard_normal(500)
    np.testing.assert_array_equal(subtract_mains(x, FS, 50.0), x)
