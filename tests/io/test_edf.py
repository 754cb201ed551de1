"""BDF+ writer and EDF/BDF reader: round trip, annotations, header fields, atomic writes."""

from __future__ import annotations

import errno
import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from emgkit.errors import FormatError, RecordingError
from emgkit.io import read, read_edf, write_bdf
from emgkit.io.edf import decode_annotation, encode_event, sidecar_path
from emgkit.recording import Channel, Event, Gap, Recording, SessionInfo, SignalKind


def _recording(n: int = 1234, fs: float = 250.0) -> Recording:
    rng = np.random.default_rng(7)
    data = np.column_stack(
        [
            rng.normal(0, 50, n) + 30000.0,  # Cyton-like DC offset
            rng.normal(0, 5, n),
            rng.normal(0, 0.01, n) + 0.98,  # accel in g
        ]
    )
    data[100:110, :] = np.nan
    chans = [
        Channel("glute_max_L", "glute_max", "left", device="cyton", site="SENIAM"),
        Channel("hamstrings_R", "hamstrings", "right", device="cyton"),
        Channel("accel_z", kind=SignalKind.ACCEL, units="g", device="cyton"),
    ]
    events = [
        Event(1.0, 2.0, "hold", "slb_left", "1"),
        Event(2.5, 0.0, "pain", "slb_left", "NRS 3|left"),
        Event(3.0, 0.5, "rep", "", "100%"),
    ]
    info = SessionInfo(
        subject="P007",
        session="ses-01",
        date=datetime(2026, 3, 4, 10, 11, 12, 345000, tzinfo=UTC),
        device="cyton",
        firmware="v3.1.2",
        gain=24.0,
        hardware_bandwidth_hz=65.0,
        power_line_hz=50.0,
        montage="bridge6",
        notes="test session",
        extra={"operator": "A"},
    )
    return Recording(data, fs, chans, events, [Gap(100, 10, "packet loss")], info)


def test_round_trip(tmp_path: Path) -> None:
    rec = _recording()
    f = write_bdf(rec, tmp_path / "s.bdf")
    assert f.read_bytes()[:8] == b"\xffBIOSEMI"
    back = read(f)
    assert back.fs == rec.fs and back.n_samples == rec.n_samples
    assert back.channels == rec.channels
    assert back.events == rec.events
    assert back.gaps == rec.gaps
    mask = rec.gap_mask()
    assert np.isnan(back.data[mask]).all()
    err = np.abs(back.data[~mask] - rec.data[~mask]).max(axis=0)
    # EMG: step 2A/(2^24-1) with A = max|x| rounded up -> < 0.03 uV (here A ~ 30200: 0.0036 uV)
    assert err[0] < 0.03 / 2 and err[1] < 0.03 / 2
    assert err[2] < 1e-6
    i = back.info
    assert (i.subject, i.session, i.device, i.firmware) == ("P007", "ses-01", "cyton", "v3.1.2")
    assert i.date == rec.info.date
    assert (i.gain, i.hardware_bandwidth_hz, i.power_line_hz) == (24.0, 65.0, 50.0)
    assert (i.montage, i.notes, i.extra["operator"]) == ("bridge6", "test session", "A")


def test_header_fields_without_sidecar(tmp_path: Path) -> None:
    import edfio

    rec = _recording()
    f = write_bdf(rec, tmp_path / "s.bdf", sidecar=False)
    assert not sidecar_path(f).exists()
    bdf = edfio.read_bdf(f)
    # patient field: pseudonym only
    assert bdf.local_patient_identification == "P007 X X X"
    labels = [s.label for s in bdf.signals]
    assert labels == ["glute_max_L", "hamstrings_R", "accel_z"]
    assert bdf.signals[0].prefiltering == "HP:0Hz LP:65Hz"
    assert bdf.signals[0].transducer_type == (
        "sEMG surface electrodes emgkit:m=glute_max;s=left;k=raw;site=SENIAM"
    )
    assert bdf.signals[2].transducer_type == "accelerometer emgkit:k=accel"
    assert [s.physical_dimension for s in bdf.signals] == ["uV", "uV", "g"]
    texts = sorted(a.text for a in bdf.annotations)
    assert "gap|packet loss" in texts and "hold|slb_left|1" in texts
    # the EDF header alone restores data, events, gaps, subject, device, bandwidth
    back = read_edf(f)
    assert back.n_samples == rec.n_samples
    assert back.events == rec.events and back.gaps == rec.gaps
    assert back.info.subject == "P007" and back.info.device == "cyton"
    assert back.info.hardware_bandwidth_hz == 65.0
    assert back.channels[2].kind == "accel"
    # the channel semantics are in the file itself (transducer field), not only the sidecar
    assert (back.channels[0].muscle, back.channels[0].side) == ("glute_max", "left")


def test_annotation_codec() -> None:
    ev = Event(0.0, 0.0, "a|b", "t%1", "x\x14y")
    kind, fields = decode_annotation(encode_event(ev))
    assert kind == "event" and fields == ["a|b", "t%1", "x\x14y"]
    assert decode_annotation("gap|disconnect") == ("gap", ["disconnect"])
    assert decode_annotation("Stimulus 1") == ("foreign", ["Stimulus 1"])


