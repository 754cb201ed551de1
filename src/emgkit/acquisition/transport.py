"""Serial transport: one reader thread per device, journal first, parser second, queues last.

The design follows pyserial's ``serial.threaded.ReaderThread``: a thread reads whatever the
port has (``read(in_waiting or 1)`` with a short timeout, so it never blocks for long and
always notices a stop request) and, when a backlog is already waiting (the reader fell
behind), reads it too into the same chunk; then

1. appends the raw bytes to the :class:`~emgkit.acquisition.journal.JournalWriter` (the
   journal never loses a byte the port delivered),
2. feeds them to the pure :class:`~emgkit.devices.base.StreamParser`,
3. moves the rows onto the session clock (:class:`~emgkit.acquisition.journal.SampleClock`)
   and pushes the :class:`~emgkit.devices.base.ParseResult` into every
   :class:`Subscription`. Subscriptions are bounded: a slow consumer loses its *oldest* items,
   the loss is counted, and the port read is never blocked.

An unplugged device (``SerialException``, an ``OSError`` from ``read``, or EOF on a
pseudo-terminal, which pyserial reports as "device reports readiness to read but returned no
data") is reported through the status callback, the port is closed and reopened with
exponential back-off; after the reopen the parser is ``reset()`` and the hole is recorded as a
gap of ``round(elapsed_wall_time * fs) - rows_in_first_chunk`` samples (at least 1), where
``elapsed_wall_time`` runs from the arrival of the last chunk before the disconnect to the
first chunk after it.
"""

from __future__ import annotations

import collections
import contextlib
import errno
import logging
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import serial

from emgkit.acquisition.journal import JournalWriter, LiveRows, SampleClock, flush_parser
from emgkit.devices.base import ParseResult, StreamParser
from emgkit.errors import DeviceError, RecordingError

__all__ = [
    "DeviceReader",
    "ReaderStats",
    "Subscription",
    "open_port",
]

log = logging.getLogger(__name__)

PortHook = Callable[[serial.Serial], None]
OpenHook = Callable[[serial.Serial], bytes | None]


def open_port(
    url: str,
    *,
    baudrate: int = 115200,
    timeout: float = 0.05,
    write_timeout: float = 1.0,
    exclusive: bool = True,
) -> serial.Serial:
    """Open a serial port (a device path, a pty path or a pyserial URL such as ``loop://``).

    Parameters
    ----------
    url : str
        Device path, pty path or pyserial URL.
    baudrate : int
        Bits per second (ignored by USB CDC devices and URLs).
    timeout : float
        Read timeout, seconds.
    write_timeout : float
        Write timeout, seconds.
    exclusive : bool
        Lock the port against other processes (device paths only).

    Raises
    ------
    DeviceError
        With a message that says what to do: missing port, permission denied, port busy.
    """
    kwargs: dict[str, Any] = {
        "baudrate": baudrate,
        "timeout": timeout,
        "write_timeout": write_timeout,
    }
    if "://" not in url and exclusive:
        kwargs["exclusive"] = True
    try:
        port: serial.Serial = serial.serial_for_url(url, **kwargs)
        return port
    except serial.SerialException as exc:
        raise _device_error(url, exc) from exc
    except OSError as exc:
        raise _device_error(url, exc) from exc
    except ValueError as exc:
        raise DeviceError(f"cannot open {url!r}: {exc}") from exc


def _device_error(url: str, exc: BaseException) -> DeviceError:
    code = getattr(exc, "errno", None)
    text = str(exc)
    if code is None and isinstance(exc.__context__, OSError):
        code = exc.__context__.errno
    if (
        code == errno.ENOENT
        or "No such file" in text
        or ("could not open port" in text and ("[Errno 2]" in text))
    ):
        return DeviceError(
            f"no such serial port {url!r}; run `emgkit devices` to list ports "
            "(is the dongle / board plugged in?)"
        )
    if code in (errno.EACCES, errno.EPERM) or "Permission denied" in text:
        return DeviceError(
            f"permission denied opening {url!r}: add yourself to the serial group "
            "(`sudo usermod -aG dialout $USER` on Debian/Ubuntu, `uucp` on Arch) and log in again"
        )
    if code == errno.EBUSY or "busy" in text.lower() or "exclusively lock" in text:
        return DeviceError(
            f"serial port {url!r} is busy: another program (OpenBCI GUI, Arduino serial "
            "monitor, another emgkit) has it open; close it and retry"
        )
    return DeviceError(f"cannot open serial port {url!r}: {text}")


