"""Generic delimited text (CSV/TSV/whitespace) with a column map.

Covers, among others:

* the UCI "EMG dataset in Lower Limb" files: 7 header lines (file name, one
  ``Channel N: 'label', M values, engineering units: mV, ...`` line per channel, a blank
  line), tab-separated RF, BF, VM, ST in mV and the knee angle in degrees; rows of only tabs
  are skipped; the angle becomes kind ``other``, units ``deg``;
* OpenSignals / BioSPPy "Simple Text Format" (``# Sampling Rate (Hz):= 1000.00``,
  ``# Labels:= EMG``): the rate and names come from the header, values are ADC counts;
* plain CSV with a header row and a time column in seconds (e.g. the Santuz gait CSV):
  the rate comes from the time column.

A header rate that disagrees with a time column by more than 1 % is a :class:`FormatError`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from emgkit.errors import ConfigError
from emgkit.io.base import format_error, read_head, read_numeric_table, sniff_delimiter
from emgkit.recording import Channel, Recording, SessionInfo, SignalKind

__all__ = ["UNIT_SCALE", "read_csv", "unit_from_name"]

#: Factor from a unit to microvolts.
UNIT_SCALE: dict[str, float] = {"uV": 1.0, "µV": 1.0, "mV": 1e3, "V": 1e6}

#: A unit at the end of a column name: ``emg_mV``, ``EMG (mV)``, ``EMG [uV]``, ``x_µV``.
_NAME_UNIT = re.compile(r"(?:_(uV|µV|mV)|\s*[(\[](uV|µV|mV|V)[)\]])\s*$")


def unit_from_name(name: str) -> str | None:
    """The unit a column name ends with (``_mV``, ``(mV)``, ``[uV]``, ...), or None."""
    m = _NAME_UNIT.search(name)
    return (m.group(1) or m.group(2)) if m else None


#: UCI lower-limb header labels (Spanish) -> (short name, muscle id or None).
_UCI_LABELS: dict[str, tuple[str, str | None]] = {
    "recto femoral": ("RF", None),
    "biceps femoral": ("BF", "biceps_femoris"),
    "vasto medial": ("VM", None),
    "emg semitendinoso": ("ST", "semitendinosus"),
    "semitendinoso": ("ST", "semitendinosus"),
    "flexo-extension": ("knee_angle", None),
}

_TIME_NAMES = ("time", "time_s", "t", "time (s)", "seconds", "time_ms", "time (ms)", "timestamp")
#: "time" in other languages (de, fr, es, it/pt, nl, pl, fi, sv/da/no), with or without a
#: unit suffix such as " (s)", "[s]", "_s", "_ms".
_TIME_WORDS = ("zeit", "temps", "tiempo", "tempo", "tijd", "czas", "aika", "tid")


def _is_time_name(name: str) -> bool:
    nm = name.strip().lower()
    if nm in _TIME_NAMES:
        return True
    base = re.sub(r"[\s_]*[\(\[]?\s*(s|ms|sec|seconds?)\s*[\)\]]?$", "", nm).strip()
    return base in _TIME_WORDS or nm in _TIME_WORDS


def _cells(line: str, delimiter: str) -> list[str]:
    if delimiter == " ":
        return line.split()
    return [c.strip() for c in line.rstrip("\r\n").split(delimiter)]


def _decimal_point(cells: list[str], delimiter: str) -> list[str]:
    """Cells with a decimal comma read as a point when the comma is not the separator."""
    if delimiter == ",":
        return cells
    return [c.replace(",", ".") if re.fullmatch(r"[-+]?\d*,\d+", c) else c for c in cells]


def _numeric(cells: Sequence[str]) -> bool:
    if not cells or all(c == "" for c in cells):
        return False
    try:
        for c in cells:
            if c != "":
                float(c)
    except ValueError:
        return False
    return True


def read_csv(
    path: str | Path,
    *,
    fs: float | None = None,
    time_column: str | int | None = None,
    channels: Sequence[str] | Mapping[str, tuple[str | None, str | None]] | None = None,
    units: str | None = None,
    scale: float | None = None,
    delimiter: str | None = None,
    skip_rows: int | None = None,
    comment: str | None = "#",
) -> Recording:
    """Read samples from a delimited text file.

    Parameters
    ----------
    path : str or Path
    fs : float, optional
        Sampling rate in Hz. Needed unless the header states it or a time column gives it.
    time_column : str or int, optional
        Name or zero-based index of a time column in seconds (``*ms*`` in the name: ms). By
        default a column named ``time``/``time_s``/``t`` (or ``Zeit``, ``Temps``, ``Tiempo``,
        ``Tempo``, ``Tijd``, ``Czas``, ``Aika``, ``Tid``, with or without ``(s)``) is used.
    channels : sequence of str or mapping, optional
        Column names to keep, in order; or ``{column: (muscle, side)}`` to keep and assign.
        Default: every column except the time column.
    units : {"uV", "mV", "V", "counts"}, optional
        Units of the EMG values; converted to uV. Default: per-channel units from the header
        (UCI) or from a unit at the end of the column name (``emg_mV``, ``EMG (mV)``,
        ``EMG [uV]``), ``counts`` for OpenSignals/BioSPPy files, else ``uV``.
    scale : float, optional
        Microvolts per unit (e.g. uV per ADC count); the result is then in uV.
    delimiter : str, optional
        Field separator; default sniffed (tab, semicolon, comma, whitespace). With a
        separator other than the comma, decimal commas (``1,5``) are read as ``1.5``.
    skip_rows : int, optional
        Lines before the data (or before the column-name line); default detected.
    comment : str or None
        Lines starting with this are header comments.

    Returns
    -------
    Recording

    Raises
    ------
    FormatError
        No rate can be found, the header rate disagrees with the time column by more than
        1 %, a non-numeric cell (file, line, column), a truncated row.
    ConfigError
        A requested channel does not exist, or ``units`` is unknown.
    """
    p = Path(path)
    lines = _head_lines(p)
    start = 0 if skip_rows is None else skip_rows
    head = _sniff_header(p, lines, start, delimiter, comment)
    dline = lines[head.first_data]
    delim = delimiter or sniff_delimiter(dline)
    ncols = len(_cells(dline, delim))
    # a decimal comma ("1,5") is only possible when the comma is not the separator
    decimal = (
        ","
        if delim != "," and any(_DECIMAL_COMMA.fullmatch(c) for c in _cells(dline, delim))
        else "."
    )
    names = _column_names(p, lines, head, start, delim, ncols, comment)
    arr = read_numeric_table(
        p,
        skip_lines=head.first_data,
        delimiter=delim,
        ncols=ncols,
        comment=comment,
        column_names=names,
        decimal=decimal,
    )
    counts = head.uci_counts
    if counts and len(set(counts)) == 1 and counts[0] != arr.shape[0]:
        raise format_error(
            p,
            f"the header announces {counts[0]} values per channel but {arr.shape[0]} rows "
            "were read (truncated or padded file)",
        )
    tcol = _time_column(p, names, time_column)
    extra: dict[str, Any] = {"format": "csv", "source_file": p.name}
    time_fs = _time_column_rate(p, arr, names, tcol, extra) if tcol is not None else None
    rate = _sampling_rate(p, arr, names, head, fs, time_fs, tcol, extra)
    data_cols = _data_columns(p, names, tcol, channels)
    assign: dict[str, tuple[str | None, str | None]] = {}
    if isinstance(channels, Mapping):
        assign = {str(k): tuple(v) for k, v in channels.items()}  # type: ignore[misc]
    is_bio = "simple text format" in head.hdr.get("title", "").lower() or "resolution" in head.hdr
    default_units = ("counts" if is_bio else "uV") if units is None else units
    if default_units not in (*UNIT_SCALE, "counts"):
        raise ConfigError(f"units must be one of uV, mV, V, counts; got {units!r}")
    uci_by_name = {u[0]: u for u in head.uci}
    out = np.empty((arr.shape[0], len(data_cols)))
    chans: list[Channel] = []
    for j, k in enumerate(data_cols):
        nm = names[k]
        u = default_units
        cmuscle: str | None = None
        if nm in uci_by_name:
            _, _, cmuscle, u_hdr = uci_by_name[nm]
            if units is None:
                u = u_hdr
        elif units is None and scale is None and (u_name := unit_from_name(nm)) is not None:
            u = u_name  # the column says its unit: read it in that unit
        muscle, side = assign.get(nm, (cmuscle, None))
        out[:, j], chan = _scaled_channel(arr[:, k], nm, u, scale, muscle, side)
        chans.append(chan)
    if head.hdr.get("resolution"):
        extra["adc_resolution_bits"] = head.hdr["resolution"]
    if head.uci:
        extra["labels"] = {u[0]: u[1] for u in head.uci}
        first = lines[0].strip() if lines else ""
        if first.lower().startswith("file name"):
            extra["original_name"] = first.split(":", 1)[-1].strip()
    info = SessionInfo(extra=extra)
    return Recording(out, rate, chans, info=info)


#: A cell with a decimal comma: ``1,5``, ``-,25``.
_DECIMAL_COMMA = re.compile(r"[-+]?\d*,\d+")
#: One UCI channel header line: ``Channel 1: 'Recto femoral', 1234 values, ... units: mV``.
_UCI_CHANNEL = re.compile(r"\s*Channel\s+\d+:\s*'([^']*)'(.*)units:\s*([^,\s]+)")


@dataclass(slots=True)
class _Header:
    """What the lines before the data say.

    Attributes
    ----------
    first_data : int
        Index of the first line of numbers.
    hdr : dict of str to str
        ``key := value`` / ``key = value`` comment lines, keys lower-case (``title``: the first
        comment line without one).
    uci : list of (name, label, muscle, units)
        UCI ``Channel N:`` lines, in order.
    uci_counts : list of int
        The ``M values`` each UCI channel line announces.
    """

    first_data: int
    hdr: dict[str, str] = field(default_factory=dict)
    uci: list[tuple[str, str, str | None, str]] = field(default_factory=list)
    uci_counts: list[int] = field(default_factory=list)


def _head_lines(p: Path) -> list[str]:
    """The lines of the file's first 64 KiB, without a last line the window may have cut."""
    head = read_head(p)
    lines = head.splitlines()
    if len(lines) > 1 and len(head.encode("utf-8", "replace")) >= 64 * 1024:
        lines = lines[:-1]
    return lines


