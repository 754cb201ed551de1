"""Subcommands of the analysis domain: ``emgkit compare``.

Only argparse is imported at module level; the handlers import the analysis stack.
"""

from __future__ import annotations

import argparse
from typing import Any

from emgkit.cli._args import Handler, add_montage, add_protocol

_EPILOG_COMPARE = """\
examples:
  emgkit compare week0.bdf week4.bdf week8.bdf
  emgkit compare s1.bdf s2.bdf --dates 2024-03-01 2024-04-12 --out trends/
  emgkit compare a.txt b.txt --montage bridge6 --figure trends.png

A change from the first session is "meaningful" when it exceeds the 95 % minimal detectable
change built from both sessions' own rep-to-rep variability, and a floor per metric
(docs/analysis.md). It means "beyond this person's noise", never "clinically important".
"""


def register(sub: argparse._SubParsersAction, table: dict[str, Handler]) -> None:
    """Add ``compare``."""
    p = sub.add_parser(
        "compare",
        help="trends across sessions of one person (symmetry, %%MVC, ratios, hold time)",
        description=(
            "Analyse two or more bridge sessions of the same person and show how the "
            "single-leg-bridge symmetry angle, %MVC, glute:hamstring and glute:erector ratios "
            "and hold time changed, marking changes beyond the person's own variability."
        ),
        epilog=_EPILOG_COMPARE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("sessions", nargs="+", metavar="SESSION", help="session files, 2 or more")
    add_montage(p)
    add_protocol(p)
    p.add_argument("--dates", nargs="+", help="ISO dates, one per session (default: from files)")
    p.add_argument(
        "--labels",
        nargs="+",
        help="session labels, one per session (default: date-time and session id)",
    )
    p.add_argument("--out", help="folder for sessions.csv and trends.csv")
    p.add_argument("--figure", help="write the trend figure here (.png, .svg, .pdf)")
    table["compare"] = _compare


def session_labels(
    recordings: list[Any], paths: list[str], dates: list[str] | None = None
) -> list[str]:
    """One unique label per session: its date-time and session id (file stem if none).

    Two sessions on one day stay two sessions (``2024-05-01 09:30 ses-1`` and
    ``2024-05-01 15:00 ses-2``); a label still shared gets `` #2``, `` #3``...

    Parameters
    ----------
    recordings : list of Recording
    paths : list of str
        The session files, in the same order.
    dates : list of str, optional
        The ``--dates`` given (they override the recordings' dates).

    Returns
    -------
    list of str
    """
    import contextlib
    from datetime import datetime
    from pathlib import Path

    out: list[str] = []
    for i, (rec, path) in enumerate(zip(recordings, paths, strict=True)):
        d: Any = dates[i] if dates is not None and i < len(dates) else rec.info.date
        if isinstance(d, str):
            with contextlib.suppress(ValueError):
                d = datetime.fromisoformat(d)
        stamp = d.strftime("%Y-%m-%d %H:%M") if isinstance(d, datetime) else str(d or "")
        sid = str(rec.info.session or "") or Path(path).stem
        out.append(f"{stamp} {sid}".strip())
    seen: dict[str, int] = {}
    for i, label in enumerate(out):
        seen[label] = seen.get(label, 0) + 1
        if seen[label] > 1:
            out[i] = f"{label} #{seen[label]}"
    return out


def _compare(args: argparse.Namespace) -> int:
    import sys
    import warnings
    from pathlib import Path

    from emgkit.analysis.compare import compare_sessions
    from emgkit.errors import BandLimitWarning, ConfigError
    from emgkit.io import read

    if len(args.sessions) < 2:
        raise ConfigError("give at least two session files to compare")
    recordings = []
    for item in args.sessions:
        if not Path(item).exists():
            raise ConfigError(f"session file not found: {item}")
        recordings.append(read(item, montage=args.montage))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BandLimitWarning)
        res = compare_sessions(
            recordings,
            labels=args.labels or session_labels(recordings, args.sessions, args.dates),
            dates=args.dates,
            protocol=args.protocol,
        )
    print(res.sessions.drop(columns=["order"]).to_string(index=False))
    if "warning" in res.sessions.attrs:
        print(f"\nwarning: {res.sessions.attrs['warning']}")
    titles = {
        "symmetry_angle": "Single-leg bridge symmetry angle (%, + = right larger)",
        "pct_mvc": "%MVC of the working muscles",
        "glute_ham": "glute:hamstring ratio",
        "glute_erector": "glute:erector ratio",
        "hold_s": "hold time (s)",
    }
    for metric, title in titles.items():
        t = res.table(metric)
        if t.empty:
            continue
        print(f"\n{title}:")
        print(t.round(2).to_string())
    mc = res.meaningful_changes()
    print(f"\nMeaningful changes from the first session ({len(mc)}):")
    if mc.empty:
        print("  none beyond the person's own variability")
    for _, r in mc.iterrows():
        what = " ".join(str(v) for v in (r["metric"], r["trial"], r["muscle"], r["side"]) if v)
        print(
            f"  {r['session']}: {what}: {r['value']:.2f} "
            f"(change {r['change']:+.2f}, threshold {r['threshold']:.2f})"
        )
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        res.sessions.to_csv(out / "sessions.csv", index=False)
        res.trends.to_csv(out / "trends.csv", index=False)
        print(f"\nresults: {out.resolve()}")
    if args.figure:
        from emgkit.report.trends import plot_trends

        plot_trends(res, save=args.figure)
        print(f"figure:  {Path(args.figure).resolve()}")
    sys.stdout.flush()
    return 0
