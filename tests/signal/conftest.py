"""Signal tests exercise the numba kernels themselves, also on the small arrays they use.

Outside tests, zero-phase calls on small inputs take scipy while their kernel is cold (not yet
compiled or cached; ``emgkit.signal._kernels.COLD_SCIPY_BELOW``). Here that shortcut is off, so
every comparison with scipy below compares the kernels; ``test_cold_path.py`` tests the shortcut.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from emgkit.signal import _kernels as _k


@pytest.fixture(autouse=True)
def _kernels_always(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(_k, "COLD_SCIPY_BELOW", 0)
    yield
