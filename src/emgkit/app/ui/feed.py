"""The screen's live feed: the recorder's bounded queue -> decimated envelopes, quality, MVCs.

A :class:`LiveFeed` is one more consumer of :meth:`Recorder.subscribe` (a bounded queue that
drops its oldest items when full), so a slow screen can only lose display points, never
samples: the journal is written by the reader thread before any subscriber sees a row.

Points are on the session's sample clock: one point per ``step = round(fs / rate)`` samples,
time-stamped with the sample index at the end of its bin, so a faster-than-real-time
emulator gives the same points as real time, only sooner.
"""

from __future__ import annotations

import collections
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from emgkit.app.ui import _deps

__all__ = ["LiveFeed", "Point", "decimate_bins", "quality_advice"]

_F64 = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Point:
    """One display point: bin end (seconds of samples), envelope and raw extremes per channel."""

    seq: int
    t: float
    env: tuple[float, ...]
    raw: tuple[float, ...]
    #: wall-clock time (s since the epoch) the feed processed the chunk that completed the bin
    arrival: float
    #: wall-clock time the serial ``read()`` returned the bytes of the bin's newest row, when
    #: the recorder stamps arrivals (``stamp_arrival``, diagnostics), else None
    byte: float | None = None


def decimate_bins(
    env: _F64, raw: _F64, index: npt.NDArray[np.int64], step: int
) -> tuple[npt.NDArray[np.int64], _F64, _F64, int]:
    """Group rows into bins of ``step`` samples on the sample clock.

    Parameters
    ----------
    env, raw : ndarray, shape (n_samples, n_channels)
        Envelope and raw samples (microvolts).
    index : ndarray, shape (n_samples,)
        Sample index of each row (increasing; gaps allowed).
    step : int
        Samples per bin.

    Returns
    -------
    bins : ndarray of int
        Bin numbers of the complete bins (every bin before the last row's bin).
    env_last : ndarray, shape (n_bins, n_channels)
        Envelope at the last row of each bin.
    raw_peak : ndarray, shape (n_bins, n_channels)
        The raw sample farthest from the bin mean, minus that mean (keeps bursts visible in a
        decimated trace; hides DC offset and drift).
    n_pending : int
        Rows at the end that belong to the unfinished last bin.
    """
    if step < 1:
        raise ValueError("step must be >= 1")
    n = index.shape[0]
    if n == 0:
        empty = np.zeros((0, env.shape[1] if env.ndim == 2 else 0))
        return np.zeros(0, dtype=np.int64), empty, empty.copy(), 0
    b = index // step
    done = int(np.searchsorted(b, b[-1], side="left"))
    if done == 0:
        return np.zeros(0, dtype=np.int64), env[:0], raw[:0], n
    bc = b[:done]
    starts = np.flatnonzero(np.r_[True, bc[1:] != bc[:-1]])
    ends = np.r_[starts[1:], done]
    counts = (ends - starts)[:, None]
    r = raw[:done]
    mean = np.add.reduceat(r, starts, axis=0) / counts
    hi = np.maximum.reduceat(r, starts, axis=0) - mean
    lo = np.minimum.reduceat(r, starts, axis=0) - mean
    peak = np.where(hi >= -lo, hi, lo)
    return bc[starts], env[ends - 1], peak, n - done


#: What to fix, in words, for each quality problem (shown on the electrode-check screen).
ADVICE = {
    "flat": "no signal: check the electrode is on the skin and its lead is plugged in",
    "clipping": "saturating: re-seat the electrode, check skin contact or lower the gain",
    "mains": "mains hum: check the reference electrode, keep cables away from power leads",
    "noise": "noisy at rest: clean/abrade the skin and press the electrode down",
}

#: Resting noise floor (RMS, uV) above which a channel is called noisy. A convention of this
#: screen, not a published cut-off: SENIAM-style preparation typically gives a few uV RMS at
#: rest on a 20-450 Hz band, so 15 uV means something is wrong with the contact.
NOISE_FLOOR_UV = 15.0

