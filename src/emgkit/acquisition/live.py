"""A live terminal view while recording: envelope bars, signal quality, packet loss, keys.

Plain ANSI redraw (no curses). When stdout is not a terminal, a log line is printed every few
seconds instead. Keys (read without blocking when stdin is a terminal): ``m`` adds a marker,
``0``-``9`` a pain rating, ``q`` stops the recording.

The view is a consumer like any other: it reads a bounded :class:`Subscription`, so a slow
terminal can never slow the port read (it only loses display updates, which are counted).
"""

from __future__ import annotations

import contextlib
import math
import os
import select
import sys
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from emgkit.acquisition.recorder import Recorder

__all__ = ["ChannelQuality", "LiveView", "channel_quality"]


@dataclass(frozen=True, slots=True)
class ChannelQuality:
    """Signal quality of one channel over the last window.

    Attributes
    ----------
    rms_uv : float
        RMS of the window (after removing its mean).
    flat : bool
        Standard deviation below ``flat_uv`` (electrode off, channel shorted or powered down).
    clipping : float
        Fraction of samples stuck at the window's extreme values (amplifier saturation).
    mains_uv : float
        Amplitude (RMS) of the power-line component (50 or 60 Hz, whichever is larger).
    mains_hz : float
    noise_floor_uv : float
        10th percentile of 100 ms RMS windows: the quietest level (rest noise).
    """

    rms_uv: float
    flat: bool
    clipping: float
    mains_uv: float
    mains_hz: float
    noise_floor_uv: float

    @property
    def flags(self) -> str:
        """Short text for the display: FLAT, CLIP, MAINS or ok."""
        out = []
        if self.flat:
            out.append("FLAT")
        if self.clipping > 0.01:
            out.append("CLIP")
        if self.rms_uv > 0 and self.mains_uv > 0.5 * self.rms_uv:
            out.append(f"MAINS{self.mains_hz:.0f}")
        return " ".join(out) or "ok"


def _tone_rms(x: npt.NDArray[np.float64], fs: float, f: float) -> float:
    """RMS amplitude of the ``f`` Hz component of ``x`` (single-bin DFT, Hann window)."""
    n = x.shape[0]
    if n < 8 or f >= fs / 2:
        return 0.0
    w = np.hanning(n)
    ph = np.exp(-2j * np.pi * f * np.arange(n) / fs)
    amp = 2.0 * abs(np.dot(w * (x - x.mean()), ph)) / w.sum()
    return float(amp / math.sqrt(2.0))


#: Fewest distinct values a window must span before samples at its extremes count as clipping.
MIN_LEVELS_FOR_CLIPPING = 32


