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


def test_result_tables_come_from_the_result_fields() -> None:
    """0.1's CLI listed seven tables by hand and missed epochs and pain."""
    import dataclasses

    import pandas as pd

    from emgkit.analysis.bridge import BridgeResult
    from emgkit.analysis.tables import result_tables

    frames = [f.name for f in dataclasses.fields(BridgeResult) if "DataFrame" in str(f.type)]
    one = pd.DataFrame({"x": [1.0]})
    res = BridgeResult(**{n: one for n in frames})
    assert list(result_tables(res)) == frames
    assert {"epochs", "pain", "mvc", "symmetry"} <= set(frames)
    res.pain = pd.DataFrame()
    assert "pain" not in result_tables(res) and "pain" in result_tables(res, non_empty=False)


def test_lazy_exports_are_the_functions_not_same_named_modules() -> None:
    """``emgkit.analysis.envelopes`` stays the function once the analysis modules are loaded."""
    import emgkit.analysis
    import emgkit.analysis.bridge
    import emgkit.io

    assert callable(emgkit.analysis.envelopes)
    assert emgkit.analysis.envelopes.__module__ == "emgkit.analysis.params"
    assert emgkit.io.describe.__module__ == "emgkit.io.info"
    assert "analyze_bridge" in dir(emgkit.analysis)
