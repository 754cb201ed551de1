"""Shared machinery of the readers: text sniffing, numeric tables, montages, atomic writes.

Every reader in :mod:`emgkit.io` returns a :class:`~emgkit.recording.Recording` or raises
:class:`~emgkit.errors.FormatError` naming the file, the line (or byte) and what was expected.
Nothing half-read is ever returned as good.
"""

from __future__ import annotations

import csv
import io
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from emgkit.errors import ConfigError, FormatError, RecordingError
from emgkit.io._atomic import write_atomic
from emgkit.recording import Channel, Recording

__all__ = [
    "HEAD_BYTES",
    "MontageLike",
    "apply_montage",
    "atomic_write",
    "format_error",
    "read_head",
    "read_numeric_table",
]

#: How many bytes of a file are read to sniff its format and parse its header.
HEAD_BYTES = 64 * 1024

MontageLike = Any  # str | Path | Montage | Mapping[str, tuple[str | None, str | None]]


def format_error(
    path: str | Path, what: str, *, line: int | None = None, byte: int | None = None
) -> FormatError:
    """A :class:`FormatError` whose message starts with ``file[:line N | at byte N]:``.

    Parameters
    ----------
    path : str or Path
        The file.
    what : str
        What is wrong, and what to do.
    line, byte : int, optional
        Where (1-based line, or 0-based byte offset; the line wins).
    """
    where = str(path)
    if line is not None:
        where += f", line {line}"
    elif byte is not None:
        where += f", byte {byte}"
    return FormatError(f"{where}: {what}")


