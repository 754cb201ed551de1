"""numba kernels of the signal chain (time-major arrays, channels innermost).

Every kernel goes through :func:`emgkit.signal._numba.jit` (``cache=True``; ``EMGKIT_NUMBA=0`` runs
them as plain Python). What makes them fast (performance-anchors.md, "What decided numba speed",
re-measured here):

- data are C-contiguous ``(n_samples, n_channels)`` float64, channels innermost;
- channels are processed in explicit blocks of ``LANES = 16``. LLVM's loop vectoriser (numba
  leaves the SLP vectoriser off) vectorises a lane loop only when the loop is not fully unrolled
  first and its trip count covers vector width x interleave; a 16-lane loop whose body holds four
  whole biquads does both (measured: 8 lanes stayed scalar, about 3.5x slower);
- time is tiled: ``TILE`` samples of a block are copied into a small L1-resident buffer, filtered
  in place by groups of four sections (``_quad``) and written back, so state and coefficients
  stay in cache and the last group can be fused with squaring and the moving RMS;
- column offsets are unsigned (``np.uint64``) so numba emits no negative-index handling;
- coefficients are blocked and per lane: ``coef[b, s, k, j]`` (``k`` = b0, b1, b2, a1, a2 with
  a0 == 1) for channel ``b * LANES + j``; the number of sections is padded to a multiple of four
  and lanes past the last channel are padded, both with identity sections (b0 = 1, rest 0), which
  pass samples through bit for bit. Channels that must not be filtered (envelope channels) carry
  identity sections too, and channels with different designs share one pass.

- the zero-phase pipeline's hot loops (full 16-channel blocks, up to four sections) skip the tile
  copy: ``_quad_rows*`` filter straight from rows of ``x`` into rows of ``out`` through flat views.
  Blocks whose lanes share one design (the common case) use scalar coefficients (``*_u``);
- LLVM hoists the lane loop's runtime alias checks over the whole time loop when row addresses
  are affine in the time index, and for a descending (backward) time loop that hoisted check
  always fails, so the backward pass ran scalar (about 2.5x slower). Row indices are XORed with a
  zero LLVM cannot prove (``opq``), which keeps one cheap check per row. A row filtered in place
  (source row == destination row) still fails the check and runs scalar, which is why the
  filter-only backward pass keeps the tile path;
- the state update is written ``z0 = (b1 v + z1) - a1 y`` and ``z1 = -a2 y + b2 v`` so that LLVM
  fuses the ``y`` product last: one FMA between ``y`` and each stored state;
- the direct row kernels prefetch ``PF_ROWS`` rows ahead (``prefetchw`` of the forward pass's
  output, ``prefetcht0`` of the backward pass's source): a row does ~36 state stores, and an
  output store that misses the cache stalls them all in the store buffer (W1 86 -> 75 ms).

The biquads are direct form II transposed, as scipy's ``sosfilt`` (with FMA contraction allowed,
so results agree with scipy to about 1e-15 relative, not bit for bit).

Numba's on-disk cache is keyed on this file: clear ``__pycache__`` when a kernel module changes.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from emgkit.signal._numba import NUMBA_ENABLED, jit

LANES = 16
TILE = 128
C4 = 20 * LANES  # flat size of the coefficients of one group of four sections
Z4 = 8 * LANES  # flat size of the state of one group of four sections

# Typing note: kernels are untyped for mypy (numba types them at call time).

PF_ROWS = 16  # software prefetch distance in time rows (see _prefetch_w)

_prefetch_w: Any  # (arr, idx) -> None; intrinsics under numba, no-ops without
_prefetch_r: Any

if NUMBA_ENABLED:
    from llvmlite import ir  # type: ignore[import-untyped]
    from numba.core import cgutils
    from numba.core import types as nbtypes
    from numba.extending import intrinsic

    def _prefetch_codegen(rw: int):  # type: ignore[no-untyped-def]
        def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
            arr, idx = args
            ary = context.make_array(signature.args[0])(context, builder, arr)
            i8p = ir.IntType(8).as_pointer()
            ptr = builder.bitcast(builder.gep(ary.data, [idx]), i8p)
            i32 = ir.IntType(32)
            fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
            fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0i8")
            builder.call(fn, [ptr, i32(rw), i32(3), i32(1)])
            return context.get_dummy_value()

        return codegen

    @intrinsic
    def _prefetch_w_ir(typingctx, arr, idx):  # type: ignore[no-untyped-def]
        """Hint: element ``idx`` of the 1-D ``arr`` will be written soon (``prefetchw``).

        A prefetch never faults, so an index past the array is harmless (callers still guard).
        Measured on W1's forward pass into an existing array: stores that miss the cache fill
        the store buffer behind ~36 state stores per row; prefetching the output 16-32 rows
        ahead took the pass from 30 to 21-22 ms.
        """
        return nbtypes.void(arr, idx), _prefetch_codegen(1)

    @intrinsic
    def _prefetch_r_ir(typingctx, arr, idx):  # type: ignore[no-untyped-def]
        """Hint: element ``idx`` of the 1-D ``arr`` will be read soon (``prefetcht0``)."""
        return nbtypes.void(arr, idx), _prefetch_codegen(0)

    _prefetch_w = _prefetch_w_ir
    _prefetch_r = _prefetch_r_ir
else:

    def _prefetch_noop(arr: Any, idx: Any) -> None:
        """No-op without numba."""

    _prefetch_w = _prefetch_r = _prefetch_noop


@jit(fastmath={"contract"})
def _quad(cf, zf, bf, nt):  # type: ignore[no-untyped-def]
    """Filter the tile ``bf`` (flat ``(nt, LANES)``) in place through four sections.

    ``cf``: flat coefficients ``(4, 5, LANES)``; ``zf``: flat state ``(4, 2, LANES)`` (views of
    one group of four sections).
    Flat 1-D arrays with explicit offsets are what LLVM vectorises here (2-D/3-D indexing of the
    same loop stayed scalar: 240 vs 920 M samples/s for one pass in L1).
    """
    L = LANES
    for t in range(nt):
        bt = t * L
        for j in range(L):
            v = bf[bt + j]
            y = cf[j] * v + zf[j]
            zf[j] = cf[L + j] * v - cf[3 * L + j] * y + zf[L + j]
            zf[L + j] = cf[2 * L + j] * v - cf[4 * L + j] * y
            v = y
            y = cf[5 * L + j] * v + zf[2 * L + j]
            zf[2 * L + j] = cf[6 * L + j] * v - cf[8 * L + j] * y + zf[3 * L + j]
            zf[3 * L + j] = cf[7 * L + j] * v - cf[9 * L + j] * y
            v = y
            y = cf[10 * L + j] * v + zf[4 * L + j]
            zf[4 * L + j] = cf[11 * L + j] * v - cf[13 * L + j] * y + zf[5 * L + j]
            zf[5 * L + j] = cf[12 * L + j] * v - cf[14 * L + j] * y
            v = y
            y = cf[15 * L + j] * v + zf[6 * L + j]
            zf[6 * L + j] = cf[16 * L + j] * v - cf[18 * L + j] * y + zf[7 * L + j]
            zf[7 * L + j] = cf[17 * L + j] * v - cf[19 * L + j] * y
            bf[bt + j] = y


@jit(fastmath={"contract"})
def _quad_ms(cf, zf, bf, nt, ring, acc, slot, step, nw, inv, ms):  # type: ignore[no-untyped-def]
    """``_quad`` fused with squaring and a running-sum window: ``ms[t] = sum(window) * inv[t]``.

    ``ring`` (flat ``(nw, LANES)``) slot ``slot`` holds the square leaving the window; slots
    advance by ``step`` (+1 forward in time, -1 backward). Whenever the slot reaches the end of
    its cycle the sum is recomputed exactly from the ring, so rounding never accumulates beyond
    one window; the schedule depends only on the absolute sample index. Returns the next slot.
    """
    L = LANES
    resync = nw - 1 if step > 0 else 0
    for t in range(nt):
        bt = t * L
        br = np.uint64(slot) * np.uint64(L)
        it = inv[t]
        for j in range(L):
            v = bf[bt + j]
            y = cf[j] * v + zf[j]
            zf[j] = cf[L + j] * v - cf[3 * L + j] * y + zf[L + j]
            zf[L + j] = cf[2 * L + j] * v - cf[4 * L + j] * y
            v = y
            y = cf[5 * L + j] * v + zf[2 * L + j]
            zf[2 * L + j] = cf[6 * L + j] * v - cf[8 * L + j] * y + zf[3 * L + j]
            zf[3 * L + j] = cf[7 * L + j] * v - cf[9 * L + j] * y
            v = y
            y = cf[10 * L + j] * v + zf[4 * L + j]
            zf[4 * L + j] = cf[11 * L + j] * v - cf[13 * L + j] * y + zf[5 * L + j]
            zf[5 * L + j] = cf[12 * L + j] * v - cf[14 * L + j] * y
            v = y
            y = cf[15 * L + j] * v + zf[6 * L + j]
            zf[6 * L + j] = cf[16 * L + j] * v - cf[18 * L + j] * y + zf[7 * L + j]
            zf[7 * L + j] = cf[17 * L + j] * v - cf[19 * L + j] * y
            sq = y * y
            ju = np.uint64(j)
            a = acc[j] + (sq - ring[br + ju])
            ring[br + ju] = sq
            acc[j] = a
            ms[bt + j] = a * it
        if slot == resync:
            for j in range(L):
                acc[j] = 0.0
            for i in range(nw):
                bi = i * L
                for j in range(L):
                    acc[j] += ring[bi + j]
        slot += step
        if slot == nw:
            slot = 0
        elif slot < 0:
            slot = nw - 1
    return slot


@jit(fastmath={"contract"})
def _quad_rows(cf, zf, src, dst, t_first, n_rows, step, nc, c0, d_stride, d_off, opq):  # type: ignore[no-untyped-def]
    """Four sections straight from rows of ``src`` into ``dst``, no tile copy.

    Row ``t = t_first + i * step`` (``i < n_rows``) of the flat time-major ``src`` (``nc`` columns,
    block at column ``c0``, a full block of ``LANES`` columns) is filtered into flat index
    ``t * d_stride + d_off + j`` of ``dst`` (may be ``src``).
    """
    L = LANES
    ncu = np.uint64(nc)
    dsu = np.uint64(d_stride)
    dsz = dst.size
    for i in range(n_rows):
        t = np.uint64(t_first + i * step) ^ opq
        r = t * ncu + c0
        d = t * dsu + np.uint64(d_off)
        tq = t_first + (i + PF_ROWS) * step
        if d_stride > 0 and tq >= 0:
            q = np.uint64(tq) * dsu + np.uint64(d_off)
            if q + np.uint64(8) < dsz:
                _prefetch_w(dst, q)
                _prefetch_w(dst, q + np.uint64(8))
        for j in range(L):
            ju = np.uint64(j)
            v = src[r + ju]
            y = cf[j] * v + zf[j]
            zf[j] = (cf[L + j] * v + zf[L + j]) - cf[3 * L + j] * y
            zf[L + j] = -cf[4 * L + j] * y + cf[2 * L + j] * v
            v = y
            y = cf[5 * L + j] * v + zf[2 * L + j]
            zf[2 * L + j] = (cf[6 * L + j] * v + zf[3 * L + j]) - cf[8 * L + j] * y
            zf[3 * L + j] = -cf[9 * L + j] * y + cf[7 * L + j] * v
            v = y
            y = cf[10 * L + j] * v + zf[4 * L + j]
            zf[4 * L + j] = (cf[11 * L + j] * v + zf[5 * L + j]) - cf[13 * L + j] * y
            zf[5 * L + j] = -cf[14 * L + j] * y + cf[12 * L + j] * v
            v = y
            y = cf[15 * L + j] * v + zf[6 * L + j]
            zf[6 * L + j] = (cf[16 * L + j] * v + zf[7 * L + j]) - cf[18 * L + j] * y
            zf[7 * L + j] = -cf[19 * L + j] * y + cf[17 * L + j] * v
            dst[d + ju] = y


@jit(fastmath={"contract"}, error_model="numpy")
def _quad_rows_rms(  # type: ignore[no-untyped-def]
    cf, zf, src, dst, t_hi, t_lo, n, nc, c0, d_stride, d_off, ring, slot, nw, opq
):
    """Backward rows ``t = t_hi - 1 .. t_lo`` of ``src``: four sections, square, running sum, RMS.

    The RMS of the window ``[t, min(t + nw, n))`` goes to flat index ``t * d_stride + d_off + j``
    of ``dst``. ``zf`` holds the filter state (``8 * LANES``), the running sums of the window
    (``LANES``) and the sums of the squares since the last resync (``LANES``): one array instead
    of three, so fewer runtime alias checks per row (W1 -1.3 ms). Same slot schedule as
    :func:`_quad_ms` with ``step = -1``, but at a resync the window sum is replaced by the second
    sum, which then holds exactly the ``nw`` squares in the ring (added in time order): an exact
    recomputation every window without re-reading the ring (a burst of ``nw`` dependent adds
    through memory every ``nw`` rows; W1 -3 ms). Returns the next slot.
    """
    L = LANES
    ncu = np.uint64(nc)
    dsu = np.uint64(d_stride)
    inv_nw = 1.0 / nw
    for ti in range(t_hi - 1, t_lo - 1, -1):
        t = np.uint64(ti) ^ opq
        r = t * ncu + c0
        d = t * dsu + np.uint64(d_off)
        br = np.uint64(slot) * np.uint64(L)
        if ti >= PF_ROWS:
            q = np.uint64(ti - PF_ROWS) * ncu + c0
            _prefetch_r(src, q)
            _prefetch_r(src, q + np.uint64(8))
        it = inv_nw if ti + nw <= n else 1.0 / (n - ti)
        for j in range(L):
            ju = np.uint64(j)
            v = src[r + ju]
            y = cf[j] * v + zf[j]
            zf[j] = (cf[L + j] * v + zf[L + j]) - cf[3 * L + j] * y
            zf[L + j] = -cf[4 * L + j] * y + cf[2 * L + j] * v
            v = y
            y = cf[5 * L + j] * v + zf[2 * L + j]
            zf[2 * L + j] = (cf[6 * L + j] * v + zf[3 * L + j]) - cf[8 * L + j] * y
            zf[3 * L + j] = -cf[9 * L + j] * y + cf[7 * L + j] * v
            v = y
            y = cf[10 * L + j] * v + zf[4 * L + j]
            zf[4 * L + j] = (cf[11 * L + j] * v + zf[5 * L + j]) - cf[13 * L + j] * y
            zf[5 * L + j] = -cf[14 * L + j] * y + cf[12 * L + j] * v
            v = y
            y = cf[15 * L + j] * v + zf[6 * L + j]
            zf[6 * L + j] = (cf[16 * L + j] * v + zf[7 * L + j]) - cf[18 * L + j] * y
            zf[7 * L + j] = -cf[19 * L + j] * y + cf[17 * L + j] * v
            sq = y * y
            a = zf[8 * L + j] + (sq - ring[br + ju])
            ring[br + ju] = sq
            zf[8 * L + j] = a
            zf[9 * L + j] += sq
            dst[d + ju] = math.sqrt(max(a * it, 0.0))
        if slot == 0:
            for j in range(L):
                zf[8 * L + j] = zf[9 * L + j]
                zf[9 * L + j] = 0.0
            slot = nw
        slot -= 1
    return slot


@jit(fastmath={"contract"})
def _quad_rows_u(cf, zf, src, dst, t_first, n_rows, step, nc, c0, d_stride, d_off, opq):  # type: ignore[no-untyped-def]
    """Four sections straight from rows of ``src`` into ``dst``, no tile copy.

    Row ``t = t_first + i * step`` (``i < n_rows``) of the flat time-major ``src`` (``nc`` columns,
    block at column ``c0``, a full block of ``LANES`` columns) is filtered into flat index
    ``t * d_stride + d_off + j`` of ``dst`` (may be ``src``).
    """
    L = LANES
    k0 = cf[0 * L]
    k1 = cf[1 * L]
    k2 = cf[2 * L]
    k3 = cf[3 * L]
    k4 = cf[4 * L]
    k5 = cf[5 * L]
    k6 = cf[6 * L]
    k7 = cf[7 * L]
    k8 = cf[8 * L]
    k9 = cf[9 * L]
    k10 = cf[10 * L]
    k11 = cf[11 * L]
    k12 = cf[12 * L]
    k13 = cf[13 * L]
    k14 = cf[14 * L]
    k15 = cf[15 * L]
    k16 = cf[16 * L]
    k17 = cf[17 * L]
    k18 = cf[18 * L]
    k19 = cf[19 * L]
    ncu = np.uint64(nc)
    dsu = np.uint64(d_stride)
    dsz = dst.size
    for i in range(n_rows):
        t = np.uint64(t_first + i * step) ^ opq
        r = t * ncu + c0
        d = t * dsu + np.uint64(d_off)
        tq = t_first + (i + PF_ROWS) * step
        if d_stride > 0 and tq >= 0:
            q = np.uint64(tq) * dsu + np.uint64(d_off)
            if q + np.uint64(8) < dsz:
                _prefetch_w(dst, q)
                _prefetch_w(dst, q + np.uint64(8))
        for j in range(L):
            ju = np.uint64(j)
            v = src[r + ju]
            y = k0 * v + zf[j]
            zf[j] = (k1 * v + zf[L + j]) - k3 * y
            zf[L + j] = -k4 * y + k2 * v
            v = y
            y = k5 * v + zf[2 * L + j]
            zf[2 * L + j] = (k6 * v + zf[3 * L + j]) - k8 * y
            zf[3 * L + j] = -k9 * y + k7 * v
            v = y
            y = k10 * v + zf[4 * L + j]
            zf[4 * L + j] = (k11 * v + zf[5 * L + j]) - k13 * y
            zf[5 * L + j] = -k14 * y + k12 * v
            v = y
            y = k15 * v + zf[6 * L + j]
            zf[6 * L + j] = (k16 * v + zf[7 * L + j]) - k18 * y
            zf[7 * L + j] = -k19 * y + k17 * v
            dst[d + ju] = y


@jit(fastmath={"contract"}, error_model="numpy")
def _quad_rows_rms_u(  # type: ignore[no-untyped-def]
    cf, zf, src, dst, t_hi, t_lo, n, nc, c0, d_stride, d_off, ring, slot, nw, opq
):
    """Backward rows ``t = t_hi - 1 .. t_lo`` of ``src``: four sections, square, running sum, RMS.

    The RMS of the window ``[t, min(t + nw, n))`` goes to flat index ``t * d_stride + d_off + j``
    of ``dst``. ``zf`` holds the filter state (``8 * LANES``), the running sums of the window
    (``LANES``) and the sums of the squares since the last resync (``LANES``): one array instead
    of three, so fewer runtime alias checks per row (W1 -1.3 ms). Same slot schedule as
    :func:`_quad_ms` with ``step = -1``, but at a resync the window sum is replaced by the second
    sum, which then holds exactly the ``nw`` squares in the ring (added in time order): an exact
    recomputation every window without re-reading the ring (a burst of ``nw`` dependent adds
    through memory every ``nw`` rows; W1 -3 ms). Returns the next slot.
    """
    L = LANES
    k0 = cf[0 * L]
    k1 = cf[1 * L]
    k2 = cf[2 * L]
    k3 = cf[3 * L]
    k4 = cf[4 * L]
    k5 = cf[5 * L]
    k6 = cf[6 * L]
    k7 = cf[7 * L]
    k8 = cf[8 * L]
    k9 = cf[9 * L]
    k10 = cf[10 * L]
    k11 = cf[11 * L]
    k12 = cf[12 * L]
    k13 = cf[13 * L]
    k14 = cf[14 * L]
    k15 = cf[15 * L]
    k16 = cf[16 * L]
    k17 = cf[17 * L]
    k18 = cf[18 * L]
    k19 = cf[19 * L]
    ncu = np.uint64(nc)
    dsu = np.uint64(d_stride)
    inv_nw = 1.0 / nw
    for ti in range(t_hi - 1, t_lo - 1, -1):
        t = np.uint64(ti) ^ opq
        r = t * ncu + c0
        d = t * dsu + np.uint64(d_off)
        br = np.uint64(slot) * np.uint64(L)
        if ti >= PF_ROWS:
            q = np.uint64(ti - PF_ROWS) * ncu + c0
            _prefetch_r(src, q)
            _prefetch_r(src, q + np.uint64(8))
        it = inv_nw if ti + nw <= n else 1.0 / (n - ti)
        for j in range(L):
            ju = np.uint64(j)
            v = src[r + ju]
            y = k0 * v + zf[j]
            zf[j] = (k1 * v + zf[L + j]) - k3 * y
            zf[L + j] = -k4 * y + k2 * v
            v = y
            y = k5 * v + zf[2 * L + j]
            zf[2 * L + j] = (k6 * v + zf[3 * L + j]) - k8 * y
            zf[3 * L + j] = -k9 * y + k7 * v
            v = y
            y = k10 * v + zf[4 * L + j]
            zf[4 * L + j] = (k11 * v + zf[5 * L + j]) - k13 * y
            zf[5 * L + j] = -k14 * y + k12 * v
            v = y
            y = k15 * v + zf[6 * L + j]
            zf[6 * L + j] = (k16 * v + zf[7 * L + j]) - k18 * y
            zf[7 * L + j] = -k19 * y + k17 * v
            sq = y * y
            a = zf[8 * L + j] + (sq - ring[br + ju])
            ring[br + ju] = sq
            zf[8 * L + j] = a
            zf[9 * L + j] += sq
            dst[d + ju] = math.sqrt(max(a * it, 0.0))
        if slot == 0:
            for j in range(L):
                zf[8 * L + j] = zf[9 * L + j]
                zf[9 * L + j] = 0.0
            slot = nw
        slot -= 1
    return slot


@jit(fastmath={"contract"})
def _quad_rows_u1(cf, zf, src, dst, t_first, n_rows, step, nc, c0, d_stride, d_off, opq):  # type: ignore[no-untyped-def]
    """As :func:`_quad_rows_u` for designs whose sections 2-4 have b0 = b2 = 1 (:func:`_unit_tail`).

    Butterworth band-pass sections after the first are ``[1, +-2, 1]``: ``1 * v`` needs no
    multiply, one op less per section (20 -> 17 per sample; same values as the general kernel,
    since the products by 1 are exact). Otherwise as below.

    Four sections straight from rows of ``src`` into ``dst``, no tile copy.

    Row ``t = t_first + i * step`` (``i < n_rows``) of the flat time-major ``src`` (``nc`` columns,
    block at column ``c0``, a full block of ``LANES`` columns) is filtered into flat index
    ``t * d_stride + d_off + j`` of ``dst`` (may be ``src``).
    """
    L = LANES
    k0 = cf[0 * L]
    k1 = cf[1 * L]
    k2 = cf[2 * L]
    k3 = cf[3 * L]
    k4 = cf[4 * L]
    k6 = cf[6 * L]
    k8 = cf[8 * L]
    k9 = cf[9 * L]
    k11 = cf[11 * L]
    k13 = cf[13 * L]
    k14 = cf[14 * L]
    k16 = cf[16 * L]
    k18 = cf[18 * L]
    k19 = cf[19 * L]
    ncu = np.uint64(nc)
    dsu = np.uint64(d_stride)
    dsz = dst.size
    for i in range(n_rows):
        t = np.uint64(t_first + i * step) ^ opq
        r = t * ncu + c0
        d = t * dsu + np.uint64(d_off)
        tq = t_first + (i + PF_ROWS) * step
        if d_stride > 0 and tq >= 0:
            q = np.uint64(tq) * dsu + np.uint64(d_off)
            if q + np.uint64(8) < dsz:
                _prefetch_w(dst, q)
                _prefetch_w(dst, q + np.uint64(8))
        for j in range(L):
            ju = np.uint64(j)
            v = src[r + ju]
            y = k0 * v + zf[j]
            zf[j] = (k1 * v + zf[L + j]) - k3 * y
            zf[L + j] = -k4 * y + k2 * v
            v = y
            y = v + zf[2 * L + j]
            zf[2 * L + j] = (k6 * v + zf[3 * L + j]) - k8 * y
            zf[3 * L + j] = -k9 * y + v
            v = y
            y = v + zf[4 * L + j]
            zf[4 * L + j] = (k11 * v + zf[5 * L + j]) - k13 * y
            zf[5 * L + j] = -k14 * y + v
            v = y
            y = v + zf[6 * L + j]
            zf[6 * L + j] = (k16 * v + zf[7 * L + j]) - k18 * y
            zf[7 * L + j] = -k19 * y + v
            dst[d + ju] = y


@jit(fastmath={"contract"}, error_model="numpy")
def _quad_rows_rms_u1(  # type: ignore[no-untyped-def]
    cf, zf, src, dst, t_hi, t_lo, n, nc, c0, d_stride, d_off, ring, slot, nw, opq
):
    """As :func:`_quad_rows_rms_u` for sections 2-4 with b0 = b2 = 1 (see :func:`_quad_rows_u1`).

    Backward rows ``t = t_hi - 1 .. t_lo`` of ``src``: four sections, square, running sum, RMS.

    The RMS of the window ``[t, min(t + nw, n))`` goes to flat index ``t * d_stride + d_off + j``
    of ``dst``. ``zf`` holds the filter state (``8 * LANES``), the running sums of the window
    (``LANES``) and the sums of the squares since the last resync (``LANES``): one array instead
    of three, so fewer runtime alias checks per row (W1 -1.3 ms). Same slot schedule as
    :func:`_quad_ms` with ``step = -1``, but at a resync the window sum is replaced by the second
    sum, which then holds exactly the ``nw`` squares in the ring (added in time order): an exact
    recomputation every window without re-reading the ring (a burst of ``nw`` dependent adds
    through memory every ``nw`` rows; W1 -3 ms). Returns the next slot.
    """
    L = LANES
    k0 = cf[0 * L]
    k1 = cf[1 * L]
    k2 = cf[2 * L]
    k3 = cf[3 * L]
    k4 = cf[4 * L]
    k6 = cf[6 * L]
    k8 = cf[8 * L]
    k9 = cf[9 * L]
    k11 = cf[11 * L]
    k13 = cf[13 * L]
    k14 = cf[14 * L]
    k16 = cf[16 * L]
    k18 = cf[18 * L]
    k19 = cf[19 * L]
    ncu = np.uint64(nc)
    dsu = np.uint64(d_stride)
    inv_nw = 1.0 / nw
    for ti in range(t_hi - 1, t_lo - 1, -1):
        t = np.uint64(ti) ^ opq
        r = t * ncu + c0
        d = t * dsu + np.uint64(d_off)
        br = np.uint64(slot) * np.uint64(L)
        if ti >= PF_ROWS:
            q = np.uint64(ti - PF_ROWS) * ncu + c0
            _prefetch_r(src, q)
            _prefetch_r(src, q + np.uint64(8))
        it = inv_nw if ti + nw <= n else 1.0 / (n - ti)
        for j in range(L):
            ju = np.uint64(j)
            v = src[r + ju]
            y = k0 * v + zf[j]
            zf[j] = (k1 * v + zf[L + j]) - k3 * y
            zf[L + j] = -k4 * y + k2 * v
            v = y
            y = v + zf[2 * L + j]
            zf[2 * L + j] = (k6 * v + zf[3 * L + j]) - k8 * y
            zf[3 * L + j] = -k9 * y + v
            v = y
            y = v + zf[4 * L + j]
            zf[4 * L + j] = (k11 * v + zf[5 * L + j]) - k13 * y
            zf[5 * L + j] = -k14 * y + v
            v = y
            y = v + zf[6 * L + j]
            zf[6 * L + j] = (k16 * v + zf[7 * L + j]) - k18 * y
            zf[7 * L + j] = -k19 * y + v
            sq = y * y
            a = zf[8 * L + j] + (sq - ring[br + ju])
            ring[br + ju] = sq
            zf[8 * L + j] = a
            zf[9 * L + j] += sq
            dst[d + ju] = math.sqrt(max(a * it, 0.0))
        if slot == 0:
            for j in range(L):
                zf[8 * L + j] = zf[9 * L + j]
                zf[9 * L + j] = 0.0
            slot = nw
        slot -= 1
    return slot


@jit
def _unit_tail(cf):  # type: ignore[no-untyped-def]
    """True if sections 2-4 of the flat group ``cf`` have b0 = b2 = 1 (lane 0; use if uniform)."""
    L = LANES
    ok = True
    for s in range(1, 4):
        ok = ok and cf[(5 * s) * L] == 1.0 and cf[(5 * s + 2) * L] == 1.0
    return ok


@jit
def _lanes_uniform(cf):  # type: ignore[no-untyped-def]
    """True if every lane of the flat blocked coefficients ``cf`` holds the same design."""
    for q in range(0, cf.size, LANES):
        for j in range(1, LANES):
            if cf[q + j] != cf[q]:
                return False
    return True


@jit(error_model="numpy")
def _sqrt_rows(flat, nt):  # type: ignore[no-untyped-def]
    """``ms[:nt] = sqrt(max(ms, 0))`` over a flat, vectorisable loop."""
    for q in range(nt * LANES):
        flat[q] = np.sqrt(max(flat[q], 0.0))


@jit
def _filter_buf(cb, z, buf, nt):  # type: ignore[no-untyped-def]
    cf = cb.reshape(cb.size)
    zf = z.reshape(z.size)
    bf = buf.reshape(buf.size)
    for g in range(cb.shape[0] // 4):
        _quad(cf[g * C4 : (g + 1) * C4], zf[g * Z4 : (g + 1) * Z4], bf, nt)


@jit(fastmath={"reassoc"})
def all_finite_fast(x):  # type: ignore[no-untyped-def]
    """True if ``x`` holds no NaN/inf: one vectorised read, no temporary array.

    ``v * 0.0`` is NaN exactly for NaN/inf; only reassociation is allowed (no ``nnan``/``ninf``,
    which would let LLVM drop the test), so the sum can be split over vector lanes.
    """
    flat = x.reshape(x.size)
    acc = 0.0
    for q in range(flat.size):
        acc += flat[q] * 0.0
    return acc == 0.0


@jit
def _all_finite(x):  # type: ignore[no-untyped-def]
    flat = x.reshape(x.size)
    acc = 0.0
    for q in range(flat.size):
        acc += flat[q] * 0.0
    return acc == 0.0


# ----------------------------------------------------------------------------------------------
# causal filtering and the streaming envelope
# ----------------------------------------------------------------------------------------------


@jit
def _copy_in(xf, row0, step, nc, c0, w, bf, nt, rect):  # type: ignore[no-untyped-def]
    """``bf[i, :w] = x[row0 + i * step, c0 : c0 + w]`` (``|x|`` if ``rect``) on flat views."""
    for i in range(nt):
        r = np.uint64((row0 + i * step) * nc) + c0
        o = np.uint64(i * LANES)
        if rect:
            for j in range(w):
                bf[o + np.uint64(j)] = abs(xf[r + np.uint64(j)])
        else:
            for j in range(w):
                bf[o + np.uint64(j)] = xf[r + np.uint64(j)]


@jit
def _copy_out(bf, nt, of, row0, step, nc, c0, w):  # type: ignore[no-untyped-def]
    """``out[row0 + i * step, c0 : c0 + w] = bf[i, :w]`` on flat views."""
    for i in range(nt):
        r = np.uint64((row0 + i * step) * nc) + c0
        o = np.uint64(i * LANES)
        for j in range(w):
            of[r + np.uint64(j)] = bf[o + np.uint64(j)]


@jit
def _last_group(cf, zf, bf, nt, ng, rf, acc, slot, step, nw, inv, msf):  # type: ignore[no-untyped-def]
    """All groups of four sections, the last fused with the running sum; then the square root."""
    for g in range(ng - 1):
        _quad(cf[g * C4 : (g + 1) * C4], zf[g * Z4 : (g + 1) * Z4], bf, nt)
    g = ng - 1
    slot = _quad_ms(
        cf[g * C4 : (g + 1) * C4],
        zf[g * Z4 : (g + 1) * Z4],
        bf,
        nt,
        rf,
        acc,
        slot,
        step,
        nw,
        inv,
        msf,
    )
    _sqrt_rows(msf, nt)
    return slot


@jit
def sosfilt_tm(coef, state, x, out, buf):  # type: ignore[no-untyped-def]
    """Causal sos filtering of ``x`` into ``out`` (may be ``x``), carrying ``state`` in place.

    ``coef`` (nb, ns4, 5, LANES), ``state`` (nb, ns4, 2, LANES), ``buf`` (TILE, LANES) scratch.
    With zero state this equals ``scipy.signal.sosfilt(sos, x, axis=0)``.
    """
    n = x.shape[0]
    nc = x.shape[1]
    xf = x.reshape(x.size)
    of = out.reshape(out.size)
    bf = buf.reshape(buf.size)
    for b in range(coef.shape[0]):
        c0 = np.uint64(b * LANES)
        w = min(LANES, nc - b * LANES)
        for t0 in range(0, n, TILE):
            nt = min(TILE, n - t0)
            _copy_in(xf, t0, 1, nc, c0, w, bf, nt, False)
            _filter_buf(coef[b], state[b], buf, nt)
            _copy_out(bf, nt, of, t0, 1, nc, c0, w)


@jit
def stream_filter_tm(coef, state, x, out, buf):  # type: ignore[no-untyped-def]
    """:func:`sosfilt_tm` that first checks ``x`` for NaN/inf (returns False, state untouched)."""
    if not _all_finite(x):
        return False
    sosfilt_tm(coef, state, x, out, buf)
    return True


@jit
def stream_envelope_tm(coef, state, ring, acc, pos, x, out, buf, ms, inv):  # type: ignore[no-untyped-def]
    """Causal filter, square and trailing moving RMS in one pass, carrying all state.

    Parameters
    ----------
    coef, state : (nb, ns4, 5 | 2, LANES) blocked coefficients and filter state (updated).
    ring : (nb, n_win, LANES) squares of the last ``n_win`` filtered samples
        (slot = sample index mod n_win).
    acc : (nb, LANES) running sums of the rings.
    pos : (1,) int64 number of samples seen so far (absolute index of ``x[0]``), updated.
    x, out : (n, C) C-contiguous; ``out`` may be ``x``.
    buf, ms : (TILE, LANES) scratch; inv : (TILE,) scratch.

    Returns False (and changes nothing) if ``x`` holds NaN/inf. The sample at absolute index
    ``i`` gets the RMS of the filtered samples ``max(0, i - n_win + 1) .. i``. Because every step
    depends only on absolute sample indices, any chunking gives bit-identical output.
    """
    if not _all_finite(x):
        return False
    n = x.shape[0]
    nc = x.shape[1]
    nw = ring.shape[1]
    p0 = pos[0]
    ng = coef.shape[1] // 4
    xf = x.reshape(x.size)
    of = out.reshape(out.size)
    bf = buf.reshape(buf.size)
    msf = ms.reshape(ms.size)
    for b in range(coef.shape[0]):
        c0 = np.uint64(b * LANES)
        w = min(LANES, nc - b * LANES)
        cb = coef[b]
        z = state[b]
        cf = cb.reshape(cb.size)
        zf = z.reshape(z.size)
        rf = ring[b].reshape(nw * LANES)
        slot = p0 % nw
        for t0 in range(0, n, TILE):
            nt = min(TILE, n - t0)
            _copy_in(xf, t0, 1, nc, c0, w, bf, nt, False)
            for i in range(nt):
                inv[i] = 1.0 / min(p0 + t0 + i + 1, nw)
            slot = _last_group(cf, zf, bf, nt, ng, rf, acc[b], slot, 1, nw, inv, msf)
            _copy_out(msf, nt, of, t0, 1, nc, c0, w)
    pos[0] = p0 + n
    return True


# ----------------------------------------------------------------------------------------------
# zero-phase filtering, optionally fused with rectification and moving RMS
# ----------------------------------------------------------------------------------------------


@jit
def _ext_value(x, e, n, padlen, c, rect):  # type: ignore[no-untyped-def]
    """Sample ``e`` of scipy's odd extension of column ``c`` (rectified first if ``rect``)."""
    if e < padlen:
        a = x[0, c]
        v = x[np.uint64(padlen - e), c]
    else:  # right padding, e >= padlen + n
        a = x[np.uint64(n - 1), c]
        v = x[np.uint64(n - 2 - (e - padlen - n)), c]
    if rect:
        a = abs(a)
        v = abs(v)
    return 2.0 * a - v


