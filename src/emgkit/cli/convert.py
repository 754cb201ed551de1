"""``emgkit convert IN OUT``: any readable recording to BDF+, a BIDS EMG dataset, or CSV.

Only argparse is imported at module level; the handler imports the readers and writers.
(``emgkit info`` lives in :mod:`emgkit.cli.info` and reads XDF too through
:func:`emgkit.io.read`.)
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from emgkit.cli._args import Handler, add_montage

#: Output formats of ``emgkit convert``.
OUT_FORMATS = ("bdf", "bids", "csv")

_EPILOG = """\
examples:
  emgkit convert OpenBCI-RAW-2024-05-01_10-00-00.txt s01.bdf --montage bridge6
  emgkit convert s01.bdf bids_root --format bids --subject P007 --task bridge --session 1
  emgkit convert s01.bdf s01.csv     (time_s + one column per channel; s01.events.csv,
                                      s01.channels.csv and, with gaps, s01.gaps.csv beside it)
  emgkit convert lab.xdf s01.bdf --stream OpenBCI_EMG --montage bridge6
  emgkit convert emg.csv s01.bdf --fs 2000          (generic CSV without a time column)

Output format: --format, else the extension of OUT (.bdf, .csv, .tsv); an OUT without an
extension (or an existing folder) is a BIDS dataset root.
Input formats: OpenBCI GUI .txt, BrainFlow .csv, EDF/EDF+/BDF/BDF+, XDF (pip install
'emgkit[xdf]'), generic CSV/TSV (see docs/formats.md).
"""


def register(sub: argparse._SubParsersAction, table: dict[str, Handler]) -> None:
    """Add ``convert``."""
    p = sub.add_parser(
        "convert",
        help="convert a recording to BDF+, a BIDS EMG dataset, or CSV",
        description=(
            "Read a recording in any supported format and write it as BDF+ (events and gaps "
            "as annotations), as an entry of a BIDS EMG dataset (BIDS 1.11), or as CSV samples "
            "with a time column. Channels can be assigned to muscles and sides on the way."
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("input", metavar="IN", help="recording to read")
    p.add_argument("output", metavar="OUT", help="file to write (or BIDS root folder)")
    p.add_argument("--format", choices=OUT_FORMATS, help="output format (default: from OUT)")
    p.add_argument(
        "--in-format",
        help="input format when detection fails: openbci, brainflow, edf, bdf, xdf, csv",
    )
    add_montage(p)
    p.add_argument("--fs", type=float, help="sampling rate (Hz) of a CSV input without one")
    p.add_argument("--stream", help="XDF input: name or id of the EMG stream")
    p.add_argument("--subject", help="BIDS: subject pseudonym (letters and digits)")
    p.add_argument("--task", default="bridge", help="BIDS: task label (default bridge)")
    p.add_argument("--session", help="BIDS: session label")
    p.add_argument("--run", type=int, help="BIDS: run number")
    p.add_argument("--overwrite", action="store_true", help="replace existing output")
    table["convert"] = _convert


def out_format(out: str | Path, given: str | None = None) -> str:
    """The output format of ``emgkit convert`` for ``out`` (see the command's help).

    Parameters
    ----------
    out : str or Path
        Output name (its extension chooses the format).
    given : str, optional
        The ``--format`` value, which wins over the extension.
    """
    from emgkit.errors import ConfigError

    if given:
        if given not in OUT_FORMATS:
            raise ConfigError(f"--format must be one of {OUT_FORMATS}, got {given!r}")
        return given
    p = Path(out)
    suffix = p.suffix.lower()
    if suffix in (".bdf", ".bdf+"):
        return "bdf"
    if suffix in (".csv", ".tsv", ".txt"):
        return "csv"
    if suffix == "" or p.is_dir():
        return "bids"
    raise ConfigError(
        f"cannot tell the output format from {p.name!r}: use a .bdf or .csv name, a folder for "
        f"BIDS, or --format {{{','.join(OUT_FORMATS)}}}"
    )


def sibling(path: str | Path, part: str) -> Path:
    """``s.csv`` -> ``s.<part>.csv`` (same folder, same extension).

    Parameters
    ----------
    path : str or Path
        The samples file.
    part : str
        What the sibling holds (``events``, ``channels``, ``gaps``).
    """
    p = Path(path)
    return p.with_name(f"{p.stem}.{part}{p.suffix}")


def write_samples_csv(rec: Any, path: str | Path) -> Path:
    """Samples as CSV/TSV, plus the events, channels and gaps as sibling tables.

    The samples file has one header row (``time_s`` then one column per channel) and no
    comment lines, so ``pandas.read_csv`` and spreadsheets open it without options; missing
    samples are ``nan``. Beside it (same extension):

    * ``<name>.events.<ext>``: ``onset_s, duration_s, label, trial, value`` (always written,
      header only when there are no events);
    * ``<name>.channels.<ext>``: ``name, muscle, side, kind, units, device, site`` (the units
      of each sample column);
    * ``<name>.gaps.<ext>``: ``start_s, duration_s, n_samples, reason`` (only when samples
      are missing).

    Parameters
    ----------
    rec : Recording
        The recording to write.
    path : str or Path
        The samples file (``.tsv``: tab-separated, else comma-separated).

    Returns
    -------
    Path
        The samples file.
    """
    import io

    import pandas as pd

    from emgkit.io.base import atomic_write

    p = Path(path)
    sep = "\t" if p.suffix.lower() == ".tsv" else ","

    def put(target: Path, df: Any) -> None:
        buf = io.StringIO()
        df.to_csv(buf, index=False, sep=sep, float_format="%.9g", na_rep="nan", lineterminator="\n")
        data = buf.getvalue().encode("utf-8")
        atomic_write(target, lambda fh: fh.write(data))  # type: ignore[arg-type]

    put(p, rec.to_dataframe(time_index=True).reset_index())
    events = pd.DataFrame(
        [(e.onset, e.duration, e.label, e.trial, e.value) for e in rec.events],
        columns=["onset_s", "duration_s", "label", "trial", "value"],
    )
    put(sibling(p, "events"), events)
    put(sibling(p, "channels"), rec.channels_frame())
    gaps_file = sibling(p, "gaps")
    if rec.gaps:
        gaps = pd.DataFrame(
            [(g.start / rec.fs, g.n_samples / rec.fs, g.n_samples, g.reason) for g in rec.gaps],
            columns=["start_s", "duration_s", "n_samples", "reason"],
        )
        put(gaps_file, gaps)
    elif gaps_file.exists():
        gaps_file.unlink()  # a stale table from an earlier conversion would lie
    return p


def _convert(args: argparse.Namespace) -> int:
    from emgkit.errors import ConfigError
    from emgkit.io import read

    fmt = out_format(args.output, args.format)
    out = Path(args.output)
    if fmt != "bids" and out.exists() and not args.overwrite:
        raise ConfigError(f"{out} exists; pass --overwrite to replace it")
    kw: dict[str, Any] = {}
    if args.stream is not None:
        kw["stream"] = args.stream
    rec = read(args.input, format=args.in_format, montage=args.montage, fs=args.fs, **kw)
    if fmt == "bdf":
        from emgkit.io.edf import write_bdf

        path = write_bdf(rec, out)
    elif fmt == "csv":
        path = write_samples_csv(rec, out)
        print(f"events: {sibling(out, 'events')}; channels and units: {sibling(out, 'channels')}")
    else:
        from emgkit.io.bids import write_bids

        subject = args.subject or rec.info.subject
        if not args.subject and (not subject or subject == "anonymous"):
            raise ConfigError("--subject is required for BIDS output (a pseudonym, e.g. P007)")
        path = write_bids(
            rec,
            out,
            subject=subject,
            task=args.task,
            session=args.session,
            run=args.run,
            overwrite=args.overwrite,
        )
    print(
        f"{args.input} -> {path} ({fmt}): {rec.n_channels} ch, {rec.fs:g} Hz, "
        f"{rec.duration:.1f} s, {len(rec.events)} events, {len(rec.gaps)} gaps"
    )
    return 0
