"""XDF reader: files written here byte by byte (XDF 1.0 chunks), read through emgkit.io.read."""

from __future__ import annotations

import struct
import sys
from pathlib import Path

import numpy as np
import pytest
from xdfraw import (
    _chunk,
    _numeric_samples,
    _stream_header,
    _varlen,
    write_xdf,
)

from emgkit.errors import ConfigError, FormatError
from emgkit.io import detect_format, read
from emgkit.recording import SignalKind

pytest.importorskip("pyxdf", reason="pyxdf (emgkit[xdf]) not installed")


def _signal(n: int = 500, nch: int = 2) -> np.ndarray:
    rng = np.random.default_rng(5)
    # float32 values stored exactly: quarters of a microvolt
    return np.round(rng.normal(0, 40, (n, nch)) * 4) / 4


# ---------------------------------------------------------------- tests
def test_read_xdf_values_rate_markers(tmp_path: Path) -> None:
    fs = 250.0
    x = _signal()
    ts = 1000.0 + np.arange(len(x)) / fs
    f = tmp_path / "rec.xdf"
    write_xdf(f, x, ts, srate=fs, markers=([1000.4, 1001.0], ["hold start", "hold end"]))
    assert detect_format(f) == "xdf"
    rec = read(f)
    assert rec.fs == fs and rec.n_samples == len(x) and rec.channel_names == ["emg0", "emg1"]
    np.testing.assert_array_equal(rec.data, x)
    assert all(c.kind == SignalKind.RAW and c.units == "uV" for c in rec.channels)
    assert [(round(e.onset, 6), e.value) for e in rec.events] == [
        (0.4, "hold start"),
        (1.0, "hold end"),
    ]
    assert rec.gaps == [] and rec.info.extra["xdf_stream"] == "OpenBCI_EMG"
    # montage applies as for any other format
    rec2 = read(f, montage={"emg0": ("glute_max", "left"), "emg1": ("glute_max", "right")})
    assert [c.side for c in rec2.channels] == ["left", "right"]


def test_units_in_volts_are_converted(tmp_path: Path) -> None:
    x = _signal(200, 1)
    write_xdf(tmp_path / "v.xdf", x * 1e-6, 5.0 + np.arange(200) / 500.0, srate=500, unit="V")
    rec = read(tmp_path / "v.xdf")
    np.testing.assert_allclose(rec.data, x, atol=1e-4)  # float32 volts: ~1e-7 relative


def test_timestamp_jump_is_a_gap(tmp_path: Path) -> None:
    fs = 200.0
    x = _signal(300, 2)
    i = np.arange(300)
    i[150:] += 7  # 7 samples lost after sample 149
    write_xdf(tmp_path / "g.xdf", x, 20.0 + i / fs, srate=fs)
    rec = read(tmp_path / "g.xdf")
    assert rec.n_samples == 307
    assert [(g.start, g.n_samples) for g in rec.gaps] == [(150, 7)]
    assert np.isnan(rec.data[150:157]).all()
    np.testing.assert_array_equal(rec.data[157:], x[150:])


def test_lying_rate_and_stream_choice(tmp_path: Path) -> None:
    x = _signal(300, 1)
    write_xdf(tmp_path / "lie.xdf", x, np.arange(300) / 250.0, srate=500)
    with pytest.raises(FormatError, match=r"nominal_srate=500 Hz but its timestamps run at 250"):
        read(tmp_path / "lie.xdf")
    write_xdf(tmp_path / "two.xdf", x, np.arange(300) / 250.0, srate=250, extra_emg=True)
    with pytest.raises(FormatError, match=r"2 candidate EMG streams.*stream="):
        read(tmp_path / "two.xdf")
    assert read(tmp_path / "two.xdf", stream="Other_EMG").channel_names == ["ch1"]
    assert read(tmp_path / "two.xdf", stream="1").channel_names == ["emg0"]
    write_xdf(tmp_path / "eeg.xdf", x, np.arange(300) / 250.0, srate=250, typ="EEG")
    assert read(tmp_path / "eeg.xdf").n_channels == 1  # OpenBCI GUI publishes EMG as EEG


def test_damaged_and_misnamed(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xdf"
    bad.write_bytes(b"NOPE" + b"\x00" * 40)
    with pytest.raises(FormatError, match="extension says XDF"):
        read(bad)
    x = _signal(100, 1)
    f = tmp_path / "cut.xdf"
    write_xdf(f, x, np.arange(100) / 250.0, srate=250)
    f.write_bytes(f.read_bytes()[:300])  # cut inside the stream headers: no samples left
    with pytest.raises(FormatError, match=str(f.name)):
        read(f)


def test_missing_pyxdf_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    x = _signal(100, 1)
    write_xdf(tmp_path / "a.xdf", x, np.arange(100) / 250.0, srate=250)
    monkeypatch.setitem(sys.modules, "pyxdf", None)  # import pyxdf -> ImportError
    with pytest.raises(ConfigError, match=r"emgkit\[xdf\]"):
        read(tmp_path / "a.xdf")


# ---------------------------------------------------------------- structure checked first
def _emg_header(nch: int | str = 2) -> bytes:
    return (
        b"XDF:"
        + _chunk(1, b'<?xml version="1.0"?><info><version>1.0</version></info>')
        + _stream_header(1, "EMG", "EMG", nch, 250.0, "float32")  # type: ignore[arg-type]
    )


def test_truncated_xdf_is_an_error_not_shorter(tmp_path: Path) -> None:
    x = _signal(400)
    ts = 100 + np.arange(400) / 250.0
    f = tmp_path / "cut.xdf"
    write_xdf(f, x, ts, srate=250.0)
    raw = f.read_bytes()
    f.write_bytes(raw[: len(raw) - 200])  # into the second samples chunk
    with pytest.raises(FormatError, match=r"cut\.xdf.*chunk at byte \d+.*truncated"):
        read(f)


def test_absurd_channel_count_is_refused_before_allocation(tmp_path: Path) -> None:
    f = tmp_path / "ch.xdf"
    f.write_bytes(_emg_header(10**9) + _numeric_samples(1, np.array([1.0, 2.0]), np.zeros((2, 2))))
    with pytest.raises(FormatError, match=r"ch\.xdf.*1000000000 channels"):
        read(f)


def test_sample_count_larger_than_chunk_is_refused(tmp_path: Path) -> None:
    body = struct.pack("<I", 1) + _varlen(10**8) + b"\x08" + struct.pack("<d", 1.0) + bytes(8)
    f = tmp_path / "n.xdf"
    f.write_bytes(_emg_header(2) + _chunk(3, body))
    with pytest.raises(FormatError, match=r"n\.xdf.*100000000 samples"):
        read(f)
