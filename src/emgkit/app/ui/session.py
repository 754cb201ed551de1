"""One guided session driven from the page: the runner in a thread, the page as its UI.

:class:`WebUI` implements :class:`emgkit.app.session.ui.SessionUI` (what the runner needs); its
blocking questions (start the trial? pain? felt where?) wait for the page's answers, so the
runner, its sample-clock schedule and its markers are exactly those of ``emgkit session``.
:class:`Controller` owns the one session of the server: setup, resume, the live feed, finalise,
analysis and report. A page that closes changes nothing; reopening it reads the same state.
"""

from __future__ import annotations

import contextlib
import json
import queue
import re
import threading
import traceback
import warnings
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from emgkit.app.ui import _deps
from emgkit.app.ui._deps import Decision, SessionUI
from emgkit.app.ui.feed import LiveFeed, Wakers
from emgkit.errors import ConfigError, EmgkitError

__all__ = ["Controller", "WebUI", "safe_pseudonym"]

_PSEUDO = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")


def safe_pseudonym(text: str) -> str:
    """Validate a pseudonym: 1-32 letters, digits, ``-`` or ``_`` (a code, never a name).

    Raises
    ------
    ConfigError
        Anything else (spaces, punctuation, path separators).
    """
    text = (text or "").strip()
    if not _PSEUDO.match(text):
        raise ConfigError(
            "the pseudonym must be a code such as S01 (letters, digits, - or _; no spaces, "
            "never the patient's name)"
        )
    return text


def _label(text: str) -> str:
    text = re.sub(r"[^A-Za-z0-9_-]+", "-", (text or "").strip()).strip("-")
    return text[:40]


class _Stop(Exception):
    pass


class WebUI(SessionUI):
    """A :class:`SessionUI` whose operator is the page (thread-safe; the runner's thread blocks)."""

    def __init__(self, ctl: Controller) -> None:
        self.ctl = ctl
        self.answers: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.abort = threading.Event()
        self.repeat = threading.Event()  # "repeat" pressed while a trial or its rest ran
        self.auto = False  # continue to the next trial without waiting for "go"

    def _wait(self, kinds: tuple[str, ...]) -> tuple[str, Any]:
        while True:
            if self.abort.is_set():
                return "abort", None
            try:
                kind, value = self.answers.get(timeout=0.1)
            except queue.Empty:
                continue
            if kind in kinds or kind == "abort":
                return kind, value

    def message(self, text: str) -> None:
        """Show an informational line on the page."""
        self.ctl.update(message=text)

    def trial_intro(self, trial: Any, index: int, total: int) -> Decision:
        """Show the trial's instructions on the page and wait for the operator.

        Returns at once with "repeat" when repeat was pressed during the previous rest, and
        with "go" in automatic mode.

        The parameters are those of :meth:`SessionUI.trial_intro`.

        Returns
        -------
        Decision
            "go", "skip", "repeat", or "abort" (also when abort was pressed).
        """
        self.ctl.feed_phase(trial, "")
        self.ctl.update(
            trial=_trial_dict(trial), index=index, total=total, cue="", remaining=0.0,
            waiting="intro",
        )  # fmt: skip
        if self.repeat.is_set():  # pressed during the rest after the previous trial
            self.repeat.clear()
            self.ctl.update(waiting="")
            return "repeat"
        if self.auto and not self.abort.is_set():
            self.ctl.update(waiting="")
            return "go"
        kind, _ = self._wait(("go", "skip", "repeat"))
        self.ctl.update(waiting="")
        decision: Decision = "abort"
        if kind in ("go", "skip", "repeat"):
            decision = kind  # type: ignore[assignment]
        return decision

    def cue(self, text: str, seconds: float) -> None:
        """Show the new phase on the page and mark it on the live feed.

        The parameters are those of :meth:`SessionUI.cue`.
        """
        self.ctl.feed_phase(self.ctl.state.get("trial_obj"), text)
        self.ctl.update(cue=text, cue_s=seconds, remaining=seconds)

    def tick(self, remaining_s: float) -> None:
        """Pass the seconds left in the phase to the page (see :meth:`Controller.tick`)."""
        self.ctl.tick(remaining_s)

    def ask_pain(self, trial: Any) -> int:
        """Wait for the page's 0-10 pain rating of ``trial``.

        Abort raises KeyboardInterrupt, which the runner turns into a saved, resumable stop.
        """
        self.ctl.update(cue="", waiting="pain")
        kind, value = self._wait(("pain",))
        self.ctl.update(waiting="")
        if kind == "abort":
            raise KeyboardInterrupt  # the runner saves the state and stops (resumable)
        return int(value)

    def ask_felt(self, trial: Any) -> list[str]:
        """Wait for the muscles felt in ``trial`` as chosen on the page.

        Abort raises KeyboardInterrupt, which the runner turns into a saved, resumable stop.
        """
        self.ctl.update(waiting="felt")
        kind, value = self._wait(("felt",))
        self.ctl.update(waiting="")
        if kind == "abort":
            raise KeyboardInterrupt
        return [str(v) for v in value]

    def abort_now(self, trial: Any, reps_done: int) -> bool:
        """Return True once abort was pressed on the page.

        The parameters are those of :meth:`SessionUI.abort_now`.

        Returns
        -------
        bool
            Whether abort was pressed.
        """
        return self.abort.is_set()

    def repeat_now(self, trial: Any, reps_done: int) -> bool:
        """Return True (once) when repeat was pressed while the trial ran.

        The parameters are those of :meth:`SessionUI.repeat_now`.

        Returns
        -------
        bool
            True once per press of repeat.
        """
        if self.repeat.is_set():
            self.repeat.clear()
            return True
        return False

    def close(self) -> None:
        """Do nothing (the page outlives the session)."""
        pass


