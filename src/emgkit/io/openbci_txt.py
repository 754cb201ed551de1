"""OpenBCI GUI text recordings (``OpenBCI-RAW-*.txt``), every generation.

Three generations are recognised (GUI ``DataWriterODF.pde``):

* v3/v4 and older: first line ``%OpenBCI Raw EEG Data``, six ``%`` lines (``%Sample Rate =
  250.0 Hz``, ``%First Column = SampleIndex``, ...), **no column-name line**. Rows: sample index,
  the EXG channels (uV), three accelerometer/aux values (g), a wall-clock ``HH:MM:SS.mmm`` and,
  from late 2018, Unix milliseconds. The channel count comes from ``%Number of channels`` when
  present, else from the board implied by the rate (200 Hz Ganglion: 4, 250 Hz Cyton: 8,
  125 Hz Cyton+Daisy: 16) and is checked against the number of fields.
* v5.0-5.1: ``%OpenBCI Raw EEG Data`` with ``%Number of channels``, ``%Sample Rate``,
  ``%Board`` and a column line whose non-EXG columns are all named ``Other``; those are
  identified by their position in the board's BrainFlow row layout (file column *i* is
  BrainFlow row *i*).
* v5.0 without a column line (the GUI's own sample ``OpenBCI_GUI-v5-blinks-jawClench-
  alpha.txt``): ``%OpenBCI Raw EEG Data``, ``%Number of channels``, ``%Sample Rate``,
  ``%Board``, then an all-zero row, then index, EXG, accel, ten zeros, Unix ms, clock time.
* v5.2+/v6: ``%OpenBCI Raw EXG Data`` and named columns (``Sample Index``, ``EXG Channel 0``,
  ``Accel Channel 0``, ``Timestamp``, ``Marker Channel``, ``Timestamp (Formatted)``, ...).

Leading all-zero rows followed by counter 0 (a GUI placeholder, any generation) are not
samples: they are dropped and counted in ``info.extra["leading_zero_rows_dropped"]``.
Sample-index wraps (0..255 Cyton, 0..200 or 0..100 Ganglion) are not gaps; counter jumps are,
and become NaN rows plus :class:`~emgkit.recording.Gap` records. Markers become events.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from emgkit.hardware import ADS1299_BANDWIDTH, ads1299_bandwidth_hz
from emgkit.io._gaps import place_rows, row_positions
from emgkit.io.base import format_error, read_head, read_numeric_table
from emgkit.recording import Channel, Event, Recording, SessionInfo, SignalKind

__all__ = [
    "ADS1299_BANDWIDTH_HZ",
    "BOARD_LAYOUTS",
    "ads1299_bandwidth_hz",
    "is_openbci_txt",
    "markers_to_events",
    "read_openbci_txt",
    "session_date",
]

#: -3 dB bandwidth of the Cyton at 250 SPS (the one value in emgkit.hardware).
ADS1299_BANDWIDTH_HZ = ADS1299_BANDWIDTH[250.0]


#: BrainFlow row layouts (BF ``brainflow_boards.cpp``): board id -> rows and rate.
BOARD_LAYOUTS: dict[int, dict[str, Any]] = {
    0: {
        "device": "cyton",
        "fs": 250.0,
        "num_rows": 24,
        "package": 0,
        "exg": list(range(1, 9)),
        "accel": [9, 10, 11],
        "timestamp": 22,
        "marker": 23,
    },
    1: {
        "device": "ganglion",
        "fs": 200.0,
        "num_rows": 15,
        "package": 0,
        "exg": [1, 2, 3, 4],
        "accel": [5, 6, 7],
        "timestamp": 13,
        "marker": 14,
    },
    2: {
        "device": "cyton-daisy",
        "fs": 125.0,
        "num_rows": 32,
        "package": 0,
        "exg": list(range(1, 17)),
        "accel": [17, 18, 19],
        "timestamp": 30,
        "marker": 31,
    },
}

_DEVICE_BOARD = {"cyton": 0, "ganglion": 1, "cyton-daisy": 2}


def is_openbci_txt(head: str) -> bool:
    """True when the text starts like an OpenBCI GUI recording."""
    return head.lstrip("\ufeff \r\n").startswith("%OpenBCI")


def _header(head: str) -> tuple[dict[str, str], list[str]]:
    fields: dict[str, str] = {}
    lines = head.splitlines()
    n = 0
    for line in lines:
        if not line.startswith("%"):
            break
        n += 1
        body = line[1:].strip()
        if "=" in body:
            k, v = body.split("=", 1)
            fields[k.strip().lower()] = v.strip()
        elif body:
            fields.setdefault("title", body)
    return fields, lines[n:]


def _device_from(board: str | None, nch: int | None, fs: float | None) -> str:
    b = (board or "").lower()
    if "daisy" in b:
        return "cyton-daisy"
    if "ganglion" in b:
        return "ganglion"
    if "cyton" in b:
        return "cyton"
    if "synthetic" in b:
        return "synthetic"
    if nch == 16 or fs == 125.0:
        return "cyton-daisy"
    if nch == 4 or fs == 200.0:
        return "ganglion"
    return "cyton"


def _is_number(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


def session_date(ts: npt.NDArray[np.float64]) -> tuple[datetime | None, npt.NDArray[np.float64]]:
    """Start date (UTC) and timestamps in seconds, from a Unix-time column in s or ms."""
    finite = ts[np.isfinite(ts)]
    if finite.size == 0 or np.nanmedian(finite) <= 1e8:
        return None, ts
    scale = 1e-3 if np.nanmedian(finite) > 1e11 else 1.0
    sec = ts * scale
    try:
        return datetime.fromtimestamp(float(finite[0]) * scale, tz=UTC), sec
    except (OverflowError, OSError, ValueError):
        return None, sec


def markers_to_events(
    marker: npt.NDArray[np.float64], positions: npt.NDArray[np.int64], fs: float
) -> list[Event]:
    """Non-zero marker values -> instantaneous ``marker`` events (value = the marker code).

    Parameters
    ----------
    marker : ndarray
        The GUI's marker column (0: no marker).
    positions : ndarray of int
        Sample index of each row.
    fs : float
        Sampling rate, Hz.
    """
    events = []
    for i in np.flatnonzero(np.isfinite(marker) & (marker != 0)):
        v = float(marker[i])
        text = str(int(v)) if v.is_integer() else f"{v:g}"
        events.append(Event(float(positions[i]) / fs, 0.0, "marker", "", text))
    return events


def _roles_named(names: list[str], board_id: int | None) -> list[tuple[str, int]]:
    layout = BOARD_LAYOUTS.get(board_id) if board_id is not None else None
    roles: list[tuple[str, int]] = []
    n_exg = n_acc = 0
    for i, raw in enumerate(names):
        nm = raw.strip().lower()
        if nm in ("sample index", "sampleindex", "sample_index"):
            roles.append(("index", 0))
        elif nm.startswith(("exg channel", "eeg channel", "emg channel")):
            roles.append(("exg", n_exg))
            n_exg += 1
        elif nm.startswith("accel channel"):
            roles.append(("accel", n_acc))
            n_acc += 1
        elif nm == "timestamp":
            roles.append(("timestamp", 0))
        elif nm.startswith("marker"):
            roles.append(("marker", 0))
        elif nm.startswith("timestamp (formatted)"):
            roles.append(("text", 0))
        elif nm == "other" and layout is not None:
            if i in layout["accel"]:
                names[i] = f"Accel Channel {n_acc}"
                roles.append(("accel", n_acc))
                n_acc += 1
            elif i == layout["marker"]:
                roles.append(("marker", 0))
            elif i == layout["timestamp"]:
                roles.append(("timestamp", 0))
            else:
                roles.append(("skip", 0))
        else:
            roles.append(("skip", 0))
    return roles


def read_openbci_txt(path: str | Path, *, strict: bool = True) -> Recording:
    """Read an OpenBCI GUI text recording (``OpenBCI-RAW-*.txt``), any GUI generation.

    Parameters
    ----------
    path : str or Path
    strict : bool
        When False, an incomplete last row (a writer killed mid-line) is dropped instead of
        raising.

    Returns
    -------
    Recording
        EXG channels ``"EXG Channel 0"``... in uV (kind ``raw``), accelerometer channels
        ``"Accel Channel 0"``... in g (kind ``accel``); markers as events; lost samples as NaN
        rows and gaps. ``info.device`` is ``"cyton"``, ``"cyton-daisy"`` or ``"ganglion"``;
        ``info.extra`` holds the GUI generation, the counter wraps, the rate measured from
        the timestamps and, under ``"not_kept"``, the names of the columns not read (digital
        and analog pins, ``Not Used``, the formatted time).

    Raises
    ------
    FormatError
        Not an OpenBCI file, no sample rate, a column count that does not match the board, a
        non-numeric cell, a truncated last row, or timestamps that disagree with the header
        rate by more than 10 %.
    """
    p = Path(path)
    head = read_head(p)
    if not is_openbci_txt(head):
        raise format_error(p, "expected an OpenBCI GUI file starting with '%OpenBCI'", line=1)
    fields, rest = _header(head)
    n_pct = len(head.splitlines()) - len(rest)
    fs, nch = _rate_and_nch(p, fields)
    board_text = fields.get("board")
    device = _device_from(board_text, nch, fs)
    first = next((ln for ln in rest if ln.strip()), None)
    if first is None:
        raise format_error(p, "header only, no data rows", line=n_pct + 1)
    cells, names, roles, skip, generation, nch = _column_layout(
        p, fields, rest, first, n_pct, nch, device, fs
    )
    ncols = len(cells)  # the column line itself (v5+) or a typical data row
    by_role = _role_columns(p, roles, nch, skip)
    index_cols, exg_cols, acc_cols = by_role["index"], by_role["exg"], by_role["accel"]
    ts_cols, mk_cols = by_role["timestamp"], by_role["marker"]
    use = index_cols[:1] + exg_cols + acc_cols + ts_cols[:1] + mk_cols[:1]
    arr = read_numeric_table(
        p,
        skip_lines=skip,
        delimiter=",",
        ncols=ncols,
        usecols=use,
        column_names=[names[j] for j in use],
        strict_rows=strict,
    )
    if not strict:
        arr = _drop_incomplete_tail(arr)
    if arr.shape[0] == 0:
        raise format_error(p, "no complete data rows", line=skip + 1)
    col = {j: k for k, j in enumerate(use)}
    n_zero = _leading_zero_rows(arr, col[index_cols[0]]) if index_cols else 0
    arr = arr[n_zero:]
    exg = arr[:, [col[j] for j in exg_cols]]
    acc = arr[:, [col[j] for j in acc_cols]] if acc_cols else np.empty((arr.shape[0], 0))
    ts = arr[:, col[ts_cols[0]]] if ts_cols else None
    marker = arr[:, col[mk_cols[0]]] if mk_cols else None
    date, ts_s = session_date(ts) if ts is not None else (None, None)
    if ts_s is not None and date is None:
        ts_s = None
    extra = _base_extra(p, generation, board_text, n_zero, names, roles, by_role)
    counter = arr[:, col[index_cols[0]]] if index_cols else None
    positions, n_out, gaps = row_positions(
        p, device, counter, fs, ts_s, arr.shape[0], first_line=skip, extra=extra
    )
    if ts_s is not None:
        _check_measured_rate(p, fs, ts_s, positions, extra)
    if date is None:
        # v3/v4: wall-clock time of day only
        tod = _start_time_of_day(roles, cells, rest, first)
        if tod is not None:
            extra["start_time_of_day"] = tod
    data = place_rows(np.hstack([exg, acc]), positions, n_out)
    channels = [
        Channel(names[j].strip(), kind=SignalKind.RAW, units="uV", device=device) for j in exg_cols
    ]
    channels += [
        Channel(names[j].strip(), kind=SignalKind.ACCEL, units="g", device=device) for j in acc_cols
    ]
    events = markers_to_events(marker, positions, fs) if marker is not None else []
    info = SessionInfo(
        date=date,
        device=device,
        hardware_bandwidth_hz=_board_bandwidth(fs, device),
        extra=extra,
    )
    return Recording(data, fs, channels, events, gaps, info)


def _column_layout(
    p: Path,
    fields: dict[str, str],
    rest: list[str],
    first: str,
    n_pct: int,
    nch: int | None,
    device: str,
    fs: float,
) -> tuple[list[str], list[str], list[tuple[str, int]], int, str, int | None]:
    """Tell the columns: (typical row cells, names, roles, lines to skip, GUI generation, nch)."""
    cells = [c.strip() for c in first.split(",")]
    if not _is_number(cells[0]):
        # v5+: a column-name line
        names = cells
        roles = _roles_named(names, _DEVICE_BOARD.get(device))
        skip = n_pct + 1
        generation = "v5.2+" if "exg" in fields.get("title", "").lower() else "v5.0-5.1"
        if _next_line(rest, first) is None:
            raise format_error(p, "column names but no data rows", line=skip + 1)
    else:
        generation = "v5.0 (no column line)" if "board" in fields else "v3/v4"
        skip = n_pct
        cells = _typical_row(cells, rest, first)
        if nch is None:
            nch = {"ganglion": 4, "cyton-daisy": 16}.get(device, 8)
        if len(cells) < nch + 1:
            raise format_error(
                p,
                f"{len(cells)} fields per row but a {device} at {fs:g} Hz has {nch} EXG channels "
                "plus the sample index",
                line=skip + 1,
            )
        names, roles = _roles_inferred(cells, nch)
    return cells, names, roles, skip, generation, nch


def _rate_and_nch(p: Path, fields: dict[str, str]) -> tuple[float, int | None]:
    """Parse the header's sample rate (Hz) and channel count (None when absent)."""
    rate = fields.get("sample rate", "")
    m = re.match(r"([0-9]+(?:\.[0-9]*)?)", rate)
    if not m:
        raise format_error(p, "no '%Sample Rate = N Hz' header line; cannot know the sampling rate")
    fs = float(m.group(1))
    if not (0 < fs < 1e6):
        raise format_error(p, f"sampling rate {rate!r} is not a plausible rate in Hz")
    nch_text = fields.get("number of channels")
    nch = int(nch_text) if nch_text and re.fullmatch(r"[0-9]{1,3}", nch_text) else None
    if nch == 0:
        raise format_error(p, "'%Number of channels = 0': no channels")
    return fs, nch


