"""Record a session: device -> crash-safe journal -> BDF+, from the CLI or from Python/Jupyter.

While streaming, only the journal is written (raw bytes, fsync'd every second, see
:mod:`emgkit.acquisition.journal`). At stop the journal is read back and turned into a
:class:`~emgkit.recording.Recording` (missing samples as NaN rows plus :class:`Gap` records
exactly where samples were lost): from the rows the reader decoded live when the journal holds
exactly the bytes they came from (every record's CRC-32, their count and one CRC-32 over all
of them; :class:`~emgkit.acquisition.journal.LiveRows`), else by parsing it again. The
recording is written to BDF+ atomically (a temporary file renamed into place), read back to
verify, and only then is the journal removed (``keep_journal=False``).

Examples
--------
>>> from emgkit.acquisition.recorder import Recorder  # doctest: +SKIP
>>> rec = Recorder("emulated-cyton", out="s01.bdf").start()  # doctest: +SKIP
>>> rec.add_marker("hold start"); rec.add_pain(3)  # doctest: +SKIP
>>> path = rec.stop()  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from emgkit.acquisition import journal as _journal
from emgkit.acquisition.transport import DeviceReader, ReaderStats, Subscription, open_port
from emgkit.devices.base import DeviceDriver
from emgkit.devices.registry import EMULATED_PREFIX, get_device, make_driver, parser_for
from emgkit.errors import ConfigError, EmgkitWarning, RecordingError
from emgkit.recording import Recording

__all__ = ["EmulatorFactory", "Recorder", "finalize", "recover"]

log = logging.getLogger(__name__)


MarkerSource = Callable[[], Iterable[tuple[str, str]]]
#: Starts the emulator an ``emulated-*`` recorder reads from; returns an object with ``port``
#: (the path to open) and ``stop()``. :mod:`emgkit.app.emulated` is the one implementation.
EmulatorFactory = Callable[["Recorder"], Any]


def _default_out(device: str) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path(f"emgkit-{device}-{stamp}.bdf")


class Recorder:
    """Record one device into a crash-safe journal, then finalise it to BDF+.

    Parameters
    ----------
    device : str
        A name from :func:`emgkit.devices.registry.device_choices`. ``emulated-*`` records
        through the real serial path from the emulator ``emulator_factory`` starts
        (:func:`emgkit.app.emulated.recorder` passes it).
    port : str, optional
        Serial port path or pyserial URL (ignored for emulated devices unless given).
    montage : str
        Montage name or TOML path; gives the channel names of the first columns.
    out : path, optional
        BDF+ file to write at stop (default ``emgkit-<device>-<time>.bdf``). The journal is
        ``<out>.journal/`` beside it unless ``journal_dir`` is given.
    fs, gains : optional
        Arduino sampling rate / Cyton ADS1299 gains (one value or one per channel).
    subject, session, notes : str
        Session metadata (``subject`` must be a pseudonym).
    power_line_hz : float, optional
        50 or 60; stored in the session info and used by the live view.
    sync_interval : float
        Journal fsync interval in seconds (a crash loses at most this much).
    keep_journal : bool
        Keep the journal after the BDF+ is verified (default: remove it).
    emulator : dict, optional
        Options for the emulator (``subject``, ``faults``, ``realtime`` (default True),
        ``samples_uv``...), handed to ``emulator_factory``.
    emulator_factory : callable, optional
        Starts the emulator of an ``emulated-*`` device when no port is given
        (:data:`EmulatorFactory`).
    n_channels, kinds : optional
        Arduino channel count and MyoWare output kinds to configure.
    read_timeout : float
        Seconds a single port read may block.
    reconnect : bool
        Reopen the port after a disconnect.
    stamp_arrival : bool
        Diagnostics: the reader stamps the rows it publishes to subscribers with the wall-clock
        time their bytes were read (``aux["t_arrival"]``, see
        :class:`~emgkit.acquisition.transport.DeviceReader`); the recording is unchanged.
    """

    #: Bytes of decoded rows the reader keeps so that :meth:`stop` finalises without parsing
    #: the journal again (:class:`~emgkit.acquisition.journal.LiveRows`: used only when the
    #: journal holds exactly the bytes they were decoded from); a longer session (about 46 min
    #: at 6 ch x 2 kHz, 17 min at 16 ch) is re-parsed as always. 0 turns it off.
    live_rows_limit: int = 256 << 20

    def __init__(
        self,
        device: str,
        port: str | None = None,
        *,
        montage: str = "bridge6",
        out: str | os.PathLike[str] | None = None,
        journal_dir: str | os.PathLike[str] | None = None,
        fs: float | None = None,
        gains: list[int] | int | None = None,
        n_channels: int | None = None,
        kinds: list[str] | None = None,
        subject: str = "anonymous",
        session: str = "",
        notes: str = "",
        power_line_hz: float | None = None,
        sync_interval: float = 1.0,
        keep_journal: bool = False,
        emulator: dict[str, Any] | None = None,
        emulator_factory: EmulatorFactory | None = None,
        read_timeout: float = 0.05,
        reconnect: bool = True,
        stamp_arrival: bool = False,
    ) -> None:
        get_device(device)  # a ConfigError naming the choices for an unknown device
        if port is None and not device.startswith(EMULATED_PREFIX):
            raise ConfigError(
                f"give the serial port of the {device} (run `emgkit devices` to list ports)"
            )
        if len(str(subject)) > _journal.MAX_SUBJECT:
            # checked before anything is recorded: the BDF+ patient field holds 80 characters
            raise ConfigError(
                f"the subject pseudonym (--subject) is {len(str(subject))} characters; the BDF+ "
                f"patient field holds {_journal.MAX_SUBJECT}: use a shorter code such as P007"
            )
        self.device = device
        self.port = port
        self.montage = montage
        self.out = Path(out) if out is not None else _default_out(device)
        self.journal_dir = (
            Path(journal_dir)
            if journal_dir is not None
            else self.out.with_name(self.out.name + ".journal")
        )
        self.subject = subject
        #: Log disconnects and reconnects as warnings (the live view turns this off: it shows
        #: them in its status line).
        self.log_status = True
        self.session = session
        self.notes = notes
        self.power_line_hz = power_line_hz
        self.sync_interval = sync_interval
        self.keep_journal = keep_journal
        self.emulator_options = dict(emulator or {})
        self.emulator_factory = emulator_factory
        #: Called with each marker's event dict (label, value, trial, sample, duration) after it
        #: is journalled, e.g. by the LSL outlet; an exception in a listener is logged, never
        #: raised into the recording.
        self.marker_listeners: list[Callable[[dict[str, Any]], None]] = []
        self.read_timeout = read_timeout
        self.reconnect = reconnect
        self.stamp_arrival = stamp_arrival
        self.driver: DeviceDriver = make_driver(
            device, fs=fs, gains=gains, n_channels=n_channels, kinds=kinds
        )
        self.reader: DeviceReader | None = None
        self.journal: _journal.JournalWriter | None = None
        self.emulator: Any = None
        self.status_log: list[tuple[float, str, dict[str, Any]]] = []
        self.stop_requested = threading.Event()
        self.journal_error: RecordingError | None = None
        #: The session as its BDF+ read back when :meth:`stop` verified it (None before, or
        #: when no BDF+ was written): what reading the file gives, without reading it again.
        self.recording: Recording | None = None
        self._t_start = 0.0
        self._stopped = False
        self._early_subs: list[Subscription] = []

    # ------------------------------------------------------------------ properties
    @property
    def fs(self) -> float:
        """Sampling rate of the decoded rows."""
        if self.reader is None:
            raise RecordingError("the recorder has not started")
        return self.reader.fs

    @property
    def stats(self) -> ReaderStats:
        """Live counters (bytes, rows, lost samples, reconnects)."""
        if self.reader is None:
            return ReaderStats()
        return self.reader.stats

    @property
    def n_samples(self) -> int:
        """Samples on the session clock so far (received + lost)."""
        return self.reader.clock.next_index if self.reader is not None else 0

    @property
    def elapsed(self) -> float:
        """Wall-clock seconds since start."""
        return time.monotonic() - self._t_start if self._t_start else 0.0

    @property
    def channel_names(self) -> list[str]:
        """Names of the recorded columns (montage names first)."""
        if self.journal is None or self.reader is None:
            return []
        from emgkit.acquisition.journal import _channels_from_header

        # the very names the finalised (or recovered) session will carry
        chans = _channels_from_header(self.journal.header, self.reader.parser.n_channels)
        return [c.name for c in chans][: self.reader.parser.n_channels]

    # ------------------------------------------------------------------ lifecycle
    def _header(self, port_name: str) -> dict[str, Any]:
        from emgkit._version import __version__
        from emgkit.montage import load_montage

        # an emulated recording says so in its file (device "emulated-arduino", not "arduino")
        label = self.driver.name
        if self.device.startswith(EMULATED_PREFIX) and not label.startswith(EMULATED_PREFIX):
            label = f"{EMULATED_PREFIX}{label}"
        mont = load_montage(self.montage).with_device(label)
        chans = [{**asdict(c), "kind": str(c.kind)} for c in mont.channels]
        return {
            "device": label,
            "port": port_name,
            "parser": self.driver.parser_spec,
            "fs": None,
            "firmware": self.driver.firmware,
            "device_extra": self.driver.extra,
            "montage": mont.name,
            "channels": chans,
            "session": {
                "subject": self.subject,
                "session": self.session,
                "notes": self.notes,
                "power_line_hz": self.power_line_hz,
                "hardware_bandwidth_hz": self.driver.hardware_bandwidth_hz,
            },
            "start_wall_time": datetime.now(UTC).isoformat(),
            "emgkit_version": __version__,
        }

    def _on_status(self, what: str, info: dict[str, Any]) -> None:
        self.status_log.append((time.monotonic(), what, info))
        if self.log_status and what == "disconnected":
            # reported with or without the live view (which shows it in its own status line)
            log.warning(
                "the %s on %s vanished (%s): recording goes on when it comes back; the "
                "samples in between become a 'disconnect' gap",
                self.device,
                self.port or "its emulated port",
                info.get("error", ""),
            )
        elif self.log_status and what == "reconnected":
            log.warning("the %s is back (after %s attempts)", self.device, info.get("attempts"))
        if what == "journal_failed" and self.reader is not None:
            self.journal_error = self.reader.journal_error
            self.stop_requested.set()
            log.error("%s", info.get("error"))

    def start(self) -> Recorder:
        """Open the port, handshake, create the journal and start streaming."""
        port_name = self.port
        if self.device.startswith(EMULATED_PREFIX) and port_name is None:
            if self.emulator_factory is None:
                raise ConfigError(
                    f"{self.device} has no port and no emulator: create the recorder with "
                    "emgkit.app.emulated.recorder(...) (or give port=)"
                )
            self.emulator = self.emulator_factory(self)
            port_name = str(self.emulator.port)
        assert port_name is not None
        ser = open_port(port_name, baudrate=self.driver.baudrate, timeout=self.read_timeout)
        try:
            self.driver.prepare(ser)
            parser = parser_for(self.driver)
            header = self._header(port_name)
            header["fs"] = float(parser.fs)
            header["n_channels"] = int(parser.n_channels)
            self.journal = _journal.JournalWriter(
                self.journal_dir, header, sync_interval=self.sync_interval
            )
        except BaseException:
            ser.close()
            self._stop_emulator()
            raise
        first = [True]

        def on_open(p: Any) -> bytes:
            if first[0]:
                first[0] = False
                return self.driver.start(p)
            return self.driver.restart(p)

        self.reader = DeviceReader(
            port_name,
            parser,
            journal=self.journal,
            baudrate=self.driver.baudrate,
            read_timeout=self.read_timeout,
            on_open=on_open,
            on_close=self.driver.stop,
            on_status=self._on_status,
            reconnect=self.reconnect,
            port=ser,
            stamp_arrival=self.stamp_arrival,
            keep_rows=self.live_rows_limit,
        )
        for sub in self._early_subs:
            self.reader.attach(sub)
        self._t_start = time.monotonic()
        try:
            self.reader.start()
        except BaseException:
            self.journal.close()
            self._stop_emulator()
            raise
        return self

    def subscribe(self, maxsize: int = 256, name: str = "") -> Subscription:
        """A bounded queue of ParseResults (rows on the session clock) for a live consumer.

        Subscribing before :meth:`start` receives every row from the first one.

        Parameters
        ----------
        maxsize, name
            As :meth:`emgkit.acquisition.transport.DeviceReader.subscribe`.
        """
        if self.reader is None:
            sub = Subscription(maxsize, name)
            self._early_subs.append(sub)
            return sub
        return self.reader.subscribe(maxsize, name)

    def add_marker(
        self,
        label: str = "marker",
        value: str = "",
        trial: str = "",
        *,
        sample: int | None = None,
        duration: float = 0.0,
    ) -> int:
        """Journal a marker; returns its sample index.

        Parameters
        ----------
        label, value, trial : str
            As in :class:`emgkit.recording.Event`.
        sample : int, optional
            Sample index of the marker's start (default: the current sample). A guided session
            places its cues at planned samples this way.
        duration : float
            Duration in seconds (0 for an instantaneous marker).

        A journal write error (e.g. a full disk) is recorded in :attr:`journal_error` and stops
        the recording safely; it is not raised here.
        """
        if self.journal is None or self.reader is None:
            raise RecordingError("start() the recorder before adding markers")
        if duration < 0:
            raise ConfigError(f"marker duration must be >= 0 s, got {duration}")
        if sample is None:
            sample = self.reader.clock.next_index
        event = {
            "type": "marker",
            "label": label,
            "value": str(value),
            "trial": trial,
            "sample": int(sample),
            "duration": float(duration),
            "elapsed_s": self.elapsed,
        }
        if self.journal_error is None:
            try:
                self.journal.add_event(event)
            except RecordingError as exc:
                self.journal_error = exc
        for listener in list(self.marker_listeners):
            try:
                listener(dict(event))
            except Exception as exc:  # a listener must never break the recording
                log.warning("marker listener %r failed: %s", listener, exc)
        return int(sample)

    def add_pain(self, rating: int | float) -> int:
        """Journal a pain rating (0-10 NRS) as a ``pain`` marker."""
        if not 0 <= float(rating) <= 10:
            raise ConfigError(f"pain rating must be 0-10 (NRS), got {rating}")
        return self.add_marker("pain", f"{rating:g}")

    def wait(
        self,
        duration: float | None = None,
        *,
        marker_source: MarkerSource | None = None,
        poll: float = 0.1,
        on_tick: Callable[[], None] | None = None,
    ) -> None:
        """Block until ``duration`` s of samples are on the clock, stop() or a journal failure.

        ``duration`` counts samples (``duration * fs``), so it is exact with an emulator that
        runs faster than real time; a wall-clock limit of ``2 * duration + 10`` s guards against
        a silent device. Ctrl-C ends the wait (KeyboardInterrupt propagates).

        Parameters
        ----------
        duration : float, optional
            Seconds of samples to wait for (default: until :meth:`stop`).
        marker_source : MarkerSource, optional
            Polled for markers (key presses) while waiting; each is journalled.
        poll : float
            Seconds between checks.
        on_tick : callable, optional
            Called once per check (a live view's redraw).
        """
        if self.reader is None:
            raise RecordingError("start() the recorder first")
        target = None if duration is None else round(duration * self.reader.fs)
        wall_limit = None if duration is None else 2 * duration + 10.0
        t0 = time.monotonic()
        while not self.stop_requested.is_set():
            if target is not None and self.reader.clock.next_index >= target:
                break
            if wall_limit is not None and time.monotonic() - t0 > wall_limit:
                warnings.warn(
                    f"only {self.reader.clock.next_index} of {target} samples arrived within "
                    f"{wall_limit:.0f} s; stopping",
                    EmgkitWarning,
                    stacklevel=2,
                )
                break
            if not self.reader.running:
                break
            if marker_source is not None:
                for label, value in marker_source() or ():
                    if label == "pain":
                        self.add_pain(float(value))
                    else:
                        self.add_marker(label, value)
            if on_tick is not None:
                on_tick()
            self.stop_requested.wait(poll)

    def request_stop(self) -> None:
        """Ask :meth:`wait` / :func:`record` to end (safe from any thread)."""
        self.stop_requested.set()

    def _stop_emulator(self) -> None:
        if self.emulator is not None:
            self.emulator.stop()
            self.emulator = None

    def stop(self, *, finalize_bdf: bool = True) -> Path:
        """Stop streaming, close the journal and finalise it to BDF+.

        Returns
        -------
        Path
            The verified BDF+ file (or the journal directory when ``finalize_bdf`` is False).

        Raises
        ------
        RecordingError
            The journal failed during the session (e.g. the disk filled up): the message says
            so and where the journal is; a BDF+ of what was saved is still attempted.
        """
        if self._stopped:
            return self.out if finalize_bdf else self.journal_dir
        self._stopped = True
        self.stop_requested.set()
        if self.reader is not None:
            self.reader.stop()
            if self.reader.journal_error is not None:
                self.journal_error = self.reader.journal_error
        if self.journal is not None and self.journal_error is None:
            try:
                self.journal.close()
            except RecordingError as exc:
                self.journal_error = exc
        self._stop_emulator()
        if not finalize_bdf:
            if self.journal_error is not None:
                raise self.journal_error
            return self.journal_dir
        if self.journal_error is not None:
            try:
                path = finalize(self.journal_dir, self.out, keep_journal=True)
            except Exception as exc:
                raise RecordingError(
                    f"{self.journal_error}; writing the BDF+ also failed ({exc})"
                ) from exc
            raise RecordingError(f"{self.journal_error}; what was saved is also in {path}")
        live = self.reader.live_rows() if self.reader is not None else None
        path, self.recording = _finalize(
            self.journal_dir, self.out, keep_journal=self.keep_journal, live=live
        )
        return path

    def __enter__(self) -> Recorder:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def finalize(
    journal_dir: str | os.PathLike[str],
    out: str | os.PathLike[str] | None = None,
    *,
    keep_journal: bool = False,
    live: _journal.LiveRows | None = None,
) -> Path:
    """Journal -> Recording -> BDF+ (atomic), verified by reading it back; then drop the journal.

    Parameters
    ----------
    journal_dir : path
    out : path, optional
        Default: the journal path without its ``.journal`` suffix (or ``<journal>.bdf``).
    keep_journal : bool
        Keep the journal even after the BDF+ is verified.
    live : LiveRows, optional
        The rows the live reader decoded (:meth:`Recorder.stop` passes them): the recording
        is built from them instead of parsing the journal again when the journal holds
        exactly the bytes they came from (:func:`emgkit.acquisition.journal.recover`).
    """
    return _finalize(journal_dir, out, keep_journal=keep_journal, live=live)[0]


def _finalize(
    journal_dir: str | os.PathLike[str],
    out: str | os.PathLike[str] | None,
    *,
    keep_journal: bool,
    live: _journal.LiveRows | None,
) -> tuple[Path, Recording | None]:
    """:func:`finalize`, also returning the BDF+ as it read back (None if none was written)."""
    jdir = Path(journal_dir)
    rec = _journal.recover(jdir, live=live)
    if out is None:
        out = jdir.with_suffix("") if jdir.suffix == ".journal" else jdir.with_suffix(".bdf")
    out = Path(out)
    if rec.n_samples == 0:
        raise RecordingError(
            f"no samples were received; nothing to write. The journal is kept at {jdir} "
            "(check the device is streaming: `emgkit devices`)"
        )
    try:
        from emgkit.io.edf import read_edf, write_bdf
    except ImportError:
        warnings.warn(
            f"the BDF+ writer (emgkit.io.edf) is not available; the session stays in the "
            f"journal {jdir} (recover it later with `emgkit recover {jdir}`)",
            EmgkitWarning,
            stacklevel=3,
        )
        return jdir, None
    try:
        write_bdf(rec, out)  # atomic: temporary file + fsync + rename
    except (RecordingError, OSError) as exc:
        raise RecordingError(
            f"writing {out} failed ({exc}); the session is safe in the journal {jdir}: free "
            f"space or choose another folder, then run `emgkit recover {jdir}`"
        ) from exc
    try:
        back = read_edf(out)
        ok = back.n_samples >= rec.n_samples and back.n_channels == rec.n_channels
    except Exception as exc:  # verification failed: keep the journal
        raise RecordingError(
            f"{out} was written but cannot be read back ({exc}); the journal {jdir} is kept"
        ) from exc
    if not ok:
        raise RecordingError(
            f"{out} reads back {back.n_channels} ch x {back.n_samples} samples, expected "
            f"{rec.n_channels} x {rec.n_samples}; the journal {jdir} is kept"
        )
    if not keep_journal:
        shutil.rmtree(jdir, ignore_errors=True)
    return out, back


def recover(
    journal_dir: str | os.PathLike[str],
    out: str | os.PathLike[str] | None = None,
    *,
    keep_journal: bool = True,
) -> Path:
    """CLI-facing recovery: a journal left by a crash -> BDF+ (the journal is kept by default).

    Parameters
    ----------
    journal_dir : path
        The journal folder (e.g. ``s01.bdf.journal``).
    out : path, optional
        Output BDF+ (default: next to the journal).
    keep_journal : bool
        Keep the journal after the BDF+ is verified.
    """
    return finalize(journal_dir, out, keep_journal=keep_journal)
