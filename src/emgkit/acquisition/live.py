"""A live terminal view while recording: envelope bars, signal quality, packet loss, keys.

Plain ANSI redraw (no curses). When stdout is not a terminal, a log line is printed every few
seconds instead. Keys (read without blocking when stdin is a terminal): ``m`` adds a marker,
``0``-``9`` a pain rating, ``q`` stops the recording.

Signal quality (FLAT, CLIP, MAINS flags, noise floor) comes from :mod:`emgkit.signal.quality`,
the same rules and thresholds as the analysis gate and the report.

The view is a consumer like any other: it reads a bounded :class:`Subscription`, so a slow
terminal can never slow the port read (it only loses display updates, which are counted).
"""

from __future__ import annotations

import contextlib
import os
import select
import sys
import time
from typing import TYPE_CHECKING, Any, TextIO

import numpy as np
import numpy.typing as npt

from emgkit.signal.quality import ChannelQuality, channel_quality

if TYPE_CHECKING:
    from emgkit.acquisition.recorder import Recorder

__all__ = ["ChannelQuality", "LiveView", "channel_quality"]


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
        width = max(14, *(len(n) for n in names))  # long names must not shift the bars
        for n, v, c in zip(names, self._level, q, strict=False):
            fill = round(self.bar_width * min(float(v) / top, 1.0))
            bar = "#" * fill + "." * (self.bar_width - fill)
            lines.append(
                f"{n:>{width}} |{bar}| {v:7.1f} uV  floor {c.noise_floor_uv:5.1f}  "
                f"mains {c.mains_uv:5.1f}  {c.flags}"
            )
        return "\n".join(lines) + "\n"
