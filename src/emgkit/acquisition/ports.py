"""Serial ports: list them and probe each for a Cyton dongle or the emgkit sketch.

The per-device drivers live with their device (:mod:`emgkit.devices`); this module only
talks to ports the operating system lists.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import serial

from emgkit.acquisition.transport import open_port
from emgkit.devices.arduino import framed
from emgkit.devices.arduino.client import CommandClient
from emgkit.devices.cyton import parser as cyton
from emgkit.devices.cyton.commander import CytonCommander
from emgkit.errors import DeviceError

__all__ = [
    "PortInfo",
    "list_devices",
    "probe_port",
]

FTDI_VID = 0x0403


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

    Parameters
    ----------
    port : str
        Device path or pyserial URL.
    timeout : float
        Seconds each probe may take.
    vid : int, optional
        USB vendor id of the port, when known (the Cyton probe runs on FTDI or unknown ports).
    """
    try:
        ser = open_port(port, timeout=timeout / 5, write_timeout=timeout)
    except DeviceError as exc:
        return "unknown", str(exc)
    try:
        try:
            client = CommandClient(ser, framed.FramedParser(1, 1000.0), timeout=timeout)
            info = client.identify()
            return "emgkit-arduino", f"{info.board} fw {'.'.join(map(str, info.fw_version))}"
        except (DeviceError, serial.SerialException, OSError):
            pass
        if vid in (None, FTDI_VID):
            try:
                cmd = CytonCommander(ser, timeout=timeout, settle=0.0)
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
