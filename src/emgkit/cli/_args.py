"""Argument helpers shared by every command: one definition, one help text each.

Only argparse is imported here, so ``emgkit --help`` stays instant.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
from collections.abc import Callable, Iterator

__all__ = [
    "Handler",
    "add_csv_fs",
    "add_device_fs",
    "add_montage",
    "add_port",
    "add_protocol",
    "add_subject",
    "add_threads",
    "frozen_imports",
]

#: What a command's ``register`` puts in the dispatch table: parsed arguments -> exit code.
Handler = Callable[[argparse.Namespace], int]

_MONTAGE_HELP = (
    "which muscle and side each channel is: a shipped montage (bridge6, bridge8) or a .toml "
    "path{default}"
)


def add_montage(p: argparse.ArgumentParser, *, default: str | None = None) -> None:
    """Add ``--montage`` (the same help text in every command).

    Parameters
    ----------
    p : argparse.ArgumentParser
        The command's parser.
    default : str, optional
        Montage used when the option is absent (recording commands: ``bridge6``); without a
        default, files keep the channel names and muscles they carry.
    """
    tail = f" (default {default})" if default else " (default: what the file says)"
    p.add_argument("--montage", default=default, help=_MONTAGE_HELP.format(default=tail))


def add_protocol(p: argparse.ArgumentParser, *, default: str | None = "bridge") -> None:
    """Add ``--protocol`` (the same help text in every command).

    Parameters
    ----------
    p : argparse.ArgumentParser
        The command's parser.
    default : str or None
        Protocol used when the option is absent.
    """
    tail = f" (default {default})" if default else ""
    p.add_argument("--protocol", default=default, help=f"protocol name or .toml path{tail}")


def add_port(p: argparse.ArgumentParser) -> None:
    """Add ``--port`` of the recording commands (``record``, ``session``).

    Parameters
    ----------
    p : argparse.ArgumentParser
        The command's parser.
    """
    p.add_argument("--port", help="serial port (not needed for emulated devices)")


def add_subject(p: argparse.ArgumentParser) -> None:
    """Add ``--subject`` of the recording commands: a pseudonym, ``anonymous`` by default.

    Parameters
    ----------
    p : argparse.ArgumentParser
        The command's parser.
    """
    p.add_argument("--subject", default="anonymous", help="subject pseudonym (never a name)")


def add_device_fs(p: argparse.ArgumentParser) -> None:
    """Add ``--fs`` of the recording commands (the Arduino sketch's rate; the Cyton's is fixed).

    Parameters
    ----------
    p : argparse.ArgumentParser
        The command's parser.
    """
    p.add_argument("--fs", type=float, help="sampling rate for the Arduino sketch (Hz)")


def add_csv_fs(p: argparse.ArgumentParser) -> None:
    """Add ``--fs`` of the commands that read a file: the rate of a CSV that states none.

    Parameters
    ----------
    p : argparse.ArgumentParser
        The command's parser.
    """
    p.add_argument("--fs", type=float, help="sampling rate (Hz) of a CSV without a time column")


def plain_file_name(value: str, flag: str) -> str:
    """A CLI output name must be a plain file name: no folder part, no ``..``.

    Parameters
    ----------
    value : str
        What the user gave (e.g. ``--name P007_week4``).
    flag : str
        The flag, for the message (``"--name"``).

    Returns
    -------
    str
        ``value`` unchanged.

    Raises
    ------
    ConfigError
        ``value`` is empty, ``.``/``..``, contains a path separator or a NUL, or is absolute:
        it would write outside the output folder (``--out``).
    """
    import os

    from emgkit.errors import ConfigError

    seps = {"/", "\\", os.sep} | ({os.altsep} if os.altsep else set())
    if (
        not value
        or value in (".", "..")
        or any(s in value for s in seps)
        or "\0" in value
        or os.path.isabs(value)
    ):
        raise ConfigError(
            f"{flag} {value!r} must be a plain file name (no folders, no '..'); "
            "choose the folder with --out"
        )
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return value


def add_threads(p: argparse.ArgumentParser) -> None:
    """Add ``--threads`` of the analysing commands (``analyze``, ``report``).

    Parameters
    ----------
    p : argparse.ArgumentParser
        The command's parser.
    """
    p.add_argument(
        "--threads",
        type=_positive_int,
        default=None,
        metavar="N",
        help=(
            "threads for the analysis of a long recording: 1 = one thread; default 2 when the "
            "machine has a free core (the results are the same either way)"
        ),
    )


@contextlib.contextmanager
def frozen_imports() -> Iterator[None]:
    """Import a command's heavy modules with the cyclic garbage collector off, then freeze them.

    Python's collector would otherwise traverse every object numpy, pandas, scipy, numba,
    matplotlib and fpdf2 create at import, again at each full collection (about 0.4 s of CPU in a
    warm ``emgkit report``: docs/performance.md, "`emgkit report`, session 7"). None of them is
    garbage: :func:`gc.freeze` moves them to a generation that is never traversed. Objects
    created later are collected as usual.
    """
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()
