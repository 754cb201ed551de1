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


def test_keys_add_markers_and_q_stops(tmp_path: Path) -> None:
    out = tmp_path / "s.bdf"
    proc, master = _spawn(["record", "emulated-arduino", "--out", str(out), "--fs", "1000"])
    try:
        # the live view draws channel bars once samples flow
        seen = _read_until(master, b"glute_max_L", 30)
        assert b"glute_max_L" in seen, seen[-2000:]
        time.sleep(1.0)
        os.write(master, b"m")
        time.sleep(0.5)
        os.write(master, b"4")
        time.sleep(0.5)
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
        # wait for an observable condition (a second of Cyton packets synced into the journal),
        # not a fixed time: start-up takes 3-12 s on a loaded machine
        stream = tmp_path / "c.bdf.journal" / "stream.bin"
        deadline = time.monotonic() + 120
        while not (stream.exists() and stream.stat().st_size >= 250 * 33):
            assert proc.poll() is None and time.monotonic() < deadline, "no samples journalled"
            time.sleep(0.1)
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
