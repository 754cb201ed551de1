"""Talking to a Cyton over a port: handshake, configuration, start and stop.

The pure codec (packets, command bytes, reply parsers) is :mod:`emgkit.devices.cyton.parser`;
this module is the only Cyton code that writes to and reads from a port.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Protocol

from emgkit.devices.cyton.parser import (
    CMD_8_CHANNELS,
    CMD_DEFAULTS,
    CMD_SOFT_RESET,
    CMD_START,
    CMD_STOP,
    DEFAULT_CHANNEL_SETTINGS,
    DEFAULT_GAIN,
    EOT,
    SEMG_BIPOLAR_SETTINGS,
    UNUSED_CHANNEL_SETTINGS,
    ChannelSettings,
    CytonBanner,
    CytonParser,
    _check_channel,
    channel_settings_command,
    is_failure_reply,
    parse_banner,
    parse_channel_set_reply,
    split_replies,
)
from emgkit.errors import DeviceError
from emgkit.recording import SessionInfo

__all__ = ["CytonCommander", "PortLike"]


class PortLike(Protocol):
    """What :class:`CytonCommander` needs from a port (a pyserial ``Serial`` qualifies)."""

    def write(self, data: bytes, /) -> int | None:
        """Write ``data``; return the bytes written (or None)."""
        ...

    def read(self, size: int = 1, /) -> bytes:
        """Read up to ``size`` bytes; fewer (or none) when the port's timeout passes."""
        ...

    def reset_input_buffer(self) -> None:
        """Drop the bytes received and not read yet."""
        ...