def _trial_dict(t: Any) -> dict[str, Any]:
    return {
        "id": t.id,
        "task": t.task,
        "side": t.side,
        "muscle": t.muscle,
        "cue": t.cue,
        "hold_s": t.hold_s,
        "reps": t.reps,
        "sets": t.sets,
        "position": t.position,
        # the spoken hold time follows the trial (a --short protocol holds 1 s, not "5 s")
        "instructions": _deps.instructions_for(t),
        "ask_pain": t.ask_pain,
        "ask_felt": t.ask_felt,
    }


class Controller:
    """The server's one session: state for the page, commands from it, the runner thread.

    Parameters
    ----------
    data_dir : path
        Sessions go to ``<data_dir>/<pseudonym>/<date>-<label>/``.
    demo : bool
        Offer the emulated MyoWare device with a synthetic subject as the default device.
    speed : float
        Emulated devices: samples streamed ``speed`` times faster than real time.
    short : bool
        Use the shortened protocol (demos and tests).
    emulated_subject : str
        Synthetic profile streamed by emulated devices.
    power_line_hz : float, optional
        50 or 60 for the live mains check (None checks both).
    stamp_arrival : bool
        Diagnostics (``benchmarks/bench_ui.py``): the recorder stamps each serial read with the
        wall clock and the page receives, per envelope message, when the bytes of its oldest
        point were read (byte-to-pixel latency). Off by default.
    """

    def __init__(
        self,
        data_dir: str | Path,
        *,
        demo: bool = False,
        speed: float = 1.0,
        short: bool = False,
        emulated_subject: str = "healthy",
        power_line_hz: float | None = None,
        stamp_arrival: bool = False,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.demo = demo
        self.speed = float(speed)
        self.short = short
        self.emulated_subject = emulated_subject
        self.power_line_hz = power_line_hz
        self.stamp_arrival = stamp_arrival
        self.version = 0
        self.changed = threading.Condition()
        self.state: dict[str, Any] = {"screen": "setup", "message": "", "error": ""}
        self.markers: list[dict[str, Any]] = []
        self.feed: LiveFeed | None = None
        self.recorder: Any = None
        self.ui: WebUI | None = None
        self.thread: threading.Thread | None = None
        self._lock = threading.RLock()
        self._last_tick = 0.0
        self._wakers = Wakers()

    def add_listener(self, wake: Callable[[], None]) -> None:
        """Call ``wake()`` (non-blocking, from any thread) whenever the state changes."""
        self._wakers.add(wake)

    def remove_listener(self, wake: Callable[[], None]) -> None:
        """Stop calling ``wake`` (unknown callables are ignored)."""
        self._wakers.remove(wake)

    def _bump(self) -> None:
        # with self._lock held: a new state version, and wake the pushers
        self.version += 1
        self._wakers.fire()

    # ------------------------------------------------------------------ state
    def update(self, **kw: Any) -> None:
        """Merge ``kw`` into the page state and wake the pushers and the waiters."""
        with self._lock:
            self.state.update(kw)
            self._bump()
        with self.changed:
            self.changed.notify_all()

    def tick(self, remaining_s: float) -> None:
        """Set the seconds left in the phase (page updated when it moved by 50 ms or more)."""
        # the runner polls every 10 ms; the page needs ~20 updates per second
        with self._lock:
            if abs(self.state.get("remaining", 0.0) - remaining_s) >= 0.05:
                self.state["remaining"] = round(remaining_s, 2)
                self._bump()

    def feed_phase(self, trial: Any, cue: str) -> None:
        """Remember the running trial and mark the phase on the live feed (if recording).

        Parameters
        ----------
        trial : Trial or None
            The running trial, or None between trials (the remembered trial is kept).
        cue : str
            The phase's cue word(s) (``""`` at a trial's instructions).
        """
        if trial is not None:
            self.state["trial_obj"] = trial
        if self.feed is not None:
            self.feed.set_phase(trial, cue)

    def public_state(self) -> dict[str, Any]:
        """The JSON the page renders (no objects, nothing private)."""
        with self._lock:
            st = {k: v for k, v in self.state.items() if k != "trial_obj"}
            st["version"] = self.version
            st["markers"] = list(self.markers[-12:])
        if self.recorder is not None and getattr(self.recorder, "reader", None) is not None:
            s = self.recorder.stats
            st["acq"] = {
                "samples": int(self.recorder.n_samples),
                "lost": int(s.n_lost + s.disconnect_lost),
                "reconnects": int(s.reconnects),
            }
        if self.feed is not None:
            st["live"] = self.feed.snapshot()
        return st

    # ------------------------------------------------------------------ options
    def options(self) -> dict[str, Any]:
        """What the setup form offers: devices (as ``emgkit devices`` lists ports), protocols..."""
        ports = []
        with contextlib.suppress(Exception):
            ports = [
                {"port": p.port, "kind": p.kind, "detail": p.detail, "description": p.description}
                for p in _deps.list_devices(probe=False)
            ]
        return {
            "devices": list(_deps.DEVICES),
            "default_device": "emulated-arduino" if self.demo else "cyton",
            "ports": ports,
            "montages": _deps.available_montages(),
            "protocols": _deps.available_protocols(),
            "speed": self.speed,
            "short": self.short,
            "resumable": self.resumable(),
        }

    def identify(self, port: str) -> dict[str, str]:
        """Probe one port (like ``emgkit devices``) and say what answered."""
        from emgkit.acquisition.ports import probe_port

        kind, detail = probe_port(port)
        return {"port": port, "kind": kind, "detail": detail}

    def resumable(self) -> list[dict[str, str]]:
        """Session folders with an unfinished ``session.json`` under the data folder."""
        out = []
        if self.data_dir.is_dir():
            for p in sorted(self.data_dir.glob(f"*/*/{_deps.STATE_NAME}")):
                with contextlib.suppress(Exception):
                    st = _deps.load_state(p)
                    if st.get("status") != "complete":
                        out.append({"path": str(p.parent.relative_to(self.data_dir)),
                                    "status": str(st.get("status"))})  # fmt: skip
        return out

    # ------------------------------------------------------------------ commands
    def command(self, msg: dict[str, Any]) -> None:
        """A command from the page (WebSocket JSON); wrong input answers in ``state.error``."""
        cmd = str(msg.get("cmd", ""))
        try:
            if cmd == "start":
                self.start(msg)
            elif cmd in ("go", "skip"):
                self._answer(cmd, None)
            elif cmd == "repeat":
                # at a trial's instructions: redo the previous trial; while a trial (or the
                # rest after it) runs: abandon that attempt and start the trial again
                if self.ui is None:
                    raise ConfigError("no session is running")
                if self.state.get("waiting") == "intro":
                    self._answer("repeat", None)
                elif not self.state.get("waiting"):
                    self.ui.repeat.set()
            elif cmd == "pain":
                v = int(msg.get("value", -1))
                if not 0 <= v <= 10:
                    raise ConfigError("pain is a whole number 0-10")
                self._answer("pain", v)
            elif cmd == "felt":
                muscles = [str(m) for m in msg.get("value", [])]
                allowed = {"glute_max", "hamstrings", "erector_spinae", "other", "none"}
                if not set(muscles) <= allowed:
                    raise ConfigError("felt: choose glute_max, hamstrings, erector_spinae, other")
                self._answer("felt", muscles)
            elif cmd == "pause":
                if self.ui is not None:
                    self.ui.auto = not bool(msg.get("value", True))
                    self.update(auto=self.ui.auto)
            elif cmd == "stop":
                if self.ui is not None:
                    self.ui.abort.set()
                    self._answer("abort", None)
            elif cmd == "mark":
                if self.recorder is not None and self.state.get("screen") == "protocol":
                    s = self.recorder.add_marker("marker", str(msg.get("value", ""))[:80])
                    self._log_marker({"label": "marker", "sample": s})
            elif cmd == "begin":
                self.begin_protocol()
            else:
                raise ConfigError(f"unknown command {cmd!r}")
            if self.state.get("error"):
                self.update(error="")
        except EmgkitError as exc:
            self.update(error=str(exc))

    def _answer(self, kind: str, value: Any) -> None:
        if self.ui is None:
            raise ConfigError("no session is running")
        self.ui.answers.put((kind, value))

    def _log_marker(self, ev: dict[str, Any]) -> None:
        with self._lock:
            self.markers.append({k: ev.get(k) for k in ("label", "value", "trial", "sample")})
            self._bump()

    # ------------------------------------------------------------------ the session
    def start(self, form: dict[str, Any]) -> None:
        """Start (or resume) a session in a thread; returns at once."""
        if self.thread is not None and self.thread.is_alive():
            raise ConfigError("a session is already running; stop it first")
        resume = str(form.get("resume") or "")
        device = str(form.get("device") or ("emulated-arduino" if self.demo else ""))
        if resume:
            folder = (self.data_dir / resume).resolve()
            if self.data_dir.resolve() not in folder.parents:
                raise ConfigError("resume: choose a session from the list")
            state = _deps.load_state(folder)
            pseudonym = str(state.get("subject", ""))
            opts = dict(state.get("device_options", {}))
            device = str(form.get("device") or opts.get("ui_device") or device)
            protocol = None
        else:
            pseudonym = safe_pseudonym(str(form.get("pseudonym", "")))
            label = _label(str(form.get("label", ""))) or "session"
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
            folder = self.data_dir / pseudonym / f"{stamp}-{label}"
            protocol = _deps.load_protocol(str(form.get("protocol") or "bridge"))
            if bool(form.get("short", self.short)):
                protocol = protocol.shortened(max_reps=2, hold_scale=0.2, rest_scale=0.05)
            opts = {}
        if device not in _deps.DEVICES:
            raise ConfigError(f"device: choose one of {', '.join(_deps.DEVICES)}")
        port = str(form.get("port") or opts.get("port") or "") or None
        if port is None and not device.startswith("emulated-"):
            raise ConfigError(f"choose the port of the {device} (listed like `emgkit devices`)")
        montage = str(form.get("montage") or opts.get("montage") or "bridge6")
        fs = form.get("fs") or opts.get("fs")
        fs = float(fs) if fs else None
        n_channels = int(form["n_channels"]) if form.get("n_channels") else None
        speed = float(form.get("speed") or self.speed) if device.startswith("emulated-") else 1.0
        session_label = str(form.get("label", ""))[:80]
        ui = self.ui = WebUI(self)
        self.ui.auto = bool(form.get("auto", False))
        self.markers = []

        def factory(bdf: Path) -> Any:
            emu = None
            if device.startswith("emulated-"):
                emu = {
                    "subject": self.emulated_subject,
                    "speed": speed,
                    "loop": True,
                    "seed": int(form.get("seed", 1)),
                }
            rec = _deps.Recorder(
                device,
                port,
                montage=montage,
                out=bdf,
                fs=fs,
                n_channels=n_channels,
                subject=pseudonym,
                session=session_label,
                power_line_hz=self.power_line_hz,
                emulator=emu,
                stamp_arrival=self.stamp_arrival,
            )
            rec.marker_listeners.append(self._log_marker)
            if self.feed is not None:
                self.feed.stop()
            self.feed = LiveFeed(rec, power_line_hz=self.power_line_hz).start()
            self.recorder = rec
            return rec

        self.update(
            screen="check", folder=str(folder), pseudonym=pseudonym, device=device,
            label=session_label,
            speed=speed, auto=self.ui.auto, report="", result=None, error="",
            message="starting the device...", trial=None, cue="", waiting="",
        )  # fmt: skip
        device_options: dict[str, Any] = {
            "montage": montage,
            "subject": pseudonym,
            "ui_device": device,
        }
        if fs:
            device_options["fs"] = fs
        if port:
            device_options["port"] = port

        def run() -> None:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    result = _deps.run_session(
                        protocol,
                        factory,
                        ui=ui,
                        out=folder,
                        resume_from=folder if resume else None,
                        subject=pseudonym,
                        device_options=device_options,
                    )
                self._finish(result, folder)
            except EmgkitError as exc:
                self.update(screen="end", error=str(exc), message="the session stopped")
            except Exception as exc:  # never a silent thread: say what happened on the page
                traceback.print_exc()
                self.update(screen="end", error=f"internal error: {exc}")
            finally:
                if self.feed is not None:
                    self.feed.stop()

        self.thread = threading.Thread(target=run, name="emgkit-ui-session", daemon=True)
        self.thread.start()

    def begin_protocol(self) -> None:
        """The electrode check is done: show the protocol screen (the runner is waiting)."""
        self.update(screen="protocol")

    def _finish(self, result: Any, folder: Path) -> None:
        summary = {
            "status": result.status,
            "done": result.done,
            "skipped": result.skipped,
            "remaining": result.remaining,
            "merged": result.merged.name if result.merged else None,
            "segments": [p.name for p in result.segments],
        }
        self.update(screen="end", result=summary, cue="", waiting="", message="finalised")
        if result.merged is None:
            self.update(message=f"session {result.status}: resume it from the setup screen")
            return
        self.update(message="analysing the session...")
        try:
            rel = self._report(result.merged, folder)
            self.update(report=rel, message="report ready")
        except Exception as exc:
            self.update(error=f"analysis failed: {exc}", message="the recording is saved")

    def _report(self, bdf: Path, folder: Path) -> str:
        from emgkit.analysis.bridge import analyze_bridge
        from emgkit.io import read
        from emgkit.report.html import write_report

        rec = read(bdf)
        state = _deps.load_state(folder)
        protocol = _deps.parse_protocol(state["protocol"], "session protocol")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = analyze_bridge(rec, protocol)
            paths = write_report(rec, res, folder, basename="report")
        with contextlib.suppress(Exception):
            (folder / "summary.json").write_text(
                json.dumps({"report": paths.html.name}), encoding="utf-8"
            )
        return str(paths.html.relative_to(self.data_dir))

    def stop_all(self) -> None:
        """Server shutdown: stop the runner (it finalises the segment) and wait for it."""
        if self.ui is not None:
            self.ui.abort.set()
        if self.thread is not None:
            self.thread.join(60.0)
