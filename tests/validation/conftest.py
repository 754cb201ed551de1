"""The validation tests reuse the benchmark's session runner and its one analysis adapter."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_validity.py"


@pytest.fixture(scope="session")
def bench() -> ModuleType:
    """``benchmarks/bench_validity.py`` as a module (run_session, read_analysis, tables)."""
    spec = importlib.util.spec_from_file_location("bench_validity", BENCH)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["bench_validity"] = mod  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod
