"""The package's front door: version from metadata, a quick start that runs, public __all__."""

from __future__ import annotations

import doctest
import importlib.metadata

import pytest

import emgkit


def test_version_comes_from_package_metadata() -> None:
    assert emgkit.__version__ == importlib.metadata.version("emgkit")


def test_quick_start_in_the_package_docstring_runs() -> None:
    """0.1's quick start raised AttributeError; this one is executed as a doctest."""
    finder = doctest.DocTestFinder(recurse=False)
    (test,) = finder.find(emgkit, "emgkit")
    assert len(test.examples) >= 5
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    assert runner.failures == 0


@pytest.mark.parametrize("name", ["emgkit", "emgkit.analysis", "emgkit.report", "emgkit.io"])
def test_public_api_names_resolve(name: str) -> None:
    mod = importlib.import_module(name)
    assert mod.__all__
    for attr in mod.__all__:
        assert getattr(mod, attr) is not None, f"{name}.{attr}"


def test_one_atomic_write_helper() -> None:
    """io/_atomic.write_atomic is the only place that renames a temp file over a target."""
    from pathlib import Path

    src = Path(emgkit.__file__).parent
    users = sorted(
        str(p.relative_to(src))
        for p in src.rglob("*.py")
        if "os.replace(" in p.read_text(encoding="utf-8")
    )
    # the emulator's port symlink is a rename of a link, not a file write
    assert users == ["io/_atomic.py", "simulate/emulators.py"]
