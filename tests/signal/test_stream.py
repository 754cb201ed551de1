"""Streaming: any chunking gives exactly the one-shot causal output."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import signal as sps

from emgkit.errors import SignalError
from emgkit.signal import (
    StreamingEnvelope,
    StreamingFilter,
    design_bandpass,
    emg_amplitude,
)
from emgkit.signal import _kernels as _k
from emgkit.signal._numba import NUMBA_ENABLED

FS = 1000.0
N = 1500


def _signal(nc: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((N, nc)) * 60 + 10


def _cuts(draw_sizes: list[int], n: int) -> list[int]:
    cuts, i = [0], 0
    for s in draw_sizes:
        i += s
        if i >= n:
            break
        cuts.append(i)
    cuts.append(n)
    return cuts


@settings(max_examples=40)
@given(
    sizes=st.lists(st.integers(min_value=0, max_value=400), min_size=1, max_size=60),
    nc=st.sampled_from([1, 3, 8, 16, 17]),
)
def test_envelope_chunked_equals_one_shot(sizes: list[int], nc: int) -> None:
    x = _signal(nc, seed=nc)
    trunk = [0] if nc > 1 else None
    raw = None if nc < 3 else np.arange(nc) != 2
    ref = emg_amplitude(x, FS, zero_phase=False, center=False, trunk_highpass=trunk, raw_mask=raw)
    se = StreamingEnvelope(FS, nc, trunk_highpass=trunk, raw_mask=raw)
    cuts = _cuts(sizes, N)
    got = np.vstack([se.process(x[a:b]) for a, b in itertools.pairwise(cuts)])
    np.testing.assert_array_equal(got, ref)
    assert se.samples_seen == N


@settings(max_examples=30)
@given(sizes=st.lists(st.integers(min_value=1, max_value=300), min_size=1, max_size=40))
def test_filter_chunked_equals_scipy(sizes: list[int]) -> None:
    sos = design_bandpass(FS)
    x = _signal(8, seed=3)
    f = StreamingFilter(sos, 8)
    cuts = _cuts(sizes, N)
    got = np.vstack([f.process(x[a:b]) for a, b in itertools.pairwise(cuts)])
    ref = sps.sosfilt(sos, x, axis=0)
    np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-9 * np.abs(ref).max())


def test_sample_by_sample_and_reset() -> None:
    x = _signal(8, seed=7)[:300]
    se = StreamingEnvelope(FS, 8)
    first = np.array([se.process(row) for row in x])  # 1-D chunk = one sample of 8 channels
    assert first.shape == (300, 8)
    np.testing.assert_array_equal(first, emg_amplitude(x, FS, zero_phase=False, center=False))
    se.reset()
    assert se.samples_seen == 0
    np.testing.assert_array_equal(se.process(x), first)


def test_single_channel_1d_chunks() -> None:
    x = _signal(1, seed=9)[:, 0]
    f = StreamingFilter(design_bandpass(FS), 1)
    got = np.concatenate([f.process(x[:500]), f.process(x[500:])])
    np.testing.assert_allclose(got, sps.sosfilt(design_bandpass(FS), x), rtol=1e-9, atol=1e-9)


def test_nonfinite_chunk_rejected_state_kept() -> None:
    x = _signal(2, seed=1)
    se = StreamingEnvelope(FS, 2)
    a = se.process(x[:100])
    bad = x[100:110].copy()
    bad[3, 1] = np.nan
    with pytest.raises(SignalError, match="NaN"):
        se.process(bad)
    b = se.process(x[100:])
    np.testing.assert_array_equal(
        np.vstack([a, b]), emg_amplitude(x, FS, zero_phase=False, center=False)
    )


def test_bad_construction_and_shapes() -> None:
    with pytest.raises(SignalError, match="n_channels"):
        StreamingFilter(design_bandpass(FS), 0)
    with pytest.raises(SignalError, match="sampling rate"):
        StreamingEnvelope(-5.0, 2)
    with pytest.raises(SignalError, match="rms_window"):
        StreamingEnvelope(FS, 2, rms_window=0.0)
    se = StreamingEnvelope(FS, 4)
    with pytest.raises(SignalError, match="shape"):
        se.process(np.zeros((10, 3)))
    with pytest.raises(SignalError, match="does not match"):
        se.process(np.zeros(3))
    assert se.process(np.zeros((0, 4))).shape == (0, 4)


@settings(max_examples=20)
@given(
    sizes=st.lists(st.integers(min_value=1, max_value=300), min_size=1, max_size=40),
    nc=st.sampled_from([1, 8, 17]),
)
def test_process_into_equals_one_shot_and_process(sizes: list[int], nc: int) -> None:
    """The lean path (preallocated out, in place allowed) gives the one-shot result bit for bit."""
    x = _signal(nc, seed=3)
    ref = emg_amplitude(x, FS, zero_phase=False, center=False)
    lean, plain = StreamingEnvelope(FS, nc), StreamingEnvelope(FS, nc)
    got = np.empty_like(x)
    for i, (a, b) in enumerate(itertools.pairwise(_cuts(sizes, N))):
        if i % 2:  # in place: out is the chunk itself
            chunk = x[a:b].copy()
            assert lean.process_into(chunk, chunk) is chunk
            got[a:b] = chunk
        else:
            lean.process_into(x[a:b], got[a:b])
        np.testing.assert_array_equal(plain.process(x[a:b]), got[a:b])
    np.testing.assert_array_equal(got, ref)
    assert lean.samples_seen == N
    sos = design_bandpass(FS)
    f = StreamingFilter(sos, nc)
    out = np.empty_like(x)
    f.process_into(x[:700], out[:700])
    f.process_into(x[700:], out[700:])
    np.testing.assert_allclose(out, sps.sosfilt(sos, x, axis=0), rtol=1e-10, atol=1e-9)


def test_process_into_rejects_bad_arrays_state_kept() -> None:
    se = StreamingEnvelope(FS, 8)
    x = _signal(8)
    out = np.empty((10, 8))
    se.process_into(x[:10], out)
    seen, ws = se.samples_seen, se._ws.copy()
    with pytest.raises(SignalError, match=r"shape \(n_samples, 8\)"):
        se.process_into(x[:10, :7].copy(), np.empty((10, 7)))
    with pytest.raises(SignalError, match=r"shape \(n_samples, 8\)"):
        se.process_into(x[:10], np.empty((9, 8)))
    with pytest.raises(SignalError, match="C-contiguous float64"):
        se.process_into(x[:10, 0], np.empty(10))
    with pytest.raises(SignalError, match="C-contiguous float64"):
        se.process_into(x[:20:2], out)  # a strided view
    bad = x[10:20].copy()
    bad[3, 4] = np.nan
    with pytest.raises(SignalError, match="NaN/inf"):
        se.process_into(bad, out)
    assert se.samples_seen == seen
    np.testing.assert_array_equal(se._ws, ws)


@pytest.mark.parametrize(("nc", "window"), [(1, 0.1), (8, 0.1), (16, 0.1), (17, 0.1), (17, 0.001)])
def test_small_chunks_direct_path_bit_identical(nc: int, window: float) -> None:
    """Chunks of up to 64 channel-samples take the direct (view-free) kernel path: same bits.

    ``window = 0.001`` s is a one-sample RMS window (the running sum is resynced every sample).
    """
    x = _signal(nc, seed=11)
    trunk = [0] if nc > 1 else None
    raw = None if nc < 3 else np.arange(nc) != 2
    kw = {"trunk_highpass": trunk, "raw_mask": raw, "rms_window": window}
    ref = emg_amplitude(x, FS, zero_phase=False, center=False, **kw)  # type: ignore[arg-type]
    se, lean = StreamingEnvelope(FS, nc, **kw), StreamingEnvelope(FS, nc, **kw)  # type: ignore[arg-type]
    sizes = itertools.cycle([1, 2, 1, 3, 0, 1, 4, 8, 1, 5, 70, 1, 1, 9])  # around the threshold
    got, got_into, a = [], np.empty_like(x), 0
    while a < N:
        b = min(a + next(sizes), N)
        got.append(se.process(x[a:b]))
        lean.process_into(x[a:b], got_into[a:b])
        a = b
    np.testing.assert_array_equal(np.vstack(got), ref)
    np.testing.assert_array_equal(got_into, ref)
    assert se.samples_seen == lean.samples_seen == N


def test_process_converts_other_arrays_without_new_compiles() -> None:
    """Fortran-order, strided, read-only, list and float32 chunks give the float64 result.

    They are not what the strict kernel dispatch accepts (``strict_ws``): ``process`` converts
    them, and no other specialisation of the kernel is ever compiled.
    """
    x = _signal(8, seed=5)[:40]
    ref = StreamingEnvelope(FS, 8).process(x)
    ro = x[30:40].copy()
    ro.flags.writeable = False
    wide = np.repeat(x[20:30], 2, axis=1)[:, ::2]  # a strided view of the same values
    se = StreamingEnvelope(FS, 8)
    chunks = [np.asfortranarray(x[0:10]), x[10:15].tolist(), x[15:20].T.copy().T, wide, ro]
    got = np.vstack([se.process(c) for c in chunks])
    assert got.dtype == np.float64 and got.flags.c_contiguous
    np.testing.assert_array_equal(got, ref)
    f32 = np.float32(x[:10])
    np.testing.assert_array_equal(
        StreamingEnvelope(FS, 8).process(f32), StreamingEnvelope(FS, 8).process(f32.astype(float))
    )
    if NUMBA_ENABLED:
        assert len(_k.stream_envelope_ws.signatures) == 1  # nothing else was compiled
