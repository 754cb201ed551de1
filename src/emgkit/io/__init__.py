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

from emgkit._lazy import lazy_exports
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


#: Exports imported on first use (edfio, pyarrow, pyxdf are only needed when used).
_HOME = {
    "read_edf": "edf",
    "write_bdf": "edf",
    "write_bids": "bids",
    "read_xdf": "xdf",
    "read_results": "results",
    "write_results": "results",
    "describe": "info",
}

__getattr__ = lazy_exports(__name__, _HOME, __all__)[0]
