"""OpenBCI Cyton (8 ch) and Cyton + Daisy (16 ch) over the USB dongle: parser, encoder, commands.

Three layers, all in this module:

* :class:`CytonParser`, a pure :class:`~emgkit.devices.base.StreamParser`: 33-byte packets
  in, microvolts out, with resynchronisation after garbage, exact counter-gap accounting and
  Daisy pairing. The hot loop is a numba kernel (:mod:`._cyton_kernels`).
* An encoder (:func:`encode_packet`, :func:`uv_to_counts`, :func:`encode_stream`) that writes
  the same bytes the firmware sends, for emulators and tests.
* The command layer: builders for every ASCII command emgkit sends, parsers for the text
  replies (every reply ends ``$$$``), and :class:`CytonCommander`, which runs the handshake
  over any port-like object and keeps the parser's gains equal to what the board was told.

Packet (DOC-DF "Binary Format"; firmware ``sendChannelDataSerial``)::

    byte  1      0xA0 header
    byte  2      sample counter 0-255 (reset to 0 by ``b``)
    bytes 3-26   8 x 24-bit big-endian two's complement
    bytes 27-32  6 aux bytes, meaning set by the stop byte
    byte  33     stop byte 0xC0-0xC6

Scaling: ``uV = counts * 4.5 / gain / (2**23 - 1) * 1e6`` with the gain configured per
channel (default 24: 0.02235 uV per count). See docs/cyton.md for the full story: why 250 Hz,
why the data are band-limited to 65 Hz, the sEMG channel settings, and what the parser does
when bytes are lost, inserted or corrupted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from emgkit.devices.base import ParseResult
from emgkit.devices.cyton._kernels import (
    AUX_ACCEL,
    AUX_ANALOG,
    AUX_STOP,
    AUX_TIME,
    AUXF_SIZE,
    ST_HELD_POS,
    ST_LAST_EMIT,
    ST_LAST_END,
    ST_LOCKED,
    ST_SIZE,
    scan_packets,
)
from emgkit.devices.cyton.constants import (
    CYTON_FS,
    CYTON_HARDWARE_BANDWIDTH_HZ,
    DAISY_FS,
    DAISY_HARDWARE_BANDWIDTH_HZ,
)
from emgkit.errors import ConfigError, DeviceError, FormatError

__all__ = [
    "ACCEL_G_PER_COUNT",
    "BAUD_RATE",
    "CMD_8_CHANNELS",
    "CMD_16_CHANNELS",
    "CMD_DEFAULTS",
    "CMD_QUERY_REGISTERS",
    "CMD_REPORT_DEFAULTS",
    "CMD_SOFT_RESET",
    "CMD_START",
    "CMD_STOP",
    "CMD_TIMESTAMP_OFF",
    "CMD_TIMESTAMP_ON",
    "CYTON_FS",
    "CYTON_HARDWARE_BANDWIDTH_HZ",
    "DAISY_FS",
    "DAISY_HARDWARE_BANDWIDTH_HZ",
    "DEFAULT_CHANNEL_SETTINGS",
    "GAINS",
    "INPUT_TYPES",
    "PACKET_LEN",
    "SEMG_BIPOLAR_SETTINGS",
    "STOP_ACCEL",
    "STOP_ACCEL_TIME",
    "STOP_ACCEL_TIME_SET",
    "STOP_RAW_AUX",
    "STOP_RAW_AUX_TIME",
    "STOP_RAW_AUX_TIME_SET",
    "STOP_USER",
    "UNUSED_CHANNEL_SETTINGS",
    "ChannelSettings",
    "CytonBanner",
    "CytonParser",
    "board_mode_command",
    "channel_off_command",
    "channel_on_command",
    "channel_settings_command",
    "counts_to_uv",
    "encode_packet",
    "encode_stream",
    "gain_code",
    "is_failure_reply",
    "parse_banner",
    "parse_channel_set_reply",
    "split_replies",
    "uv_per_count",
    "uv_to_counts",
]

# --------------------------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------------------------

PACKET_LEN = 33
HEADER = 0xA0
STOP_ACCEL = 0xC0
STOP_RAW_AUX = 0xC1
STOP_USER = 0xC2
STOP_ACCEL_TIME_SET = 0xC3
STOP_ACCEL_TIME = 0xC4
STOP_RAW_AUX_TIME_SET = 0xC5
STOP_RAW_AUX_TIME = 0xC6
BAUD_RATE = 115200


#: Programmable gains of the ADS1299, in the order of the firmware's gain codes 0..6.
GAINS: tuple[int, ...] = (1, 2, 4, 6, 8, 12, 24)
DEFAULT_GAIN = 24
VREF = 4.5
FULL_SCALE_COUNTS = 2**23 - 1

#: LIS3DH at +-4 g, 12-bit left-justified in 16 bits: 0.002 / 2**4 g per count (DOC-DF).
ACCEL_G_PER_COUNT = 0.002 / 16

#: Channel letters for channels 1..16: settings (``x<ch>...X``), off, on (CYL definitions).
_SETTING_CHARS = "12345678QWERTYUI"
_OFF_CHARS = "12345678qwertyui"
_ON_CHARS = "!@#$%^&*QWERTYUI"

CMD_SOFT_RESET = b"v"
CMD_DEFAULTS = b"d"
CMD_REPORT_DEFAULTS = b"D"
CMD_START = b"b"
CMD_STOP = b"s"
CMD_QUERY_REGISTERS = b"?"
CMD_8_CHANNELS = b"c"
CMD_16_CHANNELS = b"C"
CMD_TIMESTAMP_ON = b"<"
CMD_TIMESTAMP_OFF = b">"

EOT = b"$$$"

#: Board modes of ``/N`` (firmware v3).
BOARD_MODES: dict[int, str] = {0: "default", 1: "debug", 2: "analog", 3: "digital", 4: "marker"}

#: ADS1299 input selections (``INPUT_TYPE_SET`` of the channel settings command).
INPUT_TYPES: dict[str, int] = {
    "normal": 0,
    "shorted": 1,
    "bias_meas": 2,
    "mvdd": 3,
    "temp": 4,
    "testsig": 5,
    "bias_drp": 6,
    "bias_drn": 7,
}

# --------------------------------------------------------------------------------------------
# Scaling and encoding
# --------------------------------------------------------------------------------------------


def _check_gain(gain: float) -> int:
    g = int(gain)
    if g != gain or g not in GAINS:
        raise ConfigError(f"Cyton gain must be one of {GAINS}, got {gain!r}")
    return g


def gain_code(gain: int) -> int:
    """Firmware gain code 0..6 of an ADS1299 gain (1, 2, 4, 6, 8, 12, 24)."""
    return GAINS.index(_check_gain(gain))


def uv_per_count(gain: float = DEFAULT_GAIN) -> float:
    """Microvolts per ADC count at ``gain``: ``4.5 / gain / (2**23 - 1) * 1e6``."""
    return VREF / _check_gain(gain) / FULL_SCALE_COUNTS * 1e6


def _gain_vector(gains: float | Sequence[float] | None, n: int) -> npt.NDArray[np.float64]:
    if gains is None:
        return np.full(n, float(DEFAULT_GAIN))
    if np.isscalar(gains):
        return np.full(n, float(_check_gain(gains)))  # type: ignore[arg-type]
    arr = [float(_check_gain(g)) for g in gains]  # type: ignore[union-attr]
    if len(arr) != n:
        raise ConfigError(f"expected {n} gains (one per channel), got {len(arr)}")
    return np.asarray(arr)


def counts_to_uv(
    counts: npt.ArrayLike, gains: float | Sequence[float] = DEFAULT_GAIN
) -> npt.NDArray[np.float64]:
    """Convert signed ADC counts (..., n_channels) to microvolts with per-channel gains.

    Parameters
    ----------
    counts : array_like
        Signed ADC counts, shape (..., n_channels).
    gains : float or sequence of float
        PGA gain, one for all channels or one per channel.
    """
    c = np.asarray(counts, dtype=np.float64)
    n = c.shape[-1] if c.ndim else 1
    g = _gain_vector(gains, n)
    return c * (VREF / g / FULL_SCALE_COUNTS * 1e6)


def uv_to_counts(
    uv: npt.ArrayLike, gain: float | Sequence[float] = DEFAULT_GAIN
) -> npt.NDArray[np.int32]:
    """Round microvolts to signed 24-bit ADC counts at ``gain`` (scalar or one per channel).

    Values beyond the ADC range are clipped to -2**23 .. 2**23 - 1 (the ADS1299 saturates).
    NaN or inf raises :class:`~emgkit.errors.ConfigError`: a packet cannot carry them.

    Parameters
    ----------
    uv : array_like
        Microvolts, shape (..., n_channels).
    gain : float or sequence of float
        PGA gain, one for all channels or one per channel.
    """
    u = np.asarray(uv, dtype=np.float64)
    if not np.all(np.isfinite(u)):
        raise ConfigError("cannot encode NaN or inf microvolts into Cyton counts")
    n = u.shape[-1] if u.ndim else 1
    g = _gain_vector(gain, n)
    c = np.rint(u / (VREF / g / FULL_SCALE_COUNTS * 1e6))
    return np.clip(c, -(2**23), 2**23 - 1).astype(np.int32)


def encode_packet(
    counter: int,
    counts8: Sequence[int] | npt.ArrayLike,
    aux: bytes = b"\0" * 6,
    stop: int = STOP_ACCEL,
) -> bytes:
    """One 33-byte Cyton packet, exactly as the dongle writes it.

    Parameters
    ----------
    counter : int
        Sample counter; taken modulo 256.
    counts8 : sequence of 8 int
        Signed 24-bit channel values (-2**23 .. 2**23 - 1).
    aux : bytes
        The 6 aux bytes (bytes 27-32).
    stop : int
        Stop byte, 0xC0-0xC6.
    """
    c = np.asarray(counts8, dtype=np.int64).reshape(-1)
    if c.shape[0] != 8:
        raise ConfigError(f"a Cyton packet carries 8 channels, got {c.shape[0]}")
    if np.any(c < -(2**23)) or np.any(c > 2**23 - 1):
        raise ConfigError("channel counts must fit in signed 24 bits")
    if len(aux) != 6:
        raise ConfigError(f"aux must be 6 bytes, got {len(aux)}")
    if not STOP_ACCEL <= stop <= STOP_RAW_AUX_TIME:
        raise ConfigError(f"stop byte must be 0xC0-0xC6, got {stop:#x}")
    u = c & 0xFFFFFF
    body = np.empty(24, dtype=np.uint8)
    body[0::3] = (u >> 16) & 0xFF
    body[1::3] = (u >> 8) & 0xFF
    body[2::3] = u & 0xFF
    return bytes((HEADER, counter & 0xFF)) + body.tobytes() + bytes(aux) + bytes((stop,))


def _accel_aux(accel_g: npt.ArrayLike | None) -> bytes:
    if accel_g is None:
        return b"\0" * 6
    a = np.asarray(accel_g, dtype=np.float64).reshape(3)
    if np.any(np.isnan(a)):
        return b"\0" * 6
    v = np.clip(np.rint(a / ACCEL_G_PER_COUNT), -32768, 32767).astype(">i2")
    return v.tobytes()


def encode_stream(
    samples_uv: npt.ArrayLike,
    gains: float | Sequence[float] = DEFAULT_GAIN,
    daisy: bool = False,
    start_counter: int = 0,
    accel: npt.ArrayLike | None = None,
) -> bytes:
    """Encode microvolt rows into the byte stream the board sends after ``b``.

    Parameters
    ----------
    samples_uv : array_like, shape (n, 8) or (n, 16) with ``daisy``
        Rows in microvolts.
    gains : float or sequence
        Gain per channel (8 or 16 values), or one for all.
    daisy : bool
        Cyton + Daisy: each row becomes two packets, channels 1-8 with an odd counter then
        channels 9-16 with the next (even) counter. If ``start_counter`` is even, a leading
        Daisy half-packet with zeros is sent first, as the firmware does right after ``b``
        (counter 0 carries a Daisy half whose average is not yet valid); parsers drop it.
    start_counter : int
        Counter of the first packet (mod 256).
    accel : array_like, shape (n, 3), optional
        Accelerometer in g per row (NaN rows send zeros, as between the 25 Hz updates). In
        Daisy mode the accel goes in the first packet of each pair.

    Returns
    -------
    bytes
    """
    n_ch = 16 if daisy else 8
    x = np.asarray(samples_uv, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != n_ch:
        raise ConfigError(f"samples_uv must have shape (n, {n_ch}), got {x.shape}")
    counts = uv_to_counts(x, gains) if x.shape[0] else np.empty((0, n_ch), np.int32)
    acc = None if accel is None else np.asarray(accel, dtype=np.float64).reshape(-1, 3)
    if acc is not None and acc.shape[0] != x.shape[0]:
        raise ConfigError(f"accel must have one row per sample ({x.shape[0]}), got {acc.shape}")
    out = bytearray()
    ctr = int(start_counter)
    if daisy and ctr % 2 == 0:
        out += encode_packet(ctr, np.zeros(8, np.int64))
        ctr += 1
    for i in range(x.shape[0]):
        aux = _accel_aux(None if acc is None else acc[i])
        if daisy:
            out += encode_packet(ctr, counts[i, :8], aux)
            out += encode_packet(ctr + 1, counts[i, 8:])
            ctr += 2
        else:
            out += encode_packet(ctr, counts[i], aux)
            ctr += 1
    return bytes(out)


# --------------------------------------------------------------------------------------------
# Parser
# --------------------------------------------------------------------------------------------

_EMPTY_BUF = np.empty(0, dtype=np.uint8)

# A Daisy first half waiting for its partner: counts, absolute packet, decoded aux, raw aux.
_Half = tuple[npt.NDArray[np.int32], int, npt.NDArray[np.float64], npt.NDArray[np.uint8]]


def _aux_dict(
    auxf: npt.NDArray[np.float64], raw: npt.NDArray[np.uint8]
) -> dict[str, npt.NDArray[np.float64]]:
    """Split decoded aux columns into named arrays (copies: the kernel's arrays are reused)."""
    auxf = auxf.copy()
    return {
        "accel": auxf[:, AUX_ACCEL : AUX_ACCEL + 3],
        "analog": auxf[:, AUX_ANALOG : AUX_ANALOG + 3],
        "board_time_ms": auxf[:, AUX_TIME],
        "stop_byte": auxf[:, AUX_STOP],
        "aux_raw": raw.astype(np.float64),
    }


def _merge_halves(
    a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Per element: the value present in either half, the mean where both carry one."""
    both = ~np.isnan(a) & ~np.isnan(b)
    out = np.where(np.isnan(a), b, a)
    out[both] = 0.5 * (a[both] + b[both])
    return out


class CytonParser:
    """Pure decoder of the Cyton (or Cyton + Daisy) dongle byte stream.

    Parameters
    ----------
    daisy : bool
        False: 8 channels at 250 Hz, one row per packet. True: 16 channels at 125 Hz, one row
        per (odd counter, even counter) packet pair.
    gains : int or sequence of int, optional
        ADS1299 gain per channel (8 or 16 values), or one for all. Default 24, the firmware
        default after power-up or ``d``. Keep them equal to what the board was told
        (:meth:`set_gain`; :class:`CytonCommander` does it for you), otherwise the microvolts
        are wrong by the gain ratio.
    decode_aux : bool
        Decode the aux bytes into :attr:`ParseResult.aux` (default True). False saves a few
        microseconds per call when only EMG is needed.
    strict : bool
        True (default): a packet is accepted only when the next packet's counter confirms it
        (this + 1). This is what guarantees that no row is ever fabricated, even from byte
        deletions that leave a perfectly framed "hybrid" packet (head of packet k, tail of
        k+1); the price is that the packet just before a dropped packet is lost too (counted).
        False: an aligned packet whose counter advanced by one needs only its header, stop
        byte and the next header, so a whole-packet drop costs one sample, as on a real
        dongle, which loses whole radio packets; use it when the byte stream is known to be
        free of mid-packet deletions.

    Notes
    -----
    **Framing.** A packet is accepted when its header is 0xA0, its stop byte is 0xC0-0xC6,
    the byte after it is the next header (0xA0) and (strict mode; always for the first
    packet of a stream and while resynchronising) the next packet's counter follows this one
    (+1 mod 256): a 0xA0 inside data needs three coincidences to pass for a header. Decisions
    that need bytes not yet received wait for them, so a packet is released when the first
    two bytes of the next one have arrived (4 ms later at 250 Hz). Strict mode never emits
    a packet unconfirmed, so :meth:`flush` drops the last packet of a stream (a well-framed
    last packet can be half junk); relaxed mode releases it when it follows a recognised
    packet in step. Feeding the stream in any chunks gives the same rows as one feed. A
    packet followed by garbage cannot be confirmed and is lost (counted); the packet right
    after garbage only anchors the counter (counted lost) unless it sits on the 33-byte grid
    with its counter ahead by the slots in between, because junk inserted inside a packet
    can frame a perfect fake of it. A packet out of step whose bytes equal the last packet
    with its counter is a replay: it moves the counter back and is not emitted again, so a
    replayed chunk never aliases to a loss of 256 - k. Rows come out in strictly increasing
    sample order. See :mod:`emgkit.devices.cyton._kernels` for every rule.

    **Loss.** Counters (mod 256) give every gap an exact size; a packet whose counter byte is
    corrupt is not confirmed by its successor and counts as lost, never placed at a wrong
    index. Outages of 256 packets or more alias (a 256-packet outage is invisible, 300 looks
    like 44): the counter cannot tell. The protocol has no checksum: a corrupted *data* byte
    inside an intact frame is undetectable by anyone.

    **Daisy.** The firmware averages each ADS1299's current and previous sample and sends the
    main board's average with odd counters and the Daisy's with even counters (DOC-DF "16
    Channel Data"; firmware ``ADS_writeChannelDataAvgDaisy``). Packet ``2k+1`` (channels 1-8)
    and packet ``2k+2`` (channels 9-16) form row ``k``. The first packet after ``b`` (counter
    0, a Daisy half whose average is not yet valid) has no partner and is dropped without
    being counted lost; a lost half anywhere else loses its row, counted in ``gaps``. The two
    halves are 4 ms apart in time and both carry the 2-sample average (a -3 dB point near
    46 Hz together with the sinc3 filter, see :data:`DAISY_HARDWARE_BANDWIDTH_HZ`).

    **Aux** (``ParseResult.aux``, one row per sample):

    ``accel`` (n, 3) g
        0xC0 packets, 16-bit signed big-endian X, Y, Z x 0.002/16 g. The board sends them at
        25 Hz and zeros in between: all-zero triplets become NaN (a real reading is never
        exactly (0, 0, 0) g under gravity). 0xC3/0xC4: one axis per packet (counter % 10 = 7,
        8, 9 for X, Y, Z; firmware v3), NaN elsewhere. Daisy: the half that carries it (mean
        if both do).
    ``analog`` (n, 3)
        0xC1 packets: the three 16-bit words (A5, A6, A7 in analog board mode ``/2``).
    ``board_time_ms`` (n,)
        0xC3-0xC6: the board's uint32 millisecond clock (bytes 29-32); NaN otherwise.
    ``stop_byte`` (n,), ``aux_raw`` (n, 6) or (n, 12) with Daisy
        The stop byte and the raw aux bytes (0xC2 user data, digital mode ``/3``, ...).

    Daisy rows take ``board_time_ms``, ``analog`` and ``stop_byte`` from the first (odd)
    packet of the pair.
    """

    def __init__(
        self,
        daisy: bool = False,
        gains: int | Sequence[int] | None = None,
        decode_aux: bool = True,
        strict: bool = True,
    ) -> None:
        self._strict = bool(strict)
        self._daisy = bool(daisy)
        self._n = 16 if self._daisy else 8
        self._gains = _gain_vector(gains, self._n)
        self._scale = VREF / self._gains / FULL_SCALE_COUNTS * 1e6
        self._decode_aux = bool(decode_aux)
        self._buf: bytes = b""
        self._state = np.zeros(ST_SIZE, dtype=np.int64)
        self._ring = np.zeros((257, PACKET_LEN), dtype=np.uint8)
        self._ring_abs = np.full(256, -1, dtype=np.int64)
        self._clear_state()
        self._origin: int | None = None  # absolute packet (or pair) number of index 0
        self._last_index = -1  # sample index of the last emitted row
        self._pending: _Half | None = None
        self._alloc(64)

    def _alloc(self, cap: int) -> None:
        """(Re)allocate the kernel's reusable output arrays for ``cap`` packets."""
        self._w_counts = np.empty((cap, 8), dtype=np.int32)
        self._w_abs = np.empty(cap, dtype=np.int64)
        self._w_auxf = np.empty((cap, AUXF_SIZE), dtype=np.float64)
        self._w_raw = np.empty((cap, 6), dtype=np.uint8)

    # -- StreamParser ---------------------------------------------------------------------
    @property
    def n_channels(self) -> int:
        """8, or 16 with the Daisy."""
        return self._n

    @property
    def fs(self) -> float:
        """250 Hz, or 125 Hz with the Daisy."""
        return DAISY_FS if self._daisy else CYTON_FS

    @property
    def daisy(self) -> bool:
        """True when decoding Cyton + Daisy packet pairs."""
        return self._daisy

    @property
    def hardware_bandwidth_hz(self) -> float:
        """-3 dB bandwidth of what the board delivers (65 Hz; 46 Hz with the Daisy)."""
        return DAISY_HARDWARE_BANDWIDTH_HZ if self._daisy else CYTON_HARDWARE_BANDWIDTH_HZ

    @property
    def gains(self) -> tuple[int, ...]:
        """The gain used to scale each channel."""
        return tuple(int(g) for g in self._gains)

    def set_gain(self, channel: int, gain: int) -> None:
        """Scale ``channel`` (1-based) with ``gain`` from now on.

        Parameters
        ----------
        channel : int
            Channel, 1-based.
        gain : int
            PGA gain (1, 2, 4, 6, 8, 12 or 24).
        """
        if not 1 <= channel <= self._n:
            raise ConfigError(f"channel must be 1..{self._n}, got {channel}")
        self._gains[channel - 1] = float(_check_gain(gain))
        self._scale = VREF / self._gains / FULL_SCALE_COUNTS * 1e6

    def set_gains(self, gains: int | Sequence[int]) -> None:
        """Set every channel's gain at once (one value, or one per channel)."""
        self._gains = _gain_vector(gains, self._n)
        self._scale = VREF / self._gains / FULL_SCALE_COUNTS * 1e6

    def reset(self) -> None:
        """Forget partial packets, the pending Daisy half and counter continuity.

        The sample clock is kept: the next decoded row gets the index after the last one
        emitted (the duration of a disconnect is not knowable from the bytes; a transport that
        knows it should record it as a gap itself).
        """
        self._buf = b""
        self._clear_state()
        self._origin = None
        self._pending = None

    def _clear_state(self) -> None:
        self._state[:] = 0
        self._state[ST_LOCKED] = 1  # a stream is expected to start with a packet
        self._state[ST_LAST_EMIT] = -1
        self._state[ST_LAST_END] = -1
        self._state[ST_HELD_POS] = -1
        self._ring_abs[:] = -1

    def feed(self, data: bytes) -> ParseResult:
        """Decode ``data`` appended to whatever earlier calls left over."""
        buf = self._buf + bytes(data) if self._buf else bytes(data)
        return self._run(buf, final=False)

    def flush(self) -> ParseResult:
        """End of stream: decide on the bytes held back for look-ahead and return them.

        A trailing partial packet counts as bad bytes. A Daisy first half still waiting for
        its partner is dropped (not counted lost: the stream ended).
        """
        res = self._run(self._buf, final=True)
        self._pending = None
        return res

    # -- internals -----------------------------------------------------------------------
    def _run(self, buf: bytes, final: bool) -> ParseResult:
        arr = np.frombuffer(buf, dtype=np.uint8) if buf else _EMPTY_BUF
        need = arr.shape[0] // PACKET_LEN + 1
        if need > self._w_abs.shape[0]:
            self._alloc(max(need, 2 * self._w_abs.shape[0]))
        m, consumed, bad = scan_packets(
            arr,
            self._state,
            final,
            self._strict,
            self._w_counts,
            self._w_abs,
            self._w_auxf,
            self._w_raw,
            self._ring,
            self._ring_abs,
        )
        self._buf = buf[consumed:]
        counts = self._w_counts[:m]
        abs_pkt = self._w_abs[:m]
        auxf = self._w_auxf[:m]
        raw = self._w_raw[:m]
        if self._daisy:
            res = self._pair(counts, abs_pkt, auxf, raw)
        else:
            res = self._rows(counts, abs_pkt, auxf, raw)
        res.n_bad_bytes = int(bad)
        return res

    def _place(
        self, key: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.int64], int, list[tuple[int, int]]]:
        """Map absolute packet/pair numbers to sample indices; find the gaps before them."""
        if self._origin is None:
            self._origin = int(key[0]) - (self._last_index + 1)
        idx = key - self._origin
        gaps: list[tuple[int, int]] = []
        n_lost = 0
        prev = self._last_index
        if idx.shape[0] <= 32:  # the live case: a plain loop beats numpy's per-call overhead
            for i in idx.tolist():
                if i > prev + 1:
                    gaps.append((prev + 1, i - prev - 1))
                    n_lost += i - prev - 1
                prev = i
        else:
            before = np.empty(idx.shape[0], dtype=np.int64)
            before[0] = prev
            before[1:] = idx[:-1]
            missing = idx - before - 1
            for k in np.flatnonzero(missing > 0).tolist():
                gaps.append((int(before[k]) + 1, int(missing[k])))
                n_lost += int(missing[k])
        self._last_index = int(idx[-1])
        return idx, n_lost, gaps

    def _rows(
        self,
        counts: npt.NDArray[np.int32],
        abs_pkt: npt.NDArray[np.int64],
        auxf: npt.NDArray[np.float64],
        raw: npt.NDArray[np.uint8],
    ) -> ParseResult:
        m = counts.shape[0]
        if m == 0:
            return ParseResult.empty(self._n)
        idx, n_lost, gaps = self._place(abs_pkt)
        res = ParseResult(counts * self._scale, idx, n_lost, gaps)
        if self._decode_aux:
            res.aux = _aux_dict(auxf, raw)
        return res

    def _pair(
        self,
        counts: npt.NDArray[np.int32],
        abs_pkt: npt.NDArray[np.int64],
        auxf: npt.NDArray[np.float64],
        raw: npt.NDArray[np.uint8],
    ) -> ParseResult:
        if self._pending is not None:
            pc, pa, pf, pr = self._pending
            counts = np.concatenate((pc[None, :], counts))
            abs_pkt = np.concatenate((np.array([pa], np.int64), abs_pkt))
            auxf = np.concatenate((pf[None, :], auxf))
            raw = np.concatenate((pr[None, :], raw))
            self._pending = None
        m = counts.shape[0]
        if m == 0:
            return ParseResult.empty(self._n)
        odd = (abs_pkt & 1) == 1
        if odd[-1]:
            self._pending = (counts[-1].copy(), int(abs_pkt[-1]), auxf[-1].copy(), raw[-1].copy())
        first = np.flatnonzero(odd[:-1] & (abs_pkt[1:] == abs_pkt[:-1] + 1))
        if first.shape[0] == 0:
            return ParseResult.empty(self._n)
        second = first + 1
        pair_no = (abs_pkt[first] - 1) // 2
        idx, n_lost, gaps = self._place(pair_no)
        rows = np.empty((first.shape[0], 16))
        rows[:, :8] = counts[first] * self._scale[:8]
        rows[:, 8:] = counts[second] * self._scale[8:]
        res = ParseResult(rows, idx, n_lost, gaps)
        if self._decode_aux:
            a1 = _aux_dict(auxf[first], raw[first])
            a2 = _aux_dict(auxf[second], raw[second])
            a1["accel"] = _merge_halves(a1["accel"], a2["accel"])
            a1["aux_raw"] = np.concatenate((a1["aux_raw"], a2["aux_raw"]), axis=1)
            res.aux = a1
        return res


# --------------------------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChannelSettings:
    """One ADS1299 channel's settings, as sent with ``x (CH) P G I B S2 S1 X``.

    Parameters
    ----------
    power_down : bool
        True powers the channel down (P = 1).
    gain : int
        1, 2, 4, 6, 8, 12 or 24 (G = code 0..6).
    input_type : str
        A key of :data:`INPUT_TYPES` (``"normal"`` for electrodes).
    bias : bool
        Include this channel's inputs in the BIAS (driven-right-leg) derivation.
    srb2 : bool
        Connect this channel's P input to SRB2 (common-reference EEG montages).
    srb1 : bool
        Connect all N inputs to SRB1 (a board-wide switch in the ADS1299).
    """

    power_down: bool = False
    gain: int = DEFAULT_GAIN
    input_type: str = "normal"
    bias: bool = True
    srb2: bool = True
    srb1: bool = False

    def __post_init__(self) -> None:
        _check_gain(self.gain)
        if self.input_type not in INPUT_TYPES:
            raise ConfigError(
                f"input_type must be one of {sorted(INPUT_TYPES)}, got {self.input_type!r}"
            )


#: The firmware default after power-up or ``d``: ``x?060110X`` (on, 24x, normal, bias, SRB2).
DEFAULT_CHANNEL_SETTINGS = ChannelSettings()

#: Bipolar sEMG: each muscle's electrode pair on the channel's own P and N inputs, SRB2 and
#: SRB1 off, the channel included in the BIAS drive, gain 24 (see docs/cyton.md).
SEMG_BIPOLAR_SETTINGS = ChannelSettings(
    power_down=False, gain=24, input_type="normal", bias=True, srb2=False, srb1=False
)

#: An unused channel: powered down and kept out of the BIAS derivation.
UNUSED_CHANNEL_SETTINGS = ChannelSettings(
    power_down=True, gain=24, input_type="shorted", bias=False, srb2=False, srb1=False
)


def _check_channel(channel: int, n_max: int = 16) -> int:
    if not isinstance(channel, (int, np.integer)) or not 1 <= channel <= n_max:
        raise ConfigError(f"Cyton channel must be 1..{n_max}, got {channel!r}")
    return int(channel)


def channel_settings_command(channel: int, settings: ChannelSettings) -> bytes:
    """``x (CH) P G I B S2 S1 X`` for channel 1..16 (9-16 use the letters ``QWERTYUI``).

    >>> channel_settings_command(1, SEMG_BIPOLAR_SETTINGS)
    b'x1060100X'

    Parameters
    ----------
    channel : int
        Channel 1..16.
    settings : ChannelSettings
        Power, gain, input type, bias and SRB connections.
    """
    ch = _check_channel(channel)
    s = settings
    fields = (
        _SETTING_CHARS[ch - 1],
        str(int(s.power_down)),
        str(gain_code(s.gain)),
        str(INPUT_TYPES[s.input_type]),
        str(int(s.bias)),
        str(int(s.srb2)),
        str(int(s.srb1)),
    )
    return ("x" + "".join(fields) + "X").encode("ascii")


def channel_off_command(channel: int) -> bytes:
    """Turn channel 1..16 off: ``1``-``8``, then ``qwertyui`` for the Daisy."""
    return _OFF_CHARS[_check_channel(channel) - 1].encode("ascii")


def channel_on_command(channel: int) -> bytes:
    """Turn channel 1..16 on: ``!@#$%^&*``, then ``QWERTYUI`` for the Daisy."""
    return _ON_CHARS[_check_channel(channel) - 1].encode("ascii")


def board_mode_command(mode: int) -> bytes:
    """``/N``: 0 default (accel, 0xC0), 1 debug, 2 analog (0xC1), 3 digital, 4 marker."""
    if mode not in BOARD_MODES:
        raise ConfigError(f"board mode must be one of {sorted(BOARD_MODES)}, got {mode!r}")
    return b"/" + str(mode).encode("ascii")


# --------------------------------------------------------------------------------------------
# Replies
# --------------------------------------------------------------------------------------------


def split_replies(data: bytes) -> tuple[list[str], bytes]:
    """Split text replies at their ``$$$`` terminators.

    Returns the complete replies (decoded as Latin-1, without ``$$$``) and the unterminated
    rest.
    """
    parts = data.split(EOT)
    rest = parts.pop()
    return [p.decode("latin-1") for p in parts], rest


def is_failure_reply(text: str) -> bool:
    """True for a reply starting ``Failure`` (e.g. the dongle's "Device failed to poll Host")."""
    return text.lstrip().startswith("Failure")


@dataclass(frozen=True, slots=True)
class CytonBanner:
    """What the soft-reset banner (reply to ``v``) says about the board."""

    board: str
    firmware: str | None
    daisy: bool
    ads_id: str | None = None
    daisy_ads_id: str | None = None
    accel_id: str | None = None
    raw: str = field(default="", repr=False)


_RE_FW = re.compile(r"Firmware:\s*(v?[0-9][0-9.]*)")
_RE_ID = re.compile(r"^(On Board |On Daisy )?(ADS1299|LIS3DH) Device ID:\s*(0x[0-9A-Fa-f]+)")


def parse_banner(text: str) -> CytonBanner:
    """Parse the reply to ``v`` (with or without its ``$$$``).

    Firmware v3 answers e.g.::

        OpenBCI V3 8-16 channel
        On Board ADS1299 Device ID: 0x3E
        On Daisy ADS1299 Device ID: 0x3E      (only with a Daisy)
        LIS3DH Device ID: 0x33
        Firmware: v3.1.2
        $$$

    Raises
    ------
    DeviceError
        The reply starts ``Failure`` (dongle present, board off or out of radio reach).
    FormatError
        The text does not look like a Cyton banner.
    """
    text = text.replace(EOT.decode(), "")
    if is_failure_reply(text):
        raise DeviceError(
            "the Cyton dongle answered but the board did not "
            f"({text.strip()!r}): switch the board on (PC side), check its battery, and make "
            "sure board and dongle share a radio channel"
        )
    lines = [ln.strip() for ln in text.replace("\r", "\n").split("\n") if ln.strip()]
    board = next((ln for ln in lines if ln.startswith("OpenBCI")), "")
    if not board:
        raise FormatError(
            f"not an OpenBCI Cyton banner (no line starting 'OpenBCI'): {text[:120]!r}; "
            "is this the Cyton dongle's port?"
        )
    fw = _RE_FW.search(text)
    ads = daisy_ads = accel = None
    for ln in lines:
        m = _RE_ID.match(ln)
        if not m:
            continue
        where, chip, val = m.groups()
        if chip == "LIS3DH":
            accel = val
        elif where == "On Daisy ":
            daisy_ads = val
        else:
            ads = val
    firmware = fw.group(1) if fw else None
    if firmware is not None and not firmware.startswith("v"):
        firmware = "v" + firmware
    return CytonBanner(
        board=board,
        firmware=firmware,
        daisy=daisy_ads is not None,
        ads_id=ads,
        daisy_ads_id=daisy_ads,
        accel_id=accel,
        raw=text,
    )


_RE_CH_SET = re.compile(r"Success: Channel set for (\d+)")


def parse_channel_set_reply(text: str) -> int:
    """The channel number confirmed by ``Success: Channel set for N$$$``.

    Raises
    ------
    DeviceError
        On a ``Failure: ...`` or any other reply.
    """
    m = _RE_CH_SET.search(text)
    if m:
        return int(m.group(1))
    raise DeviceError(
        f"the Cyton did not confirm a channel setting: {text.strip()!r}; send the whole "
        "x...X command in one write (the board times out after 1 s) and not while streaming"
    )
