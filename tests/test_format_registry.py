"""The format registry is the only list of formats: read, detect_format, info and batch use it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from emgkit import io
from emgkit.app.batch import expand_paths
from emgkit.errors import FormatError
from emgkit.io import _registry
from emgkit.io.info import describe
from emgkit.recording import Channel, Recording


def test_names_suffixes_and_titles_come_from_the_rows() -> None:
    assert tuple(f.name for f in _registry.FORMATS) == io.FORMATS
    assert {".xdf", ".bdf", ".edf", ".txt", ".csv", ".tsv"} <= _registry.readable_suffixes()
    assert _registry.get_format("BDF+").name == "bdf"
    assert _registry.format_title("openbci-txt") == "OpenBCI GUI text"
    with pytest.raises(FormatError, match="unknown format 'nope'"):
        _registry.get_format("nope")


def test_batch_scans_every_readable_suffix_including_xdf(tmp_path: Path) -> None:
    """0.1's folder scan forgot .xdf; it now takes the registry's suffixes."""
    for name in ("a.xdf", "b.bdf", "c.csv", "notes.pdf"):
        (tmp_path / name).write_bytes(b"x")
    found = {p.name for p in expand_paths(tmp_path)}
    assert found == {"a.xdf", "b.bdf", "c.csv"}


def test_a_new_format_is_one_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Add a row (signature, suffix, reader): detect_format, read and info all know it."""

    def read_toy(path: Path) -> Recording:
        data = np.frombuffer(Path(path).read_bytes()[4:], dtype="<f8").reshape(-1, 1)
        rec = Recording(data.copy(), 100.0, [Channel("toy_1")])
        rec.info.extra["format"] = "toy"
        return rec

    toy = _registry.FormatSpec("toy", "Toy binary", (".toy",), read_toy, magic=(b"TOY1",))
    monkeypatch.setattr(_registry, "FORMATS", (toy, *_registry.FORMATS))
    f = tmp_path / "s.toy"
    f.write_bytes(b"TOY1" + np.arange(5.0).tobytes())
    assert _registry.detect_format(f) == "toy"
    rec = io.read(f)
    np.testing.assert_array_equal(rec.data[:, 0], np.arange(5.0))
    assert "Toy binary" in describe(rec)
    assert ".toy" in _registry.readable_suffixes()
    # a damaged file with the new extension is named as such, not read as text
    bad = tmp_path / "bad.toy"
    bad.write_bytes(b"nope" * 4)
    with pytest.raises(FormatError, match="the extension says Toy binary"):
        _registry.detect_format(bad)


def test_every_row_is_complete() -> None:
    for f in _registry.FORMATS:
        assert f.name and f.title and callable(f.reader)
        assert f.magic or f.sniff or f.fallback, f"{f.name} can never be detected"
        assert all(s == s.lower() and (s == "" or s.startswith(".")) for s in f.suffixes)
    names = [n for f in _registry.FORMATS for n in (f.name, *f.aliases)]
    assert len(names) == len(set(names))
    assert dataclasses.is_dataclass(_registry.FormatSpec)
