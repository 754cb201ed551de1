"""Subcommand definitions for :mod:`emgkit.cli` (each imports its heavy modules lazily)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from emgkit.cli._args import Handler, add_montage, add_protocol

_EPILOG_INFO = """\
examples:
  emgkit info session.bdf
  emgkit info OpenBCI-RAW-2024-05-01.txt --montage bridge6
  emgkit info recording.csv --fs 1000          (a CSV without a time column)
  emgkit info study.xdf --stream EMG
"""

_EPILOG_ANALYZE = """\
examples:
  emgkit analyze session.bdf
  emgkit analyze session.bdf --out results/
  emgkit analyze OpenBCI-RAW-2024-05-01.txt --montage bridge6 --protocol bridge
  emgkit analyze export.csv --fs 1000 --montage my_montage.toml --protocol my_protocol.toml
"""

_EPILOG_DEMO = """\
examples:
  emgkit demo                       right-side inhibition, 2 kHz, results in ./emgkit-demo
  emgkit demo --profile healthy --seed 7 --out /tmp/healthy
"""


#: Modules that add subcommands: each has ``register(sub, table)`` and imports only argparse at
#: module level (heavy imports go inside the handlers, so ``emgkit --help`` stays instant).
#: A module that fails to import is an error, never a silently missing command.
COMMAND_MODULES = (
    "emgkit.cli.record",
    "emgkit.cli.session",
    "emgkit.cli.compare",
    "emgkit.cli.report",
    "emgkit.cli.convert",
    "emgkit.cli.batch",
    "emgkit.app.ui.cli",
    "emgkit.cli.mark",
    "emgkit.cli.progress",
)


def register(sub: argparse._SubParsersAction, table: dict[str, Handler]) -> None:
    """Add every subcommand to ``sub`` and its handler to ``table``."""
    import importlib

    _register_core(sub, table)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub, table)


def _register_core(sub: argparse._SubParsersAction, table: dict[str, Handler]) -> None:
    """demo, info, analyze."""
    p = sub.add_parser(
        "demo",
        help="synthesise a bridge session, analyse it and plot it (no hardware needed)",
        description=(
            "Synthesise a gluteal-bridge session of a subject (default: right-side gluteal "
            "inhibition), record it through an emulated MyoWare/Arduino device on a "
            "pseudo-terminal with the real serial path, save it as BDF+, analyse it (%MVC, "
            "glute:hamstring and glute:erector ratios, onsets, left/right symmetry) and save "
            "figures."
        ),
        epilog=_EPILOG_DEMO,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--out", default="emgkit-demo", help="output folder (default: ./emgkit-demo)")
    p.add_argument(
        "--profile",
        default="right_inhibition",
        help="synthetic subject: healthy, right_inhibition, left_inhibition, hamstring_dominant",
    )
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument("--fs", type=float, default=2000.0, help="sampling rate in Hz (default 2000)")
    p.add_argument(
        "--reps", type=int, default=3, help="reps per double-leg set (protocol: 20; default 3)"
    )
    p.add_argument(
        "--no-device",
        action="store_true",
        help="skip the emulated-device recording (save the synthetic session directly)",
    )
    table["demo"] = _demo

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
    p.add_argument("--fs", type=float, help="sampling rate (Hz) of a CSV without a time column")
    table["info"] = _info

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
    p.add_argument("--fs", type=float, help="sampling rate (Hz) of a CSV without a time column")
    table["analyze"] = _analyze


def _print_summary(result: object) -> None:
    import numpy as np
    import pandas as pd

    from emgkit.analysis.bridge import BridgeResult
    from emgkit.report.tables import summary_table

    assert isinstance(result, BridgeResult)
    mvc = result.mvc
    print("\nMVC amplitude per channel (best 500 ms of the 100 ms RMS envelope):")
    for _, r in mvc.iterrows():
        if r["mvc_uv"] > 0:
            print(f"  {r['channel']:<14} {r['mvc_uv']:8.1f} uV   from {r['source_trial']}")
        else:
            print(f"  {r['channel']:<14}        -      no MVC trial for this muscle and side")
    print(
        "\nPer trial, muscle and side (mean over reps). SA = symmetry angle (+ = right larger;"
        "\nsingle-leg trials are compared as a pair below); onset = latency to movement onset"
        "\n(negative = before); G:H, G:E = glute:hamstring and glute:erector %MVC ratios per side"
        "\n(single-leg trials: working leg only).\n"
    )
    print(summary_table(result).to_string(index=False))
    sym = result.symmetry
    if not sym.empty:
        thr = float(sym["threshold"].dropna().iloc[0]) if sym["threshold"].notna().any() else 6.5
        print(
            "\nLeft vs right (symmetry angle SA, + = right larger) with its 95 % interval from the"
            "\nrep-to-rep / hold-to-hold variability; 'likely asymmetric' needs |SA| beyond"
            f"\n{thr:g} points (a convention) and an interval that excludes 0:\n"
        )

        def _ci(lo: float, hi: float) -> str:
            return "-" if not (np.isfinite(lo) and np.isfinite(hi)) else f"{lo:.1f} to {hi:.1f}"

        table = pd.DataFrame(
            {
                "comparison": sym["comparison"],
                "muscle": sym["muscle"],
                "%MVC L": sym["pct_left"].round(1),
                "%MVC R": sym["pct_right"].round(1),
                "SA": sym["symmetry_angle"].round(1),
                "95 % interval": [
                    _ci(lo, hi) for lo, hi in zip(sym["ci_low"], sym["ci_high"], strict=True)
                ],
                "outcome": sym["outcome"],
            }
        )
        print(table.to_string(index=False))
    from emgkit.analysis.interpret import interpret

    flags = interpret(result)
    if flags:
        print("\nInterpretation (literature-grounded; not a diagnosis):")
        for f in flags:
            print(f"  [{f.level}] {f.message}")
    else:
        for note in result.notes:
            print(f"\nnote: {note}")


def _demo(args: argparse.Namespace) -> int:
    from emgkit.app.demo import run_demo

    out = run_demo(
        args.out,
        profile=args.profile,
        seed=args.seed,
        fs=args.fs,
        reps=args.reps,
        device=None if args.no_device else "emulated-arduino",
        log=lambda s: print(s, flush=True),
    )
    _print_summary(out.result)
    t = out.timings
    print("\ntimings: " + ", ".join(f"{k} {v:.2f} s" for k, v in t.items()))
    print(f"session (BDF+): {out.session_path.resolve()}")
    print(f"figures:        {out.figure_path.resolve()}")
    print(f"                {out.bars_path.resolve()}")
    if out.report_html is not None:
        print(f"report:         {out.report_html.resolve()}")
        print(f"                {out.report_pdf.resolve() if out.report_pdf else ''}")
    return 0


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


def _analyze(args: argparse.Namespace) -> int:
    from pathlib import Path

    from emgkit.analysis.bridge import analyze_bridge
    from emgkit.io import read

    rec = read(args.file, montage=args.montage, fs=args.fs)
    auto = not rec.events_for(label="hold")
    if auto:
        print("no trial markers in the file: finding reps and holds from the envelopes")
    result = analyze_bridge(rec, args.protocol, auto_segment=auto)
    _print_summary(result)
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
