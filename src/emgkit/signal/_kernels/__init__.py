"""numba kernels of the signal chain (time-major arrays, channels innermost).

Layout of the package:

- :mod:`._core`: the one biquad source (:func:`._core._four`, four sections on one lane) and the
  loop shells built on it (tiles, direct rows, fused moving RMS), with the coefficient
  specialisations selected by a compile-time ``mode``;
- :mod:`._zerophase`: factories of the zero-phase top-level kernels, one specialisation per
  (row-kernel mode, fused RMS) actually used;
- :mod:`._causal`: sosfilt, the streaming filter and envelope, moving RMS, TKEO;
- this module: the entry points, which look at the coefficients in numpy and call the
  specialisation a call needs, so only that one is compiled (lazily, on first use).

Every kernel goes through :func:`emgkit.signal._numba.jit` (``cache=True``; ``EMGKIT_NUMBA=0`` runs
them as plain Python). What makes them fast (performance-anchors.md, "What decided numba speed",
re-measured here):

- data are C-contiguous ``(n_samples, n_channels)`` float64, channels innermost;
- channels are processed in explicit blocks of ``LANES = 16``. LLVM's loop vectoriser (numba
  leaves the SLP vectoriser off) vectorises a lane loop only when the loop is not fully unrolled
  first and its trip count covers vector width x interleave; a 16-lane loop whose body holds four
  whole biquads does both (measured: 8 lanes stayed scalar, about 3.5x slower);
- time is tiled: ``TILE`` samples of a block are copied into a small L1-resident buffer, filtered
  in place by groups of four sections and written back, so state and coefficients stay in cache
  and the last group can be fused with squaring and the moving RMS;
- column offsets are unsigned (``np.uint64``) so numba emits no negative-index handling;
- coefficients are blocked and per lane: ``coef[b, s, k, j]`` (``k`` = b0, b1, b2, a1, a2 with
  a0 == 1) for channel ``b * LANES + j``; the number of sections is padded to a multiple of four
  and lanes past the last channel are padded, both with identity sections (b0 = 1, rest 0), which
  pass samples through bit for bit. Channels that must not be filtered (envelope channels) carry
  identity sections too, and channels with different designs share one pass;
- the zero-phase pipeline's hot loops (full 16-channel blocks, up to four sections) skip the tile
  copy: the row shells filter straight from rows of ``x`` into rows of ``out`` through flat views;
- LLVM hoists the lane loop's runtime alias checks over the whole time loop when row addresses
  are affine in the time index, and for a descending (backward) time loop that hoisted check
  always fails, so the backward pass ran scalar (about 2.5x slower). Row indices are XORed with a
  zero LLVM cannot prove (``opq``), which keeps one cheap check per row. A row filtered in place
  (source row == destination row) still fails the check and runs scalar, which is why the
  filter-only backward pass keeps the tile path;
- the direct row kernels hold the filter state of one eight-lane vector (:mod:`._vec`) in
  registers over the rows, a block's two vectors one after the other, so a row stores only its
  output (before: ~36 state stores per 16-channel row, which made the loop store-bound);
- the backward pass prefetches its source ``PF_ROWS`` rows behind (``prefetcht0``; it walks down).
  The forward pass's ``prefetchw`` of its output (W1 86 -> 75 ms with the state in memory) was
  removed with the register state: without it the pass is faster (docs/performance.md).

The biquads are direct form II transposed, as scipy's ``sosfilt`` (with FMA contraction allowed,
so results agree with scipy to about 1e-15 relative, not bit for bit).

Numba's on-disk cache is keyed on each kernel's own file: a kernel that calls into another
module of this package is not recompiled when only that module changes. Clear ``__pycache__``
(or ``NUMBA_CACHE_DIR``) after editing any of them; installed releases change them all at once.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import signal as sps

from emgkit.signal._kernels import _causal
from emgkit.signal._kernels._causal import (
    envelope_workspace,
    sosfilt_tm,
    stream_envelope_tm,
    stream_envelope_ws,
    stream_filter_tm,
    stream_filter_ws,
)
from emgkit.signal._kernels._core import (
    LANES,
    MODE_LANE,
    MODE_UNIFORM,
    MODE_UNIT,
    TILE,
    all_finite,
)
from emgkit.signal._kernels._numpy import all_finite_np, moving_rms_np, tkeo_np
from emgkit.signal._kernels._zerophase import zp_blocks, zp_wide
from emgkit.signal._numba import NUMBA_ENABLED

__all__ = [
    "LANES",
    "TILE",
    "all_finite_fast",
    "block_mode",
    "envelope_workspace",
    "kernel_ready",
    "moving_rms_tm",
    "sosfilt_tm",
    "sosfiltfilt_tm",
    "stream_envelope_tm",
    "stream_envelope_ws",
    "stream_filter_tm",
    "stream_filter_ws",
    "strict_ws",
    "tkeo_tm",
]

Array = npt.NDArray[np.float64]


def _lanes_uniform(cf: Array) -> bool:
    """True if every lane of the flat blocked coefficients ``cf`` holds the same design."""
    lanes = np.asarray(cf).reshape(-1, LANES)
    return bool((lanes == lanes[:, :1]).all())


def _unit_tail(cf: Array) -> bool:
    """True if sections 2-4 of the flat group ``cf`` have b0 = b2 = 1 (lane 0; use if uniform)."""
    c = np.asarray(cf).reshape(-1, 5, LANES)
    return bool(c.shape[0] >= 4 and (c[1:4, 0, 0] == 1.0).all() and (c[1:4, 2, 0] == 1.0).all())


def block_mode(cb: Array) -> int:
    """Coefficient mode of one block ``(ns4, 5, LANES)``.

    ``MODE_UNIT``, ``MODE_UNIFORM`` or ``MODE_LANE``: the most specialised kernel that computes
    it. ``MODE_UNIFORM`` and ``MODE_LANE`` give the same values bit for bit; ``MODE_UNIT``
    (constant unit coefficients, so other FMA contractions) differs by about 1e-14 relative.
    """
    if not _lanes_uniform(cb):
        return MODE_LANE
    return MODE_UNIT if _unit_tail(cb) else MODE_UNIFORM


COLD_SCIPY_BELOW: int = int(os.environ.get("EMGKIT_COLD_SCIPY_BELOW", "8000000"))
"""Zero-phase calls on fewer channel-samples than this run scipy until numba has started.

