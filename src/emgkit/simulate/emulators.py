"""Run a pure device model on a pseudo-terminal, with fault injection and exact ground truth.

An :class:`Emulator` opens a pty pair (:func:`os.openpty`, both ends in raw mode), publishes
the slave side under a stable symlink (:attr:`Emulator.port`, like udev's
``/dev/serial/by-id`` links) and runs one thread that

* reads commands from the master side and answers with ``model.handle(cmd)``;
* while the model streams, writes ``model.next_bytes(1)`` packet by packet, either paced in
  real time (``packet_rate`` packets per second) or as fast as the reader drains the pty;
* applies faults to the packet stream and records exactly what it did in
  :class:`EmulatorTruth`.

Like real Cyton firmware (and because pyserial flushes the input buffer in ``open()``), the
emulator sends nothing until the host has sent a command after opening the port, and does so
again after every simulated disconnect.

How a disconnect looks from the host: the emulator closes the pty master; the host's
``select()`` then reports the slave readable and ``read()`` returns nothing, which pyserial
3.5 turns into ``SerialException("device reports readiness to read but returned no data
...")``; writes fail with ``EIO``. After ``duration_s`` the emulator opens a *new* pty and
moves the symlink to it, so reopening :attr:`Emulator.port` reconnects, as re-plugging a USB
dongle brings back the same ``/dev/serial/by-id`` path.
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import socket
import struct
import tempfile
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from emgkit.devices.base import DeviceModel
from emgkit.devices.registry import get_device
from emgkit.errors import ConfigError, DeviceError

__all__ = [
    "TRUTH_LIMIT",
    "CorruptBytes",
    "CuedSubject",
    "DeviceModel",
    "Disconnect",
    "DropPackets",
    "Emulator",
    "EmulatorTruth",
    "InsertGarbage",
    "Stall",
    "cued_subject",
    "emulate",
    "make_model",
]


# ---------------------------------------------------------------------- faults


@dataclass(frozen=True, slots=True)
class DropPackets:
    """Remove ``count`` whole packets starting at packet ``at`` (the host must see a gap)."""

    at: int
    count: int = 1


@dataclass(frozen=True, slots=True)
class CorruptBytes:
    """XOR ``xor`` into the bytes at ``offsets`` of packet ``at`` (negative: from the end)."""

    at: int
    offsets: tuple[int, ...] = (0,)
    xor: int = 0xFF


@dataclass(frozen=True, slots=True)
class InsertGarbage:
    """Send ``data`` just before packet ``at``."""

    at: int
    data: bytes = b"\x13\x37garbage"


@dataclass(frozen=True, slots=True)
class Stall:
    """Pause ``ms`` milliseconds before packet ``at`` (in real time the backlog then bursts)."""

    at: int
    ms: float = 100.0


@dataclass(frozen=True, slots=True)
class Disconnect:
    """Close the pty before packet ``at`` and reopen it ``duration_s`` later.

    The device keeps sampling meanwhile: packets produced during the disconnect are lost
    (in real time, those due during ``duration_s``; as fast as possible, ``lose_packets``
    or ``round(duration_s * packet_rate)``).
    """

    at: int
    duration_s: float = 0.3
    lose_packets: int | None = None


Fault = DropPackets | CorruptBytes | InsertGarbage | Stall | Disconnect


#: Packets of per-packet ground truth an emulator (and a device model) keeps: the most recent
#: ones, so that a long emulated run's memory stays flat (0.1 grew ~0.05 MiB/s); counters
#: cover the whole run. Fault records (drops, corruption, disconnects) are kept in full.
TRUTH_LIMIT = 100_000


@dataclass(slots=True)
class EmulatorTruth:
    """Exactly what the emulator did, packet by packet (packet numbers from 0 at stream start).

    Attributes
    ----------
    delivered : deque of int
        Packets written intact: the last :data:`TRUTH_LIMIT` (a long run's bookkeeping stays
        bounded; :attr:`n_delivered` counts them all).
    dropped : list of int
        Packets removed by :class:`DropPackets`.
    corrupted : list of int
        Packets written with corrupted bytes.
    lost_in_disconnect : list of int
        Packets produced while the pty was closed.
    garbage : list of (int, bytes)
        Garbage written before packet ``at``.
    disconnects : list of (int, int)
        ``(at_packet, n_packets_lost)`` per disconnect.
    stalls : list of (int, float)
    unread_at_disconnect : list of int
        Bytes still unread by the host when each disconnect closed the pty (lost with it).
    bytes_written : int
        Stream bytes written to the master (commands' replies excluded).
    packet_sizes : deque of int
        Size of the last :data:`TRUTH_LIMIT` packets generated, in order
        (:attr:`n_packets` counts them all).
    n_delivered : int
        Packets written intact since the start.
    """

    delivered: deque[int] = field(default_factory=lambda: deque(maxlen=TRUTH_LIMIT))
    dropped: list[int] = field(default_factory=list)
    corrupted: list[int] = field(default_factory=list)
    lost_in_disconnect: list[int] = field(default_factory=list)
    garbage: list[tuple[int, bytes]] = field(default_factory=list)
    disconnects: list[tuple[int, int]] = field(default_factory=list)
    stalls: list[tuple[int, float]] = field(default_factory=list)
    bytes_written: int = 0
    packet_sizes: deque[int] = field(default_factory=lambda: deque(maxlen=TRUTH_LIMIT))
    n_generated: int = 0
    n_delivered: int = 0
    commands: list[bytes] = field(default_factory=list)
    unread_at_disconnect: list[int] = field(default_factory=list)

    @property
    def n_packets(self) -> int:
        """Packets generated so far."""
        return self.n_generated

    def add_packet(self, size: int) -> None:
        """Count one generated packet of ``size`` bytes."""
        self.packet_sizes.append(size)
        self.n_generated += 1

    def missing_packets(self) -> list[int]:
        """Packets the host can never receive intact (dropped, corrupted, lost), sorted."""
        return sorted(set(self.dropped) | set(self.corrupted) | set(self.lost_in_disconnect))


# ---------------------------------------------------------------------- the emulator


def _model_streaming(model: Any) -> bool:
    s = getattr(model, "streaming", None)
    if callable(s):
        return bool(s())
    return bool(s)


class Emulator:
    """A device model on a pseudo-terminal. Use :func:`emulate` as a context manager.

    Parameters
    ----------
    model : DeviceModel
        Pure model; must expose ``streaming`` (bool) and ``packet_rate``, ``sample_rate``
        (CytonModel: packets per second) or ``fs``.
    faults : sequence of fault objects
    realtime : bool
        Pace packets at ``packet_rate``; else send as fast as the host reads.
    packet_rate : float, optional
        Packets per second at real time (default: ``model.packet_rate``, else ``model.fs``,
        and for framed models ``fs / samples_per_frame``). An explicit value wins.
    speed : float
        With ``realtime``: pace ``speed`` times faster than real time (a guided-session demo
        at ``speed=20`` runs a 10 s hold in 0.5 s with the same samples and markers).
    batch : int
        Packets generated per write when not in real time.
    drain_timeout : float
        Before a :class:`Disconnect`, wait up to this long for the host to read what is in
        flight (0 = cut immediately, losing the unread bytes as a real unplug does).
    subject : CuedSubject, optional
        A synthetic subject that acts out the protocol it is cued through (the model must
        be built from its rendering, :meth:`CuedSubject.take_samples`); see
        :class:`CuedSubject`.
    transport : {"pty", "socket"}, optional
        ``pty`` (POSIX; tests of the real serial code) or ``socket``: a TCP listener on
        127.0.0.1 that the host opens as the pyserial URL ``socket://127.0.0.1:<port>`` (works
        on Windows). Default: ``socket`` on Windows, else ``pty``. Over a socket
        :meth:`pending_bytes` is unknown (0), so a :class:`Disconnect` cannot wait for the host
        to drain.
    """

    def __init__(
        self,
        model: DeviceModel,
        *,
        faults: Sequence[Fault] = (),
        realtime: bool = False,
        packet_rate: float | None = None,
        batch: int = 32,
        name: str = "emulator",
        drain_timeout: float = 1.0,
        speed: float = 1.0,
        transport: str | None = None,
        subject: CuedSubject | None = None,
    ) -> None:
        self.model = model
        #: A :class:`CuedSubject` that the guided session cues (None: the samples play in order).
        self.subject = subject
        self.transport = transport or ("socket" if os.name == "nt" else "pty")
        if self.transport not in ("pty", "socket"):
            raise ConfigError(f"emulator transport must be 'pty' or 'socket', got {transport!r}")
        self._listener: socket.socket | None = None
        self._conn: socket.socket | None = None
        self.realtime = realtime
        if not speed > 0:
            raise ConfigError(f"emulator speed must be > 0, got {speed}")
        self.speed = float(speed)
        self._rate_given = packet_rate is not None
        rate = (
            packet_rate
            or getattr(model, "packet_rate", None)
            or getattr(model, "sample_rate", None)
            or getattr(model, "fs", None)
        )
        if not rate or float(rate) <= 0:
            raise ConfigError("the emulator needs packet_rate (packets per second)")
        self.packet_rate = float(rate) * self.speed
        self.batch = int(batch)
        self.name = name
        self.drain_timeout = float(drain_timeout)
        self.truth = EmulatorTruth()
        self._faults: dict[int, list[Fault]] = {}
        self._drop: set[int] = set()
        for f in faults:
            self._faults.setdefault(int(f.at), []).append(f)
            if isinstance(f, DropPackets):
                self._drop.update(range(f.at, f.at + f.count))
        self._dir = Path(tempfile.mkdtemp(prefix="emgkit-emu-"))
        self._link = self._dir / "port"
        self._master: int | None = None
        self._slave: int | None = None
        self._stop = threading.Event()
        self.done = threading.Event()
        self.connected = threading.Event()
        self._thread: threading.Thread | None = None
        self._await_command = True
        self._t0: float | None = None
        self._reopen_at: float | None = None
        self._exhausted = False
        self.error: BaseException | None = None

    def set_speed(self, speed: float) -> None:
        """Change the real-time multiplier from now on (the samples sent so far stay).

        A guided session streams at 1x while the operator reads or answers, so operator time
        is not multiplied into recording time, and at ``speed`` while cues run.
        """
        if not speed > 0:
            raise ConfigError(f"emulator speed must be > 0, got {speed}")
        if float(speed) == self.speed:
            return
        self.packet_rate = self.packet_rate / self.speed * float(speed)
        self.speed = float(speed)
        self._t0 = None  # re-based on the packets sent so far at the next pacing step

    # ------------------------------------------------------------------ pty handling
    @property
    def port(self) -> str:
        """What the host opens: a symlink to the current ``/dev/pts/N``, or a ``socket://`` URL."""
        if self.transport == "socket":
            assert self._listener is not None, "start() the emulator first"
            return f"socket://127.0.0.1:{self._listener.getsockname()[1]}"
        return str(self._link)

    @property
    def slave_name(self) -> str | None:
        """The current ``/dev/pts/N`` (None while disconnected)."""
        return os.ttyname(self._slave) if self._slave is not None else None

    def _open_link(self) -> None:
        """Make the device reachable: a new pty, or (socket) wait for the host to connect."""
        if self.transport == "pty":
            self._open_pty()
            return
        if self._listener is None:
            self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self._listener.bind(("127.0.0.1", 0))
            self._listener.listen(1)
        self._reopen_at = None  # the thread accepts the next connection

    def _accept(self, timeout: float) -> None:
        assert self._listener is not None
        r, _, _ = select.select([self._listener], [], [], timeout)
        if not r:
            return
        conn, _ = self._listener.accept()
        conn.setblocking(False)
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._conn = conn
        self._master = conn.fileno()
        self._await_command = True
        self.connected.set()

    def _send(self, view: memoryview) -> int:
        if self._conn is not None:
            return self._conn.send(view)
        assert self._master is not None
        return os.write(self._master, view)

    def _recv(self) -> bytes:
        if self._conn is not None:
            return self._conn.recv(4096)
        assert self._master is not None
        return os.read(self._master, 4096)

    def _open_pty(self) -> None:
        import tty

        master, slave = os.openpty()
        tty.setraw(master)
        tty.setraw(slave)  # no echo, no CR/LF translation before the host opens it
        os.set_blocking(master, False)
        self._master, self._slave = master, slave
        tmp = self._dir / "port.new"
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        os.symlink(os.ttyname(slave), tmp)
        os.replace(tmp, self._link)
        self._await_command = True
        self.connected.set()

    def _close_pty(self) -> None:
        self.connected.clear()
        if self._conn is not None:  # socket transport: drop the connection, keep listening
            with contextlib.suppress(OSError):
                self._conn.close()
            self._conn = None
            self._master = None
            return
        for fd in (self._master, self._slave):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._master = self._slave = None
        with contextlib.suppress(FileNotFoundError):
            self._link.unlink()

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> Emulator:
        """Create the pty (or the socket listener) and start the emulator thread."""
        self._open_link()
        self._thread = threading.Thread(target=self._run, name=f"emgkit-{self.name}", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the thread, close the pty and remove the symlink directory."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._close_pty()
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.close()
            self._listener = None
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def wait_done(self, timeout: float) -> bool:
        """Wait until the model has no more samples (or the emulator failed)."""
        return self.done.wait(timeout)

    # ------------------------------------------------------------------ thread body
    def _write_all(self, data: bytes) -> bool:
        view = memoryview(data)
        while view:
            if self._stop.is_set() or self._master is None:
                return False
            _, w, _ = select.select([], [self._master], [], 0.05)
            if not w:
                # keep answering commands even while the host is not draining
                self._poll_commands(0.0)
                continue
            try:
                n = self._send(view)
            except BlockingIOError:
                continue
            except OSError:
                return False
            view = view[n:]
        return True

    def _poll_commands(self, timeout: float) -> None:
        master = self._master
        if master is None:
            return
        r, _, _ = select.select([master], [], [], timeout)
        if not r:
            return
        try:
            cmd = self._recv()
        except (BlockingIOError, InterruptedError):
            return
        except OSError:  # EIO: no host has the slave open (we keep it open, so rare)
            return
        if not cmd:
            return
        self.truth.commands.append(cmd)
        reply = self.model.handle(cmd)
        self._await_command = False
        if reply:
            self._write_all(reply)

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                if self._master is None and self.transport == "socket" and self._reopen_at is None:
                    self._accept(0.05)
                    continue
                if self._master is None:
                    assert self._reopen_at is not None
                    wait = self._reopen_at - time.monotonic()
                    if wait > 0 and self._stop.wait(min(wait, 0.05)):
                        break
                    if time.monotonic() >= self._reopen_at:
                        self._open_link()
                    continue
                streaming = (
                    not self._await_command and _model_streaming(self.model) and not self._exhausted
                )
                self._poll_commands(0.0 if streaming else 0.02)
                if not streaming:
                    if self._exhausted:
                        self.done.set()
                    self._t0 = None
                    continue
                self._stream_some()
        except BaseException as exc:  # pragma: no cover - surfaced through .error
            self.error = exc
        finally:
            self.done.set()

    def _frame_samples(self) -> int:
        """Samples per packet: a framed model's ``config.samples_per_frame``, else 1."""
        cfg = getattr(self.model, "config", None)
        k = getattr(cfg, "samples_per_frame", 0) if cfg is not None else 0
        return int(k) if k else 1

    def _next_packet(self) -> bytes:
        """One packet: a Cyton packet, or one DATA frame of a framed (Arduino) model."""
        k = self._frame_samples()
        if k == 1:
            return self.model.next_bytes(1)
        out = b""
        for _ in range(4):  # a frame completes after k samples (fewer if partly buffered)
            out = self.model.next_bytes(k)
            if out or getattr(self.model, "exhausted", True):
                break
        return out

    def _produce(self) -> bytes:
        """The next packet, with a cued subject pointing the model at what it does now."""
        if self.subject is None:
            return self._next_packet()
        with self.subject.lock:
            self.subject.before_packet(self.model, self._frame_samples())
            return self._next_packet()

    def _produce_many(self, limit: int) -> list[bytes]:
        """Up to ``limit`` packets in a row (at least one; none when the model has no more).

        A framed model with ``next_frames`` builds its DATA frames in one batch (numpy
        framing, byte for byte the frames built one at a time); with a cued subject, only as
        many as the subject leaves the model's row alone for
        (:meth:`CuedSubject.frames_unchanged`). The caller sends them all before it answers
        a command, as it would have sent them one by one.
        """
        k = self._frame_samples()
        next_frames: Any = getattr(self.model, "next_frames", None)
        batched = limit > 1 and k > 1 and next_frames is not None
        if self.subject is None:
            if batched:
                return list(next_frames(limit))
            pkt = self._next_packet()
            return [pkt] if pkt else []
        with self.subject.lock:
            self.subject.before_packet(self.model, k)
            if batched:
                m = min(limit, 1 + self.subject.frames_unchanged(self.model, k))
                if m > 1:
                    frames = list(next_frames(m))
                    if len(frames) > 1:
                        self.subject.batched(len(frames) - 1, k)
                    return frames
            pkt = self._next_packet()
            return [pkt] if pkt else []

    def _due(self) -> int:
        if not self.realtime:
            return self.batch
        now = time.monotonic()
        if self._t0 is None:
            k = self._frame_samples()
            if k > 1 and not self._rate_given:
                # a framed model sends k samples per frame: frames per second = fs / k
                fs = float(getattr(self.model, "fs", self.packet_rate / self.speed))
                self.packet_rate = fs / k * self.speed
            self._t0 = now - self.truth.n_packets / self.packet_rate
        due = int((now - self._t0) * self.packet_rate) - self.truth.n_packets
        if due <= 0:
            time.sleep(min(0.005, 1.0 / self.packet_rate))
            return 0
        return min(due, 4 * self.batch)

    def _stream_some(self) -> None:
        n = self._due()
        out = bytearray()
        if not self._faults and not self._drop:
            # no faults to apply: packets in batches, the ground truth counted per batch
            truth = self.truth
            i = 0
            while i < n:
                pkts = self._produce_many(n - i)
                if not pkts:
                    self._exhausted = True
                    break
                k0 = truth.n_packets
                truth.packet_sizes.extend(map(len, pkts))
                truth.n_generated += len(pkts)
                truth.delivered.extend(range(k0, k0 + len(pkts)))
                truth.n_delivered += len(pkts)
                out += b"".join(pkts)
                i += len(pkts)
            if out and self._write_all(bytes(out)):
                truth.bytes_written += len(out)
            return
        for _ in range(n):
            k = self.truth.n_packets
            faults = self._faults.get(k, [])
            for f in faults:
                if isinstance(f, Disconnect):
                    if out and not self._write_all(bytes(out)):
                        return
                    self.truth.bytes_written += len(out)
                    out.clear()
                    self._disconnect(f)
                    return
            pkt = self._produce()
            if not pkt:
                self._exhausted = True
                break
            self.truth.add_packet(len(pkt))
            for f in faults:
                if isinstance(f, InsertGarbage):
                    out += f.data
                    self.truth.garbage.append((k, f.data))
                elif isinstance(f, Stall):
                    if out and not self._write_all(bytes(out)):
                        return
                    self.truth.bytes_written += len(out)
                    out.clear()
                    self.truth.stalls.append((k, f.ms))
                    self._stop.wait(f.ms / 1000.0)
            if k in self._drop:
                self.truth.dropped.append(k)
                continue
            cor = [f for f in faults if isinstance(f, CorruptBytes)]
            if cor:
                b = bytearray(pkt)
                for f in cor:
                    for off in f.offsets:
                        b[off] ^= f.xor
                pkt = bytes(b)
                self.truth.corrupted.append(k)
            else:
                self.truth.delivered.append(k)
                self.truth.n_delivered += 1
            out += pkt
        if out and self._write_all(bytes(out)):
            self.truth.bytes_written += len(out)

    def pending_bytes(self) -> int:
        """Bytes written but not yet read by the host (FIONREAD on the slave side)."""
        if self._slave is None:
            return 0
        import fcntl
        import termios

        buf = fcntl.ioctl(self._slave, termios.FIONREAD, b"\0\0\0\0")
        return int(struct.unpack("i", buf)[0])

    def _disconnect(self, f: Disconnect) -> None:
        # let the host read what is already in flight (up to drain_timeout), so the truth
        # is exact; whatever is still unread when the pty closes is lost and counted
        # (the kernel moves master writes to the slave's queue asynchronously: settle first)
        deadline = time.monotonic() + self.drain_timeout
        if self.drain_timeout > 0:
            time.sleep(min(0.05, self.drain_timeout))
        while self.pending_bytes() and time.monotonic() < deadline and not self._stop.is_set():
            time.sleep(0.005)
        self.truth.unread_at_disconnect.append(self.pending_bytes())
        self._close_pty()
        self._reopen_at = time.monotonic() + f.duration_s
        lose = f.lose_packets
        if lose is None:
            lose = round(f.duration_s * self.packet_rate)
        k0 = self.truth.n_packets
        for _ in range(lose):
            pkt = self._produce()
            if not pkt:
                self._exhausted = True
                break
            self.truth.lost_in_disconnect.append(self.truth.n_packets)
            self.truth.add_packet(len(pkt))
        self.truth.disconnects.append((k0, self.truth.n_packets - k0))
        # the fault fired: remove it so the reconnect does not disconnect again
        self._faults[k0] = [x for x in self._faults.get(k0, []) if x is not f]
        if self.realtime and self._t0 is not None:
            # packets that became due while closed were just consumed above; keep the pace
            self._t0 = time.monotonic() + f.duration_s - self.truth.n_packets / self.packet_rate


# ---------------------------------------------------------------------- the cued subject


def _stream_sample(model: Any) -> int:
    """Index of the next sample the model acquires, counted from its stream start."""
    seq = getattr(model, "seq", None)  # framed (Arduino) models: samples since START
    if seq is not None:
        return int(seq)
    packets = int(getattr(model, "_packet", 0))  # Cyton: packets since 'b'
    return packets // 2 if getattr(model, "daisy_active", False) else packets


def _model_row(model: Any) -> int:
    return int(getattr(model, "_row", 0))


class CuedSubject:
    """A synthetic subject that acts out the trials a guided session cues, when cued.

    The subject's whole protocol is rendered once by
    :func:`emgkit.simulate.subject.synthesize_session` (its activation model, MVCs and
    inhibition; :attr:`truth` is that rendering's ground truth). The emulator streams the
    rendered session in order until the session runner first calls :meth:`cue` (free
    movement, e.g. for biofeedback practice), then the quiet baseline (the protocol's ``rest``
    trial, looped) whenever no cued trial is playing. When :meth:`cue` is called at the start
    of a trial, from the sample :meth:`cue` returns the subject
    plays that trial's rendered rows (its lead-in, lift/hold/lower of every rep, with the
    trial's side, cue and muscle), then returns to the baseline. Because the runner schedules
    its cues with the same phase durations (:mod:`emgkit.app.session.runner`), the markers
    the runner writes land on the rendered reps, and the session analyses to :attr:`truth`.

    Sample indices are counted from the device's stream start, which is the recorder's sample
    0 when no packet is lost before the first trial (packet loss shifts the alignment by the
    lost samples; a real subject's reaction time shifts it too).

    Parameters
    ----------
    samples_uv : ndarray, shape (n_samples, n_channels)
        The rendered session (microvolts), what the device model is built from. Hand it to
        the model with :meth:`take_samples`, which keeps only its length (a 16-channel
        rendering of the full protocol is about 240 MiB).
    plans : dict
        Trial id -> (first row, stop row, lead-in samples) of its rendering: the lead-in
        rows before the first movement (0 for a rest trial) are part of it.
    rest : (int, int)
        Rows of the quiet baseline that loop between trials.
    frame : int
        Samples per packet (a cue starts on a packet boundary).
    truth : GroundTruth, optional
    """

    def __init__(
        self,
        samples_uv: npt.NDArray[np.float64],
        plans: dict[str, tuple[int, int, int]],
        rest: tuple[int, int],
        frame: int = 1,
        truth: Any = None,
    ) -> None:
        self.samples_uv: npt.NDArray[np.float64] | None = samples_uv
        #: Rows of the rendered session (kept after :meth:`take_samples`).
        self.n_rows = int(samples_uv.shape[0])
        self.plans = plans
        r0, r1 = int(rest[0]), int(rest[1])
        if r1 - r0 < 2 * max(1, frame):
            raise ConfigError("the cued subject's rest rows are too short to loop")
        self.rest = (r0, r1)
        self.frame = max(1, int(frame))
        self.truth = truth
        self.lock = threading.Lock()
        #: (stream sample, first row, stop row) of every trial cued so far, in order.
        self.cues: list[tuple[int, int, int]] = []
        self._playing: tuple[int, int, int] | None = None
        self._next_cue = 0
        self._next_sample = 0
        #: Until the first cue the subject moves freely (the rendered session plays in order,
        #: as before issue 14), so a live view or biofeedback screen shows activity while the
        #: runner waits for the operator; from the first cue on it rests between trials.
        self.free = True

    def take_samples(self) -> npt.NDArray[np.float64]:
        """The rendered session, for building the device model; the subject forgets it.

        Returns
        -------
        ndarray, shape (n_samples, n_channels)
            Microvolts. A second call raises :class:`~emgkit.errors.ConfigError`.
        """
        if self.samples_uv is None:
            raise ConfigError("the cued subject's samples were already handed to a model")
        data, self.samples_uv = self.samples_uv, None
        return data

    def before_packet(self, model: Any, frame: int = 1) -> None:
        """Point the model's next row at what the subject does now (emulator thread).

        Parameters
        ----------
        model : DeviceModel
            The emulated device's model; its ``_row`` (next sample row) is moved.
        frame : int
            Samples per packet (a framed model's ``samples_per_frame``, else 1): cued rows
            start on a packet boundary.
        """
        if getattr(model, "daisy_active", False) and int(getattr(model, "_packet", 0)) % 2 == 0:
            return  # a Cyton+Daisy row spans two packets: switch rows only between rows
        s = _stream_sample(model)
        self._next_sample = s
        self.frame = max(1, int(frame))
        if self._next_cue < len(self.cues) and s >= self.cues[self._next_cue][0]:
            self._playing = self.cues[self._next_cue]
            self._next_cue += 1
            at, row0, _ = self._playing
            model._row = row0 + (s - at)
            return
        if self._playing is not None:
            at, row0, row1 = self._playing
            if s - at < row1 - row0:
                return  # the trial plays on
            self._playing = None
            model._row = self.rest[0]
            return
        if self.free:
            return
        r0, r1 = self.rest
        row = _model_row(model) % max(1, self.n_rows)
        if not r0 <= row <= r1 - self.frame:
            model._row = r0

    def frames_unchanged(self, model: Any, frame: int) -> int:
        """Packets after the one :meth:`before_packet` just prepared that it would leave alone.

        For that many following packets (of ``frame`` samples each) :meth:`before_packet`
        would neither move the model's row nor change what the subject does: no cued trial
        starts or ends, and the rest loop does not wrap. The emulator builds them in one batch
        (:meth:`batched` then records them). Call with :attr:`lock` held.

        Parameters
        ----------
        model : DeviceModel
            The model :meth:`before_packet` was just called with.
        frame : int
            Samples per packet.

        Returns
        -------
        int
            Number of packets (0: the next one may need a change).
        """
        if getattr(model, "daisy_active", False):
            return 0
        k = max(1, int(frame))
        s = _stream_sample(model)
        free = 1 << 62
        if self._next_cue < len(self.cues):
            # packet j (at sample s + j k) starts the next cue once s + j k >= its sample
            c = self.cues[self._next_cue][0]
            free = min(free, max(0, -(-(c - s) // k) - 1))
        if self._playing is not None:
            # the trial plays on while s + j k - at < its rows
            at, row0, row1 = self._playing
            free = min(free, max(0, (row1 - row0 - (s - at) - 1) // k))
        elif not self.free:
            # the rest loop goes on while the row stays within [r0, r1 - k] (before_packet
            # just put it at or above r0)
            r1 = self.rest[1]
            row = _model_row(model) % max(1, self.n_rows)
            free = min(free, max(0, (r1 - k - row) // k))
        return free

    def batched(self, n_packets: int, frame: int) -> None:
        """Record that ``n_packets`` more packets were built after the one just prepared.

        They were covered by :meth:`frames_unchanged`; a trial cued from now on starts after
        them, as if :meth:`before_packet` had been called for each. Call with :attr:`lock`
        held.

        Parameters
        ----------
        n_packets : int
            Packets built after the one :meth:`before_packet` prepared.
        frame : int
            Samples per packet.
        """
        self._next_sample += int(n_packets) * max(1, int(frame))

    def cue(self, trial_id: str, not_before: int, lead_in: int) -> int:
        """The runner starts ``trial_id``; returns the stream sample its schedule starts at.

        Parameters
        ----------
        trial_id : str
            An expanded trial id of the rendered protocol.
        not_before : int
            The runner's schedule position (samples).
        lead_in : int
            Samples from the runner's trial start to its first movement cue (the countdown).

        Returns
        -------
        int
            Sample at which the runner starts the trial (its countdown); the rendered trial's
            first rep starts ``lead_in`` samples later.
        """
        if trial_id not in self.plans:
            raise ConfigError(f"the emulated subject has no trial {trial_id!r}")
        row0, row1, own = self.plans[trial_id]
        shift = lead_in - own  # runner start -> rendered trial start
        with self.lock:
            self.free = False
            earliest = max(self._next_sample + 2 * self.frame, not_before + shift)
            play = -(-earliest // self.frame) * self.frame
            self.cues.append((play, row0, row1))
        return play - shift


def cued_subject(
    kind: str,
    profile: str,
    protocol: Any,
    *,
    fs: float | None = None,
    n_channels: int | None = None,
    seed: int = 0,
) -> CuedSubject:
    """Render ``profile`` doing ``protocol`` at the device's rate, ready to be cued.

    Parameters
    ----------
    kind : str
        Device name (``"arduino"``, ``"cyton"``...), with or without ``emulated-``.
    profile : str
        Synthetic subject profile (:data:`emgkit.simulate.PROFILES`).
    protocol : Protocol
        The protocol the session guides the subject through (its trial ids are cued).
    fs, n_channels : optional
        As for :func:`make_model`.
    seed : int

    Returns
    -------
    CuedSubject
    """
    from emgkit.simulate import subject as _subject

    spec = get_device(kind)
    rate = spec.fs_options[0] if spec.fs_options else float(fs or spec.default_fs)
    nch = int(n_channels or spec.n_channels)
    rec, truth = _subject.synthesize_session(profile, fs=rate, protocol=protocol, seed=seed)
    data = _fit_channels(np.asarray(rec.filled().data, dtype=np.float64), nch, seed)
    tasks = {t.id: t.task for t in protocol.expanded()}
    lead = round(_subject.LEAD_IN_S * rate)
    plans: dict[str, tuple[int, int, int]] = {}
    rest: tuple[int, int] | None = None
    for ev in rec.events:
        if ev.label == "trial" and ev.trial:
            a = round(ev.onset * rate)
            b = round((ev.onset + ev.duration) * rate)
            plans[ev.trial] = (a, b, 0 if tasks.get(ev.trial) == "rest" else lead)
    for tid, (a, b, _) in plans.items():
        if tasks.get(tid) == "rest" and b - a > rate * 0.5:
            rest = (a, b)
            break
    if rest is None:  # no rest trial: the quiet pad before the first trial
        first = min((p[0] for p in plans.values()), default=data.shape[0])
        rest = (0, max(first, 2))
    # the per-sample activation is for the simulator's own tests; float32 halves what the
    # live screen keeps of it (levels, onsets and MVCs, what sessions are checked against,
    # are unchanged)
    truth.activation = truth.activation.astype(np.float32)
    return CuedSubject(data, plans, rest, truth=truth)


# ---------------------------------------------------------------------- factories


#: RMS (uV) of the noise on device inputs the synthetic montage does not use (e.g. Cyton
#: channels 7-8 with the 6-channel bridge montage): an electrode-floor level, a convention.
UNUSED_INPUT_UV = 2.0


def _fit_channels(data: npt.NDArray[np.float64], n: int, seed: int) -> npt.NDArray[np.float64]:
    """``n`` columns: the subject's channels, then independent noise on the unused inputs.

    Copies of the subject's channels would show up as duplicated channels in the live view.
    """
    if data.shape[1] >= n:
        return np.ascontiguousarray(data[:, :n])
    rng = np.random.default_rng([int(seed), 7])
    extra = rng.normal(0.0, UNUSED_INPUT_UV, size=(data.shape[0], n - data.shape[1]))
    return np.ascontiguousarray(np.hstack([data, extra]))


def _subject_samples(
    subject: str | None, fs: float, n_channels: int, seed: int, duration: float | None
) -> npt.NDArray[np.float64]:
    """Microvolt samples for the model: a synthetic subject when available, else noise."""
    data: npt.NDArray[np.float64] | None = None
    if subject is not None:
        try:
            from emgkit.simulate import subject as _subject
        except ImportError:
            _subject = None  # type: ignore[assignment]
        if _subject is not None:
            rec, _truth = _subject.synthesize_session(subject, fs=fs, seed=seed)
            data = np.asarray(rec.filled().data, dtype=np.float64)
            if duration is not None:
                data = data[: round(duration * fs)]
    if data is None:
        rng = np.random.default_rng(seed)
        n = round((duration if duration is not None else 10.0) * fs)
        data = rng.normal(0.0, 20.0, size=(n, n_channels))
    return _fit_channels(data, n_channels, seed)


def make_model(
    kind: str,
    *,
    samples_uv: npt.ArrayLike | None = None,
    subject: str | None = None,
    fs: float | None = None,
    n_channels: int | None = None,
    duration: float | None = None,
    seed: int = 0,
    **model_kwargs: Any,
) -> DeviceModel:
    """Build the pure model of a registered device (``"cyton"``, ``"cyton-daisy"``, ``"arduino"``).

    ``samples_uv`` (n, n_channels) microvolts wins; else a synthetic ``subject`` profile is
    synthesised at the device rate (noise when :mod:`emgkit.simulate.subject` is missing).

    Parameters
    ----------
    kind : str
        Registered device name (see :func:`emgkit.devices.registry.get_device`).
    samples_uv : array_like, optional
        Samples to stream, shape (n_samples, n_channels), in microvolts; used as given.
    subject : str, optional
        Synthetic subject profile (e.g. ``"healthy"``, see :data:`emgkit.simulate.PROFILES`);
        None (and no ``samples_uv``): Gaussian noise of 20 microvolts SD.
    fs : float, optional
        Sampling rate in Hz for devices without fixed rates (else their first rate is used);
        default: the device's default rate.
    n_channels : int, optional
        Channels of the synthesised samples (default: the device's channel count); unused
        inputs get independent noise.
    duration : float, optional
        Length of the synthesised samples in seconds (default: the whole synthetic session,
        10 s of noise without a subject).
    seed : int
        Seed of the synthetic subject and of the noise.
    **model_kwargs
        Passed to the device's model class.

    Returns
    -------
    DeviceModel
        The pure model, ready for :class:`Emulator`.
    """
    spec = get_device(kind)
    rate = spec.fs_options[0] if spec.fs_options else float(fs or spec.default_fs)
    nch = int(n_channels or spec.n_channels)
    data = (
        np.asarray(samples_uv, dtype=np.float64)
        if samples_uv is not None
        else _subject_samples(subject, rate, nch, seed, duration)
    )
    return spec.model(data, fs=rate, **model_kwargs)


@contextlib.contextmanager
def emulate(
    kind: str | DeviceModel,
    *,
    subject: str | None = None,
    samples_uv: npt.ArrayLike | None = None,
    faults: Sequence[Fault] = (),
    realtime: bool = False,
    packet_rate: float | None = None,
    **model_kwargs: Any,
) -> Iterator[Emulator]:
    """Run an emulated device on a pty for the duration of a ``with`` block.

    Parameters
    ----------
    kind : str or DeviceModel
        Registered device name (the model is built by :func:`make_model`) or a model.
    subject : str, optional
        Synthetic subject profile streamed by the device (see :func:`make_model`).
    samples_uv : array_like, optional
        Samples to stream, shape (n_samples, n_channels), in microvolts (wins over
        ``subject``).
    faults : sequence of Fault
        Faults injected into the stream (e.g. :class:`DropPackets`).
    realtime : bool
        Pace packets at the device's packet rate; else send as fast as the host reads.
    packet_rate : float, optional
        Packets per second at real time (default: the model's).
    **model_kwargs
        Passed to :func:`make_model` (e.g. ``fs``, ``n_channels``, ``duration``, ``seed``).

    Yields
    ------
    Emulator
        The running emulator; its ``port`` is the pty path to open.

    Raises
    ------
    DeviceError
        When the emulator thread failed.

    Examples
    --------
    >>> faults = [DropPackets(100, 3)]
    >>> with emulate("cyton", subject="healthy", faults=faults) as emu:  # doctest: +SKIP
    ...     path = record("cyton", emu.port, out="s.bdf", duration=5)
    """
    model = (
        make_model(kind, subject=subject, samples_uv=samples_uv, **model_kwargs)
        if isinstance(kind, str)
        else kind
    )
    emu = Emulator(model, faults=faults, realtime=realtime, packet_rate=packet_rate)
    emu.start()
    try:
        yield emu
    finally:
        emu.stop()
        if emu.error is not None:
            raise DeviceError(f"the emulator failed: {emu.error}") from emu.error