def read_head(path: str | Path, n: int = HEAD_BYTES) -> str:
    """The first ``n`` bytes of a text file, decoded, after checking it *is* text.

    Parameters
    ----------
    path : str or Path
        The file.
    n : int
        Bytes to read.

    Raises
    ------
    FormatError
        The file does not exist, is empty, is UTF-16/32 or binary, has no line break in the
        window (one giant line), or is not valid UTF-8/Latin-1 text. The message names the
        file and the byte.
    """
    p = Path(path)
    if not p.is_file():
        raise format_error(p, "no such file (or it is a folder)")
    with p.open("rb") as fh:
        raw = fh.read(n)
    if not raw.strip():
        raise format_error(p, "the file is empty; expected a header or rows of numbers")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(raw) > 3 and raw[1:4:2] == b"\x00\x00"):
        raise format_error(
            p,
            "the file looks UTF-16 encoded (byte-order mark or NUL after every character); "
            "save it as UTF-8 (or plain ASCII) text and read it again",
            byte=0,
        )
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise format_error(
            p,
            "binary data (a NUL byte) where text was expected; this is not a text recording "
            "(if it is EDF/BDF: --in-format edf for emgkit convert, format='edf' in Python)",
            byte=nul,
        )
    if len(raw) == n and b"\n" not in raw and b"\r" not in raw:
        raise format_error(
            p,
            f"no line break in the first {n // 1024} KiB: one giant line is not a header or a "
            "table of samples (a damaged file, or not a text recording)",
            byte=0,
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    # Cut a possibly split multi-byte character at the end of the window.
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start >= len(raw) - 4 and len(raw) == n:
            text = raw[: exc.start].decode("utf-8")
        else:
            ctrl = sum(1 for b in raw if b < 9 or 13 < b < 32)
            if ctrl > len(raw) // 100:
                raise format_error(
                    p, "binary junk where text was expected (undecodable bytes)", byte=exc.start
                ) from None
            text = raw.decode("latin-1")
    bad = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n\f\v")
    if bad > max(2, len(text) // 200):
        raise format_error(p, "binary junk where text was expected (control characters)", byte=0)
    return text


def _first_bad_cell(
    path: Path,
    skip_lines: int,
    delimiter: str,
    cols: Sequence[int],
    comment: str | None,
) -> tuple[int, int, str] | None:
    """Find the first cell that is not a number: (line number 1-based, column 1-based, text)."""
    with path.open("r", encoding="utf-8", errors="replace", newline="") as fh:
        for lineno, line in enumerate(fh, start=1):
            if lineno <= skip_lines:
                continue
            s = line.rstrip("\r\n")
            if comment and s.lstrip().startswith(comment):
                continue
            if not s.strip(delimiter + " "):
                continue
            cells = next(csv.reader([s], delimiter=delimiter)) if delimiter != " " else s.split()
            for j in cols:
                if j >= len(cells):
                    continue
                c = cells[j].strip()
                if c == "":
                    continue
                try:
                    float(c)
                except ValueError:
                    return lineno, j + 1, c
    return None


def read_numeric_table(
    path: str | Path,
    *,
    skip_lines: int,
    delimiter: str,
    ncols: int,
    usecols: Sequence[int] | None = None,
    comment: str | None = None,
    column_names: Sequence[str] | None = None,
    drop_blank_rows: bool = True,
    strict_rows: bool = True,
    chunk_rows: int = 262_144,
    decimal: str = ".",
) -> npt.NDArray[np.float64]:
    """Parse the numeric body of a delimited text file with pandas' C engine (streamed).

    Parameters
    ----------
    path : path
    skip_lines : int
        Header lines (including a column-name line) before the first data row.
    delimiter : str
        Field separator; ``" "`` means any run of whitespace.
    ncols : int
        Number of fields each row must have.
    usecols : sequence of int, optional
        Zero-based columns to return (default: all ``ncols``). Other columns may hold text.
    comment : str, optional
        Lines starting with this are ignored.
    column_names : sequence of str, optional
        Names used in error messages.
    drop_blank_rows : bool
        Rows with no value at all (e.g. only tabs) are dropped.
    strict_rows : bool
        A row with some but not all of the ``usecols`` values missing is an error.
    decimal : str
        Decimal mark (``","`` for ``1,5``).
    chunk_rows : int
        Rows parsed per chunk: an enormous file is streamed, and only the wanted columns
        are kept (peak memory about twice the returned array).

    Returns
    -------
    ndarray, shape (n_rows, len(usecols))

    Raises
    ------
    FormatError
        A non-numeric cell (file, line and column named), a row with the wrong number of
        fields, a truncated last row, or no data rows at all.
    """
    import pandas as pd

    p = Path(path)
    cols = list(range(ncols)) if usecols is None else list(usecols)
    names = list(column_names) if column_names is not None else [f"column {i + 1}" for i in cols]
    kw: dict[str, Any] = {
        "header": None,
        "skiprows": skip_lines,
        "engine": "c",
        "skipinitialspace": True,
        "skip_blank_lines": True,
        "dtype": {c: np.float64 for c in cols},
        "encoding": "utf-8",
        "encoding_errors": "replace",
        "on_bad_lines": "error",
        "decimal": decimal,
    }
    if delimiter == " ":
        kw["sep"] = r"\s+"
    else:
        kw["sep"] = delimiter
    if comment:
        kw["comment"] = comment
    try:
        parts: list[npt.NDArray[np.float64]] = []
        with pd.read_csv(p, chunksize=chunk_rows, **kw) as reader:
            for df in reader:
                if df.shape[1] != ncols:
                    raise format_error(
                        p,
                        f"expected {ncols} fields per row, found {df.shape[1]}",
                        line=skip_lines + 1,
                    )
                # all columns are parsed (usecols would silently accept rows with extra
                # fields); only the wanted ones are kept, chunk by chunk
                parts.append(df.iloc[:, cols].to_numpy(dtype=np.float64, copy=True))
                del df
    except pd.errors.EmptyDataError:
        raise format_error(p, "no data rows after the header", line=skip_lines + 1) from None
    except pd.errors.ParserError as exc:
        msg = str(exc)
        import re

        m = re.search(r"line (\d+)", msg)
        m2 = re.search(r"Expected (\d+) fields.*saw (\d+)", msg)
        if m and m2:
            raw_line = int(m.group(1))
            raise format_error(
                p,
                f"expected {m2.group(1)} fields, found {m2.group(2)} "
                f"(a corrupt or concatenated row)",
                line=raw_line,
            ) from None
        raise format_error(p, f"cannot parse the table: {msg}") from None
    except (ValueError, TypeError):
        bad = _first_bad_cell(p, skip_lines, delimiter, cols, comment)
        if bad is None:
            raise format_error(p, "a value could not be read as a number") from None
        lineno, col, cell = bad
        cname = names[cols.index(col - 1)] if (col - 1) in cols else f"column {col}"
        raise format_error(
            p,
            f"column {col} ({cname}) holds {cell[:40]!r} where a number was expected",
            line=lineno,
        ) from None
    except UnicodeError as exc:
        raise format_error(p, f"undecodable text: {exc}") from None
    if not parts:
        raise format_error(p, "no data rows after the header", line=skip_lines + 1)
    arr = parts[0] if len(parts) == 1 else np.concatenate(parts)
    del parts
    isnan = np.isnan(arr)
    if drop_blank_rows and isnan.any():
        blank = isnan.all(axis=1)
        if blank.any():
            arr = arr[~blank]
            isnan = isnan[~blank]
    if arr.shape[0] == 0:
        raise format_error(p, "no data rows after the header", line=skip_lines + 1)
    if strict_rows and isnan.any():
        row = int(np.flatnonzero(isnan.any(axis=1))[0])
        col = int(np.flatnonzero(isnan[row])[0])
        last = row == arr.shape[0] - 1
        what = (
            "the last row is incomplete (the file looks truncated)"
            if last
            else f"row {row + 1} has an empty or missing value in {names[col]}"
        )
        raise format_error(p, what + f"; expected {len(cols)} numbers per row")
    if not np.isfinite(arr[~isnan]).all():
        raise format_error(p, "infinite values (inf) among the samples")
    return arr


def sniff_delimiter(line: str) -> str:
    """Guess the field separator of a data line: tab, comma, semicolon or whitespace."""
    # ';' before ',': semicolon files use the comma as their decimal mark ("1,5;2,25")
    for d in ("\t", ";", ","):
        if d in line:
            return d
    return " "


def _montage_pairs(montage: MontageLike) -> list[Channel] | dict[str, tuple[Any, Any]]:
    from emgkit.montage import Montage, load_montage

    if isinstance(montage, Mapping):
        return {str(k): tuple(v) for k, v in montage.items()}
    if isinstance(montage, Montage):
        return list(montage.channels)
    if isinstance(montage, str | Path):
        return list(load_montage(montage).channels)
    if isinstance(montage, Sequence):
        return [c if isinstance(c, Channel) else Channel(str(c)) for c in montage]
    raise ConfigError(
        f"montage must be a name, a path, a Montage or a mapping, got {type(montage).__name__}"
    )


def apply_montage(rec: Recording, montage: MontageLike) -> Recording:
    """Assign muscles and sides to a recording's raw EMG channels.

    Parameters
    ----------
    rec : Recording
    montage : str, Path, Montage, sequence of Channel, or mapping
        A shipped montage name (``"bridge6"``), a TOML path or a :class:`~emgkit.montage.Montage`:
        its channels are given, in order, to the recording's first ``raw`` channels (the
        channel is renamed to the montage name); with fewer montage channels than raw channels
        (six bridge pairs on an 8-channel Cyton) the rest stay unassigned, with a warning.
        A mapping ``{column_name: (muscle, side)}`` relabels the named columns only.

    Raises
    ------
    ConfigError
        The montage has more channels than the recording has raw channels, or the mapping
        names a column that does not exist.
    """
    import dataclasses

    spec = _montage_pairs(montage)
    chans = list(rec.channels)
    if isinstance(spec, dict):
        names = rec.channel_names
        missing = [k for k in spec if k not in names]
        if missing:
            raise ConfigError(
                f"montage mapping names unknown column(s) {missing}; columns: {names}"
            )
        for k, pair in spec.items():
            if len(pair) != 2:
                raise ConfigError(f"montage mapping for {k!r} must be (muscle, side), got {pair}")
            i = names.index(k)
            chans[i] = dataclasses.replace(chans[i], muscle=pair[0], side=pair[1])
        # dataclasses.replace re-validates muscle/side through __post_init__
        return rec.with_data(rec.data, chans)
    raw_idx = [i for i, c in enumerate(chans) if c.kind == "raw"]
    if len(spec) > len(raw_idx):
        raise ConfigError(
            f"the montage has {len(spec)} channels but the recording has only {len(raw_idx)} raw "
            f"EMG channels ({[chans[i].name for i in raw_idx]}); give a montage with at most "
            "as many channels, or a mapping {column: (muscle, side)}"
        )
    if len(spec) < len(raw_idx):
        # e.g. the six bridge6 pairs on channels 1-6 of an 8-channel Cyton: 7-8 stay unassigned
        unused = [chans[i].name for i in raw_idx[len(spec) :]]
        warnings.warn(
            f"the montage has {len(spec)} channels and the recording {len(raw_idx)} raw EMG "
            f"channels: assigned in order to the first {len(spec)}; {unused} stay unassigned "
            "(no muscle, not analysed). Use a mapping {column: (muscle, side)} for another order",
            UserWarning,
            stacklevel=2,
        )
    for i, mc in zip(raw_idx, spec, strict=False):
        old = chans[i]
        chans[i] = Channel(
            mc.name,
            mc.muscle,
            mc.side,
            old.kind if mc.kind == "raw" else mc.kind,
            old.units,
            old.device,
            mc.site or old.site,
        )
    out = rec.with_data(rec.data, chans)
    if not isinstance(montage, Mapping):
        name = getattr(montage, "name", None) or str(montage)
        out.info.montage = str(name)
    return out


def json_safe(obj: Any) -> Any:
    """Convert ``obj`` to plain JSON values.

    Dict keys as text, datetimes as ISO 8601, numpy scalars as Python numbers, non-finite
    floats as ``None`` (strict JSON has no NaN), anything else as ``str``. Used for BDF+
    sidecars and results metadata.
    """
    from datetime import datetime

    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [json_safe(v) for v in obj]
    if isinstance(obj, datetime):
        return obj.isoformat()
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not np.isfinite(obj):
        return None
    if isinstance(obj, str | int | float | bool) or obj is None:
        return obj
    return str(obj)


def atomic_write(path: str | Path, write: Callable[[io.BufferedWriter], None]) -> Path:
    """Write a file atomically: temp file in the same folder, fsync, rename.

    A failure at any point leaves no file (and no partial file) under ``path``; an existing
    file at ``path`` is replaced only when the new one is complete.

    Parameters
    ----------
    path : str or Path
        The file to write.
    write : callable
        Writes the content to the binary file object it is given.

    Raises
    ------
    RecordingError
        The write failed (disk full, permission denied ...): the message says what to do.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise RecordingError(f"cannot write {target}: the folder {folder} does not exist")
    try:
        write_atomic(target, write)  # type: ignore[arg-type]
    except OSError as exc:
        hint = (
            "the disk is full: free some space (or write to another drive) and save again"
            if getattr(exc, "errno", None) == 28 or "No space" in str(exc)
            else "check that the folder exists and is writable, and that the disk has space"
        )
        raise RecordingError(
            f"could not write {target}: {exc.strerror or exc}; {hint}. "
            "No partial file was left behind; the recording is still in memory."
        ) from exc
    return target