#: The live onset search starts this long before the LIFT cue (its baseline ends there).
ONSET_PRE_S = 0.3


def quality_advice(q: Any) -> tuple[str, list[str]]:
    """A quality light ("green", "amber", "red") and what to fix, for one ChannelQuality."""
    # flat / clipping / mains: the live view's own rules (ChannelQuality.flags), not a copy
    names = {"FLAT": "flat", "CLIP": "clipping"}
    problems = [names.get(f, "mains") for f in q.flags.split() if f != "ok"]
    if q.noise_floor_uv > NOISE_FLOOR_UV:
        problems.append("noise")
    light = "green"
    if problems:
        light = "red" if ("flat" in problems or "clipping" in problems) else "amber"
    return light, [ADVICE[p] for p in problems]


class Wakers:
    """Callables to wake when something changed, shared by the live feed and the session controller.

    Each ``wake()`` must not block (the server passes ``loop.call_soon_threadsafe`` wrappers);
    :meth:`fire` may run on any thread.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: list[Callable[[], None]] = []

    def add(self, wake: Callable[[], None]) -> None:
        """Call ``wake()`` on every later :meth:`fire`."""
        with self._lock:
            self._calls.append(wake)

    def remove(self, wake: Callable[[], None]) -> None:
        """Stop calling ``wake`` (unknown callables are ignored)."""
        with self._lock:
            if wake in self._calls:
                self._calls.remove(wake)

    def fire(self) -> None:
        """Call every registered ``wake()`` once."""
        with self._lock:
            calls = list(self._calls)
        for wake in calls:
            wake()


@dataclass(slots=True)
class _Phase:
    trial: str = ""
    task: str = ""
    muscle: str | None = None
    side: str = "both"
    cue: str = ""
    start: int = 0


@dataclass(slots=True)
class _Rep:
    start: int
    side: str
    baseline: dict[int, float] = field(default_factory=dict)
    onset: dict[int, float] = field(default_factory=dict)
    above: dict[int, int] = field(default_factory=dict)


class LiveFeed:
    """Consume a recorder's live queue in a thread and keep what the screen shows.

    Parameters
    ----------
    recorder : Recorder
        Not started yet (subscribing first sees every row) or running.
    rate : float
        Display points per second of samples (30-60 for the screen).
    window_s : float
        Seconds of samples kept for a (re)joining page.
    power_line_hz : float, optional
        50 or 60 for the mains check (None checks both).
    """

    def __init__(
        self,
        recorder: Any,
        *,
        rate: float = 50.0,
        window_s: float = 10.0,
        power_line_hz: float | None = None,
    ) -> None:
        self.rec = recorder
        self.rate = float(rate)
        self.window_s = float(window_s)
        self.power_line_hz = power_line_hz
        self.sub = recorder.subscribe(maxsize=256, name="ui")
        self.points: collections.deque[Point] = collections.deque(
            maxlen=max(2, round(window_s * rate))
        )
        self.seq = 0
        self.fs = 0.0
        self.step = 1
        self.names: list[str] = []
        self.muscles: list[tuple[str, str]] = []  # (muscle, side) per channel
        self.quality: list[dict[str, Any]] = []
        self.mvc: dict[str, float] = {}  # channel name -> live MVC reference (uV)
        self.hold_mean: dict[str, float] = {}
        self.onsets: list[dict[str, Any]] = []
        self.rows = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._env: Any = None
        self._pend: tuple[_F64, _F64, npt.NDArray[np.int64]] | None = None
        self._pend_st: _F64 | None = None  # byte-arrival stamps of the pending rows
        self._ring: _F64 | None = None
        self._last_q = 0.0
        self._phase = _Phase()
        self._upcoming: collections.deque[_Phase] = collections.deque()
        self._mvc_avg: collections.deque[_F64] = collections.deque()
        self._hold_sum: _F64 | None = None
        self._hold_n = 0
        self._rep: _Rep | None = None
        self._wakers = Wakers()

    # ------------------------------------------------------------------ lifecycle
    def add_listener(self, wake: Callable[[], None]) -> None:
        """Call ``wake()`` (from the feed's thread; it must not block) when new points are kept.

        The server's push loop waits on this instead of polling, so a point leaves for the
        page as soon as its chunk is processed (no push period added to the latency).
        """
        self._wakers.add(wake)

    def remove_listener(self, wake: Callable[[], None]) -> None:
        """Stop calling ``wake`` (unknown callables are ignored)."""
        self._wakers.remove(wake)

    def start(self) -> LiveFeed:
        """Start the consumer thread."""
        self._thread = threading.Thread(target=self._run, name="emgkit-ui-feed", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the thread and unsubscribe."""
        self._stop.set()
        self.sub.close()
        if self._thread is not None:
            self._thread.join(5.0)
        reader = getattr(self.rec, "reader", None)
        if reader is not None:
            reader.unsubscribe(self.sub)

    @property
    def dropped(self) -> int:
        """Queue items the screen lost because it lagged (never samples: those are journalled)."""
        return int(self.sub.dropped)

    def _init(self) -> None:
        self.fs = float(self.rec.fs)
        self.step = max(1, round(self.fs / self.rate))
        n = int(self.rec.reader.parser.n_channels)
        self.names = list(self.rec.channel_names) or [f"ch{i + 1}" for i in range(n)]
        header = getattr(self.rec.journal, "header", {}) or {}
        chans = list(header.get("channels", []))
        self.muscles = [
            (str(chans[i].get("muscle", "")), str(chans[i].get("side", "")))
            if i < len(chans)
            else ("", "")
            for i in range(n)
        ]
        hi = min(450.0, 0.45 * self.fs)
        self._env = _deps.StreamingEnvelope(self.fs, n, band=(20.0, hi), rms_window=0.1)
        self._ring = np.zeros((0, n))

    def _run(self) -> None:
        while not self._stop.is_set():
            item = self.sub.get(timeout=0.1)
            if item is None:
                if self.sub.closed:
                    return
                continue
            self._consume(item)

    # ------------------------------------------------------------------ per chunk
    def _consume(self, res: Any) -> None:
        x = np.asarray(res.samples, dtype=np.float64)
        if x.shape[0] == 0:
            return
        now = time.time()
        if self._env is None:
            self._init()
        assert self._ring is not None
        idx = np.asarray(res.sample_index, dtype=np.int64)
        env = self._env.process(x)
        n_old = 0 if self._pend is None else self._pend[0].shape[0]
        stamps = self._stamps(res, n_old)
        if self._pend is not None:
            pe, pr, pi = self._pend
            env, x_all, idx = np.vstack([pe, env]), np.vstack([pr, x]), np.r_[pi, idx]
        else:
            x_all = x
        bins, e, r, pending = decimate_bins(env, x_all, idx, self.step)
        cut = x_all.shape[0] - pending
        self._pend = (env[cut:], x_all[cut:], idx[cut:]) if pending else None
        byte: list[float | None] = [None] * bins.shape[0]
        if stamps is not None:
            self._pend_st = stamps[cut:] if pending else None
            if bins.shape[0]:
                # the newest row of each complete bin (the rows before ``cut``, in order)
                b = idx[:cut] // self.step
                last = np.r_[np.flatnonzero(b[1:] != b[:-1]), cut - 1]
                byte = [None if math.isnan(v) else v for v in stamps[last].tolist()]
        keep = max(8, round(self.fs))
        self._ring = np.vstack([self._ring, x])[-keep:]
        with self._lock:
            self.rows += x.shape[0]
            for k in range(bins.shape[0]):
                self.seq += 1
                t = float((bins[k] + 1) * self.step) / self.fs
                p = Point(self.seq, t, tuple(e[k].tolist()), tuple(r[k].tolist()), now, byte[k])
                self.points.append(p)
                self._track(p, int((bins[k] + 1) * self.step))
        if bins.shape[0]:
            self._wakers.fire()
        if now - self._last_q >= 0.5 and self._ring.shape[0] >= 8:
            self._last_q = now
            qs = _deps.channel_quality(self._ring, self.fs, power_line_hz=self.power_line_hz)
            out = []
            for name, q in zip(self.names, qs, strict=False):
                light, advice = quality_advice(q)
                out.append(
                    {
                        "name": name,
                        "light": light,
                        "advice": advice,
                        "rms_uv": round(q.rms_uv, 2),
                        "noise_floor_uv": round(q.noise_floor_uv, 2),
                        "mains_uv": round(q.mains_uv, 2),
                        "clipping": round(q.clipping, 4),
                    }
                )
            with self._lock:
                self.quality = out

    def _stamps(self, res: Any, n_old: int) -> _F64 | None:
        """Byte-arrival stamps of the pending rows then ``res``'s rows (NaN where unknown).

        None when neither carries stamps (the recorder does not stamp: the normal path).
        """
        new = res.aux.get("t_arrival") if res.aux else None
        if new is None and self._pend_st is None:
            return None
        n_new = int(res.samples.shape[0])
        cur = np.full(n_new, np.nan) if new is None else np.asarray(new, dtype=np.float64)
        old = self._pend_st
        if old is None or old.shape[0] != n_old:
            old = np.full(n_old, np.nan)
        return np.r_[old, cur]

    # ------------------------------------------------------------------ phases
    def set_phase(self, trial: Any, cue: str, sample: int | None = None) -> None:
        """A phase (cue) of ``trial`` (None between trials) starts at ``sample``.

        ``sample`` defaults to the recorder's current sample. The phase is applied when the
        feed reaches that sample, however far behind the screen is.

        Parameters
        ----------
        trial : Trial or None
            The running trial (its ``id``, ``task``, ``muscle`` and ``side`` are shown), or None.
        cue : str
            The phase's cue word(s) (``""`` at a trial's instructions).
        sample : int, optional
            Index, in samples of the recording, at which the phase starts.
        """
        ph = _Phase(
            trial=getattr(trial, "id", ""),
            task=getattr(trial, "task", ""),
            muscle=getattr(trial, "muscle", None),
            side=getattr(trial, "side", "both"),
            cue=cue,
            start=int(self.rec.n_samples if sample is None else sample),
        )
        with self._lock:
            self._upcoming.append(ph)

    def _apply_phase(self, ph: _Phase) -> None:
        prev = self._phase
        if prev.cue == "HOLD" and ph.cue != "HOLD":
            self.hold_mean = {}
        self._finish_rep_if(ph.cue)
        self._phase = ph
        self._mvc_avg.clear()
        self._hold_sum = None
        self._hold_n = 0
        if ph.cue == "LIFT":
            self._start_rep(ph.start)

    def _channels(self, muscle: str | None, side: str) -> list[int]:
        return [
            i
            for i, (m, s) in enumerate(self.muscles)
            if (muscle is None or m == muscle) and (side in ("both", "each") or s == side)
        ]

    def _track(self, p: Point, sample: int) -> None:
        while self._upcoming and self._upcoming[0].start < sample:
            self._apply_phase(self._upcoming.popleft())
        ph = self._phase
        if sample <= ph.start or (ph.cue != "HOLD" and ph.cue != "LIFT"):
            return
        env = np.asarray(p.env)
        if ph.cue == "HOLD" and ph.task == "mvc":
            # MVC reference: the largest 1 s mean of the envelope during an MVC hold (a live
            # display reference; the analysis computes its own MVC from the file)
            self._mvc_avg.append(env)
            while len(self._mvc_avg) > max(1, round(self.rate)):
                self._mvc_avg.popleft()
            if len(self._mvc_avg) >= max(1, round(0.5 * self.rate)):
                avg = np.mean(np.asarray(self._mvc_avg), axis=0)
                for i in self._channels(ph.muscle, ph.side):
                    name = self.names[i]
                    self.mvc[name] = max(self.mvc.get(name, 0.0), float(avg[i]))
        elif ph.cue == "HOLD" and ph.task != "rest":
            self._hold_sum = env if self._hold_sum is None else self._hold_sum + env
            self._hold_n += 1
            self.hold_mean = {
                n: float(v) for n, v in zip(self.names, self._hold_sum / self._hold_n, strict=False)
            }
        if self._rep is not None and ph.cue == "LIFT":
            self._onset_step(env, p.t)

    # ------------------------------------------------------------------ onset order
    def _start_rep(self, start: int) -> None:
        side = self._phase.side
        if self._phase.task in ("mvc", "rest", ""):
            self._rep = None
            return
        # muscles may switch on before the LIFT cue (anticipation; the analysis reports onsets
        # relative to movement, often negative): the baseline is the 0.5 s that ends
        # ONSET_PRE_S before the cue, and the search starts there
        pre = round(ONSET_PRE_S * self.fs)
        base = [
            np.asarray(p.env)
            for p in self.points
            if start - pre - round(0.5 * self.fs) < p.t * self.fs <= start - pre
        ]
        if len(base) < 5:
            self._rep = None
            return
        b = np.asarray(base)
        rep = _Rep(start=start, side=side)
        for i in range(b.shape[1]):
            # baseline mean + 3 SD (clinical-anchors.md: the project's onset default is
            # mu + 3 SD sustained >= 25 ms; here 2 points = 40 ms)
            rep.baseline[i] = float(b[:, i].mean() + 3 * b[:, i].std())
        self._rep = rep
        # the points between the search start and the cue (the phase is applied at the first
        # point past the cue, so every kept point before it is at or before ``start``)
        for p in self.points:
            if start - pre < p.t * self.fs <= start:
                self._onset_step(np.asarray(p.env), p.t)

    def _onset_step(self, env: _F64, t: float) -> None:
        rep = self._rep
        assert rep is not None
        for i, thr in rep.baseline.items():
            if i in rep.onset:
                continue
            if env[i] > thr:
                rep.above[i] = rep.above.get(i, 0) + 1
                if rep.above[i] >= 2:
                    rep.onset[i] = t - (rep.above[i] - 1) / self.rate
            else:
                rep.above[i] = 0

    def _finish_rep_if(self, cue: str) -> None:
        rep = self._rep
        if rep is None or self._phase.cue != "LIFT" or cue == "LIFT":
            return
        self._rep = None
        sides = ("left", "right") if rep.side in ("both", "each") else (rep.side,)
        for side in sides:
            g = [i for i, (m, s) in enumerate(self.muscles) if m == "glute_max" and s == side]
            h = [i for i, (m, s) in enumerate(self.muscles) if m == "hamstrings" and s == side]
            if not g or not h:
                continue
            tg, th = rep.onset.get(g[0]), rep.onset.get(h[0])
            first = None
            if tg is not None and th is not None:
                first = "glute_max" if tg < th else ("hamstrings" if th < tg else "together")
            self.onsets.append(
                {
                    "trial": self._phase.trial,
                    "side": side,
                    "glute_max_s": tg,
                    "hamstrings_s": th,
                    "first": first,
                    "lead_ms": None if tg is None or th is None else round(abs(tg - th) * 1e3),
                }
            )
        del self.onsets[:-20]

    # ------------------------------------------------------------------ reading
    def since(self, seq: int) -> tuple[list[Point], int]:
        """Points newer than ``seq`` (all kept ones when ``seq`` is older than the window)."""
        with self._lock:
            pts = [p for p in self.points if p.seq > seq] if seq < self.seq else []
            return pts, self.seq

    def snapshot(self) -> dict[str, Any]:
        """Channel names, quality, MVC references, hold means and onset order (JSON-ready)."""
        with self._lock:
            return {
                "fs": self.fs,
                "names": list(self.names),
                "muscles": [list(m) for m in self.muscles],
                "quality": list(self.quality),
                "mvc": dict(self.mvc),
                "hold_mean": dict(self.hold_mean),
                "onsets": list(self.onsets[-6:]),
                "dropped": self.dropped,
                "rows": self.rows,
                "rate": self.rate if not math.isnan(self.rate) else 0,
            }
