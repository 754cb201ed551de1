"""Shared test configuration: hypothesis profiles, the real-data folder, warm numba."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

# numba compiles on first call: no per-example deadline anywhere; CI is derandomized.
settings.register_profile(
    "ci",
    deadline=None,
    derandomize=True,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, max_examples=100)
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "dev"))

REPO = Path(__file__).resolve().parents[1]

# A suite started in the background by a non-interactive shell (`cmd &`, no job control)
# inherits SIGINT ignored, and so would every `emgkit` subprocess the tests start: the tests
# that press Ctrl-C on a recording or a live screen would then see it ignored (the recording runs
# to its --duration). The test process takes Python's default Ctrl-C handling back, so its
# children start with the default disposition, as they do for a user at a terminal.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


def _real_data_dir() -> Path | None:
    env = os.environ.get("EMGKIT_REAL_DATA")
    candidates = [Path(env)] if env else []
    candidates += [
        REPO.parent / "shared" / "data" / "real",
        REPO / ".." / "shared" / "data" / "real",
    ]
    for c in candidates:
        if c.is_dir():
            return c.resolve()
    return None


@pytest.fixture(scope="session")
def real_data() -> Path:
    """Folder of the public real recordings (shared/data/real beside the repo)."""
    d = _real_data_dir()
    if d is None:
        if os.environ.get("CI"):
            pytest.fail("shared/data/real not found beside the repository (set EMGKIT_REAL_DATA)")
        pytest.skip("real recordings not available (set EMGKIT_REAL_DATA)")
    return d


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("emgkit hardware")
    group.addoption(
        "--port",
        default=None,
        help="serial port of a real device: runs the tests marked 'hardware' against it",
    )
    group.addoption(
        "--device",
        default="cyton",
        choices=["cyton", "cyton-daisy", "arduino"],
        help="kind of device on --port (default cyton)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--port"):
        return
    skip = pytest.mark.skip(reason="needs a real device: pytest --port /dev/ttyUSB0 --device cyton")
    for item in items:
        if "hardware" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def hardware(request: pytest.FixtureRequest) -> tuple[str, str]:
    """(device kind, port) of the real device given with --device/--port."""
    return str(request.config.getoption("--device")), str(request.config.getoption("--port"))


def consistent_with_p95(abs_err: Any, bound: float, alpha: float = 0.01) -> bool:
    """Whether a small sample is consistent with "p95 of |error| <= bound".

    The target says at most 5 % of errors exceed ``bound``; with ``n`` errors of which ``k``
    exceed it, the sample contradicts the target when ``P(K >= k | n, 0.05) < alpha``
    (one-sided binomial test). A sample quantile of 10-20 values is nearly their maximum, so
    asserting ``quantile(e, 0.95) <= bound`` on a few seeds fails on one unlucky outlier while
    the 30-seed benchmark meets the target; this still fails when errors beyond the bound are
    several times more frequent than 5 %.
    """
    import numpy as np
    from scipy.stats import binom

    e = np.asarray(abs_err, dtype=float)
    k = int((e > bound).sum())
    return k == 0 or float(binom.sf(k - 1, e.size, 0.05)) >= alpha


@pytest.fixture(scope="session")
def p95_consistent() -> Any:
    """:func:`consistent_with_p95` for the accuracy tests (a few seeds, not the benchmark)."""
    return consistent_with_p95
