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

Repeat
------
At a trial's instructions the operator may **repeat** the trial done just before it (in this
segment), and a UI whose ``repeat_now`` answers True abandons the running attempt (the page's
"Restart this trial"). The attempt is not erased: its markers stay, and a ``discarded`` span
(trial = its id, value = ``"attempt N"``) covers it; the analysis drops the events of a trial
inside a ``discarded`` span of that trial (:func:`emgkit.analysis.attempts.drop_discarded`), so
the last attempt is the one analysed. ``session.json`` counts them under ``"discarded"``.

When every trial is done or skipped, the segments are **merged** into ``<out>/session.bdf``:
segment data back to back, separated by a 1 s run of missing samples (a ``Gap`` with reason
``"session resumed"``, since the real pause is not on any sample clock), with each segment's
events kept only for the trials completed in it. The segment files are kept too.
"""

from __future__ import annotations

import collections
import contextlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from emgkit.analysis.attempts import DISCARDED
from emgkit.app.session.answers import Answers
from emgkit.app.session.devices import RecorderFactory, _cue_emulator, _open_device, _OperatorTime
from emgkit.app.session.merge import RESUME_GAP_S, merge_segments
from emgkit.app.session.schedule import (
    LIFT_S,
    LOWER_S,
    MVC_RAMP_S,
    MVC_RELEASE_S,
    TAIL_S,
    _Abort,
    _Repeat,
    _Segment,
    planned_duration,
)
from emgkit.app.session.state import (
    MERGED_NAME,
    STATE_FORMAT,
    STATE_NAME,
    STATE_VERSION,
    _finalize_leftover,
    _protocol_to_dict,
    _save_state,
    _segment_name,
    load_state,
)
from emgkit.app.session.ui import ScriptedUI, SessionUI, TerminalUI
from emgkit.devices.registry import device_choices
from emgkit.errors import ConfigError, RecordingError
from emgkit.protocol import Protocol, Trial, load_protocol, parse_protocol

__all__ = [
    "LIFT_S",
    "LOWER_S",
    "MERGED_NAME",
    "MVC_RAMP_S",
    "MVC_RELEASE_S",
    "RESUME_GAP_S",
    "STATE_NAME",
    "TAIL_S",
    "RecorderFactory",
    "SessionResult",
    "load_state",
    "merge_segments",
    "planned_duration",
    "run_session",
]


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
    read_back: dict[str, Any] = {}  # segment file -> the recording its recorder verified
    if todo:
        status = _record_segment(
            proto, trials, todo, recorder_or_device, opts, ui, outdir, state, state_path,
            clock, countdown_s, poll, stall_s, read_back,
        )  # fmt: skip
    remaining = [t.id for t in trials if t.id not in state["trials"]]
    merged = None
    if status == "complete" and not remaining:
        state["status"] = "complete"
        if merge and any(s["status"] == "finalized" and s["trials"] for s in state["segments"]):
            merged = merge_segments(state_path, read_back=read_back)
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


def _discard(run: _Segment, state: dict[str, Any], trial: Trial, start: int, end: int) -> None:
    """Journal a ``discarded`` span over an abandoned or repeated attempt of ``trial``.

    The attempt's own markers stay in the file; the analysis ignores the markers of ``trial``
    that fall inside a ``discarded`` span of the same trial
    (:func:`emgkit.analysis.attempts.drop_discarded`), so the last good attempt is analysed.
    """
    counts = state.setdefault("discarded", {})
    n = int(counts.get(trial.id, 0)) + 1
    counts[trial.id] = n
    run.event(DISCARDED, start, max(end, start + 1), trial.id, f"attempt {n}")


def _open_segment_recorder(
    recorder_or_device: Any, bdf: Path, opts: dict[str, Any], proto: Protocol, state: dict[str, Any]
) -> tuple[Any, Any]:
    """The recorder writing segment file ``bdf`` (from a device, factory or instance), emulator."""
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
    return rec, emu


def _new_segment(k: int, rec: Any, bdf: Path, outdir: Path) -> dict[str, Any]:
    """The state entry of segment ``k`` recording to ``bdf`` (paths relative to ``outdir``)."""
    jdir = Path(getattr(rec, "journal_dir", bdf.with_name(bdf.name + ".journal")))
    return {
        "index": k,
        "bdf": os.path.relpath(bdf, outdir),
        "journal": os.path.relpath(jdir, outdir),
        "status": "recording",
        "trials": [],
        "partial": None,
        "started": datetime.now(UTC).isoformat(),
    }


def _undo_last(
    run: _Segment,
    state: dict[str, Any],
    seg: dict[str, Any],
    state_path: Path,
    ui: SessionUI,
    last: tuple[Trial, int, int],
) -> Trial:
    """Label the last trial's attempt discarded and unmark it done; the trial to record again."""
    prev, p_start, p_end = last
    _discard(run, state, prev, p_start, p_end)
    state["trials"].pop(prev.id, None)
    seg["trials"].remove(prev.id)
    _save_state(state_path, state)
    ui.message(f"repeating {prev.id}: its first attempt stays, labelled discarded")
    return prev