def _sniff_header(
    p: Path, lines: list[str], start: int, delimiter: str | None, comment: str | None
) -> _Header:
    """Read comment and UCI channel lines from ``start`` up to the first line of numbers.

    Raises
    ------
    FormatError
        No line of numbers in the window.
    """
    head = _Header(first_data=-1)
    for i in range(start, len(lines)):
        s = lines[i]
        if comment and s.lstrip().startswith(comment):
            body = s.lstrip()[len(comment) :].strip()
            m = re.match(r"(.+?):?=\s*(.*)$", body)
            if m:
                head.hdr[m.group(1).strip().lower().rstrip(":")] = m.group(2).strip()
            else:
                head.hdr.setdefault("title", body)
            continue
        m = _UCI_CHANNEL.match(s)
        if m:
            label = m.group(1).strip()
            short, muscle = _UCI_LABELS.get(label.lower(), (re.sub(r"\W+", "_", label), None))
            head.uci.append((short, label, muscle, m.group(3)))
            mv = re.search(r"(\d+)\s+values", m.group(2))
            if mv:
                head.uci_counts.append(int(mv.group(1)))
            continue
        d = delimiter or sniff_delimiter(s)
        if s.strip(" \t,;") and _numeric(_decimal_point(_cells(s, d), d)):
            head.first_data = i
            return head
    raise format_error(
        p, "no row of numbers found in the first 64 KiB; expected a table of samples"
    )


