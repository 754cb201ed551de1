"""Sample-counter bookkeeping shared by the OpenBCI readers: wraps versus real gaps.

OpenBCI boards number their samples with a small wrapping counter (Cyton 0..255, Ganglion
0..200 or 0..100). A step of exactly one counter unit (modulo the counter range) is a normal
sample, a wrap included; a larger step means samples were lost on the radio link. A loss of a
whole counter cycle or more cannot be seen in the counter alone, so where a host timestamp
column exists the time jump is used to add the missing whole cycles.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from emgkit.io.base import format_error
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


def row_positions(
    path: str | Path,
    device: str,
    counter: npt.NDArray[np.float64] | None,
    fs: float,
    timestamps_s: npt.NDArray[np.float64] | None,
    n_rows: int,
    *,
    first_line: int,
    extra: dict[str, Any],
) -> tuple[npt.NDArray[np.int64], int, list[Gap]]:
    """Where each data row goes on the sample clock: from the board's counter, else in order.

    Parameters
    ----------
    path : str or Path
        The file, for error messages.
    device : str
        Board name (chooses the counter's modulus, see :func:`counter_modulus`).
    counter : ndarray, optional
        The sample-counter column; None: the file has none, rows are taken as contiguous.
    fs : float
        Sampling rate in Hz.
    timestamps_s : ndarray, optional
        Host timestamps in seconds (resolve counter laps across long losses).
    n_rows : int
        Data rows read.
    first_line : int
        Lines before the first data row (error messages name the file's line).
    extra : dict
        Receives ``counter_wraps``, ``counter_modulus`` and ``counter_step`` when there is a
        counter.

    Returns
    -------
    positions : ndarray of int64
        Output row of each input row.
    n_out : int
        Rows of the output (input rows plus missing samples).
    gaps : list of Gap
        The runs of missing samples.

    Raises
    ------
    FormatError
        The counter contradicts itself (naming the file and line).
    """
    if counter is None:
        return np.arange(n_rows, dtype=np.int64), n_rows, []
    mod = counter_modulus(device, counter)
    try:
        cg = find_counter_gaps(counter, fs, mod, timestamps_s)
    except RowError as exc:
        raise format_error(
            path, f"data row {exc.row + 1}: {exc.what}", line=first_line + exc.row + 1
        ) from None
    extra.update(counter_wraps=cg.n_wraps, counter_modulus=mod, counter_step=cg.step)
    return cg.positions, cg.n_out, cg.gaps
