"""Filters: equality with scipy, frequency response, Nyquist policy, argument errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import signal as sps

from emgkit.errors import BandLimitWarning, SignalError
from emgkit.signal import (
    bandpass,
    design_bandpass,
    design_highpass,
    design_lowpass,
    highpass,
    lowpass,
    sosfilt,
    sosfiltfilt,
)
from emgkit.signal.filters import sos_padlen

DESIGNS = {
    "bp20-450@2k": sps.butter(4, [20, 450], "bandpass", fs=2000, output="sos"),
    "hp30@1k": sps.butter(4, 30, "highpass", fs=1000, output="sos"),
    "lp6@1k": sps.butter(4, 6, "lowpass", fs=1000, output="sos"),
    "lp-order1": sps.butter(1, 100, "lowpass", fs=1000, output="sos"),  # b2 == a2 == 0
    "bp-order8": sps.butter(8, [20, 100], "bandpass", fs=1000, output="sos"),  # 8 sections
    "cheby-bs": sps.cheby1(3, 1, [45, 55], "bandstop", fs=1000, output="sos"),
}
CHANNELS = [1, 3, 8, 16, 17, 48]  # 48: several full blocks (zp_wide, no RMS)


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


@pytest.mark.parametrize("name", list(DESIGNS))
@pytest.mark.parametrize("nc", CHANNELS)
def test_sosfiltfilt_equals_scipy(name: str, nc: int) -> None:
    sos = DESIGNS[name]
    rng = np.random.default_rng(nc)
    x = rng.standard_normal((1500, nc)) * 80 + 300  # DC offset exercises the edge handling
    got = sosfiltfilt(sos, x)
    assert got.shape == x.shape
    assert _rel(got, sps.sosfiltfilt(sos, x, axis=0)) < 1e-9


@pytest.mark.parametrize("name", list(DESIGNS))
@pytest.mark.parametrize("nc", CHANNELS)
def test_sosfilt_equals_scipy(name: str, nc: int) -> None:
    sos = DESIGNS[name]
    x = np.random.default_rng(100 + nc).standard_normal((1200, nc)) * 50
    assert _rel(sosfilt(sos, x), sps.sosfilt(sos, x, axis=0)) < 1e-9


def test_padlen_matches_scipy_rule() -> None:
    assert sos_padlen(DESIGNS["bp20-450@2k"]) == 3 * (2 * 4 + 1)
    # first-order low-pass: b2 and a2 are zero in its one section -> one tap fewer
    assert sos_padlen(DESIGNS["lp-order1"]) == 3 * (2 * 1 + 1 - 1)


def test_shortest_signal_accepted_is_padlen_plus_one() -> None:
    sos = DESIGNS["bp20-450@2k"]
    p = sos_padlen(sos)
    x = np.random.default_rng(0).standard_normal(p + 1)
    np.testing.assert_allclose(sosfiltfilt(sos, x), sps.sosfiltfilt(sos, x), rtol=1e-9, atol=1e-12)
    with pytest.raises(SignalError, match="too short for zero-phase"):
        sosfiltfilt(sos, x[:p])


def test_1d_in_1d_out() -> None:
    x = np.random.default_rng(1).standard_normal(800)
    y = bandpass(x, 2000.0)
    assert y.shape == (800,)
    np.testing.assert_allclose(y, bandpass(x[:, None], 2000.0)[:, 0])


def _gain(fs: float, f: float, filt, n_s: float = 4.0) -> float:  # type: ignore[no-untyped-def]
    t = np.arange(int(n_s * fs)) / fs
    x = np.sin(2 * np.pi * f * t)
    y = filt(x)
    mid = slice(len(t) // 4, 3 * len(t) // 4)
    return float(np.sqrt(np.mean(y[mid] ** 2)) / np.sqrt(np.mean(x[mid] ** 2)))


def test_bandpass_gain_pass_and_stop_band() -> None:
    fs = 2000.0

    def filt(x: np.ndarray) -> np.ndarray:
        return bandpass(x, fs)

    assert _gain(fs, 100.0, filt) == pytest.approx(1.0, abs=0.01)
    assert 20 * np.log10(_gain(fs, 2.0, filt, n_s=20.0)) < -40
    assert 20 * np.log10(_gain(fs, 900.0, filt)) < -40


def test_zero_phase_corner_is_squared_response() -> None:
    """Forward-backward squares |H|: at the design corner the gain is 0.5 (-6 dB), not 0.707."""
    fs = 2000.0
    g = _gain(fs, 450.0, lambda x: bandpass(x, fs))
    assert g == pytest.approx(0.5, abs=0.01)
    g_causal = _gain(fs, 450.0, lambda x: bandpass(x, fs, zero_phase=False))
    assert g_causal == pytest.approx(1 / np.sqrt(2), abs=0.01)


def test_zero_phase_has_no_lag() -> None:
    fs = 2000.0
    t = np.arange(4000) / fs
    x = np.sin(2 * np.pi * 100 * t)
    y = bandpass(x, fs)
    lag = np.argmax(np.correlate(y[1000:3000], x[1000:3000], "full")) - 1999
    assert lag == 0


def test_highpass_lowpass_wrappers_match_scipy() -> None:
    x = np.random.default_rng(3).standard_normal((3000, 2))
    np.testing.assert_allclose(
        highpass(x, 1000.0),
        sps.sosfiltfilt(design_highpass(1000.0), x, axis=0),
        rtol=1e-9,
        atol=1e-12,
    )
    np.testing.assert_allclose(
        lowpass(x, 1000.0, zero_phase=False),
        sps.sosfilt(design_lowpass(1000.0), x, axis=0),
        rtol=1e-9,
        atol=1e-12,
    )


def test_nyquist_adapt_warns_and_designs_highpass() -> None:
    with pytest.warns(BandLimitWarning, match="applying only the 20 Hz high-pass"):
        sos = design_bandpass(250.0)
    np.testing.assert_allclose(sos, sps.butter(4, 20, "highpass", fs=250, output="sos"))


def test_nyquist_raise() -> None:
    with pytest.raises(SignalError, match="Nyquist"):
        design_bandpass(250.0, on_nyquist="raise")
    with pytest.raises(SignalError, match="Nyquist"):
        bandpass(np.zeros(1000), 250.0, on_nyquist="raise")


@pytest.mark.parametrize("fs", [0.0, -1000.0, float("nan"), float("inf"), "abc"])
def test_bad_fs(fs: object) -> None:
    with pytest.raises(SignalError, match="sampling rate"):
        bandpass(np.zeros(1000), fs)  # type: ignore[arg-type]


def test_bad_inputs() -> None:
    with pytest.raises(SignalError, match="empty"):
        bandpass(np.zeros((0, 3)), 1000.0)
    with pytest.raises(SignalError, match="NaN"):
        bandpass(np.array([1.0, np.nan] * 200), 1000.0)
    with pytest.raises(SignalError, match=r"1-D .* or 2-D"):
        bandpass(np.zeros((100, 2, 2)), 1000.0)
    with pytest.raises(SignalError, match="order"):
        design_bandpass(1000.0, order=0)
    with pytest.raises(SignalError, match="below high corner"):
        design_bandpass(1000.0, low=300, high=200)
    with pytest.raises(SignalError, match="shape"):
        sosfilt(np.ones((2, 5)), np.zeros(100))
    bad = DESIGNS["hp30@1k"].copy()
    bad[0, 3] = 2.0
    with pytest.raises(SignalError, match="a0"):
        sosfiltfilt(bad, np.zeros(100))


@given(
    n=st.integers(min_value=40, max_value=400),
    nc=st.integers(min_value=1, max_value=20),
    scale=st.floats(min_value=1e-3, max_value=1e5),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_finite_in_finite_out_and_matches_scipy(n: int, nc: int, scale: float, seed: int) -> None:
    x = np.random.default_rng(seed).standard_normal((n, nc)) * scale
    sos = DESIGNS["bp20-450@2k"]
    y = sosfiltfilt(sos, x)
    assert np.isfinite(y).all()
    ref = sps.sosfiltfilt(sos, x, axis=0)
    np.testing.assert_allclose(y, ref, rtol=1e-9, atol=1e-9 * np.max(np.abs(ref)))


def test_no_warning_in_normal_use() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bandpass(np.random.default_rng(0).standard_normal(2000), 2000.0)


def test_designs_are_cached_but_returned_as_private_copies():
    import scipy.signal as sps

    from emgkit.signal.filters import design_bandpass, design_lowpass

    a = design_lowpass(1000.0, 50.0, 2)
    assert np.array_equal(a, sps.butter(2, 50.0, btype="lowpass", fs=1000.0, output="sos"))
    a[:] = 0.0  # a caller may modify its copy ...
    b = design_lowpass(1000.0, 50.0, 2)  # ... the next caller still gets the design
    assert np.array_equal(b, sps.butter(2, 50.0, btype="lowpass", fs=1000.0, output="sos"))
    assert b.flags.writeable
    bp = design_bandpass(2000.0, 20.0, 450.0, 4)
    ref = sps.butter(4, [20.0, 450.0], btype="bandpass", fs=2000.0, output="sos")
    assert np.array_equal(bp, ref)


@pytest.mark.parametrize("nc", [1, 16, 17])
def test_out_gives_the_same_values_and_is_returned(nc: int) -> None:
    """``out=``: same bits as a fresh result, written into and returned as the caller's array."""
    from emgkit.signal import bandpass, emg_amplitude, highpass, lowpass, preprocess, sosfilt

    x = np.random.default_rng(nc).standard_normal((3000, nc)) * 40 + 5
    trunk = [0] if nc > 1 else None
    sos = design_bandpass(2000.0)
    calls = [
        lambda **k: sosfiltfilt(sos, x, **k),
        lambda **k: sosfilt(sos, x, **k),
        lambda **k: bandpass(x, 2000.0, 10.0, 300.0, order=2, **k),
        lambda **k: highpass(x, 2000.0, **k),
        lambda **k: lowpass(x, 2000.0, 6.0, zero_phase=False, **k),
        lambda **k: preprocess(x, 2000.0, trunk_highpass=trunk, **k),
        lambda **k: emg_amplitude(x, 2000.0, trunk_highpass=trunk, raw_mask=[0], **k),
        lambda **k: emg_amplitude(x, 2000.0, zero_phase=False, center=False, **k),
    ]
    for call in calls:
        ref = call()
        out = np.full_like(x, np.nan)
        assert call(out=out) is out
        np.testing.assert_array_equal(out, ref)
        assert call(out=out) is out  # reused: same values again
        np.testing.assert_array_equal(out, ref)
    one = np.empty(3000)
    assert sosfiltfilt(sos, x[:, 0], out=one) is one
    np.testing.assert_array_equal(one, sosfiltfilt(sos, x[:, 0]))


def test_bad_out_rejected() -> None:
    from emgkit.signal import emg_amplitude

    x = np.random.default_rng(0).standard_normal((500, 4))
    sos = design_bandpass(1000.0)
    ro = np.empty((500, 4))
    ro.flags.writeable = False
    bad = [
        (np.empty((500, 3)), "shape of x"),
        (np.empty((500, 4), dtype=np.float32), "float64"),
        (np.empty((4, 500)).T, "C-contiguous"),
        (ro, "writeable"),
        ([[0.0] * 4] * 500, "float64"),
        (x, "overlap"),
        (np.empty(500), "shape of x"),
    ]
    for out, msg in bad:
        with pytest.raises(SignalError, match=msg):
            sosfiltfilt(sos, x, out=out)  # type: ignore[arg-type]
        with pytest.raises(SignalError, match=msg):
            emg_amplitude(x, 1000.0, out=out)  # type: ignore[arg-type]
    with pytest.raises(SignalError, match="shape of x"):
        sosfiltfilt(sos, x[:, 0], out=np.empty((500, 1)))
