"""``emgkit convert``: every output format, values and metadata carried, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from iohelpers import write_gui_v6

from emgkit.cli import main
from emgkit.cli.convert import out_format
from emgkit.io import read


def test_out_format_rules(tmp_path: Path) -> None:
    assert out_format("s.bdf") == "bdf" and out_format("s.CSV") == "csv"
    assert out_format(tmp_path / "root") == "bids" and out_format(tmp_path) == "bids"
    assert out_format("x.edf", "bdf") == "bdf"


def test_openbci_to_bdf_csv_and_bids(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "OpenBCI-RAW.txt"
    exg = write_gui_v6(src, n=600, drop=(300, 301, 302), markers={100: 7})
    bdf = tmp_path / "s.bdf"
    assert main(["convert", str(src), str(bdf), "--montage", "bridge8"]) == 0
    rec = read(bdf)
    orig = read(src, montage="bridge8")
    assert rec.channel_names == orig.channel_names and rec.fs == 250.0
    assert [c.muscle for c in rec.channels] == [c.muscle for c in orig.channels]
    ok = ~np.isnan(orig.data[:, :8])
    np.testing.assert_allclose(rec.data[:, :8][ok], exg[ok], atol=0.03)  # BDF step < 0.03 uV
    assert [(g.start, g.n_samples) for g in rec.gaps] == [(300, 3)]
    assert [e.onset for e in rec.events] == [e.onset for e in orig.events] == [0.4]

    csv = tmp_path / "s.csv"
    assert main(["convert", str(bdf), str(csv)]) == 0
    lines = csv.read_text().splitlines()
    assert lines[0] == "# emgkit samples: fs = 250 Hz" and lines[2].startswith("time_s,")
    back = pd.read_csv(csv, comment="#")
    assert list(back.columns) == ["time_s", *rec.channel_names]
    np.testing.assert_allclose(back["time_s"], rec.times, atol=1e-12)
    np.testing.assert_allclose(back.iloc[:, 1:], rec.data, rtol=1e-8, atol=1e-6, equal_nan=True)
    assert back.iloc[300:303, 1:].isna().all().all()  # the gap: nan cells
    # gap-free recordings read back through emgkit.io.read (rate from the time column)
    assert main(["convert", str(bdf), str(csv), "--overwrite"]) == 0
    whole = rec.crop(0, 1.2)
    from emgkit.cli.convert import write_samples_csv

    write_samples_csv(whole, tmp_path / "w.tsv")
    again = read(tmp_path / "w.tsv")
    assert again.fs == 250.0 and again.channel_names == whole.channel_names
    np.testing.assert_allclose(again.data, whole.data, rtol=1e-8, atol=1e-6)

    root = tmp_path / "bids"
    argv = ["convert", str(bdf), str(root), "--subject", "P07", "--session", "1"]
    assert main(argv) == 0
    side = root / "sub-P07/ses-1/emg/sub-P07_ses-1_task-bridge_emg.json"
    assert json.loads(side.read_text())["SamplingFrequency"] == 250.0
    assert main(argv) == 2  # exists: refuse without --overwrite
    assert "overwrite" in capsys.readouterr().err
    assert main([*argv, "--overwrite"]) == 0


def test_convert_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "OpenBCI-RAW.txt"
    write_gui_v6(src, n=100)
    assert main(["convert", str(src), str(tmp_path / "x.foo")]) == 2
    assert "cannot tell the output format" in capsys.readouterr().err
    assert main(["convert", str(src), str(tmp_path / "root")]) == 2
    assert "--subject is required" in capsys.readouterr().err
    (tmp_path / "exists.bdf").write_bytes(b"x")
    assert main(["convert", str(src), str(tmp_path / "exists.bdf")]) == 2
    assert main(["convert", str(tmp_path / "missing.txt"), str(tmp_path / "o.bdf")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_info_still_works(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "OpenBCI-RAW.txt"
    write_gui_v6(src, n=100)
    assert main(["info", str(src)]) == 0
    assert "250 Hz" in capsys.readouterr().out