def _ask_answers(
    run: _Segment, ui: SessionUI, operator: _OperatorTime, trial: Trial, stop: int
) -> None:
    """Ask the trial's pain rating and felt muscles, if it asks, as events at sample ``stop``."""
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


def _finish_segment(
    rec: Any,
    emu: Any,
    bdf: Path,
    seg: dict[str, Any],
    state: dict[str, Any],
    state_path: Path,
    outdir: Path,
    ui: SessionUI,
    status: str,
    read_back: dict[str, Any],
) -> None:
    """Stop and finalise the segment's file, stop the emulator, and save the session state.

    The recording the recorder read back to verify the file goes into ``read_back`` (by the
    segment's ``bdf`` entry), for the merge.
    """
    seg["stopped"] = datetime.now(UTC).isoformat()
    try:
        path = rec.stop()
        seg["bdf"] = os.path.relpath(path, outdir)
        seg["status"] = "finalized"
        back = getattr(rec, "recording", None)
        if back is not None:
            read_back[seg["bdf"]] = back
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
    read_back: dict[str, Any],
) -> Literal["complete", "aborted", "interrupted"]:
    k = len(state["segments"]) + 1
    rec, emu = _open_segment_recorder(
        recorder_or_device, outdir / _segment_name(k), opts, proto, state
    )
    bdf = Path(rec.out)
    seg = _new_segment(k, rec, bdf, outdir)
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
            queue = collections.deque(todo)
            last: tuple[Trial, int, int] | None = None  # the trial just done: start, end
            while queue:
                trial = queue.popleft()
                with operator:
                    decision = ui.trial_intro(trial, index[trial.id], total)
                run.sync()
                if decision == "abort":
                    raise _Abort(trial.id)
                if decision == "repeat":
                    queue.appendleft(trial)
                    if last is None:
                        ui.message("no trial of this recording segment to repeat")
                        continue
                    queue.appendleft(_undo_last(run, state, seg, state_path, ui, last))
                    last = None
                    continue
                if decision == "skip":
                    state["trials"][trial.id] = {"status": "skipped", "segment": k}
                    _save_state(state_path, state)
                    continue
                current = trial.id
                seg["partial"] = trial.id
                run.begin(trial, countdown_s)
                start = run.t
                try:
                    _, stop = run.run_trial(trial, countdown_s)
                except _Repeat:
                    _discard(run, state, trial, start, run.t)
                    _save_state(state_path, state)
                    ui.message(f"{trial.id} abandoned: it starts again")
                    queue.appendleft(trial)
                    last = None
                    continue
                _ask_answers(run, ui, operator, trial, stop)
                run.sync()
                with contextlib.suppress(Exception):
                    rec.journal.sync()  # the trial is on disk before it is marked done
                state["trials"][trial.id] = {"status": "done", "segment": k}
                seg["trials"].append(trial.id)
                seg["partial"] = current = None
                _save_state(state_path, state)
                last = (trial, start, stop + 1)  # + 1: the pain/felt answers at ``stop``
                if queue:
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
        _finish_segment(rec, emu, bdf, seg, state, state_path, outdir, ui, status, read_back)
    return status
