"""Host side of the emgkit serial protocol v1 (MyoWare/Arduino firmware): framing and decoding.

The wire format is specified in ``firmware_interface/PROTOCOL.md``; the firmware side lives in
``firmware_interface/common/emgkit_frame.[ch]`` and ``firmware_interface/arduino/emgkit_stream``.
In short, every frame on the wire is::

    COBS(payload || CRC-16/CCITT-FALSE(payload) as 2 bytes, most significant first) || 0x00

and every payload starts with a type byte and the protocol version (1). DATA payloads carry a
uint32 sample counter (``seq``, the index of the frame's first sample on the device's sample
clock), the uint32 ``micros()`` time of that first sample, the channel count, the number of
samples ``k`` and ``k x n_channels`` uint16 ADC counts (sample-major, little-endian).

This module is pure: :class:`FramedParser` turns bytes into arrays (a
:class:`~emgkit.devices.base.StreamParser`), the ``encode_*`` functions turn messages into
bytes, and :class:`CommandClient` runs the command exchange over any object with
``write(bytes)`` and ``read(n)`` (a pyserial port, a pty, or a fake in tests).
"""

from __future__ import annotations

import binascii
import math
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

import numpy as np
import numpy.typing as npt

from emgkit.devices.base import ParseResult
from emgkit.errors import ConfigError, FormatError

__all__ = [
    "DATA_HEADER_SIZE",
    "MAX_PAYLOAD",
    "PROTOCOL_VERSION",
    "Ack",
    "ChannelConfig",
    "ChannelKindCode",
    "Command",
    "DataFrame",
    "ErrorCode",
    "FramedParser",
    "Info",
    "Message",
    "MsgType",
    "Nak",
    "Reply",
    "Status",
    "StatusCode",
    "StreamConfig",
    "cobs_decode",
    "cobs_encode",
    "crc16",
    "data_frame_size",
    "decode_payload",
    "default_samples_per_frame",
    "encode_ack",
    "encode_command",
    "encode_configure",
    "encode_data_frame",
    "encode_data_frames",
    "encode_info",
    "encode_nak",
    "encode_status",
    "frame_payload",
    "link_budget",
    "unframe",
]

#: Protocol version carried in byte 1 of every payload.
PROTOCOL_VERSION = 1
#: Largest payload (type byte to last sample, CRC excluded) a v1 receiver must accept.
MAX_PAYLOAD = 1024
#: DATA header: type, version, seq (u32), t_us (u32), n_channels (u8), n_samples (u8).
DATA_HEADER_SIZE = 12
#: Largest encoded frame body (without the 0x00 delimiter) for ``MAX_PAYLOAD``.
MAX_ENCODED = MAX_PAYLOAD + 2 + (MAX_PAYLOAD + 2 + 253) // 254
#: Frame rate the default samples-per-frame aims to stay under (frames per second).
TARGET_FRAME_RATE = 500.0

_U32 = 1 << 32
_HALF = 1 << 31
# INFO head: type, version, tag, fw major/minor/patch, adc_bits, vref_mv, max_channels,
# max_frame_values, max_rate_hz, streaming (then board name and config)
_INFO_HEAD = struct.Struct("<BBBBBBBHBHIB")


class MsgType(IntEnum):
    """Payload type byte. 0x01-0x3F device data, 0x40-0x7F commands, 0x80-0xBF replies."""

    DATA = 0x01
    IDENTIFY = 0x40
    CONFIGURE = 0x41
    START = 0x42
    STOP = 0x43
    PING = 0x44
    INFO = 0x80
    ACK = 0x81
    NAK = 0x82
    STATUS = 0x83


class ChannelKindCode(IntEnum):
    """Which MyoWare 2.0 output an analog pin is wired to (CONFIGURE / INFO)."""

    RAW = 0
    ENV = 1
    RECT = 2
    REF = 3


class ErrorCode(IntEnum):
    """NAK error codes."""

    BAD_LENGTH = 1  #: payload too short or too long for its type
    UNKNOWN_TYPE = 2  #: type byte not a known command
    BAD_VERSION = 3  #: protocol version not spoken by the device
    BAD_RATE = 4  #: rate 0 or above the board's limit for that many channels
    BAD_CHANNELS = 5  #: channel count 0 or above max_channels
    BAD_PIN = 6  #: analog pin index not available on the board
    BAD_KIND = 7  #: channel kind not in ChannelKindCode
    BAD_FRAME_SIZE = 8  #: samples_per_frame x channels does not fit the frame buffer
    BUSY = 9  #: CONFIGURE or START while streaming
    BAD_FRAME = 10  #: a command frame failed its CRC or COBS (tag unknown: 0)


class StatusCode(IntEnum):
    """STATUS codes (device -> host, unsolicited)."""

    BOOT = 1  #: the device (re)started; value = 0
    OVERRUN = 2  #: the ISR ring buffer overflowed; value = total samples dropped since START
    TX_STALL = 3  #: the host did not drain the serial link; value = samples dropped


