"""``emgkit._bytecode``: compiling a later command's imports ahead, on a first run only."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

from emgkit import _bytecode


@pytest.fixture
def pkg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An importable package ``aheadpkg`` with a submodule, no bytecode, bytecode allowed."""
    root = tmp_path / "site"
    (root / "aheadpkg").mkdir(parents=True)
    (root / "aheadpkg" / "__init__.py").write_text("VALUE = 1\n")
    (root / "aheadpkg" / "sub.py").write_text("VALUE = 2\n")
    monkeypatch.syspath_prepend(str(root))
    monkeypatch.setenv("PYTHONPATH", str(root) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
    monkeypatch.delenv(_bytecode.ENV_SWITCH, raising=False)
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    importlib.invalidate_caches()
    return root / "aheadpkg"


def _pyc(path: Path) -> Path:
    return Path(importlib.util.cache_from_source(str(path)))


def test_needs_bytecode_sees_missing_and_present_pyc(pkg: Path) -> None:
    assert _bytecode.needs_bytecode("aheadpkg")
    assert _bytecode.needs_bytecode("aheadpkg.sub")
    import py_compile

    py_compile.compile(str(pkg / "sub.py"), cfile=str(_pyc(pkg / "sub.py")))
    assert not _bytecode.needs_bytecode("aheadpkg.sub")
    assert _bytecode.needs_bytecode("aheadpkg")  # the package's own __init__ still has none
    assert not _bytecode.needs_bytecode("aheadpkg.missing")
    assert not _bytecode.needs_bytecode("no_such_top_level_package_xyz")
    assert not _bytecode.needs_bytecode("sys")  # built in: no source file


def test_compile_ahead_writes_the_bytecode_in_a_child(pkg: Path) -> None:
    child = _bytecode.compile_ahead(["aheadpkg.sub", "no_such_top_level_package_xyz"])
    assert child is not None
    assert child.wait(timeout=120) == 0  # the child's exit is the observable condition
    assert _pyc(pkg / "sub.py").exists()
    assert _pyc(pkg / "__init__.py").exists()  # importing the submodule compiled its package
    # a second run finds it compiled and starts nothing
    assert _bytecode.compile_ahead(["aheadpkg.sub"]) is None


def test_compile_ahead_respects_the_switches(pkg: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(_bytecode.ENV_SWITCH, "0")
    assert _bytecode.compile_ahead(["aheadpkg"]) is None
    monkeypatch.delenv(_bytecode.ENV_SWITCH)
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    assert _bytecode.compile_ahead(["aheadpkg"]) is None
    monkeypatch.delenv("PYTHONDONTWRITEBYTECODE")
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    assert _bytecode.compile_ahead(["aheadpkg"]) is None
    assert not _pyc(pkg / "__init__.py").exists()


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes anywhere")
def test_read_only_package_is_left_alone(pkg: Path) -> None:
    pkg.chmod(0o555)
    try:
        assert not _bytecode.needs_bytecode("aheadpkg")
        assert _bytecode.compile_ahead(["aheadpkg"]) is None
    finally:
        pkg.chmod(0o755)


def test_cli_compiles_ahead_only_for_commands_that_import_late(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from emgkit import cli

    seen: list[tuple[str, ...]] = []
    monkeypatch.setattr(_bytecode, "compile_ahead", lambda mods: seen.append(tuple(mods)))
    cli._compile_ahead("info")
    assert seen == []
    cli._compile_ahead("demo")
    assert seen and seen[0][-1] == "pandas" and seen[0][0] == "fpdf"