Started: a kernel with a numpy or scipy counterpart has run in this process
(:func:`numba_started`). Loading numba and its cached kernels costs about 0.8 s and compiling a
zero-phase kernel seconds (docs/performance.md, "JIT compile and cache"); scipy filters a few
million channel-samples in a fraction of that (8 M: about 0.2 s per pass at scipy's 35-45 M/s), so
an analysis of a session of a few minutes never starts numba. Larger inputs (W1, 19.2 M, and up)
take the kernel, and once one has, every call does: a specialisation missing from numba's disk
cache is then compiled (once per install) rather than left to scipy for good (which made the
30-min analysis about 1.5x slower in every process of a fresh install: docs/performance.md,
"30-min analysis, session 6"). ``EMGKIT_COLD_SCIPY_BELOW=0`` always uses the kernel. Both paths
agree to about 1e-15 relative.
"""


def kernel_ready(kernel: Any) -> bool:
    """True if the numba dispatcher ``kernel`` is compiled in this process or cached on disk.

    Looks for an entry of this very specialisation (same bytecode and closure constants) in
    numba's cache index, which numba itself invalidates when the source file changes. Any
    failure to read it (other numba versions) counts as not cached.
    """
    if not NUMBA_ENABLED or kernel.signatures:
        return True
    try:
        cache = kernel._cache
        ref = cache._index_key(None, kernel.targetctx.codegen())
        return any(key[1:] == ref[1:] for key in cache._cache_file._load_index())
    except Exception:  # pragma: no cover - numba internals changed
        return False


def strict_ws(kernel: Any) -> Any:
    """Compile the workspace kernel ``kernel`` for C-contiguous float64 chunks only; return it.

    ``kernel(ws, iw, x, out)`` (:func:`stream_envelope_ws`, :func:`stream_filter_ws`) is compiled
    (or loaded from numba's cache) for ``ws`` float64, ``iw`` int64, ``x`` / ``out`` 2-D float64,
    all C-contiguous and writeable, and further compilation is disabled: any other argument types
    raise ``TypeError`` at dispatch, at once, instead of compiling a new specialisation for every
    layout or dtype a caller passes (seconds each). The streaming classes rely on this to call the
    kernel without checking dtype and layout in Python first. Idempotent; a no-op with
    ``EMGKIT_NUMBA=0``.
    """
    if NUMBA_ENABLED and kernel._can_compile:
        from numba import types

        vec, ivec = types.Array(types.float64, 1, "C"), types.Array(types.int64, 1, "C")
        mat = types.Array(types.float64, 2, "C")
        kernel.compile((vec, ivec, mat, mat))
        kernel.disable_compile()
    return kernel


def _twin_first(x: Array) -> bool:
    """True if a call on ``x`` should run the numpy twin (:mod:`._numpy`) instead of its kernel.

    So while numba has not started in this process (none of the three twinned kernels has
    run, and :func:`sosfiltfilt_tm` has not run a zero-phase kernel) and ``x`` is smaller than
    :data:`COLD_SCIPY_BELOW` channel-samples: a short process (``emgkit analyze`` of a few
    minutes of EMG) then never pays numba's start-up. Once numba has started, every call takes
    the kernels (the twins are slower per sample: many small calls would add up). The twins
    give identical results.
    """
    return not (x.size >= COLD_SCIPY_BELOW or numba_started())


#: The kernels with a numpy twin (:func:`_twin_first` looks whether any of them has run).
_TWINNED = (all_finite, _causal.moving_rms_tm, _causal.tkeo_tm)
#: Set when :func:`sosfiltfilt_tm` has run a zero-phase kernel (numba has started).
_ZERO_PHASE_RAN = False


def numba_started(kernel: Any = None) -> bool:
    """True once numba has run in this process (or compiled ``kernel``, if given, here).

    Numba has run once a twinned or zero-phase kernel has. The one rule of every kernel with a
    numpy or scipy counterpart (the twins here, the zero-phase filters' scipy path, the quality
    kernels of :mod:`._quality`, the onset fit of :mod:`emgkit.signal.onset`): the counterpart
    for small inputs until numba has started, so a short process never pays numba's start-up
    and compile for them.
    """
    if getattr(kernel, "signatures", None):
        return True
    return _ZERO_PHASE_RAN or any(getattr(k, "signatures", None) for k in _TWINNED)


def all_finite_fast(x: Array) -> bool:
    """True if ``x`` holds no NaN/inf: one numba read, no boolean temporary (or its twin)."""
    if _twin_first(x):
        return all_finite_np(x)
    return bool(all_finite(x))


def moving_rms_tm(x: Array, out: Array, n_win: int, k_off: int) -> None:
    """Moving RMS of the columns of ``x`` into ``out`` (:func:`._causal.moving_rms_tm`)."""
    if _twin_first(x):
        moving_rms_np(x, out, n_win, k_off)
    else:
        _causal.moving_rms_tm(x, out, n_win, k_off)


def tkeo_tm(x: Array, out: Array) -> None:
    """Teager-Kaiser energy of the columns of ``x`` into ``out`` (:func:`._causal.tkeo_tm`)."""
    if _twin_first(x):
        tkeo_np(x, out)
    else:
        _causal.tkeo_tm(x, out)


def _sosfiltfilt_scipy(
    coef: Array, x: Array, out: Array, padlen: int, rect_in: bool, n_win: int, k_off: int
) -> bool:
    """:func:`sosfiltfilt_tm` by ``scipy.signal.sosfiltfilt`` on the columns of each design."""
    nc = x.shape[1]
    src = np.abs(x) if rect_in else x
    per_col = coef.transpose(0, 3, 1, 2).reshape(-1, coef.shape[1], 5)[:nc]
    designs: dict[bytes, list[int]] = {}
    for c in range(nc):
        designs.setdefault(per_col[c].tobytes(), []).append(c)
    for cols in designs.values():
        c5 = per_col[cols[0]]
        keep = ~((c5[:, 0] == 1.0) & (c5[:, 1:] == 0.0).all(axis=1))  # identity sections
        if not keep.any():
            y = src[:, cols]
        else:
            sos = np.insert(c5[keep], 3, 1.0, axis=1)
            y = sps.sosfiltfilt(sos, src[:, cols], axis=0, padlen=padlen)
        out[:, cols] = y
    ok = bool(np.isfinite(out[-1]).all()) and bool(np.isfinite(x).all())
    if n_win > 0:
        moving_rms_tm(out.copy(), out, n_win, k_off)
    return ok


def sosfiltfilt_tm(
    coef: Array,
    zi: Array,
    x: Array,
    out: Array,
    padlen: int,
    rect_in: bool,
    n_win: int,
    k_off: int,
) -> Any:
    """Zero-phase sos filtering equal to ``scipy.signal.sosfiltfilt(sos, x, axis=0)``.

    Odd extension of ``padlen`` samples at both ends; initial conditions ``zi * ext[0]`` forward
    and ``zi * y[-1]`` backward, as scipy. ``out`` must not be ``x``; both C-contiguous. The
    left-padding outputs are never needed and the right-padding ones are buffered
    (``padlen`` x LANES), so no padded copy of the signal is made. ``rect_in``: filter ``|x|``.
    ``n_win > 0``: the backward pass also squares its output and writes the moving RMS over
    ``n_win`` samples instead, output sample ``s`` using the window
    ``[s - k_off, s - k_off + n_win)`` truncated to the signal (``k_off = n_win // 2`` centred,
    ``n_win - 1`` trailing).

    Returns True if ``x`` held no NaN/inf (the NaN check folded into the forward pass, no extra
    read of ``x``): a non-finite input makes the section's state non-finite (``b1 * v``), and a
    non-finite state never becomes finite again (``y = b0 v + z0``, ``z0' = ... - a1 y``; products
    with 0 give NaN), so the forward output at the last padded sample is finite in every lane
    iff every input sample was (or the filter overflowed, which also gives False). Needs IEEE
    semantics: FMA contraction only, never ``nnan``/``ninf`` fast-math flags in these kernels.

    Only the specialisation this call needs is compiled: the direct row kernels only for full
    blocks of ``LANES`` channels with at most four sections, in the coefficient mode of those
    blocks (:func:`block_mode`, the least specialised one when they differ); the fused RMS only
    when ``n_win > 0``. Recordings of whole ``LANES``-channel blocks run :func:`zp_wide` (tiles
    across all blocks) when fused with the RMS or when there are several blocks, otherwise
    :func:`zp_blocks` (block by block). While numba has not started in this process
    (:func:`numba_started`; loading numba and its cached kernels costs about 0.8 s, more than
    scipy needs for a few minutes of EMG), inputs smaller than :data:`COLD_SCIPY_BELOW`
    channel-samples go to ``scipy.signal.sosfiltfilt`` instead; once it has, a specialisation
    not yet compiled or cached is compiled. A small block-by-block call in ``MODE_UNIFORM``
    takes the ``MODE_LANE`` variant (bit for bit the same values) unless its own is already
    compiled in the process: one specialisation fewer to compile for the small calls of a long
    analysis (the first 30-min analysis after an install: docs/performance.md).
    """
    nc = x.shape[1]
    full = nc // LANES
    direct = -1
    if coef.shape[1] == 4 and not rect_in and full > 0:
        direct = min(block_mode(coef[b]) for b in range(full))
    if direct >= 0 and nc % LANES == 0 and (n_win > 0 or full > 1):
        kernel = zp_wide(direct, n_win > 0)
    else:
        kernel = zp_blocks(direct, n_win > 0)
        if (
            direct == MODE_UNIFORM
            and x.size < COLD_SCIPY_BELOW
            and not getattr(kernel, "signatures", 1)
        ):
            # a small call whose uniform variant is not compiled here: the per-lane one, which
            # gives the same values bit for bit (MODE_UNIT does not: its unit tail changes the
            # FMAs, ~1e-14), so small calls compile fewer variants (each is seconds of compile)
            kernel = zp_blocks(MODE_LANE, n_win > 0)
    if x.size < COLD_SCIPY_BELOW and NUMBA_ENABLED and not numba_started(kernel):
        return _sosfiltfilt_scipy(coef, x, out, padlen, rect_in, n_win, k_off)
    global _ZERO_PHASE_RAN
    _ZERO_PHASE_RAN = True
    return kernel(coef, zi, x, out, padlen, rect_in, n_win, k_off)


assert MODE_LANE < MODE_UNIFORM < MODE_UNIT
