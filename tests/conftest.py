"""Shared test configuration: hypothesis profiles, the real-data folder, warm numba."""

from __future__ import annotations

import os
from pathlib import Path

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