def _next_line(rest: list[str], first: str) -> str | None:
    """The first non-blank line after ``first``."""
    return next((ln for ln in rest[rest.index(first) + 1 :] if ln.strip()), None)


def _typical_row(cells: list[str], rest: list[str], first: str) -> list[str]:
    """The cells of the first real row (skipping the GUI's leading all-zero row)."""
    # the GUI's v5 files (and its own v5 sample recording) start with an all-zero row
    # before counter 0: the columns are told by the first real row
    if _all_zero(cells):
        nxt = _next_line(rest, first)
        if nxt is not None:
            return [c.strip() for c in nxt.split(",")]
    return cells


def _roles_inferred(cells: list[str], nch: int) -> tuple[list[str], list[tuple[str, int]]]:
    """Column names and roles of a file without a column line, told by one data row."""
    names = ["Sample Index"] + [f"EXG Channel {k}" for k in range(nch)]
    roles = [("index", 0)] + [("exg", k) for k in range(nch)]
    k_acc = 0
    for j in range(nch + 1, len(cells)):
        cell = cells[j]
        if not _is_number(cell):
            names.append("Timestamp (Formatted)")
            roles.append(("text", 0))
        elif k_acc < 3 and j <= nch + 3:
            names.append(f"Accel Channel {k_acc}")
            roles.append(("accel", k_acc))
            k_acc += 1
        elif float(cell) > 1e9:
            names.append("Timestamp")
            roles.append(("timestamp", 0))
        else:
            names.append(f"Other {j}")
            roles.append(("skip", 0))
    return names, roles


