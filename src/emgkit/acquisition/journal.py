"""The crash-safe recording journal: raw bytes on disk first, everything else derived from them.

A journal is a directory written append-only while a session streams:

``header.json``
    Written once, atomically, before the first byte: device, port, parser class and its
    keyword arguments (gains, daisy, fs, kinds...), sampling rate, channel table, montage,
    session info, start wall time, emgkit version.
``stream.bin``
    The bytes exactly as the port delivered them, one record per chunk the reader took (a
    read, with the bytes already waiting after it)::

        uint64 monotonic_ns | uint32 length | length bytes | uint32 crc32
        (little-endian; the CRC-32 covers the 12 header bytes and the payload)

    A torn last record (the process died or the disk filled in the middle of a write) is
    recognised by a short read or a CRC mismatch and ignored. Damage *inside* the file (a
    flipped bit, overwritten bytes) costs only the records it hits: reading resynchronises at
    the next record whose header, time stamp and CRC check, and :func:`recover` counts what
    it skipped, warns, and says so in the recovered session's notes.
``events.jsonl``
    One JSON object per line: markers and pain ratings (``{"type": "marker", "label": ...,
    "value": ..., "sample": i}``), parser resets after a reconnect (``{"type": "reset",
    "record": r}``: the parser is reset before stream record ``r``) and the disconnect gap that
    followed (``{"type": "gap", "reason": "disconnect", "record": r, "start": i, "n": k}``).

Both files are flushed and ``fsync``'d at least every ``sync_interval`` seconds (1 s by
default), so a crash, a SIGKILL or a power cut loses at most the last interval.
:func:`recover` re-parses ``stream.bin`` with the very parser class the live session used, so
the recovered session equals the live one sample for sample; at the end of a session the
recorder hands it the live rows (:class:`LiveRows`), which it takes instead of parsing again
only after checking that the journal holds exactly the bytes they were decoded from.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import struct
import threading
import time
import warnings
import zlib
from collections.abc import Callable, Container, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from emgkit.devices.base import ParseResult, StreamParser
from emgkit.devices.registry import parser_from_spec
from emgkit.errors import EmgkitWarning, FormatError, RecordingError
from emgkit.io._atomic import write_atomic
from emgkit.recording import Channel, Event, Gap, Recording, SessionInfo

__all__ = [
    "HEADER_NAME",
    "JOURNAL_FORMAT",
    "JOURNAL_VERSION",
    "JournalContents",
    "JournalWriter",
    "LiveRows",
    "SampleClock",
    "flush_parser",
    "load_parser",
    "read_journal",
    "recover",
    "rows_to_recording",
]

JOURNAL_FORMAT = "emgkit-journal"
JOURNAL_VERSION = 1
HEADER_NAME = "header.json"
STREAM_NAME = "stream.bin"
EVENTS_NAME = "events.jsonl"

_REC_HEAD = struct.Struct("<QI")
_REC_TAIL = struct.Struct("<I")
#: Largest payload a single record may carry; anything larger is taken as a torn/garbled tail.
MAX_RECORD = 1 << 24


def _write_all(fd: int, data: bytes | bytearray | memoryview) -> None:
    """Write every byte of ``data`` to ``fd`` (the single place the journal touches the disk)."""
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _fsync(fd: int) -> None:
    os.fsync(fd)


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def _disk_error(directory: Path, exc: OSError, bytes_synced: int = 0) -> RecordingError:
    if bytes_synced > 0:
        safe = f"the {bytes_synced} bytes synced before it are safe in the journal {directory}"
        then = f"then run `emgkit recover {directory}` to turn them into a BDF+ file"
    else:
        safe = f"nothing had reached the disk yet, so no samples were saved ({directory})"
        then = "then record again"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        msg = f"the disk is full: recording stopped; {safe}. Free some space, {then}"
    else:
        msg = f"writing the recording journal failed ({exc}); recording stopped; {safe}. {then}"
    # (errno/filename are left unset: OSError would then replace the message by "[Errno ..]")
    return RecordingError(msg)


class JournalWriter:
    """Append raw bytes and events to a journal directory, syncing at least every interval.

    Parameters
    ----------
    directory : path
        Journal directory; created, and must not already hold a journal.
    header : dict
        JSON-serialisable header (see module docstring); ``format``, ``version`` and
        ``created_monotonic_ns`` are added.
    sync_interval : float
        Seconds between flush+fsync; at most this much is lost on a crash.
    buffer_limit : int
        Bytes held in memory before an early (non-fsync) flush.

    Notes
    -----
    :meth:`write` is meant for the one reader thread; :meth:`add_event` may be called from
    any thread. On a write error (``ENOSPC``...) the writer closes its files, keeps
    :attr:`failed` and raises :class:`~emgkit.errors.RecordingError`; later calls raise it again.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        header: dict[str, Any],
        *,
        sync_interval: float = 1.0,
        buffer_limit: int = 1 << 20,
    ) -> None:
        self.directory = Path(directory)
        if (self.directory / STREAM_NAME).exists():
            raise RecordingError(
                f"{self.directory} already holds a journal; recover it with `emgkit recover "
                f"{self.directory}` or choose another output"
            )
        if sync_interval <= 0:
            raise RecordingError(f"sync_interval must be > 0 s, got {sync_interval}")
        self.sync_interval = float(sync_interval)
        self.buffer_limit = int(buffer_limit)
        self.failed: RecordingError | None = None
        self.n_records = 0
        self.bytes_received = 0
        self.bytes_synced = 0
        self.last_sync_monotonic = time.monotonic()
        self._buf = bytearray()
        self._ev_buf = bytearray()
        self._lock = threading.Lock()
        self._closed = False
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            head = dict(header)
            head.setdefault("format", JOURNAL_FORMAT)
            head.setdefault("version", JOURNAL_VERSION)
            head.setdefault("created_monotonic_ns", time.monotonic_ns())
            head.setdefault("sync_interval_s", self.sync_interval)
            write_atomic(self.directory / HEADER_NAME, json.dumps(head, indent=2).encode("utf-8"))
            flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND
            self._fd_stream = os.open(self.directory / STREAM_NAME, flags, 0o644)
            self._fd_events = os.open(self.directory / EVENTS_NAME, flags, 0o644)
            _fsync_dir(self.directory)
        except OSError as exc:
            raise _disk_error(self.directory, exc) from exc
        self.header = head

    # ------------------------------------------------------------------ writing
    def write(self, data: bytes, t_ns: int | None = None) -> int:
        """Append one record of raw bytes; returns its record number. Syncs when due.

        Parameters
        ----------
        data : bytes
            Raw bytes as read from the device.
        t_ns : int, optional
            Arrival time, ``time.monotonic_ns()`` (default: now).
        """
        if self.failed is not None:
            raise self.failed
        if t_ns is None:
            t_ns = time.monotonic_ns()
        head = _REC_HEAD.pack(t_ns, len(data))
        crc = zlib.crc32(data, zlib.crc32(head))
        with self._lock:
            self._buf += head
            self._buf += data
            self._buf += _REC_TAIL.pack(crc)
            rec = self.n_records
            self.n_records += 1
            self.bytes_received += len(data)
            big = len(self._buf) >= self.buffer_limit
        if big:
            self._flush(fsync=False)
        self.maybe_sync()
        return rec

    def add_event(self, event: dict[str, Any]) -> None:
        """Append one event (a JSON-serialisable dict with a ``type``) to ``events.jsonl``."""
        if self.failed is not None:
            raise self.failed
        ev = dict(event)
        ev.setdefault("monotonic_ns", time.monotonic_ns())
        line = json.dumps(ev, separators=(",", ":")) + "\n"
        with self._lock:
            self._ev_buf += line.encode("utf-8")

    def maybe_sync(self, now: float | None = None) -> bool:
        """Flush and fsync if ``sync_interval`` has passed since the last sync."""
        if self.failed is not None:
            raise self.failed
        now = time.monotonic() if now is None else now
        if now - self.last_sync_monotonic >= self.sync_interval:
            self.sync()
            return True
        return False

    def sync(self) -> None:
        """Flush both buffers to disk and fsync them now."""
        self._flush(fsync=True)
        self.last_sync_monotonic = time.monotonic()

    def _flush(self, *, fsync: bool) -> None:
        if self.failed is not None:
            raise self.failed
        if self._closed:
            return
        with self._lock:
            buf, self._buf = self._buf, bytearray()
            ev, self._ev_buf = self._ev_buf, bytearray()
        try:
            # stream first: an event never refers to bytes that are not on disk yet
            if buf:
                _write_all(self._fd_stream, buf)
            if fsync:
                _fsync(self._fd_stream)
            if ev:
                _write_all(self._fd_events, ev)
            if fsync:
                _fsync(self._fd_events)
        except OSError as exc:
            self.failed = _disk_error(self.directory, exc, self.bytes_synced)
            self._close_fds()
            raise self.failed from exc
        if fsync:
            self.bytes_synced = self.bytes_received

    def _close_fds(self) -> None:
        if self._closed:
            return
        self._closed = True
        for fd in (self._fd_stream, self._fd_events):
            with contextlib.suppress(OSError):
                os.close(fd)

    def close(self) -> None:
        """Sync what is buffered (unless the journal already failed) and close the files."""
        if self._closed:
            return
        try:
            if self.failed is None:
                self.sync()
        finally:
            self._close_fds()

    def __enter__(self) -> JournalWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# ---------------------------------------------------------------------- reading


