"""The one biquad source and the loop shells built on it (time-major, channels innermost).

Every filter kernel of emgkit runs :func:`_four`: four direct-form-II-transposed sections on one
lane (channel) of one sample. The shells around it differ only in where samples and coefficients
come from:

- tile shells (:func:`_quad`, :func:`_quad_ms`): a small L1-resident ``(TILE, LANES)`` buffer
  filtered in place, the second fused with squaring and a running-sum window;
- row shells (:func:`_rows`, :func:`_rows_rms`): straight from rows of ``src`` into ``dst`` with
  no tile copy, the second backward and fused with the moving RMS.

Coefficients are selected by ``mode``, which the zero-phase top-level kernels pass as a
compile-time constant (numba types it ``Literal[int]`` and prunes the other branches), so only
the specialisation a call needs is compiled, as scipy's fused types do in Cython:

- ``MODE_LANE`` (0): per-lane coefficients ``cf[k * LANES + j]`` (blocks mixing designs);
- ``MODE_UNIFORM`` (1): every lane shares one design: the 20 coefficients are loaded once
  into scalars before the time loop (LLVM cannot hoist them itself: stores to the state may alias);
- ``MODE_UNIT`` (2): uniform, and sections 2-4 have b0 = b2 = 1 (Butterworth band-pass sections
  after the first are ``[1, +-2, 1]``): the constant 1.0 is folded, one multiply less per section.
  ``1 * v`` is exact, so the three modes give the same values bit for bit.
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
PF_ROWS = 16  # software prefetch distance in time rows (see _prefetch_w)

MODE_LANE = 0
MODE_UNIFORM = 1
MODE_UNIT = 2

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


# ----------------------------------------------------------------------------------------------
# the one biquad source
# ----------------------------------------------------------------------------------------------


@jit(inline="always")
def _sec(v, zf, o, j, b0, b1, b2, a1, a2):  # type: ignore[no-untyped-def]
    """One direct-form-II-transposed section on lane ``j``, state ``zf[o + j]``, ``zf[o + L + j]``.

    Written ``z0 = (b1 v + z1) - a1 y`` and ``z1 = -a2 y + b2 v`` so that, with FMA contraction,
    LLVM fuses the ``y`` product last: one FMA between ``y`` and each stored state.
    """
    y = b0 * v + zf[o + j]
    zf[o + j] = (b1 * v + zf[o + LANES + j]) - a1 * y
    zf[o + LANES + j] = -a2 * y + b2 * v
    return y


@jit(inline="always")
def _four(v, zf, j, c):  # type: ignore[no-untyped-def]
    """Four sections in a row on lane ``j``; ``c`` holds their 20 coefficients (b0 b1 b2 a1 a2)."""
    L = LANES
    v = _sec(v, zf, 0, j, c[0], c[1], c[2], c[3], c[4])
    v = _sec(v, zf, 2 * L, j, c[5], c[6], c[7], c[8], c[9])
    v = _sec(v, zf, 4 * L, j, c[10], c[11], c[12], c[13], c[14])
    return _sec(v, zf, 6 * L, j, c[15], c[16], c[17], c[18], c[19])


@jit(inline="always")
def _coefs(cf, j, unit):  # type: ignore[no-untyped-def]
    """The 20 coefficients of lane ``j`` of the group ``cf`` (``unit``: b0 = b2 = 1 in s2-s4)."""
    L = LANES
    one = 1.0
    return (
        cf[j],
        cf[L + j],
        cf[2 * L + j],
        cf[3 * L + j],
        cf[4 * L + j],
        one if unit else cf[5 * L + j],
        cf[6 * L + j],
        one if unit else cf[7 * L + j],
        cf[8 * L + j],
        cf[9 * L + j],
        one if unit else cf[10 * L + j],
        cf[11 * L + j],
        one if unit else cf[12 * L + j],
        cf[13 * L + j],
        cf[14 * L + j],
        one if unit else cf[15 * L + j],
        cf[16 * L + j],
        one if unit else cf[17 * L + j],
        cf[18 * L + j],
        cf[19 * L + j],
    )


# ----------------------------------------------------------------------------------------------
# tile shells (per-lane coefficients, in place on an L1-resident buffer)
# ----------------------------------------------------------------------------------------------


@jit(fastmath={"contract"})
def _quad(cf, zf, bf, nt):  # type: ignore[no-untyped-def]
    """Filter the tile ``bf`` (flat ``(nt, LANES)``) in place through four sections.

    ``cf``: flat coefficients ``(4, 5, LANES)``; ``zf``: flat state ``(4, 2, LANES)`` (views of
    one group of four sections). Flat 1-D arrays with explicit offsets are what LLVM vectorises
    here (2-D/3-D indexing of the same loop stayed scalar: 240 vs 920 M samples/s in L1).
    """
    for t in range(nt):
        bt = t * LANES
        for j in range(LANES):
            bf[bt + j] = _four(bf[bt + j], zf, j, _coefs(cf, j, False))


@jit(inline="always")
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
            y = _four(bf[bt + j], zf, j, _coefs(cf, j, False))
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


@jit
def _filter_buf(cb, z, buf, nt):  # type: ignore[no-untyped-def]
    """All groups of four sections of block coefficients ``cb`` over the tile ``buf``."""
    cf = cb.reshape(cb.size)
    zf = z.reshape(z.size)
    bf = buf.reshape(buf.size)
    for g in range(cb.shape[0] // 4):
        _quad(cf[g * C4 : (g + 1) * C4], zf[g * Z4 : (g + 1) * Z4], bf, nt)


# ----------------------------------------------------------------------------------------------
# row shells (full blocks of LANES channels, no tile copy)
# ----------------------------------------------------------------------------------------------


@jit(fastmath={"contract"})
def _rows(mode, cf, zf, src, dst, t0, n_rows, nc, c0, d_stride, d_off, opq):  # type: ignore[no-untyped-def]
    """Four sections straight from rows ``t0 .. t0 + n_rows - 1`` of ``src`` into ``dst``.

    Row ``t`` of the flat time-major ``src`` (``nc`` columns, block at column ``c0``, a full block
    of ``LANES`` columns) is filtered into flat index ``t * d_stride + d_off + j`` of ``dst``.
    ``mode``: coefficient mode (module docstring), a compile-time constant. ``opq``: a zero LLVM
    cannot prove to be zero (row indices are XORed with it; see the package docstring).
    """
    L = LANES
    kt = _coefs(cf, 0, mode == MODE_UNIT)
    ncu = np.uint64(nc)
    dsu = np.uint64(d_stride)
    dsz = dst.size
    for i in range(n_rows):
        t = np.uint64(t0 + i) ^ opq
        r = t * ncu + c0
        d = t * dsu + np.uint64(d_off)
        if d_stride > 0:
            q = np.uint64(t0 + i + PF_ROWS) * dsu + np.uint64(d_off)
            if q + np.uint64(8) < dsz:
                _prefetch_w(dst, q)
                _prefetch_w(dst, q + np.uint64(8))
        for j in range(L):
            ju = np.uint64(j)
            if mode == MODE_LANE:
                dst[d + ju] = _four(src[r + ju], zf, j, _coefs(cf, j, False))
            else:
                dst[d + ju] = _four(src[r + ju], zf, j, kt)


@jit(fastmath={"contract"}, error_model="numpy")
def _rows_rms(  # type: ignore[no-untyped-def]
    mode, cf, zf, src, dst, t_hi, t_lo, n, nc, c0, d_stride, d_off, ring, slot, nw, opq
):
    """Backward rows ``t = t_hi - 1 .. t_lo`` of ``src``: four sections, square, running sum, RMS.

    The RMS of the window ``[t, min(t + nw, n))`` goes to flat index ``t * d_stride + d_off + j``
    of ``dst``. ``zf`` holds the filter state (``8 * LANES``), the running sums of the window
    (``LANES``) and the sums of the squares since the last resync (``LANES``): one array instead
    of three, so fewer runtime alias checks per row (W1 -1.3 ms). Same slot schedule as
    :func:`_quad_ms` with ``step = -1``, but at a resync the window sum is replaced by the second
    sum, which then holds exactly the ``nw`` squares in the ring (added in time order): an exact
    recomputation every window without re-reading the ring (W1 -3 ms). Returns the next slot.
    """
    L = LANES
    kt = _coefs(cf, 0, mode == MODE_UNIT)
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
            if mode == MODE_LANE:
                y = _four(src[r + ju], zf, j, _coefs(cf, j, False))
            else:
                y = _four(src[r + ju], zf, j, kt)
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


# ----------------------------------------------------------------------------------------------
# copies between time-major arrays and tiles
# ----------------------------------------------------------------------------------------------


@jit(inline="always")
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


@jit(inline="always")
def _copy_out(bf, nt, of, row0, step, nc, c0, w):  # type: ignore[no-untyped-def]
    """``out[row0 + i * step, c0 : c0 + w] = bf[i, :w]`` on flat views."""
    for i in range(nt):
        r = np.uint64((row0 + i * step) * nc) + c0
        o = np.uint64(i * LANES)
        for j in range(w):
            of[r + np.uint64(j)] = bf[o + np.uint64(j)]


@jit(inline="always")
def _sqrt_rows(flat, nt):  # type: ignore[no-untyped-def]
    """``ms[:nt] = sqrt(max(ms, 0))`` over a flat, vectorisable loop."""
    for q in range(nt * LANES):
        flat[q] = np.sqrt(max(flat[q], 0.0))


@jit(inline="always")
def _last_group(cf, zf, bf, nt, ng, rf, acc, slot, step, nw, inv, msf):  # type: ignore[no-untyped-def]
    """All groups of four sections, the last fused with the running sum; then the square root.

    Inlined with :func:`_quad_ms` and :func:`_sqrt_rows` into its callers (numba IR inlining:
    they run under the caller's ``fastmath={"contract"}, error_model="numpy"``): array views
    passed across a compiled call cost a reference-count pair each, about 0.55 us per
    one-sample live call for the ten views here.
    """
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


@jit(fastmath={"reassoc"})
def all_finite(x):  # type: ignore[no-untyped-def]
    """True if ``x`` holds no NaN/inf: one vectorised read, no temporary array.

    ``v * 0.0`` is NaN exactly for NaN/inf; only reassociation is allowed (no ``nnan``/``ninf``,
    which would let LLVM drop the test), so the sum can be split over vector lanes.
    """
    flat = x.reshape(x.size)
    acc = 0.0
    for q in range(flat.size):
        acc += flat[q] * 0.0
    return acc == 0.0