class CytonCommander:
    """Handshake, configuration and start/stop of a Cyton over a port-like object.

    Parameters
    ----------
    port : PortLike
        Open port (115200 baud 8-N-1 for the real dongle): ``write(bytes)``, ``read(n)`` that
        returns early with fewer bytes when its timeout expires, ``reset_input_buffer()``.
    daisy : bool
        Use 16 channels (requires a Daisy). Default False: with a Daisy attached the
        commander sends ``c`` so the board streams 8 channels at 250 Hz, which doubles the
        rate and keeps the bandwidth at 65 Hz instead of 46 Hz (the bridge test needs 6).
    timeout : float
        Seconds to wait for each text reply (the soft reset alone takes ~0.5 s).
    settle : float
        Seconds to let a stream stopped by ``s`` drain before the input buffer is cleared.
    clock, sleep : callables
        Injected for tests (default :func:`time.monotonic`, :func:`time.sleep`).

    Attributes
    ----------
    parser : CytonParser
        Decodes what the board streams, with gains kept equal to the configured ones.
    banner : CytonBanner or None
        Set by :meth:`connect`.
    """

    def __init__(
        self,
        port: PortLike,
        *,
        daisy: bool = False,
        timeout: float = 3.0,
        settle: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.port = port
        self.daisy = bool(daisy)
        self.timeout = float(timeout)
        self.settle = float(settle)
        self._clock = clock
        self._sleep = sleep
        self.parser = CytonParser(daisy=self.daisy)
        self.banner: CytonBanner | None = None
        self.settings: dict[int, ChannelSettings] = {}
        self.streaming = False

    # -- low level ------------------------------------------------------------------------
    def read_reply(self, timeout: float | None = None, what: str = "reply") -> str:
        """Read until ``$$$`` and return the text before it.

        Parameters
        ----------
        timeout : float, optional
            Seconds to wait (default: the commander's timeout).
        what : str
            What is awaited, for the error message.

        Raises
        ------
        DeviceError
            Nothing ending in ``$$$`` arrived within ``timeout`` seconds.
        """
        limit = self.timeout if timeout is None else float(timeout)
        deadline = self._clock() + limit
        buf = bytearray()
        while True:
            chunk = self.port.read(1)
            if chunk:
                buf += chunk
                waiting = getattr(self.port, "in_waiting", 0)
                if isinstance(waiting, int) and waiting > 0:
                    buf += self.port.read(waiting)
                if EOT in buf:
                    replies, _ = split_replies(bytes(buf))
                    return replies[0]
            elif self._clock() >= deadline:
                break
        if not buf:
            raise DeviceError(
                f"no reply from the Cyton dongle to {what} within {limit:g} s: is it plugged "
                "in, is the board switched on (PC side), is this the dongle's port (115200 "
                "baud), and is no other program (OpenBCI GUI) holding the port?"
            )
        raise DeviceError(
            f"incomplete reply from the Cyton to {what} (no '$$$' within {limit:g} s): "
            f"{bytes(buf[:120])!r}; the board may still be streaming: send 's' and retry"
        )

    def command(self, cmd: bytes, *, expect_reply: bool = True) -> str | None:
        """Write ``cmd``; read and return its reply unless ``expect_reply`` is False.

        Parameters
        ----------
        cmd : bytes
            The command bytes.
        expect_reply : bool
            Wait for a ``$$$``-terminated reply.
        """
        self.port.write(cmd)
        if not expect_reply:
            return None
        reply = self.read_reply(what=repr(cmd))
        return reply

    # -- handshake ------------------------------------------------------------------------
    def connect(self) -> CytonBanner:
        """Stop any stream, soft-reset (``v``), check the board, select 8/16 ch, defaults (``d``).

        Raises
        ------
        DeviceError
            No reply (dongle missing or wrong port), a ``Failure`` reply (dongle present,
            board off), or a Daisy requested that the board does not have.
        """
        self.port.write(CMD_STOP)
        self.streaming = False
        if self.settle > 0:
            self._sleep(self.settle)
        self.port.reset_input_buffer()
        self.port.write(CMD_SOFT_RESET)
        text = self.read_reply(what="'v' (soft reset)")
        banner = parse_banner(text)
        if self.daisy and not banner.daisy:
            raise DeviceError(
                "16 channels requested but the Cyton reports no Daisy module "
                f"(banner: {banner.board!r}); seat the Daisy or use daisy=False"
            )
        if banner.daisy and not self.daisy:
            self.command(CMD_8_CHANNELS)  # "daisy removed$$$"
        self.banner = banner
        self.parser = CytonParser(daisy=self.daisy)
        self.defaults()
        return banner

    def defaults(self) -> None:
        """``d``: every channel back to the firmware default (gain 24), parser gains too."""
        reply = self.command(CMD_DEFAULTS) or ""
        if is_failure_reply(reply):
            raise DeviceError(
                f"the Cyton dongle answered {reply.strip()!r}: the board is off or out of "
                "radio reach; switch it on (PC side) and check its battery"
            )
        self.parser.set_gains(DEFAULT_GAIN)
        n = self.parser.n_channels
        self.settings = dict.fromkeys(range(1, n + 1), DEFAULT_CHANNEL_SETTINGS)

    def set_channel(self, channel: int, settings: ChannelSettings) -> None:
        """Send one channel's settings, check the confirmation, update the parser's gain.

        Parameters
        ----------
        channel, settings
            As :func:`~emgkit.devices.cyton.parser.channel_settings_command`.
        """
        if self.streaming:
            raise DeviceError("stop streaming before changing channel settings")
        ch = _check_channel(channel, self.parser.n_channels)
        reply = self.command(channel_settings_command(ch, settings)) or ""
        got = parse_channel_set_reply(reply)
        if got != ch:
            raise DeviceError(f"asked to set channel {ch}, the Cyton confirmed channel {got}")
        self.parser.set_gain(ch, settings.gain)
        self.settings[ch] = settings

    def configure_semg(
        self,
        channels: Iterable[int] | None = None,
        settings: ChannelSettings = SEMG_BIPOLAR_SETTINGS,
        power_down_unused: bool = True,
    ) -> None:
        """Configure ``channels`` (default: all) for bipolar sEMG; power down the others.

        Parameters
        ----------
        channels : iterable of int, optional
            Channels 1..16 to configure (default: all of the board's).
        settings : ChannelSettings
            Settings of each configured channel (default: bipolar sEMG).
        power_down_unused : bool
            Power down the channels not in ``channels``.
        """
        n = self.parser.n_channels
        used = sorted(set(range(1, n + 1) if channels is None else channels))
        for ch in used:
            self.set_channel(ch, settings)
        if power_down_unused:
            for ch in range(1, n + 1):
                if ch not in used:
                    self.set_channel(ch, UNUSED_CHANNEL_SETTINGS)

    def start(self) -> None:
        """``b``: start streaming (no reply; packets follow)."""
        self.parser.reset()
        self.port.write(CMD_START)
        self.streaming = True

    def stop(self) -> None:
        """``s``: stop streaming (no reply). Call ``parser.flush()`` for the last packet."""
        self.port.write(CMD_STOP)
        self.streaming = False

    def session_info(self, **kwargs: object) -> SessionInfo:
        """A :class:`SessionInfo` with device, firmware, gain and the hardware bandwidth."""
        gains = set(self.parser.gains)
        dev = "OpenBCI Cyton + Daisy" if self.daisy else "OpenBCI Cyton"
        info = SessionInfo(
            device=dev,
            firmware=(self.banner.firmware or "") if self.banner else "",
            gain=float(gains.pop()) if len(gains) == 1 else None,
            hardware_bandwidth_hz=self.parser.hardware_bandwidth_hz,
        )
        info.extra["cyton_gains"] = list(self.parser.gains)
        info.extra["cyton_channel_commands"] = {
            ch: channel_settings_command(ch, s).decode() for ch, s in self.settings.items()
        }
        for k, v in kwargs.items():
            setattr(info, k, v)
        return info