@dataclass(slots=True)
class JournalContents:
    """A journal read back from disk.

    Attributes
    ----------
    header : dict
    records : list of (int, bytes)
        ``(monotonic_ns, payload)`` for every intact record, in order.
    events : list of dict
    torn_bytes : int
        Bytes at the end of ``stream.bin`` that did not form an intact record (ignored).
    damaged : list of (int, int, int)
        ``(record, offset, n_bytes)`` for each damaged stretch *inside* ``stream.bin`` that was
        skipped: ``record`` is the index of the first intact record after it (the parser sees
        a hole in the byte stream there), ``offset`` where the damage starts in the file.
    bad_event_lines : int
        Lines of ``events.jsonl`` that were not valid JSON (a torn last line).
    """

    header: dict[str, Any]
    records: list[tuple[int, bytes]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    torn_bytes: int = 0
    bad_event_lines: int = 0
    damaged: list[tuple[int, int, int]] = field(default_factory=list)

    @property
    def n_bytes(self) -> int:
        """Payload bytes in the intact records."""
        return sum(len(p) for _, p in self.records)


def _record_at(blob: bytes, pos: int) -> tuple[int, int, bytes] | None:
    """The intact record starting at ``pos`` as ``(end_offset, t_ns, payload)``, or None."""
    hs, ts = _REC_HEAD.size, _REC_TAIL.size
    if pos + hs > len(blob):
        return None
    t_ns, length = _REC_HEAD.unpack_from(blob, pos)
    end = pos + hs + length + ts
    if length > MAX_RECORD or end > len(blob):
        return None
    payload = blob[pos + hs : pos + hs + length]
    (crc,) = _REC_TAIL.unpack_from(blob, pos + hs + length)
    if zlib.crc32(payload, zlib.crc32(blob[pos : pos + hs])) != crc:
        return None
    return end, t_ns, payload


#: While resynchronising, a candidate record must be stamped no earlier than the last intact
#: record and at most this long after it (monotonic clock): a cheap filter in front of the CRC.
_RESYNC_WINDOW_NS = 6 * 3600 * 10**9


def _iter_records(blob: bytes) -> Iterator[tuple[int, int, int, bytes]]:
    """Yield ``(start, end, t_ns, payload)`` for each intact record, resynchronising past damage.

    After a bad record (flipped bit, overwritten or missing bytes) the scan moves on byte by
    byte until a record header, its time stamp (not before the last intact record, within
    :data:`_RESYNC_WINDOW_NS` after it) and its CRC-32 all check. The caller sees the skipped
    bytes as the hole between one record's end and the next one's start.
    """
    pos = 0
    n = len(blob)
    hs = _REC_HEAD.size
    last_t: int | None = None
    while pos + hs <= n:
        rec = _record_at(blob, pos)
        if rec is None:
            # resynchronise: the next offset whose header, stamp and CRC check
            nxt = pos + 1
            found = None
            while nxt + hs <= n:
                t_ns = _REC_HEAD.unpack_from(blob, nxt)[0]
                if last_t is None or 0 <= t_ns - last_t <= _RESYNC_WINDOW_NS:
                    found = _record_at(blob, nxt)
                    if found is not None:
                        break
                nxt += 1
            if found is None:
                return
            pos = nxt
            rec = found
        end, t_ns, payload = rec
        last_t = t_ns
        yield pos, end, t_ns, payload
        pos = end


def read_journal(journal_dir: str | os.PathLike[str]) -> JournalContents:
    """Read a journal directory, tolerating a torn tail in ``stream.bin`` and ``events.jsonl``.

    Raises
    ------
    FormatError
        When the directory has no readable ``header.json`` (not a journal).
    """
    d = Path(journal_dir)
    hp = d / HEADER_NAME
    if d.is_file():
        hint = (
            f"; give its folder {d.parent}"
            if d.name in (HEADER_NAME, STREAM_NAME, EVENTS_NAME)
            else ""
        )
        raise FormatError(
            f"{d} is a file, not a recording journal: give the journal folder (the "
            f"<session>.bdf.journal folder holding {HEADER_NAME} and {STREAM_NAME}){hint}"
        )
    if not d.exists():
        raise FormatError(f"{d}: no such journal folder")
    try:
        header = json.loads(hp.read_text(encoding="utf-8"))
    except (FileNotFoundError, NotADirectoryError):
        raise FormatError(
            f"{d} is not an emgkit recording journal (no {HEADER_NAME}); give the journal "
            "directory that `emgkit record` printed"
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FormatError(f"{hp}: unreadable journal header ({exc})") from None
    if not isinstance(header, dict) or header.get("format") != JOURNAL_FORMAT:
        fmt = header.get("format") if isinstance(header, dict) else None
        raise FormatError(f"{hp}: not an emgkit journal header (format={fmt!r})")
    version = header.get("version", 0)
    if not isinstance(version, int) or isinstance(version, bool):
        raise FormatError(f"{hp}: journal version {version!r} is not an integer")
    if version > JOURNAL_VERSION:
        raise FormatError(
            f"{hp}: journal version {header.get('version')} is newer than this emgkit understands "
            f"({JOURNAL_VERSION}); upgrade emgkit"
        )
    out = JournalContents(header)
    sp = d / STREAM_NAME
    blob = sp.read_bytes() if sp.exists() else b""
    end = 0
    for start, end_, t_ns, payload in _iter_records(blob):
        if start > end:
            out.damaged.append((len(out.records), end, start - end))
        out.records.append((t_ns, payload))
        end = end_
    out.torn_bytes = len(blob) - end
    ep = d / EVENTS_NAME
    if ep.exists():
        for line in ep.read_bytes().splitlines():
            if not line.strip():
                continue
            try:
                ev = json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError):
                out.bad_event_lines += 1
                continue
            if isinstance(ev, dict):
                out.events.append(ev)
    return out


def load_parser(spec: Any) -> StreamParser:
    """Build the parser a journal header's ``parser`` entry names, through the device registry.

    Only emgkit's own device parsers can be built
    (:func:`emgkit.devices.registry.parser_from_spec`); journals written by 0.1, which named
    Python import paths, are read through its alias table.

    Raises
    ------
    FormatError
        For anything else; nothing the entry names is imported.
    """
    return parser_from_spec(spec)


# ---------------------------------------------------------------------- sample clock


def flush_parser(parser: Any) -> ParseResult | None:
    """Rows a parser holds back for look-ahead (``parser.flush()``), if it has that method.

    Called at the end of a stream and before every reset, live and in :func:`recover` alike.
    """
    flush = getattr(parser, "flush", None)
    if flush is None:
        return None
    res: ParseResult = flush()
    return res


class SampleClock:
    """Place parser rows on one continuous session clock across parser resets.

    A parser counts ``sample_index`` from its first decoded sample. After a reconnect the
    parser is reset; the clock then maps its rows to ``next_index + gap`` onwards, where
    ``gap`` is the number of samples lost during the disconnect. The live reader and
    :func:`recover` use this same class, so both place every row at the same index.
    """

    def __init__(self) -> None:
        self.next_index = 0
        self._base: int | None = 0
        self._p0: int | None = None

    @property
    def awaiting_base(self) -> bool:
        """True after :meth:`reset` until the first rows (and the gap size) arrive."""
        return self._base is None

    def reset(self) -> None:
        """The parser was reset: the next rows start a new segment."""
        self._base = None
        self._p0 = None

    def set_gap(self, n_missing: int) -> int:
        """Start the new segment ``n_missing`` samples after the last row; returns its start."""
        start = self.next_index
        self._base = self.next_index + max(int(n_missing), 0)
        return start

    def map(self, res: ParseResult) -> ParseResult:
        """``res`` with ``sample_index`` and ``gaps`` moved onto the session clock."""
        if res.samples.shape[0] == 0 and not res.gaps:
            return res
        if self._base is None:
            self.set_gap(0)
        base = self._base if self._base is not None else 0
        if self._p0 is None:
            if res.sample_index.size:
                self._p0 = int(res.sample_index[0])
            elif res.gaps:
                self._p0 = int(res.gaps[0][0])
        p0 = self._p0 if self._p0 is not None else 0
        shift = base - p0
        idx = res.sample_index.astype(np.int64, copy=False) + shift
        gaps = [(int(s) + shift, int(n)) for s, n in res.gaps]
        if idx.size:
            self.next_index = max(self.next_index, int(idx[-1]) + 1)
        return ParseResult(res.samples, idx, res.n_lost, gaps, res.n_bad_bytes, res.aux)


# ---------------------------------------------------------------------- live rows


@dataclass(slots=True)
class LiveRows:
    """What the live reader decoded from the bytes it journalled, to finalise without re-parsing.

    :func:`recover` takes these rows instead of parsing ``stream.bin`` again only when the
    journal read back holds exactly the bytes they were decoded from: every record intact (its
    own CRC-32), nothing torn or damaged, no reconnect (parser reset) in it, the same number of
    bytes and the same CRC-32 over all of them in order. The parser is a pure function of its
    input whatever its cutting into reads (``tests/devices/test_framed_fast.py``), and the live
    parser and the one :func:`recover` builds come from the same spec
    (:func:`emgkit.devices.registry.parser_for`), so the rows are the ones a re-parse gives.
    Anything else (or ``None``) and :func:`recover` parses the journal as always.

    Attributes
    ----------
    samples, indices : list of ndarray
        Row blocks (copies) and their indices on the session clock, in order.
    n_bytes : int
        Bytes fed to the parser (and journalled), in order.
    crc32 : int
        ``zlib.crc32`` of those bytes.
    n_bad_bytes : int
        Bytes the parser discarded (its tail at the end included).
    next_index : int
        The session clock after the last row.
    n_values : int
        Values held in ``samples``.
    """

    samples: list[npt.NDArray[np.float64]] = field(default_factory=list)
    indices: list[npt.NDArray[np.int64]] = field(default_factory=list)
    n_bytes: int = 0
    crc32: int = 0
    n_bad_bytes: int = 0
    next_index: int = 0
    n_values: int = 0

    def matches(self, jc: JournalContents) -> bool:
        """True when ``jc`` holds exactly the bytes these rows were decoded from, no reset."""
        if jc.damaged or jc.torn_bytes or jc.n_bytes != self.n_bytes:
            return False
        if any(ev.get("type") in ("reset", "gap") for ev in jc.events):
            return False
        crc = 0
        for _t, payload in jc.records:
            crc = zlib.crc32(payload, crc)
        return crc == self.crc32


# ---------------------------------------------------------------------- recovery


def _channels_from_header(header: dict[str, Any], n_channels: int) -> list[Channel]:
    chans: list[Channel] = []
    for d in header.get("channels", [])[:n_channels]:
        chans.append(
            Channel(
                d["name"],
                d.get("muscle"),
                d.get("side"),
                d.get("kind", "raw"),
                d.get("units", "uV"),
                d.get("device", ""),
                d.get("site", ""),
            )
        )
    device = str(header.get("device", ""))
    for i in range(len(chans), n_channels):
        chans.append(Channel(f"{device or 'ch'}_{i + 1}", device=device))
    return chans


#: Longest subject pseudonym the BDF+ patient field holds: 80 characters minus the " X X X"
#: of the sex, birth date and name subfields that EDF+ requires after the code.
MAX_SUBJECT = 74


def _add_note(notes: str, note: str) -> str:
    return f"{notes}; {note}" if notes else note


def _info_from_header(header: dict[str, Any]) -> SessionInfo:
    s = dict(header.get("session", {}))
    date = None
    if header.get("start_wall_time"):
        try:
            date = datetime.fromisoformat(str(header["start_wall_time"]))
        except ValueError:
            date = None
    subject = str(s.get("subject", "anonymous"))
    notes = str(s.get("notes", ""))
    if len(subject) > MAX_SUBJECT:
        # a journal can always be finalised: keep what fits in the BDF+ patient field
        notes = _add_note(
            notes,
            f"subject pseudonym truncated to {MAX_SUBJECT} characters for the BDF+ patient "
            f"field (full: {subject!r})",
        )
        subject = subject[:MAX_SUBJECT]
    return SessionInfo(
        subject=subject,
        session=str(s.get("session", "")),
        date=date,
        device=str(header.get("device", "")),
        firmware=str(header.get("firmware", "")),
        gain=s.get("gain"),
        hardware_bandwidth_hz=s.get("hardware_bandwidth_hz"),
        power_line_hz=s.get("power_line_hz"),
        montage=str(header.get("montage", "")),
        notes=notes,
        extra={"journal_version": header.get("version"), "port": header.get("port", "")},
    )


def _plausible_samples(jc: JournalContents, fs: float) -> int:
    """An upper bound on the samples a journal's reads can hold.

    Twice their time span at ``fs``, plus one second per read (generous for any device that
    keeps time).
    """
    if not jc.records:
        return 0
    span_s = max(jc.records[-1][0] - jc.records[0][0], 0) / 1e9
    return int(2 * span_s * fs + fs * (len(jc.records) + 1)) + 1_000_000


def rows_to_recording(
    samples: list[npt.NDArray[np.float64]],
    indices: list[npt.NDArray[np.int64]],
    *,
    n_channels: int,
    fs: float,
    channels: list[Channel],
    disconnects: list[tuple[int, int]] = (),  # type: ignore[assignment]
    events: list[Event] = (),  # type: ignore[assignment]
    info: SessionInfo | None = None,
) -> Recording:
    """Lay rows out on a uniform clock: missing samples become NaN rows and :class:`Gap` records.

    Parameters
    ----------
    samples, indices : lists of arrays
        Row blocks and their session-clock indices (as produced by :class:`SampleClock`).
    disconnects : list of (start, n)
        Gaps caused by disconnects (their runs get ``reason="disconnect"``).
    n_channels : int
        Columns of every row block.
    fs : float
        Sampling rate of the session clock, Hz.
    channels : list of Channel
        One per column.
    events : list of Event
        Markers, on the session clock.
    info : SessionInfo, optional
        Session metadata of the recording.
    """
    idx = np.concatenate(indices) if indices else np.empty(0, dtype=np.int64)
    rows = np.concatenate(samples) if samples else np.empty((0, n_channels))
    n_total = int(idx.max()) + 1 if idx.size else 0
    data = np.full((n_total, n_channels), np.nan)
    have = np.zeros(n_total, dtype=bool)
    if idx.size:
        data[idx] = rows
        have[idx] = True
    gaps: list[Gap] = []
    if n_total:
        missing = ~have
        edges = np.flatnonzero(np.diff(np.concatenate(([0], missing.astype(np.int8), [0]))))
        disc = [(s, s + n) for s, n in disconnects if n > 0]
        for s, e in zip(edges[::2], edges[1::2], strict=True):
            s, e = int(s), int(e)
            reason = "disconnect" if any(ds < e and s < de for ds, de in disc) else "packet loss"
            gaps.append(Gap(s, e - s, reason))
    return Recording(data, fs, channels, events, gaps, info)


#: Bytes of consecutive journal records :func:`recover` hands the parser in one call.
_FEED_CHUNK = 1 << 20


def _merged_records(
    records: Sequence[tuple[int, bytes]], resets: Container[int]
) -> Iterator[tuple[int, bytes]]:
    """(index of the first record, payload) for runs of records that no reset separates.

    A run starts at every record in ``resets`` and grows up to :data:`_FEED_CHUNK` bytes.
    """
    run: list[bytes] = []
    first = 0
    size = 0
    for r, (_t, payload) in enumerate(records):
        if run and (r in resets or size >= _FEED_CHUNK):
            yield first, b"".join(run)
            run, size = [], 0
        if not run:
            first = r
        run.append(payload)
        size += len(payload)
    if run:
        yield first, b"".join(run)


def recover(
    journal_dir: str | os.PathLike[str],
    *,
    parser: StreamParser | Callable[[], StreamParser] | None = None,
    live: LiveRows | None = None,
) -> Recording:
    """Rebuild a :class:`Recording` from a journal, exactly as the live session decoded it.

    Parameters
    ----------
    journal_dir : path
        The journal directory (``header.json``, ``stream.bin``, ``events.jsonl``).
    parser : StreamParser or callable, optional
        Override the parser named in the header (e.g. a parser class not importable here).
    live : LiveRows, optional
        The rows the live reader decoded (the recorder's finalisation passes them): used
        instead of parsing ``stream.bin`` again when the journal read back holds exactly the
        bytes they came from (:meth:`LiveRows.matches`); otherwise ignored.

    Returns
    -------
    Recording
        Every sample in the intact records; missing samples as NaN rows listed in ``gaps``;
        markers as events. ``info.extra`` carries ``torn_bytes`` (ignored tail) and
        ``bad_bytes`` (bytes the parser discarded while resynchronising).
    """
    jc = read_journal(journal_dir)
    h = jc.header
    if parser is None:
        if "parser" not in h:
            raise FormatError(
                f"{Path(journal_dir) / HEADER_NAME} has no 'parser' entry, so it does not say "
                "which device recorded the stream; it was not written by emgkit's recorder"
            )
        p = parser_from_spec(h["parser"], where=f"{Path(journal_dir) / HEADER_NAME}: 'parser'")
    elif isinstance(parser, StreamParser):
        p = parser
    else:
        p = parser()
    fs = float(h.get("fs") or p.fs)
    n_ch = int(p.n_channels)
    resets: dict[int, int] = {}
    gap_for: dict[int, int] = {}
    for ev in jc.events:
        if ev.get("type") == "reset":
            resets[int(ev["record"])] = 1
        elif ev.get("type") == "gap" and "record" in ev:
            gap_for[int(ev["record"])] = int(ev["n"])
    clock = SampleClock()
    samples: list[npt.NDArray[np.float64]] = []
    indices: list[npt.NDArray[np.int64]] = []
    disconnects: list[tuple[int, int]] = []
    bad = 0
    pending: int | None = None

    def keep(res: ParseResult) -> None:
        res = clock.map(res)
        if res.samples.shape[0]:
            samples.append(np.asarray(res.samples, dtype=np.float64))
            indices.append(res.sample_index)

    if live is not None and parser is None and live.matches(jc):
        # the journal holds exactly the bytes the live parser decoded, with no reset: its rows
        # are the ones this parse would give (see LiveRows)
        samples, indices = live.samples, live.indices
        bad = live.n_bad_bytes
        clock.next_index = live.next_index
    else:
        # Consecutive records between two resets are fed as one chunk of up to _FEED_CHUNK
        # bytes: the parsers decode a stream the same whatever its cutting into reads (the
        # framed parser's bulk path then takes many frames per call, see
        # devices/arduino/_framed_batch.py).
        for r, payload in _merged_records(jc.records, resets):
            if r in resets:
                tail = flush_parser(p)
                if tail is not None:
                    bad += tail.n_bad_bytes
                    keep(tail)
                p.reset()
                clock.reset()
                pending = r
            res = p.feed(payload)
            bad += res.n_bad_bytes
            if pending is not None and res.samples.shape[0]:
                n_gap = gap_for.get(pending, 1)
                start = clock.set_gap(n_gap)
                disconnects.append((start, n_gap))
                pending = None
            keep(res)
        tail = flush_parser(p)
        if tail is not None:
            bad += tail.n_bad_bytes
            keep(tail)
    if clock.next_index > _plausible_samples(jc, fs):
        raise FormatError(
            f"{journal_dir}: the decoded sample clock reaches {clock.next_index} samples, far "
            f"more than {len(jc.records)} reads over their time span can hold at {fs:g} Hz; "
            "the stream is not what its header says (wrong parser or corrupt data), so nothing "
            "is allocated for it"
        )
    events: list[Event] = []
    for ev in jc.events:
        if ev.get("type") == "marker":
            events.append(
                Event(
                    onset=int(ev.get("sample", 0)) / fs,
                    duration=float(ev.get("duration", 0.0)),
                    label=str(ev.get("label", "marker")),
                    trial=str(ev.get("trial", "")),
                    value=str(ev.get("value", "")),
                )
            )
    info = _info_from_header(h)
    damaged_bytes = sum(nb for _, _, nb in jc.damaged)
    info.extra.update(
        {
            "torn_bytes": jc.torn_bytes,
            "bad_bytes": bad,
            "n_records": len(jc.records),
            "damaged_bytes": damaged_bytes,
            "damaged_spans": [[off, nb] for _, off, nb in jc.damaged],
        }
    )
    if jc.damaged:
        msg = (
            f"{STREAM_NAME} of {journal_dir} is damaged: {damaged_bytes} bytes in "
            f"{len(jc.damaged)} place(s) failed their checksum and were skipped; recovery "
            "resumed at the next intact record (the samples they held are gaps)"
        )
        warnings.warn(msg, EmgkitWarning, stacklevel=2)
        info.notes = _add_note(info.notes, msg)
    rec = rows_to_recording(
        samples,
        indices,
        n_channels=n_ch,
        fs=fs,
        channels=_channels_from_header(h, n_ch),
        disconnects=disconnects,
        events=[e for e in events if e.onset <= (clock.next_index / fs)],
        info=info,
    )
    return rec
