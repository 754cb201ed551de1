"""The guided bridge-test session: cues, markers on the sample clock, questions, resume.

Timing
------
Every phase (countdown, lift, hold, down, rests) is scheduled in **samples** of the recording:
a phase of ``d`` seconds ends ``round(d * fs)`` samples after it started, and the runner waits
until the recorder's sample clock (received + lost samples) reaches that index. Markers are
written at those scheduled indices, so they are exact in the recording whatever the polling
latency, and a faster-than-real-time emulator (``speed``) gives the same recording as a real
session, only sooner. Blocking steps (the instructions screen, the questions) do not consume
scheduled time: the next phase starts when the operator is done.

Events (the labels the analysis expects, as :mod:`emgkit.simulate.subject` writes them)
--------------------------------------------------------------------------------------------
``trial``
    Spans the trial: from the start of the "get ready" countdown (the lead-in) to 1 s after
    the last rep is lowered; for a ``rest`` trial, the rest itself.
``rep`` (value = rep number, counted over sets from 1)
    From the "lift" cue to the end of lowering.
``hold`` (value = rep number)
    From the "hold" cue to the "down" cue.
``pain`` (value = 0-10) and ``felt`` (value = comma-separated muscles)
    Instantaneous, at the end of the trial, after trials with ``ask_pain`` / ``ask_felt``.

The recorder's :meth:`~emgkit.acquisition.recorder.Recorder.add_marker` writes instantaneous
markers at the current sample; the journal already stores an optional ``duration`` per marker
(:func:`emgkit.acquisition.journal.recover` reads it), so the runner journals each span once it
is complete, with its start sample and duration. A crash therefore loses no completed rep, and
``emgkit recover`` of a session journal gives the same events as a clean stop.

Resume
------
``<out>/session.json`` (the state file) lists the protocol, the device, each recording
segment (``segment-01.bdf``, ``segment-02.bdf``...) with the trials completed in it, and the
trials done or skipped. It is rewritten atomically after every trial. After Ctrl-C, an abort or
a crash, ``run_session(..., resume_from="<out>/session.json")`` (``emgkit session --resume``)
first finalises a segment left as a bare journal by a crash, then records the next trials
into a new segment. A trial interrupted half-way is redone in full in the new segment; its
partial events stay in the old segment file but are left out of the merged session.

When every trial is done or skipped, the segments are **merged** into ``<out>/session.bdf``:
segment data back to back, separated by a 1 s run of missing samples (a ``Gap`` with reason
``"session resumed"``, since the real pause is not on any sample clock), with each segment's
events kept only for the trials completed in it. The segment files are kept too.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np

from emgkit.app.session.answers import Answers
from emgkit.app.session.ui import ScriptedUI, SessionUI, TerminalUI
from emgkit.devices.registry import device_choices
from emgkit.errors import ConfigError, RecordingError
from emgkit.protocol import Protocol, Trial, load_protocol, parse_protocol

__all__ = [
    "STATE_NAME",
    "SessionResult",
    "load_state",
    "merge_segments",
    "planned_duration",
    "run_session",
]

STATE_NAME = "session.json"
MERGED_NAME = "session.bdf"
STATE_FORMAT = "emgkit-session"
STATE_VERSION = 1

#: Phase durations in seconds (the same as the synthetic subject's, simulate/subject.py).
LIFT_S = 1.0  # "lift" cue -> "hold" cue in a bridge
LOWER_S = 1.5  # "down" cue -> end of lowering
MVC_RAMP_S = 1.0  # "push" cue -> "hold" cue in an MVC
MVC_RELEASE_S = 0.5
TAIL_S = 1.0  # after the last rep, still inside the trial
RESUME_GAP_S = 1.0  # missing samples between merged segments


RecorderFactory = Callable[[Path], Any]


@dataclass(slots=True)
class SessionResult:
    """Outcome of :func:`run_session`.

    Attributes
    ----------
    status : {"complete", "aborted", "interrupted"}
        ``aborted``: the operator (or the answers file) stopped the session; ``interrupted``:
        Ctrl-C. Both can be resumed from :attr:`state_path`.
    state_path : Path
    segments : list of Path
        The BDF+ file of every segment so far.
    merged : Path or None
        ``session.bdf`` once the session is complete.
    done, skipped, remaining : list of str
        Trial ids.
    """

    status: Literal["complete", "aborted", "interrupted"]
    state_path: Path
    segments: list[Path] = field(default_factory=list)
    merged: Path | None = None
    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    remaining: list[str] = field(default_factory=list)


class _Abort(Exception):
    """The operator stopped the session."""


# ---------------------------------------------------------------------------- state file


def _protocol_to_dict(p: Protocol) -> dict[str, Any]:
    trials = [{k: v for k, v in dataclasses.asdict(t).items() if v is not None} for t in p.trials]
    return {"name": p.name, "version": p.version, "description": p.description, "trials": trials}


def _save_state(path: Path, state: dict[str, Any]) -> None:
    from emgkit.io._atomic import write_atomic

    write_atomic(path, json.dumps(state, indent=2).encode("utf-8"))


def load_state(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a session state file (``session.json``).

    Raises
    ------
    ConfigError
        Missing file, invalid JSON or not an emgkit session state.
    """
    p = Path(path)
    if p.is_dir():
        p = p / STATE_NAME
    try:
        state = json.loads(p.read_text("utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"session state {p} does not exist (give the session.json in the session folder)"
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"session state {p} is not valid JSON: {exc}") from None
    if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
        raise ConfigError(f"{p} is not an emgkit session state file")
    if state.get("version") != STATE_VERSION:
        raise ConfigError(f"{p}: unsupported session state version {state.get('version')!r}")
    return state


def planned_duration(protocol: Protocol, countdown_s: float = 3.0) -> float:
    """Seconds of recording the protocol needs without operator pauses."""
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


# ---------------------------------------------------------------------------- devices


def _open_device(
    device: str, bdf: Path, opts: dict[str, Any], protocol: Protocol | None = None
) -> tuple[Any, Any]:
    """A Recorder (not started) for one segment, and the emulator it reads from (or None)."""
    from emgkit.app.emulated import recorder as make_recorder

    speed = float(opts.get("speed", 1.0))
    fs = opts.get("fs")
    n_channels = opts.get("n_channels")
    emu = None
    port = opts.get("port")
    if device.startswith("emulated-"):
        from emgkit.app.emulated import start_emulator

        subject = opts.get("emulated_subject")
        emu = start_emulator(
            device,
            speed=speed,
            subject=subject,
            fs=fs,
            n_channels=n_channels,
            duration=None if subject else 30.0,
            seed=int(opts.get("seed", 0)),
            loop=True,
            protocol=protocol if subject else None,
        )
        port = emu.port
    elif speed != 1.0:
        raise ConfigError("--speed only applies to emulated devices; a real device runs at 1x")
    try:
        rec = make_recorder(
            device,
            port,
            montage=str(opts.get("montage", "bridge6")),
            out=bdf,
            fs=fs,
            n_channels=n_channels,
            subject=str(opts.get("subject", "anonymous")),
            session=str(opts.get("session", "")),
            notes=str(opts.get("notes", "")),
            power_line_hz=opts.get("power_line_hz"),
        )
    except BaseException:
        if emu is not None:
            emu.stop()
        raise
    return rec, emu


# ---------------------------------------------------------------------------- the runner


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

    def begin(self, trial: Trial, countdown_s: float) -> None:
        """Before a trial: cue an emulated subject; the schedule starts where it acts."""
        if self.subject is not None:
            self.t = int(self.subject.cue(trial.id, self.t, self.ns(countdown_s)))

    def ns(self, seconds: float) -> int:
        return round(seconds * self.fs)

    def wait_until(self, target: int) -> None:
        rec = self.rec
        last_n = -1
        last_change = self.clock()
        while True:
            n = int(rec.n_samples)
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
            time.sleep(self.poll)

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
        """Cue one trial; returns its (start, stop) samples. Raises _Abort mid-trial."""
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
                if ui.abort_now(trial, number):
                    raise _Abort(trial.id)
                if r < trial.reps - 1:
                    self.phase("REST", trial.rep_rest_s)
            if s < trial.sets - 1:
                self.phase("SET REST", trial.rest_s)
        _, stop = self.phase("RELAX", TAIL_S)
        self.event("trial", start, stop, trial.id)
        return start, stop


class _OperatorTime:
    """While the operator reads or answers, an emulator streams at 1x, not at ``speed``."""

    def __init__(self, emulator: Any, speed: float) -> None:
        self.emulator = emulator if hasattr(emulator, "set_speed") else None
        self.speed = float(getattr(self.emulator, "speed", speed))  # the factory's, if any

    def __enter__(self) -> None:
        if self.emulator is not None and self.speed != 1.0:
            self.emulator.set_speed(1.0)

    def __exit__(self, *exc: object) -> None:
        if self.emulator is not None and self.speed != 1.0:
            self.emulator.set_speed(self.speed)


def _cue_emulator(rec: Any, proto: Protocol) -> None:
    """An emulated recorder with a synthetic subject: the subject follows this protocol."""
    opts = getattr(rec, "emulator_options", None)
    if isinstance(opts, dict) and opts.get("subject") and "samples_uv" not in opts:
        opts.setdefault("protocol", proto)


def _segment_name(k: int) -> str:
    return f"segment-{k:02d}.bdf"


def _finalize_leftover(out: Path, state: dict[str, Any], state_path: Path) -> None:
    """A segment still 'recording' (the process died): finalise its journal to BDF+."""
    from emgkit.acquisition.recorder import finalize

    for seg in state["segments"]:
        if seg["status"] != "recording":
            continue
        bdf = out / seg["bdf"]
        jdir = out / seg["journal"]
        if bdf.is_file() and not jdir.exists():
            seg["status"] = "finalized"
        elif jdir.is_dir():
            try:
                finalize(jdir, bdf, keep_journal=False)
                seg["status"] = "finalized"
            except RecordingError as exc:
                if "no samples" not in str(exc):
                    raise
                seg["status"] = "empty"
        else:
            seg["status"] = "empty"
        if seg["status"] == "empty":
            for tid in seg["trials"]:  # nothing recorded: those trials must be redone
                state["trials"].pop(tid, None)
            seg["trials"] = []
        _save_state(state_path, state)


def run_session(
    protocol: Protocol | str | None,
    recorder_or_device: str | Any | RecorderFactory | None = None,
    *,
    ui: SessionUI | None = None,
    answers: Answers | None = None,
    out: str | os.PathLike[str] | None = None,
    resume_from: str | os.PathLike[str] | None = None,
    clock: Callable[[], float] = time.monotonic,
    subject: str = "anonymous",
    speed: float | None = None,
    device_options: dict[str, Any] | None = None,
    countdown_s: float = 3.0,
    merge: bool = True,
    poll: float = 0.01,
    stall_s: float = 10.0,
) -> SessionResult:
    """Walk the operator through a protocol while recording; resumable.

    Parameters
    ----------
    protocol : Protocol or str or None
        The protocol (or a shipped name / TOML path). None when resuming: the state's.
    recorder_or_device : str, Recorder or callable
        A device name (``"emulated-arduino"``, ``"cyton"``...; the port in
        ``device_options["port"]``), a factory ``f(segment_bdf_path) -> Recorder`` (not
        started), or a Recorder (not started; used for a single segment). None when resuming
        a session that was started with a device name.
    ui : SessionUI, optional
        Default: :class:`ScriptedUI` when ``answers`` is given, else :class:`TerminalUI`.
    answers : Answers, optional
        A scripted subject; validated against the protocol before recording starts.
    out : path
        Session folder (created): ``session.json``, ``segment-NN.bdf``, ``session.bdf``.
        When resuming, default: the state file's folder.
    resume_from : path, optional
        A ``session.json`` (or its folder) to continue.
    clock : callable
        Wall clock in seconds (only used to detect a device that stopped sending).
    subject : str
        Subject pseudonym.
    speed : float, optional
        Emulated devices only: stream ``speed`` times faster than real time (a 10 s hold
        still has 10 s of samples) while cues run; the operator's time (instructions,
        questions) is streamed at 1x, so it is not multiplied into the recording. 1 for real
        devices. Default: 1, or when resuming the speed the session was started with.
    device_options : dict, optional
        ``port``, ``montage``, ``fs``, ``n_channels``, ``power_line_hz``, ``notes``,
        ``emulated_subject`` (a synthetic profile such as ``"healthy"``; default: noise),
        ``seed``.
    countdown_s : float
        "Get ready" countdown before each trial, in seconds of samples.
    merge : bool
        Merge the segments into ``session.bdf`` once all trials are done.
    poll, stall_s : float
        Sample-clock polling interval; seconds without samples before giving up.

    Returns
    -------
    SessionResult

    Raises
    ------
    ConfigError
        Bad protocol, answers, device or state file.
    RecordingError
        The device stopped or the journal failed; the state is saved first, so the session
        can be resumed.
    """
    if speed is not None and not speed > 0:
        raise ConfigError(f"speed must be > 0, got {speed}")
    state: dict[str, Any]
    if resume_from is not None:
        state_path = Path(resume_from)
        if state_path.is_dir():
            state_path = state_path / STATE_NAME
        state = load_state(state_path)
        saved = parse_protocol(state["protocol"], f"{state_path} (protocol)")
        if protocol is not None:
            given = protocol if isinstance(protocol, Protocol) else load_protocol(protocol)
            if _protocol_to_dict(given) != _protocol_to_dict(saved):
                raise ConfigError(
                    f"the protocol differs from the one the session in {state_path} started "
                    "with; resume without --protocol (the saved one is used)"
                )
        proto = saved
        outdir = Path(out) if out is not None else state_path.parent
        if outdir.resolve() != state_path.parent.resolve():
            raise ConfigError(f"resume writes into the state's folder {state_path.parent}")
        if recorder_or_device is None:
            recorder_or_device = state.get("device")
            if recorder_or_device is None:
                raise ConfigError("give the device or a recorder factory to resume this session")
        opts = dict(state.get("device_options", {}))
        opts.update(device_options or {})
        if speed is None:  # a resumed session keeps the speed it was started with
            speed = float(state.get("speed", 1.0))
        opts["speed"] = speed
        state["speed"] = speed
        state["device_options"] = {k: v for k, v in opts.items() if k != "speed"}
    else:
        if protocol is None:
            raise ConfigError("give a protocol (e.g. 'bridge' or a .toml path)")
        if out is None:
            raise ConfigError("give the session folder (out=...)")
        proto = protocol if isinstance(protocol, Protocol) else load_protocol(protocol)
        outdir = Path(out)
        outdir.mkdir(parents=True, exist_ok=True)
        state_path = outdir / STATE_NAME
        if state_path.exists():
            raise ConfigError(
                f"{outdir} already holds a session ({state_path}); resume it with "
                f"--resume {state_path} or choose another --out folder"
            )
        if recorder_or_device is None:
            raise ConfigError("give a device name, a Recorder or a recorder factory")
        opts = dict(device_options or {})
        opts.setdefault("subject", subject)
        speed = 1.0 if speed is None else float(speed)
        opts["speed"] = speed
        state = {
            "format": STATE_FORMAT,
            "version": STATE_VERSION,
            "created": datetime.now(UTC).isoformat(),
            "protocol": _protocol_to_dict(proto),
            "device": recorder_or_device if isinstance(recorder_or_device, str) else None,
            "device_options": {k: v for k, v in opts.items() if k != "speed"},
            "speed": speed,
            "subject": opts["subject"],
            "status": "running",
            "segments": [],
            "trials": {},
            "merged": None,
        }
    if isinstance(recorder_or_device, str) and recorder_or_device not in device_choices():
        raise ConfigError(
            f"unknown device {recorder_or_device!r}; choose one of {', '.join(device_choices())}"
        )
    if answers is not None:
        answers.validate(proto)
    if ui is None:
        ui = ScriptedUI(answers) if answers is not None else TerminalUI()

    trials = proto.expanded()
    _save_state(state_path, state)
    _finalize_leftover(outdir, state, state_path)
    todo = [t for t in trials if t.id not in state["trials"]]

    status: Literal["complete", "aborted", "interrupted"] = "complete"
    if todo:
        status = _record_segment(
            proto, trials, todo, recorder_or_device, opts, ui, outdir, state, state_path,
            clock, countdown_s, poll, stall_s,
        )  # fmt: skip
    remaining = [t.id for t in trials if t.id not in state["trials"]]
    merged = None
    if status == "complete" and not remaining:
        state["status"] = "complete"
        if merge and any(s["status"] == "finalized" and s["trials"] for s in state["segments"]):
            merged = merge_segments(state_path)
            state["merged"] = merged.name
        ui.message(f"session complete: {merged or outdir}")
    else:
        state["status"] = status
        ui.message(
            f"session {status}; {len(remaining)} trial(s) left. Continue with: "
            f"emgkit session --resume {state_path}"
        )
    _save_state(state_path, state)
    ui.close()
    return SessionResult(
        status=status if not remaining else ("aborted" if status == "complete" else status),
        state_path=state_path,
        segments=[outdir / s["bdf"] for s in state["segments"] if s["status"] == "finalized"],
        merged=merged,
        done=[t.id for t in trials if state["trials"].get(t.id, {}).get("status") == "done"],
        skipped=[t.id for t in trials if state["trials"].get(t.id, {}).get("status") == "skipped"],
        remaining=remaining,
    )


def _record_segment(
    proto: Protocol,
    trials: list[Trial],
    todo: list[Trial],
    recorder_or_device: Any,
    opts: dict[str, Any],
    ui: SessionUI,
    outdir: Path,
    state: dict[str, Any],
    state_path: Path,
    clock: Callable[[], float],
    countdown_s: float,
    poll: float,
    stall_s: float,
) -> Literal["complete", "aborted", "interrupted"]:
    k = len(state["segments"]) + 1
    bdf = outdir / _segment_name(k)
    emu = None
    if isinstance(recorder_or_device, str):
        rec, emu = _open_device(recorder_or_device, bdf, opts, proto)
    elif callable(recorder_or_device) and not hasattr(recorder_or_device, "start"):
        rec = recorder_or_device(bdf)
        _cue_emulator(rec, proto)
    else:
        rec = recorder_or_device
        if any(s["status"] != "empty" for s in state["segments"]):
            raise ConfigError(
                "a Recorder instance records one segment only; resume with a device name or a "
                "recorder factory"
            )
    bdf = Path(rec.out)
    jdir = Path(getattr(rec, "journal_dir", bdf.with_name(bdf.name + ".journal")))
    seg: dict[str, Any] = {
        "index": k,
        "bdf": os.path.relpath(bdf, outdir),
        "journal": os.path.relpath(jdir, outdir),
        "status": "recording",
        "trials": [],
        "partial": None,
        "started": datetime.now(UTC).isoformat(),
    }
    state["segments"].append(seg)
    _save_state(state_path, state)
    status: Literal["complete", "aborted", "interrupted"] = "complete"
    current: str | None = None
    total = len(trials)
    index = {t.id: i + 1 for i, t in enumerate(trials)}
    try:
        try:
            rec.start()
            ui.message(
                f"recording segment {k} to {bdf} ({rec.device}, {rec.fs:g} Hz"
                + (f", {opts['speed']:g}x" if float(opts.get("speed", 1)) != 1 else "")
                + ")"
            )
            run = _Segment(rec, ui, clock, poll, stall_s)
            emulator = emu if emu is not None else getattr(rec, "emulator", None)
            run.subject = getattr(emulator, "subject", None)
            operator = _OperatorTime(emulator, float(opts.get("speed", 1.0)))
            for j, trial in enumerate(todo):
                with operator:
                    decision = ui.trial_intro(trial, index[trial.id], total)
                run.sync()
                if decision == "abort":
                    raise _Abort(trial.id)
                if decision == "skip":
                    state["trials"][trial.id] = {"status": "skipped", "segment": k}
                    _save_state(state_path, state)
                    continue
                current = trial.id
                seg["partial"] = trial.id
                run.begin(trial, countdown_s)
                _, stop = run.run_trial(trial, countdown_s)
                if trial.ask_pain:
                    with operator:
                        pain = int(ui.ask_pain(trial))
                    if not 0 <= pain <= 10:
                        raise ConfigError(f"pain rating must be 0-10, got {pain}")
                    run.event("pain", stop, stop, trial.id, str(pain))
                if trial.ask_felt:
                    with operator:
                        felt = ui.ask_felt(trial)
                    run.event("felt", stop, stop, trial.id, ",".join(felt))
                run.sync()
                with contextlib.suppress(Exception):
                    rec.journal.sync()  # the trial is on disk before it is marked done
                state["trials"][trial.id] = {"status": "done", "segment": k}
                seg["trials"].append(trial.id)
                seg["partial"] = current = None
                _save_state(state_path, state)
                if j < len(todo) - 1:
                    rest_end = stop + run.ns(trial.rest_s)
                    if rest_end > run.t:
                        run.phase("REST", (rest_end - run.t) / run.fs)
        except _Abort:
            status = "aborted"
        except EOFError:
            # the operator's input closed (e.g. a pipe ran dry): stop like "q", keep everything
            status = "aborted"
            ui.message("input closed: session stopped; continue later with --resume")
        except KeyboardInterrupt:
            status = "interrupted"
        except Exception:
            status = "interrupted"
            raise
    finally:
        seg["partial"] = current
        seg["stopped"] = datetime.now(UTC).isoformat()
        try:
            path = rec.stop()
            seg["bdf"] = os.path.relpath(path, outdir)
            seg["status"] = "finalized"
        except RecordingError as exc:
            ui.message(f"finalising {bdf} failed: {exc}")
            if "no samples" in str(exc):
                seg["status"] = "empty"
                for tid in seg["trials"]:
                    state["trials"].pop(tid, None)
                seg["trials"] = []
        finally:
            if emu is not None:
                emu.stop()
            state["status"] = status if status != "complete" else "running"
            _save_state(state_path, state)
    return status


# ---------------------------------------------------------------------------- merging


def merge_segments(
    state_path: str | os.PathLike[str], out: str | os.PathLike[str] | None = None
) -> Path:
    """Merge a session's segments into one BDF+ (default ``<folder>/session.bdf``).

    Segment data are placed back to back with a 1 s gap (NaN rows, reason
    ``"session resumed"``) between them; each segment keeps only the events of the trials
    completed in it (a trial interrupted half-way and redone later appears once).

    Raises
    ------
    ConfigError
        The segments have different channels or sampling rates (then analyse them one by
        one: they are listed in ``session.json``).
    """
    from emgkit.io import read
    from emgkit.io.edf import write_bdf
    from emgkit.recording import Event, Gap, Recording

    sp = Path(state_path)
    if sp.is_dir():
        sp = sp / STATE_NAME
    state = load_state(sp)
    outdir = sp.parent
    segs = [s for s in state["segments"] if s["status"] == "finalized"]
    if not segs:
        raise ConfigError(f"{sp}: no finalised segment to merge")
    recs = [read(outdir / s["bdf"]) for s in segs]
    first = recs[0]
    for s, r in zip(segs, recs, strict=True):
        if r.fs != first.fs or r.channel_names != first.channel_names:
            raise ConfigError(
                f"segment {s['bdf']} has {r.n_channels} channels at {r.fs:g} Hz, unlike "
                f"{segs[0]['bdf']} ({first.n_channels} at {first.fs:g} Hz): analyse the "
                "segments separately"
            )
    fs = first.fs
    n_gap = round(RESUME_GAP_S * fs)
    blocks = []
    events: list[Event] = []
    gaps: list[Gap] = []
    offset = 0
    for i, (s, r) in enumerate(zip(segs, recs, strict=True)):
        if i > 0:
            blocks.append(np.full((n_gap, r.n_channels), np.nan))
            gaps.append(Gap(offset, n_gap, "session resumed"))
            offset += n_gap
        keep = set(s["trials"])
        t0 = offset / fs
        for e in r.events:
            if e.trial and e.trial not in keep:
                continue
            events.append(dataclasses.replace(e, onset=e.onset + t0))
        for g in r.gaps:
            gaps.append(Gap(g.start + offset, g.n_samples, g.reason))
        blocks.append(r.data)
        offset += r.n_samples
    info = dataclasses.replace(first.info, extra=dict(first.info.extra))
    info.extra["segments"] = [s["bdf"] for s in segs]
    merged = Recording(np.concatenate(blocks, axis=0), fs, first.channels, events, gaps, info)
    target = Path(out) if out is not None else outdir / MERGED_NAME
    return write_bdf(merged, target)