class Subscription:
    """A bounded queue of :class:`ParseResult` for one consumer; drops its oldest items when full.

    Parameters
    ----------
    maxsize : int
        Items kept; when full, :meth:`put` discards the oldest and counts it in :attr:`dropped`.
    """

    def __init__(self, maxsize: int = 256, name: str = "") -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be >= 1")
        self.name = name
        self.maxsize = maxsize
        self.dropped = 0
        self.dropped_rows = 0
        self._q: collections.deque[ParseResult] = collections.deque()
        self._cv = threading.Condition()
        self.closed = False

    def put(self, item: ParseResult) -> None:
        """Add an item without ever blocking (drop-oldest when full)."""
        with self._cv:
            if len(self._q) >= self.maxsize:
                old = self._q.popleft()
                self.dropped += 1
                self.dropped_rows += int(old.samples.shape[0])
            self._q.append(item)
            self._cv.notify()

    def get(self, timeout: float | None = None) -> ParseResult | None:
        """The oldest item, waiting up to ``timeout`` s; None on timeout or closed and empty."""
        with self._cv:
            if not self._q and not self.closed:
                self._cv.wait(timeout)
            return self._q.popleft() if self._q else None

    def drain(self) -> list[ParseResult]:
        """Everything queued now, oldest first."""
        with self._cv:
            items = list(self._q)
            self._q.clear()
            return items

    def close(self) -> None:
        """Wake waiting consumers; no more items will come."""
        with self._cv:
            self.closed = True
            self._cv.notify_all()

    def __len__(self) -> int:
        return len(self._q)


@dataclass(slots=True)
class ReaderStats:
    """Counters kept by a :class:`DeviceReader` (read them from any thread)."""

    bytes_in: int = 0
    chunks: int = 0
    rows: int = 0
    n_lost: int = 0
    n_bad_bytes: int = 0
    disconnects: int = 0
    reconnects: int = 0
    disconnect_lost: int = 0
    last_data_monotonic: float = 0.0
    next_index: int = 0
    parser_errors: int = 0
    disconnect_gaps: list[tuple[int, int]] = field(default_factory=list)

    @property
    def loss_fraction(self) -> float:
        """Lost samples / (received + lost)."""
        total = self.rows + self.n_lost + self.disconnect_lost
        return (self.n_lost + self.disconnect_lost) / total if total else 0.0