ROWS = 256  # time rows per tile when all blocks of a wide recording are filtered tile by tile


@jit
def _zp_rms_blocks(coef, zi, x, out, padlen, n_win, k_off, opq):  # type: ignore[no-untyped-def]
    """:func:`sosfiltfilt_tm` with ``n_win > 0`` for full blocks of at most four sections.

    Same arithmetic in the same order per channel as the block-by-block path, but the signal
    part of each pass goes tile by tile (``ROWS`` rows) over all blocks, so every row of ``x`` /
    ``out`` is read whole and sequentially (a block-by-block pass over 64 channels reads a quarter
    of each row, 4 times over).
    """
    n = x.shape[0]
    nc = x.shape[1]
    nb = coef.shape[0]
    ns4 = coef.shape[1]
    buf = np.zeros((TILE, LANES))
    ms = np.zeros((TILE, LANES))
    tail = np.zeros((nb, max(padlen, 1), LANES))
    ring = np.zeros((nb, n_win, LANES))
    acc = np.zeros((nb, LANES))
    z = np.empty((nb, ns4, 2, LANES))
    zx = np.zeros((nb, Z4 + 2 * LANES))
    uni = np.empty(nb, dtype=np.int64)  # 0 general, 1 uniform lanes, 2 uniform + unit tail
    xf = x.reshape(x.size)
    of = out.reshape(out.size)
    msf = ms.reshape(ms.size)
    for b in range(nb):
        c0 = np.uint64(b * LANES)
        cfb = coef[b].reshape(coef[b].size)
        uni[b] = (2 if _unit_tail(cfb) else 1) if _lanes_uniform(cfb) else 0
        for s in range(ns4):
            for k in range(2):
                for j in range(LANES):
                    z[b, s, k, j] = zi[b, s, k, j] * _ext_value(
                        x, 0, n, padlen, c0 + np.uint64(j), False
                    )
        for e0 in range(0, padlen, TILE):
            nt = min(TILE, padlen - e0)
            for i in range(nt):
                for j in range(LANES):
                    buf[i, j] = _ext_value(x, e0 + i, n, padlen, c0 + np.uint64(j), False)
            _filter_buf(coef[b], z[b], buf, nt)
    for t0 in range(0, n, ROWS):
        nt = min(ROWS, n - t0)
        for b in range(nb):
            c0 = np.uint64(b * LANES)
            cf = coef[b].reshape(coef[b].size)
            zf = z[b].reshape(z[b].size)
            if uni[b] == 2:
                _quad_rows_u1(cf, zf, xf, of, t0, nt, 1, nc, c0, nc, c0, opq)
            elif uni[b] == 1:
                _quad_rows_u(cf, zf, xf, of, t0, nt, 1, nc, c0, nc, c0, opq)
            else:
                _quad_rows(cf, zf, xf, of, t0, nt, 1, nc, c0, nc, c0, opq)
    for b in range(nb):
        c0 = np.uint64(b * LANES)
        for e0 in range(0, padlen, TILE):
            nt = min(TILE, padlen - e0)
            for i in range(nt):
                for j in range(LANES):
                    buf[i, j] = _ext_value(
                        x, padlen + n + e0 + i, n, padlen, c0 + np.uint64(j), False
                    )
            _filter_buf(coef[b], z[b], buf, nt)
            for i in range(nt):
                for j in range(LANES):
                    tail[b, e0 + i, j] = buf[i, j]
        for s in range(ns4):
            for k in range(2):
                for j in range(LANES):
                    z[b, s, k, j] = zi[b, s, k, j] * tail[b, padlen - 1, j]
        for i0 in range(0, padlen, TILE):
            nt = min(TILE, padlen - i0)
            for i in range(nt):
                for j in range(LANES):
                    buf[i, j] = tail[b, padlen - 1 - i0 - i, j]
            _filter_buf(coef[b], z[b], buf, nt)
        # backward state of the direct RMS kernels: filter state, then the running sums (zero)
        zb = z[b].reshape(z[b].size)
        for q in range(Z4):
            zx[b, q] = zb[q]
    ok = True  # forward output at the last padded sample finite in every lane (see sosfiltfilt_tm)
    for b in range(nb):
        for j in range(LANES):
            ok = ok and math.isfinite(tail[b, padlen - 1, j])
    # backward pass fused with the RMS, tile by tile from the end; output s = t + k_off
    t_mid = max(n - k_off, 0)
    slot = (n - 1) % n_win
    for hi in range(n, 0, -ROWS):
        lo = max(hi - ROWS, 0)
        nxt = slot
        for b in range(nb):
            c0 = np.uint64(b * LANES)
            cf = coef[b].reshape(coef[b].size)
            zf = z[b].reshape(z[b].size)
            rf = ring[b].reshape(ring[b].size)
            d_off = c0 + np.uint64(k_off * nc)
            nxt = slot
            mid = min(max(lo, t_mid), hi)
            if uni[b] == 2:
                if hi > mid:  # outputs past the end go to a scratch row
                    nxt = _quad_rows_rms_u1(
                        cf, zx[b], of, msf, hi, mid, n, nc, c0, 0, c0 - c0, rf, nxt, n_win, opq
                    )
                if mid > lo:
                    nxt = _quad_rows_rms_u1(
                        cf, zx[b], of, of, mid, lo, n, nc, c0, nc, d_off, rf, nxt, n_win, opq
                    )
            elif uni[b] == 1:
                if hi > mid:
                    nxt = _quad_rows_rms_u(
                        cf, zx[b], of, msf, hi, mid, n, nc, c0, 0, c0 - c0, rf, nxt, n_win, opq
                    )
                if mid > lo:
                    nxt = _quad_rows_rms_u(
                        cf, zx[b], of, of, mid, lo, n, nc, c0, nc, d_off, rf, nxt, n_win, opq
                    )
            else:
                if hi > mid:
                    nxt = _quad_rows_rms(
                        cf, zx[b], of, msf, hi, mid, n, nc, c0, 0, c0 - c0, rf, nxt, n_win, opq
                    )
                if mid > lo:
                    nxt = _quad_rows_rms(
                        cf, zx[b], of, of, mid, lo, n, nc, c0, nc, d_off, rf, nxt, n_win, opq
                    )
        slot = nxt
    # first k_off samples: windows [0, s - k_off + n_win), shrinking from the top
    for b in range(nb):
        c0 = np.uint64(b * LANES)
        for j in range(LANES):
            acc[b, j] = zx[b, Z4 + j]
        for s_out in range(k_off - 1, -1, -1):
            p = s_out - k_off + n_win
            if p < n:
                pu = np.uint64(p % n_win)
                for j in range(LANES):
                    acc[b, j] -= ring[b, pu, np.uint64(j)]
            iv = 1.0 / min(p, n)
            so = np.uint64(s_out)
            for j in range(LANES):
                out[so, c0 + np.uint64(j)] = math.sqrt(max(acc[b, j] * iv, 0.0))
    return ok


