"""signal.ecg: QRS detection that does not fire on sEMG, and template subtraction."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from emgkit import io
from emgkit.signal.ecg import detect_ecg, subtract_ecg
from emgkit.signal.filters import bandpass
from emgkit.simulate.faults import ecg_template

FS = 1000.0


def _ecg_train(n: int, fs: float, rate_bpm: float, amp: float, seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    rr = 60.0 / rate_bpm
    peaks = np.cumsum(rr * (1 + 0.03 * rng.standard_normal(int(n / fs / rr) + 2)))
    peaks = np.round(peaks * fs).astype(int)
    peaks = peaks[peaks < n]
    tpl, r = ecg_template(fs)
    train = np.zeros(n)
    train[peaks] = 1.0
    return amp * np.convolve(train, tpl)[r : r + n], peaks


def _bursty_emg(n: int, fs: float, seed: int, period_s: float) -> np.ndarray:
    """sEMG with bursts every ``period_s`` (a gait-like rhythm when it is ~1 s)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / fs
    on = (t % period_s) < 0.4 * period_s
    return np.where(on, 80.0, 3.0) * rng.standard_normal(n)


@pytest.mark.parametrize("period_s", [0.8, 1.1, 6.0])
def test_rhythmic_emg_is_not_ecg(period_s: float) -> None:
    n = int(60 * FS)
    x = _bursty_emg(n, FS, 1, period_s)
    assert not detect_ecg(x, FS)[0].detected


@pytest.mark.parametrize("fs", [1000.0, 250.0])
def test_ecg_under_emg_found_at_its_rate_and_removed(fs: float) -> None:
    n = int(60 * fs)
    emg = _bursty_emg(n, fs, 2, 6.0)
    ecg, peaks = _ecg_train(n, fs, 75.0, 300.0, 3)
    d = detect_ecg(emg + ecg, fs)[0]
    assert d.detected
    assert d.rate_bpm == pytest.approx(75.0, rel=0.08)
    # beats found at the true R peaks (within 2 samples), almost all of them
    hit = np.min(np.abs(d.r_peaks[:, None] - peaks[None, :]), axis=0) <= 2
    assert hit.mean() > 0.95
    y = subtract_ecg(emg + ecg, fs, d.r_peaks)
    lo = 30.0
    before = bandpass(ecg, fs, lo, 0.45 * fs)
    after = bandpass(y - emg, fs, lo, 0.45 * fs)
    # the ECG that survives a 30 Hz high-pass (3 µV RMS) is cut to below half the 3 µV
    # baseline noise: what is left is mostly that noise, inherited by the median templates
    # (measured 0.85 µV at 1 kHz, 1.04 µV at 250 Hz)
    res = np.sqrt(np.mean(after**2))
    assert res < 0.5 * 3.0
    assert res < 0.4 * np.sqrt(np.mean(before**2))


def test_subtraction_does_not_add_contraction_emg_to_quiet_beats() -> None:
    n = int(60 * FS)
    emg = _bursty_emg(n, FS, 4, 6.0)
    ecg, peaks = _ecg_train(n, FS, 70.0, 500.0, 5)
    y = subtract_ecg(emg + ecg, FS, peaks)
    t = np.arange(n) / FS
    quiet = (t % 6.0) > 3.0  # between bursts
    resid = bandpass(y - emg, FS, 30.0, 450.0)[quiet]
    # below half the 3 µV baseline (measured 1.1 µV: the baseline noise the median templates
    # carry); templates averaged over beats under the 80 µV bursts would add about 20 µV
    assert np.sqrt(np.mean(resid**2)) < 1.5


def test_no_ecg_found_on_real_limb_recordings(real_data: Path) -> None:
    # leg sEMG in gait (Santuz, 13 muscles, a ~1 s stride rhythm) and knee exercises (UCI):
    # none of these channels carries ECG
    for rel in (
        "santuz-gait-13muscles/RAW_DATA_ID0012_TW_01_emg.derived.csv",
        "uci-lower-limb/3Asen.txt",
        "uci-lower-limb/3Apie.txt",
    ):
        rec = io.read(real_data / rel)
        raw = [i for i, c in enumerate(rec.channels) if str(c.kind) == "raw"]
        dets = detect_ecg(np.nan_to_num(rec.data[:, raw]), rec.fs)
        assert not any(d.detected for d in dets), rel
