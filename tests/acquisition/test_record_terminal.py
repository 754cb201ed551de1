"""`emgkit record` as an operator uses it, on a pseudo-terminal: keys add markers and stop the
recording; Ctrl-C (SIGINT) finishes cleanly with everything recorded so far."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from emgkit.io import read

pytestmark = pytest.mark.timeout(120)


def _spawn(args: list[str]) -> tuple[subprocess.Popen[bytes], int]:
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "emgkit.cli", *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        close_fds=True,
    )
    os.close(slave)
    return proc, master


def _read_until(master: int, needle: bytes, timeout: float) -> bytes:
    buf = b""
    end = time.monotonic() + timeout
    while needle not in buf and time.monotonic() < end:
        if select.select([master], [], [], 0.1)[0]:
            try:
                buf += os.read(master, 65536)
            except OSError:
                break
    return buf


def _drain(proc: subprocess.Popen[bytes], master: int, timeout: float) -> bytes:
    buf = b""
    end = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < end:
        if select.select([master], [], [], 0.1)[0]:
            try:
                buf += os.read(master, 65536)
            except OSError:
                break
    return buf


def _wait_for_journal_bytes(
    proc: subprocess.Popen[bytes], stream: Path, n: int, timeout: float
) -> int:
    """Wait until the journal's raw stream holds more than ``n`` bytes (samples really flowed)."""
    end = time.monotonic() + timeout
    size = 0
    while time.monotonic() < end and proc.poll() is None:
        size = stream.stat().st_size if stream.exists() else 0
        if size > n:
            return size
        time.sleep(0.02)
    raise AssertionError(f"journal {stream} did not grow past {n} bytes (has {size})")


def _wait_for_event(
    proc: subprocess.Popen[bytes], events: Path, needle: str, timeout: float
) -> None:
    """Wait until the journal's ``events.jsonl`` holds ``needle`` (the key was handled)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end and proc.poll() is None:
        if events.exists() and needle in events.read_text(errors="replace"):
            return
        time.sleep(0.02)
    raise AssertionError(f"{needle!r} never reached {events}")


def test_keys_add_markers_and_q_stops(tmp_path: Path) -> None:
    out = tmp_path / "s.bdf"
    proc, master = _spawn(["record", "emulated-arduino", "--out", str(out), "--fs", "1000"])
    try:
        # the live view draws channel bars once samples flow
        seen = _read_until(master, b"glute_max_L", 120)  # start-up: 3-30 s on a loaded machine
        assert b"glute_max_L" in seen, seen[-2000:]
        stream = tmp_path / "s.bdf.journal" / "stream.bin"
        # each key only after more samples have reached the journal (>= 0.5 s at 1 kHz, with
        # the 1 s sync interval): the marker and pain rating then land at distinct, later times
        events = stream.parent / "events.jsonl"
        size = _wait_for_journal_bytes(proc, stream, 0, 30)
        os.write(master, b"m")
        # the marker was handled (it is in the journal), then samples flowed past it: two more
        # journal syncs, so the pain rating is stamped at a later sample than the marker
        _wait_for_event(proc, events, '"marker"', 30)
        size = _wait_for_journal_bytes(proc, stream, stream.stat().st_size, 30)
        size = _wait_for_journal_bytes(proc, stream, size, 30)
        os.write(master, b"4")
        _wait_for_event(proc, events, '"pain"', 30)
        _wait_for_journal_bytes(proc, stream, stream.stat().st_size, 30)
        os.write(master, b"q")
        text = _drain(proc, master, 60)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    assert proc.wait(10) == 0, text[-2000:]
    rec = read(out)
    labels = [(e.label, e.value) for e in rec.events]
    assert ("marker", "") in labels
    assert ("pain", "4") in labels
    marker, pain = rec.events_for(label="marker")[0], rec.events_for(label="pain")[0]
    assert 0.5 < marker.onset < pain.onset < rec.duration
    assert rec.duration > 1.5 and not rec.gaps


def test_ctrl_c_finishes_cleanly(tmp_path: Path) -> None:
    out = tmp_path / "c.bdf"
    proc, master = _spawn(
        ["record", "emulated-cyton", "--out", str(out), "--no-live", "--duration", "60"]
    )
    try:
        # start-up and handshake done, and samples on disk (two 1 s journal syncs at 250 Hz)
        _wait_for_journal_bytes(proc, tmp_path / "c.bdf.journal" / "stream.bin", 33 * 250, 60)
        proc.send_signal(signal.SIGINT)
        text = _drain(proc, master, 60)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    assert proc.wait(10) in (0, 130), text[-2000:]
    assert b"Traceback" not in text, text[-3000:]
    rec = read(out)  # finalised, readable, with what was recorded before Ctrl-C
    assert rec.fs == 250.0
    assert 0.5 < rec.duration < 30
    assert not (tmp_path / "c.bdf.journal").exists()  # verified, then removed
