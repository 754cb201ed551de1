"""Generic CSV/TSV reader, read() dispatch and montage assignment."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from iohelpers import write_biosppy, write_gui_v6, write_uci

from emgkit.errors import ConfigError, FormatError
from emgkit.io import apply_montage, describe, detect_format, read, read_csv


def test_uci_layout(tmp_path: Path) -> None:
    f = tmp_path / "1Npie.txt"
    x = write_uci(f, n=50, trailing_blank=3)
    rec = read_csv(f)
    assert rec.fs == 1000.0 and rec.n_samples == 50
    np.testing.assert_allclose(rec.data[:, :4], x[:, :4] * 1000.0)  # mV -> uV
    np.testing.assert_allclose(rec.data[:, 4], x[:, 4])
    assert rec.channels[4].units == "deg" and rec.channels[4].kind == "other"


def test_uci_row_count_mismatch_is_truncation(tmp_path: Path) -> None:
    f = tmp_path / "u.txt"
    write_uci(f, n=50)
    lines = f.read_text().splitlines()
    f.write_text("\n".join(lines[:-10]) + "\n")
    with pytest.raises(FormatError, match=r"announces 50 values.*4[0-9] rows"):
        read_csv(f)


def test_biosppy_header(tmp_path: Path) -> None:
    f = tmp_path / "emg.txt"
    x = write_biosppy(f, n=100, fs=500.0)
    rec = read(f)
    assert rec.fs == 500.0 and rec.channel_names == ["EMG"]
    assert rec.channels[0].units == "counts"
    np.testing.assert_array_equal(rec.data[:, 0], x)
    # a scale (uV per count) converts counts to uV
    scaled = read_csv(f, scale=0.5)
    assert scaled.channels[0].units == "uV"
    np.testing.assert_array_equal(scaled.data[:, 0], x * 0.5)


def test_time_column_and_lying_header(tmp_path: Path) -> None:
    f = tmp_path / "t.csv"
    t = 0.014 + np.arange(200) / 1000.0
    body = "\n".join(f"{ti:.3f},{np.sin(i):.4f},{i}" for i, ti in enumerate(t))
    f.write_text("time,A,B\n" + body + "\n")
    rec = read(f)
    assert rec.fs == pytest.approx(1000.0) and rec.channel_names == ["A", "B"]
    with pytest.raises(
        FormatError, match=r"fs= says 1100 Hz but the time column 'time' gives 1000"
    ):
        read_csv(f, fs=1100.0)
    g = tmp_path / "h.csv"
    g.write_text("# Sampling Rate (Hz):= 2000\n" + "time,A,B\n" + body + "\n")
    with pytest.raises(FormatError, match=r"the header says 2000 Hz.*1000\.000 Hz"):
        read_csv(g)


def test_units_delimiters_and_channel_map(tmp_path: Path) -> None:
    f = tmp_path / "s.tsv"
    f.write_text("L\tR\tX\n0.001\t0.002\t5\n0.003\t0.004\t6\n")
    rec = read_csv(
        f, fs=2000.0, units="V", channels={"R": ("glute_max", "right"), "L": ("glute_max", "left")}
    )
    assert rec.channel_names == ["R", "L"]
    np.testing.assert_allclose(rec.data, [[2000.0, 1000.0], [4000.0, 3000.0]])
    assert rec.channels[0].side == "right" and rec.channels[1].muscle == "glute_max"
    with pytest.raises(ConfigError, match=r"no column\(s\) \['Q'\]"):
        read_csv(f, fs=1000.0, channels=["Q"])
    with pytest.raises(FormatError, match=r"--fs HZ on the command line \(fs=HZ in Python\)"):
        read_csv(f)
    w = tmp_path / "w.dat"
    w.write_text("1 2\n3 4\n")
    assert read_csv(w, fs=10.0).data.tolist() == [[1.0, 2.0], [3.0, 4.0]]


def test_non_numeric_cell_names_line_and_column(tmp_path: Path) -> None:
    f = tmp_path / "bad.csv"
    f.write_text("a,b\n1,2\n3,4\n5,oops\n7,8\n")
    with pytest.raises(FormatError) as info:
        read_csv(f, fs=100.0)
    msg = str(info.value)
    assert str(f) in msg and "line 4" in msg and "column 2 (b)" in msg and "'oops'" in msg


def test_read_dispatch_and_montage(tmp_path: Path) -> None:
    f = tmp_path / "OpenBCI-RAW.txt"
    write_gui_v6(f, n=100)
    assert detect_format(f) == "openbci"
    from emgkit.montage import load_montage

    m = load_montage("bridge6")
    # six bridge pairs on channels 1-6 of an 8-channel Cyton: assigned in order, 7-8 unassigned
    with pytest.warns(UserWarning, match=r"stay unassigned"):
        six = read(f, montage="bridge6")
    assert [c.name for c in six.channels[:6]] == m.channel_names
    assert [c.muscle for c in six.channels[6:8]] == [None, None]
    assert six.channels[6].name == "EXG Channel 6"
    with pytest.raises(ConfigError, match="8 channels but the recording has only 6 raw"):
        apply_montage(read(f).pick([f"EXG Channel {k}" for k in range(6)]), "bridge8")
    rec = read(f)
    sub = rec.pick([f"EXG Channel {k}" for k in range(6)] + ["Accel Channel 0"])
    assigned = apply_montage(sub, m)
    assert [c.name for c in assigned.channels[:6]] == m.channel_names
    assert [(c.muscle, c.side) for c in assigned.channels[:6]] == [
        (c.muscle, c.side) for c in m.channels
    ]
    assert assigned.channels[6].kind == "accel"
    assert assigned.channels[0].device == "cyton"
    assert assigned.info.montage == "bridge6"
    mapped = read(f, montage={"EXG Channel 2": ("erector_spinae", "left")})
    assert mapped.channels[2].muscle == "erector_spinae"
    with pytest.raises(ConfigError, match="unknown column"):
        read(f, montage={"nope": ("glute_max", "left")})
    with pytest.raises(FormatError, match=r"fs=500 Hz was given but the file says 250"):
        read(f, fs=500.0)


def test_unknown_format(tmp_path: Path) -> None:
    f = tmp_path / "x.xyz"
    f.write_text("hello\nworld\n")
    with pytest.raises(FormatError, match=r"x\.xyz: unknown format"):
        read(f)
    with pytest.raises(FormatError, match="no such file"):
        read(tmp_path / "missing.txt")


def test_describe_with_gaps_and_events(tmp_path: Path) -> None:
    f = tmp_path / "g.txt"
    write_gui_v6(f, n=600, drop=(10, 11), markers={300: 1})
    text = describe(read(f))
    assert "gaps:      1 (2 samples = 0.008 s, 0.33 % missing)" in text
    assert "at 0.040 s: 2 samples (packet loss)" in text
    assert "events:    1 (marker x1); first at 1.200 s" in text


def test_decimal_comma_semicolon_csv(tmp_path: Path) -> None:
    f = tmp_path / "de.csv"
    rows = ["Zeit;EMG1;EMG2"] + [
        f"{i / 1000:.3f};{1.5 + i:.1f};{-2.25 * i:.2f}".replace(".", ",") for i in range(50)
    ]
    f.write_text("\n".join(rows) + "\n")
    rec = read(f)
    assert rec.fs == pytest.approx(1000.0) and rec.channel_names == ["EMG1", "EMG2"]
    assert rec.data[3].tolist() == pytest.approx([4.5, -6.75])


@pytest.mark.parametrize("name", ["Zeit", "Zeit (s)", "Temps", "tiempo", "Tempo", "Tijd"])
def test_time_column_in_other_languages(tmp_path: Path, name: str) -> None:
    f = tmp_path / "t.csv"
    f.write_text(f"{name},EMG\n" + "".join(f"{i / 500:.4f},{i}\n" for i in range(40)))
    rec = read(f)
    assert rec.fs == pytest.approx(500.0) and rec.channel_names == ["EMG"]


def test_unrecognised_time_column_names_the_option(tmp_path: Path) -> None:
    f = tmp_path / "u.csv"
    f.write_text("Hora,EMG\n" + "".join(f"{i / 500:.4f},{i}\n" for i in range(40)))
    with pytest.raises(FormatError, match=r"u\.csv.*'Hora'.*time_column='Hora'.*--fs"):
        read(f)


def test_no_rate_error_names_cli_flag(tmp_path: Path) -> None:
    f = tmp_path / "n.csv"
    f.write_text("EMG\n" + "".join(f"{(-1) ** i * i}\n" for i in range(40)))
    with pytest.raises(FormatError, match=r"n\.csv.*--fs"):
        read(f)
