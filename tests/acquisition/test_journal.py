"""The crash-safe journal: framing, torn tails, events, ENOSPC, replay equals live parsing."""

from __future__ import annotations

import errno
import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from emgkit.acquisition import journal
from emgkit.devices.base import ParseResult
from emgkit.devices.cyton import parser as cyton
from emgkit.errors import EmgkitWarning, FormatError, RecordingError

SPEC = {"name": "cyton", "kwargs": {"daisy": False}}


def _header() -> dict[str, object]:
    return {"device": "cyton", "parser": SPEC, "fs": 250.0, "channels": []}


def _stream(n: int, seed: int = 0) -> tuple[bytes, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 100, (n, 8))
    return cyton.encode_stream(x), cyton.counts_to_uv(cyton.uv_to_counts(x))


def test_records_roundtrip_and_torn_tail(tmp_path: Path) -> None:
    d = tmp_path / "j"
    with journal.JournalWriter(d, _header()) as w:
        for i in range(5):
            w.write(bytes([i]) * (i + 1), t_ns=1000 + i)
        w.add_event({"type": "marker", "label": "m", "sample": 3})
    jc = journal.read_journal(d)
    assert [p for _, p in jc.records] == [bytes([i]) * (i + 1) for i in range(5)]
    assert [t for t, _ in jc.records] == [1000 + i for i in range(5)]
    assert jc.torn_bytes == 0 and jc.events[0]["label"] == "m"
    blob = (d / "stream.bin").read_bytes()
    # a torn last record (cut anywhere inside it) is ignored, the rest is intact
    last = 12 + 5 + 4
    for cut in range(1, last):
        (d / "stream.bin").write_bytes(blob[:-cut])
        jc = journal.read_journal(d)
        assert len(jc.records) == 4 and jc.torn_bytes == last - cut
    # a flipped byte in the last record fails its CRC
    bad = bytearray(blob)
    bad[-6] ^= 0x01
    (d / "stream.bin").write_bytes(bytes(bad))
    assert len(journal.read_journal(d).records) == 4
    # a torn last event line is skipped
    with open(d / "events.jsonl", "ab") as fh:
        fh.write(b'{"type": "mar')
    jc = journal.read_journal(d)
    assert len(jc.events) == 1 and jc.bad_event_lines == 1


def test_not_a_journal(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="not an emgkit recording journal"):
        journal.read_journal(tmp_path)


def test_refuses_to_overwrite(tmp_path: Path) -> None:
    journal.JournalWriter(tmp_path / "j", _header()).close()
    with pytest.raises(RecordingError, match="already holds a journal"):
        journal.JournalWriter(tmp_path / "j", _header())


@given(cuts=st.lists(st.integers(0, 33 * 300), max_size=30), drop=st.integers(5, 290))
def test_recover_equals_one_shot_parse(tmp_path_factory: pytest.TempPathFactory, cuts, drop):
    """However the port chunked the bytes, replaying the journal gives the one-shot parse."""
    data, exp = _stream(300)
    data = data[: drop * 33] + data[(drop + 2) * 33 :]  # two packets lost on the wire
    d = tmp_path_factory.mktemp("j") / "j"
    edges = sorted({0, len(data), *(c for c in cuts if c < len(data))})
    with journal.JournalWriter(d, _header()) as w:
        for a, b in itertools.pairwise(edges):
            w.write(data[a:b])
    rec = journal.recover(d)
    p = cyton.CytonParser()
    r1, r2 = p.feed(data), p.flush()
    idx = np.concatenate([r1.sample_index, r2.sample_index])
    # strict Cyton confirmation: nothing confirms the last packet (not emitted), and the packet
    # before the lost pair has no confirming successor and is counted lost with them
    assert rec.n_samples == 299
    assert [(g.start, g.n_samples) for g in rec.gaps] == [(drop - 1, 3)]
    np.testing.assert_array_equal(rec.data[idx], np.concatenate([r1.samples, r2.samples]))
    keep = np.r_[0 : drop - 1, drop + 2 : 299]
    np.testing.assert_allclose(rec.data[keep], exp[keep], atol=1e-9)


def test_reset_and_disconnect_gap_replay(tmp_path: Path) -> None:
    data, exp = _stream(200, seed=2)
    d = tmp_path / "j"
    with journal.JournalWriter(d, _header()) as w:
        w.write(data[: 100 * 33])
        w.add_event({"type": "reset", "record": 1})
        w.add_event({"type": "gap", "reason": "disconnect", "record": 1, "start": 100, "n": 7})
        w.write(cyton.encode_stream(np.zeros((0, 8))) + data[100 * 33 :])
        w.add_event({"type": "marker", "label": "pain", "value": "4", "sample": 150})
    rec = journal.recover(d)
    # the last packet before the reset and the last of the stream have nothing to confirm
    # them (strict parsing never emits an unconfirmed packet, issue 11 R2)
    assert rec.n_samples == 205
    assert [(g.start, g.n_samples, g.reason) for g in rec.gaps] == [(99, 7, "disconnect")]
    np.testing.assert_allclose(rec.data[:99], exp[:99], atol=1e-9)
    # the stream restarted (counter not continuous) and lands right after the gap
    np.testing.assert_allclose(rec.data[106:], exp[100:199], atol=1e-9)
    assert [(e.label, e.value, e.onset) for e in rec.events] == [("pain", "4", 150 / 250.0)]


def test_sample_clock_maps_segments() -> None:
    c = journal.SampleClock()
    r = c.map(ParseResult(np.zeros((3, 1)), np.array([0, 1, 2]), gaps=[]))
    assert list(r.sample_index) == [0, 1, 2]
    c.reset()
    assert c.awaiting_base
    assert c.set_gap(5) == 3
    # a parser that keeps its clock across reset (CytonParser) or restarts it: same result
    r = c.map(ParseResult(np.zeros((2, 1)), np.array([40, 42]), n_lost=1, gaps=[(41, 1)]))
    assert list(r.sample_index) == [8, 10] and r.gaps == [(9, 1)]
    assert c.next_index == 11


