"""A pure, deterministic model of the emgkit_stream firmware (MyoWare 2.0 on an Arduino).

:class:`ArduinoModel` answers command frames byte for byte as
``firmware_interface/arduino/emgkit_stream/emgkit_stream.ino`` does and produces the DATA
frames that firmware would send while sampling the given signals. It owns no port, thread or
clock: an emulator (e.g. a pseudo-terminal runner) drives it::

    model = ArduinoModel(samples_uv, fs=1000.0, kinds=["ENV", "RAW"])
    pty.write(model.boot_bytes())                 # STATUS BOOT, as after a reset
    reply = model.handle(bytes_from_host)         # commands in -> replies out (may be b"")
    while model.streaming:
        pty.write(model.next_bytes(n))            # n more samples' worth of DATA frames
        # pace it with wall time: n = samples due since the last call at model.fs

``handle`` accepts any byte chunks (partial frames are kept until their 0x00 arrives, as the
firmware's byte-at-a-time decoder does). Fault injection (corruption, drops, delays) belongs
to the runner, on the bytes: this model is fault-free.

Ground truth: device sample ``seq`` of the current stream is row ``stream_start_row + seq`` of
``samples_uv`` (channel ``j`` is column ``config.channels[j].pin``); :attr:`counts` holds the
exact ADC counts sent; :attr:`samples_sent`, :attr:`frames_sent` and :attr:`frame_seqs` count
what has been emitted.

Differences from a real board, by construction: the analog pins are the columns of
``samples_uv`` (pin ``p`` = column ``p``), so CONFIGURE may only use pins below the number of
columns, and only at ``rate_hz == fs`` (another rate is refused with NAK BAD_RATE, since the
model cannot resample). Micros timestamps are ``t0_us + floor(i x 1e6 / fs)`` exactly, ``i``
counting every sample acquired since construction.
"""

from __future__ import annotations

import math
import struct
from collections import deque
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from emgkit.devices.arduino.framed import (
    DATA_HEADER_SIZE,
    MAX_PAYLOAD,
    PROTOCOL_VERSION,
    ChannelConfig,
    ChannelKindCode,
    ErrorCode,
    Info,
    MsgType,
    StatusCode,
    StreamConfig,
    _encode_data_frame_u2,
    _parse_config,
    cobs_decode,
    crc16,
    default_samples_per_frame,
    encode_ack,
    encode_data_frame,
    encode_data_frames,
    encode_info,
    encode_nak,
    encode_status,
)
from emgkit.devices.arduino.myoware import DEFAULT_POT_KOHM, parse_kind, uv_to_counts
from emgkit.errors import ConfigError, FormatError

__all__ = ["FIRMWARE_VERSION", "ArduinoModel"]

#: Firmware version the model (and emgkit_stream.ino) reports.
FIRMWARE_VERSION = (1, 0, 0)
_U32 = 1 << 32
#: Frames from which :meth:`ArduinoModel.next_frames` builds them as one numpy batch.
_BATCH_MIN = 8
#: Frames of per-frame ground truth kept (:attr:`ArduinoModel.frame_seqs`): the most recent.
TRUTH_LIMIT = 100_000
_NO_BODY = (MsgType.IDENTIFY, MsgType.START, MsgType.STOP, MsgType.PING)


