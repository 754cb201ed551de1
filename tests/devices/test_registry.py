"""The device registry is the only list of devices: adding a board is a folder plus one row."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from emgkit.acquisition import journal
from emgkit.devices import registry
from emgkit.devices.base import DeviceDriver, DeviceSpec, ParseResult
from emgkit.errors import ConfigError
from emgkit.simulate.emulators import make_model


class TinyParser:
    """One signed byte per sample, in microvolts, 1 channel at 100 Hz."""

    n_channels = 1
    fs = 100.0

    def __init__(self) -> None:
        self._n = 0

    def feed(self, data: bytes) -> ParseResult:
        x = np.frombuffer(data, dtype=np.int8).astype(np.float64).reshape(-1, 1)
        idx = np.arange(self._n, self._n + len(x), dtype=np.int64)
        self._n += len(x)
        return ParseResult(x, idx)

    def reset(self) -> None:
        self._n = 0


class TinyModel:
    def __init__(self, samples_uv: Any) -> None:
        self.data = np.asarray(samples_uv).astype(np.int8).tobytes()

    def handle(self, cmd: bytes) -> bytes:
        return b""

    def next_bytes(self, n_packets: int) -> bytes:
        out, self.data = self.data[:n_packets], self.data[n_packets:]
        return out


TINY = DeviceSpec(
    name="tiny",
    description="one signed byte per sample",
    n_channels=1,
    fs_options=(100.0,),
    parser=lambda **kw: TinyParser(**kw),
    parser_keywords=(),
    driver=lambda **kw: DeviceDriver(name="tiny", parser_spec={"name": "tiny"}),
    model=lambda samples_uv, **kw: TinyModel(samples_uv),
    default_fs=100.0,
)


@pytest.fixture
def with_tiny(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(registry.DEVICES, "tiny", TINY)


def test_shipped_devices() -> None:
    assert registry.device_choices(emulated=False) == ("cyton", "cyton-daisy", "arduino")
    assert "emulated-arduino" in registry.device_choices()
    assert registry.get_device("emulated-cyton").hardware_bandwidth_hz == 65.0
    with pytest.raises(ConfigError, match="unknown device 'biosemi'"):
        registry.get_device("biosemi")


def test_a_new_device_is_one_row(with_tiny: None, tmp_path: Path) -> None:
    assert {"tiny", "emulated-tiny"} <= set(registry.device_choices())
    # the emulators build its model from the row
    model = make_model("tiny", samples_uv=np.array([[1.0], [-2.0], [3.0]]))
    assert model.next_bytes(3) == bytes([1, 254, 3])
    # a journal naming it recovers (and only through the registry)
    d = tmp_path / "j"
    with journal.JournalWriter(d, {"device": "tiny", "parser": {"name": "tiny"}}) as w:
        w.write(bytes([5, 251, 7]))
    rec = journal.recover(d)
    np.testing.assert_array_equal(rec.data[:, 0], [5.0, -5.0, 7.0])
    assert rec.fs == 100.0
    driver = registry.make_driver("tiny")
    assert isinstance(registry.parser_for(driver), TinyParser)


def test_the_recorder_validates_against_the_registry(with_tiny: None) -> None:
    from emgkit.acquisition.recorder import Recorder

    Recorder("tiny", "/dev/null")  # known now; not started
    with pytest.raises(ConfigError, match="unknown device"):
        Recorder("tinier", "/dev/null")
    assert json.dumps(registry.make_driver("tiny").parser_spec) == '{"name": "tiny"}'