# --------------------------------------------------------------------------- CRC and COBS
def crc16(data: bytes | bytearray | memoryview, crc: int = 0xFFFF) -> int:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final XOR).

    ``crc16(b"123456789") == 0x29B1``. Appending the CRC most significant byte first makes the
    CRC of the whole frame 0, which is how receivers check it.

    Parameters
    ----------
    data : bytes-like
        Bytes to checksum.
    crc : int
        Running CRC to continue from (0xFFFF, the initial value, for a new computation).

    Returns
    -------
    int
        The 16-bit CRC.
    """
    return binascii.crc_hqx(data, crc)


def cobs_encode(data: bytes | bytearray | memoryview) -> bytes:
    """Consistent Overhead Byte Stuffing (Cheshire & Baker 1999); output has no 0x00 byte.

    A run of 254 non-zero bytes that ends the input is *not* followed by an empty ``0x01``
    block, so ``len(out) == len(data) + max(1, ceil(len(data) / 254))`` at most.
    """
    out = bytearray()
    chunks = bytes(data).split(b"\x00")
    last = len(chunks) - 1
    for i, chunk in enumerate(chunks):
        pos, n = 0, len(chunk)
        while n - pos > 254 or (n - pos == 254 and i != last):
            out.append(0xFF)
            out += chunk[pos : pos + 254]
            pos += 254
        rest = n - pos
        if i == last and rest == 254:
            out.append(0xFF)
            out += chunk[pos:]
        elif i == last and rest == 0 and pos > 0:
            pass
        else:
            out.append(rest + 1)
            out += chunk[pos:]
    return bytes(out)


def cobs_decode(data: bytes | bytearray | memoryview) -> bytes:
    """Inverse of :func:`cobs_encode` for one frame body (without the 0x00 delimiter).

    Raises
    ------
    FormatError
        On a 0x00 byte inside the body or a block that runs past its end.
    """
    buf = bytes(data)
    n = len(buf)
    out = bytearray()
    i = 0
    while i < n:
        code = buf[i]
        if code == 0:
            raise FormatError(f"COBS: 0x00 inside a frame body at byte {i}")
        j = i + code
        if j > n:
            raise FormatError(f"COBS: block at byte {i} needs {code - 1} bytes, {n - i - 1} left")
        out += buf[i + 1 : j]
        if code != 0xFF and j < n:
            out.append(0)
        i = j
    return bytes(out)


def frame_payload(payload: bytes | bytearray) -> bytes:
    """Wrap a payload into a wire frame: COBS(payload || CRC big-endian) || 0x00."""
    if len(payload) > MAX_PAYLOAD:
        raise ConfigError(f"payload of {len(payload)} bytes exceeds the v1 limit {MAX_PAYLOAD}")
    body = bytes(payload) + crc16(payload).to_bytes(2, "big")
    return cobs_encode(body) + b"\x00"


def unframe(body: bytes | bytearray | memoryview) -> bytes:
    """Check and strip one frame body (without its 0x00); returns the payload.

    Raises
    ------
    FormatError
        On a COBS error, a body shorter than type + version + CRC, or a CRC mismatch.
    """
    dec = cobs_decode(body)
    if len(dec) < 4:
        raise FormatError(f"frame of {len(dec)} bytes is shorter than type+version+CRC (4)")
    if crc16(dec) != 0:
        raise FormatError(
            f"CRC mismatch: frame says {int.from_bytes(dec[-2:], 'big'):#06x}, "
            f"payload gives {crc16(dec[:-2]):#06x}"
        )
    return dec[:-2]


# --------------------------------------------------------------------------- messages
@dataclass(frozen=True, slots=True)
class ChannelConfig:
    """One acquired channel: analog pin index (0 = A0), MyoWare output kind, gain pot in ohms."""

    pin: int
    kind: ChannelKindCode = ChannelKindCode.RAW
    pot_ohm: int = 50_000


@dataclass(frozen=True, slots=True)
class StreamConfig:
    """Acquisition settings (CONFIGURE body, echoed in INFO).

    ``samples_per_frame == 0`` in a CONFIGURE asks the device for its default
    (:func:`default_samples_per_frame`); INFO always reports the value in use.
    """

    rate_hz: int
    channels: tuple[ChannelConfig, ...]
    samples_per_frame: int = 0

    @property
    def n_channels(self) -> int:
        """Number of channels."""
        return len(self.channels)


@dataclass(frozen=True, slots=True)
class DataFrame:
    """A decoded DATA payload. ``counts`` has shape (k, n_channels), dtype uint16."""

    seq: int
    t_us: int
    counts: npt.NDArray[np.uint16]


@dataclass(frozen=True, slots=True)
class Command:
    """A host -> device command. ``config`` is set for CONFIGURE only."""

    type: MsgType
    tag: int = 0
    config: StreamConfig | None = None


@dataclass(frozen=True, slots=True)
class Info:
    """INFO reply to IDENTIFY.

    ``max_frame_values`` is the largest ``samples_per_frame x n_channels`` the device's frame
    buffer holds; ``max_rate_hz`` the largest *aggregate* conversion rate (``rate_hz x
    n_channels``) it accepts; ``streaming`` whether START is in effect.
    """

    tag: int
    protocol_version: int
    fw_version: tuple[int, int, int]
    adc_bits: int
    vref_mv: int
    max_channels: int
    max_frame_values: int
    max_rate_hz: int
    board: str
    config: StreamConfig
    streaming: bool = False


@dataclass(frozen=True, slots=True)
class Ack:
    """ACK: ``command`` (a MsgType value) with ``tag`` succeeded."""

    tag: int
    command: int


@dataclass(frozen=True, slots=True)
class Nak:
    """NAK: ``command`` with ``tag`` was refused with ``error`` (an ErrorCode value)."""

    tag: int
    command: int
    error: int

    def describe(self) -> str:
        """Human-readable error."""
        try:
            name = ErrorCode(self.error).name
        except ValueError:
            name = f"error {self.error}"
        try:
            cmd = MsgType(self.command).name
        except ValueError:
            cmd = f"type {self.command:#04x}"
        return f"{cmd} refused: {name}"


@dataclass(frozen=True, slots=True)
class Status:
    """Unsolicited STATUS: ``code`` (StatusCode), device sample clock ``seq``, ``value``."""

    code: int
    seq: int
    value: int


Reply = Info | Ack | Nak | Status
Message = DataFrame | Command | Info | Ack | Nak | Status


def default_samples_per_frame(rate_hz: float, n_channels: int) -> int:
    """Samples per DATA frame the firmware uses when CONFIGURE asks for 0.

    ``ceil(rate_hz / 500)`` so that at most 500 frames/s cross the link (1 at <= 500 Hz, 2 at
    1 kHz, 8 at 4 kHz), capped so that the payload fits :data:`MAX_PAYLOAD` and 255.

    Parameters
    ----------
    rate_hz : float
        Sampling rate of every channel in Hz (positive).
    n_channels : int
        Channels in each sample (positive).

    Returns
    -------
    int
        Samples per frame, in 1..255.

    Raises
    ------
    ConfigError
        When ``rate_hz`` or ``n_channels`` is not positive.
    """
    if rate_hz <= 0 or n_channels <= 0:
        raise ConfigError(f"rate_hz ({rate_hz}) and n_channels ({n_channels}) must be positive")
    k = max(1, math.ceil(rate_hz / TARGET_FRAME_RATE))
    cap = min(255, (MAX_PAYLOAD - DATA_HEADER_SIZE) // (2 * n_channels))
    return max(1, min(k, cap))


def data_frame_size(n_channels: int, samples_per_frame: int) -> int:
    """Worst-case bytes on the wire for one DATA frame (COBS overhead and 0x00 included).

    Parameters
    ----------
    n_channels : int
        Channels in each sample.
    samples_per_frame : int
        Samples carried by the frame.

    Returns
    -------
    int
        Bytes: header, ``2 x n_channels x samples_per_frame`` count bytes, CRC, COBS overhead
        and the 0x00 delimiter.
    """
    body = DATA_HEADER_SIZE + 2 * n_channels * samples_per_frame + 2
    return body + max(1, math.ceil(body / 254)) + 1


def link_budget(
    n_channels: int, rate_hz: float, samples_per_frame: int, bytes_per_s: float
) -> dict[str, float]:
    """Wire load of a stream on a link carrying ``bytes_per_s`` (8N1 UART: baud / 10).

    Parameters
    ----------
    n_channels : int
        Channels in each sample.
    rate_hz : float
        Sampling rate of every channel in Hz.
    samples_per_frame : int
        Samples per DATA frame.
    bytes_per_s : float
        Bytes per second the link carries (an 8N1 UART: baud / 10).

    Returns
    -------
    dict of str to float
        ``frames_per_s``, ``bytes_per_s`` needed (worst case, :func:`data_frame_size`) and
        ``utilisation`` (needed / available; above 1 the link cannot keep up).
    """
    fps = rate_hz / samples_per_frame
    need = fps * data_frame_size(n_channels, samples_per_frame)
    return {"frames_per_s": fps, "bytes_per_s": need, "utilisation": need / bytes_per_s}


def _config_body(cfg: StreamConfig) -> bytes:
    n = cfg.n_channels
    if not 0 <= cfg.samples_per_frame <= 255 or not 1 <= n <= 255:
        raise ConfigError(
            f"samples_per_frame must be 0-255 and channel count 1-255, got "
            f"{cfg.samples_per_frame} and {n}"
        )
    if not 0 < cfg.rate_hz < _U32:
        raise ConfigError(f"rate_hz must be a positive 32-bit integer, got {cfg.rate_hz}")
    out = bytearray(struct.pack("<IBB", cfg.rate_hz, n, cfg.samples_per_frame))
    for ch in cfg.channels:
        out += struct.pack("<BBI", ch.pin, int(ch.kind), ch.pot_ohm)
    return bytes(out)


def _parse_config(buf: bytes, off: int) -> tuple[StreamConfig, int]:
    rate, n, k = struct.unpack_from("<IBB", buf, off)
    off += 6
    chans = []
    for _ in range(n):
        pin, kind, pot = struct.unpack_from("<BBI", buf, off)
        chans.append(ChannelConfig(pin, ChannelKindCode(kind), pot))
        off += 6
    return StreamConfig(rate, tuple(chans), k), off


def encode_data_frame(seq: int, t_us: int, counts: npt.ArrayLike) -> bytes:
    """One DATA frame on the wire.

    Parameters
    ----------
    seq : int
        Device sample counter of the frame's first sample (taken modulo 2**32).
    t_us : int
        Device ``micros()`` time of the first sample in microseconds (taken modulo 2**32).
    counts : array_like
        ADC counts (0-65535), shape (k, n_channels) with k and n_channels in 1..255.

    Returns
    -------
    bytes
        The COBS-framed payload with its CRC and the 0x00 delimiter.

    Raises
    ------
    ConfigError
        When ``counts`` has the wrong shape or a count outside 0..65535.
    """
    arr = np.asarray(counts)
    if arr.ndim != 2 or not (1 <= arr.shape[0] <= 255 and 1 <= arr.shape[1] <= 255):
        raise ConfigError(f"counts must be (k, n_channels) with 1..255 each, got {arr.shape}")
    if arr.size and (arr.min() < 0 or arr.max() > 0xFFFF):
        raise ConfigError("ADC counts must lie in 0..65535")
    k, n = arr.shape
    head = struct.pack("<BBIIBB", MsgType.DATA, PROTOCOL_VERSION, seq % _U32, t_us % _U32, n, k)
    return frame_payload(head + arr.astype("<u2").tobytes())


_DATA_HEAD = struct.Struct("<BBIIBB")
#: seq, t_us, n_channels, k of a DATA payload (from its byte 2), and its type byte.
_DATA_FIELDS = struct.Struct("<IIBB")
_DATA_TYPE = int(MsgType.DATA)
_COBS_CODE = [bytes((i + 1,)) for i in range(254)]


def _encode_data_frame_u2(seq: int, t_us: int, counts: npt.NDArray[np.uint16]) -> bytes:
    """:func:`encode_data_frame` for a (k, n_channels) uint16 array (no checks: the device model).

    Byte for byte the same frame (``tests/devices/test_framed_batch.py``). A body (payload and
    CRC) of at most 253 bytes is COBS-encoded by splitting it at its zero bytes: every block
    is then shorter than 254 bytes, so its code is its length plus one.
    """
    k, n = counts.shape
    body = _DATA_HEAD.pack(1, PROTOCOL_VERSION, seq % _U32, t_us % _U32, n, k) + (
        counts.astype("<u2", copy=False).tobytes()
    )
    body += binascii.crc_hqx(body, 0xFFFF).to_bytes(2, "big")
    if len(body) > 253:
        return cobs_encode(body) + b"\x00"
    code = _COBS_CODE
    return b"".join([code[len(c)] + c for c in body.split(b"\x00")]) + b"\x00"


def _cobs_rows(body: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """:func:`cobs_encode` of every row of ``body`` ``(n_frames, m)`` with ``m <= 254``.

    Rows that short have no run of 254 non-zero bytes before their end, so the code of every
    block is simply its distance to the next zero (or to the end) and each encoded row is
    ``m + 1`` bytes: a leading code, then the row with each zero replaced by the code of the
    block after it.
    """
    f, m = body.shape
    pos = np.arange(m + 1)
    # index of the first zero at or after each position (the end, m, counts as a zero)
    zero_at = np.where(np.concatenate([body == 0, np.ones((f, 1), bool)], axis=1), pos, m + 1)
    nxt = np.minimum.accumulate(zero_at[:, ::-1], axis=1)[:, ::-1]
    out = np.empty((f, m + 1), dtype=np.uint8)
    out[:, 0] = nxt[:, 0] + 1
    out[:, 1:] = np.where(body == 0, nxt[:, 1:] - pos[:m], body)
    return out


def encode_data_frames(
    seq: npt.ArrayLike, t_us: npt.ArrayLike, counts: npt.ArrayLike
) -> list[bytes]:
    """Many DATA frames at once, each byte for byte :func:`encode_data_frame`'s.

    Parameters
    ----------
    seq, t_us : array_like of int, shape (n_frames,)
        Sequence number and ``micros()`` time of each frame's first sample (taken mod 2**32).
    counts : array_like, shape (n_frames, k, n_channels)
        ADC counts (0-65535) of every frame; all frames have the same ``k``.

    Returns
    -------
    list of bytes
        One wire frame (COBS body and its 0x00 delimiter) per row.

    Notes
    -----
    Headers, CRCs (table lookup, :func:`~emgkit.devices.arduino._framed_batch.crc16_rows`)
    and the COBS step are computed with numpy over the whole batch; frames whose body
    (payload and CRC) exceeds 254 bytes go through :func:`cobs_encode` one by one.
    """
    arr = np.asarray(counts)
    if arr.ndim != 3 or not (1 <= arr.shape[1] <= 255 and 1 <= arr.shape[2] <= 255):
        raise ConfigError(
            f"counts must be (n_frames, k, n_channels) with 1..255 each, got {arr.shape}"
        )
    if arr.size and (arr.min() < 0 or arr.max() > 0xFFFF):
        raise ConfigError("ADC counts must lie in 0..65535")
    f, k, n = arr.shape
    seqs = np.asarray(seq, dtype=np.int64).reshape(-1) % _U32
    times = np.asarray(t_us, dtype=np.int64).reshape(-1) % _U32
    if seqs.shape[0] != f or times.shape[0] != f:
        raise ConfigError(f"{f} frames of counts but {seqs.shape[0]} seq and {times.shape[0]} t_us")
    if f == 0:
        return []
    m = DATA_HEADER_SIZE + 2 * k * n
    if m > MAX_PAYLOAD:
        raise ConfigError(f"payload of {m} bytes exceeds the v1 limit {MAX_PAYLOAD}")
    body = np.empty((f, m + 2), dtype=np.uint8)
    body[:, 0] = MsgType.DATA
    body[:, 1] = PROTOCOL_VERSION
    body[:, 2:6] = seqs.astype("<u4").view(np.uint8).reshape(f, 4)
    body[:, 6:10] = times.astype("<u4").view(np.uint8).reshape(f, 4)
    body[:, 10] = n
    body[:, 11] = k
    body[:, DATA_HEADER_SIZE:m] = arr.astype("<u2").reshape(f, k * n).view(np.uint8)
    from emgkit.devices.arduino._framed_batch import crc16_rows

    crc = crc16_rows(body[:, :m])
    body[:, m] = crc >> 8
    body[:, m + 1] = crc & 0xFF
    if m + 2 > 254:
        return [cobs_encode(row.tobytes()) + b"\x00" for row in body]
    wire = np.zeros((f, m + 4), dtype=np.uint8)  # last column: the 0x00 delimiter
    wire[:, : m + 3] = _cobs_rows(body)
    blob = wire.tobytes()
    size = m + 4
    return [blob[i : i + size] for i in range(0, f * size, size)]


def encode_command(msg_type: MsgType | int, tag: int = 0, body: bytes = b"") -> bytes:
    """A command frame: IDENTIFY, START, STOP, PING take no body (see :func:`encode_configure`).

    Parameters
    ----------
    msg_type : MsgType or int
        Command type.
    tag : int
        Host-chosen tag (its low byte is sent) that the device echoes in its ACK or NAK.
    body : bytes
        Type-specific body (empty for IDENTIFY, START, STOP, PING).

    Returns
    -------
    bytes
        The frame on the wire.
    """
    return frame_payload(bytes([int(msg_type), PROTOCOL_VERSION, tag & 0xFF]) + body)


def encode_configure(config: StreamConfig, tag: int = 0) -> bytes:
    """A CONFIGURE frame.

    Parameters
    ----------
    config : StreamConfig
        Rate, channels and samples per frame to ask for.
    tag : int
        Host-chosen tag (low byte sent) echoed in the device's ACK or NAK.

    Returns
    -------
    bytes
        The frame on the wire.

    Raises
    ------
    ConfigError
        When the configuration does not fit the protocol's fields.
    """
    return encode_command(MsgType.CONFIGURE, tag, _config_body(config))


def encode_info(info: Info) -> bytes:
    """An INFO frame (device side; used by the device model and tests)."""
    name = info.board.encode("ascii")[:32]
    head = _INFO_HEAD.pack(
        MsgType.INFO,
        PROTOCOL_VERSION,
        info.tag & 0xFF,
        *info.fw_version,
        info.adc_bits,
        info.vref_mv,
        info.max_channels,
        info.max_frame_values,
        info.max_rate_hz,
        1 if info.streaming else 0,
    )
    return frame_payload(head + bytes([len(name)]) + name + _config_body(info.config))


def encode_ack(tag: int, command: int) -> bytes:
    """An ACK frame (device side).

    Parameters
    ----------
    tag : int
        Tag of the acknowledged command (low byte sent).
    command : int
        :class:`MsgType` value of the acknowledged command.

    Returns
    -------
    bytes
        The frame on the wire.
    """
    return frame_payload(bytes([MsgType.ACK, PROTOCOL_VERSION, tag & 0xFF, command & 0xFF]))


def encode_nak(tag: int, command: int, error: int) -> bytes:
    """A NAK frame (device side).

    Parameters
    ----------
    tag : int
        Tag of the refused command (low byte sent; 0 when the frame was unreadable).
    command : int
        :class:`MsgType` value of the refused command.
    error : int
        :class:`ErrorCode` value saying why.

    Returns
    -------
    bytes
        The frame on the wire.
    """
    return frame_payload(
        bytes([MsgType.NAK, PROTOCOL_VERSION, tag & 0xFF, command & 0xFF, error & 0xFF])
    )


def encode_status(code: int, seq: int, value: int) -> bytes:
    """A STATUS frame (device side, unsolicited).

    Parameters
    ----------
    code : int
        :class:`StatusCode` value.
    seq : int
        Device sample clock when it was sent (taken modulo 2**32).
    value : int
        Code-specific value, e.g. samples dropped for OVERRUN (taken modulo 2**32).

    Returns
    -------
    bytes
        The frame on the wire.
    """
    return frame_payload(
        struct.pack("<BBBII", MsgType.STATUS, PROTOCOL_VERSION, code, seq % _U32, value % _U32)
    )


def decode_payload(payload: bytes) -> Message:
    """Decode one checked payload (from :func:`unframe`) into a message object.

    Raises
    ------
    FormatError
        Unknown version or type, or a length that does not match the type.
    """
    if len(payload) < 2:
        raise FormatError(f"payload of {len(payload)} bytes has no type/version header")
    t, ver = payload[0], payload[1]
    if ver != PROTOCOL_VERSION:
        raise FormatError(
            f"protocol version {ver} (type {t:#04x}); this host speaks {PROTOCOL_VERSION}: "
            "update emgkit or flash the matching firmware"
        )
    try:
        mt = MsgType(t)
    except ValueError:
        raise FormatError(f"unknown frame type {t:#04x}") from None
    try:
        if mt is MsgType.DATA:
            _, _, seq, t_us, n, k = struct.unpack_from("<BBIIBB", payload)
            if len(payload) != DATA_HEADER_SIZE + 2 * n * k or n == 0 or k == 0:
                raise FormatError(
                    f"DATA frame of {len(payload)} bytes does not hold {k} x {n} samples"
                )
            counts = np.frombuffer(payload, "<u2", offset=DATA_HEADER_SIZE).reshape(k, n)
            return DataFrame(seq, t_us, counts.astype(np.uint16))
        if mt in (MsgType.IDENTIFY, MsgType.START, MsgType.STOP, MsgType.PING):
            if len(payload) != 3:
                raise FormatError(f"{mt.name} payload must be 3 bytes, got {len(payload)}")
            return Command(mt, payload[2])
        if mt is MsgType.CONFIGURE:
            cfg, end = _parse_config(payload, 3)
            if end != len(payload):
                raise FormatError(f"CONFIGURE payload of {len(payload)} bytes, expected {end}")
            return Command(mt, payload[2], cfg)
        if mt is MsgType.INFO:
            (_, _, tag, fa, fb, fc, bits, vref, maxch, maxvals, maxrate, streaming) = (
                _INFO_HEAD.unpack_from(payload)
            )
            off = _INFO_HEAD.size
            ln = payload[off]
            board = payload[off + 1 : off + 1 + ln].decode("ascii", "replace")
            cfg, _end = _parse_config(payload, off + 1 + ln)  # trailing bytes: later v1 fields
            return Info(
                tag,
                ver,
                (fa, fb, fc),
                bits,
                vref,
                maxch,
                maxvals,
                maxrate,
                board,
                cfg,
                bool(streaming),
            )
        if mt is MsgType.ACK:
            return Ack(payload[2], payload[3])
        if mt is MsgType.NAK:
            return Nak(payload[2], payload[3], payload[4])
        _, _, code, seq, value = struct.unpack_from("<BBBII", payload)
        return Status(code, seq, value)
    except (struct.error, IndexError, ValueError) as exc:
        if isinstance(exc, FormatError):
            raise
        raise FormatError(f"malformed {mt.name} payload of {len(payload)} bytes: {exc}") from None


# --------------------------------------------------------------------------- stream parser
Converter = Callable[[npt.NDArray[np.uint16]], npt.NDArray[np.float64]]


class FramedParser:
    """Decode the DATA stream of the emgkit firmware (a :class:`StreamParser`).

    Parameters
    ----------
    n_channels : int
        Channels per sample the device was configured for; DATA frames with another count
        are dropped (their bytes are counted bad and their samples show up as a gap).
    fs : float
        Configured sampling rate in Hz (used for per-row timestamps).
    converter : callable, optional
        Maps an (n, n_channels) uint16 array of ADC counts to float64 microvolts, e.g. a
        :class:`emgkit.devices.arduino.myoware.MyoWareConverter`. None passes counts as floats.
    first_sequence : int, optional
        Device sample counter of the first sample expected (0 right after START). When given,
        sample index 0 is that sample and loss at the very start is reported as a gap; when
        None, index 0 is the first sample decoded.
    on_reply : callable, optional
        Called with each INFO/ACK/NAK/STATUS as it is decoded (they are also appended to
        :attr:`replies`).

    Notes
    -----
    Frames are split at 0x00; a body that fails COBS, CRC, version, type or length checks is
    dropped and its bytes (plus its delimiter) counted in ``n_bad_bytes``. The next frame
    decodes normally: resynchronisation is immediate at the next 0x00. Sequence numbers count
    samples, so a jump of ``d`` means exactly ``d`` samples are missing: it becomes a gap,
    never filler rows. The CRC-16 lets about one corrupted frame in 65,000 through (issue 11
    measured 1 in 223,000 on burst errors), so a jump is believed only when it is plausible:
    the device's ``micros()`` advanced by the jump's duration (within 2 % plus two sample
    periods plus 0.5 ms; the period is learned from the frames themselves), or, before the
    period is known, when the next frame continues the jumped frame. Until then the frame is
    held (not emitted); a frame that fails both checks is dropped and counted in
    :attr:`n_implausible`, so one corrupted frame can neither open a huge gap nor make the
    genuine frames after it look stale. A frame whose sequence number goes backwards (a
    duplicate or stale frame) is dropped; call :meth:`reset` after each START so a restarted
    device clock is not mistaken for one.
    """

    def __init__(
        self,
        n_channels: int,
        fs: float,
        converter: Converter | None = None,
        *,
        first_sequence: int | None = None,
        on_reply: Callable[[Reply], None] | None = None,
    ) -> None:
        if not 1 <= int(n_channels) <= 255:
            raise ConfigError(f"n_channels must be 1..255, got {n_channels}")
        if not (math.isfinite(fs) and fs > 0):
            raise ConfigError(f"fs must be a positive number of Hz, got {fs}")
        self._n = int(n_channels)
        self._fs = float(fs)
        self.converter = converter
        self.on_reply = on_reply
        self._first_sequence = first_sequence
        #: INFO/ACK/NAK/STATUS replies decoded so far, oldest first (consumers may pop).
        self.replies: list[Reply] = []
        self.reset()

    @property
    def n_channels(self) -> int:
        """Number of EMG channels per row."""
        return self._n

    @property
    def fs(self) -> float:
        """Nominal sampling rate in Hz."""
        return self._fs

    def reset(self, first_sequence: int | None = None) -> None:
        """Forget partial frames and sequence state (after a reconnect or before START).

        ``first_sequence`` overrides the constructor's value for the new stream.
        """
        if first_sequence is not None:
            self._first_sequence = first_sequence
        self._pending = b""
        self._discard = False
        self._next_seq: int | None = None
        self._next_index = 0
        self._t_last: int | None = None
        self._t_wrap = 0
        #: Totals since construction/reset.
        self.n_frames = 0
        self.n_bad_frames = 0
        self.n_samples = 0
        self.n_lost = 0
        self.n_stale = 0
        self.n_unknown = 0
        self.n_implausible = 0
        self._ref: tuple[int, int] | None = None  # (seq, t_us) of the last accepted frame
        self._period: float | None = None  # device micros() per sample, learned
        self._suspect: tuple[int, int, int, bytes, int] | None = None

    #: A sequence jump is believed when the device clock moved by the jump's duration within
    #: this fraction, plus two sample periods and this many microseconds of jitter.
    CLOCK_TOLERANCE = 0.02
    CLOCK_SLACK_US = 500.0

    def _clock_agrees(self, seq0: int, t0: int, seq1: int, t1: int) -> bool:
        """True when ``t1 - t0`` (device micros) matches ``seq1 - seq0`` samples.

        The period is the one learned from the stream, else the nominal ``1e6 / fs``.
        """
        period = self._period if self._period is not None else 1e6 / self._fs
        ds = (seq1 - seq0) % _U32
        expect = ds * period
        if ds >= _HALF or expect >= _HALF:
            return False
        got = (t1 - t0) % _U32
        tol = self.CLOCK_TOLERANCE * expect + 2 * period + self.CLOCK_SLACK_US
        return abs(got - expect) <= tol

    def _jump_plausible(self, seq: int, t_us: int) -> bool:
        """A forward jump is plausible when the device clock advanced as far as its seq."""
        if self._ref is None:
            return False
        return self._clock_agrees(self._ref[0], self._ref[1], seq, t_us)

    def take_replies(self) -> list[Reply]:
        """Return and clear :attr:`replies`."""
        out, self.replies = self.replies, []
        return out

    #: A chunk holding at least this many 0x00 delimiters is decoded by the vectorised bulk path
    #: (:mod:`emgkit.devices.arduino._framed_batch`); fewer, frame by frame in Python. Both give
    #: the same result; the per-frame loop has less fixed cost for the one or two frames a live
    #: read returns.
    batch_min_frames = 96

    def feed(self, data: bytes | bytearray | memoryview) -> ParseResult:
        """Decode ``data`` appended to whatever earlier calls left over."""
        buf = self._pending + bytes(data)
        if buf.count(0) >= max(1, self.batch_min_frames):
            return self._feed_batch(buf)
        return self._feed_per_frame(buf)

    def _split_tail(self, buf: bytes, last_zero: int, has_parts: bool) -> int:
        """Keep the unterminated tail for the next call; returns its bad bytes (over-long)."""
        tail = buf[last_zero + 1 :]
        bad = 0
        if len(tail) > MAX_ENCODED:
            bad = len(tail)
            tail = b""
            self._discard = True
        else:
            self._discard = self._discard and not has_parts
        self._pending = tail
        return bad

    def _decode_part(self, part: bytes) -> tuple[int, tuple[int, int, int, bytes, int] | None]:
        """One frame body: (bad bytes, the DATA frame's (seq, t_us, k, blob, wire) or None).

        Replies are appended to :attr:`replies` (and passed to ``on_reply``) here.
        """
        ln = len(part)
        if ln > MAX_ENCODED:
            self.n_bad_frames += 1
            return ln + 1, None
        # COBS decode in place (hot path): the payload is the body after its first code byte,
        # with every later code byte turned into the 0x00 it stands for. A block of 254 data
        # bytes (code 0xFF) followed by another block stands for no 0x00: those bodies (over
        # 254 bytes) take the general decoder.
        b = bytearray(part)
        i = 0
        code = b[0] if ln else 0
        while True:
            j = i + code
            if j > ln:
                self.n_bad_frames += 1
                return ln + 1, None
            if j == ln:
                break
            if code == 0xFF:
                return self._decode_general(part)
            code = b[j]
            b[j] = 0
            i = j
        # b[1:] is the decoded payload + CRC (offsets below are one more than in the payload)
        if ln < 5 or b[2] != PROTOCOL_VERSION or binascii.crc_hqx(memoryview(b)[1:], 0xFFFF) != 0:
            self.n_bad_frames += 1
            return ln + 1, None
        if b[1] == _DATA_TYPE:
            n = self._n
            if ln < DATA_HEADER_SIZE + 3:
                self.n_bad_frames += 1
                return ln + 1, None
            seq, t_us, fn, k = _DATA_FIELDS.unpack_from(b, 3)
            if fn != n or k == 0 or ln != DATA_HEADER_SIZE + 2 * n * k + 3:
                self.n_bad_frames += 1
                return ln + 1, None
            return 0, (seq, t_us, k, bytes(b[DATA_HEADER_SIZE + 1 : -2]), ln + 1)
        return self._reply(bytes(b[1:-2]))

    def _decode_general(self, part: bytes) -> tuple[int, tuple[int, int, int, bytes, int] | None]:
        """:meth:`_decode_part` for bodies with 254-byte blocks (COBS decoded by copying)."""
        ln = len(part)
        out = bytearray()
        i = 0
        while i < ln:
            code = part[i]
            j = i + code
            if j > ln:
                self.n_bad_frames += 1
                return ln + 1, None
            out += part[i + 1 : j]
            if code != 0xFF and j < ln:
                out.append(0)
            i = j
        if len(out) < 4 or binascii.crc_hqx(out, 0xFFFF) != 0 or out[1] != PROTOCOL_VERSION:
            self.n_bad_frames += 1
            return ln + 1, None
        if out[0] == _DATA_TYPE:
            n = self._n
            if len(out) < DATA_HEADER_SIZE + 2:
                self.n_bad_frames += 1
                return ln + 1, None
            seq, t_us, fn, k = _DATA_FIELDS.unpack_from(out, 2)
            if fn != n or k == 0 or len(out) != DATA_HEADER_SIZE + 2 * n * k + 2:
                self.n_bad_frames += 1
                return ln + 1, None
            return 0, (seq, t_us, k, bytes(out[DATA_HEADER_SIZE:-2]), ln + 1)
        return self._reply(bytes(out[:-2]))

    def _reply(self, payload: bytes) -> tuple[int, None]:
        """A good frame that is not DATA: a reply (kept), else counted as unknown."""
        try:
            msg = decode_payload(payload)
        except FormatError:
            self.n_unknown += 1
            return 0, None
        if isinstance(msg, (Info, Ack, Nak, Status)):
            self.replies.append(msg)
            if self.on_reply is not None:
                self.on_reply(msg)
        else:  # a command echoed back (loopback): not for us
            self.n_unknown += 1
        return 0, None

    def _feed_per_frame(self, buf: bytes) -> ParseResult:
        """Decode a chunk frame by frame (few frames: the live case)."""
        parts = buf.split(b"\x00")
        discard = self._discard
        bad = self._split_tail(buf, len(buf) - len(parts[-1]) - 1, len(parts) > 1)
        parts.pop()
        frames: list[tuple[int, int, int, bytes, int]] = []
        for pi, part in enumerate(parts):
            if discard and pi == 0:
                bad += len(part) + 1  # tail of an over-long frame
                continue
            if not part:
                continue
            b, frame = self._decode_part(part)
            bad += b
            if frame is not None:
                frames.append(frame)
        return self._assemble(frames, bad)

    def _feed_batch(self, buf: bytes) -> ParseResult:
        """Decode a chunk of many frames: bodies of one length checked together with numpy."""
        from emgkit.devices.arduino import _framed_batch as fb

        n = self._n
        arr = np.frombuffer(buf, dtype=np.uint8)
        starts, ends = fb.split_frames(arr)
        discard = self._discard
        bad = self._split_tail(buf, int(ends[-1]), True)
        lengths = ends - starts
        # 0 handled here, 1 a good DATA frame from the matrix path, 2 for the per-frame loop
        route = np.full(lengths.size, 2, dtype=np.int8)
        if discard:
            bad += int(lengths[0]) + 1  # tail of an over-long frame
            route[0] = 0
        first = int(lengths[0])
        if (
            not discard
            and 0 < first <= fb.MAX_FAST_BODY
            and lengths.size >= fb.MIN_GROUP
            and bool((lengths == first).all())
        ):
            # every body of one length (the usual stream): one group of all of them
            cand = np.ones(lengths.size, dtype=bool)
            uniq_counts = [(first, lengths.size)]
        else:
            route[(lengths == 0) & (route == 2)] = 0
            cand = (route == 2) & (lengths <= fb.MAX_FAST_BODY)
            uniq, counts = np.unique(lengths[cand], return_counts=True)
            uniq_counts = list(zip(uniq.tolist(), counts.tolist(), strict=True))
        groups: list[tuple[Any, npt.NDArray[np.int64]]] = []
        for length, count in uniq_counts:
            if count < fb.MIN_GROUP:
                continue
            if count == lengths.size:
                idx = np.arange(count, dtype=np.int64)
            else:
                idx = np.flatnonzero(cand & (lengths == length)).astype(np.int64)
            g = fb.decode_group(
                arr, starts, idx, length, n, int(MsgType.DATA), PROTOCOL_VERSION, DATA_HEADER_SIZE
            )
            failed = g.status == 0
            nfail = int(failed.sum())
            bad += nfail * (length + 1)
            self.n_bad_frames += nfail
            route[idx[failed]] = 0
            ok = g.status == 1
            route[idx[ok]] = 1
            if ok.any():
                groups.append((g, np.flatnonzero(ok)))
        # the rest, frame by frame in stream order (replies, long or rare bodies)
        slow: list[tuple[int, tuple[int, int, int, bytes, int]]] = []
        for pi in np.flatnonzero(route == 2).tolist():
            b, frame = self._decode_part(buf[int(starts[pi]) : int(ends[pi])])
            bad += b
            if frame is not None:
                slow.append((pi, frame))
        if not slow and len(groups) == 1:
            g, sel = groups[0]
            seq, t_us, k = g.seq[sel], g.t_us[sel], g.k[sel]
            wire = lengths[g.parts[sel]] + 1
            payload = np.ascontiguousarray(g.counts[sel]).reshape(-1)
        else:
            order_parts = [g.parts[sel] for g, sel in groups]
            order_parts.append(np.asarray([pi for pi, _ in slow], dtype=np.int64))
            part_of = np.concatenate(order_parts)
            seq = np.concatenate(
                [g.seq[sel] for g, sel in groups] + [np.asarray([f[0] for _, f in slow], np.int64)]
            )
            t_us = np.concatenate(
                [g.t_us[sel] for g, sel in groups] + [np.asarray([f[1] for _, f in slow], np.int64)]
            )
            k = np.concatenate(
                [g.k[sel] for g, sel in groups] + [np.asarray([f[2] for _, f in slow], np.int64)]
            )
            order = np.argsort(part_of, kind="stable")
            width = 2 * n * k  # payload bytes of every frame (unsorted)
            off = np.empty_like(width)
            off[order] = np.cumsum(width[order]) - width[order]
            payload = np.empty(int(width.sum()), dtype=np.uint8)
            pos = 0
            for g, sel in groups:
                w = g.counts.shape[1]
                o = off[pos : pos + sel.size]
                payload[o[:, None] + np.arange(w)] = g.counts[sel]
                pos += sel.size
            for j, (_, f) in enumerate(slow):
                o0 = int(off[pos + j])
                payload[o0 : o0 + len(f[3])] = np.frombuffer(f[3], dtype=np.uint8)
            seq, t_us, k = seq[order], t_us[order], k[order]
            wire = lengths[part_of[order]] + 1
        return self._assemble_batch(seq, t_us, k, wire, payload.view("<u2").reshape(-1, n), bad)

    def _accept(
        self, seq: int, t_us: int, k: int, d: int, gaps: list[tuple[int, int]]
    ) -> tuple[int, float]:
        """Take a frame ``d`` samples after the expected one; returns its (start index, t0)."""
        if d:
            gaps.append((self._next_index, d))
            self._next_index += d
        if self._ref is not None and d == 0:
            # learn the device's own sample period (its micros() per sample)
            r_seq, r_t = self._ref
            ds = (seq - r_seq) % _U32
            dt = (t_us - r_t) % _U32
            if 0 < ds < _HALF and 0 < dt < _HALF:
                obs = dt / ds
                self._period = obs if self._period is None else 0.8 * self._period + 0.2 * obs
        self._ref = (seq, t_us)
        # unwrap micros() (wraps every 71.6 minutes)
        if self._t_last is not None and t_us < self._t_last and self._t_last - t_us > _HALF:
            self._t_wrap += _U32
        self._t_last = t_us
        start = self._next_index
        self._next_index += k
        self._next_seq = (seq + k) % _U32
        return start, float(t_us + self._t_wrap)

    def _accept_run(
        self, seq: npt.NDArray[np.int64], t_us: npt.NDArray[np.int64], k: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """:meth:`_accept` with ``d == 0`` for a run of frames that each continue the last.

        Returns the start indices and t0 of the frames; the state ends as after the loop.
        """
        # the period the per-frame loop learns, in the same order and arithmetic
        if self._ref is not None:
            r_seq = np.concatenate(([self._ref[0]], seq[:-1]))
            r_t = np.concatenate(([self._ref[1]], t_us[:-1]))
            c_seq, c_t = seq, t_us
        else:
            r_seq, r_t, c_seq, c_t = seq[:-1], t_us[:-1], seq[1:], t_us[1:]
        ds = (c_seq - r_seq) % _U32
        dt = (c_t - r_t) % _U32
        learn = (ds > 0) & (ds < _HALF) & (dt > 0) & (dt < _HALF)
        period = self._period
        obs = dt[learn] / ds[learn]
        if (
            period is not None
            and obs.size
            and 0.8 * period + 0.2 * period == period
            and bool((obs == period).all())
        ):
            pass  # a device clock as steady as the period learned: its fixed point, exactly
        else:
            for o in obs.tolist():
                period = o if period is None else 0.8 * period + 0.2 * o
        self._period = period
        # micros() unwrapping
        if self._t_last is not None:
            prev = np.concatenate(([self._t_last], t_us[:-1]))
            wrapped = (t_us < prev) & (prev - t_us > _HALF)
        else:
            wrapped = np.zeros(t_us.size, dtype=bool)
            wrapped[1:] = (t_us[1:] < t_us[:-1]) & (t_us[:-1] - t_us[1:] > _HALF)
        wrap = self._t_wrap + np.cumsum(wrapped, dtype=np.int64) * _U32
        self._t_wrap = int(wrap[-1])
        self._t_last = int(t_us[-1])
        self._ref = (int(seq[-1]), int(t_us[-1]))
        ends = self._next_index + np.cumsum(k)
        starts = ends - k
        self._next_index = int(ends[-1])
        self._next_seq = int((seq[-1] + k[-1]) % _U32)
        return starts, (t_us + wrap).astype(np.float64)

    def _step(
        self,
        seq: int,
        t_us: int,
        k: int,
        blob: bytes,
        nbytes: int,
        keep: list[tuple[int, int, float, bytes]],
        gaps: list[tuple[int, int]],
    ) -> tuple[int, int]:
        """Sequence logic for one decoded DATA frame; returns (bad bytes, samples lost)."""
        bad = lost = 0
        if self._next_seq is None:
            if self._first_sequence is not None:
                self._next_seq = self._first_sequence % _U32
            else:
                self._next_seq = seq
        if self._suspect is not None:
            s_seq, s_t, s_k, s_blob, s_bytes = self._suspect
            self._suspect = None
            ahead = (seq - s_seq - s_k) % _U32
            agrees = self._clock_agrees(s_seq, s_t, seq, t_us)
            # confirmed by the next frame: it continues the held frame exactly (and the
            # device clock agrees, once its period is known), or it jumps ahead of it by
            # as much as the device clock advanced
            if (ahead == 0 and (self._period is None or agrees)) or (0 < ahead < _HALF and agrees):
                # the frame after it continues it: the jump was real
                d = (s_seq - self._next_seq) % _U32
                start, t0 = self._accept(s_seq, s_t, s_k, d, gaps)
                lost += d
                keep.append((start, s_k, t0, s_blob))
            else:
                self.n_bad_frames += 1
                self.n_implausible += 1
                bad += s_bytes
        d = (seq - self._next_seq) % _U32
        if d >= _HALF:  # backwards: duplicate or stale frame
            self.n_stale += 1
            self.n_bad_frames += 1
            return bad + nbytes, lost
        if d and not self._jump_plausible(seq, t_us):
            # a gap is believed only when the device clock agrees with it, or when the
            # next frame continues it: hold the frame until then
            self._suspect = (seq, t_us, k, blob, nbytes)
            return bad, lost
        start, t0 = self._accept(seq, t_us, k, d, gaps)
        keep.append((start, k, t0, blob))
        return bad, lost + d

    def _result(
        self,
        counts: npt.NDArray[np.uint16],
        starts: npt.NDArray[np.int64],
        karr: npt.NDArray[np.int64],
        t0s: npt.NDArray[np.float64],
        lost: int,
        gaps: list[tuple[int, int]],
        bad: int,
    ) -> ParseResult:
        """The ParseResult of the frames kept by one call (counts in stream order)."""
        n = self._n
        self.n_frames += int(karr.size)
        self.n_lost += lost
        if not karr.size:
            res = ParseResult.empty(n)
            res.n_lost, res.gaps, res.n_bad_bytes = lost, gaps, bad
            res.aux["timestamp_us"] = np.empty(0)
            return res
        period = 1e6 / self._fs
        total = counts.shape[0]
        self.n_samples += total
        offsets = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(karr) - karr, karr)
        index = np.repeat(starts, karr) + offsets
        ts = np.repeat(t0s, karr) + offsets * period
        if self.converter is None:
            samples = counts.astype(np.float64)
        else:
            samples = np.asarray(self.converter(counts), dtype=np.float64)
        return ParseResult(samples, index, lost, gaps, bad, {"timestamp_us": ts})

    def _assemble(
        self, frames: Sequence[tuple[int, int, int, bytes, int]], bad: int
    ) -> ParseResult:
        """The sequence logic (:meth:`_step`) for decoded DATA frames, in stream order."""
        n = self._n
        keep: list[tuple[int, int, float, bytes]] = []
        gaps: list[tuple[int, int]] = []
        lost = 0
        for seq, t_us, k, blob, nbytes in frames:
            b, lo = self._step(seq, t_us, k, blob, nbytes, keep, gaps)
            bad += b
            lost += lo
        if not keep:
            return self._result(
                np.empty((0, n), np.uint16), np.empty(0, np.int64), np.empty(0, np.int64),
                np.empty(0), lost, gaps, bad,
            )  # fmt: skip
        starts, ks, t0s, blobs = zip(*keep, strict=True)
        return self._result(
            np.frombuffer(b"".join(blobs), "<u2").reshape(-1, n),
            np.asarray(starts, dtype=np.int64),
            np.asarray(ks, dtype=np.int64),
            np.asarray(t0s, dtype=np.float64),
            lost,
            gaps,
            bad,
        )

    def _assemble_batch(
        self,
        seq: npt.NDArray[np.int64],
        t_us: npt.NDArray[np.int64],
        k: npt.NDArray[np.int64],
        wire: npt.NDArray[np.int64],
        rows: npt.NDArray[np.uint16],
        bad: int,
    ) -> ParseResult:
        """:meth:`_assemble` for arrays of decoded DATA frames, in stream order.

        Runs of frames that each continue the last are taken at once; any other frame (a
        jump, a held frame, a stale one) goes through :meth:`_step`.
        """
        n = self._n
        f = seq.size
        gaps: list[tuple[int, int]] = []
        lost = 0
        seg_starts: list[npt.NDArray[np.int64]] = []
        seg_k: list[npt.NDArray[np.int64]] = []
        seg_t0: list[npt.NDArray[np.float64]] = []
        seg_rows: list[npt.NDArray[np.uint16]] = []
        if f:
            row_end = np.cumsum(k)
            row_start = row_end - k
            cont = np.zeros(f, dtype=bool)
            cont[:-1] = seq[1:] == (seq[:-1] + k[:-1]) % _U32
            run_last = np.flatnonzero(~cont)
        i = 0
        while i < f:
            s_i = int(seq[i])
            if self._next_seq is None:
                self._next_seq = (
                    self._first_sequence % _U32 if self._first_sequence is not None else s_i
                )
            if self._suspect is None and s_i == self._next_seq:
                j = int(run_last[np.searchsorted(run_last, i)]) + 1
                starts, t0 = self._accept_run(seq[i:j], t_us[i:j], k[i:j])
                seg_starts.append(starts)
                seg_k.append(k[i:j])
                seg_t0.append(t0)
                seg_rows.append(rows[row_start[i] : row_end[j - 1]])
                i = j
                continue
            keep: list[tuple[int, int, float, bytes]] = []
            b, lo = self._step(
                s_i,
                int(t_us[i]),
                int(k[i]),
                rows[row_start[i] : row_end[i]].tobytes(),
                int(wire[i]),
                keep,
                gaps,
            )
            bad += b
            lost += lo
            for start, kk, t0f, blob in keep:
                seg_starts.append(np.asarray([start], dtype=np.int64))
                seg_k.append(np.asarray([kk], dtype=np.int64))
                seg_t0.append(np.asarray([t0f]))
                seg_rows.append(np.frombuffer(blob, "<u2").reshape(-1, n))
            i += 1
        if not seg_k:
            return self._result(
                np.empty((0, n), np.uint16), np.empty(0, np.int64), np.empty(0, np.int64),
                np.empty(0), lost, gaps, bad,
            )  # fmt: skip
        return self._result(
            np.concatenate(seg_rows) if len(seg_rows) > 1 else seg_rows[0],
            np.concatenate(seg_starts),
            np.concatenate(seg_k),
            np.concatenate(seg_t0),
            lost,
            gaps,
            bad,
        )
