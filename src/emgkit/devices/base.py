"""The contract between byte parsers, transports, recorders and emulators.

Parsers are pure: bytes in, arrays out. They keep only the state needed to join chunks
(a partial packet, the last sequence number), never a port or a thread. The transport feeds
them whatever the port delivered; the recorder journals the raw bytes, so a recovered
session is re-parsed by the very same parser and equals the live one sample for sample.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

__all__ = ["ParseResult", "StreamParser"]


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
