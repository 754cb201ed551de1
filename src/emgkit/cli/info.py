"""``emgkit info``: say what a recording file holds.

Only argparse is imported at module level; the handler imports :mod:`emgkit.io`.
"""

from __future__ import annotations

import argparse
import sys

from emgkit.cli._args import Handler, add_csv_fs, add_montage

_EPILOG_INFO = """\
examples:
  emgkit info session.bdf
  emgkit info OpenBCI-RAW-2024-05-01.txt --montage bridge6
  emgkit info recording.csv --fs 1000          (a CSV without a time column)
  emgkit info study.xdf --stream EMG
"""


def register(sub: argparse._SubParsersAction, table: dict[str, Handler]) -> None:
    """Add ``info``."""
    p = sub.add_parser(
        "info",
        help="say what a recording file holds (format, fs, channels, gaps, events)",
        description=(
            "Describe a recording: format, duration, sampling rate, channels, gaps, events."
        ),
        epilog=_EPILOG_INFO,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", help="recording (OpenBCI GUI .txt, BrainFlow .csv, EDF/BDF, XDF, CSV)")
    add_montage(p)
    p.add_argument("--stream", help="XDF only: the EMG stream's name or id when there are several")
    add_csv_fs(p)
    table["info"] = _info


def _info(args: argparse.Namespace) -> int:
    from emgkit.io import describe, read

    kw = {"stream": args.stream} if args.stream else {}
    rec = read(args.file, montage=args.montage, fs=args.fs, **kw)
    try:
        print(describe(rec))
        sys.stdout.flush()
    except BrokenPipeError:  # `emgkit info FILE | head`
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0
