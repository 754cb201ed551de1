"""``emgkit session``: the guided bridge test from the terminal.

Only argparse is imported at module level; the handler imports the session stack.
"""

from __future__ import annotations

import argparse

from emgkit.cli._args import Handler, add_device_fs, add_montage, add_port, add_subject
from emgkit.devices.registry import device_choices

_EPILOG = """\
examples:
  emgkit session --device cyton --port /dev/ttyUSB0 --out S01-2025-03-04 --subject S01
  emgkit session --device arduino --port /dev/ttyACM0 --fs 2000 --out S01 --subject S01
  emgkit session --device emulated-arduino --out demo --speed 20 --short \\
                 --answers answers.toml            (no hardware, unattended, in seconds)
  emgkit session --resume S01-2025-03-04/session.json     (continue after Ctrl-C or a crash)

At each trial: Enter starts it, s skips it, q stops the session (resume later). Ctrl-C at any
time stops cleanly too: the recording so far is saved and the session can be resumed.
The folder gets session.json (the state), segment-NN.bdf (one per run) and, once every trial
is done, session.bdf (the segments merged, for `emgkit analyze`). See docs/session.md.
"""


def register(sub: argparse._SubParsersAction, table: dict[str, Handler]) -> None:
    """Add ``session``."""
    p = sub.add_parser(
        "session",
        help="guided bridge test: instructions, lift/hold/down cues, markers, pain questions",
        description=(
            "Walk the operator through a protocol while recording: instructions, a countdown, "
            "lift / hold / down cues per rep, markers (trial, rep, hold) written into the "
            "recording on its sample clock, a 0-10 pain rating and 'which muscles did you "
            "feel' after the bridge trials. An interrupted session can be resumed."
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--device", choices=device_choices(), help="device kind (not needed with --resume)"
    )
    add_port(p)
    p.add_argument(
        "--protocol",
        help="shipped protocol name or a .toml path (default: bridge; --resume: the saved one)",
    )
    p.add_argument("--out", help="session folder to create (default with --resume: its folder)")
    p.add_argument(
        "--answers",
        metavar="FILE",
        help="scripted subject (TOML or JSON: pain, felt muscles, skip/abort per trial); "
        "runs without questions",
    )
    p.add_argument(
        "--speed",
        type=float,
        default=None,
        help=(
            "emulated devices: run the cues N times faster than real time (e.g. 20 for a "
            "demo; the operator's time stays 1x; --resume keeps the session's speed)"
        ),
    )
    p.add_argument("--resume", metavar="STATE", help="continue the session in this session.json")
    add_subject(p)
    add_montage(p, default="bridge6")
    add_device_fs(p)
    p.add_argument(
        "--short",
        action="store_true",
        help="shortened protocol for demos: at most 2 reps and 1 set, holds x0.2, rests x0.05",
    )
    p.add_argument(
        "--emulated-subject",
        metavar="PROFILE",
        help="emulated devices: stream a synthetic subject (e.g. healthy) instead of noise",
    )
    table["session"] = _session


def _session(args: argparse.Namespace) -> int:
    from emgkit.app.session.answers import load_answers
    from emgkit.app.session.runner import run_session
    from emgkit.errors import ConfigError
    from emgkit.protocol import load_protocol

    if args.resume is None:
        if args.device is None:
            raise ConfigError("give --device (or --resume STATE to continue a session)")
        if args.out is None:
            raise ConfigError("give --out FOLDER for the new session")
        if not args.device.startswith("emulated") and not args.port:
            raise ConfigError(f"--port is required for {args.device}; run `emgkit devices`")
    if args.fs is not None and args.device:
        from emgkit.cli.record import check_fs

        check_fs(args.device, args.fs)
    if args.speed is not None and not args.speed > 0:
        raise ConfigError(f"--speed must be > 0, got {args.speed:g}")
    if args.speed not in (None, 1.0) and args.device and not args.device.startswith("emulated"):
        raise ConfigError("--speed only applies to emulated devices")
    protocol = None
    if args.protocol is not None or args.resume is None:
        protocol = load_protocol(args.protocol or "bridge")
        if args.short:
            protocol = protocol.shortened(max_reps=2, hold_scale=0.2, rest_scale=0.05)
    elif args.short:
        raise ConfigError("--short applies to a new session; a resumed one keeps its protocol")
    answers = load_answers(args.answers) if args.answers else None
    opts: dict[str, object] = {}
    if args.resume is None:
        opts = {"montage": args.montage, "subject": args.subject}
        if args.fs is not None:
            opts["fs"] = args.fs
        if args.emulated_subject:
            opts["emulated_subject"] = args.emulated_subject
    if args.port:
        opts["port"] = args.port
    ui = None
    if answers is not None:  # unattended: still say where it records and how to resume
        import sys

        from emgkit.app.session.ui import ScriptedUI

        ui = ScriptedUI(answers, messages=sys.stdout)
    result = run_session(
        protocol,
        args.device,
        ui=ui,
        answers=answers,
        out=args.out,
        resume_from=args.resume,
        subject=args.subject,
        speed=args.speed,
        device_options=opts,
    )
    print(f"segments: {', '.join(str(s) for s in result.segments) or 'none'}")
    if result.merged is not None:
        print(f"session (BDF+): {result.merged}")
        return 0
    # the runner has already said how many trials are left and how to resume
    return 0 if result.status != "interrupted" else 130
