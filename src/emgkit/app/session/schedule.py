"""The guided protocol on the sample clock: phases, markers and the trial state machine.

Every phase (countdown, lift, hold, down, rests) is scheduled in **samples** of the recording;
see :mod:`emgkit.app.session.runner` for the timing rules and the events written.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from emgkit.app.session.ui import SessionUI
from emgkit.errors import RecordingError
from emgkit.protocol import Protocol, Trial

__all__ = ["LIFT_S", "LOWER_S", "MVC_RAMP_S", "MVC_RELEASE_S", "TAIL_S", "planned_duration"]

#: Phase durations in seconds (the same as the synthetic subject's, simulate/subject.py).
LIFT_S = 1.0  # "lift" cue -> "hold" cue in a bridge
LOWER_S = 1.5  # "down" cue -> end of lowering
MVC_RAMP_S = 1.0  # "push" cue -> "hold" cue in an MVC
MVC_RELEASE_S = 0.5
TAIL_S = 1.0  # after the last rep, still inside the trial


class _Abort(Exception):
    """The operator stopped the session."""


class _Repeat(Exception):
    """The operator abandoned the running attempt of a trial: it starts again."""


def planned_duration(protocol: Protocol, countdown_s: float = 3.0) -> float:
    """Seconds of recording the protocol needs without operator pauses.

    Parameters
    ----------
    protocol : Protocol
        The session's protocol (sets of reps and rests of every trial).
    countdown_s : float
        Countdown before each trial, in seconds.

    Returns
    -------
    float
        Planned recording time in seconds: countdowns, reps, rests between reps, sets and
        trials, and each trial's tail.
    """
    total = 0.0
    trials = protocol.expanded()
    for i, t in enumerate(trials):
        total += countdown_s
        if t.task == "rest":
            total += t.hold_s
        else:
            mvc = t.task == "mvc"
            rep = (MVC_RAMP_S if mvc else LIFT_S) + t.hold_s + (MVC_RELEASE_S if mvc else LOWER_S)
            total += t.total_reps * rep + t.sets * (t.reps - 1) * t.rep_rest_s
            total += (t.sets - 1) * t.rest_s + TAIL_S
        if i < len(trials) - 1:
            total += t.rest_s
    return total


class _Segment:
    """One recording segment: runs trials, journals events on the sample clock."""

    def __init__(
        self,
        rec: Any,
        ui: SessionUI,
        clock: Callable[[], float],
        poll: float,
        stall_s: float,
    ) -> None:
        self.rec = rec
        self.ui = ui
        self.clock = clock
        self.poll = poll
        self.stall_s = stall_s
        self.fs = float(rec.fs)
        self.t = int(rec.n_samples)
        #: The emulated subject that acts out the cues (None with a real device).
        self.subject: Any = None
        #: The trial whose phases run now (None between trials) and its reps completed.
        self.trial: Trial | None = None
        self.reps_done = 0
        self._repeat_now: Callable[[Trial, int], bool] | None = getattr(ui, "repeat_now", None)
        #: Samples per second of wall time the clock has been advancing at (0: not seen yet).
        self._rate = 0.0

    def begin(self, trial: Trial, countdown_s: float) -> None:
        """Before a trial: cue an emulated subject; the schedule starts where it acts."""
        if self.subject is not None:
            self.t = int(self.subject.cue(trial.id, self.t, self.ns(countdown_s)))

    def ns(self, seconds: float) -> int:
        return round(seconds * self.fs)

    def wait_until(self, target: int) -> None:
        """Block until the sample clock reaches ``target`` (polling every ``poll`` s at most).

        Near the target the wait is shortened to about the time the samples still missing
        take at the rate they have been arriving (at least a tenth of ``poll``), so a fast
        emulated device does not run far past a phase boundary between two polls; at real
        time this changes the last poll by a few milliseconds at most.
        """
        rec = self.rec
        last_n = -1
        last_change = self.clock()
        seen: tuple[int, float] | None = None
        while True:
            n = int(rec.n_samples)
            # asked before the target check, so a repeat lands at the next phase boundary even
            # when the samples are ahead of this thread (a loaded machine, a fast emulator)
            if (
                self.trial is not None
                and self._repeat_now is not None
                and self._repeat_now(self.trial, self.reps_done)
            ):
                self.t = max(self.t, n)  # the schedule goes on from now
                raise _Repeat(self.trial.id)
            if n >= target:
                return
            err = getattr(rec, "journal_error", None)
            if err is not None:
                raise err
            now = self.clock()
            if n != last_n:
                last_n, last_change = n, now
            elif now - last_change > self.stall_s:
                raise RecordingError(
                    f"the device sent no samples for {self.stall_s:g} s (at sample {n}); "
                    "check the cable and power, then resume the session with --resume"
                )
            self.ui.tick((target - n) / self.fs)
            t_now = time.monotonic()
            if seen is not None and n > seen[0] and t_now > seen[1]:
                r = (n - seen[0]) / (t_now - seen[1])
                self._rate = r if self._rate <= 0.0 else 0.5 * (self._rate + r)
            seen = (n, t_now)
            delay = self.poll
            if self._rate > 0.0:
                delay = min(delay, max(self.poll / 10.0, 0.9 * (target - n) / self._rate))
            time.sleep(delay)

    def sync(self) -> None:
        """After a blocking step: the schedule continues from now if now is later."""
        self.t = max(self.t, int(self.rec.n_samples))

    def phase(self, text: str, seconds: float) -> tuple[int, int]:
        start = self.t
        end = start + self.ns(seconds)
        if end > start:
            self.ui.cue(text, seconds)
            self.wait_until(end)
        self.t = end
        return start, end

    def event(self, label: str, start: int, stop: int, trial: str, value: str = "") -> None:
        self.rec.add_marker(
            label, str(value), trial, sample=int(start), duration=(stop - start) / self.fs
        )

    def run_trial(self, trial: Trial, countdown_s: float) -> tuple[int, int]:
        """Cue one trial; returns its (start, stop) samples.

        Raises _Abort (the operator stopped) or _Repeat (the operator abandoned this attempt;
        :attr:`t` is then the sample where it was abandoned).
        """
        self.trial, self.reps_done = trial, 0
        try:
            return self._run_trial(trial, countdown_s)
        finally:
            self.trial = None

    def _run_trial(self, trial: Trial, countdown_s: float) -> tuple[int, int]:
        ui = self.ui
        if trial.task == "rest":
            self.phase("GET READY", countdown_s)
            start, stop = self.phase("RELAX", trial.hold_s)
            self.event("trial", start, stop, trial.id)
            return start, stop
        mvc = trial.task == "mvc"
        start, _ = self.phase("GET READY", countdown_s)
        number = 0
        for s in range(trial.sets):
            for r in range(trial.reps):
                number += 1
                move, _ = self.phase("PUSH" if mvc else "LIFT", MVC_RAMP_S if mvc else LIFT_S)
                hold_on, hold_off = self.phase("HOLD", trial.hold_s)
                _, end = self.phase("RELAX" if mvc else "DOWN", MVC_RELEASE_S if mvc else LOWER_S)
                self.event("rep", move, end, trial.id, str(number))
                self.event("hold", hold_on, hold_off, trial.id, str(number))
                self.reps_done = number
                if ui.abort_now(trial, number):
                    raise _Abort(trial.id)
                if r < trial.reps - 1:
                    self.phase("REST", trial.rep_rest_s)
            if s < trial.sets - 1:
                self.phase("SET REST", trial.rest_s)
        _, stop = self.phase("RELAX", TAIL_S)
        self.event("trial", start, stop, trial.id)
        return start, stop
