"""The list of subcommand modules of :mod:`emgkit.cli`, and the hook that registers them."""

from __future__ import annotations

import argparse

from emgkit.cli._args import Handler

#: Modules that add subcommands: each has ``register(sub, table)`` and imports only argparse at
#: module level (heavy imports go inside the handlers, so ``emgkit --help`` stays instant).
#: A module that fails to import is an error, never a silently missing command.
COMMAND_MODULES = (
    "emgkit.cli.demo",
    "emgkit.cli.info",
    "emgkit.cli.analyze",
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
    """Add every subcommand to ``sub`` and its handler to ``table``.

    Each module of :data:`COMMAND_MODULES` has a ``register`` with this signature that adds
    its own commands.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The ``emgkit`` parser's subcommands.
    table : dict of str to Handler
        The dispatch table; each command's handler is added under its name.
    """
    import importlib

    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub, table)
