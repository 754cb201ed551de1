"""emg_amplitude / preprocess / remove_mains against a scipy composition of the same steps."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import signal as sps

from emgkit.errors import BandLimitWarning, SignalError
from emgkit.signal import emg_amplitude, moving_rms, preprocess, remove_mains

FS = 2000.0


def _reference(
    x: np.ndarray, fs: float, trunk: list[int], env: list[int], zero_phase: bool = True
) -> np.ndarray:
    """The chain written with scipy: per-column designs, then |.|, then moving RMS."""
    main = sps.butter(4, [20, 450], "bandpass", fs=fs, output="sos")
    t30 = sps.butter(4, [30, 450], "bandpass", fs=fs, output="sos")
    f = sps.sosfiltfilt if zero_phase else sps.sosfilt
    y = f(main, x, axis=0)
    if trunk:
        y[:, trunk] = f(t30, x[:, trunk], axis=0)
    if env:
        y[:, env] = x[:, env]
    return y


@pytest.fixture
def x() -> np.ndarray:
    rng = np.random.default_rng(11)
    return rng.standard_normal((6000, 17)) * 40 + 5


@pytest.mark.parametrize("center", [True, False])
def test_amplitude_equals_scipy_chain(x: np.ndarray, center: bool) -> None:
    trunk, env = [1, 2, 16], [5]
    raw = np.ones(17, dtype=bool)
    raw[env] = False
    got = emg_amplitude(x, FS, trunk_highpass=trunk, raw_mask=raw, center=center)
    ref = moving_rms(np.abs(_reference(x, FS, trunk, env)), FS, 0.1, center=center)
    np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-9 * ref.max())


def test_envelope_channel_skips_bandpass(x: np.ndarray) -> None:
    """An envelope (ENV) channel is only RMS-smoothed: its DC level survives."""
    env = np.abs(x[:, :2]) + 200.0
    got = emg_amplitude(env, FS, raw_mask=[False, True])
    np.testing.assert_allclose(got[:, 0], moving_rms(env[:, 0], FS, 0.1), rtol=1e-12)
    assert got[3000, 1] < 60  # the band-pass removed the 200 uV offset on the raw channel


def test_only_envelope_channels(x: np.ndarray) -> None:
    got = emg_amplitude(x[:50], FS, raw_mask=np.zeros(17, dtype=bool), rms_window=0.01)
    np.testing.assert_allclose(got, moving_rms(x[:50], FS, 0.01), rtol=1e-12)


def test_causal_amplitude_equals_scipy(x: np.ndarray) -> None:
    got = emg_amplitude(x, FS, trunk_highpass=[0], zero_phase=False, center=False)
    ref = moving_rms(np.abs(_reference(x, FS, [0], [], zero_phase=False)), FS, 0.1, center=False)
    np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-9 * ref.max())
    got_c = emg_amplitude(x, FS, zero_phase=False, center=True)
    ref_c = moving_rms(np.abs(_reference(x, FS, [], [], zero_phase=False)), FS, 0.1)
    np.testing.assert_allclose(got_c, ref_c, rtol=1e-9, atol=1e-9 * ref_c.max())


def test_preprocess_equals_filtered_signal(x: np.ndarray) -> None:
    got = preprocess(x, FS, trunk_highpass=[3], raw_mask=np.arange(17) != 4)
    ref = _reference(x, FS, [3], [4])
    np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-9 * np.abs(ref).max())


def test_amplitude_of_sine_burst() -> None:
    t = np.arange(int(3 * FS)) / FS
    a = 250.0
    x = a * np.sin(2 * np.pi * 120 * t)
    amp = emg_amplitude(x, FS)
    np.testing.assert_allclose(amp[1000:-1000], a / np.sqrt(2), rtol=2e-3)


def test_nyquist_policy() -> None:
    x = np.random.default_rng(0).standard_normal((1000, 2))
    with pytest.warns(BandLimitWarning, match="only the 20 Hz high-pass"):
        y = emg_amplitude(x, 250.0, trunk_highpass=[1])
    assert np.isfinite(y).all()
    with pytest.raises(SignalError, match="Nyquist"):
        emg_amplitude(x, 250.0, on_nyquist="raise")


def test_bad_arguments() -> None:
    x = np.zeros((1000, 2))
    with pytest.raises(SignalError, match="sampling rate"):
        emg_amplitude(x, float("nan"))
    with pytest.raises(SignalError, match="longer than the signal"):
        emg_amplitude(x[:100], FS, rms_window=0.1)
    with pytest.raises(SignalError, match="boolean mask of length"):
        emg_amplitude(x, FS, raw_mask=[True])
    with pytest.raises(SignalError, match="outside"):
        emg_amplitude(x, FS, trunk_highpass=[5])
    with pytest.raises(SignalError, match="band"):
        emg_amplitude(x, FS, band=(20.0,))  # type: ignore[arg-type]
    with pytest.raises(SignalError, match="2-D"):
        emg_amplitude(np.zeros((10, 2, 2)), FS)
    with pytest.raises(SignalError, match="NaN"):
        preprocess(np.full((1000, 1), np.nan), FS)


def test_remove_mains_is_off_by_default_and_notches() -> None:
    fs = 1000.0
    t = np.arange(int(5 * fs)) / fs
    hum = 30 * np.sin(2 * np.pi * 50 * t) + 10 * np.sin(2 * np.pi * 150 * t)
    sig = 20 * np.sin(2 * np.pi * 90 * t)
    y = remove_mains(sig + hum, fs)
    mid = slice(1000, 4000)

    def amp_at(f: float) -> float:
        e = np.exp(-2j * np.pi * f * t[mid])
        return float(2 * np.abs(np.mean(y[mid] * e)))

    assert amp_at(50) < 0.3  # from 30 uV
    assert amp_at(150) < 0.3  # from 10 uV
    # the documented bias: the 90 Hz EMG-band component loses a few percent to the notches
    assert 0.9 * 20 < amp_at(90) < 0.99 * 20
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # the default chain keeps the 50 Hz component (no notch)
        amp = emg_amplitude(hum, fs)
    assert amp[2500] == pytest.approx(np.sqrt((30**2 + 10**2) / 2), rel=0.02)
    with pytest.raises(SignalError, match="method"):
        remove_mains(hum, fs, method="adaptive")  # type: ignore[arg-type]