def channel_quality(
    window: npt.ArrayLike,
    fs: float,
    *,
    power_line_hz: float | None = None,
    flat_uv: float = 0.5,
) -> list[ChannelQuality]:
    """Quality of each column of ``window`` (n_samples, n_channels) in microvolts at ``fs`` Hz.

    ``power_line_hz`` None checks both 50 and 60 Hz.
    """
    x = np.asarray(window, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    out = []
    freqs = [power_line_hz] if power_line_hz else [50.0, 60.0]
    seg = max(1, round(0.1 * fs))
    for c in range(x.shape[1]):
        v = x[:, c]
        v = v[np.isfinite(v)]
        if v.size < 2:
            out.append(ChannelQuality(0.0, True, 0.0, 0.0, 0.0, 0.0))
            continue
        d = v - v.mean()
        rms = float(np.sqrt(np.mean(d * d)))
        hi, lo = v.max(), v.min()
        stuck = (np.count_nonzero(v == hi) + np.count_nonzero(v == lo)) if hi > lo else 0
        # a window spanning only a few ADC levels (a quiet channel on a 10-12 bit MyoWare ADC:
        # 4 uV steps) piles up at its extremes without clipping; a saturated sEMG signal spans
        # many levels before it hits the rail
        levels = np.unique(v).size if stuck > 3 else 0
        clip = stuck / v.size if stuck > 3 and levels >= MIN_LEVELS_FOR_CLIPPING else 0.0
        tones = [(_tone_rms(v, fs, f), f) for f in freqs]
        mains, mf = max(tones)
        k = v.size // seg
        if k >= 1:
            blocks = d[: k * seg].reshape(k, seg)
            floor = float(np.percentile(np.sqrt(np.mean(blocks**2, axis=1)), 10))
        else:
            floor = rms
        out.append(ChannelQuality(rms, float(np.std(v)) < flat_uv, clip, mains, mf, floor))
    return out


class LiveView:
    """Draw the recorder's state in the terminal; call :meth:`tick` regularly (from one thread).

    Parameters
    ----------
    recorder : Recorder
        A started recorder.
    stream : text file
        Where to draw (default stdout).
    refresh : float
        Seconds between redraws on a terminal.
    log_every : float
        Seconds between log lines when ``stream`` is not a terminal.
    keys : bool
        Read m / digits / q from stdin when it is a terminal.
    """

    def __init__(
        self,
        recorder: Recorder,
        stream: TextIO | None = None,
        *,
        refresh: float = 0.25,
        log_every: float = 5.0,
        keys: bool = True,
        bar_width: int = 30,
    ) -> None:
        self.rec = recorder
        # the view shows disconnects in its status line: no log lines across the screen
        if hasattr(recorder, "log_status"):
            recorder.log_status = False
        self.stream = stream if stream is not None else sys.stdout
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.refresh = refresh if self.tty else log_every
        self.keys = keys and self.tty and sys.stdin.isatty()
        self.bar_width = bar_width
        self._sub: Any = None
        self._env: Any = None
        self._ring: npt.NDArray[np.float64] | None = None
        self._level: npt.NDArray[np.float64] | None = None
        self._last_draw = 0.0
        self._term_state: Any = None
        self.markers = 0

    def start(self) -> LiveView:
        """Subscribe to the recorder and put the terminal in cbreak mode for keys."""
        self._sub = self.rec.subscribe(maxsize=64, name="live")
        fs = self.rec.fs
        n = self.rec.reader.parser.n_channels if self.rec.reader is not None else 1
        self._ring = np.zeros((max(8, round(fs)), n))
        self._level = np.zeros(n)
        try:
            from emgkit.signal.stream import StreamingEnvelope

            hi = min(450.0, 0.45 * fs)
            self._env = StreamingEnvelope(fs, n, band=(20.0, hi), rms_window=0.1)
        except Exception:  # no streaming envelope (or a band the rate cannot hold): plain RMS
            self._env = None
        if self.keys:
            import termios
            import tty

            fd = sys.stdin.fileno()
            self._term_state = termios.tcgetattr(fd)
            tty.setcbreak(fd)
        return self

    def close(self) -> None:
        """Restore the terminal and unsubscribe."""
        if self._term_state is not None:
            import termios

            with contextlib.suppress(Exception):
                termios.tcsetattr(sys.stdin.fileno(), termios.TCSADRAIN, self._term_state)
            self._term_state = None
        if self._sub is not None and self.rec.reader is not None:
            self.rec.reader.unsubscribe(self._sub)
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()

    # ------------------------------------------------------------------ per tick
    def _consume(self) -> None:
        assert self._ring is not None and self._level is not None
        for res in self._sub.drain():
            x = np.asarray(res.samples, dtype=np.float64)
            if x.shape[0] == 0:
                continue
            if self._env is not None:
                env = self._env.process(x)
                self._level = env[-1]
            else:
                self._level = np.sqrt(np.mean((x - x.mean(axis=0)) ** 2, axis=0))
            n = self._ring.shape[0]
            if x.shape[0] >= n:
                self._ring = x[-n:].copy()
            else:
                self._ring = np.vstack([self._ring[x.shape[0] :], x])

    def _read_keys(self) -> None:
        if not self.keys:
            return
        while select.select([sys.stdin], [], [], 0)[0]:
            ch = os.read(sys.stdin.fileno(), 1).decode(errors="ignore")
            if ch == "q":
                self.rec.request_stop()
            elif ch == "m":
                self.rec.add_marker("marker")
                self.markers += 1
            elif ch.isdigit():
                self.rec.add_pain(int(ch))
                self.markers += 1

    def tick(self) -> None:
        """Consume new rows, handle keys, redraw when due."""
        self._consume()
        self._read_keys()
        now = time.monotonic()
        if now - self._last_draw >= self.refresh:
            self._last_draw = now
            self.stream.write(self.render())
            self.stream.flush()

    def render(self) -> str:
        """The current screen (ANSI redraw on a terminal, one log line otherwise)."""
        st = self.rec.stats
        lost = st.n_lost + st.disconnect_lost
        head = (
            f"{self.rec.device}  {self.rec.elapsed:6.1f} s  {self.rec.n_samples} samples  "
            f"lost {lost} ({100 * st.loss_fraction:.2f}%)  reconnects {st.reconnects}  "
            f"markers {self.markers}"
        )
        if self._ring is None or self._level is None:
            return head + "\n"
        q = channel_quality(self._ring, self.rec.fs, power_line_hz=self.rec.power_line_hz)
        names = self.rec.channel_names or [f"ch{i + 1}" for i in range(len(q))]
        if not self.tty:
            levels = " ".join(f"{n}={v:.0f}" for n, v in zip(names, self._level, strict=False))
            bad = [f"{n}:{c.flags}" for n, c in zip(names, q, strict=False) if c.flags != "ok"]
            return f"[live] {head}  env uV {levels}  {' '.join(bad)}\n"
        top = max(100.0, float(np.max(self._level)) * 1.2)
        lines = ["\x1b[H\x1b[J" + head, "m marker, 0-9 pain rating, q stop", ""]
        for n, v, c in zip(names, self._level, q, strict=False):
            fill = round(self.bar_width * min(float(v) / top, 1.0))
            bar = "#" * fill + "." * (self.bar_width - fill)
            lines.append(
                f"{n:>14} |{bar}| {v:7.1f} uV  floor {c.noise_floor_uv:5.1f}  "
                f"mains {c.mains_uv:5.1f}  {c.flags}"
            )
        return "\n".join(lines) + "\n"