def test_foreign_edf(tmp_path: Path) -> None:
    import edfio

    sig = edfio.EdfSignal(
        np.sin(np.arange(512) / 10.0), 256.0, label="EMG1", physical_dimension="mV"
    )
    edf = edfio.Edf([sig], annotations=[edfio.EdfAnnotation(0.5, None, "Stimulus")])
    f = tmp_path / "x.edf"
    edf.write(f)
    rec = read(f)
    assert rec.fs == 256.0 and rec.channel_names == ["EMG1"]
    assert rec.channels[0].units == "uV"
    np.testing.assert_allclose(rec.data[:, 0], 1000 * np.sin(np.arange(512) / 10.0), atol=0.1)
    assert [(e.onset, e.label) for e in rec.events] == [(0.5, "Stimulus")]


def test_disk_full_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import edfio

    def full(self: object, target: object) -> None:
        target.write(b"0" * 100)  # type: ignore[attr-defined]
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(edfio.Bdf, "write", full)
    f = tmp_path / "s.bdf"
    with pytest.raises(RecordingError, match="disk is full") as info:
        write_bdf(_recording(), f)
    assert "No partial file" in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_failed_write_keeps_previous_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import edfio

    f = tmp_path / "s.bdf"
    write_bdf(_recording(), f, sidecar=False)
    before = f.read_bytes()

    def broken(self: object, target: object) -> None:
        raise OSError(errno.EIO, "I/O error")

    monkeypatch.setattr(edfio.Bdf, "write", broken)
    with pytest.raises(RecordingError):
        write_bdf(_recording(), f, sidecar=False)
    assert f.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["s.bdf"]


def test_sidecar_content(tmp_path: Path) -> None:
    f = write_bdf(_recording(), tmp_path / "s.bdf")
    meta = json.loads(sidecar_path(f).read_text())
    assert meta["file"] == "s.bdf" and meta["n_samples"] == 1234
    assert meta["channels"][0]["muscle"] == "glute_max"
    assert meta["info"]["date"] == "2026-03-04T10:11:12.345000+00:00"


def test_real_cyton_round_trip(tmp_path: Path, real_data: Path) -> None:
    rec = read(real_data / "openbci-cyton-gui-sample/OpenBCI_GUI-v6-blinks-jawClench-alpha.txt")
    f = write_bdf(rec, tmp_path / "c.bdf")
    back = read(f)
    assert back.n_samples == 22490 and back.channels == rec.channels
    # per channel A = ceil(max|x|) + 1, step 2A/(2^24-1): 0.0078 uV for the 65683 uV channel
    amax = np.ceil(np.abs(rec.data[:, :8]).max(axis=0)) + 1
    step = 2 * amax / (2**24 - 1)
    err = np.abs(back.data[:, :8] - rec.data[:, :8]).max(axis=0)
    assert np.all(err <= step / 2 + 1e-9)
    assert step.max() < 0.03
    assert back.info.date == rec.info.date


def test_not_an_edf(tmp_path: Path) -> None:
    f = tmp_path / "bad.edf"
    f.write_bytes(b"hello world" * 40)
    with pytest.raises(FormatError, match=r"bad\.edf"):
        read(f)
    g = tmp_path / "trunc.bdf"
    write_bdf(_recording(), g, sidecar=False)
    g.write_bytes(g.read_bytes()[:3000])
    with pytest.raises(FormatError, match=r"trunc\.bdf"):
        read(g)


def test_long_labels_fit_the_80_byte_header_fields(tmp_path: Path) -> None:
    # a long session label typed in the UI once made the BDF writer fail at finalisation
    import dataclasses

    rec = _recording()
    long_info = dataclasses.replace(
        rec.info,
        session="demo (right_inhibition, seed 1) after the second visit " * 3,
        device="emulated-arduino-with-a-very-long-device-name-" * 2,
        subject="P" * 120,
    )
    rec = Recording(rec.data, rec.fs, rec.channels, rec.events, rec.gaps, long_info)
    f = write_bdf(rec, tmp_path / "long.bdf")
    head = f.read_bytes()[:256]
    patient, recording = head[8:88].decode("ascii"), head[88:168].decode("ascii")
    assert recording.startswith("Startdate 04-MAR-2026 demo_(right_inhibitio")
    assert "emulated-arduino" in recording and recording.rstrip().endswith("emgkit n=1234")
    assert patient.startswith("P" * 74 + " X X X")
    back = read(f)  # the sidecar keeps the full values
    assert back.info.session == long_info.session and back.info.subject == "P" * 120
    plain = write_bdf(rec, tmp_path / "plain.bdf", sidecar=False)
    shortened = read(plain).info
    assert long_info.session.replace(" ", "_").startswith(shortened.session.replace(" ", "_"))
    assert len(shortened.session) >= 20


def test_reader_warnings_point_at_the_callers_line(tmp_path: Path) -> None:
    # a warning must name the user's line, not a line inside emgkit (stacklevel after refactors)
    import warnings

    f = write_bdf(_recording(), tmp_path / "t.bdf", sidecar=False)
    with f.open("ab") as fh:
        fh.write(b"\x00" * 7)  # bytes after the last data record
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        read_edf(f)
    trailing = [w for w in got if "after the last data record" in str(w.message)]
    assert trailing, [str(w.message) for w in got]
    assert all(Path(w.filename) == Path(__file__) for w in trailing), [w.filename for w in got]
