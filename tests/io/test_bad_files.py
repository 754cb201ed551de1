"""Bad files: empty, binary, UTF-16, truncated, malformed; hypothesis fuzzing of text readers.

Every failure must be a FormatError that names the file; a mutated file either parses into a
valid Recording or raises FormatError, never another exception.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from iohelpers import write_biosppy, write_brainflow, write_gui_v4, write_gui_v6, write_uci

from emgkit.errors import FormatError
from emgkit.io import read, read_brainflow_csv, read_csv, read_openbci_txt
from emgkit.recording import Recording


@pytest.mark.parametrize("reader", [read, read_openbci_txt, read_csv])
def test_empty_file(tmp_path: Path, reader: Callable[..., Recording]) -> None:
    f = tmp_path / "empty.txt"
    f.write_bytes(b"")
    with pytest.raises(FormatError, match=r"empty\.txt.*empty"):
        reader(f)


def test_utf16_file(tmp_path: Path) -> None:
    f = tmp_path / "u16.txt"
    write_gui_v6(f, n=10)
    f.write_bytes(f.read_text().encode("utf-16"))
    with pytest.raises(FormatError, match=r"u16\.txt.*UTF-16.*save it as UTF-8"):
        read(f)


def test_binary_junk(tmp_path: Path) -> None:
    f = tmp_path / "junk.txt"
    f.write_bytes(np.random.default_rng(0).integers(0, 256, 4000, dtype=np.uint8).tobytes())
    with pytest.raises(FormatError, match=r"junk\.txt.*(binary|junk)"):
        read(f)


def test_header_only(tmp_path: Path) -> None:
    f = tmp_path / "h.txt"
    write_gui_v6(f, n=0)
    with pytest.raises(FormatError, match=r"h\.txt.*no data rows"):
        read(f)


def test_malformed_gui_cell(tmp_path: Path) -> None:
    f = tmp_path / "m.txt"
    write_gui_v6(f, n=30)
    lines = f.read_text().splitlines()
    cells = lines[20].split(",")
    cells[3] = " 12.3.4"
    lines[20] = ",".join(cells)
    f.write_text("\n".join(lines) + "\n")
    with pytest.raises(FormatError) as info:
        read(f)
    msg = str(info.value)
    assert "m.txt, line 21" in msg and "column 4 (EXG Channel 2)" in msg and "12.3.4" in msg


def test_extra_field_row(tmp_path: Path) -> None:
    f = tmp_path / "x.csv"
    write_brainflow(f, n=20)
    lines = f.read_text().splitlines()
    lines[5] += "\t1.0"
    f.write_text("\n".join(lines) + "\n")
    with pytest.raises(FormatError, match=r"x\.csv, line 6: expected 24 fields, found 25"):
        read_brainflow_csv(f, board="cyton")


def test_no_half_read_recording_on_truncation(tmp_path: Path) -> None:
    f = tmp_path / "b.csv"
    write_brainflow(f, n=40)
    raw = f.read_bytes()
    f.write_bytes(raw[: len(raw) - 37])
    with pytest.raises(FormatError, match=r"b\.csv.*(truncated|fields)"):
        read_brainflow_csv(f, board="cyton")


# ------------------------------------------------------------------ fuzzing
def _seed_files() -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        makers: dict[str, Callable[[Path], object]] = {
            "v6.txt": lambda p: write_gui_v6(p, n=40, markers={5: 1}),
            "v4.txt": lambda p: write_gui_v4(p, n=40, fs=200.0, nch=4, modulus=201),
            "bf.csv": lambda p: write_brainflow(p, n=30),
            "uci.txt": lambda p: write_uci(p, n=30),
            "bio.txt": lambda p: write_biosppy(p, n=40),
        }
        for name, make in makers.items():
            make(root / name)
            out[name] = (root / name).read_bytes()
    return out


SEEDS = _seed_files()

mutation = st.one_of(
    st.tuples(st.just("delete"), st.integers(0, 10_000), st.integers(1, 40)),
    st.tuples(st.just("insert"), st.integers(0, 10_000), st.binary(min_size=1, max_size=12)),
    st.tuples(st.just("replace"), st.integers(0, 10_000), st.binary(min_size=1, max_size=6)),
    st.tuples(st.just("truncate"), st.integers(0, 10_000), st.just(0)),
    st.tuples(
        st.just("text"),
        st.integers(0, 10_000),
        st.sampled_from([",", "\t", "\n", "%", "nan", "-", "1e999", "abc", " ", "#", "''"]),
    ),
)


def _mutate(data: bytes, ops: list[tuple[str, int, object]]) -> bytes:
    b = bytearray(data)
    for op, pos, arg in ops:
        i = pos % (len(b) + 1)
        if op == "delete":
            del b[i : i + int(arg)]  # type: ignore[call-overload]
        elif op == "insert":
            b[i:i] = arg  # type: ignore[assignment]
        elif op == "replace":
            b[i : i + len(arg)] = arg  # type: ignore[arg-type]
        elif op == "truncate":
            del b[i:]
        else:
            b[i:i] = str(arg).encode()
    return bytes(b)


@settings(max_examples=150, deadline=None)
@given(name=st.sampled_from(sorted(SEEDS)), ops=st.lists(mutation, min_size=1, max_size=4))
def test_fuzz_text_readers(name: str, ops: list[tuple[str, int, object]]) -> None:
    data = _mutate(SEEDS[name], ops)
    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / name
        f.write_bytes(data)
        try:
            rec = read(f)
        except FormatError as exc:
            assert str(f) in str(exc)
            return
        assert isinstance(rec, Recording)
        assert rec.n_samples > 0 and rec.fs > 0
        assert rec.data.shape == (rec.n_samples, rec.n_channels)
        mask = rec.gap_mask()
        assert np.isnan(rec.data[mask]).all()


def test_chunked_parsing_matches_and_reports_absolute_lines(tmp_path: Path) -> None:
    from emgkit.io.base import read_numeric_table

    f = tmp_path / "big.csv"
    exg = write_brainflow(f, n=100)
    whole = read_numeric_table(f, skip_lines=0, delimiter="\t", ncols=24, usecols=range(1, 9))
    chunked = read_numeric_table(
        f, skip_lines=0, delimiter="\t", ncols=24, usecols=range(1, 9), chunk_rows=7
    )
    np.testing.assert_array_equal(whole, chunked)
    np.testing.assert_allclose(chunked, exg, atol=1e-6)
    lines = f.read_text().splitlines()
    lines[80] += "\t1.0"
    f.write_text("\n".join(lines) + "\n")
    with pytest.raises(FormatError, match=r"big\.csv, line 81: expected 24 fields, found 25"):
        read_numeric_table(f, skip_lines=0, delimiter="\t", ncols=24, chunk_rows=7)


def test_utf16_without_bom_and_latin1(tmp_path: Path) -> None:
    f = tmp_path / "le.txt"
    f.write_bytes("a,b\n1,2\n".encode("utf-16-le"))
    with pytest.raises(FormatError, match="UTF-16"):
        read_csv(f, fs=10.0)
    g = tmp_path / "latin1.csv"
    g.write_bytes("# Probe: M\xfcller-Elektrode\na,b\n1,2\n3,4\n".encode("latin-1"))
    rec = read_csv(g, fs=10.0)
    assert rec.data.tolist() == [[1.0, 2.0], [3.0, 4.0]]


def test_corrupt_counter_value(tmp_path: Path) -> None:
    f = tmp_path / "c.txt"
    write_gui_v6(f, n=30)
    lines = f.read_text().splitlines()
    lines[15] = "300" + lines[15][lines[15].index(",") :]
    f.write_text("\n".join(lines) + "\n")
    with pytest.raises(FormatError, match=r"c\.txt, line 16: .*sample index 300 is not an integer"):
        read(f)


@pytest.mark.parametrize("name", ["one_line.csv", "one_line.txt"])
def test_one_giant_line_is_refused_before_parsing(tmp_path: Path, name: str) -> None:
    # a file without a line break beyond the 64 KiB window is not a table (the 100 MB version
    # of this drove `emgkit info` past 9 GB); the corpus test measures the big one's memory
    f = tmp_path / name
    f.write_bytes(b"1.5," * 50_000)
    with pytest.raises(FormatError, match=r"one_line\.(csv|txt).*no line break in the first 64"):
        read(f)
