"""The cold shortcut: small zero-phase calls take scipy until numba has started in the process.

Both paths must give the same values (to rounding), detect the same NaN/inf, and the shortcut must
stop once numba has started, whether or not the kernel is compiled or in numba's disk cache.
"""

from __future__ import annotations

import numpy as np
import pytest

from emgkit.errors import SignalError
from emgkit.signal import _kernels as _k
from emgkit.signal import emg_amplitude, linear_envelope, preprocess, sosfiltfilt
from emgkit.signal.filters import channel_coefficients, design_bandpass

FS = 2000.0


def _both(fn, monkeypatch: pytest.MonkeyPatch) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    """``fn()`` through the kernels, then through scipy (the kernels made to look cold)."""
    monkeypatch.setattr(_k, "COLD_SCIPY_BELOW", 0)
    kern = fn()
    monkeypatch.setattr(_k, "COLD_SCIPY_BELOW", 10**12)
    monkeypatch.setattr(_k, "NUMBA_ENABLED", True)  # the rule, also under EMGKIT_NUMBA=0
    monkeypatch.setattr(_k, "numba_started", lambda kernel=None: False)  # a fresh process
    return kern, fn()


@pytest.mark.parametrize("nc", [1, 8, 16, 20])
def test_scipy_shortcut_equals_kernels(nc: int, monkeypatch: pytest.MonkeyPatch) -> None:
    x = np.random.default_rng(nc).standard_normal((4000, nc)) * 40.0 + 5.0
    cases = {
        "amplitude": lambda: emg_amplitude(x, FS, trunk_highpass=[0]),
        "amplitude_env_col": lambda: emg_amplitude(x, FS, raw_mask=np.arange(nc) != nc - 1),
        "preprocess": lambda: preprocess(x, FS),
        "linear_envelope": lambda: linear_envelope(x, FS),
        "notch_5_sections": lambda: sosfiltfilt(
            np.vstack([design_bandpass(FS), [[1.0, -1.9, 1.0, 1.0, -1.8, 0.9]]]), x
        ),
    }
    for name, fn in cases.items():
        kern, sci = _both(fn, monkeypatch)
        scale = float(np.abs(kern).max())
        assert scale > 1.0, name  # a real signal, not zeros
        np.testing.assert_allclose(sci, kern, rtol=1e-10, atol=1e-12 * scale, err_msg=name)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_scipy_shortcut_reports_nonfinite(bad: float, monkeypatch: pytest.MonkeyPatch) -> None:
    x = np.random.default_rng(1).standard_normal((3000, 8))
    x[1234, 5] = bad
    monkeypatch.setattr(_k, "COLD_SCIPY_BELOW", 10**12)
    monkeypatch.setattr(_k, "NUMBA_ENABLED", True)  # the rule, also under EMGKIT_NUMBA=0
    monkeypatch.setattr(_k, "numba_started", lambda kernel=None: False)  # a fresh process
    with pytest.raises(SignalError, match="1 NaN/inf"):
        emg_amplitude(x, FS)
    coef, zi = channel_coefficients([design_bandpass(FS)] * 8)
    assert not _k.sosfiltfilt_tm(coef, zi, x, np.empty_like(x), 27, False, 0, 0)


def test_compiled_kernel_is_ready_and_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """After one kernel call the specialisation is ready, so the shortcut no longer applies."""
    monkeypatch.setattr(_k, "COLD_SCIPY_BELOW", 0)
    x = np.random.default_rng(2).standard_normal((2000, 3))
    emg_amplitude(x, FS)
    assert _k.kernel_ready(_k.zp_blocks(-1, True))
    monkeypatch.setattr(_k, "COLD_SCIPY_BELOW", 10**12)
    called = []
    monkeypatch.setattr(_k, "_sosfiltfilt_scipy", lambda *a: called.append(1))
    emg_amplitude(x, FS)
    assert not called


def test_cached_kernel_waits_until_numba_has_started(monkeypatch: pytest.MonkeyPatch) -> None:
    """A kernel in the disk cache still leaves a small call to scipy until numba has started.

    Loading numba and its cached kernels costs more than scipy needs for a short session, so a
    short analysis in a fresh process never starts numba, whatever the cache holds.
    """
    x = np.random.default_rng(3).standard_normal((2000, 3))
    monkeypatch.setattr(_k, "COLD_SCIPY_BELOW", 10**12)
    monkeypatch.setattr(_k, "NUMBA_ENABLED", True)  # the rule, also under EMGKIT_NUMBA=0
    monkeypatch.setattr(_k, "kernel_ready", lambda kernel: True)  # cached on disk
    monkeypatch.setattr(_k, "numba_started", lambda kernel=None: False)  # not started yet
    called: list[int] = []
    real = _k._sosfiltfilt_scipy

    def spy(*a):  # type: ignore[no-untyped-def]
        called.append(1)
        return real(*a)

    monkeypatch.setattr(_k, "_sosfiltfilt_scipy", spy)
    emg_amplitude(x, FS)
    assert called == [1]
    monkeypatch.setattr(_k, "numba_started", lambda kernel=None: True)
    emg_amplitude(x, FS)
    assert called == [1]  # the kernel ran


