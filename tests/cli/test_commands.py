"""The command table: one module per command, shared argument helpers, no silent omissions."""

from __future__ import annotations

import argparse

import pytest

from emgkit.cli import _commands, main


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = argparse.ArgumentParser(prog="emgkit")
    sub = parser.add_subparsers(dest="command")
    table: dict[str, object] = {}
    _commands.register(sub, table)  # type: ignore[arg-type]
    assert set(table) == set(sub.choices)  # every parser has a handler
    return dict(sub.choices)


def test_every_command_is_registered() -> None:
    names = set(_subparsers())
    expected = {"demo", "info", "analyze", "record", "recover", "devices", "session"}
    expected |= {"compare", "report", "convert", "batch", "ui", "mark", "progress"}
    assert names == expected


def test_montage_has_one_help_text() -> None:
    helps = set()
    for p in _subparsers().values():
        for action in p._actions:
            if "--montage" in action.option_strings:
                helps.add(str(action.help).split(" (default")[0])
    assert len(helps) == 1, helps


def test_a_command_module_that_fails_to_import_is_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """0.1 skipped a command module that raised ModuleNotFoundError: the command vanished."""
    monkeypatch.setattr(
        _commands, "COMMAND_MODULES", (*_commands.COMMAND_MODULES, "emgkit.cli.nope")
    )
    with pytest.raises(ModuleNotFoundError, match=r"emgkit\.cli\.nope"):
        main(["--help"])