def test_enospc_keeps_what_was_synced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data, exp = _stream(100)
    d = tmp_path / "j"
    w = journal.JournalWriter(d, _header(), sync_interval=3600)
    w.write(data[: 50 * 33])
    w.sync()

    def full(fd: int, buf: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(journal, "_write_all", full)
    w.write(data[50 * 33 :])
    with pytest.raises(RecordingError, match="disk is full") as info:
        w.sync()
    assert str(d) in str(info.value) and "emgkit recover" in str(info.value)
    with pytest.raises(RecordingError):  # stays failed
        w.write(b"more")
    monkeypatch.undo()
    rec = journal.recover(d)
    assert rec.n_samples == 49  # nothing confirms the last synced packet: not emitted
    np.testing.assert_allclose(rec.data, exp[:49], atol=1e-9)
    head = json.loads((d / "header.json").read_text())
    assert head["format"] == "emgkit-journal" and head["parser"] == SPEC


# --------------------------------------------------------------------------- issue 11: recovery
def _journal_of(tmp_path: Path, n: int = 2000, per_read: int = 10) -> tuple[Path, np.ndarray]:
    data, exp = _stream(n, seed=11)
    d = tmp_path / "j"
    with journal.JournalWriter(d, _header()) as w:
        for i in range(0, len(data), 33 * per_read):
            w.write(data[i : i + 33 * per_read], t_ns=10**9 + i * 10**6 // 33 * 4)
    return d, exp


def test_a_flipped_bit_costs_one_record_not_the_rest(tmp_path: Path) -> None:
    d, exp = _journal_of(tmp_path)
    sp = d / "stream.bin"
    blob = bytearray(sp.read_bytes())
    at = len(blob) // 10
    blob[at] ^= 0x10
    sp.write_bytes(bytes(blob))
    with pytest.warns(EmgkitWarning, match="damaged"):
        rec = journal.recover(d)
    # 0.1 stopped here: 10 % of the session. Now: all but the damaged read (10 packets) and
    # the packets strict parsing cannot confirm around the hole
    assert rec.n_samples == 1999
    assert rec.n_missing <= 12
    have = ~np.isnan(rec.data).any(axis=1)
    np.testing.assert_allclose(rec.data[have], exp[:1999][have], atol=1e-9)
    assert rec.info is not None
    assert rec.info.extra["damaged_bytes"] > 0 and len(rec.info.extra["damaged_spans"]) == 1
    assert "damaged" in rec.info.notes and "skipped" in rec.info.notes
    # intact journals say nothing
    d2, _ = _journal_of(tmp_path / "clean")
    rec2 = journal.recover(d2)
    assert rec2.info is not None and rec2.info.extra["damaged_bytes"] == 0
    assert "damaged" not in rec2.info.notes


def test_overwritten_stretch_and_torn_tail(tmp_path: Path) -> None:
    d, exp = _journal_of(tmp_path)
    sp = d / "stream.bin"
    blob = bytearray(sp.read_bytes())
    blob[5000:9000] = b"\xa0" * 4000  # a stretch overwritten by junk
    blob = blob[:-7]  # and a torn last record
    sp.write_bytes(bytes(blob))
    with pytest.warns(EmgkitWarning):
        rec = journal.recover(d)
    jc = journal.read_journal(d)
    assert jc.torn_bytes > 0 and len(jc.damaged) == 1 and jc.damaged[0][1] <= 5000
    have = ~np.isnan(rec.data).any(axis=1)
    assert have.sum() > 1800
    np.testing.assert_allclose(rec.data[have], exp[: rec.n_samples][have], atol=1e-9)


def test_an_overlong_subject_is_truncated_with_a_note_so_a_journal_always_finalises(
    tmp_path: Path,
) -> None:
    data, _ = _stream(100)
    h = _header()
    h["session"] = {"subject": "S" * 90}
    d = tmp_path / "j"
    with journal.JournalWriter(d, h) as w:
        w.write(data)
    rec = journal.recover(d)
    assert rec.info is not None and rec.info.subject == "S" * journal.MAX_SUBJECT
    assert "truncated" in rec.info.notes and "S" * 90 in rec.info.notes
    from emgkit.io.edf import read_edf, write_bdf

    write_bdf(rec, tmp_path / "s.bdf")
    assert read_edf(tmp_path / "s.bdf").info.subject == "S" * journal.MAX_SUBJECT


def test_a_file_path_or_a_header_without_parser_is_a_named_error(tmp_path: Path) -> None:
    data, _ = _stream(20)
    d = tmp_path / "j"
    with journal.JournalWriter(d, _header()) as w:
        w.write(data)
    with pytest.raises(FormatError, match="is a file, not a recording journal"):
        journal.recover(d / "stream.bin")
    h = json.loads((d / "header.json").read_text())
    del h["parser"]
    (d / "header.json").write_text(json.dumps(h))
    with pytest.raises(FormatError, match="no 'parser' entry"):
        journal.recover(d)


def test_a_full_disk_before_the_first_sync_never_says_data_is_safe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, _ = _stream(10)
    w = journal.JournalWriter(tmp_path / "j", _header(), sync_interval=3600)
    w.write(data)

    def full(fd: int, buf: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(journal, "_write_all", full)
    with pytest.raises(RecordingError, match="disk is full") as info:
        w.sync()
    msg = str(info.value)
    assert "nothing had reached the disk" in msg and "safe" not in msg
    assert "emgkit recover" not in msg
