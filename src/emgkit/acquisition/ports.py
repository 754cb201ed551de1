"""Serial devices: list and probe ports, and the per-device drivers the recorder uses.

A driver knows one device's handshake (over a real serial port or an emulator's pty), the
parser it needs (as a JSON spec, so the journal can rebuild the very same parser), and how to
start and stop streaming. Parsers stay pure; drivers only talk to ports.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

import serial

from emgkit.acquisition.journal import load_parser
from emgkit.acquisition.transport import open_port
from emgkit.devices.base import StreamParser
from emgkit.errors import ConfigError, DeviceError

__all__ = [
    "ArduinoDriver",
    "CytonDriver",
    "DeviceDriver",
    "PortInfo",
    "list_devices",
    "make_driver",
    "probe_port",
]

FTDI_VID = 0x0403


class _TapPort:
    """A port proxy that remembers every byte read after :meth:`mark` (no byte goes astray)."""

    def __init__(self, port: serial.Serial) -> None:
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
class DeviceDriver:
    """Base class: handshake, parser spec and start/stop for one kind of device."""

    name: str = "device"
    baudrate: int = 115200
    parser_spec: dict[str, Any] = field(default_factory=dict)
    firmware: str = ""
    hardware_bandwidth_hz: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def prepare(self, port: serial.Serial) -> None:
        """Handshake and configure (not streaming yet); fills :attr:`parser_spec`."""
        raise NotImplementedError

    def start(self, port: serial.Serial) -> bytes:
        """Start streaming; return stream bytes read while doing so (to journal and parse)."""
        raise NotImplementedError

    def stop(self, port: serial.Serial) -> None:
        """Stop streaming (best effort)."""

    def restart(self, port: serial.Serial) -> bytes:
        """After a reconnect: handshake again and start."""
        self.prepare(port)
        return self.start(port)

    def make_parser(self) -> StreamParser:
        """A fresh parser built from :attr:`parser_spec` (the journal rebuilds it the same way)."""
        if not self.parser_spec:
            raise DeviceError(f"{self.name}: prepare() must run before make_parser()")
        return load_parser(self.parser_spec)


@dataclass
class CytonDriver(DeviceDriver):
    """OpenBCI Cyton (optionally with Daisy) through the USB dongle."""

    daisy: bool = False
    gains: list[int] | None = None
    timeout: float = 3.0

    def __post_init__(self) -> None:
        self.name = "cyton-daisy" if self.daisy else "cyton"

    def prepare(self, port: serial.Serial) -> None:
        from emgkit.devices.cyton import parser as cyton

        cmd = cyton.CytonCommander(port, daisy=self.daisy, timeout=self.timeout)
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
            "class": "emgkit.devices.cyton.parser:CytonParser",
            "kwargs": {"daisy": self.daisy, "gains": [int(g) for g in cmd.parser.gains]},
        }
        self.extra = {"banner": str(getattr(banner, "board", ""))}

    def start(self, port: serial.Serial) -> bytes:
        from emgkit.devices.cyton import parser as cyton

        port.write(cyton.CMD_START)
        return b""

    def stop(self, port: serial.Serial) -> None:
        from emgkit.devices.cyton import parser as cyton

        with contextlib.suppress(Exception):
            port.write(cyton.CMD_STOP)


def _with_gain(settings: Any, gain: int) -> Any:
    import dataclasses

    return dataclasses.replace(settings, gain=int(gain))


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

    def prepare(self, port: serial.Serial) -> None:
        from emgkit.devices.arduino import framed

        tap = _TapPort(port)
        client = framed.CommandClient(tap, framed.FramedParser(1, 1000.0), timeout=self.timeout)
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
        self.parser_spec = {"class": "emgkit.devices.arduino.framed:FramedParser", "kwargs": kwargs}
        self.extra = {
            "adc_bits": info.adc_bits,
            "vref_mv": info.vref_mv,
            "kinds": [int(c.kind) for c in cfg.channels],
            "samples_per_frame": cfg.samples_per_frame,
        }

    def start(self, port: serial.Serial) -> bytes:
        from emgkit.devices.arduino import framed

        tap = _TapPort(port)
        client = framed.CommandClient(
            tap,
            framed.FramedParser(int(self.parser_spec["kwargs"]["n_channels"]), 1000.0),
            timeout=self.timeout,
        )
        tap.mark()
        client.start()
        return tap.taken()

    def stop(self, port: serial.Serial) -> None:
        from emgkit.devices.arduino import framed

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
    from emgkit.devices.arduino import framed

    cfg = info.config
    return {
        "class": "emgkit.devices.arduino.myoware:MyoWareConverter",
        "kwargs": {
            "kinds": [framed.ChannelKindCode(int(c.kind)).name for c in cfg.channels],
            "adc_bits": int(info.adc_bits),
            "vref_mv": float(info.vref_mv),
            "pot_kohm": [c.pot_ohm / 1000.0 for c in cfg.channels],
        },
    }


def make_driver(
    device: str,
    *,
    fs: float | None = None,
    gains: list[int] | int | None = None,
    n_channels: int | None = None,
    kinds: list[str] | None = None,
) -> DeviceDriver:
    """The driver for a device name ("cyton", "cyton-daisy", "arduino"; "emulated-" allowed)."""
    base = device.removeprefix("emulated-")
    if base in ("cyton", "cyton-daisy"):
        if fs is not None and fs not in (250.0, 125.0):
            raise ConfigError(
                "the Cyton streams at a fixed 250 Hz over the dongle (125 Hz with the Daisy); "
                "leave fs unset"
            )
        g = [gains] if isinstance(gains, int) else gains
        return CytonDriver(daisy=base == "cyton-daisy", gains=g)
    if base == "arduino":
        return ArduinoDriver(fs=fs, n_channels=n_channels, kinds=kinds)
    raise ConfigError(
        f"unknown device {device!r}; use cyton, cyton-daisy, arduino or their emulated- forms"
    )


# ---------------------------------------------------------------------- listing


@dataclass(frozen=True, slots=True)
class PortInfo:
    """A serial port and what the probe found on it.

    Attributes
    ----------
    port : str
    description : str
    vid, pid : int or None
    serial_number : str or None
    kind : str
        "cyton-dongle", "emgkit-arduino", "ftdi" (an FTDI chip that did not answer), "unknown".
    detail : str
        Banner / INFO text or the probe error.
    """

    port: str
    description: str = ""
    vid: int | None = None
    pid: int | None = None
    serial_number: str | None = None
    kind: str = "unknown"
    detail: str = ""


def probe_port(port: str, *, timeout: float = 0.5, vid: int | None = None) -> tuple[str, str]:
    """Identify what answers on ``port`` without hanging: ``(kind, detail)``.

    Tries the emgkit firmware's IDENTIFY (-> INFO) first, then the Cyton ``v`` banner (only on
    FTDI ports, or when ``vid`` is unknown), each bounded by ``timeout``.
    """
    try:
        ser = open_port(port, timeout=timeout / 5, write_timeout=timeout)
    except DeviceError as exc:
        return "unknown", str(exc)
    try:
        from emgkit.devices.arduino import framed

        try:
            client = framed.CommandClient(ser, framed.FramedParser(1, 1000.0), timeout=timeout)
            info = client.identify()
            return "emgkit-arduino", f"{info.board} fw {'.'.join(map(str, info.fw_version))}"
        except (DeviceError, serial.SerialException, OSError):
            pass
        if vid in (None, FTDI_VID):
            from emgkit.devices.cyton import parser as cyton

            try:
                cmd = cyton.CytonCommander(ser, timeout=timeout, settle=0.0)
                ser.reset_input_buffer()
                ser.write(cyton.CMD_STOP)
                ser.write(cyton.CMD_SOFT_RESET)
                text = cmd.read_reply(what="'v'")
                if "OpenBCI" in text or "ADS1299" in text:
                    return "cyton-dongle", text.strip().splitlines()[0] if text.strip() else ""
                if cyton.is_failure_reply(text):
                    return "cyton-dongle", "dongle present, board off: " + text.strip()
            except (DeviceError, serial.SerialException, OSError):
                pass
        return ("ftdi" if vid == FTDI_VID else "unknown"), "no known device answered"
    finally:
        with contextlib.suppress(Exception):
            ser.close()


def list_devices(*, probe: bool = True, timeout: float = 0.5) -> list[PortInfo]:
    """Serial ports on this machine, each probed for a Cyton dongle or the emgkit firmware.

    Parameters
    ----------
    probe : bool
        Send identification commands (IDENTIFY, ``v``). Off: list only.
    timeout : float
        Per-port probe budget in seconds (a silent port cannot hang the listing).
    """
    from serial.tools import list_ports

    out: list[PortInfo] = []
    for p in sorted(list_ports.comports(), key=lambda p: p.device):
        kind, detail = "unknown", ""
        if p.vid == FTDI_VID:
            kind = "ftdi"
        if probe:
            kind, detail = probe_port(p.device, timeout=timeout, vid=p.vid)
        out.append(
            PortInfo(
                port=p.device,
                description=str(p.description or ""),
                vid=p.vid,
                pid=p.pid,
                serial_number=p.serial_number,
                kind=kind,
                detail=detail,
            )
        )
    return out


def parser_for(driver: DeviceDriver) -> StreamParser:
    """Shorthand for ``driver.make_parser()``."""
    return driver.make_parser()
