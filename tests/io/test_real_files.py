"""Every public real recording in shared/data/real opens with the right rate, channels, units."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from emgkit import io
from emgkit.io.openbci_txt import ADS1299_BANDWIDTH_HZ


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean((x - np.mean(x)) ** 2)))


def test_cyton_gui_v6_sample(real_data: Path) -> None:
    rec = io.read(real_data / "openbci-cyton-gui-sample/OpenBCI_GUI-v6-blinks-jawClench-alpha.txt")
    assert rec.fs == 250.0
    raw = rec.pick(kind="raw")
    assert raw.channel_names == [f"EXG Channel {k}" for k in range(8)]
    assert all(c.units == "uV" for c in raw.channels)
    acc = rec.pick(kind="accel")
    assert acc.n_channels == 3 and all(c.units == "g" for c in acc.channels)
    # 22,490 rows; 87 counter wraps, none of them a gap
    assert rec.n_samples == 22490
    assert rec.gaps == []
    assert rec.info.extra["counter_wraps"] == 87
    assert rec.duration == pytest.approx(89.96)
    assert rec.info.device == "cyton"
    assert rec.info.hardware_bandwidth_hz == ADS1299_BANDWIDTH_HZ
    assert rec.info.date is not None and rec.info.date.year == 2019
    assert rec.info.extra["measured_rate_hz"] == pytest.approx(250.3, abs=0.1)
    # content: first row as printed in the file; large DC offsets
    assert rec.data[0, 0] == pytest.approx(61379.36)
    assert rec.data[0, 7] == pytest.approx(1740.11)
    assert rec.data[0, 8] == pytest.approx(0.040)
    assert np.all(np.isfinite(rec.data))


def test_ganglion_v3_files(real_data: Path) -> None:
    folder = real_data / "openbci-ganglion-myoware"
    rec = io.read(folder / "OpenBCI-RAW-S05_S1R0.txt")
    assert rec.fs == 200.0
    assert rec.info.device == "ganglion"
    assert rec.info.extra["gui_generation"] == "v3/v4"
    assert rec.pick(kind="raw").n_channels == 4
    assert rec.n_samples == 26474 and rec.gaps == []
    assert rec.info.extra["counter_modulus"] == 201
    assert rec.info.extra["counter_wraps"] == 131
    assert rec.duration == pytest.approx(132.37)
    assert rec.info.hardware_bandwidth_hz is None and rec.band_limited
    ch1 = rec.data[:, 0]
    # bursts at ~34-38 s (30-80 uV) against rest ~1-2 uV: detrended RMS ratio
    from scipy.signal import detrend

    burst = _rms(detrend(ch1[6900:7500]))
    rest = _rms(detrend(ch1[4000:6000]))
    assert burst > 5 * rest
    # ch3/ch4 are not connected: all zeros
    assert np.all(rec.data[:, 2:4] == 0)
    rest_rec = io.read(folder / "OpenBCI-RAW-S05_S1REST.txt")
    assert rest_rec.n_samples == 4879 and rest_rec.fs == 200.0
    assert rest_rec.info.extra["start_time_of_day"] == "10:37:55.490"


def test_uci_lower_limb(real_data: Path) -> None:
    rec = io.read(real_data / "uci-lower-limb/3Apie.txt")
    assert rec.fs == 1000.0
    assert rec.channel_names == ["RF", "BF", "VM", "ST", "knee_angle"]
    assert [c.units for c in rec.channels] == ["uV"] * 4 + ["deg"]
    assert rec.channels[4].kind == "other"
    assert rec.channels[1].muscle == "biceps_femoris"
    assert rec.channels[3].muscle == "semitendinosus"
    assert rec.n_samples == 22124  # the tab-only trailing row is skipped
    assert rec.data[0, :4] == pytest.approx([-1.5, -0.8, 0.7, 2.2])  # mV -> uV
    bf = rec.data[:, 1]
    assert _rms(bf[2600:5600]) > 4 * _rms(bf[:2000])
    sen = io.read(real_data / "uci-lower-limb/3Asen.txt")
    assert sen.n_samples == 38971 and sen.duration == pytest.approx(38.971)


def test_biosppy_text(real_data: Path) -> None:
    rec = io.read(real_data / "biosppy-emg/emg_1.txt")
    assert rec.fs == 1000.0
    assert rec.channel_names == ["EMG"] and rec.channels[0].units == "counts"
    assert rec.duration == pytest.approx(63.88)
    x = rec.data[:, 0]
    assert 1900 < np.median(x) < 2200  # 12-bit ADC mid-scale
    assert _rms(x[15400:17100]) > 5 * _rms(x[5000:10000])
    low = io.read(real_data / "biosppy-emg/emg.txt")
    assert low.n_samples == 100000


def test_santuz_csv(real_data: Path) -> None:
    rec = io.read(real_data / "santuz-gait-13muscles/RAW_DATA_ID0012_TW_01_emg.derived.csv")
    assert rec.fs == 1000.0
    assert rec.n_channels == 13 and rec.channel_names[:3] == ["ME", "MA", "FL"]
    assert rec.n_samples == 7618
    assert rec.info.extra["first_time_s"] == pytest.approx(0.014)
    ma = rec.data[:, 1]
    # glute max bursts around touchdown (~1.4 s) vs mid-stride
    assert _rms(ma[1300:1500]) > 2 * _rms(ma[1800:2200])
    mapped = io.read(
        real_data / "santuz-gait-13muscles/RAW_DATA_ID0012_TW_01_emg.derived.csv",
        channels={"MA": ("glute_max", "right"), "BF": ("biceps_femoris", "right")},
    )
    assert mapped.channel_names == ["MA", "BF"]
    assert mapped.channels[0].muscle == "glute_max" and mapped.channels[0].side == "right"


def test_describe_real_cyton(real_data: Path) -> None:
    text = io.describe(
        real_data / "openbci-cyton-gui-sample/OpenBCI_GUI-v6-blinks-jawClench-alpha.txt"
    )
    assert "OpenBCI GUI text (v5.2+)" in text
    assert "250 Hz" in text and "22490 samples" in text
    assert "gaps:      none" in text
    assert "87 wraps" in text
    assert "band-limited" in text and "65 Hz" in text
    assert text.count(" raw ") == 8 and text.count(" accel ") == 3
