"""EDF/BDF headers are checked against the file size before anything is allocated; signals at
lower rates are kept (and named); files written by emgkit 0.1 stay readable."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from edfraw import Sig, edf_bytes

from emgkit.errors import FormatError
from emgkit.io import read


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    f = tmp_path / name
    f.write_bytes(data)
    return f


def test_valid_handmade_edf_reads(tmp_path: Path) -> None:
    f = _write(tmp_path, "ok.edf", edf_bytes([Sig()], 4, 1))
    rec = read(f)
    assert rec.n_samples == 1000 and rec.fs == 250.0
    # digital -1000..999 over +-32767 on +-1000 uV
    assert rec.data[0, 0] == pytest.approx(
        -1000 * 2000 / 65535 + (1000 - 32767 * 2000 / 65535), abs=0.05
    )


@pytest.mark.parametrize("bdf", [False, True])
def test_truncated_mid_record_is_an_error(tmp_path: Path, bdf: bool) -> None:
    full = edf_bytes([Sig(spr=256), Sig(label="EMG2", spr=256)], 90, 1, bdf=bdf)
    cut = full[: 256 * 3 + (len(full) - 768) // 2 + 100]  # 45 records and a bit
    f = _write(tmp_path, "cut.bdf" if bdf else "cut.edf", cut)
    with pytest.raises(FormatError, match=r"cut\.(b|e)df.*90 data records.*45 complete.*truncated"):
        read(f)


@pytest.mark.parametrize(
    ("n_records", "what"),
    [(-7, "record count"), (-1, "record count"), (0, "record count"), ("abc", "record count")],
)
def test_bad_record_count(tmp_path: Path, n_records: object, what: str) -> None:
    f = _write(tmp_path, "n.edf", edf_bytes([Sig()], n_records, 1, real_records=2))  # type: ignore[arg-type]
    with pytest.raises(FormatError, match=rf"n\.edf.*{what}"):
        read(f)


@pytest.mark.parametrize("duration", ["nan", "0", "-1", "1e-6", "inf", "x"])
def test_bad_record_duration(tmp_path: Path, duration: str) -> None:
    f = _write(tmp_path, "d.edf", edf_bytes([Sig(spr=1)], 4, duration, real_records=4))
    with pytest.raises(FormatError, match=r"d\.edf.*(record duration|sampling rate)"):
        read(f)


@pytest.mark.parametrize(("pmin", "pmax"), [(100, 100), ("-inf", "inf"), ("nan", 5), (-1, "x")])
def test_bad_physical_range(tmp_path: Path, pmin: object, pmax: object) -> None:
    f = _write(tmp_path, "p.edf", edf_bytes([Sig(pmin=pmin, pmax=pmax)], 2, 1))  # type: ignore[arg-type]
    with pytest.raises(FormatError, match=r"p\.edf.*(EMG.*physical|physical.*EMG)"):
        read(f)


def test_bad_digital_range(tmp_path: Path) -> None:
    f = _write(tmp_path, "g.edf", edf_bytes([Sig(dmin=10, dmax=10)], 2, 1))
    with pytest.raises(FormatError, match=r"g\.edf.*EMG.*digital"):
        read(f)


def test_absurd_samples_per_record_on_a_small_file(tmp_path: Path) -> None:
    f = _write(
        tmp_path, "big.edf", edf_bytes([Sig(spr=99_999_999)], 1, 1, real_records=0) + bytes(2300)
    )
    assert f.stat().st_size < 3000
    with pytest.raises(FormatError, match=r"big\.edf.*(99999999|truncated|sampling rate)"):
        read(f)


def test_bad_signal_count_and_header_size(tmp_path: Path) -> None:
    f = _write(tmp_path, "ns.edf", edf_bytes([Sig()], 2, 1, header_bytes=999))
    with pytest.raises(FormatError, match=r"ns\.edf.*header"):
        read(f)
    raw = bytearray(edf_bytes([Sig()], 2, 1))
    raw[252:256] = b"9999"
    f2 = _write(tmp_path, "ns2.edf", bytes(raw))
    with pytest.raises(FormatError, match=r"ns2\.edf.*(signals|header)"):
        read(f2)


def test_header_cut_short(tmp_path: Path) -> None:
    f = _write(tmp_path, "h.edf", edf_bytes([Sig()], 2, 1)[:300])
    with pytest.raises(FormatError, match=r"h\.edf.*header"):
        read(f)


def test_trailing_bytes_are_named(tmp_path: Path) -> None:
    f = _write(tmp_path, "t.edf", edf_bytes([Sig()], 2, 1) + b"\x00" * 7)
    with pytest.warns(UserWarning, match=r"t\.edf.*7 bytes after the last data record"):
        rec = read(f)
    assert rec.n_samples == 500


def test_mixed_rates_keep_every_signal(tmp_path: Path) -> None:
    # EMG at 2 kHz beside a force channel at 100 Hz and an accelerometer at 500 Hz
    n_rec = 3
    emg = np.arange(2000 * n_rec) % 2000 - 1000
    force = np.arange(100 * n_rec) * 10  # a ramp: linear interpolation is exact
    acc = np.zeros(500 * n_rec, dtype=np.int64)
    sigs = [
        Sig("EMG", 2000, "uV"),
        Sig("Force", 100, "N", 0, 32767, 0, 32767),
        Sig("Acc", 500, "g", -4, 4),
    ]
    f = _write(tmp_path, "mix.edf", edf_bytes(sigs, n_rec, 1, data=[emg, force, acc]))
    with pytest.warns(UserWarning, match=r"Force \(100 Hz\).*Acc \(500 Hz\)"):
        rec = read(f)
    assert rec.fs == 2000.0 and rec.n_samples == 6000
    assert rec.channel_names == ["EMG", "Force", "Acc"]
    j = rec.channel_index("Force")
    assert rec.channels[j].units == "N"
    # force sample k at t = k/100 s holds 10k (N, with a 1:1 scale); at t = 0.125 s -> 125
    assert rec.data[250, j] == pytest.approx(125.0, abs=0.01)
    assert rec.data[20, j] == pytest.approx(10.0, abs=0.01)
    # nothing is invented after the slow signal's last sample
    assert np.isnan(rec.data[-1, j])
    assert rec.info.extra["resampled_signals"] == {"Force": 100.0, "Acc": 500.0}
    assert "Force (100 Hz)" in rec.info.notes
    # `emgkit info` names them too
    from emgkit.io.info import describe

    assert "resampled: onto 2000 Hz" in describe(rec)
    assert "Force (100 Hz), Acc (500 Hz)" in describe(rec)


def test_mixed_rate_emg_is_not_analysed_as_emg(tmp_path: Path) -> None:
    sigs = [Sig("EMG1", 1000), Sig("EMG2", 500)]
    f = _write(tmp_path, "mix2.edf", edf_bytes(sigs, 2, 1))
    with pytest.warns(UserWarning, match=r"EMG2 \(500 Hz\)"):
        rec = read(f)
    assert [str(c.kind) for c in rec.channels] == ["raw", "other"]


def test_v0_1_bdf_with_sidecar_still_reads(tmp_path: Path) -> None:
    src = Path(__file__).parent / "data"
    for name in ("v0_1_session.bdf", "v0_1_session.bdf.json"):
        shutil.copy(src / name, tmp_path / name)
    rec = read(tmp_path / "v0_1_session.bdf")
    assert rec.n_samples == 500 and rec.fs == 250.0
    assert [(c.muscle, c.side) for c in rec.channels] == [
        ("glute_max", "left"),
        ("hamstrings", "right"),
        (None, None),
    ]
    assert rec.channels[0].site == "SENIAM"
    assert rec.info.subject == "P003" and rec.info.montage == "bridge6"
    assert [g.n_samples for g in rec.gaps] == [10]
    assert [e.label for e in rec.events] == ["hold", "pain"]


def test_converting_a_mixed_rate_file_names_the_unfilled_tail(tmp_path: Path) -> None:
    from emgkit.io import write_bdf

    sigs = [Sig("EMG", 2000), Sig("Force", 100, "N", 0, 32767, 0, 32767)]
    f = _write(tmp_path, "mix.edf", edf_bytes(sigs, 2, 1))
    with pytest.warns(UserWarning):
        rec = read(f)
    with pytest.warns(UserWarning, match=r"Force.*19 missing samples outside the gaps.*0"):
        write_bdf(rec, tmp_path / "out.bdf")


def test_info_names_what_a_reader_did_not_keep() -> None:
    from emgkit.io.info import describe
    from emgkit.recording import Channel, Recording

    rec = Recording(np.zeros((10, 1)), 250.0, [Channel("ch1")])
    assert "not kept" not in describe(rec)
    rec.info.extra["not_kept"] = ["column 'Other'", "column 'Analog Channel 0'"]
    assert "not kept:  2: column 'Other', column 'Analog Channel 0'" in describe(rec)
