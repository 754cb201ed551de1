"""The Cyton driver: handshake, gains, start and stop over a serial port (or an emulator's pty)."""

from __future__ import annotations

import contextlib
import dataclasses
from dataclasses import dataclass
from typing import Any

from emgkit.devices.base import DeviceDriver
from emgkit.devices.cyton import parser as cyton
from emgkit.devices.cyton.commander import CytonCommander

__all__ = ["CytonDriver"]


@dataclass
class CytonDriver(DeviceDriver):
    """OpenBCI Cyton (optionally with Daisy) through the USB dongle."""

    daisy: bool = False
    gains: list[int] | None = None
    timeout: float = 3.0

    def __post_init__(self) -> None:
        self.name = "cyton-daisy" if self.daisy else "cyton"

    def prepare(self, port: Any) -> None:
        """Handshake and configure (not streaming yet); fills :attr:`parser_spec`."""
        cmd = CytonCommander(port, daisy=self.daisy, timeout=self.timeout)
        banner = cmd.connect()
        if self.gains is not None:
            gains = list(self.gains)
            if len(gains) == 1:
                gains = gains * cmd.parser.n_channels
            for ch, g in enumerate(gains, start=1):
                cmd.set_channel(ch, _with_gain(cyton.SEMG_BIPOLAR_SETTINGS, g))
        self.firmware = str(getattr(banner, "firmware", "") or getattr(banner, "board", ""))
        self.hardware_bandwidth_hz = float(cmd.parser.hardware_bandwidth_hz)
        self.parser_spec = {
            "name": self.name,
            "kwargs": {"daisy": self.daisy, "gains": [int(g) for g in cmd.parser.gains]},
        }
        self.extra = {"banner": str(getattr(banner, "board", ""))}

    def start(self, port: Any) -> bytes:
        """Start streaming; return stream bytes read while doing so (to journal and parse)."""
        port.write(cyton.CMD_START)
        return b""

    def stop(self, port: Any) -> None:
        """Stop streaming (best effort: the port may be gone)."""
        with contextlib.suppress(Exception):
            port.write(cyton.CMD_STOP)


def _with_gain(settings: Any, gain: int) -> Any:
    return dataclasses.replace(settings, gain=int(gain))
