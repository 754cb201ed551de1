"""Subcommand of the report domain: ``emgkit report``.

Only argparse is imported at module level; the handler imports the analysis and report stack.
"""

from __future__ import annotations

import argparse

from emgkit.cli._args import (
    Handler,
    add_montage,
    add_protocol,
    add_threads,
    frozen_imports,
    plain_file_name,
)

_EPILOG_REPORT = """\
examples:
  emgkit report sub-P007_bridge.bdf --out report/
  emgkit report s01.bdf --out /tmp/r --protocol my_protocol.toml --name P007_week4
  # a file without trial markers (OpenBCI GUI .txt, CSV from another system): mark it first
  emgkit mark OpenBCI-RAW-P007.txt --montage bridge6 --auto --out review/
  emgkit mark OpenBCI-RAW-P007.txt --montage bridge6 --table review/markers.csv --out P007.bdf
  emgkit report P007.bdf --out report/

Writes REPORT.html (self-contained: figures inline, no network, opens in any browser) and
REPORT.pdf. The same file gives byte-identical reports. The report is not a diagnosis.
"""


def register(sub: argparse._SubParsersAction, table: dict[str, Handler]) -> None:
    """Add ``report``."""
    p = sub.add_parser(
        "report",
        help="write the clinical report (HTML + PDF) of a bridge-test session",
        description=(
            "Read a session, analyse it (%MVC, ratios, onsets, symmetry, fatigue, "
            "interpretation) and write a self-contained HTML report and a PDF with signal "
            "quality, MVC table, envelopes, ratio/symmetry charts, onset timeline, pain ratings, "
            "cue variants and an ISEK-style methods section."
        ),
        epilog=_EPILOG_REPORT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", help="session recording with trial markers (e.g. a .bdf from emgkit)")
    p.add_argument("--out", required=True, help="output folder (created if missing)")
    add_montage(p)
    add_protocol(p)
    add_threads(p)
    p.add_argument("--name", default="report", help="file name without extension (default report)")
    table["report"] = _report


def _report(args: argparse.Namespace) -> int:
    import warnings

    plain_file_name(args.name, "--name")  # before the (slow) analysis
    with frozen_imports():
        import fpdf  # noqa: F401  (write_report's PDF step imports it: here, with the rest)

        from emgkit.analysis.bridge import analyze_bridge
        from emgkit.io import read
        from emgkit.report.html import write_report
    rec = read(args.file, montage=args.montage)
    with warnings.catch_warnings():
        # limitations (e.g. band-limited recordings) are written into the report itself
        warnings.simplefilter("ignore")
        result = analyze_bridge(rec, args.protocol, workers=args.threads)
    paths = write_report(rec, result, args.out, basename=args.name)
    print(f"report (HTML): {paths.html.resolve()}")
    print(f"report (PDF):  {paths.pdf.resolve()}")
    return 0
