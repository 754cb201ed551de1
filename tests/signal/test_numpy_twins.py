"""The numpy twins of the moving-RMS, TKEO and finite-check kernels give the kernels' bits.

A short process runs the twins instead of loading numba (``emgkit.signal._kernels._numpy``), so
a result must not depend on which of the two ran: equality here is exact, not to rounding.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from emgkit.signal import _kernels as _k
from emgkit.signal import linear_envelope, moving_rms, tkeo
from emgkit.signal._kernels import _causal, _core
from emgkit.signal._kernels._numpy import all_finite_np, moving_rms_np, tkeo_np


def _cases() -> list[tuple[int, int, int, int]]:
    out = []
    for n in (1, 2, 3, 5, 199, 200, 201, 401, 4003):
        for nc in (1, 6, 17):
            for w in sorted({1, 2, 7, max(1, n // 3), n, 200}):
                if w <= n:
                    out += [(n, nc, w, k) for k in sorted({0, w // 2, w - 1})]
    return out


@pytest.mark.parametrize(("n", "nc", "w", "k"), _cases())
def test_moving_rms_twin_is_bit_identical(n: int, nc: int, w: int, k: int) -> None:
    x = np.random.default_rng(n * 1000 + nc * 10 + w).standard_normal((n, nc)) * 50.0 + 3.0
    kern, twin = np.full_like(x, -1.0), np.full_like(x, -2.0)
    _causal.moving_rms_tm(x, kern, w, k)
    moving_rms_np(x, twin, w, k)
    assert np.array_equal(kern, twin)
    assert (twin >= 0).all()  # every output written


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_twins_follow_the_kernels_through_nan_and_inf(bad: float) -> None:
    x = np.random.default_rng(3).standard_normal((1000, 4)) * 1e3
    x[400, 2] = bad
    x[10, 1] = 1e200  # its square overflows to inf; inf - inf in the running sum is NaN
    for w, k in ((50, 25), (50, 49), (1, 0)):
        kern, twin = np.empty_like(x), np.empty_like(x)
        _causal.moving_rms_tm(x, kern, w, k)
        moving_rms_np(x, twin, w, k)
        assert np.array_equal(kern, twin, equal_nan=True)
    kern, twin = np.empty_like(x), np.empty_like(x)
    _causal.tkeo_tm(x, kern)
    tkeo_np(x, twin)
    assert np.array_equal(kern, twin, equal_nan=True)
    assert not all_finite_np(x)
    assert not _core.all_finite(x)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 1000])
def test_tkeo_twin_is_bit_identical(n: int) -> None:
    x = np.random.default_rng(n).standard_normal((n, 5)) * 30.0
    kern, twin = np.empty_like(x), np.empty_like(x)
    _causal.tkeo_tm(x, kern)
    tkeo_np(x, twin)
    assert np.array_equal(kern, twin)
    if n >= 3:
        assert twin[1, 0] == x[1, 0] ** 2 - x[0, 0] * x[2, 0]


def test_twin_runs_only_while_numba_is_unused_and_the_input_small(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    x = np.zeros((100, 2))
    unused = SimpleNamespace(signatures=[])
    used = SimpleNamespace(signatures=["(float64[:, :],)"])
    monkeypatch.setattr(_k, "_ZERO_PHASE_RAN", False)  # earlier tests may have run a kernel
    monkeypatch.setattr(_k, "COLD_SCIPY_BELOW", 201)
    monkeypatch.setattr(_k, "_TWINNED", (unused, unused, unused))
    assert _k._twin_first(x)
    monkeypatch.setattr(_k, "_TWINNED", (unused, used, unused))  # one kernel has run
    assert not _k._twin_first(x)
    monkeypatch.setattr(_k, "_TWINNED", (unused, unused, unused))
    monkeypatch.setattr(_k, "COLD_SCIPY_BELOW", 200)  # a large input
    assert not _k._twin_first(x)
    monkeypatch.setattr(_k, "COLD_SCIPY_BELOW", 201)
    monkeypatch.setattr(_k, "_ZERO_PHASE_RAN", True)  # a zero-phase kernel started numba
    assert not _k._twin_first(x)


def test_a_zero_phase_kernel_call_ends_the_twins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_k, "_ZERO_PHASE_RAN", False)
    monkeypatch.setattr(_k, "COLD_SCIPY_BELOW", 10**12)
    monkeypatch.setattr(_k, "NUMBA_ENABLED", True)  # the rule, also under EMGKIT_NUMBA=0
    monkeypatch.setattr(_k, "numba_started", lambda kernel=None: False)  # a fresh process
    linear_envelope(np.ones((500, 2)), 2000.0)  # the scipy shortcut: numba not started
    assert not _k._ZERO_PHASE_RAN
    monkeypatch.setattr(_k, "COLD_SCIPY_BELOW", 0)
    linear_envelope(np.ones((500, 2)), 2000.0)  # the kernel
    assert _k._ZERO_PHASE_RAN


def test_public_functions_agree_whichever_path_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    x = np.random.default_rng(7).standard_normal((5000, 3)) * 80.0
    monkeypatch.setattr(_k, "COLD_SCIPY_BELOW", 0)  # kernels
    kern = (moving_rms(x, 2000.0), moving_rms(x, 2000.0, center=False), tkeo(x))
    monkeypatch.setattr(_k, "COLD_SCIPY_BELOW", 10**12)
    monkeypatch.setattr(_k, "_twin_first", lambda x: True)  # twins
    twin = (moving_rms(x, 2000.0), moving_rms(x, 2000.0, center=False), tkeo(x))
    for a, b in zip(kern, twin, strict=True):
        assert np.array_equal(a, b)
    assert float(twin[0][2500, 0]) == pytest.approx(np.sqrt(np.mean(x[2400:2600, 0] ** 2)))