def _column_names(
    p: Path,
    lines: list[str],
    head: _Header,
    start: int,
    delim: str,
    ncols: int,
    comment: str | None,
) -> list[str]:
    """Column names: a name line before the data, else UCI labels, else ``Labels:=``, else chN.

    Raises
    ------
    FormatError
        Two columns share a name.
    """
    names: list[str] | None = None
    prev = head.first_data - 1
    while prev >= start and not lines[prev].strip():
        prev -= 1
    if prev >= start and not (comment and lines[prev].lstrip().startswith(comment)):
        cand = _cells(lines[prev], delim)
        if len(cand) == ncols and not _numeric(cand):
            names = [c.strip().strip('"') for c in cand]
    if names is None and head.uci and len(head.uci) == ncols:
        names = [u[0] for u in head.uci]
    if names is None and "labels" in head.hdr:
        lab = [x.strip() for x in re.split(r"[,\t;]", head.hdr["labels"]) if x.strip()]
        if len(lab) == ncols:
            names = lab
    if names is None:
        names = [f"ch{k + 1}" for k in range(ncols)]
    if len(set(names)) != len(names):
        raise format_error(p, f"duplicate column names {names}", line=prev + 1)
    return names


def _time_column(p: Path, names: list[str], time_column: str | int | None) -> int | None:
    """Index of the time column: the one asked for, else the first with a time-like name.

    Raises
    ------
    ConfigError
        ``time_column`` names no column or is out of range.
    """
    if time_column is None:
        return next((k for k, nm in enumerate(names) if _is_time_name(nm)), None)
    if isinstance(time_column, int):
        tcol = time_column
    elif time_column in names:
        tcol = names.index(time_column)
    else:
        raise ConfigError(f"{p}: no time column {time_column!r}; columns are {names}")
    if not (0 <= tcol < len(names)):
        raise ConfigError(f"{p}: time column index {tcol} out of range (0..{len(names) - 1})")
    return tcol


def _header_rate(hdr: Mapping[str, str]) -> float | None:
    """The sampling rate a header states (``Sampling Rate (Hz):= 1000``, ``fs = 500``)."""
    rate = None
    for key, val in hdr.items():
        if "sampling rate" in key or "sample rate" in key or key in ("fs", "sampling_rate"):
            m = re.match(r"\s*([0-9.]+)", val)
            if m:
                rate = float(m.group(1))
    return rate


