"""Emulated devices over pyserial's socket:// URL (no pty: the screen and demo run on Windows)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from emgkit.app.emulated import recorder as Recorder
from emgkit.errors import ConfigError
from emgkit.io import read
from emgkit.simulate.emulators import Emulator, make_model


def test_recorder_reads_an_emulator_over_socket_url(tmp_path: Path) -> None:
    fs = 1000.0
    rng = np.random.default_rng(5)
    x = rng.normal(0.0, 50.0, size=(round(3 * fs), 6))
    rec = Recorder(
        "emulated-arduino",
        out=tmp_path / "s.bdf",
        fs=fs,
        emulator={"samples_uv": x, "realtime": True, "speed": 10.0, "transport": "socket"},
    )
    rec.start()
    assert rec.emulator.port.startswith("socket://127.0.0.1:")
    assert rec.emulator.slave_name is None
    rec.wait(3.0)
    path = rec.stop()
    back = read(path)
    assert back.n_samples == x.shape[0]
    # the same samples as sent, to the ADC's resolution (4.9 uV steps on the MyoWare model)
    assert np.max(np.abs(back.data - x)) < 10.0
    assert np.corrcoef(back.data[:, 0], x[:, 0])[0, 1] > 0.99


def test_socket_emulator_answers_commands_before_streaming() -> None:
    from emgkit.acquisition.transport import open_port

    model = make_model("arduino", samples_uv=np.zeros((100, 2)), fs=500.0)
    emu = Emulator(model, transport="socket").start()
    try:
        port = open_port(emu.port, timeout=0.5)
        try:
            assert emu.connected.wait(5.0)
            assert port.read(1) == b""  # silent until the host sends a command
        finally:
            port.close()
    finally:
        emu.stop()


def test_unknown_transport_is_a_config_error() -> None:
    model = make_model("arduino", samples_uv=np.zeros((10, 1)), fs=500.0)
    with pytest.raises(ConfigError, match="transport"):
        Emulator(model, transport="usb")
