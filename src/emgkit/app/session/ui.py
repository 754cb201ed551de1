"""How the guided session talks to the operator: a terminal UI and a scripted one for tests.

The runner (:func:`emgkit.app.session.runner.run_session`) owns the timing; a UI only shows cues
and asks questions. Any object with the methods of :class:`SessionUI` works.
"""

from __future__ import annotations

import re
import sys
from typing import IO, ClassVar, Literal
from typing import Protocol as _Protocol

from emgkit.app.session.answers import Answers, parse_felt
from emgkit.errors import ConfigError
from emgkit.protocol import Trial
from emgkit.recording import MUSCLES

__all__ = ["Decision", "ScriptedUI", "SessionUI", "TerminalUI", "instructions_for"]

#: What the operator decides at a trial's instructions: start it, skip it, stop the session,
#: or "repeat" the trial just done (its attempt stays in the file, labelled discarded).
Decision = Literal["go", "skip", "abort", "repeat"]


class SessionUI(_Protocol):
    """What the runner needs from a user interface."""

    def message(self, text: str) -> None:
        """Show an informational line."""

    def trial_intro(self, trial: Trial, index: int, total: int) -> Decision:
        """Show a trial's instructions; return "go", "skip", "abort" or "repeat".

        "repeat" redoes the trial done just before this one (in this recording segment).

        Parameters
        ----------
        trial : Trial
            The trial about to run.
        index, total : int
            Its 1-based position in the session and the number of trials.

        Returns
        -------
        Decision
            What the operator chose.
        """

    def cue(self, text: str, seconds: float) -> None:
        """Announce that a new phase starts (``LIFT``, ``HOLD``, ``DOWN``, ``REST``...).

        Parameters
        ----------
        text : str
            The phase's cue word(s), as spoken to the subject.
        seconds : float
            Planned length of the phase in seconds.
        """

    def tick(self, remaining_s: float) -> None:
        """Called while a phase runs (every poll), with the seconds left."""

    def ask_pain(self, trial: Trial) -> int:
        """A 0-10 pain rating for the trial just done."""

    def ask_felt(self, trial: Trial) -> list[str]:
        """The muscles the subject felt working in the trial just done."""

    def abort_now(self, trial: Trial, reps_done: int) -> bool:
        """Return True to abort the session here (after ``reps_done`` reps of ``trial``).

        Parameters
        ----------
        trial : Trial
            The running trial.
        reps_done : int
            Reps of it completed so far.

        Returns
        -------
        bool
            True to stop the session (resumable).
        """

    def repeat_now(self, trial: Trial, reps_done: int) -> bool:
        """Return True to abandon the running attempt of ``trial`` and start the trial again.

        Polled while the trial's phases run. The abandoned attempt's markers stay in the file
        inside a ``discarded`` span.

        Parameters
        ----------
        trial : Trial
            The running trial.
        reps_done : int
            Reps of it completed so far.

        Returns
        -------
        bool
            True to start the trial again.
        """

    def close(self) -> None:
        """Restore the terminal."""


_HOLD_SECONDS = re.compile(
    r"(\bhold(?:\s+(?:it|for))?\s+)(\d+(?:\.\d+)?)(\s*(?:s\b|sec|seconds?\b))", re.I
)


def instructions_for(trial: Trial) -> str:
    """The trial's instructions with any spoken hold time set to the trial's own ``hold_s``.

    A shortened protocol (``--short``, holds x0.2) keeps the shipped text "Hold 5 s"; the
    operator must not announce 5 s for a 1 s hold.

    Parameters
    ----------
    trial : Trial
        The trial whose ``instructions`` are read.

    Returns
    -------
    str
        The instructions ("" when the trial has none).
    """
    text = trial.instructions or ""
    if trial.task == "rest":
        return text
    return _HOLD_SECONDS.sub(lambda m: f"{m.group(1)}{trial.hold_s:g}{m.group(3)}", text)


def _describe(trial: Trial) -> str:
    bits = [trial.task.replace("_", " ")]
    if trial.muscle:
        bits.append(trial.muscle.replace("_", " "))
    if trial.side != "both":
        bits.append(f"{trial.side} side")
    if trial.cue != "standard":
        bits.append(f"cue: {trial.cue.replace('_', ' ')}")
    if trial.task != "rest":
        n = f"{trial.reps} rep(s)" + (f" x {trial.sets} sets" if trial.sets > 1 else "")
        bits.append(f"{n}, hold {trial.hold_s:g} s")
    else:
        bits.append(f"{trial.hold_s:g} s")
    return ", ".join(bits)


