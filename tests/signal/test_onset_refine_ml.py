"""The maximum-likelihood (variance) change point of ``refine_onset`` (``fit="ml"``).

Signals: a band-passed Gaussian carrier whose amplitude is a noise floor plus a linear ramp
starting at a known time, i.e. the model the likelihood assumes; weak slow ramps are where the
earlier least-squares envelope fit stayed late (docs/onset.md).
"""

from __future__ import annotations

import numpy as np
import pytest

from emgkit.errors import SignalError
from emgkit.signal.filters import bandpass
from emgkit.signal.onset import detect_onsets, refine_onset

FS = 1000.0
T_ON = 3.0


def _ramp(rng: np.random.Generator, top: float, ramp: float, fs: float = FS) -> np.ndarray:
    t = np.arange(round(6.0 * fs)) / fs
    amp = 3.0 + top * np.clip((t - T_ON) / ramp, 0.0, 1.0)
    return np.asarray(bandpass(amp * rng.standard_normal(t.size), fs, 20.0, min(450.0, 0.45 * fs)))


def _errors(fit: str, top: float, ramp: float, n: int = 12, seed: int = 4) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        x = _ramp(rng, top, ramp)
        det = float(np.asarray(detect_onsets(x, FS, baseline=(1.0, 2.5)))[0, 0])
        out.append(refine_onset(x, FS, det, (1.0, 2.5), earliest=2.6, fit=fit) - T_ON)
    return np.asarray(out)


def test_unknown_fit_is_refused() -> None:
    x = np.random.default_rng(0).standard_normal(3000)
    with pytest.raises(SignalError, match="fit must be one of"):
        refine_onset(x, FS, 2.0, (0.1, 1.0), fit="median")


@pytest.mark.parametrize(("fs", "fit"), [(1000.0, "ml"), (250.0, "lsq")])
def test_default_fit_follows_the_sampling_rate(fs: float, fit: str) -> None:
    rng = np.random.default_rng(2)
    x = _ramp(rng, 40.0, 0.5, fs)
    det = float(np.asarray(detect_onsets(x, fs, baseline=(1.0, 2.5)))[0, 0])
    assert refine_onset(x, fs, det, (1.0, 2.5), earliest=2.6) == refine_onset(
        x, fs, det, (1.0, 2.5), earliest=2.6, fit=fit
    )


def test_likelihood_change_point_is_unbiased_on_its_model() -> None:
    """White noise whose variance is 9 + (20 uV/s x (t - 3 s)_+)^2: a weak 600 ms ramp to 12 uV.

    Over 30 draws the change point's median lies within 15 ms of 3 s (measured +-1 to 12 ms)
    and its SD, the statistical limit of so weak a ramp, below 45 ms (measured 32-37 ms).
    """
    from emgkit.signal.onset import REFINE_BLOCK_S, _ml_change_point

    rng = np.random.default_rng(0)
    t = np.arange(6000) / FS
    cand = np.arange(2600, 3301, 2) / FS
    est = []
    for _ in range(30):
        sd = np.sqrt(9.0 + (12.0 * np.clip((t - T_ON) / 0.6, 0.0, 1.0)) ** 2)
        x = sd * rng.standard_normal(t.size)
        s0 = float(np.mean(x[1000:2500] ** 2))
        est.append(_ml_change_point(x, FS, 2600, 3360, cand, s0, [1.0], REFINE_BLOCK_S) - T_ON)
    e = np.asarray(est)
    assert abs(np.median(e)) < 0.015, e
    assert e.std() < 0.045, e


def test_weak_slow_ramp_refined_near_its_start() -> None:
    # a 600 ms ramp to 12 uV over a 3 uV floor: the threshold crosses far into the ramp
    # and stays there for tens of ms; refined: median |error| 30 ms over these 12 draws
    ml = _errors("ml", 12.0, 0.6)
    assert np.all(np.isfinite(ml))
    assert np.median(np.abs(ml)) < 0.04, ml
    assert np.all((ml > -0.1) & (ml < 0.06)), ml


def test_ordinary_ramp_stays_accurate() -> None:
    e = _errors("ml", 60.0, 0.3)
    assert np.median(np.abs(e)) < 0.02, e
    assert np.all(e > -0.06), e  # never invents an early onset here
