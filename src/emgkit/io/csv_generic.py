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
    head = read_head(p)
    lines = head.splitlines()
    if len(lines) > 1 and len(head.encode("utf-8", "replace")) >= 64 * 1024:
        lines = lines[:-1]  # the last line of the window may be cut
    hdr: dict[str, str] = {}
    uci: list[tuple[str, str, str | None, str]] = []  # (name, label, muscle, units)
    uci_counts: list[int] = []
    # --- find the first data line -------------------------------------------------------
    start = 0 if skip_rows is None else skip_rows
    first_data = None
    for i in range(start, len(lines)):
        s = lines[i]
        if comment and s.lstrip().startswith(comment):
            body = s.lstrip()[len(comment) :].strip()
            m = re.match(r"(.+?):?=\s*(.*)$", body)
            if m:
                hdr[m.group(1).strip().lower().rstrip(":")] = m.group(2).strip()
            else:
                hdr.setdefault("title", body)
            continue
        m = re.match(r"\s*Channel\s+\d+:\s*'([^']*)'(.*)units:\s*([^,\s]+)", s)
        if m:
            label = m.group(1).strip()
            short, muscle = _UCI_LABELS.get(label.lower(), (re.sub(r"\W+", "_", label), None))
            uci.append((short, label, muscle, m.group(3)))
            mv = re.search(r"(\d+)\s+values", m.group(2))
            if mv:
                uci_counts.append(int(mv.group(1)))
            continue
        d = delimiter or sniff_delimiter(s)
        if s.strip(" \t,;") and _numeric(_decimal_point(_cells(s, d), d)):
            first_data = i
            break
    if first_data is None:
        raise format_error(
            p, "no row of numbers found in the first 64 KiB; expected a table of samples"
        )
    dline = lines[first_data]
    delim = delimiter or sniff_delimiter(dline)
    ncols = len(_cells(dline, delim))
    # a decimal comma ("1,5") is only possible when the comma is not the separator
    decimal = (
        ","
        if delim != "," and any(re.fullmatch(r"[-+]?\d*,\d+", c) for c in _cells(dline, delim))
        else "."
    )
    names: list[str] | None = None
    # a column-name line directly before the data
    prev = first_data - 1
    while prev >= start and not lines[prev].strip():
        prev -= 1
    if prev >= start and not (comment and lines[prev].lstrip().startswith(comment)):
        cand = _cells(lines[prev], delim)
        if len(cand) == ncols and not _numeric(cand):
            names = [c.strip().strip('"') for c in cand]
    if names is None and uci and len(uci) == ncols:
        names = [u[0] for u in uci]
    if names is None and "labels" in hdr:
        lab = [x.strip() for x in re.split(r"[,\t;]", hdr["labels"]) if x.strip()]
        if len(lab) == ncols:
            names = lab
    if names is None:
        names = [f"ch{k + 1}" for k in range(ncols)]
    if len(set(names)) != len(names):
        raise format_error(p, f"duplicate column names {names}", line=prev + 1)
    # --- parse ----------------------------------------------------------------------------
    arr = read_numeric_table(
        p,
        skip_lines=first_data,
        delimiter=delim,
        ncols=ncols,
        comment=comment,
        column_names=names,
        decimal=decimal,
    )
    if uci_counts and len(set(uci_counts)) == 1 and uci_counts[0] != arr.shape[0]:
        raise format_error(
            p,
            f"the header announces {uci_counts[0]} values per channel but {arr.shape[0]} rows "
            "were read (truncated or padded file)",
        )
    # --- time column and rate -------------------------------------------------------------
    tcol: int | None = None
    if time_column is not None:
        if isinstance(time_column, int):
            tcol = time_column
        elif time_column in names:
            tcol = names.index(time_column)
        else:
            raise ConfigError(f"{p}: no time column {time_column!r}; columns are {names}")
        if not (0 <= tcol < ncols):
            raise ConfigError(f"{p}: time column index {tcol} out of range (0..{ncols - 1})")
    else:
        for k, nm in enumerate(names):
            if _is_time_name(nm):
                tcol = k
                break
    header_fs = None
    for key, val in hdr.items():
        if "sampling rate" in key or "sample rate" in key or key in ("fs", "sampling_rate"):
            m = re.match(r"\s*([0-9.]+)", val)
            if m:
                header_fs = float(m.group(1))
    extra: dict[str, Any] = {"format": "csv", "source_file": p.name}
    time_fs = None
    if tcol is not None:
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
    stated = fs if fs is not None else header_fs
    if stated is not None and time_fs is not None and abs(stated - time_fs) > 0.01 * time_fs:
        src = "fs=" if fs is not None else "the header"
        raise format_error(
            p,
            f"{src} says {stated:g} Hz but the time column {names[tcol or 0]!r} gives "
            f"{time_fs:.3f} Hz (differs by more than 1 %); fix the header or pass the right fs",
        )
    rate = stated if stated is not None else time_fs
    if rate is None and uci:
        # UCI "EMG dataset in Lower Limb": Biometrics Datalog at 1000 Hz (dataset description;
        # the files themselves do not state it)
        rate = 1000.0
        extra["fs_source"] = "UCI lower-limb dataset description (1000 Hz)"
    if rate is None:
        col0 = arr[:, 0]
        steps = np.diff(col0)
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
    # --- channels -------------------------------------------------------------------------
    data_cols = [k for k in range(ncols) if k != tcol]
    assign: dict[str, tuple[str | None, str | None]] = {}
    if channels is not None:
        if isinstance(channels, Mapping):
            assign = {str(k): tuple(v) for k, v in channels.items()}  # type: ignore[misc]
            wanted = list(assign)
        else:
            wanted = [str(c) for c in channels]
        missing = [w for w in wanted if w not in names]
        if missing:
            raise ConfigError(f"{p}: no column(s) {missing}; columns are {names}")
        data_cols = [names.index(w) for w in wanted]
    is_bio = "simple text format" in hdr.get("title", "").lower() or "resolution" in hdr
    default_units = ("counts" if is_bio else "uV") if units is None else units
    if default_units not in (*UNIT_SCALE, "counts"):
        raise ConfigError(f"units must be one of uV, mV, V, counts; got {units!r}")
    uci_by_name = {u[0]: u for u in uci}
    out = np.empty((arr.shape[0], len(data_cols)))
    chans: list[Channel] = []
    for j, k in enumerate(data_cols):
        nm = names[k]
        u = default_units
        cmuscle: str | None = None
        side: str | None = None
        kind = SignalKind.RAW
        if nm in uci_by_name:
            _, _, cmuscle, u_hdr = uci_by_name[nm]
            if units is None:
                u = u_hdr
        elif units is None and scale is None and (u_name := unit_from_name(nm)) is not None:
            u = u_name  # the column says its unit: read it in that unit
        if u not in (*UNIT_SCALE, "counts"):
            kind = SignalKind.OTHER  # degrees, g, ...: not EMG
        if nm in assign:
            cmuscle, side = assign[nm]
        col = arr[:, k]
        if kind == SignalKind.RAW:
            if scale is not None:
                col = col * float(scale)
                u = "uV"
            elif u in UNIT_SCALE:
                col = col * UNIT_SCALE[u]
                u = "uV"
        out[:, j] = col
        chans.append(Channel(nm, cmuscle, side, kind, u, ""))
    if hdr.get("resolution"):
        extra["adc_resolution_bits"] = hdr["resolution"]
    if uci:
        extra["labels"] = {u[0]: u[1] for u in uci}
        first = lines[0].strip() if lines else ""
        if first.lower().startswith("file name"):
            extra["original_name"] = first.split(":", 1)[-1].strip()
    info = SessionInfo(extra=extra)
    return Recording(out, rate, chans, info=info)
