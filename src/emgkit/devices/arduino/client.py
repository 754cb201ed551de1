"""Talking to the emgkit_stream sketch over a port: IDENTIFY, CONFIGURE, START, STOP.

The pure codec (COBS framing, CRC, message encoders/decoders, :class:`FramedParser`) is
:mod:`emgkit.devices.arduino.framed`; this module is the only Arduino code that reads and
writes a port.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from emgkit.devices.arduino.framed import (
    Ack,
    FramedParser,
    Info,
    MsgType,
    Nak,
    Reply,
    Status,
    StreamConfig,
    _config_body,
    encode_command,
)
from emgkit.devices.base import ParseResult
from emgkit.errors import DeviceError

__all__ = ["CommandClient", "PortLike"]


class PortLike(Protocol):
    """What :class:`CommandClient` needs from a port: blocking-with-timeout read, and write.

    A port that also has ``in_waiting`` (pyserial's) is read as far as it holds bytes, so a
    reply is taken as soon as it has arrived.
    """

    def write(self, data: bytes, /) -> int | None:
        """Write ``data``; return the bytes written (or None)."""
        ...

    def read(self, size: int = 1, /) -> bytes:
        """Read up to ``size`` bytes; fewer (or none) when the port's timeout passes."""
        ...


class CommandClient:
    """Run IDENTIFY / CONFIGURE / START / STOP / PING over a port-like object.

    Parameters
    ----------
    port : object with ``write(bytes)`` and ``read(n) -> bytes``
        ``read`` should return what is available (possibly ``b""``) within the port's own
        timeout, as pyserial does with ``timeout`` set.
    parser : FramedParser
        Receives every byte read; DATA rows decoded while waiting are kept in
        :attr:`pending` (a list of ParseResult) so no sample is lost during a command.
    timeout : float
        Seconds to wait for each reply.
    clock : callable
        Monotonic clock (injectable for tests).

    Raises
    ------
    DeviceError
        From every method when no reply arrives in time or the device NAKs.
    """

    def __init__(
        self,
        port: PortLike,
        parser: FramedParser,
        timeout: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.port = port
        self.parser = parser
        self.timeout = float(timeout)
        self.clock = clock
        self.pending: list[ParseResult] = []
        self._tag = 0

    def _next_tag(self) -> int:
        self._tag = (self._tag % 255) + 1
        return self._tag

    def _exchange(self, msg_type: MsgType, body: bytes = b"") -> Reply:
        tag = self._next_tag()
        self.port.write(encode_command(msg_type, tag, body))
        deadline = self.clock() + self.timeout
        while True:
            for i, rep in enumerate(self.parser.replies):
                if isinstance(rep, Status):
                    continue
                if rep.tag != tag and not (isinstance(rep, Nak) and rep.tag == 0):
                    continue
                del self.parser.replies[i]
                if isinstance(rep, Nak):
                    raise DeviceError(
                        f"device {rep.describe()} (tag {tag}); check the requested settings "
                        "against IDENTIFY's limits"
                    )
                return rep
            if self.clock() >= deadline:
                raise DeviceError(
                    f"no reply to {msg_type.name} within {self.timeout:g} s; check the port, the "
                    "baud rate and that the emgkit_stream firmware (protocol v1) is flashed"
                )
            chunk = self.port.read(self._read_size())
            if chunk:
                res = self.parser.feed(chunk)
                if res.samples.shape[0] or res.n_lost:
                    self.pending.append(res)

    def _read_size(self) -> int:
        """Bytes to ask ``read`` for: what the port already holds, at least one.

        A pyserial ``read(n)`` returns early only once it has ``n`` bytes, so asking for more
        than a short reply holds waits out the port's whole timeout (50 ms per command with
        the recorder's ports); with ``in_waiting`` it returns as soon as the reply is there.
        A port that cannot say (no ``in_waiting``) is asked for 256 bytes.
        """
        try:
            waiting = self.port.in_waiting  # type: ignore[attr-defined]
        except Exception:  # no such attribute, or a port that failed: read() reports it
            return 256
        if not isinstance(waiting, int):
            return 256
        return max(1, min(waiting, 1 << 16))

    def identify(self) -> Info:
        """Send IDENTIFY and return the device's INFO."""
        rep = self._exchange(MsgType.IDENTIFY)
        if not isinstance(rep, Info):
            raise DeviceError(f"IDENTIFY answered with {type(rep).__name__}, expected INFO")
        return rep

    def _expect_ack(self, msg_type: MsgType, body: bytes = b"") -> None:
        rep = self._exchange(msg_type, body)
        if not isinstance(rep, Ack) or rep.command != msg_type:
            raise DeviceError(f"{msg_type.name} answered with {rep!r}, expected ACK")

    def configure(self, config: StreamConfig) -> None:
        """Send CONFIGURE; the parser's channel count must match afterwards."""
        self._expect_ack(MsgType.CONFIGURE, _config_body(config))

    def start(self) -> None:
        """Reset the parser to expect sample 0, then send START."""
        self.parser.reset(first_sequence=0)
        self._expect_ack(MsgType.START)

    def stop(self) -> None:
        """Send STOP (DATA frames already in flight are still decoded into :attr:`pending`)."""
        self._expect_ack(MsgType.STOP)

    def ping(self) -> None:
        """Send PING and wait for its ACK."""
        self._expect_ack(MsgType.PING)
