"""The contract between byte parsers, transports, recorders and emulators.

Parsers are pure: bytes in, arrays out. They keep only the state needed to join chunks
(a partial packet, the last sequence number), never a port or a thread. The transport feeds
them whatever the port delivered; the recorder journals the raw bytes, so a recovered
session is re-parsed by the very same parser and equals the live one sample for sample.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

__all__ = ["DeviceDriver", "DeviceModel", "DeviceSpec", "ParseResult", "StreamParser"]


@dataclass(slots=True)
class ParseResult:
    """What one call to :meth:`StreamParser.feed` decoded.

    Attributes
    ----------
    samples : ndarray, shape (n, n_channels), float64
        Decoded samples in microvolts (envelope channels in microvolts of envelope), in arrival
        order, one row per received sample. Missing samples are *not* inserted here.
    sample_index : ndarray, shape (n,), int64
        Position of each row on the device's continuous sample clock, counted from the first
        sample the parser ever decoded (index 0). Gaps show up as jumps; consumers place rows at
        these indices and fill the holes with NaN.
    n_lost : int
        Samples known lost in this chunk (sum of the gap sizes found by sequence counters).
    gaps : list of (int, int)
        ``(start_index, n_missing)`` for each run of lost samples detected in this chunk, on the
        same clock as ``sample_index``.
    n_bad_bytes : int
        Bytes discarded while resynchronising (corrupt, inserted, or partial frames).
    aux : dict of str to ndarray
        Extra per-row data (e.g. ``"accel"`` (n, 3) in g, ``"timestamp_us"`` (n,)).
    """

    samples: npt.NDArray[np.float64]
    sample_index: npt.NDArray[np.int64]
    n_lost: int = 0
    gaps: list[tuple[int, int]] = field(default_factory=list)
    n_bad_bytes: int = 0
    aux: dict[str, npt.NDArray[np.float64]] = field(default_factory=dict)

    @classmethod
    def empty(cls, n_channels: int) -> ParseResult:
        """A result with no rows."""
        return cls(np.empty((0, n_channels)), np.empty(0, dtype=np.int64))


@runtime_checkable
class StreamParser(Protocol):
    """A stateful, pure decoder of one device's byte stream.

    A parser that holds rows back for look-ahead (the Cyton parser confirms each packet by the
    next one, because the protocol has no checksum) also has ``flush() -> ParseResult``, which
    releases what it can safely release at the end of a stream; transports and the journal
    call it when present (:func:`emgkit.acquisition.journal.flush_parser`).
    """

    @property
    def n_channels(self) -> int:
        """Number of EMG channels per row of :attr:`ParseResult.samples`."""
        ...

    @property
    def fs(self) -> float:
        """Nominal sampling rate of the decoded rows, in Hz."""
        ...

    def feed(self, data: bytes) -> ParseResult:
        """Decode ``data`` appended to whatever earlier calls left over."""
        ...

    def reset(self) -> None:
        """Forget partial frames and sequence state (after a reconnect)."""
        ...


class DeviceModel(Protocol):
    """What an emulator needs from a pure device model (CytonModel, ArduinoModel)."""

    def handle(self, cmd: bytes) -> bytes:
        """Answer a command chunk from the host."""
        ...

    def next_bytes(self, n_packets: int) -> bytes:
        """The next ``n_packets`` packets/frames of the stream (empty when exhausted)."""
        ...


@dataclass
class DeviceDriver:
    """Base class: handshake, parser spec and start/stop for one kind of device."""

    name: str = "device"
    baudrate: int = 115200
    parser_spec: dict[str, Any] = field(default_factory=dict)
    firmware: str = ""
    hardware_bandwidth_hz: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def prepare(self, port: Any) -> None:
        """Handshake and configure (not streaming yet); fills :attr:`parser_spec`."""
        raise NotImplementedError

    def start(self, port: Any) -> bytes:
        """Start streaming; return stream bytes read while doing so (to journal and parse)."""
        raise NotImplementedError

    def stop(self, port: Any) -> None:
        """Stop streaming (best effort)."""

    def restart(self, port: Any) -> bytes:
        """After a reconnect: handshake again and start."""
        self.prepare(port)
        return self.start(port)


@dataclass(frozen=True, slots=True)
class DeviceSpec:
    """One device emgkit records from: the single row the registry holds for it.

    Attributes
    ----------
    name : str
        Device name used on the command line and in journals (``"cyton"``); the emulated
        form is ``"emulated-" + name``.
    description : str
        One line for ``--help`` and ``emgkit devices``.
    n_channels : int
        EMG channels per row by default.
    fs_options : tuple of float
        Sampling rates the device can stream at; empty when any rate can be configured.
    parser : callable
        ``parser(**kwargs) -> StreamParser``; journals name it by :attr:`name` (with keyword
        arguments that are JSON values), never by a Python import path.
    parser_keywords : tuple of str
        The keywords a journal may pass to :attr:`parser` (anything else is refused).
    driver : callable
        ``driver(fs=, gains=, n_channels=, kinds=) -> DeviceDriver`` (handshake, start, stop).
    model : callable
        ``model(samples_uv, fs=, **kwargs) -> DeviceModel``: the pure emulator model.
    default_fs : float
        Rate an emulated device streams at when none is asked for.
    hardware_bandwidth_hz : float or None
        Upper -3 dB edge of the analogue front end / decimation filter, if fixed.
    legacy_parser_paths : tuple of str
        The ``"module:Class"`` strings emgkit 0.1 wrote into journals for this parser.
    components : dict of str to (callable, tuple of str)
        Parser parts a journal may name inside the parser's keyword arguments (e.g. the MyoWare
        counts-to-microvolts converter), by name: factory and allowed keywords.
    legacy_component_paths : dict of str to str
        0.1 ``"module:Class"`` of each component -> its name in :attr:`components`.
    """

    name: str
    description: str
    n_channels: int
    fs_options: tuple[float, ...]
    parser: Callable[..., StreamParser]
    parser_keywords: tuple[str, ...]
    driver: Callable[..., DeviceDriver]
    model: Callable[..., DeviceModel]
    default_fs: float
    hardware_bandwidth_hz: float | None = None
    legacy_parser_paths: tuple[str, ...] = ()
    components: dict[str, tuple[Callable[..., Any], tuple[str, ...]]] = field(default_factory=dict)
    legacy_component_paths: dict[str, str] = field(default_factory=dict)
