"""BrainFlow CSV files (``DataFilter.write_file``, the GUI's ``BrainFlow-RAW_*.csv``).

Tab-separated ``%lf`` rows, no header, one row per sample; the columns are the board's
BrainFlow rows, so the board id says what each column is. For Cyton: package number 0, EXG
1-8 (uV), accelerometer 9-11 (g), other 12-18, analog 19-21, timestamp 22 (Unix seconds),
marker 23; Cyton+Daisy has 32 columns at 125 Hz; Ganglion 15 at 200 Hz.

If the ``brainflow`` package is importable its ``BoardShim.get_*`` describe any board id;
otherwise the built-in table (:data:`~emgkit.io.openbci_txt.BOARD_LAYOUTS`) covers Cyton,
Cyton+Daisy and Ganglion.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from emgkit.errors import ConfigError
from emgkit.io._gaps import place_rows, row_positions
from emgkit.io.base import format_error, read_head, read_numeric_table
from emgkit.io.openbci_txt import (
    BOARD_LAYOUTS,
    ads1299_bandwidth_hz,
    markers_to_events,
    session_date,
)
from emgkit.recording import Channel, Recording, SessionInfo, SignalKind

__all__ = ["BOARD_IDS", "board_layout", "looks_like_brainflow", "read_brainflow_csv"]

#: Board names accepted for ``board=`` (BrainFlow ``BoardIds``).
BOARD_IDS: dict[str, int] = {"cyton": 0, "ganglion": 1, "cyton_daisy": 2, "cyton-daisy": 2}


def _board_id(board: str | int) -> int:
    if isinstance(board, bool):
        raise ConfigError(f"board must be a name or a BrainFlow board id, got {board!r}")
    if isinstance(board, int):
        return board
    key = str(board).strip().lower()
    if key.lstrip("-").isdigit():
        return int(key)
    if key not in BOARD_IDS:
        raise ConfigError(
            f"unknown board {board!r}; use one of {sorted(set(BOARD_IDS) - {'cyton-daisy'})} "
            "or a BrainFlow board id (int)"
        )
    return BOARD_IDS[key]


def board_layout(board: str | int) -> dict[str, Any]:
    """Row layout of a BrainFlow board (device, fs, num_rows, package, exg, accel, ...).

    Uses ``brainflow.BoardShim`` when installed, else the built-in table.

    Raises
    ------
    ConfigError
        The board is unknown (and brainflow is not installed to describe it).
    """
    bid = _board_id(board)
    try:
        from brainflow.board_shim import BoardShim
    except ImportError:
        BoardShim = None
    if BoardShim is not None:
        try:
            desc = BoardShim.get_board_descr(bid)
            exg = list(desc.get("emg_channels") or desc.get("eeg_channels") or [])
            return {
                "device": BOARD_LAYOUTS[bid]["device"]
                if bid in BOARD_LAYOUTS
                else str(desc.get("name", f"board{bid}")).lower(),
                "fs": float(BoardShim.get_sampling_rate(bid)),
                "num_rows": int(BoardShim.get_num_rows(bid)),
                "package": desc.get("package_num_channel"),
                "exg": exg,
                "accel": list(desc.get("accel_channels") or []),
                "timestamp": desc.get("timestamp_channel"),
                "marker": desc.get("marker_channel"),
            }
        except Exception as exc:  # brainflow raises its own BrainFlowError
            if bid not in BOARD_LAYOUTS:
                raise ConfigError(f"brainflow does not know board id {bid}: {exc}") from None
    if bid not in BOARD_LAYOUTS:
        raise ConfigError(
            f"board id {bid} is not in emgkit's built-in table (cyton 0, ganglion 1, "
            "cyton_daisy 2); install brainflow to read other boards"
        )
    return dict(BOARD_LAYOUTS[bid])


def looks_like_brainflow(head: str) -> int | None:
    """Board id guessed from the first row of a header-less tab-separated numeric file."""
    line = next((ln for ln in head.splitlines() if ln.strip()), "")
    if "\t" not in line:
        return None
    cells = line.strip().split("\t")
    try:
        vals = [float(c) for c in cells]
    except ValueError:
        return None
    by_rows = {v["num_rows"]: k for k, v in BOARD_LAYOUTS.items()}
    bid = by_rows.get(len(vals))
    if bid is None or not (0 <= vals[0] <= 255 and float(vals[0]).is_integer()):
        return None
    return bid


def read_brainflow_csv(path: str | Path, *, board: str | int | None = None) -> Recording:
    """Read a BrainFlow CSV file (tab-separated, no header) for a given board.

    Parameters
    ----------
    path : str or Path
    board : {"cyton", "cyton_daisy", "ganglion"} or int, optional
        The BrainFlow board that wrote the file. When omitted it is guessed from the number
        of columns (24 Cyton, 32 Cyton+Daisy, 15 Ganglion).

    Returns
    -------
    Recording
        ``exg1``... in uV (kind raw), ``accel_x/y/z`` in g, markers as events, lost packets as
        NaN rows and gaps; ``info.date`` from the first timestamp.

    Raises
    ------
    FormatError
        Rows with a different number of columns than the board has, non-numeric cells,
        truncated rows.
    """
    p = Path(path)
    head = read_head(p)
    first = next((ln for ln in head.splitlines() if ln.strip()), "")
    ncols = len(first.strip().split("\t"))
    if board is None:
        bid = looks_like_brainflow(head)
        if bid is None:
            raise format_error(
                p,
                f"cannot tell the BrainFlow board from {ncols} tab-separated columns; "
                "give board='cyton' | 'cyton_daisy' | 'ganglion' | <board id>",
                line=1,
            )
        board = bid
    lay = board_layout(board)
    if ncols != lay["num_rows"]:
        raise format_error(
            p,
            f"{ncols} tab-separated columns but a {lay['device']} BrainFlow file has "
            f"{lay['num_rows']} (board rows); wrong board= or not a BrainFlow file",
            line=1,
        )
    fs = float(lay["fs"])
    cols: list[int] = []
    for key in ("package", "timestamp", "marker"):
        if lay.get(key) is not None:
            cols.append(int(lay[key]))
    cols += list(lay["exg"]) + list(lay["accel"])
    arr = read_numeric_table(
        p, skip_lines=0, delimiter="\t", ncols=ncols, usecols=sorted(set(cols))
    )
    pos = {c: k for k, c in enumerate(sorted(set(cols)))}

    def column(c: int | None) -> np.ndarray | None:
        return None if c is None else arr[:, pos[int(c)]]

    ts = column(lay.get("timestamp"))
    date, ts_s = session_date(ts) if ts is not None else (None, None)
    if date is None:
        ts_s = None
    device = str(lay["device"])
    counter = column(lay.get("package"))
    extra: dict[str, Any] = {
        "format": "brainflow-csv",
        "board_id": _board_id(board),
        "source_file": p.name,
    }
    kept = set(cols)
    extra["not_kept"] = [f"board row {k}" for k in range(ncols) if k not in kept]
    positions, n_out, gaps = row_positions(
        p, device, counter, fs, ts_s, arr.shape[0], first_line=0, extra=extra
    )
    exg = arr[:, [pos[c] for c in lay["exg"]]]
    acc = arr[:, [pos[c] for c in lay["accel"]]] if lay["accel"] else np.empty((arr.shape[0], 0))
    data = place_rows(np.hstack([exg, acc]), positions, n_out)
    chans = [Channel(f"exg{k + 1}", units="uV", device=device) for k in range(exg.shape[1])]
    chans += [
        Channel(
            f"accel_{'xyz'[k] if k < 3 else k}", kind=SignalKind.ACCEL, units="g", device=device
        )
        for k in range(acc.shape[1])
    ]
    marker = column(lay.get("marker"))
    events = markers_to_events(marker, positions, fs) if marker is not None else []
    bw = (
        ads1299_bandwidth_hz(fs, daisy=device == "cyton-daisy")
        if device in ("cyton", "cyton-daisy")
        else None
    )
    info = SessionInfo(date=date, device=device, hardware_bandwidth_hz=bw, extra=extra)
    return Recording(data, fs, chans, events, gaps, info)