def _time_column_rate(
    p: Path, arr: np.ndarray[Any, Any], names: list[str], tcol: int, extra: dict[str, Any]
) -> float:
    """The rate the time column gives (``ms`` in its name: milliseconds).

    Sets ``first_time_s`` in ``extra``, and ``time_irregular`` when a step strays from the
    mean step by more than half a sample.

    Raises
    ------
    FormatError
        The time column does not increase strictly.
    """
    t = arr[:, tcol]
    if "ms" in names[tcol].lower():
        t = t / 1000.0
    dt = np.diff(t)
    if dt.size == 0 or not np.all(dt > 0):
        bad = int(np.flatnonzero(~(dt > 0))[0]) + 1 if dt.size else 0
        raise format_error(
            p,
            f"the time column {names[tcol]!r} does not increase (row {bad + 1}); "
            "expected time stamps in seconds",
        )
    time_fs = float(dt.size / (t[-1] - t[0]))
    extra["first_time_s"] = float(t[0])
    jitter = float(np.max(np.abs(dt - 1.0 / time_fs))) * time_fs
    if jitter > 0.5:
        extra["time_irregular"] = True
    return time_fs


def _sampling_rate(
    p: Path,
    arr: np.ndarray[Any, Any],
    names: list[str],
    head: _Header,
    fs: float | None,
    time_fs: float | None,
    tcol: int | None,
    extra: dict[str, Any],
) -> float:
    """The rate: ``fs``, else the header's, else the time column's, else UCI's 1000 Hz.

    Raises
    ------
    FormatError
        A stated rate disagrees with the time column by more than 1 %, or there is no rate
        (with a hint when the first column looks like unnamed time), or it is not positive.
    """
    stated = fs if fs is not None else _header_rate(head.hdr)
    if stated is not None and time_fs is not None and abs(stated - time_fs) > 0.01 * time_fs:
        src = "fs=" if fs is not None else "the header"
        raise format_error(
            p,
            f"{src} says {stated:g} Hz but the time column {names[tcol or 0]!r} gives "
            f"{time_fs:.3f} Hz (differs by more than 1 %); fix the header or pass the right fs",
        )
    rate = stated if stated is not None else time_fs
    if rate is None and head.uci:
        # UCI "EMG dataset in Lower Limb": Biometrics Datalog at 1000 Hz (dataset description;
        # the files themselves do not state it)
        rate = 1000.0
        extra["fs_source"] = "UCI lower-limb dataset description (1000 Hz)"
    if rate is None:
        steps = np.diff(arr[:, 0])
        if (
            names[0] != "ch1"
            and steps.size >= 9
            and bool(np.all(steps > 0))
            and float(np.ptp(steps)) <= 0.01 * float(np.mean(steps))
        ):
            raise format_error(
                p,
                f"no sampling rate: the first column {names[0]!r} increases steadily like a "
                f"time column; name it with time_column={names[0]!r} (Python), or give the "
                "rate with --fs HZ on the command line (fs=HZ in Python)",
            )
        raise format_error(
            p,
            "no sampling rate: the file has no rate header or time column; give the rate with "
            "--fs HZ on the command line (fs=HZ in Python)",
        )
    if not (np.isfinite(rate) and rate > 0):
        raise format_error(p, f"invalid sampling rate {rate}")
    if time_fs is not None:
        rate = float(round(rate, 6))
    return rate


def _data_columns(
    p: Path,
    names: list[str],
    tcol: int | None,
    channels: Sequence[str] | Mapping[str, tuple[str | None, str | None]] | None,
) -> list[int]:
    """Indices of the columns to keep: those named in ``channels``, else all but time.

    Raises
    ------
    ConfigError
        ``channels`` names a column that does not exist.
    """
    if channels is None:
        return [k for k in range(len(names)) if k != tcol]
    wanted = [str(c) for c in channels]  # a mapping iterates over its column names
    missing = [w for w in wanted if w not in names]
    if missing:
        raise ConfigError(f"{p}: no column(s) {missing}; columns are {names}")
    return [names.index(w) for w in wanted]


def _scaled_channel(
    col: np.ndarray[Any, Any],
    name: str,
    unit: str,
    scale: float | None,
    muscle: str | None,
    side: str | None,
) -> tuple[np.ndarray[Any, Any], Channel]:
    """One column in uV (EMG units and ``scale``) or as read (other units), and its channel."""
    kind = SignalKind.RAW if unit in (*UNIT_SCALE, "counts") else SignalKind.OTHER
    if kind == SignalKind.RAW:
        if scale is not None:
            col = col * float(scale)
            unit = "uV"
        elif unit in UNIT_SCALE:
            col = col * UNIT_SCALE[unit]
            unit = "uV"
    return col, Channel(name, muscle, side, kind, unit, "")