def test_started_numba_compiles_a_cold_specialisation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Once numba has started, a small call whose kernel is neither compiled nor cached runs it.

    Leaving such calls to scipy kept them on scipy in every process of a fresh install (nothing
    else ever compiles them): the 30-min analysis was about 1.5x slower for good.
    """
    x = np.random.default_rng(4).standard_normal((2000, 3))
    monkeypatch.setattr(_k, "COLD_SCIPY_BELOW", 10**12)
    monkeypatch.setattr(_k, "NUMBA_ENABLED", True)
    monkeypatch.setattr(_k, "kernel_ready", lambda kernel: False)  # cold: not even on disk
    monkeypatch.setattr(_k, "numba_started", lambda kernel=None: True)
    called: list[int] = []
    monkeypatch.setattr(_k, "_sosfiltfilt_scipy", lambda *a: called.append(1))
    y = emg_amplitude(x, FS)
    assert not called
    assert np.isfinite(y).all() and float(y.max()) > 0.1


def test_small_block_calls_share_the_general_coefficient_mode(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A small ``MODE_UNIFORM`` call whose own variant is not compiled takes ``MODE_LANE``.

    The two give the same values bit for bit, so the small calls of a long analysis compile
    one ``zp_blocks`` variant fewer (seconds of compile on a fresh install). ``MODE_UNIT``
    does not give the same bits and keeps its own variant.
    """
    x = np.random.default_rng(5).standard_normal((3000, _k.LANES)) * 40.0
    sos = design_bandpass(FS).copy()
    sos[1:, :3] *= 0.5  # the same filter, gain moved: not a unit tail, so MODE_UNIFORM
    sos[0, :3] *= 8.0
    coef, zi = channel_coefficients([sos] * _k.LANES)
    assert _k.block_mode(coef[0]) == _k.MODE_UNIFORM
    own, general = np.empty_like(x), np.empty_like(x)
    _k.zp_blocks(_k.MODE_UNIFORM, False)(coef, zi, x, own, 27, False, 0, 0)
    _k.zp_blocks(_k.MODE_LANE, False)(coef, zi, x, general, 27, False, 0, 0)
    assert np.array_equal(own, general)  # bit for bit
    assert float(np.abs(own).max()) > 1.0

    real = _k.zp_blocks
    asked: list[int] = []

    class Cold:  # a variant not compiled in this process
        signatures: tuple[object, ...] = ()

    def pick(direct: int, rms: bool):  # type: ignore[no-untyped-def]
        asked.append(direct)
        return Cold() if direct > _k.MODE_LANE else real(direct, rms)

    monkeypatch.setattr(_k, "zp_blocks", pick)
    monkeypatch.setattr(_k, "COLD_SCIPY_BELOW", 10**12)
    monkeypatch.setattr(_k, "numba_started", lambda kernel=None: True)
    out = np.empty_like(x)
    _k.sosfiltfilt_tm(coef, zi, x, out, 27, False, 0, 0)
    assert asked == [_k.MODE_UNIFORM, _k.MODE_LANE]
    assert np.array_equal(out, own)
    # a unit-tail design keeps its own variant (MODE_LANE would change the last bits)
    ucoef, uzi = channel_coefficients([design_bandpass(FS)] * _k.LANES)
    assert _k.block_mode(ucoef[0]) == _k.MODE_UNIT
    asked.clear()
    monkeypatch.setattr(_k, "zp_blocks", lambda d, r: asked.append(d) or real(d, r))
    _k.sosfiltfilt_tm(ucoef, uzi, x, out, 27, False, 0, 0)
    assert asked == [_k.MODE_UNIT]
    # a large call keeps its own mode
    monkeypatch.setattr(_k, "COLD_SCIPY_BELOW", 0)
    asked.clear()
    _k.sosfiltfilt_tm(coef, zi, x, out, 27, False, 0, 0)
    assert asked == [_k.MODE_UNIFORM]
