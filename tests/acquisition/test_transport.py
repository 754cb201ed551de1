"""Serial transport: reader thread over loop:// and a pty, bounded queues, error messages."""

from __future__ import annotations

import errno
import os
import time
import tty
from pathlib import Path
from typing import Any, cast

import numpy as np
import pytest
import serial

from emgkit.acquisition import journal, transport
from emgkit.devices.base import ParseResult
from emgkit.devices.cyton import parser as cyton
from emgkit.errors import DeviceError

pytestmark = pytest.mark.timeout(30)


def _stream(n: int) -> tuple[bytes, np.ndarray]:
    x = np.random.default_rng(1).normal(0, 50, (n, 8))
    return cyton.encode_stream(x), cyton.counts_to_uv(cyton.uv_to_counts(x))


def _wait(cond, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_subscription_drops_oldest_and_counts() -> None:
    sub = transport.Subscription(maxsize=3)
    for i in range(5):
        sub.put(ParseResult(np.zeros((i + 1, 1)), np.arange(i + 1)))
    assert sub.dropped == 2 and sub.dropped_rows == 1 + 2
    assert [int(r.samples.shape[0]) for r in sub.drain()] == [3, 4, 5]
    assert sub.get(timeout=0.01) is None
    sub.close()
    assert sub.get() is None  # closed: never blocks


def test_reader_on_loop_journal_first_slow_consumer(tmp_path: Path) -> None:
    data, exp = _stream(400)
    port = serial.serial_for_url("loop://", timeout=0.02)
    w = journal.JournalWriter(tmp_path / "j", {"parser": {"class": "x:y"}, "fs": 250.0})
    reader = transport.DeviceReader("loop://", cyton.CytonParser(), journal=w, port=port)
    fast = reader.subscribe(maxsize=10_000)
    slow = reader.subscribe(maxsize=2)  # never read while streaming
    reader.start()
    for i in range(0, len(data), 330):  # loop:// holds 4096 bytes: feed in pieces
        _wait(lambda: port.in_waiting == 0)
        port.write(data[i : i + 330])
    _wait(lambda: reader.stats.bytes_in == len(data))
    reader.stop()
    rows = fast.drain()
    idx = np.concatenate([r.sample_index for r in rows])
    # every packet but the last, which nothing confirms (strict parsing, issue 11 R2)
    np.testing.assert_array_equal(idx, np.arange(399))
    np.testing.assert_allclose(np.concatenate([r.samples for r in rows]), exp[:399], atol=1e-9)
    assert slow.dropped > 0 and len(slow.drain()) == 2  # the slow one lost its oldest
    jc = journal.read_journal(tmp_path / "j")
    assert b"".join(p for _, p in jc.records) == data  # the journal lost nothing


def test_missing_port_message() -> None:
    with pytest.raises(DeviceError, match=r"no such serial port .*emgkit devices"):
        transport.open_port("/dev/does-not-exist-emgkit")


def test_permission_denied_message(monkeypatch: pytest.MonkeyPatch) -> None:
    def deny(url: str, **kw: object) -> None:
        raise serial.SerialException(
            errno.EACCES, f"could not open port {url}: [Errno 13] Permission denied: '{url}'"
        )

    monkeypatch.setattr(serial, "serial_for_url", deny)
    with pytest.raises(DeviceError, match="dialout"):
        transport.open_port("/dev/ttyUSB0")


def test_busy_port_message() -> None:
    master, slave = os.openpty()
    tty.setraw(slave)
    try:
        first = transport.open_port(os.ttyname(slave))
        with pytest.raises(DeviceError, match="busy"):
            transport.open_port(os.ttyname(slave))
        first.close()
    finally:
        os.close(master)
        os.close(slave)


def test_pty_close_is_reported_and_reader_stops_without_reconnect() -> None:
    master, slave = os.openpty()
    tty.setraw(slave)
    data, _ = _stream(50)
    statuses: list[str] = []
    reader = transport.DeviceReader(
        os.ttyname(slave),
        cyton.CytonParser(),
        reconnect=False,
        on_status=lambda what, info: statuses.append(what),
    ).start()
    os.write(master, data)
    _wait(lambda: reader.stats.bytes_in == len(data))
    os.close(master)  # unplug
    reader.join(10)
    os.close(slave)
    assert not reader.running
    assert statuses[:1] == ["disconnected"] and statuses[-1] == "stopped"
    assert isinstance(reader.error, serial.SerialException)
    assert reader.stats.rows == 49  # the last packet: nothing confirms it, never emitted


class _PtyLikePort:
    """Holds ``data`` like a pseudo-terminal: at most 4095 bytes per read, the rest waiting."""

    def __init__(self, data: bytes, fail_after: int | None = None) -> None:
        self.data = data
        self.pos = 0
        self.reads = 0
        self.fail_after = fail_after  # reads after which the port fails (unplugged)
        self.timeout = 0.0

    def _check(self) -> None:
        if self.fail_after is not None and self.reads >= self.fail_after:
            raise OSError(errno.EIO, "Input/output error")

    @property
    def in_waiting(self) -> int:
        self._check()
        return min(len(self.data) - self.pos, 4095)

    def read(self, n: int) -> bytes:
        self._check()
        self.reads += 1
        got = self.data[self.pos : self.pos + min(n, 4095)]
        self.pos += len(got)
        if not got:
            time.sleep(self.timeout)
        return got

    def close(self) -> None:
        pass


def test_bytes_already_waiting_join_one_chunk(tmp_path: Path) -> None:
    # a reader that fell behind takes what the port already holds in the same chunk (one
    # journal record, one parse) instead of one chunk per 4095-byte read, losing nothing
    data, exp = _stream(400)  # 13,200 bytes: 4 reads
    port: Any = _PtyLikePort(data)
    w = journal.JournalWriter(tmp_path / "j", {"parser": {"class": "x:y"}, "fs": 250.0})
    reader = transport.DeviceReader("pty", cyton.CytonParser(), journal=w, port=port)
    sub = reader.subscribe(maxsize=10_000)
    reader.start()
    _wait(lambda: reader.stats.bytes_in == len(data))
    reader.stop()
    assert port.reads >= 4 and reader.stats.chunks == 1
    jc = journal.read_journal(tmp_path / "j")
    assert [p for _, p in jc.records] == [data]
    rows = sub.drain()
    idx = np.concatenate([r.sample_index for r in rows])
    np.testing.assert_array_equal(idx, np.arange(399))
    np.testing.assert_allclose(np.concatenate([r.samples for r in rows]), exp[:399], atol=1e-9)
    # max_read caps a chunk
    w2 = journal.JournalWriter(tmp_path / "j2", {"parser": {"class": "x:y"}, "fs": 250.0})
    port2: Any = _PtyLikePort(data)
    reader = transport.DeviceReader(
        "pty", cyton.CytonParser(), journal=w2, port=port2, max_read=5000
    ).start()
    _wait(lambda: reader.stats.bytes_in == len(data))
    reader.stop()
    sizes = [len(p) for _, p in journal.read_journal(tmp_path / "j2").records]
    assert sizes == [5000, 5000, 3200]


class _SocketLikePort(_PtyLikePort):
    """pyserial's ``socket://``: ``in_waiting`` is 1 when readable (not a byte count)."""

    @property
    def in_waiting(self) -> int:
        return int(self.pos < len(self.data))


def test_a_live_or_socket_stream_keeps_one_chunk_per_read(tmp_path: Path) -> None:
    # a few bytes waiting (a stream at real time) or a port that only says "readable" is
    # not drained: one chunk per read, so each chunk's arrival time is its own read's
    data, _ = _stream(400)
    port: Any = _SocketLikePort(data)
    reader = transport.DeviceReader("socket", cyton.CytonParser(), port=port).start()
    _wait(lambda: reader.stats.bytes_in == len(data))
    reader.stop()
    # the reader asks for in_waiting bytes: one a read here, and each read is its own chunk
    assert reader.stats.chunks == len(data) == reader.stats.bytes_in


def test_port_error_while_draining_journals_the_bytes_read_first(tmp_path: Path) -> None:
    data, _ = _stream(300)  # 9,900 bytes: two reads of 4095, then the port fails
    statuses: list[str] = []
    w = journal.JournalWriter(tmp_path / "j", {"parser": {"class": "x:y"}, "fs": 250.0})
    reader = transport.DeviceReader(
        "fake",
        cyton.CytonParser(),
        journal=w,
        port=cast(Any, _PtyLikePort(data, fail_after=2)),
        reconnect=False,
        on_status=lambda what, info: statuses.append(what),
    ).start()
    reader.join(10)
    assert not reader.running
    assert statuses[:1] == ["disconnected"] and isinstance(reader.error, OSError)
    jc = journal.read_journal(tmp_path / "j")
    assert [p for _, p in jc.records] == [data[: 2 * 4095]]  # both reads, one chunk
    # 248 whole packets of 33 bytes; the start of the next one confirms the last of them
    assert reader.stats.rows == 248 and reader.stats.n_bad_bytes == 2 * 4095 - 248 * 33
