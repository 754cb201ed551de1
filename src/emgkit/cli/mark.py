"""Subcommand ``emgkit mark``: attach trial markers to a recording made without them.

Only argparse is imported at module level; the handler imports the rest.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from emgkit.cli._args import add_montage

Handler = Callable[[argparse.Namespace], int]

_EPILOG = """\
examples:
  # 1. let emgkit find the reps, look at the figure, rename auto_<n> to protocol trials
  emgkit mark OpenBCI-RAW-2026-12-01.txt --montage bridge6 --auto --out review/
  #    (writes review/markers.csv and review/markers_review.svg; edit the trial column)
  # 2. attach the edited table; the session file then analyses and reports as usual
  emgkit mark OpenBCI-RAW-2026-12-01.txt --montage bridge6 --table review/markers.csv \\
      --out P007_marked.bdf
  emgkit report P007_marked.bdf --out report/

The table is CSV or TSV with a header: trial,start,end (seconds from the first sample; one
row per rep, rows of the same trial are its reps) and optional hold_start, hold_end, pain.
Trial ids come from the protocol (--protocol; e.g. rest, mvc_glute_max_prone_left,
slb_left, dlb_squeeze); an unknown id is refused with the list of known ones.
"""


def register(sub: argparse._SubParsersAction, table: dict[str, Handler]) -> None:
    """Add ``mark``."""
    p = sub.add_parser(
        "mark",
        help="attach trial markers to a recording without them (OpenBCI GUI, other CSV)",
        description=(
            "Write a session file (BDF+) with trial, rep and hold markers from a simple "
            "CSV/TSV table (--table), or write the automatic segmentation as such a table with "
            "a review figure to check and rename (--auto)."
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", help="recording (OpenBCI .txt, .csv, .bdf, ...)")
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--table", help="marker table (CSV/TSV: trial,start,end[,hold_start,...])")
    how.add_argument(
        "--auto",
        action="store_true",
        help="find the reps automatically; write markers.csv and a review figure to --out",
    )
    p.add_argument(
        "--out",
        required=True,
        help="with --table: the session file to write (.bdf); with --auto: a folder",
    )
    add_montage(p)
    p.add_argument("--protocol", default="bridge", help="protocol name or .toml (default bridge)")
    p.add_argument(
        "--replace", action="store_true", help="overwrite trial markers already in the file"
    )
    table["mark"] = _mark


def _mark(args: argparse.Namespace) -> int:
    from pathlib import Path

    from emgkit.analysis.markers import (
        attach_markers,
        auto_marker_table,
        plot_marker_review,
        read_marker_table,
        write_marker_table,
    )
    from emgkit.errors import ConfigError
    from emgkit.io import read

    rec = read(args.file, montage=args.montage)
    if args.auto:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        rows = auto_marker_table(rec)
        if not rows:
            raise ConfigError(
                "no reps were found automatically; write a marker table by hand and pass --table"
            )
        csv_path = write_marker_table(rows, out / "markers.csv")
        fig = plot_marker_review(rec, rows)
        svg = out / "markers_review.svg"
        fig.savefig(svg, format="svg", metadata={"Date": None})
        n_trials = len({r.trial for r in rows})
        print(f"{len(rows)} reps in {n_trials} trials found (a heuristic: check the figure)")
        print(f"review figure: {svg.resolve()}")
        print(f"marker table:  {csv_path.resolve()}")
        print(
            "next: rename the auto_<n> trial ids to protocol trials (e.g. slb_left), delete "
            f"wrong rows, then: emgkit mark {args.file} --table {csv_path} --out <file>.bdf"
        )
        return 0
    from emgkit.io.edf import write_bdf

    rows = read_marker_table(args.table)
    marked = attach_markers(rec, rows, args.protocol, replace=args.replace)
    out = Path(args.out)
    if out.suffix.lower() != ".bdf":
        raise ConfigError(f"--out {args.out}: the session file must end in .bdf")
    write_bdf(marked, out)
    trials = len({r.trial for r in rows})
    print(f"{len(rows)} reps in {trials} trials attached: {out.resolve()}")
    return 0