class TerminalUI(SessionUI):
    """Plain prompts and an ANSI countdown; degrades to plain lines when not a terminal.

    Parameters
    ----------
    stdin, stdout : file objects, optional
        Default: the process's standard streams.
    color : bool, optional
        ANSI colours and an in-place countdown (default: when ``stdout`` is a terminal).
    """

    _COLORS: ClassVar[dict[str, str]] = {
        "LIFT": "32",
        "PUSH": "32",
        "HOLD": "33",
        "DOWN": "36",
        "RELAX": "36",
    }

    def __init__(
        self,
        stdin: IO[str] | None = None,
        stdout: IO[str] | None = None,
        *,
        color: bool | None = None,
    ) -> None:
        self.stdin = stdin if stdin is not None else sys.stdin
        self.stdout = stdout if stdout is not None else sys.stdout
        isatty = getattr(self.stdout, "isatty", None)
        self.color = bool(isatty and isatty()) if color is None else color
        self._cue = ""
        self._last_shown: int | None = None

    def _print(self, text: str = "") -> None:
        self._end_line()
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def _end_line(self) -> None:
        if self.color and self._last_shown is not None:
            self.stdout.write("\n")
            self._last_shown = None

    def _input(self, prompt: str) -> str:
        self._end_line()
        self.stdout.write(prompt)
        self.stdout.flush()
        line = self.stdin.readline()
        if not line:
            raise EOFError("no more input (stdin closed)")
        return line.strip()

    def message(self, text: str) -> None:
        """Print an informational line."""
        self._print(text)

    def trial_intro(self, trial: Trial, index: int, total: int) -> Decision:
        """Print the trial's instructions and prompt until the operator decides.

        The parameters are those of :meth:`SessionUI.trial_intro`.

        Returns
        -------
        Decision
            "go" (Enter), "skip" (s), "repeat" (r) or "abort" (q).
        """
        bold = ("\033[1m", "\033[0m") if self.color else ("", "")
        self._print()
        self._print(f"{bold[0]}Trial {index}/{total}: {trial.id}{bold[1]}  ({_describe(trial)})")
        if trial.position:
            self._print(f"  Position: {trial.position}")
        if trial.instructions:
            self._print(f"  Say: {instructions_for(trial)}")
        while True:
            ans = self._input(
                "  Enter = start, s = skip this trial, r = repeat the previous trial, "
                "q = stop the session: "
            )
            ans = ans.lower()
            if ans in ("", "y", "go"):
                return "go"
            if ans in ("s", "skip"):
                return "skip"
            if ans in ("r", "repeat"):
                return "repeat"
            if ans in ("q", "quit", "abort"):
                return "abort"
            self._print("  please type Enter, s, r or q")

    def cue(self, text: str, seconds: float) -> None:
        """Show the phase's cue with its length (a coloured in-place countdown on a terminal).

        The parameters are those of :meth:`SessionUI.cue`.
        """
        self._end_line()
        self._cue = text
        if self.color:
            code = self._COLORS.get(text.split()[0], "37")
            self.stdout.write(f"\r\033[2K  \033[1;{code}m{text:<12}\033[0m {seconds:5.1f} s")
            self._last_shown = round(seconds * 10)
        else:
            self.stdout.write(f"  {text} ({seconds:.1f} s)\n")
        self.stdout.flush()

    def tick(self, remaining_s: float) -> None:
        """Update the countdown (coloured terminal only) to ``remaining_s`` seconds."""
        if not self.color:
            return
        shown = round(remaining_s * 10)
        if shown == self._last_shown:
            return
        self._last_shown = shown
        code = self._COLORS.get(self._cue.split()[0], "37") if self._cue else "37"
        self.stdout.write(
            f"\r\033[2K  \033[1;{code}m{self._cue:<12}\033[0m {max(remaining_s, 0):5.1f} s"
        )
        self.stdout.flush()

    def ask_pain(self, trial: Trial) -> int:
        """Prompt for a 0-10 pain rating of ``trial`` until a whole number in range is typed."""
        while True:
            ans = self._input(f"  Pain during {trial.id}, 0 (none) to 10 (worst imaginable): ")
            if ans.isdigit() and 0 <= int(ans) <= 10:
                return int(ans)
            self._print("  please type a whole number from 0 to 10")

    def ask_felt(self, trial: Trial) -> list[str]:
        """Prompt for the muscles felt in ``trial`` (comma-separated, Enter for none)."""
        names = ", ".join(m for m in MUSCLES if m != "other")
        while True:
            ans = self._input(
                f"  Which muscles did you feel working? (comma-separated: {names}; "
                "_left/_right allowed; Enter = none): "
            )
            try:
                return list(parse_felt(ans, "answer"))
            except ConfigError as exc:
                self._print(f"  {exc}")

    def abort_now(self, trial: Trial, reps_done: int) -> bool:
        """Return False: a terminal operator stops at the next trial's prompt.

        The parameters are those of :meth:`SessionUI.abort_now`.

        Returns
        -------
        bool
            Always False.
        """
        return False

    def repeat_now(self, trial: Trial, reps_done: int) -> bool:
        """Return False: a terminal repeats at the next trial's prompt ("r").

        The parameters are those of :meth:`SessionUI.repeat_now`.

        Returns
        -------
        bool
            Always False.
        """
        return False  # a terminal repeats at the next trial's prompt ("r")

    def close(self) -> None:
        """End the countdown line and flush ``stdout``."""
        self._end_line()
        self.stdout.flush()


