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

from typing import Any

from emgkit.io._registry import FormatSpec, detect_format, read
from emgkit.io._registry import format_names as _format_names
from emgkit.io.base import apply_montage
from emgkit.io.brainflow_csv import read_brainflow_csv
from emgkit.io.csv_generic import read_csv
from emgkit.io.openbci_txt import read_openbci_txt

__all__ = [
    "FORMATS",
    "FormatSpec",
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

#: Format names accepted by :func:`read` (``format=``); the rows are in
#: :data:`emgkit.io._registry.FORMATS`.
FORMATS = _format_names()


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
