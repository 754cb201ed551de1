"""Readers and writers for stored sessions. Every reader returns a :class:`~emgkit.Recording`.

One reader per format family (as in MNE-Python), one entry point:

>>> from emgkit import io
>>> rec = io.read("OpenBCI-RAW-2024-05-01_10-00-00.txt", montage="bridge6")  # doctest: +SKIP

Formats: OpenBCI GUI text (all generations), BrainFlow CSV, EDF/EDF+/BDF/BDF+ (read; BDF+
write), XDF from LSL recorders (optional pyxdf), generic CSV/TSV with a column map (UCI
lower-limb, OpenSignals/BioSPPy text, plain CSV with a time column). Writers: BDF+, BIDS EMG,
tidy results (Parquet/CSV). See ``docs/formats.md``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from emgkit.errors import FormatError
from emgkit.io.base import MontageLike, apply_montage, read_head
from emgkit.io.brainflow_csv import looks_like_brainflow, read_brainflow_csv
from emgkit.io.csv_generic import read_csv
from emgkit.io.openbci_txt import is_openbci_txt, read_openbci_txt
from emgkit.recording import Recording

__all__ = [
    "FORMATS",
    "apply_montage",
    "describe",
    "detect_format",
    "read",
    "read_brainflow_csv",
    "read_csv",
    "read_edf",
    "read_openbci_txt",
    "read_results",
    "read_xdf",
    "write_bdf",
    "write_bids",
    "write_results",
]

#: Format names accepted by :func:`read` (``format=``).
FORMATS = ("openbci", "brainflow", "edf", "bdf", "xdf", "csv")

_EDF_SUFFIXES = {".edf", ".bdf", ".rec"}


def detect_format(path: str | Path) -> str:
    """Guess a file's format from its content (first bytes) and, second, its extension.

    Returns
    -------
    str
        One of :data:`FORMATS`.

    Raises
    ------
    FormatError
        The file is missing, empty, or none of the supported formats.
    """
    p = Path(path)
    if not p.is_file():
        raise FormatError(f"{p}: no such file")
    with p.open("rb") as fh:
        magic = fh.read(8)
    if magic == b"\xffBIOSEMI":
        return "bdf"
    if magic.startswith(b"XDF:"):
        return "xdf"
    if magic.startswith(b"0       ") and p.stat().st_size >= 256:
        return "edf"
    if not magic:
        raise FormatError(f"{p}: the file is empty")
    if p.suffix.lower() == ".xdf":
        raise FormatError(
            f"{p}: the extension says XDF but the file does not start with b'XDF:' "
            f"(first bytes {magic!r}); the file is damaged or misnamed"
        )
    if p.suffix.lower() in _EDF_SUFFIXES:
        raise FormatError(
            f"{p}: the extension says EDF/BDF but the first 8 bytes {magic!r} are not an "
            "EDF ('0       ') or BDF ('\\xffBIOSEMI') version field; the file is damaged or "
            "misnamed"
        )
    head = read_head(p)  # raises FormatError on binary junk / UTF-16
    if is_openbci_txt(head):
        return "openbci"
    if looks_like_brainflow(head) is not None:
        return "brainflow"
    if p.suffix.lower() in {".csv", ".tsv", ".txt", ".dat", ""}:
        return "csv"
    raise FormatError(
        f"{p}: unknown format (extension {p.suffix!r}, content not recognised); "
        f"give format= one of {FORMATS}"
    )


def read(
    path: str | Path,
    *,
    format: str | None = None,
    montage: MontageLike | None = None,
    fs: float | None = None,
    **kw: Any,
) -> Recording:
    """Read a stored session in any supported format.

    Parameters
    ----------
    path : str or Path
    format : {"openbci", "brainflow", "edf", "bdf", "xdf", "csv"}, optional
        Skip detection (content first, then extension).
    montage : str, Path, Montage or mapping, optional
        Muscles and sides: a montage name (``"bridge6"``), a TOML path or a
        :class:`~emgkit.montage.Montage` is assigned in order to the raw EMG channels (counts
        must match); a mapping ``{column_name: (muscle, side)}`` relabels the named columns.
    fs : float, optional
        Sampling rate for formats that do not state it (generic CSV); for others it must
        agree with the file.
    **kw
        Passed to the format's reader (e.g. ``board=`` for BrainFlow, ``stream=`` for XDF,
        ``channels=``, ``units=``, ``time_column=`` for CSV).

    Returns
    -------
    Recording

    Raises
    ------
    FormatError
        Unknown or malformed file (the message names the file).
    ConfigError
        The montage does not fit the channels.
    """
    p = Path(path)
    fmt = (format or detect_format(p)).lower()
    if fmt in ("openbci", "openbci-txt", "openbci_txt"):
        rec = read_openbci_txt(p, **kw)
    elif fmt in ("brainflow", "brainflow-csv"):
        rec = read_brainflow_csv(p, **kw)
    elif fmt in ("edf", "bdf", "edf+", "bdf+"):
        from emgkit.io.edf import read_edf

        rec = read_edf(p, **kw)
    elif fmt == "xdf":
        from emgkit.io.xdf import read_xdf

        rec = read_xdf(p, **kw)
    elif fmt in ("csv", "tsv", "text"):
        rec = read_csv(p, fs=fs, **kw)
        fs = None
    else:
        raise FormatError(f"{p}: unknown format {format!r}; use one of {FORMATS}")
    if fs is not None and abs(float(fs) - rec.fs) > 1e-6 * rec.fs:
        raise FormatError(
            f"{p}: fs={fs:g} Hz was given but the file says {rec.fs:g} Hz; leave fs out "
            "for this format"
        )
    if montage is not None:
        rec = apply_montage(rec, montage)
    return rec


def __getattr__(name: str) -> Any:
    # EDF/BIDS/describe are imported lazily (edfio is only needed when used)
    if name in ("read_edf", "write_bdf"):
        from emgkit.io import edf

        return getattr(edf, name)
    if name == "write_bids":
        from emgkit.io.bids import write_bids

        return write_bids
    if name == "read_xdf":
        from emgkit.io.xdf import read_xdf

        return read_xdf
    if name in ("read_results", "write_results"):
        from emgkit.io import results

        return getattr(results, name)
    if name == "describe":
        from emgkit.io.info import describe

        return describe
    raise AttributeError(f"module 'emgkit.io' has no attribute {name!r}")
