"""``emgkit ui``: start the clinic's live screen (argparse only at import; aiohttp inside)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

Handler = Callable[[argparse.Namespace], int]

_EPILOG = """\
examples:
  emgkit ui                          the screen on http://127.0.0.1:8765 (opens the browser)
  emgkit ui --demo                   emulated MyoWare device + synthetic subject (no hardware)
  emgkit ui --demo --speed 20 --short --no-browser --http-port 0
  emgkit ui --lan                    reachable from a tablet; prints the URL with its token

Needs the optional extra: pip install "emgkit[ui]". See docs/ui.md.
"""


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``ui`` subcommand to ``subparsers`` and return its parser."""
    p = subparsers.add_parser(
        "ui",
        help="the clinic's live screen in the browser: setup, electrode check, guided "
        "protocol, live %%MVC, biofeedback, report",
        description=(
            "Start a local web server and open the live screen: set up a session (pseudonym, "
            "device, montage), check the electrodes, run the guided protocol with big cues, "
            "watch envelopes and %MVC live, give biofeedback, and finalise the session into "
            "a verified BDF+ and a report. Recording uses the same recorder as `emgkit record`."
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--http-port", type=int, default=8765, help="HTTP port (default 8765; 0 = any free port)"
    )
    p.add_argument(
        "--lan",
        action="store_true",
        help="listen on all interfaces (a tablet on the clinic network); the URL "
        "then needs a random token, which is printed",
    )
    p.add_argument("--no-browser", action="store_true", help="only print the address")
    p.add_argument(
        "--demo",
        action="store_true",
        help="default to the emulated MyoWare device with a synthetic subject",
    )
    p.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="emulated devices: stream N times faster than real time (demos, tests)",
    )
    p.add_argument(
        "--short",
        action="store_true",
        help="shortened protocol by default (at most 2 reps, holds x0.2)",
    )
    p.add_argument(
        "--subject-profile",
        default="healthy",
        help="synthetic subject streamed by emulated devices (default healthy)",
    )
    p.add_argument(
        "--data",
        default="emgkit-sessions",
        help="folder for sessions: DATA/<pseudonym>/<date>-<label>/ (default ./emgkit-sessions)",
    )
    p.add_argument(
        "--power-line",
        type=float,
        choices=(50.0, 60.0),
        help="mains frequency for the electrode check (default: check both)",
    )
    p.add_argument(
        "--stamp-latency",
        action="store_true",
        help="diagnostics: stamp each serial read with the wall clock and send it to the "
        "page, for the byte-to-pixel latency of benchmarks/bench_ui.py",
    )
    return p


def register(sub: argparse._SubParsersAction, table: dict[str, Handler]) -> None:
    """Add ``ui`` (the hook :mod:`emgkit.cli._commands` calls).

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The ``emgkit`` parser's subcommands.
    table : dict of str to Handler
        The dispatch table; :func:`run` is added under ``"ui"``.
    """
    add_parser(sub)
    table["ui"] = run


def run(args: argparse.Namespace) -> int:
    """Serve the screen until Ctrl-C; returns the exit status."""
    from emgkit.errors import ConfigError

    if args.speed <= 0:
        raise ConfigError("--speed must be > 0")
    if not 0 <= args.http_port <= 65535:
        raise ConfigError("--http-port must be 0-65535")
    try:
        from aiohttp import web
    except ImportError:
        raise ConfigError('emgkit ui needs the optional extra: pip install "emgkit[ui]"') from None
    import asyncio
    import socket
    import webbrowser

    from emgkit.app.ui.server import make_app, new_token
    from emgkit.app.ui.session import Controller

    ctl = Controller(
        args.data,
        demo=args.demo,
        speed=args.speed,
        short=args.short,
        emulated_subject=args.subject_profile,
        power_line_hz=args.power_line,
        stamp_arrival=args.stamp_latency,
    )
    token = new_token() if args.lan else None
    host = "0.0.0.0" if args.lan else "127.0.0.1"
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, args.http_port))
        sock.listen(128)  # connections queue from now on: the printed address works at once
    except OSError as exc:
        sock.close()
        raise ConfigError(
            f"cannot listen on port {args.http_port} ({exc.strerror}); choose another with "
            "--http-port N (0 = any free port)"
        ) from None
    port = sock.getsockname()[1]
    shown = "127.0.0.1" if not args.lan else _lan_address()
    url = f"http://{shown}:{port}/" + (f"?token={token}" if token else "")
    print(f"emgkit ui: serving on {url}", flush=True)
    if token:
        print(
            "emgkit ui: --lan: reachable from the clinic network; the URL carries a random "
            "token, and requests without it are refused. Share it only with the tablet.",
            flush=True,
        )
    print(f"emgkit ui: sessions are saved under {ctl.data_dir.resolve()}", flush=True)
    if not args.no_browser:
        webbrowser.open(url)

    async def serve() -> None:
        runner = web.AppRunner(make_app(ctl, token=token), access_log=None)
        await runner.setup()
        site = web.SockSite(runner, sock)
        await site.start()
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        print("emgkit ui: stopping; finalising any running session", file=sys.stderr)
    finally:
        ctl.stop_all()
    return 0


def _lan_address() -> str:
    import socket

    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect(("192.0.2.1", 9))  # no packet is sent: picks the outgoing interface
        return str(s.getsockname()[0])
    except OSError:
        return "127.0.0.1"
    finally:
        s.close()
