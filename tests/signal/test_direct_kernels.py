"""The direct (no tile copy) zero-phase kernels: full 16-channel blocks of the fused pipeline.

Blocks of exactly ``LANES`` channels are filtered straight from ``x`` into ``out`` rows
(the row shells ``_rows`` / ``_rows_rms``); blocks whose lanes share one design use scalar
coefficients (``MODE_UNIFORM``, ``MODE_UNIT``). Partial blocks and single channels still go
through the tile path, so comparing a channel computed alone with the same channel inside a
full block checks one path against the other. Everything is also checked against scipy.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import signal as sps

from emgkit.errors import SignalError
from emgkit.signal import _kernels as _k
from emgkit.signal import emg_amplitude, moving_rms, preprocess
from emgkit.signal.filters import channel_coefficients, design_bandpass

FS = 2000.0


def _scipy_chain(x: np.ndarray, fs: float, window: float, center: bool) -> np.ndarray:
    sos = sps.butter(4, [20, 450], "bandpass", fs=fs, output="sos")
    return moving_rms(np.abs(sps.sosfiltfilt(sos, x, axis=0)), fs, window, center=center)


def _assert_close(got: np.ndarray, ref: np.ndarray, rtol: float = 1e-9) -> None:
    np.testing.assert_allclose(got, ref, rtol=rtol, atol=rtol * float(np.max(np.abs(ref))))


@pytest.mark.parametrize("nc", [16, 48])
@pytest.mark.parametrize("center", [True, False])
def test_uniform_blocks_equal_scipy_chain(nc: int, center: bool) -> None:
    x = np.random.default_rng(nc).standard_normal((7000, nc)) * 30.0 + 3.0
    got = emg_amplitude(x, FS, center=center)
    _assert_close(got, _scipy_chain(x, FS, 0.1, center))


@pytest.mark.parametrize("window", [0.5 / FS, 1.0 / FS, 3.0 / FS, 0.1])
def test_tiny_windows_equal_scipy_chain(window: float) -> None:
    """One-sample windows put the RMS output row on the row being read (k_off = 0)."""
    x = np.random.default_rng(3).standard_normal((3000, 16)) * 10.0
    for center in (True, False):
        _assert_close(
            emg_amplitude(x, FS, rms_window=window, center=center),
            _scipy_chain(x, FS, window, center),
        )


def test_direct_block_equals_tile_path_per_channel() -> None:
    """Column c inside a full 16-channel block (direct) equals column c run alone (tile path)."""
    x = np.random.default_rng(5).standard_normal((5000, 16)) * 50.0
    block = emg_amplitude(x, FS)
    filt = preprocess(x, FS)
    for c in (0, 7, 15):
        _assert_close(block[:, c], emg_amplitude(x[:, c], FS), rtol=1e-13)
        _assert_close(filt[:, c], preprocess(x[:, c], FS), rtol=1e-13)


def test_mixed_designs_in_a_full_block_use_per_lane_coefficients() -> None:
    x = np.random.default_rng(9).standard_normal((6000, 32)) * 20.0
    trunk = [0, 5, 17, 31]
    got = emg_amplitude(x, FS, trunk_highpass=trunk)
    ref = _scipy_chain(x, FS, 0.1, True)
    t30 = sps.butter(4, [30, 450], "bandpass", fs=FS, output="sos")
    ref[:, trunk] = moving_rms(np.abs(sps.sosfiltfilt(t30, x[:, trunk], axis=0)), FS, 0.1)
    _assert_close(got, ref)


def test_lanes_uniform_detects_one_differing_lane() -> None:
    sos = design_bandpass(FS, 20.0, 450.0, 4, "raise")
    other = design_bandpass(FS, 30.0, 450.0, 4, "raise")
    coef, _ = channel_coefficients([sos] * 16)
    assert _k._lanes_uniform(coef[0].reshape(-1))
    coef, _ = channel_coefficients([sos] * 15 + [other])
    assert not _k._lanes_uniform(coef[0].reshape(-1))


@settings(max_examples=15, deadline=None)
@given(
    n=st.integers(min_value=80, max_value=900),
    nc=st.sampled_from([16, 32, 33]),
    win=st.integers(min_value=1, max_value=79),
    center=st.booleans(),
    seed=st.integers(0, 2**31),
)
def test_short_signals_any_window(n: int, nc: int, win: int, center: bool, seed: int) -> None:
    """Signal lengths near the padding and window lengths (edge rows, scratch rows)."""
    x = np.random.default_rng(seed).standard_normal((n, nc)) * 100.0
    got = emg_amplitude(x, FS, rms_window=win / FS, center=center)
    _assert_close(got, _scipy_chain(x, FS, win / FS, center))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_all_finite_fast_finds_one_bad_value(bad: float) -> None:
    x = np.full((1001, 16), 1e308)
    assert _k.all_finite_fast(x)
    x[1000, 15] = bad
    assert not _k.all_finite_fast(x)
    with pytest.raises(SignalError, match="1 NaN/inf"):
        emg_amplitude(x, FS)
    with pytest.raises(SignalError, match="1 NaN/inf"):
        preprocess(x, FS)


@pytest.mark.parametrize("nc", [16, 64])
@pytest.mark.parametrize("rescale", [False, True])
def test_unit_tail_and_general_uniform_kernels_equal_scipy(nc: int, rescale: bool) -> None:
    """Butterworth band-pass sections 2-4 are [1, +-2, 1]: a specialised kernel skips ``1 * v``.

    Moving a factor 2 of the gain into section 2 (same filter) sends the block to the general
    uniform kernel instead; both must equal scipy (16 channels: one block; 64: tile by tile).
    """
    sos = design_bandpass(FS, 20.0, 450.0, 4, "raise").copy()
    if rescale:
        sos[0, :3] *= 0.5
        sos[1, :3] *= 2.0
    coef, zi = channel_coefficients([sos] * nc)
    assert _k._unit_tail(coef[0].reshape(-1)) is (not rescale)
    x = np.random.default_rng(nc).standard_normal((5000, nc)) * 40.0
    padlen = 3 * (2 * len(sos) + 1)
    ref_f = sps.sosfiltfilt(sos, x, axis=0, padlen=padlen)
    for n_win, k_off in ((200, 100), (1, 0)):
        out = np.empty_like(x)
        _k.sosfiltfilt_tm(coef, zi, x, out, padlen, False, n_win, k_off)
        _assert_close(out, moving_rms(np.abs(ref_f), FS, n_win / FS))
    out = np.empty_like(x)
    _k.sosfiltfilt_tm(coef, zi, x, out, padlen, False, 0, 0)
    _assert_close(out, ref_f)


@pytest.mark.parametrize("nc", [1, 16, 20, 64])
@pytest.mark.parametrize("row", [0, 1500, 2999])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_check_folded_into_the_forward_pass(nc: int, row: int, bad: float) -> None:
    """emg_amplitude finds one NaN/inf anywhere (first/last sample, any block, filtered or not)."""
    x = np.random.default_rng(row).standard_normal((3000, nc))
    col = nc - 1
    x[row, col] = bad
    with pytest.raises(SignalError, match="1 NaN/inf"):
        emg_amplitude(x, FS)
    with pytest.raises(SignalError, match="1 NaN/inf"):  # column not band-passed (identity)
        emg_amplitude(x, FS, raw_mask=[c for c in range(nc) if c != col])
    x[row, col] = 0.0
    coef, zi = channel_coefficients([design_bandpass(FS, 20.0, 450.0, 4, "raise")] * nc)
    assert _k.sosfiltfilt_tm(coef, zi, x, np.empty_like(x), 27, False, 200, 100)
    x[row, col] = bad
    assert not _k.sosfiltfilt_tm(coef, zi, x, np.empty_like(x), 27, False, 200, 100)
    assert not _k.sosfiltfilt_tm(coef, zi, x, np.empty_like(x), 27, False, 0, 0)
