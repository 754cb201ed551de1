"""Sample-counter bookkeeping shared by the OpenBCI readers: wraps versus real gaps.

OpenBCI boards number their samples with a small wrapping counter (Cyton 0..255, Ganglion
0..200 or 0..100). A step of exactly one counter unit (modulo the counter range) is a normal
sample, a wrap included; a larger step means samples were lost on the radio link. A loss of a
whole counter cycle or more cannot be seen in the counter alone, so where a host timestamp
column exists the time jump is used to add the missing whole cycles.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from emgkit.recording import Gap

__all__ = [
    "MAX_GAP_S",
    "CounterGaps",
    "RowError",
    "counter_modulus",
    "find_counter_gaps",
    "place_rows",
]


#: A host-timestamp jump longer than this (s) is taken as a corrupt timestamp, not a gap.
MAX_GAP_S = 3600.0


class RowError(Exception):
    """A bad counter or timestamp value at a data row (0-based); readers raise FormatError."""

    def __init__(self, row: int, what: str) -> None:
        super().__init__(row, what)
        self.row = row
        self.what = what


@dataclass(frozen=True)
class CounterGaps:
    """Where rows go on the uniform time base and which samples are missing."""

    positions: npt.NDArray[np.int64]  # output row of each input row
    n_out: int
    gaps: list[Gap]
    n_wraps: int
    step: int
    modulus: int


def counter_modulus(device: str, counter: npt.NDArray[np.float64]) -> int:
    """Counter range: 256 for Cyton (and Daisy), 201 or 101 for the Ganglion."""
    mx = int(np.nanmax(counter)) if counter.size else 0
    if device.startswith("ganglion"):
        return 101 if mx <= 100 else 201
    return 256


def find_counter_gaps(
    counter: npt.NDArray[np.float64],
    fs: float,
    modulus: int,
    timestamps_s: npt.NDArray[np.float64] | None = None,
) -> CounterGaps:
    """Detect lost samples from a wrapping sample counter (and host timestamps).

    Parameters
    ----------
    counter : ndarray, shape (n,)
        The sample index column.
    fs : float
        Sampling rate in Hz.
    modulus : int
        Counter range (256 means the counter runs 0..255).
    timestamps_s : ndarray, optional
        Host timestamps in seconds; used to add whole lost counter cycles.

    Returns
    -------
    CounterGaps
    """
    n = counter.shape[0]
    bad = np.flatnonzero((counter < 0) | (counter >= modulus) | (counter != np.round(counter)))
    if bad.size:
        i = int(bad[0])
        raise RowError(i, f"sample index {counter[i]:g} is not an integer in 0..{modulus - 1}")
    c = np.asarray(counter, dtype=np.int64)
    if n < 2:
        return CounterGaps(np.arange(n, dtype=np.int64), n, [], 0, 1, modulus)
    d = np.mod(np.diff(c), modulus)
    nz = d[d > 0]
    step = 1
    if nz.size:
        vals, counts = np.unique(nz, return_counts=True)
        step = int(vals[np.argmax(counts)])
    n_wraps = int(np.count_nonzero(np.diff(c) < 0))
    # samples missing before each row (row i+1)
    missing = np.mod(d - step, modulus) // step
    cycle = modulus // step  # samples per counter cycle
    if timestamps_s is not None and np.isfinite(timestamps_s).all():
        dt = np.diff(timestamps_s)
        bad = np.flatnonzero((dt < -1.0) | (dt > MAX_GAP_S))
        if bad.size:
            i = int(bad[0]) + 1
            raise RowError(
                i,
                f"the timestamp jumps by {float(dt[i - 1]):.3f} s; expected steady time stamps",
            )
        expected = (missing + 1) / fs
        period = cycle / fs
        extra = np.floor((dt - expected) / period + 0.5)
        extra[(dt - expected) < 0.5 * period] = 0
        # a big counter jump with no time jump is a counter reset (GUI restart), not a loss
        reset = (missing >= cycle // 2) & (dt < 0.5 * expected)
        missing = np.where(reset, 0, missing + extra.astype(np.int64) * cycle)
    missing = missing.astype(np.int64)
    positions = np.empty(n, dtype=np.int64)
    positions[0] = 0
    positions[1:] = np.cumsum(missing + 1)
    gaps = [
        Gap(int(positions[i + 1] - missing[i]), int(missing[i]), "packet loss")
        for i in np.flatnonzero(missing > 0)
    ]
    return CounterGaps(positions, int(positions[-1]) + 1, gaps, n_wraps, step, modulus)


def place_rows(
    values: npt.NDArray[np.float64], positions: npt.NDArray[np.int64], n_out: int
) -> npt.NDArray[np.float64]:
    """Put rows at their positions on the uniform time base; missing rows are NaN."""
    if n_out == values.shape[0]:
        return values
    out = np.full((n_out, values.shape[1]), np.nan)
    out[positions] = values
    return out
