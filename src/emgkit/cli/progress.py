"""Subcommand ``emgkit progress``: the progress report of one pseudonym across visits.

Only argparse is imported at module level; the handler imports the rest.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from emgkit.cli._args import add_montage

Handler = Callable[[argparse.Namespace], int]

_EPILOG = """\
examples:
  emgkit progress P007_2026-10-01.bdf P007_2026-11-05.bdf P007_2026-12-07.bdf --out progress/

Writes progress.html and progress.pdf: per visit (oldest first; same-day sessions kept apart by
time and session id) the glute max symmetry with its 95 % interval and outcome, %MVC, ratios,
hold times and pain, and the change since the first and the previous visit against the
meaningful-change threshold. All files must belong to one pseudonym.
"""


def register(sub: argparse._SubParsersAction, table: dict[str, Handler]) -> None:
    """Add ``progress``."""
    p = sub.add_parser(
        "progress",
        help="write the progress report (HTML + PDF) of one subject across visits",
        description="Analyse each session of one pseudonym and write a progress report.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("files", nargs="+", help="session files of one subject (with trial markers)")
    p.add_argument("--out", required=True, help="output folder (created if missing)")
    add_montage(p)
    p.add_argument("--protocol", default="bridge", help="protocol name or .toml (default bridge)")
    p.add_argument("--name", default="progress", help="file name without extension")
    table["progress"] = _progress


def _progress(args: argparse.Namespace) -> int:
    import warnings

    from emgkit.analysis.bridge import analyze_bridge
    from emgkit.io import read
    from emgkit.report.progress import Visit, write_progress_report

    visits = []
    for f in args.files:
        rec = read(f, montage=args.montage)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # limitations are written into the report
            visits.append(Visit(rec, analyze_bridge(rec, args.protocol)))
    html, pdf = write_progress_report(visits, args.out, basename=args.name)
    print(f"progress (HTML): {html.resolve()}")
    print(f"progress (PDF):  {pdf.resolve()}")
    return 0
