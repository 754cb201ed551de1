"""``emgkit analyze``: analyse one bridge-test recording, print and save the results.

Only argparse is imported at module level; the handler imports the analysis stack.
"""

from __future__ import annotations

import argparse
from typing import Any

from emgkit.cli._args import (
    Handler,
    add_csv_fs,
    add_montage,
    add_protocol,
    add_threads,
    frozen_imports,
)
from emgkit.cli._summary import print_summary

_EPILOG_ANALYZE = """\
examples:
  emgkit analyze session.bdf
  emgkit analyze session.bdf --out results/
  emgkit analyze OpenBCI-RAW-2024-05-01.txt --montage bridge6 --protocol bridge
  emgkit analyze export.csv --fs 1000 --montage my_montage.toml --protocol my_protocol.toml
"""


def register(sub: argparse._SubParsersAction, table: dict[str, Handler]) -> None:
    """Add ``analyze``."""
    p = sub.add_parser(
        "analyze",
        help="analyse a bridge-test recording and print/save the results",
        description=(
            "Analyse a bridge-test recording with trial/hold markers: %MVC per side's own MVC, "
            "ratios, onsets and symmetry. Writes tidy results as CSV when --out is given."
        ),
        epilog=_EPILOG_ANALYZE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", help="recording with trial markers (e.g. a session .bdf)")
    add_montage(p)
    add_protocol(p)
    p.add_argument("--out", help="folder for results (CSV tables) and figures")
    add_csv_fs(p)
    add_threads(p)
    table["analyze"] = _analyze


def _analyze(args: argparse.Namespace) -> int:
    from pathlib import Path

    with frozen_imports():
        from emgkit.analysis.bridge import analyze_bridge
        from emgkit.io import read

    rec = read(args.file, montage=args.montage, fs=args.fs)
    auto = not rec.events_for(label="hold")
    if auto:
        print("no trial markers in the file: finding reps and holds from the envelopes")
    result = analyze_bridge(rec, args.protocol, auto_segment=auto, workers=args.threads)
    print_summary(result)
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        from emgkit.analysis.tables import result_tables
        from emgkit.io import write_results

        for name, table in result_tables(result).items():
            table.to_csv(out / f"{name}.csv", index=False)
        # tidy table with the emgkit version and every parameter in the file's metadata
        write_results(result, out / "results.parquet", session=rec)
        written = _write_analysis_extras(rec, result, out)
        print(f"\nresults: {out.resolve()} (CSV tables, results.parquet, {', '.join(written)})")
    return 0


def _write_analysis_extras(rec: Any, result: Any, out: Any) -> list[str]:
    """The interpretation as text and the two overview figures, beside the tables."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from emgkit.analysis.interpret import interpret
    from emgkit.report.figures import plot_envelopes, plot_pct_mvc

    lines = [f"[{f.level}] {f.message}" for f in interpret(result)]
    lines += [f"note: {n}" for n in result.notes]
    (out / "interpretation.txt").write_text(
        "Interpretation (literature-grounded; not a diagnosis)\n\n" + "\n".join(lines) + "\n",
        encoding="utf-8",
    )
    written = ["interpretation.txt"]
    if result.envelope is not None and result.envelope_channels:
        mvc = dict(zip(result.mvc["channel"], result.mvc["mvc_uv"], strict=True))
        plt.close(
            plot_envelopes(
                rec.pick(names=result.envelope_channels),
                result.envelope,
                mvc,
                save=out / "envelopes.png",
            )
        )
        written.append("envelopes.png")
    if not result.summary.empty:
        plt.close(plot_pct_mvc(result, save=out / "pct_mvc.png"))
        written.append("pct_mvc.png")
    return written
