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
import fcntl
import os
import select
import shutil
import struct
import tempfile
import termios
import threading
import time
import tty
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
    "CorruptBytes",
    "DeviceModel",
    "Disconnect",
    "DropPackets",
    "Emulator",
    "EmulatorTruth",
    "InsertGarbage",
    "Stall",
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


@dataclass(slots=True)
class EmulatorTruth:
    """Exactly what the emulator did, packet by packet (packet numbers from 0 at stream start).

    Attributes
    ----------
    delivered : list of int
        Packets written intact.
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
    packet_sizes : list of int
        Size of every packet generated, in order.
    """

    delivered: list[int] = field(default_factory=list)
    dropped: list[int] = field(default_factory=list)
    corrupted: list[int] = field(default_factory=list)
    lost_in_disconnect: list[int] = field(default_factory=list)
    garbage: list[tuple[int, bytes]] = field(default_factory=list)
    disconnects: list[tuple[int, int]] = field(default_factory=list)
    stalls: list[tuple[int, float]] = field(default_factory=list)
    bytes_written: int = 0
    packet_sizes: list[int] = field(default_factory=list)
    commands: list[bytes] = field(default_factory=list)
    unread_at_disconnect: list[int] = field(default_factory=list)

    @property
    def n_packets(self) -> int:
        """Packets generated so far."""
        return len(self.packet_sizes)

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
    ) -> None:
        self.model = model
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

    # ------------------------------------------------------------------ pty handling
    @property
    def port(self) -> str:
        """Path the host opens (a symlink to the current ``/dev/pts/N``)."""
        return str(self._link)

    @property
    def slave_name(self) -> str | None:
        """The current ``/dev/pts/N`` (None while disconnected)."""
        return os.ttyname(self._slave) if self._slave is not None else None

    def _open_pty(self) -> None:
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
        for fd in (self._master, self._slave):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._master = self._slave = None
        with contextlib.suppress(FileNotFoundError):
            self._link.unlink()

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> Emulator:
        """Create the pty and start the emulator thread."""
        self._open_pty()
        self._thread = threading.Thread(target=self._run, name=f"emgkit-{self.name}", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the thread, close the pty and remove the symlink directory."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._close_pty()
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
                n = os.write(self._master, view)
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
            cmd = os.read(master, 4096)
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
                if self._master is None:
                    assert self._reopen_at is not None
                    wait = self._reopen_at - time.monotonic()
                    if wait > 0 and self._stop.wait(min(wait, 0.05)):
                        break
                    if time.monotonic() >= self._reopen_at:
                        self._open_pty()
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
            pkt = self._next_packet()
            if not pkt:
                self._exhausted = True
                break
            self.truth.packet_sizes.append(len(pkt))
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
            out += pkt
        if out and self._write_all(bytes(out)):
            self.truth.bytes_written += len(out)

    def pending_bytes(self) -> int:
        """Bytes written but not yet read by the host (FIONREAD on the slave side)."""
        if self._slave is None:
            return 0
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
            pkt = self._next_packet()
            if not pkt:
                self._exhausted = True
                break
            self.truth.lost_in_disconnect.append(self.truth.n_packets)
            self.truth.packet_sizes.append(len(pkt))
        self.truth.disconnects.append((k0, self.truth.n_packets - k0))
        # the fault fired: remove it so the reconnect does not disconnect again
        self._faults[k0] = [x for x in self._faults.get(k0, []) if x is not f]
        if self.realtime and self._t0 is not None:
            # packets that became due while closed were just consumed above; keep the pace
            self._t0 = time.monotonic() + f.duration_s - self.truth.n_packets / self.packet_rate


# ---------------------------------------------------------------------- factories


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
    if data.shape[1] < n_channels:
        reps = -(-n_channels // data.shape[1])
        data = np.tile(data, (1, reps))
    return np.ascontiguousarray(data[:, :n_channels])


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
