"""A pure, deterministic device model of an OpenBCI Cyton (+ Daisy) behind its USB dongle.

:class:`CytonModel` answers the ASCII commands as firmware v3 does and, while streaming, turns
the microvolt samples it was given into the exact 33-byte packets the dongle writes. It has no
port, no thread and no clock: an emulator wraps it (write the host's bytes to :meth:`handle`,
send back what it returns; every 4 ms of wall time send :meth:`next_bytes` (1)), and fault
injection (drops, corruption) happens on the byte stream outside the model.

API for emulator writers
------------------------
``model = CytonModel(samples_uv, daisy=False, gains=None, board_off=False, ...)``
    ``samples_uv`` (n, 8), or (n, 16) for a Cyton + Daisy; rows are what the board sends
    (for Daisy rows, the firmware's 2-sample averages: the model does not average again).
``model.handle(data: bytes) -> bytes``
    Feed whatever the host wrote (any split: multi-character ``x...X``, ``/N``, ``~N``
    commands may arrive in pieces); returns the reply bytes to send back (``b""`` for
    commands without a reply, such as ``b``, ``s`` and channel on/off). Replies end ``$$$``.
``model.next_bytes(n_packets) -> bytes``
    The next ``n_packets`` packets while streaming (``b""`` otherwise). 250 packets per
    second of emulated time, with or without the Daisy (a Daisy row takes two packets).
``model.streaming``, ``model.packets_sent``, ``model.ground_truth()``
    State, and what was sent: counters, sample row and half of each packet.

Sequence BrainFlow's Cyton client follows over a serial port (BF ``openbci_serial_board.cpp``)
and how the model answers it: open the port; send ``v``; read byte by byte until ``$$$``
(the banner below); send ``d``; read until the port is silent for its 1 s timeout and check
the reply does not start ``Failure`` ("updating channel settings to default$$$"); ``b``
(no reply, packets follow); ``s`` (no reply). ``config_board("x1060110X")`` gets
``Success: Channel set for 1$$$`` when not streaming. With ``board_off=True`` every write gets
``Failure: Communications timeout - Device failed to poll Host$$$``, which BrainFlow reports
as "dongle is inserted but Cyton is off".

Packets follow the firmware: the counter restarts at 0 on ``b`` and wraps 0-255; in default
board mode the stop byte is 0xC0 and the accelerometer (``accel_g``, in g) is sent on every
10th packet (25 Hz), zeros otherwise; ``<`` switches to time-stamped packets (the first one
0xC3, then 0xC4: bytes 27-28 carry X, Y, Z when counter % 10 is 7, 8, 9, bytes 29-32 the
board's uint32 ms clock, 4 ms per packet); ``/2`` analog mode sends 0xC1 with ``analog``
(A5, A6, A7). With the Daisy active, packet 0 after ``b`` carries a Daisy half with zeros
(the firmware's not-yet-valid first average), then odd counters carry channels 1-8 of row
``k`` and the next even counter channels 9-16 of the same row.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from emgkit.devices.cyton.parser import (
    ACCEL_G_PER_COUNT,
    GAINS,
    INPUT_TYPES,
    STOP_ACCEL,
    STOP_ACCEL_TIME,
    STOP_ACCEL_TIME_SET,
    STOP_RAW_AUX,
    STOP_RAW_AUX_TIME,
    STOP_RAW_AUX_TIME_SET,
    encode_packet,
    uv_to_counts,
)
from emgkit.errors import ConfigError

__all__ = ["BOARD_OFF_REPLY", "CytonModel"]

#: What the dongle answers when it cannot reach the board (board off or out of range).
BOARD_OFF_REPLY = b"Failure: Communications timeout - Device failed to poll Host$$$"

_SETTING_CHARS = "12345678QWERTYUI"
_OFF_CHARS = "12345678qwertyui"
_ON_CHARS = "!@#$%^&*QWERTYUI"
_BOARD_MODE_NAMES = ("default", "debug", "analog", "digital", "marker")
_SAMPLE_RATES = (16000, 8000, 4000, 2000, 1000, 500, 250)


#: Packets of per-packet ground truth kept (:meth:`CytonModel.ground_truth`): the most recent.
TRUTH_LIMIT = 100_000


class CytonModel:
    """Deterministic Cyton (+ Daisy) firmware-and-dongle model.

    Parameters
    ----------
    samples_uv : array_like, shape (n, 8) or (n, 16)
        Microvolt rows to stream (16 columns for a Cyton + Daisy).
    daisy : bool
        A Daisy module is attached (the banner reports it and 16 channels stream at 125 Hz
        until ``c`` removes it).
    gains : int or sequence of int, optional
        Initial gain per channel; ``v`` and ``d`` reset them to 24 like the firmware.
    board_off : bool
        Model a dongle whose board is off: every write is answered ``Failure: ...$$$``.
    accel_g : sequence of 3 float
        Accelerometer reading (g) sent at 25 Hz.
    analog : sequence of 3 int
        A5, A6, A7 readings sent in analog board mode (``/2``).
    firmware : str
        Version string in the banner.
    loop : bool
        Restart at the first row when the samples run out (default True); else stop sending.
    """

    def __init__(
        self,
        samples_uv: npt.ArrayLike,
        daisy: bool = False,
        gains: int | Sequence[int] | None = None,
        *,
        board_off: bool = False,
        accel_g: Sequence[float] = (0.0, 0.0, 1.0),
        analog: Sequence[int] = (0, 0, 0),
        firmware: str = "v3.1.2",
        loop: bool = True,
    ) -> None:
        x = np.asarray(samples_uv, dtype=np.float64)
        n_ch = 16 if daisy else 8
        if x.ndim != 2 or x.shape[1] != n_ch or x.shape[0] == 0:
            raise ConfigError(f"samples_uv must have shape (n>0, {n_ch}), got {x.shape}")
        if not np.all(np.isfinite(x)):
            raise ConfigError("samples_uv must be finite: a Cyton cannot send NaN")
        self.samples_uv = x
        self.daisy_hardware = bool(daisy)
        self.board_off = bool(board_off)
        self.firmware = firmware
        self.loop = bool(loop)
        acc = np.clip(np.rint(np.asarray(accel_g, float) / ACCEL_G_PER_COUNT), -32768, 32767)
        self._accel_bytes = acc.astype(">i2").tobytes()
        self._accel_words = acc.astype(np.int64)
        self._analog_bytes = np.asarray(analog, dtype=np.int64).astype(">u2").tobytes()
        if gains is None:
            g0 = [24] * n_ch
        elif np.isscalar(gains):
            g0 = [int(gains)] * n_ch  # type: ignore[arg-type]
        else:
            g0 = [int(g) for g in gains]  # type: ignore[union-attr]
        if len(g0) != n_ch or any(g not in GAINS for g in g0):
            raise ConfigError(f"gains must be {n_ch} values from {GAINS}, got {gains!r}")
        self._initial_gains = g0
        self._pending = ""
        # per-packet ground truth: the last TRUTH_LIMIT packets (bounded for long runs)
        self._sent_counter: deque[int] = deque(maxlen=TRUTH_LIMIT)
        self._sent_row: deque[int] = deque(maxlen=TRUTH_LIMIT)
        self._sent_half: deque[int] = deque(maxlen=TRUTH_LIMIT)
        self._n_sent = 0
        self._power_on_reset()
        self.gains = list(g0)
        self._counts_cache: npt.NDArray[np.int32] | None = None

    # -- state ------------------------------------------------------------------------------
    def _power_on_reset(self) -> None:
        self.streaming = False
        self.daisy_active = self.daisy_hardware
        self.gains = [24] * self.samples_uv.shape[1]
        self.channel_on = [True] * self.samples_uv.shape[1]
        self.channel_commands: dict[int, str] = {}
        self.board_mode = 0
        self.timestamps = False
        self._time_set_pending = False
        self.sample_rate = 250
        self._packet = 0  # packets since 'b'
        self._row = 0  # next row of samples_uv (continues across s/b; 'v' restarts it)
        self._counts_cache = None

    @property
    def n_channels(self) -> int:
        """Channels currently streamed: 16 with an active Daisy, else 8."""
        return 16 if self.daisy_active else 8

    @property
    def packets_sent(self) -> int:
        """Packets produced since construction."""
        return self._n_sent

    def ground_truth(self) -> dict[str, npt.NDArray[np.int64]]:
        """What was sent, one entry per packet, in order: the last :data:`TRUTH_LIMIT` packets.

        Returns
        -------
        dict
            ``counter`` (0-255), ``row`` (row of ``samples_uv``; -1 for the invalid first
            Daisy half), ``half`` (-1 without Daisy, 0 for channels 1-8, 1 for 9-16).
            Rows continue across ``s``/``b`` (the signal goes on while the host is not
            streaming); ``v`` restarts at row 0.
        """
        return {
            "counter": np.asarray(self._sent_counter, dtype=np.int64),
            "row": np.asarray(self._sent_row, dtype=np.int64),
            "half": np.asarray(self._sent_half, dtype=np.int64),
        }

    # -- commands ---------------------------------------------------------------------------
    def handle(self, data: bytes) -> bytes:
        """Process bytes written by the host; return the reply bytes (possibly empty)."""
        if not data:
            return b""
        if self.board_off:
            return BOARD_OFF_REPLY
        out = bytearray()
        text = self._pending + bytes(data).decode("latin-1")
        self._pending = ""
        i = 0
        while i < len(text):
            c = text[i]
            if c in "x/~":
                need = 9 if c == "x" else 2
                chunk = text[i : i + need]
                if c == "x" and "X" in chunk[1:] and chunk.index("X", 1) < need - 1:
                    # an early latch: too few characters
                    end = chunk.index("X", 1)
                    out += self._say("Failure: too few chars")
                    i += end + 1
                    continue
                if len(chunk) < need:
                    self._pending = chunk
                    break
                out += self._multi(chunk)
                i += need
                continue
            out += self._single(c)
            i += 1
        return bytes(out)

    def _say(self, text: str) -> bytes:
        """A text reply; the firmware stays silent on most of them while streaming."""
        return b"" if self.streaming else text.encode("latin-1") + b"$$$"

    def _banner(self) -> bytes:
        lines = ["OpenBCI V3 8-16 channel", "On Board ADS1299 Device ID: 0x3E"]
        if self.daisy_hardware:
            lines.append("On Daisy ADS1299 Device ID: 0x3E")
        lines += ["LIS3DH Device ID: 0x33", f"Firmware: {self.firmware}"]
        return ("\n".join(lines) + "\n$$$").encode("latin-1")

    def _registers(self) -> bytes:
        """A register dump in the firmware's layout (values from the model's settings)."""
        lines = ["Board ADS Registers", "ADS_ID, 00, 3E, 0, 0, 1, 1, 1, 1, 1, 0"]
        lines.append("CONFIG1, 01, 96, 1, 0, 0, 1, 0, 1, 1, 0")
        for ch in range(1, 9):
            lines.append(self._chset_line(ch))
        if self.daisy_active:
            lines.append("Daisy ADS Registers")
            for ch in range(9, 17):
                lines.append(self._chset_line(ch))
        lines.append("LIS3DH Registers")
        return ("\n".join(lines) + "\n$$$").encode("latin-1")

    def _chset_line(self, ch: int) -> str:
        gain_code = GAINS.index(self.gains[ch - 1])
        pd = 0 if self.channel_on[ch - 1] else 1
        val = (pd << 7) | (gain_code << 4)
        return f"CH{(ch - 1) % 8 + 1}SET, {0x04 + (ch - 1) % 8:02X}, {val:02X}"

    def _single(self, c: str) -> bytes:
        if c == "v":
            self._power_on_reset()
            return self._banner()
        if c == "b":
            if not self.streaming:
                self.streaming = True
                self._packet = 0
            return b""
        if c == "s":
            self.streaming = False
            return b""
        if c == "d":
            reply = self._say("updating channel settings to default")
            n = self.samples_uv.shape[1]
            self.gains = [24] * n
            self.channel_on = [True] * n
            self.channel_commands = {}
            self._counts_cache = None
            return reply
        if c == "D":
            return self._say("060110")
        if c == "?":
            return b"" if self.streaming else self._registers()
        if c == "c":
            if self.daisy_active:
                self.daisy_active = False
                return self._say("daisy removed")
            return b""
        if c == "C":
            if not self.daisy_hardware:
                return self._say("no daisy to attach!8")
            was = self.daisy_active
            self.daisy_active = True
            return self._say(("" if was else "daisy attached") + "16")
        if c == "<":
            reply = self._say("Time stamp ON")
            self.timestamps = True
            self._time_set_pending = True
            return reply
        if c == ">":
            reply = self._say("Time stamp OFF")
            self.timestamps = False
            return reply
        if c in _OFF_CHARS:
            ch = _OFF_CHARS.index(c) + 1
            if ch <= self.samples_uv.shape[1]:
                self.channel_on[ch - 1] = False
                self._counts_cache = None
            return b""
        if c in _ON_CHARS:
            ch = _ON_CHARS.index(c) + 1
            if ch <= self.samples_uv.shape[1]:
                self.channel_on[ch - 1] = True
                self._counts_cache = None
            return b""
        return b""  # unknown characters are ignored by the firmware

    def _multi(self, cmd: str) -> bytes:
        if cmd[0] == "/":
            arg = cmd[1]
            if arg == "/":
                return self._say("Success: " + _BOARD_MODE_NAMES[self.board_mode])
            if arg.isdigit() and int(arg) < len(_BOARD_MODE_NAMES):
                self.board_mode = int(arg)
                return self._say("Success: " + _BOARD_MODE_NAMES[self.board_mode])
            return self._say("Failure: invalid board mode value.")
        if cmd[0] == "~":
            arg = cmd[1]
            if arg == "~":
                return self._say(f"Success: Sample rate is {self.sample_rate}Hz")
            if arg.isdigit() and int(arg) < len(_SAMPLE_RATES):
                self.sample_rate = _SAMPLE_RATES[int(arg)]
                return self._say(f"Success: Sample rate is {self.sample_rate}Hz")
            return self._say("Failure: sample value out of bounds")
        # x (CH) P G I B S2 S1 X
        if cmd[8] != "X":
            return self._say("Failure: 9th char not X")
        ch_char, pd, g, inp, bias, srb2, srb1 = tuple(cmd[1:8])
        n = self.samples_uv.shape[1]
        ok = (
            ch_char in _SETTING_CHARS[:n]
            and pd in "01"
            and g.isdigit()
            and int(g) < len(GAINS)
            and inp.isdigit()
            and int(inp) < len(INPUT_TYPES)
            and bias in "01"
            and srb2 in "01"
            and srb1 in "01"
        )
        if not ok:
            return self._say("Failure: Err: too many chars")
        ch = _SETTING_CHARS.index(ch_char) + 1
        self.gains[ch - 1] = GAINS[int(g)]
        self.channel_on[ch - 1] = pd == "0"
        self.channel_commands[ch] = cmd
        self._counts_cache = None
        return self._say(f"Success: Channel set for {ch}")

    # -- streaming --------------------------------------------------------------------------
    def _counts(self) -> npt.NDArray[np.int32]:
        if self._counts_cache is None:
            c = uv_to_counts(self.samples_uv, self.gains)
            c[:, ~np.asarray(self.channel_on)] = 0
            self._counts_cache = c
        return self._counts_cache

    def _aux_and_stop(self, counter: int, accel_due: bool) -> tuple[bytes, int]:
        ms = (self._packet * 4) & 0xFFFFFFFF
        time_bytes = ms.to_bytes(4, "big")
        analog_mode = self.board_mode in (2, 3, 4)
        if self.timestamps:
            set_pkt = self._time_set_pending
            self._time_set_pending = False
            if analog_mode:
                stop = STOP_RAW_AUX_TIME_SET if set_pkt else STOP_RAW_AUX_TIME
                return b"\0\0" + time_bytes, stop
            axis = counter % 10 - 7
            word = int(self._accel_words[axis]) if axis >= 0 else 0
            stop = STOP_ACCEL_TIME_SET if set_pkt else STOP_ACCEL_TIME
            return (word & 0xFFFF).to_bytes(2, "big") + time_bytes, stop
        if self.board_mode == 2:
            return self._analog_bytes, STOP_RAW_AUX
        if analog_mode:
            return b"\0" * 6, STOP_RAW_AUX
        return (self._accel_bytes if accel_due else b"\0" * 6), STOP_ACCEL

    def next_bytes(self, n_packets: int = 1) -> bytes:
        """The next ``n_packets`` packets of the stream (``b""`` when not streaming)."""
        if not self.streaming or self.board_off or n_packets <= 0:
            return b""
        counts = self._counts()
        n_rows = counts.shape[0]
        out = bytearray()
        for _ in range(int(n_packets)):
            p = self._packet
            counter = p & 0xFF
            if self.daisy_active:
                if p == 0:
                    row, half = -1, 1  # the firmware's not-yet-valid first Daisy average
                else:
                    row, half = self._row, (p - 1) % 2
            else:
                row, half = self._row, -1
            if row >= 0:
                if row >= n_rows and not self.loop:
                    break
                r = row % n_rows
                ch = counts[r, 8:16] if half == 1 else counts[r, :8]
            else:
                r = -1
                ch = np.zeros(8, dtype=np.int32)
            aux, stop = self._aux_and_stop(counter, accel_due=(p % 10 == 9))
            out += encode_packet(counter, ch, aux, stop)
            self._sent_counter.append(counter)
            self._sent_row.append(r)
            self._sent_half.append(half)
            self._n_sent += 1
            self._packet += 1
            if half != 0 and row >= 0:  # a row is complete (8 ch, or its Daisy half)
                self._row += 1
        return bytes(out)