class ScriptedUI(SessionUI):
    """A scripted subject and operator: answers from an :class:`Answers` file, no input.

    Every call is logged in :attr:`log` as ``(kind, detail)`` tuples, so tests can check what
    the operator would have seen.

    Parameters
    ----------
    answers : Answers, optional
        Pain ratings, felt muscles, skips and the abort point per trial (default: no answers).
    echo : file object, optional
        Also print the cues there (e.g. ``sys.stdout`` for a demo).
    messages : file object, optional
        Print the runner's messages there (where it records, how to resume): what an
        unattended ``emgkit session --answers`` shows.
    """

    def __init__(
        self,
        answers: Answers | None = None,
        echo: IO[str] | None = None,
        messages: IO[str] | None = None,
    ) -> None:
        self.answers = answers if answers is not None else Answers()
        self.echo = echo
        self.messages = messages
        self.log: list[tuple[str, str]] = []

    def _say(self, kind: str, detail: str) -> None:
        self.log.append((kind, detail))
        if self.echo is not None:
            self.echo.write(f"[{kind}] {detail}\n")
            self.echo.flush()

    def message(self, text: str) -> None:
        """Log the line (and write it to ``messages`` when given)."""
        self._say("message", text)
        if self.messages is not None and self.messages is not self.echo:
            self.messages.write(text + "\n")
            self.messages.flush()

    def trial_intro(self, trial: Trial, index: int, total: int) -> Decision:
        """Decide from the answers: abort before the trial, skip it, or go.

        The parameters are those of :meth:`SessionUI.trial_intro`.

        Returns
        -------
        Decision
            "abort" when the answers abort before this trial's first rep, "skip" when they
            skip it, else "go" (never "repeat").
        """
        a = self.answers
        if a.abort_trial == trial.id and a.abort_after_rep == 0:
            self._say("intro", f"{trial.id} -> abort")
            return "abort"
        if a.for_trial(trial.id).skip:
            self._say("intro", f"{trial.id} -> skip")
            return "skip"
        self._say("intro", trial.id)
        return "go"

    def cue(self, text: str, seconds: float) -> None:
        """Log the cue (and echo it when ``echo`` is given).

        The parameters are those of :meth:`SessionUI.cue`.
        """
        self._say("cue", text)

    def tick(self, remaining_s: float) -> None:
        """Do nothing (no countdown)."""
        pass

    def ask_pain(self, trial: Trial) -> int:
        """Return the answers' pain rating of ``trial``; ConfigError when it has none."""
        pain = self.answers.for_trial(trial.id).pain
        if pain is None:
            raise ConfigError(f"{self.answers.source}: no pain rating for trial {trial.id!r}")
        self._say("pain", f"{trial.id}={pain}")
        return pain

    def ask_felt(self, trial: Trial) -> list[str]:
        """Return the answers' felt muscles of ``trial``; ConfigError when it has none."""
        felt = self.answers.for_trial(trial.id).felt
        if felt is None:
            raise ConfigError(f"{self.answers.source}: no felt muscles for trial {trial.id!r}")
        self._say("felt", f"{trial.id}={','.join(felt)}")
        return list(felt)

    def abort_now(self, trial: Trial, reps_done: int) -> bool:
        """Return True once ``trial`` has reached the answers' ``after_rep``.

        The parameters are those of :meth:`SessionUI.abort_now`.

        Returns
        -------
        bool
            True when the answers abort in ``trial`` after ``reps_done`` reps.
        """
        a = self.answers
        hit = a.abort_trial == trial.id and a.abort_after_rep == reps_done > 0
        if hit:
            self._say("abort", f"{trial.id} after rep {reps_done}")
        return hit

    def repeat_now(self, trial: Trial, reps_done: int) -> bool:
        """Return False: scripted sessions never repeat a trial.

        The parameters are those of :meth:`SessionUI.repeat_now`.

        Returns
        -------
        bool
            Always False.
        """
        return False

    def close(self) -> None:
        """Do nothing (nothing to restore)."""
        pass
