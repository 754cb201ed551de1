"""Issue 14: a long emulated run keeps bounded per-packet ground truth (memory stays flat)."""

from __future__ import annotations

import numpy as np
import pytest
import serial

from emgkit.devices.arduino import model as arduino_model
from emgkit.devices.arduino.model import ArduinoModel
from emgkit.devices.cyton import model as cyton_model
from emgkit.devices.cyton.model import CytonModel
from emgkit.simulate import emulators
from emgkit.simulate.emulators import DropPackets, emulate

pytestmark = pytest.mark.timeout(60)

LIMIT = 50


@pytest.fixture
def small_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    for mod in (emulators, arduino_model, cyton_model):
        monkeypatch.setattr(mod, "TRUTH_LIMIT", LIMIT)


def test_cyton_model_keeps_the_last_packets_and_counts_all(small_limit: None) -> None:
    m = CytonModel(np.random.default_rng(1).normal(0, 30, (40, 8)), loop=True)
    m.handle(b"b")
    for _ in range(10):
        m.next_bytes(100)
    assert m.packets_sent == 1000
    gt = m.ground_truth()
    assert all(len(v) == LIMIT for v in gt.values())
    np.testing.assert_array_equal(gt["row"], np.arange(950, 1000) % 40)
    np.testing.assert_array_equal(gt["counter"], np.arange(950, 1000) % 256)


def test_arduino_model_keeps_the_last_frames_and_counts_all(small_limit: None) -> None:
    m = ArduinoModel(np.zeros((100, 2)), fs=1000.0, kinds=["RAW", "RAW"], samples_per_frame=4,
                     loop=True)  # fmt: skip
    m.streaming = True
    for _ in range(100):
        m.next_bytes(20)
    assert m.frames_sent == 500 and m.samples_sent == 2000
    assert len(m.frame_seqs) == LIMIT
    assert list(m.frame_seqs) == [4 * k for k in range(450, 500)]


def test_emulator_truth_is_bounded_over_a_long_stream(small_limit: None) -> None:
    n = 3000
    model = CytonModel(np.random.default_rng(2).normal(0, 30, (n, 8)), loop=False)
    with emulate(model, faults=[DropPackets(5, 2)]) as emu:
        port = serial.serial_for_url(emu.port, timeout=0.05)
        port.write(b"b")
        got = 0
        while not (emu.done.is_set() and got >= emu.truth.bytes_written):
            got += len(port.read(max(1, port.in_waiting)))
        port.close()
    t = emu.truth
    assert t.n_packets == n and t.n_delivered == n - 2 and t.dropped == [5, 6]
    assert len(t.packet_sizes) == LIMIT and len(t.delivered) == LIMIT
    assert list(t.delivered) == list(range(n - LIMIT, n))
    assert model.packets_sent == n and len(model.ground_truth()["row"]) == LIMIT
