"""Subcommand definitions for :mod:`emgkit.cli` (each imports its heavy modules lazily)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

Handler = Callable[[argparse.Namespace], int]


def register(sub: argparse._SubParsersAction, table: dict[str, Handler]) -> None:  # type: ignore[type-arg]
    """Add every subcommand to ``sub`` and its handler to ``table``."""
