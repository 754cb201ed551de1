"""Device and file facts the quality rules depend on (issue 10 item 8).

A Cyton at 500 or 1000 SPS is band-limited too (ADS1299 -3 dB at 0.262 x the data rate), so
its bandwidth is recorded and the spectral rule refuses; CSV columns with a unit suffix are
read in that unit.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from emgkit import io
from emgkit.errors import SignalError
from emgkit.io.csv_generic import read_csv, unit_from_name
from emgkit.io.openbci_txt import ads1299_bandwidth_hz
from emgkit.signal.spectral import median_frequency
from tests.io.iohelpers import write_gui_v6


@pytest.mark.parametrize(("fs", "bw"), [(250.0, 65.0), (500.0, 131.0), (1000.0, 262.0)])
def test_ads1299_bandwidth_follows_the_data_rate(fs: float, bw: float) -> None:
    assert ads1299_bandwidth_hz(fs) == bw  # TI ADS1299 datasheet, Table 1


@pytest.mark.parametrize("fs", [500.0, 1000.0])
def test_cyton_file_at_high_rate_is_band_limited_and_refuses_spectra(
    tmp_path: Path, fs: float
) -> None:
    p = tmp_path / "OpenBCI-RAW-fast.txt"
    write_gui_v6(p, n=4000, fs=fs)
    rec = io.read(p)
    assert rec.fs == fs
    assert rec.info.hardware_bandwidth_hz == pytest.approx(0.262 * fs, abs=0.1)
    assert rec.band_limited  # below the 400 Hz spectral metrics need, whatever the rate
    with pytest.raises(SignalError, match=r"fs >= 1000|hardware bandwidth"):
        median_frequency(
            rec.data[:, :1], rec.fs, hardware_bandwidth_hz=rec.info.hardware_bandwidth_hz
        )


@pytest.mark.parametrize(
    ("name", "unit"),
    [
        ("emg_mV", "mV"),
        ("EMG (mV)", "mV"),
        ("EMG [mV]", "mV"),
        ("emg_uV", "uV"),
        ("EMG (µV)", "µV"),
        ("EMG [V]", "V"),
        ("emg", None),
        ("glute_max_L", None),
        ("emgV", None),
    ],
)
def test_unit_from_column_name(name: str, unit: str | None) -> None:
    assert unit_from_name(name) == unit


def test_csv_columns_read_in_the_unit_their_name_states(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    x = np.round(rng.normal(0, 0.05, (500, 3)), 6)  # values as written in the file
    p = tmp_path / "units.csv"
    lines = ["time,glute_mV,ham (mV),erector [uV]"]
    lines += [f"{i / 1000:.3f},{a},{b},{c}" for i, (a, b, c) in enumerate(x)]
    p.write_text("\n".join(lines) + "\n")
    rec = read_csv(p)
    assert rec.fs == pytest.approx(1000.0)
    np.testing.assert_allclose(rec.data[:, 0], x[:, 0] * 1000.0)  # mV -> uV
    np.testing.assert_allclose(rec.data[:, 1], x[:, 1] * 1000.0)
    np.testing.assert_allclose(rec.data[:, 2], x[:, 2])  # already uV
    assert [c.units for c in rec.channels] == ["uV", "uV", "uV"]
    # an explicit units= still wins for every column
    np.testing.assert_allclose(read_csv(p, units="uV").data[:, 0], x[:, 0])