@jit
def sosfiltfilt_tm(coef, zi, x, out, padlen, rect_in, n_win, k_off):  # type: ignore[no-untyped-def]
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
    """
    n = x.shape[0]
    nc = x.shape[1]
    ns4 = coef.shape[1]
    ng = ns4 // 4
    # a zero LLVM cannot prove to be zero: row offsets XORed with it are opaque to SCEV
    opq = np.uint64(n) >> np.uint64(63)
    if n_win > 0 and ng == 1 and nc % LANES == 0 and not rect_in:
        return _zp_rms_blocks(coef, zi, x, out, padlen, n_win, k_off, opq)
    ok = True
    buf = np.zeros((TILE, LANES))
    ms = np.zeros((TILE, LANES))
    inv = np.empty(TILE)
    tail = np.zeros((max(padlen, 1), LANES))
    ring = np.zeros((max(n_win, 1), LANES))
    acc = np.zeros(LANES)
    z = np.empty((ns4, 2, LANES))
    zx = np.zeros(Z4 + 2 * LANES)  # direct backward kernels: state (one group) + running sums
    xf = x.reshape(x.size)
    of = out.reshape(out.size)
    bf = buf.reshape(buf.size)
    msf = ms.reshape(ms.size)
    rf = ring.reshape(ring.size)
    zf = z.reshape(z.size)
    for b in range(coef.shape[0]):
        c0 = np.uint64(b * LANES)
        w = min(LANES, nc - b * LANES)
        cb = coef[b]
        cf = cb.reshape(cb.size)
        # ---- forward pass: left padding (outputs not needed), signal, right padding (kept)
        for s in range(ns4):
            for k in range(2):
                for j in range(LANES):
                    z[s, k, j] = 0.0
                for j in range(w):
                    z[s, k, j] = zi[b, s, k, j] * _ext_value(
                        x, 0, n, padlen, c0 + np.uint64(j), rect_in
                    )
        for e0 in range(0, padlen, TILE):
            nt = min(TILE, padlen - e0)
            for i in range(nt):
                for j in range(w):
                    buf[i, j] = _ext_value(x, e0 + i, n, padlen, c0 + np.uint64(j), rect_in)
            _filter_buf(cb, z, buf, nt)
        direct = ng == 1 and w == LANES and not rect_in
        uni = direct and _lanes_uniform(cf)
        unit = uni and _unit_tail(cf)
        if unit:
            _quad_rows_u1(cf, zf, xf, of, 0, n, 1, nc, c0, nc, c0, opq)
        elif uni:
            _quad_rows_u(cf, zf, xf, of, 0, n, 1, nc, c0, nc, c0, opq)
        elif direct:
            _quad_rows(cf, zf, xf, of, 0, n, 1, nc, c0, nc, c0, opq)
        else:
            for t0 in range(0, n, TILE):
                nt = min(TILE, n - t0)
                _copy_in(xf, t0, 1, nc, c0, w, bf, nt, rect_in)
                _filter_buf(cb, z, buf, nt)
                _copy_out(bf, nt, of, t0, 1, nc, c0, w)
        for e0 in range(0, padlen, TILE):
            nt = min(TILE, padlen - e0)
            for i in range(nt):
                for j in range(w):
                    buf[i, j] = _ext_value(
                        x, padlen + n + e0 + i, n, padlen, c0 + np.uint64(j), rect_in
                    )
            _filter_buf(cb, z, buf, nt)
            for i in range(nt):
                for j in range(LANES):
                    tail[e0 + i, j] = buf[i, j]
        for j in range(w):
            ok = ok and math.isfinite(tail[padlen - 1, j])
        # ---- backward pass, from zi * y[-1]: right padding, then the signal
        for s in range(ns4):
            for k in range(2):
                for j in range(LANES):
                    z[s, k, j] = zi[b, s, k, j] * tail[padlen - 1, j]
        for i0 in range(0, padlen, TILE):
            nt = min(TILE, padlen - i0)
            for i in range(nt):
                for j in range(LANES):
                    buf[i, j] = tail[padlen - 1 - i0 - i, j]
            _filter_buf(cb, z, buf, nt)
        if n_win == 0:
            for r0 in range(0, n, TILE):
                nt = min(TILE, n - r0)
                _copy_in(of, n - 1 - r0, -1, nc, c0, w, bf, nt, False)
                _filter_buf(cb, z, buf, nt)
                _copy_out(bf, nt, of, n - 1 - r0, -1, nc, c0, w)
            continue
        # ---- backward pass fused with squaring and the moving RMS; output s = t + k_off
        for q in range(rf.size):
            rf[q] = 0.0
        for j in range(LANES):
            acc[j] = 0.0
        slot = (n - 1) % n_win
        if direct:
            for q in range(Z4):
                zx[q] = zf[q]
            for j in range(2 * LANES):
                zx[Z4 + j] = 0.0
            # rows whose output s = t + k_off lies past the end go to a scratch row
            t_mid = max(n - k_off, 0)
            d_off = c0 + np.uint64(k_off * nc)
            if unit:
                slot = _quad_rows_rms_u1(
                    cf, zx, of, msf, n, t_mid, n, nc, c0, 0, c0 - c0, rf, slot, n_win, opq
                )
                slot = _quad_rows_rms_u1(
                    cf, zx, of, of, t_mid, 0, n, nc, c0, nc, d_off, rf, slot, n_win, opq
                )
            elif uni:
                slot = _quad_rows_rms_u(
                    cf, zx, of, msf, n, t_mid, n, nc, c0, 0, c0 - c0, rf, slot, n_win, opq
                )
                slot = _quad_rows_rms_u(
                    cf, zx, of, of, t_mid, 0, n, nc, c0, nc, d_off, rf, slot, n_win, opq
                )
            else:
                slot = _quad_rows_rms(
                    cf, zx, of, msf, n, t_mid, n, nc, c0, 0, c0 - c0, rf, slot, n_win, opq
                )
                slot = _quad_rows_rms(
                    cf, zx, of, of, t_mid, 0, n, nc, c0, nc, d_off, rf, slot, n_win, opq
                )
            for j in range(LANES):
                acc[j] = zx[Z4 + j]
        for r0 in range(0, n if not direct else 0, TILE):
            nt = min(TILE, n - r0)
            _copy_in(of, n - 1 - r0, -1, nc, c0, w, bf, nt, False)
            for i in range(nt):
                t = n - 1 - r0 - i
                inv[i] = 1.0 / (min(t + n_win, n) - t)
            slot = _last_group(cf, zf, bf, nt, ng, rf, acc, slot, -1, n_win, inv, msf)
            # rows whose output sample s = t + k_off lies inside the signal
            skip = max(0, k_off - r0)
            if skip < nt:
                _copy_out(
                    msf[skip * LANES :], nt - skip, of, n - 1 - r0 - skip + k_off, -1, nc, c0, w
                )
        # first k_off samples: windows [0, s - k_off + n_win), shrinking from the top
        for s_out in range(k_off - 1, -1, -1):
            p = s_out - k_off + n_win
            if p < n:
                pu = np.uint64(p % n_win)
                for j in range(LANES):
                    acc[j] -= ring[pu, np.uint64(j)]
            iv = 1.0 / min(p, n)
            so = np.uint64(s_out)
            for j in range(w):
                out[so, c0 + np.uint64(j)] = math.sqrt(max(acc[j] * iv, 0.0))
    return ok


# ----------------------------------------------------------------------------------------------
# envelopes
# ----------------------------------------------------------------------------------------------


@jit
def moving_rms_tm(x, out, n_win, k_off):  # type: ignore[no-untyped-def]
    """Moving RMS with a running add/subtract sum, window ``[s - k_off, s - k_off + n_win)``.

    The window is truncated to the signal at both ends. The sum is recomputed exactly from ``x``
    every ``n_win`` samples, so rounding never accumulates beyond one window (a cumsum drifts with
    recording length). ``out`` must not be ``x``.
    """
    n = x.shape[0]
    nc = x.shape[1]
    acc = np.zeros(nc)
    for t in range(n):
        tu = np.uint64(t)
        if t % n_win == n_win - 1:
            for c in range(nc):
                acc[c] = 0.0
            for i in range(t - n_win + 1, t + 1):
                iu = np.uint64(i)
                for c in range(nc):
                    v = x[iu, np.uint64(c)]
                    acc[c] += v * v
        elif t >= n_win:
            ou = np.uint64(t - n_win)
            for c in range(nc):
                cu = np.uint64(c)
                v = x[tu, cu]
                o = x[ou, cu]
                acc[c] += v * v - o * o
        else:
            for c in range(nc):
                v = x[tu, np.uint64(c)]
                acc[c] += v * v
        s_out = t + k_off - n_win + 1
        if s_out >= 0:
            iv = 1.0 / min(t + 1, n_win)
            so = np.uint64(s_out)
            for c in range(nc):
                out[so, np.uint64(c)] = math.sqrt(max(acc[c] * iv, 0.0))
    # last samples: windows [s - k_off, n), shrinking from the bottom
    for s_out in range(max(n + k_off - n_win + 1, 0), n):
        p = s_out - k_off - 1
        if p >= 0:
            pu = np.uint64(p)
            for c in range(nc):
                o = x[pu, np.uint64(c)]
                acc[c] -= o * o
        iv = 1.0 / (n - max(s_out - k_off, 0))
        so = np.uint64(s_out)
        for c in range(nc):
            out[so, np.uint64(c)] = math.sqrt(max(acc[c] * iv, 0.0))


@jit
def tkeo_tm(x, out):  # type: ignore[no-untyped-def]
    """Teager-Kaiser energy ``x[t]^2 - x[t-1] x[t+1]``; the end samples repeat their neighbours."""
    n = x.shape[0]
    nc = x.shape[1]
    if n < 3:
        for t in range(n):
            for c in range(nc):
                out[t, c] = x[t, c] * x[t, c]
        return
    for t in range(1, n - 1):
        tu = np.uint64(t)
        for c in range(nc):
            cu = np.uint64(c)
            v = x[tu, cu]
            out[tu, cu] = v * v - x[tu - np.uint64(1), cu] * x[tu + np.uint64(1), cu]
    for c in range(nc):
        out[0, c] = out[1, c]
        out[n - 1, c] = out[n - 2, c]
