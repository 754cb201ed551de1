"""The file formats emgkit reads and writes: one :class:`FormatSpec` row each, the only list.

:func:`read`, :func:`detect_format`, ``emgkit info`` (:func:`emgkit.io.info.describe`), the
batch runner's folder scan and the command line all read :data:`FORMATS`. Adding a format is
one reader module in ``io/`` plus one row here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emgkit.errors import FormatError
from emgkit.recording import Recording

__all__ = [
    "FORMATS",
    "FormatSpec",
    "detect_format",
    "format_names",
    "format_title",
    "get_format",
    "read",
    "readable_suffixes",
]


@dataclass(frozen=True, slots=True)
class FormatSpec:
    """One stored-session format.

    Attributes
    ----------
    name : str
        The ``format=`` name (``"edf"``).
    title : str
        Human name for ``emgkit info`` and messages.
    suffixes : tuple of str
        File extensions (lower case, with the dot) this format uses.
    reader : callable
        ``reader(path, **kwargs) -> Recording``; imported on first use.
    magic : tuple of bytes
        Binary signatures of the first bytes (empty for text formats).
    min_size : int
        Smallest file the signature counts for (an EDF header is 256 bytes).
    sniff : callable, optional
        ``sniff(head) -> bool`` on the decoded start of a text file.
    fallback : bool
        Chosen by extension alone when nothing more specific matched (generic CSV).
    aliases : tuple of str
        Other names accepted by ``format=`` and written by readers into
        ``info.extra["format"]`` (``"bdf+"``).
    writer : callable, optional
        ``writer(recording, path, **kwargs) -> Path`` when emgkit writes this format.
    takes_fs : bool
        The reader accepts ``fs=`` (a format that does not state its rate).
    """

    name: str
    title: str
    suffixes: tuple[str, ...]
    reader: Callable[..., Recording]
    magic: tuple[bytes, ...] = ()
    min_size: int = 0
    sniff: Callable[[str], bool] | None = None
    fallback: bool = False
    aliases: tuple[str, ...] = ()
    writer: Callable[..., Path] | None = None
    takes_fs: bool = False


# ---------------------------------------------------------------------- lazy readers


def _lazy(module: str, name: str) -> Callable[..., Any]:
    """``module.name``, imported on first call (so ``import emgkit.io`` stays light).

    ``module`` is a constant of this file, never data; the layering test reads these calls as
    imports.
    """

    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    call.__name__ = name
    return call


def _sniff_brainflow(head: str) -> bool:
    from emgkit.io.brainflow_csv import looks_like_brainflow

    return looks_like_brainflow(head) is not None


#: Every format, in detection order: binary signatures first, then text sniffers, then the
#: extension-only fallback.
FORMATS: tuple[FormatSpec, ...] = (
    FormatSpec(
        "bdf", "BDF+", (".bdf",), _lazy("emgkit.io.edf", "read_edf"),
        magic=(b"\xffBIOSEMI",), aliases=("bdf+",), writer=_lazy("emgkit.io.edf", "write_bdf"),
    ),
    FormatSpec(
        "edf", "EDF+", (".edf", ".rec"), _lazy("emgkit.io.edf", "read_edf"),
        magic=(b"0       ",), min_size=256, aliases=("edf+",),
    ),
    FormatSpec(
        "xdf", "XDF (Lab Streaming Layer)", (".xdf",), _lazy("emgkit.io.xdf", "read_xdf"),
        magic=(b"XDF:",),
    ),
    FormatSpec(
        "openbci", "OpenBCI GUI text", (".txt",),
        _lazy("emgkit.io.openbci_txt", "read_openbci_txt"),
        sniff=_lazy("emgkit.io.openbci_txt", "is_openbci_txt"),
        aliases=("openbci-txt", "openbci_txt"),
    ),
    FormatSpec(
        "brainflow", "BrainFlow CSV", (".csv",),
        _lazy("emgkit.io.brainflow_csv", "read_brainflow_csv"),
        sniff=_sniff_brainflow, aliases=("brainflow-csv",),
    ),
    FormatSpec(
        "csv", "delimited text (CSV/TSV)", (".csv", ".tsv", ".txt", ".dat", ""),
        _lazy("emgkit.io.csv_generic", "read_csv"),
        fallback=True, aliases=("tsv", "text"), takes_fs=True,
    ),
)  # fmt: skip


def format_names() -> tuple[str, ...]:
    """The ``format=`` names, in detection order."""
    return tuple(f.name for f in FORMATS)


def get_format(name: str) -> FormatSpec:
    """The spec for a format name or alias (case-insensitive).

    Raises
    ------
    FormatError
        For a name no format uses.
    """
    key = str(name).lower()
    for f in FORMATS:
        if key == f.name or key in f.aliases:
            return f
    raise FormatError(f"unknown format {name!r}; use one of {format_names()}")


def format_title(name: str) -> str:
    """Human name of a format (``"bdf+"`` -> ``"BDF+"``); the name itself when unknown."""
    try:
        return get_format(name).title
    except FormatError:
        return name


def readable_suffixes() -> frozenset[str]:
    """Every extension a reader claims (for scanning a folder); ``""`` excluded."""
    return frozenset(s for f in FORMATS for s in f.suffixes if s)


def detect_format(path: str | Path) -> str:
    """Guess a file's format from its content (first bytes) and, second, its extension.

    Parameters
    ----------
    path : str or Path
        The file.

    Returns
    -------
    str
        One of :func:`format_names`.

    Raises
    ------
    FormatError
        The file is missing, empty, or none of the supported formats.
    """
    from emgkit.io.base import read_head

    p = Path(path)
    if not p.is_file():
        raise FormatError(f"{p}: no such file")
    longest = max(len(m) for f in FORMATS for m in f.magic)
    with p.open("rb") as fh:
        magic = fh.read(longest)
    size = p.stat().st_size
    for f in FORMATS:
        if any(magic.startswith(m) for m in f.magic) and size >= f.min_size:
            return f.name
    if not magic:
        raise FormatError(f"{p}: the file is empty")
    suffix = p.suffix.lower()
    binary = [f for f in FORMATS if f.magic and suffix in f.suffixes]
    if binary:
        titles = " / ".join(f.title for f in binary)
        signatures = " or ".join(repr(m) for f in binary for m in f.magic)
        raise FormatError(
            f"{p}: the extension says {titles} but the first bytes {magic[:8]!r} are not its "
            f"signature ({signatures}); the file is damaged or misnamed"
        )
    head = read_head(p)  # raises FormatError on binary junk / UTF-16
    for f in FORMATS:
        if f.sniff is not None and f.sniff(head):
            return f.name
    for f in FORMATS:
        if f.fallback and suffix in f.suffixes:
            return f.name
    raise FormatError(
        f"{p}: unknown format (extension {p.suffix!r}, content not recognised); "
        f"name the format: --in-format {{{','.join(format_names())}}} (emgkit convert), "
        "format=... (Python), or rename the file with its format's extension"
    )


def read(
    path: str | Path,
    *,
    format: str | None = None,
    montage: Any = None,
    fs: float | None = None,
    **kw: Any,
) -> Recording:
    """Read a stored session in any supported format.

    Parameters
    ----------
    path : str or Path
        The file.
    format : str, optional
        A name from :func:`format_names` (or an alias); skips detection (content first, then
        extension).
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
        The session, with the montage applied when given.

    Raises
    ------
    FormatError
        Unknown or malformed file (the message names the file).
    ConfigError
        The montage does not fit the channels.
    """
    from emgkit.io.base import apply_montage

    p = Path(path)
    try:
        spec = get_format(format or detect_format(p))
    except FormatError as exc:
        if format is None:
            raise
        raise FormatError(f"{p}: {exc}") from None
    if spec.takes_fs:
        rec = spec.reader(p, fs=fs, **kw)
        fs = None
    else:
        rec = spec.reader(p, **kw)
    if fs is not None and abs(float(fs) - rec.fs) > 1e-6 * rec.fs:
        raise FormatError(
            f"{p}: fs={fs:g} Hz was given but the file says {rec.fs:g} Hz; leave fs out "
            "for this format"
        )
    if montage is not None:
        rec = apply_montage(rec, montage)
    return rec
