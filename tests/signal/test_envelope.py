"""Envelopes: moving RMS, linear envelope, TKEO against known answers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import signal as sps

from emgkit.errors import SignalError
from emgkit.signal import linear_envelope, moving_rms, rectify, tkeo


def _ref_rms(x: np.ndarray, n: int, center: bool) -> np.ndarray:
    """Direct (slow, exact) moving RMS with truncated edges."""
    out = np.empty_like(x)
    big_n = len(x)
    for i in range(big_n):
        lo = i - n // 2 if center else i - n + 1
        a, b = max(lo, 0), min(lo + n, big_n)
        out[i] = np.sqrt(np.mean(x[a:b] ** 2, axis=0))
    return out


@pytest.mark.parametrize("center", [True, False])
@pytest.mark.parametrize("window", [0.001, 0.01, 0.0105, 0.1, 0.5])
def test_moving_rms_equals_direct(center: bool, window: float) -> None:
    fs = 1000.0
    x = np.random.default_rng(0).standard_normal((500, 3)) * 20
    n = max(1, round(window * fs))
    np.testing.assert_allclose(
        moving_rms(x, fs, window, center), _ref_rms(x, n, center), rtol=1e-11
    )


def test_rms_of_sine_is_amplitude_over_sqrt2() -> None:
    fs, a = 2000.0, 37.0
    t = np.arange(20000) / fs
    x = a * np.sin(2 * np.pi * 50 * t)  # 100 ms holds exactly 5 periods
    r = moving_rms(x, fs, 0.1)
    np.testing.assert_allclose(r[200:-200], a / np.sqrt(2), rtol=1e-10)


def test_running_sum_does_not_drift() -> None:
    """A large burst followed by a small signal: the window sum is resynchronised exactly."""
    fs = 1000.0
    rng = np.random.default_rng(5)
    x = np.concatenate([rng.standard_normal(5000) * 1e5, rng.standard_normal(200000) * 1e-2])
    r = moving_rms(x, fs, 0.1, center=False)
    tail = x[-100:]
    assert r[-1] == pytest.approx(np.sqrt(np.mean(tail**2)), rel=1e-9)


def test_linear_envelope_of_constant_amplitude_burst() -> None:
    """Rectified sine of amplitude A has mean 2A/pi; the 6 Hz envelope settles there."""
    fs, a = 1000.0, 100.0
    t = np.arange(6000) / fs
    x = np.zeros_like(t)
    burst = (t >= 2.0) & (t < 4.0)
    x[burst] = a * np.sin(2 * np.pi * 80 * t[burst])
    env = linear_envelope(x, fs)
    mid = (t > 2.6) & (t < 3.4)
    np.testing.assert_allclose(env[mid], 2 * a / np.pi, rtol=0.01)
    assert np.max(np.abs(env[t < 1.5])) < 0.01 * a
    ref = sps.sosfiltfilt(sps.butter(4, 6, fs=fs, output="sos"), np.abs(x))
    np.testing.assert_allclose(env, ref, rtol=1e-9, atol=1e-9 * a)


def test_tkeo_of_sine() -> None:
    """TKEO of A sin(w n) is A^2 sin^2(w), constant."""
    a, w = 3.0, 0.3
    x = a * np.sin(w * np.arange(1000) + 0.2)
    np.testing.assert_allclose(tkeo(x), a**2 * np.sin(w) ** 2, rtol=1e-9)


def test_tkeo_edges_and_short() -> None:
    x = np.array([[1.0, 2.0], [3.0, -1.0], [2.0, 0.5], [5.0, 4.0]])
    y = tkeo(x)
    inner = x[1:-1] ** 2 - x[:-2] * x[2:]
    np.testing.assert_allclose(y[1:-1], inner)
    np.testing.assert_allclose(y[0], inner[0])
    np.testing.assert_allclose(y[-1], inner[-1])
    np.testing.assert_allclose(tkeo(np.array([2.0, 3.0])), [4.0, 9.0])


def test_rectify() -> None:
    np.testing.assert_array_equal(rectify([-1.0, 2.0, -3.5]), [1.0, 2.0, 3.5])


def test_envelope_errors() -> None:
    with pytest.raises(SignalError, match="longer than the signal"):
        moving_rms(np.ones(50), 1000.0, 0.1)
    with pytest.raises(SignalError, match="positive duration"):
        moving_rms(np.ones(50), 1000.0, -0.1)
    with pytest.raises(SignalError, match="NaN"):
        tkeo([1.0, np.nan, 2.0])
    with pytest.raises(SignalError, match="sampling rate"):
        moving_rms(np.ones(50), 0.0, 0.01)
    with pytest.raises(SignalError, match="empty"):
        linear_envelope(np.zeros(0), 1000.0)


@given(
    n=st.integers(min_value=5, max_value=300),
    nc=st.integers(min_value=1, max_value=18),
    win=st.integers(min_value=1, max_value=5),
    center=st.booleans(),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_moving_rms_property(n: int, nc: int, win: int, center: bool, seed: int) -> None:
    x = np.random.default_rng(seed).standard_normal((n, nc)) * 1e3
    y = moving_rms(x, 1000.0, win / 1000.0, center)
    assert np.isfinite(y).all() and (y >= 0).all()
    np.testing.assert_allclose(y, _ref_rms(x, win, center), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("fs", [1000.0, 2000.0])
def test_tkeo_onset_chain_equals_fused_linear_envelope(
    fs: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``linear_envelope(tkeo(x), fs, 50, 2)`` (rectification inside the filter kernel, no
    rectified copy) equals the onset detector's ``lowpass(rectify(tkeo(x)), fs, 50, 2)`` and
    scipy's ``sosfiltfilt`` of ``|tkeo(x)|``: the swap offered to signal/onset.py."""
    from emgkit.signal import _kernels
    from emgkit.signal.filters import design_lowpass, lowpass

    monkeypatch.setattr(_kernels, "COLD_SCIPY_BELOW", 0)  # the numba kernels, even when cold

    rng = np.random.default_rng(11)
    x = rng.normal(0, 20, (int(3 * fs), 4))
    x[int(fs) : int(2 * fs)] *= 8.0  # a burst
    psi = tkeo(x)
    want = sps.sosfiltfilt(design_lowpass(fs, 50.0, 2), np.abs(psi), axis=0)
    chain = lowpass(rectify(psi), fs, 50.0, 2)
    fused = linear_envelope(psi, fs, 50.0, 2)
    scale = np.abs(want).max()
    np.testing.assert_allclose(chain, want, rtol=0, atol=1e-12 * scale)
    np.testing.assert_allclose(fused, want, rtol=0, atol=1e-12 * scale)