class DeviceReader:
    """Read one device on a background thread; journal, parse and fan out its stream.

    Parameters
    ----------
    url : str
        Port path or pyserial URL.
    parser : StreamParser
    journal : JournalWriter, optional
    baudrate : int
    read_timeout : float
        Seconds a single ``read`` may block (also the stop latency).
    on_open : callable(port) -> bytes or None, optional
        Called after every (re)open, e.g. handshake and start streaming. It returns the
        stream bytes it read itself while starting (journaled and parsed first). Exceptions
        count as a failed open (and are retried during a reconnect).
    on_close : callable(port), optional
        Called before a deliberate close (stop streaming).
    on_status : callable(str, dict), optional
        Called from the reader thread with ``"disconnected"``, ``"reconnected"``,
        ``"journal_failed"``, ``"stopped"`` and details.
    reconnect : bool
        Reopen after a disconnect (else the reader stops and :attr:`error` is set).
    backoff_initial, backoff_max : float
        Exponential back-off between reopen attempts, in seconds.
    port : serial object, optional
        An already open port to use for the first session (tests, ``loop://``).
    max_read : int
        Most bytes taken by one ``read``, and by one chunk: a backlog of at least
        :attr:`drain_min` bytes the port already holds after a read joins that read's chunk
        (journalled and parsed as one), up to this many.
    stamp_arrival : bool
        Diagnostics (latency benchmarks): give every published result with rows an
        ``aux["t_arrival"]`` array, one wall-clock time (``time.time()``, seconds since the
        epoch) per row: when the ``read()`` that delivered the bytes completing the row
        returned. A parser that holds rows back for look-ahead (Cyton) releases them with a
        later read, whose time they get. Off by default: the normal path takes no stamp; the
        journal and the recording are the same either way.
    """

    #: Bytes that must already be waiting after a read for the reader to take them into the
    #: same chunk (:meth:`_drain`).
    drain_min = 512

    def __init__(
        self,
        url: str,
        parser: StreamParser,
        *,
        journal: JournalWriter | None = None,
        baudrate: int = 115200,
        read_timeout: float = 0.05,
        on_open: OpenHook | None = None,
        on_close: PortHook | None = None,
        on_status: Callable[[str, dict[str, Any]], None] | None = None,
        reconnect: bool = True,
        backoff_initial: float = 0.05,
        backoff_max: float = 2.0,
        port: serial.Serial | None = None,
        max_read: int = 1 << 16,
        stamp_arrival: bool = False,
        keep_rows: int = 0,
    ) -> None:
        self.url = url
        self.parser = parser
        self.journal = journal
        self.baudrate = baudrate
        self.read_timeout = read_timeout
        self.on_open = on_open
        self.on_close = on_close
        self.on_status = on_status
        self.reconnect = reconnect
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.max_read = max_read
        self.stamp_arrival = stamp_arrival
        self.stats = ReaderStats()
        self.clock = SampleClock()
        self.error: BaseException | None = None
        self.journal_error: RecordingError | None = None
        self._port = port
        self._subs: list[Subscription] = []
        self._subs_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pending_reset = False
        self._reset_record = 0
        self.fs = float(parser.fs)
        self.started = threading.Event()
        self._leftover = b""
        self.keep_rows = int(keep_rows)
        self._live: LiveRows | None = LiveRows() if self.keep_rows > 0 else None

    def live_rows(self) -> LiveRows | None:
        """The rows kept for the finalisation (``keep_rows``), once the reader has stopped.

        None while it runs, when it kept none, or when it gave them up (more than
        ``keep_rows`` bytes, a reconnect, a parser error, a journal failure).
        """
        if self.running:
            return None
        return self._live

    # ------------------------------------------------------------------ consumers
    def subscribe(self, maxsize: int = 256, name: str = "") -> Subscription:
        """A new bounded queue that receives every ParseResult from now on.

        Parameters
        ----------
        maxsize : int
            Results held before the oldest are dropped (a slow consumer never blocks acquisition).
        name : str
            A label for the consumer.
        """
        sub = Subscription(maxsize, name)
        with self._subs_lock:
            self._subs.append(sub)
        return sub

    def attach(self, sub: Subscription) -> None:
        """Feed an existing subscription (e.g. one created before the reader started)."""
        with self._subs_lock:
            self._subs.append(sub)

    def unsubscribe(self, sub: Subscription) -> None:
        """Stop feeding ``sub``."""
        with self._subs_lock:
            if sub in self._subs:
                self._subs.remove(sub)
        sub.close()

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> DeviceReader:
        """Open the port (raising DeviceError now if it cannot be opened) and start the thread."""
        if self._port is None:
            self._port = open_port(self.url, baudrate=self.baudrate, timeout=self.read_timeout)
        else:
            self._port.timeout = self.read_timeout
        if self.on_open is not None:
            try:
                self._leftover = self.on_open(self._port) or b""
            except BaseException:
                self._close_port()
                raise
        self._thread = threading.Thread(
            target=self._run, name=f"emgkit-reader:{self.url}", daemon=True
        )
        self._thread.start()
        self.started.set()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the thread to stop, wait for it, send ``on_close``, close the port and queues."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():  # pragma: no cover - read timeout guarantees exit
                log.warning("reader thread for %s did not stop within %.1f s", self.url, timeout)
        with self._subs_lock:
            subs = list(self._subs)
        for s in subs:
            s.close()

    @property
    def running(self) -> bool:
        """True while the reader thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def join(self, timeout: float | None = None) -> None:
        """Wait for the reader thread to end."""
        if self._thread is not None:
            self._thread.join(timeout)

    # ------------------------------------------------------------------ thread body
    def _status(self, what: str, **info: Any) -> None:
        log.info("%s: %s %s", self.url, what, info)
        if self.on_status is not None:
            try:
                self.on_status(what, info)
            except Exception:  # pragma: no cover - a callback must not kill the reader
                log.exception("status callback failed")

    def _close_port(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            with contextlib.suppress(Exception):
                port.close()

    def _run(self) -> None:
        try:
            if self._leftover:
                data, self._leftover = self._leftover, b""
                self._handle(data)
            while not self._stop.is_set():
                port = self._port
                if port is None:
                    if not self._reopen():
                        break
                    continue
                try:
                    waiting = port.in_waiting
                    data = port.read(min(max(waiting, 1), self.max_read))
                except (serial.SerialException, OSError) as exc:
                    self._disconnected(exc)
                    if not self.reconnect:
                        self.error = exc
                        break
                    continue
                failed: BaseException | None = None
                if data:
                    data, failed = self._drain(port, data)
                if data:
                    self._handle(data, time.time() if self.stamp_arrival else 0.0)
                if failed is not None:  # after the bytes read before it are journalled
                    self._disconnected(failed)
                    if not self.reconnect:
                        self.error = failed
                        break
                    continue
                self._sync_journal()
        except BaseException as exc:  # pragma: no cover - unexpected: report, never hang
            self.error = exc
            log.exception("reader thread for %s crashed", self.url)
        finally:
            tail = flush_parser(self.parser)
            if tail is not None:
                self._publish(tail)
            port = self._port
            if port is not None and self.on_close is not None:
                with contextlib.suppress(Exception):
                    self.on_close(port)
            self._close_port()
            if self.journal is not None and self.journal_error is None:
                try:
                    self.journal.close()
                except RecordingError as exc:
                    self.journal_error = exc
            self.stats.next_index = self.clock.next_index
            self._status("stopped")

    def _drain(self, port: serial.Serial, data: bytes) -> tuple[bytes, BaseException | None]:
        """``data`` and whatever more the port already holds (up to ``max_read`` bytes in all).

        A reader that fell behind (a device or an emulator faster than the parsing) thus takes
        one larger chunk: one journal record and one parse for what several reads return (a
        pseudo-terminal returns at most 4095 bytes per read). Only a backlog of at least
        :attr:`drain_min` bytes is drained: a live stream at real time (a few bytes arrive
        between two looks) and ports whose ``in_waiting`` only says "readable" (pyserial's
        ``socket://`` reports 0 or 1) keep one chunk per read, so latency is unchanged. A port
        error while draining is returned, not raised, so the bytes read before it are
        journalled first.
        """
        parts = [data]
        size = len(data)
        failed: BaseException | None = None
        try:
            more = port.in_waiting
            while more >= self.drain_min and size < self.max_read:
                got = port.read(min(more, self.max_read - size))
                if not got:
                    break
                parts.append(got)
                size += len(got)
                more = port.in_waiting
        except (serial.SerialException, OSError) as exc:
            failed = exc
        return (b"".join(parts) if len(parts) > 1 else data), failed

    def _sync_journal(self) -> None:
        if self.journal is None or self.journal_error is not None:
            return
        try:
            self.journal.maybe_sync()
        except RecordingError as exc:
            self._journal_failed(exc)

    def _journal_failed(self, exc: RecordingError) -> None:
        self.journal_error = exc
        self._status("journal_failed", error=str(exc))

    def _handle(self, data: bytes, t_read: float = 0.0) -> None:
        # t_read: time.time() when the read() that returned ``data`` returned (stamp_arrival
        # mode; 0.0 means "now", e.g. bytes the handshake read)
        t = time.monotonic()
        t_ns = time.monotonic_ns()
        st = self.stats
        st.bytes_in += len(data)
        st.chunks += 1
        journal = self.journal if self.journal_error is None else None
        if journal is not None:
            try:
                if self._pending_reset:
                    # the record about to be written is the first after the reconnect
                    self._reset_record = journal.n_records
                    journal.add_event(
                        {"type": "reset", "record": self._reset_record, "reason": "disconnect"}
                    )
                journal.write(data, t_ns)
            except RecordingError as exc:
                self._journal_failed(exc)
        live = self._live
        if live is not None:
            if journal is None or self.journal_error is not None or self._pending_reset:
                self._live = live = None  # the journal and the rows part ways
            else:
                live.n_bytes += len(data)
                live.crc32 = zlib.crc32(data, live.crc32)
        if self._pending_reset:
            self._pending_reset = False
            tail = flush_parser(self.parser)
            if tail is not None:
                self._publish(tail)
            self.parser.reset()
            self.clock.reset()
        try:
            res = self.parser.feed(data)
        except Exception as exc:  # a parser must not raise; if it does, resync
            st.parser_errors += 1
            log.warning("%s: parser error %s; resetting the parser", self.url, exc)
            self.parser.reset()
            self._live = None
            return
        n = int(res.samples.shape[0])
        if self.stamp_arrival and n:
            stamp = np.full(n, t_read if t_read else time.time())
            res.aux = {**res.aux, "t_arrival": stamp}
        if self.clock.awaiting_base and n:
            elapsed = t - st.last_data_monotonic if st.last_data_monotonic else 0.0
            n_gap = max(round(elapsed * self.fs) - n, 1)
            start = self.clock.set_gap(n_gap)
            st.disconnect_lost += n_gap
            st.disconnect_gaps.append((start, n_gap))
            if self.journal is not None and self.journal_error is None:
                try:
                    self.journal.add_event(
                        {
                            "type": "gap",
                            "reason": "disconnect",
                            "record": self._reset_record,
                            "start": start,
                            "n": n_gap,
                            "elapsed_s": elapsed,
                        }
                    )
                except RecordingError as exc:
                    self._journal_failed(exc)
            self._status("gap", start=start, n=n_gap, reason="disconnect")
        if self._publish(res):
            st.last_data_monotonic = t

    def _publish(self, res: ParseResult) -> int:
        """Map ``res`` onto the session clock, count it and fan it out; returns its rows."""
        st = self.stats
        n = int(res.samples.shape[0])
        res = self.clock.map(res)
        st.rows += n
        st.n_lost += int(res.n_lost)
        st.n_bad_bytes += int(res.n_bad_bytes)
        st.next_index = self.clock.next_index
        live = self._live
        if live is not None:
            live.n_bad_bytes += int(res.n_bad_bytes)
            live.next_index = self.clock.next_index
            if n:
                live.n_values += int(res.samples.size)
                if live.n_values * 8 > self.keep_rows:
                    self._live = None  # too long a session to keep: finalising re-parses
                else:  # a copy: consumers get the result itself
                    live.samples.append(np.array(res.samples, dtype=np.float64))
                    live.indices.append(np.array(res.sample_index, dtype=np.int64))
        if n or res.gaps:
            with self._subs_lock:
                subs = list(self._subs)
            for s in subs:
                s.put(res)
        return n

    def _disconnected(self, exc: BaseException) -> None:
        self.stats.disconnects += 1
        self._live = None  # finalising re-parses the journal, with its reset and gap
        self._status("disconnected", error=str(exc))
        self._close_port()

    def _reopen(self) -> bool:
        delay = self.backoff_initial
        attempt = 0
        while not self._stop.is_set():
            attempt += 1
            try:
                port = open_port(self.url, baudrate=self.baudrate, timeout=self.read_timeout)
            except DeviceError as exc:
                log.debug("%s: reopen attempt %d failed: %s", self.url, attempt, exc)
            else:
                try:
                    left = self.on_open(port) if self.on_open is not None else None
                except Exception as exc:
                    log.debug("%s: handshake after reopen failed: %s", self.url, exc)
                    with contextlib.suppress(Exception):
                        port.close()
                else:
                    self._port = port
                    self._pending_reset = True
                    self.stats.reconnects += 1
                    self._status("reconnected", attempts=attempt)
                    if left:
                        self._handle(left)
                    return True
            self._sync_journal()
            if self._stop.wait(delay):
                break
            delay = min(delay * 2.0, self.backoff_max)
        return False


def pty_disconnect_note() -> str:
    """How pyserial sees a pseudo-terminal disconnect (for docs and error messages)."""
    return (
        "when the emulator closes the pty master, select() reports the slave readable and read() "
        "returns no data, so pyserial raises SerialException('device reports readiness to read "
        "but returned no data ...'); writes fail with EIO"
    )