class ArduinoModel:
    """The firmware's behaviour on given signals.

    Parameters
    ----------
    samples_uv : array_like, shape (n_samples, n_pins)
        What each analog pin carries, in microvolts at the electrodes for RAW/ENV/RECT and in
        microvolts at the pin for REF (one column per pin: A0, A1, ...).
    fs : float
        Sampling rate of ``samples_uv`` (Hz); an integer number of Hz.
    kinds : sequence of {"RAW", "ENV", "RECT", "REF"}
        MyoWare output wired to each pin (decides the counts conversion and the default config).
    adc_bits, vref_mv : int
        ADC resolution and reference, as INFO reports them.
    pot_kohm : float
        ENV gain pot for conversion and the default config.
    samples_per_frame : int
        Default samples per DATA frame (0: the firmware's default for ``fs``).
    board : str
        Board name in INFO.
    max_channels, max_frame_values, max_rate_hz : int
        The board's limits as INFO reports them (defaults: a Teensy 4-class board with 16 pins).
    t0_us : int
        ``micros()`` at sample 0.
    loop : bool
        Restart at row 0 after the last row (else the model stops producing data there).
    """

    def __init__(
        self,
        samples_uv: npt.ArrayLike,
        fs: float,
        kinds: Sequence[ChannelKindCode | str | int],
        adc_bits: int = 12,
        vref_mv: int = 3300,
        *,
        pot_kohm: float = DEFAULT_POT_KOHM,
        samples_per_frame: int = 0,
        board: str = "emgkit-model",
        max_channels: int = 16,
        max_frame_values: int = 256,
        max_rate_hz: int = 64_000,
        t0_us: int = 0,
        loop: bool = False,
    ) -> None:
        data = np.asarray(samples_uv, dtype=np.float64)
        if data.ndim == 1:
            data = data[:, None]
        if data.ndim != 2 or data.shape[0] == 0:
            raise ConfigError(f"samples_uv must be (n_samples, n_pins), got shape {data.shape}")
        if len(kinds) != data.shape[1]:
            raise ConfigError(f"{len(kinds)} kinds for {data.shape[1]} columns of samples_uv")
        if not (fs > 0 and float(fs).is_integer()):
            raise ConfigError(f"fs must be a positive whole number of Hz, got {fs}")
        self.fs = float(fs)
        self.kinds = [parse_kind(k) for k in kinds]
        self.adc_bits = int(adc_bits)
        self.vref_mv = int(vref_mv)
        self.board = board
        self.max_channels = int(max_channels)
        self.max_frame_values = int(max_frame_values)
        self.max_rate_hz = int(max_rate_hz)
        self.t0_us = int(t0_us)
        self.loop = bool(loop)
        #: Exact ADC counts of every pin, (n_samples, n_pins) uint16: what the device reads.
        self.counts: npt.NDArray[np.uint16] = np.empty(data.shape, dtype=np.uint16)
        for j, kind in enumerate(self.kinds):
            self.counts[:, j] = uv_to_counts(
                data[:, j], kind, adc_bits=self.adc_bits, vref_mv=self.vref_mv, pot_kohm=pot_kohm
            )
        pot = round(pot_kohm * 1000)
        chans = tuple(ChannelConfig(j, k, pot) for j, k in enumerate(self.kinds))
        nch = len(chans)
        if nch > self.max_channels:
            raise ConfigError(f"{nch} pins exceed max_channels={self.max_channels}")
        k = samples_per_frame or self._default_k(int(fs), nch)
        self.config = StreamConfig(int(fs), chans, k)
        self.streaming = False
        self._rx = bytearray()
        self._rx_overflow = False
        self._row = 0  # next row of samples_uv the ADC will read
        self._clock = 0  # samples acquired since construction (drives micros())
        #: Rows acquired, not yet sent (their clocks are the last ``len`` values before
        #: ``_clock``: acquisition is contiguous on the sample clock).
        self._buffered: list[int] = []
        #: Decoded command bytes the firmware's receive buffer holds (payload + CRC).
        self.rx_capacity = 9 + 6 * self.max_channels + 2
        #: Row of samples_uv that carries device sample 0 of the current stream.
        self.stream_start_row = 0
        #: Device sample clock: sequence number of the next sample acquired.
        self.seq = 0
        self.samples_sent = 0
        self.frames_sent = 0
        #: Sequence number of the first sample of each DATA frame sent, in order: the last
        #: :data:`TRUTH_LIMIT` frames (bounded for long runs; :attr:`frames_sent` counts all).
        self.frame_seqs: deque[int] = deque(maxlen=TRUTH_LIMIT)
        self._pins_cache: tuple[StreamConfig, list[int], bool] | None = None

    # ------------------------------------------------------------------ helpers
    def _default_k(self, rate: int, nch: int) -> int:
        return max(1, min(default_samples_per_frame(rate, nch), self.max_frame_values // nch))

    @property
    def n_pins(self) -> int:
        """Number of analog pins (columns of ``samples_uv``)."""
        return int(self.counts.shape[1])

    @property
    def exhausted(self) -> bool:
        """True when ``loop`` is False and every row has been acquired."""
        return not self.loop and self._row >= self.counts.shape[0]

    def info(self, tag: int = 0) -> Info:
        """The INFO this device reports."""
        return Info(
            tag,
            PROTOCOL_VERSION,
            FIRMWARE_VERSION,
            self.adc_bits,
            self.vref_mv,
            self.max_channels,
            self.max_frame_values,
            self.max_rate_hz,
            self.board,
            self.config,
            self.streaming,
        )

    def boot_bytes(self) -> bytes:
        """What the firmware sends after reset: a lone 0x00 then STATUS BOOT."""
        return b"\x00" + encode_status(StatusCode.BOOT, 0, 0)

    # ------------------------------------------------------------------ commands
    def handle(self, command_bytes: bytes) -> bytes:
        """Feed bytes from the host; return the device's reply bytes (possibly ``b""``)."""
        out = bytearray()
        for b in command_bytes:
            if b != 0:
                if len(self._rx) < 2 * self.rx_capacity:
                    self._rx.append(b)
                else:
                    self._rx_overflow = True
                continue
            body, overflow = bytes(self._rx), self._rx_overflow
            self._rx.clear()
            self._rx_overflow = False
            if not body:
                continue
            out += self._frame(body, overflow)
        return bytes(out)

    def _frame(self, body: bytes, overflow: bool) -> bytes:
        try:
            if overflow:
                raise FormatError("command frame too long")
            dec = cobs_decode(body)
        except FormatError:
            return encode_nak(0, 0, ErrorCode.BAD_FRAME)
        if len(dec) < 4 or len(dec) > self.rx_capacity or crc16(dec) != 0:
            return encode_nak(0, 0, ErrorCode.BAD_FRAME)
        p = dec[:-2]
        t, ver, tag = p[0], p[1], p[2] if len(p) > 2 else 0
        if ver != PROTOCOL_VERSION:
            return encode_nak(tag, t, ErrorCode.BAD_VERSION)
        if t not in (*_NO_BODY, MsgType.CONFIGURE):
            return encode_nak(tag, t, ErrorCode.UNKNOWN_TYPE)
        if len(p) < 3:
            return encode_nak(0, t, ErrorCode.BAD_LENGTH)
        mt = MsgType(t)
        if mt in _NO_BODY and len(p) != 3:
            return encode_nak(tag, t, ErrorCode.BAD_LENGTH)
        if mt is MsgType.IDENTIFY:
            return encode_info(self.info(tag))
        if mt is MsgType.PING:
            return encode_ack(tag, t)
        if mt is MsgType.CONFIGURE:
            return self._configure(tag, p)
        if mt is MsgType.START:
            if self.streaming:
                return encode_nak(tag, t, ErrorCode.BUSY)
            self.streaming = True
            self.seq = 0
            self._buffered = []
            self.stream_start_row = self._row
            return encode_ack(tag, t)
        # STOP: flush the partial frame, then ACK (idempotent)
        out = self._flush(partial=True) if self.streaming else b""
        self.streaming = False
        return out + encode_ack(tag, t)

    def _configure(self, tag: int, p: bytes) -> bytes:
        t = int(MsgType.CONFIGURE)
        if len(p) < 9 or len(p) != 9 + 6 * p[7]:
            return encode_nak(tag, t, ErrorCode.BAD_LENGTH)
        if self.streaming:
            return encode_nak(tag, t, ErrorCode.BUSY)
        rate, n, k = struct.unpack_from("<IBB", p, 3)
        if n == 0 or n > self.max_channels:
            return encode_nak(tag, t, ErrorCode.BAD_CHANNELS)
        for j in range(n):
            pin, kind = p[9 + 6 * j], p[10 + 6 * j]
            if pin >= self.counts.shape[1]:
                return encode_nak(tag, t, ErrorCode.BAD_PIN)
            if kind > int(ChannelKindCode.REF):
                return encode_nak(tag, t, ErrorCode.BAD_KIND)
        if rate == 0 or rate * n > self.max_rate_hz or rate != int(self.fs):
            return encode_nak(tag, t, ErrorCode.BAD_RATE)
        if k == 0:
            k = self._default_k(rate, n)
        if k * n > self.max_frame_values or DATA_HEADER_SIZE + 2 * k * n > MAX_PAYLOAD:
            return encode_nak(tag, t, ErrorCode.BAD_FRAME_SIZE)
        cfg, _ = _parse_config(p, 3)
        self.config = StreamConfig(cfg.rate_hz, cfg.channels, k)
        return encode_ack(tag, t)

    # ------------------------------------------------------------------ data
    def _t_us(self, clock: int) -> int:
        return (self.t0_us + (clock * 1_000_000) // int(self.fs)) % _U32

    def _take_frames(self, partial: bool) -> list[bytes]:
        """Send the buffered samples as DATA frames (a short last one only if ``partial``).

        From :data:`_BATCH_MIN` full frames on, they are built together by
        :func:`encode_data_frames` (numpy over the batch, byte for byte
        :func:`encode_data_frame`'s output); fewer go one by one (numpy's per-call cost would
        outweigh the batch).
        """
        k = self.config.samples_per_frame
        n_buf = len(self._buffered)
        n_full = n_buf // k
        n_take = n_buf if partial else n_full * k
        if n_take == 0:
            return []
        rows = self._buffered[:n_take]
        del self._buffered[:n_take]  # once per call, not once per frame
        pins, all_pins = self._pins()
        r0 = rows[0]
        if rows == list(range(r0, r0 + n_take)):  # one stretch of rows (the usual case): a view
            block = self.counts[r0 : r0 + n_take]
        else:
            block = self.counts[rows]  # every pending sample gathered at once
        if not all_pins:
            block = block[:, pins]
        base_seq = self.seq - len(self._buffered) - n_take
        clock0 = self._clock - len(self._buffered) - n_take  # clock of rows[0]
        if n_full >= _BATCH_MIN:
            starts = np.arange(0, n_full * k, k, dtype=np.int64)
            t_us = (self.t0_us + ((clock0 + starts) * 1_000_000) // int(self.fs)) % _U32
            frames = encode_data_frames(
                base_seq + starts, t_us, block[: n_full * k].reshape(n_full, k, -1)
            )
        else:
            frames = [
                _encode_data_frame_u2(base_seq + a, self._t_us(clock0 + a), block[a : a + k])
                for a in range(0, n_full * k, k)
            ]
        if n_take > n_full * k:
            a = n_full * k
            frames.append(encode_data_frame(base_seq + a, self._t_us(clock0 + a), block[a:]))
        self.frame_seqs.extend((base_seq + a) % _U32 for a in range(0, n_take, k))
        self.samples_sent += n_take
        self.frames_sent += len(frames)
        return frames

    def _pins(self) -> tuple[list[int], bool]:
        """The configured pins, and whether they are every column of ``counts`` in order."""
        cached = self._pins_cache
        if cached is not None and cached[0] is self.config:
            return cached[1], cached[2]
        pins = [c.pin for c in self.config.channels]
        all_pins = pins == list(range(self.counts.shape[1]))
        self._pins_cache = (self.config, pins, all_pins)
        return pins, all_pins

    def _flush(self, partial: bool) -> bytes:
        return b"".join(self._take_frames(partial))

    def _acquire(self, n_samples: int) -> None:
        """The ADC reads ``n_samples`` more rows (fewer at the end without ``loop``)."""
        total = self.counts.shape[0]
        n = n_samples if self.loop else max(0, min(n_samples, total - self._row))
        left = n
        while left > 0:
            if self._row >= total:  # only with loop: n is capped above otherwise
                self._row = 0
            take = min(left, total - self._row)
            self._buffered.extend(range(self._row, self._row + take))
            self._row += take
            left -= take
        self._clock += n
        self.seq += n

    def next_bytes(self, n_samples: int) -> bytes:
        """Acquire ``n_samples`` more samples and return the complete DATA frames they make.

        Samples that do not fill a frame stay buffered, as on the device, and go out with later
        ones (or in a short frame on STOP). Returns ``b""`` when not streaming.
        """
        if n_samples < 0:
            raise ConfigError(f"n_samples must be >= 0, got {n_samples}")
        if not self.streaming:
            return b""
        self._acquire(n_samples)
        return self._flush(partial=False)

    def next_frames(self, n_frames: int) -> list[bytes]:
        """Acquire the samples of ``n_frames`` more DATA frames; return each complete frame.

        The same bytes as ``n_frames`` calls of ``next_bytes(samples_per_frame)`` (the samples
        of a partly filled frame stay buffered), built in one batch; fewer frames when the
        signal ends (without ``loop``), none when not streaming.
        """
        if n_frames < 0:
            raise ConfigError(f"n_frames must be >= 0, got {n_frames}")
        if not self.streaming:
            return []
        k = self.config.samples_per_frame
        self._acquire(n_frames * k)
        return self._take_frames(partial=False)

    def samples_for(self, seqs: npt.ArrayLike) -> npt.NDArray[np.uint16]:
        """Ground-truth counts (rows, configured channels) for device sequence numbers."""
        s = np.asarray(seqs, dtype=np.int64)
        rows = (self.stream_start_row + s) % self.counts.shape[0]
        pins = [c.pin for c in self.config.channels]
        return self.counts[rows][:, pins]

    @staticmethod
    def wall_samples(elapsed_s: float, fs: float) -> int:
        """Samples due after ``elapsed_s`` seconds of streaming at ``fs`` (for pacing runners).

        Parameters
        ----------
        elapsed_s : float
            Seconds since streaming started.
        fs : float
            Sampling rate, Hz.
        """
        return math.floor(elapsed_s * fs + 1e-9)
