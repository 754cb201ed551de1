"""OpenBCI GUI text: every generation, wraps versus gaps, markers, lying headers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from iohelpers import write_gui_v4, write_gui_v6, write_gui_v50

from emgkit.errors import FormatError
from emgkit.io import read, read_openbci_txt
from emgkit.io._gaps import find_counter_gaps


def test_v6_no_gaps_values_exact(tmp_path: Path) -> None:
    f = tmp_path / "OpenBCI-RAW-a.txt"
    exg = write_gui_v6(f, n=600)
    rec = read_openbci_txt(f)
    assert rec.n_samples == 600 and rec.gaps == []
    assert rec.info.extra["counter_wraps"] == 2  # 600 samples: counter wraps at 256 and 512
    np.testing.assert_array_equal(rec.data[:, :8], exg)
    assert rec.pick(kind="accel").data[0] == pytest.approx([0.040, 0.420, 0.238])
    assert rec.info.date is not None
    assert rec.info.date.timestamp() == pytest.approx(1_700_000_000.0)


def test_v6_lost_samples_become_nan_rows_and_gaps(tmp_path: Path) -> None:
    f = tmp_path / "g.txt"
    exg = write_gui_v6(f, n=600, drop=(10, 11, 12, 300))
    rec = read(f)
    assert rec.n_samples == 600  # time base stays uniform
    assert [(g.start, g.n_samples) for g in rec.gaps] == [(10, 3), (300, 1)]
    mask = rec.gap_mask()
    assert np.isnan(rec.data[mask]).all()
    np.testing.assert_array_equal(rec.data[~mask, :8], exg[~mask])


def test_loss_of_a_whole_counter_cycle_seen_through_timestamps(tmp_path: Path) -> None:
    # 256 + 4 samples lost: the counter alone says 4, the timestamps say 260
    f = tmp_path / "cycle.txt"
    drop = tuple(range(100, 360))
    exg = write_gui_v6(f, n=800, drop=drop)
    rec = read(f)
    assert [(g.start, g.n_samples) for g in rec.gaps] == [(100, 260)]
    assert rec.n_samples == 800
    np.testing.assert_array_equal(rec.data[360:, :8], exg[360:])


def test_markers_become_events(tmp_path: Path) -> None:
    f = tmp_path / "m.txt"
    write_gui_v6(f, n=300, markers={50: 1, 125: 2.5})
    rec = read(f)
    assert [(e.onset, e.label, e.value) for e in rec.events] == [
        (0.2, "marker", "1"),
        (0.5, "marker", "2.5"),
    ]


def test_v50_other_columns_by_board_layout(tmp_path: Path) -> None:
    f = tmp_path / "v50.txt"
    exg = write_gui_v50(f)
    rec = read(f)
    assert rec.info.extra["gui_generation"] == "v5.0-5.1"
    np.testing.assert_array_equal(rec.pick(kind="raw").data, exg)
    acc = rec.pick(kind="accel")
    assert acc.n_channels == 3
    assert acc.data[0] == pytest.approx([0.1, -0.2, 0.98])
    assert [(e.onset, e.value) for e in rec.events] == [(0.4, "3")]


@pytest.mark.parametrize(
    ("fs", "nch", "modulus", "device"),
    [(250.0, 8, 256, "cyton"), (125.0, 16, 256, "cyton-daisy"), (200.0, 4, 201, "ganglion")],
)
def test_v4_without_column_line(
    tmp_path: Path, fs: float, nch: int, modulus: int, device: str
) -> None:
    f = tmp_path / "v4.txt"
    exg = write_gui_v4(f, n=450, fs=fs, nch=nch, modulus=modulus, drop=(7,))
    rec = read(f)
    assert rec.fs == fs and rec.info.device == device
    assert rec.pick(kind="raw").n_channels == nch
    assert rec.pick(kind="accel").n_channels == 3
    assert [(g.start, g.n_samples) for g in rec.gaps] == [(7, 1)]
    good = np.ones(450, bool)
    good[7] = False
    np.testing.assert_array_equal(rec.pick(kind="raw").data[good], exg[good])
    assert rec.info.extra["counter_modulus"] == modulus
    bw = rec.info.hardware_bandwidth_hz
    # 65 Hz: the ADS1299 sinc3 at 250 SPS; 46 Hz: Daisy rows also average pairs (as the live
    # Cyton parser records it)
    expected_bw = {"cyton": 65.0, "cyton-daisy": 46.0}.get(device)
    assert bw == expected_bw
    assert rec.info.date is not None  # from the Unix ms column


def test_v4_time_string_only_keeps_time_of_day(tmp_path: Path) -> None:
    f = tmp_path / "v3.txt"
    write_gui_v4(f, n=100, fs=200.0, nch=4, modulus=201, unix_ms=False)
    rec = read(f)
    assert rec.info.date is None
    assert rec.info.extra["start_time_of_day"] == "10:00:00.000"


def test_ganglion_counter_0_to_100() -> None:
    counter = np.arange(350) % 101
    cg = find_counter_gaps(counter.astype(float), 200.0, 101)
    assert cg.gaps == [] and cg.n_wraps == 3
    counter = np.delete(counter, [50, 51])
    cg = find_counter_gaps(counter.astype(float), 200.0, 101)
    assert [(g.start, g.n_samples) for g in cg.gaps] == [(50, 2)]


def test_daisy_counter_step_two() -> None:
    # BrainFlow-style Daisy package numbers advance by 2
    counter = (np.arange(300) * 2) % 256
    cg = find_counter_gaps(counter.astype(float), 125.0, 256)
    assert cg.step == 2 and cg.gaps == []
    counter = np.delete(counter, [10])
    cg = find_counter_gaps(counter.astype(float), 125.0, 256)
    assert [(g.start, g.n_samples) for g in cg.gaps] == [(10, 1)]


def test_header_rate_disagreeing_with_timestamps(tmp_path: Path) -> None:
    f = tmp_path / "lie.txt"
    write_gui_v6(f, n=3000, fs=250.0, header_fs=500.0)
    with pytest.raises(FormatError, match=r"500 Hz but the timestamps give 250"):
        read(f)


def test_number_of_channels_lie(tmp_path: Path) -> None:
    f = tmp_path / "n.txt"
    write_gui_v6(f, n=20)
    text = f.read_text().replace("%Number of channels = 8", "%Number of channels = 4")
    f.write_text(text)
    with pytest.raises(FormatError, match=r"Number of channels = 4.*8 EXG columns"):
        read(f)


def test_truncated_last_row(tmp_path: Path) -> None:
    f = tmp_path / "t.txt"
    write_gui_v6(f, n=50)
    data = f.read_bytes()
    f.write_bytes(data[: len(data) - 60])  # cut in the middle of the last row
    with pytest.raises(FormatError, match=str(f)):
        read(f)
    rec = read_openbci_txt(f, strict=False)
    assert rec.n_samples == 49


def test_v5_sample_layout_leading_zero_row_is_not_a_sample(tmp_path: Path) -> None:
    from iohelpers import write_gui_v5_sample_layout

    f = tmp_path / "v5.txt"
    exg = write_gui_v5_sample_layout(f, n=700)
    rec = read(f)
    assert rec.n_samples == 700 and rec.gaps == []
    np.testing.assert_allclose(rec.data[:, :8], exg, atol=1e-9)
    assert rec.info.extra["counter_wraps"] == 2
    assert rec.info.extra["leading_zero_rows_dropped"] == 1
    assert rec.info.date is not None and rec.info.date.timestamp() == pytest.approx(1557936053.329)
    assert [c.name for c in rec.channels][8:] == [f"Accel Channel {k}" for k in range(3)]


@pytest.mark.parametrize("writer", ["v6", "v50", "v4"])
def test_leading_zero_row_every_generation(tmp_path: Path, writer: str) -> None:
    import iohelpers

    f = tmp_path / "g.txt"
    fn = {
        "v6": iohelpers.write_gui_v6,
        "v50": iohelpers.write_gui_v50,
        "v4": iohelpers.write_gui_v4,
    }
    exg = fn[writer](f, n=300)
    lines = f.read_text().splitlines()
    first = next(i for i, ln in enumerate(lines) if ln[:1].isdigit())
    ncells = len(lines[first].split(","))
    lines.insert(first, ",".join(["0.0"] * ncells))
    f.write_text("\n".join(lines) + "\n")
    rec = read(f)
    assert rec.n_samples == 300 and rec.gaps == []
    np.testing.assert_allclose(rec.data[:, :8], exg[:, :8], atol=1e-9)


def test_columns_not_read_are_named(tmp_path: Path) -> None:
    f = tmp_path / "v6.txt"
    write_gui_v6(f, n=50)
    rec = read(f)
    assert rec.info.extra["not_kept"] == [
        "Not Used",
        "Digital Channel 0 (D11)",
        "Digital Channel 1 (D12)",
        "Digital Channel 2 (D13)",
        "Digital Channel 3 (D14)",
        "Not Used",
        "Digital Channel 4 (D18)",
        "Analog Channel 0",
        "Analog Channel 1",
        "Analog Channel 2",
        "Timestamp (Formatted)",
    ]