def _role_columns(
    p: Path, roles: list[tuple[str, int]], nch: int | None, skip: int
) -> dict[str, list[int]]:
    """Column indices per role; check there are EXG columns and as many as the header says."""
    by_role = {
        role: [j for j, r in enumerate(roles) if r[0] == role]
        for role in ("index", "exg", "accel", "timestamp", "marker")
    }
    exg_cols = by_role["exg"]
    if not exg_cols:
        raise format_error(p, "no EXG channel columns found in the column line", line=skip)
    if nch is not None and len(exg_cols) != nch:
        raise format_error(
            p,
            f"'%Number of channels = {nch}' but {len(exg_cols)} EXG columns; the header lies",
            line=skip,
        )
    return by_role


def _drop_incomplete_tail(arr: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Drop the trailing rows after the last complete (all-finite) row."""
    keep = np.asarray(np.isfinite(arr).all(axis=1), dtype=bool)
    if not bool(keep[-1]):
        return arr[: np.flatnonzero(keep)[-1] + 1] if keep.any() else arr[:0]
    return arr


def _leading_zero_rows(arr: npt.NDArray[np.float64], ic: int) -> int:
    """Count the GUI's leading all-zero placeholder rows (followed by counter 0)."""
    # leading all-zero rows followed by counter 0 are the GUI's placeholder, not samples
    # (read as samples they look like a 0 -> 0 wrap: a false 255-sample gap)
    n_zero = 0
    while n_zero + 1 < arr.shape[0] and bool(np.all(arr[n_zero] == 0)) and arr[n_zero + 1, ic] == 0:
        n_zero += 1
    return n_zero


def _base_extra(
    p: Path,
    generation: str,
    board_text: str | None,
    n_zero: int,
    names: list[str],
    roles: list[tuple[str, int]],
    by_role: dict[str, list[int]],
) -> dict[str, Any]:
    """The ``info.extra`` entries known before the rows are placed."""
    extra: dict[str, Any] = {
        "format": "openbci-txt",
        "gui_generation": generation,
        "board": board_text or "",
        "source_file": p.name,
    }
    if n_zero:
        extra["leading_zero_rows_dropped"] = n_zero
    # what the file holds and the recording does not: named, not silently dropped
    not_kept = [names[j].strip() for j, r in enumerate(roles) if r[0] in ("skip", "text")]
    not_kept += [
        names[j].strip()
        for j in by_role["timestamp"][1:] + by_role["marker"][1:] + by_role["index"][1:]
    ]
    if not_kept:
        extra["not_kept"] = not_kept
    return extra


def _check_measured_rate(
    p: Path,
    fs: float,
    ts_s: npt.NDArray[np.float64],
    positions: npt.NDArray[np.int64],
    extra: dict[str, Any],
) -> None:
    """Record the rate measured from the timestamps; refuse one 10 % off the header's."""
    span = float(ts_s[-1] - ts_s[0])
    if span >= 2.0:  # GUI timestamps are per USB batch: too jittery over shorter spans
        measured = float(positions[-1]) / span
        extra["measured_rate_hz"] = round(measured, 3)
        if abs(measured - fs) > 0.10 * fs:
            raise format_error(
                p,
                f"the header says {fs:g} Hz but the timestamps give {measured:.1f} Hz "
                f"({positions[-1]} sample intervals in {span:.2f} s); the header lies or "
                "the timestamps are broken",
            )


def _start_time_of_day(
    roles: list[tuple[str, int]], cells: list[str], rest: list[str], first: str
) -> str | None:
    """The first row's formatted time of day (v3/v4 files), if there is one."""
    tcol = [j for j, r in enumerate(roles) if r[0] == "text"]
    row = _first_row(cells, rest, first)
    if tcol and row is not None and len(row) > tcol[0]:
        return row[tcol[0]].strip()
    return None


def _board_bandwidth(fs: float, device: str) -> float | None:
    """The ADS1299 hardware bandwidth (Hz) for Cyton boards, None for others."""
    if device in ("cyton", "cyton-daisy"):
        return ads1299_bandwidth_hz(fs, daisy=device == "cyton-daisy")
    return None


def _all_zero(cells: list[str]) -> bool:
    """True for a row of numbers that are all zero (the GUI's placeholder row)."""
    try:
        return bool(cells) and all(float(c) == 0.0 for c in cells if c != "")
    except ValueError:
        return False


def _first_row(cells: list[str], rest: list[str], first: str) -> list[str] | None:
    """The first data row's cells (the line after a column line, or the first line)."""
    if cells and _is_number(cells[0]):
        return cells
    i = rest.index(first)
    for ln in rest[i + 1 :]:
        if ln.strip():
            return [c.strip() for c in ln.split(",")]
    return None
