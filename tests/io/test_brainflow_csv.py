"""BrainFlow CSV: board row layouts, gaps from package numbers, markers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from iohelpers import write_brainflow

from emgkit.errors import ConfigError, FormatError
from emgkit.io import detect_format, read, read_brainflow_csv
from emgkit.io.brainflow_csv import board_layout


@pytest.mark.parametrize(
    ("board", "fs", "nexg", "device"),
    [
        ("cyton", 250.0, 8, "cyton"),
        ("cyton_daisy", 125.0, 16, "cyton-daisy"),
        ("ganglion", 200.0, 4, "ganglion"),
    ],
)
def test_layouts(tmp_path: Path, board: str, fs: float, nexg: int, device: str) -> None:
    f = tmp_path / "BrainFlow-RAW_x.csv"
    exg = write_brainflow(f, board=board, n=420, marker_at=30)
    rec = read_brainflow_csv(f, board=board)
    assert rec.fs == fs and rec.info.device == device
    raw = rec.pick(kind="raw")
    assert raw.channel_names == [f"exg{k + 1}" for k in range(nexg)]
    np.testing.assert_allclose(raw.data, exg, atol=1e-6)
    assert rec.pick(kind="accel").data[0] == pytest.approx([0.01, -0.02, 0.99])
    assert [(e.onset, e.value) for e in rec.events] == [(pytest.approx(30 / fs), "7")]
    assert rec.gaps == []
    assert rec.info.date is not None
    assert rec.info.date.timestamp() == pytest.approx(1_700_000_000.0)
    # the board is guessed from the column count when not given
    assert detect_format(f) == "brainflow"
    assert read(f).n_channels == rec.n_channels


def test_board_ids_as_int(tmp_path: Path) -> None:
    f = tmp_path / "c.csv"
    write_brainflow(f, board="cyton", n=50)
    assert read_brainflow_csv(f, board=0).n_samples == 50
    assert board_layout("cyton")["timestamp"] == 22
    assert board_layout(2)["num_rows"] == 32
    with pytest.raises(ConfigError, match="unknown board"):
        board_layout("muse")


def test_gaps(tmp_path: Path) -> None:
    f = tmp_path / "g.csv"
    exg = write_brainflow(f, board="cyton", n=300, drop=(5, 6, 200))
    rec = read_brainflow_csv(f, board="cyton")
    assert rec.n_samples == 300
    assert [(g.start, g.n_samples) for g in rec.gaps] == [(5, 2), (200, 1)]
    keep = ~rec.gap_mask()
    np.testing.assert_allclose(rec.data[keep, :8], exg[keep], atol=1e-6)


def test_wrong_board(tmp_path: Path) -> None:
    f = tmp_path / "c.csv"
    write_brainflow(f, board="cyton", n=20)
    with pytest.raises(FormatError, match=r"24 tab-separated columns but a ganglion"):
        read_brainflow_csv(f, board="ganglion")
