"""Subcommand of the report domain: ``emgkit report``.

Only argparse is imported at module level; the handler imports the analysis and report stack.
"""

from __future__ import annotations

import argparse

from emgkit.cli._args import Handler, add_montage, add_protocol, plain_file_name

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
    p.add_argument("--name", default="report", help="file name without extension (default report)")
    table["report"] = _report


def _report(args: argparse.Namespace) -> int:
    import gc
    import warnings

    from emgkit.cli import _report_helper as _helper

    plain_file_name(args.name, "--name")  # before the (slow) analysis
    # with a free core, the report's own imports run in a helper interpreter meanwhile, which
    # then writes the files (emgkit.cli._report_helper); any failure of it: written here
    helper = _helper.start(args.file, args.montage, args.out, args.name)
    written = None
    try:
        # Python's cyclic collector would traverse every object the imports create, again and
        # again (0.3-0.4 s of the command, docs/performance.md): none of them is garbage, so
        # the collector is off while importing and they are frozen (never traversed again) after
        gc.disable()
        try:
            if helper is None:
                import fpdf  # noqa: F401  (write_report's PDF step imports it: here, with the rest)

                from emgkit.report.html import write_report
            from emgkit.analysis.bridge import analyze_bridge
            from emgkit.io import read
        finally:
            gc.freeze()
            gc.enable()
        rec = read(args.file, montage=args.montage)
        with warnings.catch_warnings():
            # limitations (e.g. band-limited recordings) are written into the report itself
            warnings.simplefilter("ignore")
            result = analyze_bridge(rec, args.protocol)
        if helper is not None:
            written = helper.finish(result)
    finally:
        if helper is not None:
            helper.close()
    if written is None:  # no helper, or it failed: the same report, written here
        from emgkit.report.html import write_report

        paths = write_report(rec, result, args.out, basename=args.name)
        html, pdf = paths.html, paths.pdf
    else:
        html, pdf = written
    print(f"report (HTML): {html.resolve()}")
    print(f"report (PDF):  {pdf.resolve()}")
    return 0
