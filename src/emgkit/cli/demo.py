"""``emgkit demo``: synthesise a bridge session, record it through an emulated device, analyse it.

Only argparse is imported at module level; the handler imports the app.
"""

from __future__ import annotations

import argparse

from emgkit.cli._args import Handler
from emgkit.cli._summary import print_summary

_EPILOG_DEMO = """\
examples:
  emgkit demo                       right-side inhibition, 2 kHz, results in ./emgkit-demo
  emgkit demo --profile healthy --seed 7 --out /tmp/healthy
"""


def register(sub: argparse._SubParsersAction, table: dict[str, Handler]) -> None:
    """Add ``demo``."""
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
    print_summary(out.result)
    t = out.timings
    print("\ntimings: " + ", ".join(f"{k} {v:.2f} s" for k, v in t.items()))
    print(f"session (BDF+): {out.session_path.resolve()}")
    print(f"figures:        {out.figure_path.resolve()}")
    print(f"                {out.bars_path.resolve()}")
    if out.report_html is not None:
        print(f"report:         {out.report_html.resolve()}")
        print(f"                {out.report_pdf.resolve() if out.report_pdf else ''}")
    return 0
