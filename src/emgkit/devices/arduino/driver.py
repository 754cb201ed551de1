"""The Arduino-sketch driver: IDENTIFY/CONFIGURE/START/STOP over the framed protocol v1."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from emgkit.devices.arduino import framed
from emgkit.devices.arduino.client import CommandClient
from emgkit.devices.base import DeviceDriver
from emgkit.errors import ConfigError, DeviceError

__all__ = ["ArduinoDriver"]


class _TapPort:
    """A port proxy that remembers every byte read after :meth:`mark` (no byte goes astray)."""

    def __init__(self, port: Any) -> None:
        self._port = port
        self._tap: bytearray | None = None

    def mark(self) -> None:
        self._tap = bytearray()

    def taken(self) -> bytes:
        out = bytes(self._tap or b"")
        self._tap = None
        return out

    def read(self, size: int = 1) -> bytes:
        data = self._port.read(size)
        if self._tap is not None and data:
            self._tap += data
        return bytes(data)

    def write(self, data: bytes) -> int | None:
        return self._port.write(data)

    def reset_input_buffer(self) -> None:
        self._port.reset_input_buffer()

    @property
    def in_waiting(self) -> int:
        return int(self._port.in_waiting)


@dataclass
class ArduinoDriver(DeviceDriver):
    """The emgkit_stream firmware (MyoWare on an Arduino-class board), protocol v1.

    Parameters
    ----------
    fs : float, optional
        Sampling rate to configure (default: what the device reports).
    n_channels : int, optional
        Channels to configure on pins A0.. (default: the device's current configuration).
    kinds : list of str, optional
        MyoWare output per channel ("raw", "envelope", "rectified").
    """

    fs: float | None = None
    n_channels: int | None = None
    kinds: list[str] | None = None
    timeout: float = 1.0

    def __post_init__(self) -> None:
        self.name = "arduino"

    def prepare(self, port: Any) -> None:
        """Handshake and configure (not streaming yet); fills :attr:`parser_spec`."""
        tap = _TapPort(port)
        client = CommandClient(tap, framed.FramedParser(1, 1000.0), timeout=self.timeout)
        with contextlib.suppress(DeviceError):
            client.stop()  # a board left streaming by a previous session
        port.reset_input_buffer()
        info = client.identify()
        cfg = info.config
        if self.fs is not None or self.n_channels is not None or self.kinds is not None:
            n = int(self.n_channels or (len(self.kinds) if self.kinds else cfg.n_channels))
            kinds = self.kinds or ["raw"] * n
            chans = tuple(framed.ChannelConfig(i, _kind_code(framed, kinds[i])) for i in range(n))
            cfg = framed.StreamConfig(int(self.fs or cfg.rate_hz), chans, 0)
            client.configure(cfg)
            info = client.identify()
            cfg = info.config
        self.firmware = ".".join(str(v) for v in info.fw_version) + f" ({info.board})"
        kwargs: dict[str, Any] = {
            "n_channels": cfg.n_channels,
            "fs": float(cfg.rate_hz),
            "converter": _converter_spec(info),
            "first_sequence": 0,
        }
        self.parser_spec = {"name": self.name, "kwargs": kwargs}
        self.extra = {
            "adc_bits": info.adc_bits,
            "vref_mv": info.vref_mv,
            "kinds": [int(c.kind) for c in cfg.channels],
            "samples_per_frame": cfg.samples_per_frame,
        }

    def start(self, port: Any) -> bytes:
        """Start streaming; return stream bytes read while doing so (to journal and parse)."""
        tap = _TapPort(port)
        client = CommandClient(
            tap,
            framed.FramedParser(int(self.parser_spec["kwargs"]["n_channels"]), 1000.0),
            timeout=self.timeout,
        )
        tap.mark()
        client.start()
        return tap.taken()

    def stop(self, port: Any) -> None:
        """Stop streaming (best effort: the port may be gone)."""
        with contextlib.suppress(Exception):
            port.write(framed.encode_command(framed.MsgType.STOP, 0))


def _kind_code(framed: Any, kind: str) -> Any:
    names = {"raw": "RAW", "envelope": "ENV", "env": "ENV", "rectified": "RECT", "rect": "RECT"}
    key = names.get(str(kind).lower(), str(kind).upper())
    try:
        return framed.ChannelKindCode[key]
    except KeyError:
        raise ConfigError(
            f"unknown MyoWare output {kind!r}; use raw, envelope or rectified"
        ) from None


def _converter_spec(info: Any) -> dict[str, Any]:
    """JSON spec of the MyoWare counts -> microvolts converter for the INFO's configuration."""
    cfg = info.config
    return {
        "name": "myoware",
        "kwargs": {
            "kinds": [framed.ChannelKindCode(int(c.kind)).name for c in cfg.channels],
            "adc_bits": int(info.adc_bits),
            "vref_mv": float(info.vref_mv),
            "pot_kohm": [c.pot_ohm / 1000.0 for c in cfg.channels],
        },
    }
