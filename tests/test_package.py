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
