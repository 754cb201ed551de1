"""Pty emulator: silence until the host speaks, exact fault ground truth, disconnects."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest
import serial

from emgkit.devices.cyton.model import CytonModel
from emgkit.errors import ConfigError
from emgkit.simulate.emulators import (
    CorruptBytes,
    Disconnect,
    DropPackets,
    Emulator,
    InsertGarbage,
    emulate,
)

pytestmark = pytest.mark.timeout(30)


def _samples(n: int) -> np.ndarray:
    return np.random.default_rng(4).normal(0, 30, (n, 8))


def _read_all(port: serial.Serial, n: int, timeout: float = 10.0) -> bytes:
    buf = bytearray()
    deadline = time.monotonic() + timeout
    while len(buf) < n and time.monotonic() < deadline:
        buf += port.read(max(1, port.in_waiting))
    return bytes(buf)


def test_silent_until_start_then_exact_stream() -> None:
    x = _samples(300)
    model = CytonModel(x, loop=False)
    faults = [DropPackets(10, 2), InsertGarbage(50, b"junk"), CorruptBytes(100, (5,), 0x01)]
    with emulate(model, faults=faults) as emu:
        assert os.path.islink(emu.port)
        port = serial.serial_for_url(emu.port, timeout=0.05)
        assert port.read(100) == b""  # nothing before a command
        port.write(b"b")
        assert emu.wait_done(10)
        got = _read_all(port, emu.truth.bytes_written)
        port.close()
    t = emu.truth
    assert t.dropped == [10, 11] and t.corrupted == [100] and t.garbage == [(50, b"junk")]
    assert t.n_packets == 300 and len(t.delivered) == 300 - 3
    ref = CytonModel(x, loop=False)  # the same firmware, fault-free
    ref.handle(b"b")
    expected = bytearray()
    for k in range(300):
        pkt = bytearray(ref.next_bytes(1))
        if k == 50:
            expected += b"junk"
        if k in (10, 11):
            continue
        if k == 100:
            pkt[5] ^= 0x01
        expected += pkt
    assert got == bytes(expected)
    assert t.bytes_written == len(expected)


def test_disconnect_seen_by_pyserial_and_symlink_moves() -> None:
    model = CytonModel(_samples(400), loop=False)
    emu = Emulator(model, faults=[Disconnect(100, duration_s=0.2, lose_packets=20)]).start()
    try:
        first = emu.slave_name
        port = serial.serial_for_url(emu.port, timeout=0.05)
        port.write(b"b")
        got = b""
        with pytest.raises(serial.SerialException):
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                got += port.read(4096)
        port.close()
        assert len(got) == 100 * 33  # everything before the cut was drained first
        assert emu.connected.wait(5)
        assert first is not None and os.path.realpath(emu.port) == emu.slave_name
        port = serial.serial_for_url(emu.port, timeout=0.05)
        port.write(b"b")  # the board kept streaming; any command resumes sending
        assert emu.wait_done(10)
        rest = _read_all(port, emu.truth.bytes_written - len(got))
        port.close()
    finally:
        emu.stop()
    assert emu.truth.disconnects == [(100, 20)]
    assert emu.truth.lost_in_disconnect == list(range(100, 120))
    assert len(rest) == (400 - 120) * 33
    assert rest[:1] == b"\xa0" and rest[1] == 120 % 256


def test_pace_speed_and_explicit_rate() -> None:
    # a framed model paces frames at fs / samples_per_frame; speed multiplies; an explicit rate wins
    from emgkit.devices.arduino import framed
    from emgkit.devices.arduino.model import ArduinoModel

    def paced(**kw: float) -> float:
        model = ArduinoModel(np.zeros((4000, 2)), 1000.0, ["raw", "raw"])
        model.handle(framed.encode_command(framed.MsgType.START, tag=1))
        emu = Emulator(model, realtime=True, **kw)
        emu._due()  # the first tick fixes the pace (no port needed)
        return emu.packet_rate

    k = ArduinoModel(np.zeros((4, 2)), 1000.0, ["raw", "raw"]).config.samples_per_frame
    assert paced() == pytest.approx(1000.0 / k)
    assert paced(speed=20.0) == pytest.approx(20 * 1000.0 / k)
    assert paced(packet_rate=50.0) == pytest.approx(50.0)
    assert paced(packet_rate=50.0, speed=4.0) == pytest.approx(200.0)
    with pytest.raises(ConfigError, match="speed"):
        Emulator(ArduinoModel(np.zeros((4, 2)), 1000.0, ["raw", "raw"]), speed=0)
