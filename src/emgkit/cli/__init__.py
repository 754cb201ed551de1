"""The ``emgkit`` command line. It only parses arguments and calls the library.

Heavy modules (scipy, pandas, matplotlib, numba) are imported inside the subcommands so that
``emgkit --help`` answers instantly.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

__all__ = ["main"]

from emgkit.cli._args import Handler

_COMMANDS: dict[str, Handler] = {}


def _build_parser() -> argparse.ArgumentParser:
    from emgkit._version import __version__

    parser = argparse.ArgumentParser(
        prog="emgkit",
        description=(
            "Surface EMG for the gluteal bridge test: record from OpenBCI Cyton or "
            "MyoWare/Arduino, "
            "analyse %MVC, glute:hamstring and glute:erector ratios, onset order and left/right "
            "symmetry. Start with `emgkit demo`."
        ),
    )
    parser.add_argument("--version", action="version", version=f"emgkit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    from emgkit.cli import _commands as _cli_commands

    _cli_commands.register(sub, _COMMANDS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``emgkit`` console script."""
    from emgkit.errors import EmgkitError

    parser = _build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 0
    _plain_warnings(args.command)
    _compile_ahead(args.command)
    try:
        return _COMMANDS[args.command](args)
    except EmgkitError as exc:
        print(f"emgkit {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"emgkit {args.command}: interrupted", file=sys.stderr)
        return 130


#: Modules a command imports late, whose bytecode a first run after a non-compiling install
#: (uv) compiles on the other core meanwhile (:mod:`emgkit._bytecode`): the command's last
#: imports first, so the two interpreters start at opposite ends.
_LATE_IMPORTS: dict[str, tuple[str, ...]] = {
    "demo": ("fpdf", "matplotlib.pyplot", "numba", "scipy.signal", "pandas"),
    "report": ("fpdf", "matplotlib.pyplot"),
    "progress": ("fpdf", "matplotlib.pyplot"),
}

#: The child started by :func:`_compile_ahead` (kept so it is not collected while it runs).
_AHEAD: list[object] = []


def _compile_ahead(command: str) -> None:
    """Start compiling the bytecode ``command`` will need later, if this is a first run."""
    modules = _LATE_IMPORTS.get(command)
    if modules:
        from emgkit._bytecode import compile_ahead

        child = compile_ahead(modules)
        if child is not None:
            _AHEAD.append(child)


def _plain_warnings(command: str) -> None:
    """Show warnings as ``emgkit CMD: warning: ...`` lines (no file paths) on the command line."""
    import warnings

    def show(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: object = None,
        line: str | None = None,
    ) -> None:
        print(f"emgkit {command}: warning: {message}", file=sys.stderr)

    warnings.showwarning = show
