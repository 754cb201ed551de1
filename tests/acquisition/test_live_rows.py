"""Finalising from the live reader's rows (LiveRows) gives the session a journal re-parse gives.

The recorder keeps the rows the reader decoded and the size and CRC-32 of the bytes it fed the
parser; ``recover`` uses them only when the journal read back holds exactly those bytes, with no
reset. Each test compares against ``recover`` of the same journal without them.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from emgkit.acquisition import journal
from emgkit.acquisition.recorder import Recorder, finalize
from emgkit.devices.arduino.model import ArduinoModel
from emgkit.devices.cyton.model import CytonModel
from emgkit.recording import Recording
from emgkit.simulate.emulators import (
    CorruptBytes,
    Disconnect,
    DropPackets,
    Emulator,
    InsertGarbage,
    Stall,
)

pytestmark = pytest.mark.timeout(60)


def _record(tmp_path: Path, model: Any, faults: list[Any], **kw: Any) -> Recorder:
    emu = Emulator(model, faults=faults, realtime=False).start()
    try:
        r = Recorder(kw.pop("device"), emu.port, out=tmp_path / "s.bdf", keep_journal=True, **kw)
        r.start()
        r.add_marker("hold", "start")
        assert emu.wait_done(30), "emulator did not finish"
        deadline = time.monotonic() + 30
        while r.stats.bytes_in < emu.truth.bytes_written and time.monotonic() < deadline:
            time.sleep(0.01)
        assert r.stats.bytes_in >= emu.truth.bytes_written
        r.stop(finalize_bdf=False)
    finally:
        emu.stop()
    return r


def _same(a: Recording, b: Recording) -> None:
    np.testing.assert_array_equal(a.data, b.data)  # NaN rows equal NaN rows
    assert a.gaps == b.gaps and a.events == b.events
    assert a.info.extra == b.info.extra and a.fs == b.fs
    assert [c.name for c in a.channels] == [c.name for c in b.channels]


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the journal re-parses (runs of records handed to the parser)."""
    calls: list[int] = []
    real = journal._merged_records

    def counted(*a: Any) -> Any:
        calls.append(1)
        return real(*a)

    monkeypatch.setattr(journal, "_merged_records", counted)
    return calls


def _arduino(n: int = 8000) -> ArduinoModel:
    x = np.random.default_rng(21).normal(0, 300, (n, 6))
    return ArduinoModel(x, 2000, ["RAW"] * 6)


def test_arduino_with_faults_uses_live_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    faults = [
        DropPackets(100, 2),
        CorruptBytes(1000, offsets=(7,)),
        InsertGarbage(1500, b"\x01\x02garbage\x00"),
        Stall(1800, ms=30),
    ]
    r = _record(tmp_path, _arduino(), faults, device="arduino", fs=2000, n_channels=6)
    assert r.reader is not None
    live = r.reader.live_rows()
    assert live is not None and live.n_bytes == r.stats.bytes_in
    jdir = r.journal_dir
    assert live.matches(journal.read_journal(jdir))
    calls = _counting(monkeypatch)
    fast = journal.recover(jdir, live=live)
    assert calls == []  # the journal was checked, not parsed again
    slow = journal.recover(jdir)
    assert calls == [1]
    _same(fast, slow)
    assert [(g.start, g.n_samples) for g in fast.gaps] == [(400, 8), (4000, 4)]
    assert fast.info.extra["bad_bytes"] > 0
    # the BDF+ finalize writes is byte for byte the one written from the re-parse
    a = finalize(jdir, tmp_path / "a.bdf", keep_journal=True, live=live)
    b = finalize(jdir, tmp_path / "b.bdf", keep_journal=True)
    assert a.read_bytes() == b.read_bytes()


def test_cyton_uses_live_rows(tmp_path: Path) -> None:
    x = np.random.default_rng(3).normal(0, 40, (1500, 8))
    faults = [DropPackets(100, 2), InsertGarbage(700, b"\x13\x37 junk"), CorruptBytes(900, (0,))]
    r = _record(tmp_path, CytonModel(x, loop=False), faults, device="cyton")
    assert r.reader is not None
    live = r.reader.live_rows()
    assert live is not None and live.matches(journal.read_journal(r.journal_dir))
    _same(journal.recover(r.journal_dir, live=live), journal.recover(r.journal_dir))


def test_a_journal_that_differs_is_parsed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    r = _record(tmp_path, _arduino(4000), [], device="arduino", fs=2000, n_channels=6)
    assert r.reader is not None
    live = r.reader.live_rows()
    assert live is not None
    jdir = r.journal_dir
    calls = _counting(monkeypatch)
    # rows that claim other bytes (one more, or another CRC) are not used
    for field, delta in (("n_bytes", 1), ("crc32", 1)):
        other = journal.LiveRows(
            live.samples, live.indices, live.n_bytes, live.crc32, live.n_bad_bytes,
            live.next_index, live.n_values,
        )  # fmt: skip
        setattr(other, field, getattr(other, field) + delta)
        assert not other.matches(journal.read_journal(jdir))
    # a flipped byte inside stream.bin: that record is damaged, the journal is parsed
    stream = jdir / "stream.bin"
    blob = bytearray(stream.read_bytes())
    blob[len(blob) // 2] ^= 0x40
    stream.write_bytes(bytes(blob))
    assert not live.matches(journal.read_journal(jdir))
    with pytest.warns(Warning, match="damaged"):
        got = journal.recover(jdir, live=live)
    assert calls == [1]
    with pytest.warns(Warning, match="damaged"):
        _same(got, journal.recover(jdir))
    assert got.gaps  # the damaged record's samples are a gap, not the live rows


def test_disconnect_and_limit_drop_the_live_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    x = np.random.default_rng(5).normal(0, 40, (1500, 8))
    faults = [Disconnect(600, duration_s=0.3, lose_packets=50)]
    r = _record(tmp_path / "a", CytonModel(x, loop=False), faults, device="cyton")
    assert r.reader is not None and r.stats.reconnects == 1
    assert r.reader.live_rows() is None  # the journal has a reset: it is parsed again
    monkeypatch.setattr(Recorder, "live_rows_limit", 8 * 8 * 1000)  # 1000 rows of 8 channels
    r = _record(tmp_path / "b", CytonModel(x, loop=False), [], device="cyton")
    assert r.reader is not None and r.stats.rows > 1000
    assert r.reader.live_rows() is None
