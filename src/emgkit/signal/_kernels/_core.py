"""The one biquad source and the loop shells built on it (time-major, channels innermost).

Every filter kernel of emgkit runs :func:`_four`: four direct-form-II-transposed sections on one
lane (channel) of one sample. The shells around it differ only in where samples and coefficients
come from:

- tile shells (:func:`_quad`, :func:`_quad_ms`): a small L1-resident ``(TILE, LANES)`` buffer
  filtered in place, the second fused with squaring and a running-sum window;
- row shells (:func:`_rows`, :func:`_rows_rms`): straight from rows of ``src`` into ``dst`` with
  no tile copy, the second backward and fused with the moving RMS. They run the same section
  arithmetic (:func:`_secr`) on eight-lane vectors (:mod:`._vec`) whose filter state is an
  ordinary local variable, so it stays in registers over the time loop instead of being loaded
  and stored on every row (session 6; docs/performance.md).

Coefficients are selected by ``mode``, which the zero-phase top-level kernels pass as a
compile-time constant (numba types it ``Literal[int]`` and prunes the other branches), so only
the specialisation a call needs is compiled, as scipy's fused types do in Cython:

- ``MODE_LANE`` (0): per-lane coefficients ``cf[k * LANES + j]`` (blocks mixing designs);
- ``MODE_UNIFORM`` (1): every lane shares one design: the tile shells load the 20 coefficients
  once into scalars before the time loop (LLVM cannot hoist them itself: stores to the state may
  alias); the row shells broadcast them from memory where they are used (:func:`_kc`);
- ``MODE_UNIT`` (2): uniform, and sections 2-4 have b0 = b2 = 1 (Butterworth band-pass sections
  after the first are ``[1, +-2, 1]``): the constant 1.0 is folded, one multiply less per section.
  ``1 * v`` is exact, so the three modes give the same values bit for bit.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from emgkit.signal._kernels._vec import VW, vload, vsplat, vsqrt0, vstore
from emgkit.signal._numba import NUMBA_ENABLED, jit

LANES = 16
TILE = 128
C4 = 20 * LANES  # flat size of the coefficients of one group of four sections
Z4 = 8 * LANES  # flat size of the state of one group of four sections
PF_ROWS = 16  # software prefetch distance of the backward pass in time rows (see _prefetch_r)

MODE_LANE = 0
MODE_UNIFORM = 1
MODE_UNIT = 2

_prefetch_r: Any  # (arr, idx) -> None; an intrinsic under numba, a no-op without

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
    def _prefetch_r_ir(typingctx, arr, idx):  # type: ignore[no-untyped-def]
        """Hint: element ``idx`` of the 1-D ``arr`` will be read soon (``prefetcht0``)."""
        return nbtypes.void(arr, idx), _prefetch_codegen(0)

    _prefetch_r = _prefetch_r_ir
else:

    def _prefetch_noop(arr: Any, idx: Any) -> None:
        """No-op without numba."""

    _prefetch_r = _prefetch_noop


# ----------------------------------------------------------------------------------------------
# the one biquad source
# ----------------------------------------------------------------------------------------------


@jit(inline="always")
def _secr(v, z0, z1, b0, b1, b2, a1, a2):  # type: ignore[no-untyped-def]
    """One direct-form-II-transposed section on values: ``(y, z0', z1')`` for input ``v``.

    The arithmetic of every filter kernel; it runs on float64 lanes and, unchanged, on the
    eight-lane vectors of :mod:`._vec`. Written ``z0' = (b1 v + z1) - a1 y`` and
    ``z1' = -a2 y + b2 v`` so that, with FMA contraction, LLVM fuses the ``y`` product last: one
    FMA between ``y`` and each new state.
    """
    y = b0 * v + z0
    return y, (b1 * v + z1) - a1 * y, -a2 * y + b2 * v


@jit(inline="always")
def _sec(v, zf, o, j, b0, b1, b2, a1, a2):  # type: ignore[no-untyped-def]
    """:func:`_secr` on lane ``j`` with its state in memory, ``zf[o + j]``, ``zf[o + L + j]``."""
    y, zf[o + j], zf[o + LANES + j] = _secr(v, zf[o + j], zf[o + LANES + j], b0, b1, b2, a1, a2)
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
def _four_r(v, s, c):  # type: ignore[no-untyped-def]
    """:func:`_four` on values: state ``s = (z0, z1)`` of four sections in turn; ``(y, s')``."""
    v, s0, s1 = _secr(v, s[0], s[1], c[0], c[1], c[2], c[3], c[4])
    v, s2, s3 = _secr(v, s[2], s[3], c[5], c[6], c[7], c[8], c[9])
    v, s4, s5 = _secr(v, s[4], s[5], c[10], c[11], c[12], c[13], c[14])
    v, s6, s7 = _secr(v, s[6], s[7], c[15], c[16], c[17], c[18], c[19])
    return v, (s0, s1, s2, s3, s4, s5, s6, s7)


@jit(inline="always")
def _vstate(zf, h):  # type: ignore[no-untyped-def]
    """The state of one group (flat ``(4, 2, LANES)``), lanes ``h .. h + VW - 1``, as vectors."""
    L = LANES
    return (
        vload(zf, h),
        vload(zf, L + h),
        vload(zf, 2 * L + h),
        vload(zf, 3 * L + h),
        vload(zf, 4 * L + h),
        vload(zf, 5 * L + h),
        vload(zf, 6 * L + h),
        vload(zf, 7 * L + h),
    )


@jit(inline="always")
def _vsave(zf, h, s):  # type: ignore[no-untyped-def]
    """Store the vectors ``s`` of :func:`_vstate` back."""
    L = LANES
    vstore(zf, h, s[0])
    vstore(zf, L + h, s[1])
    vstore(zf, 2 * L + h, s[2])
    vstore(zf, 3 * L + h, s[3])
    vstore(zf, 4 * L + h, s[4])
    vstore(zf, 5 * L + h, s[5])
    vstore(zf, 6 * L + h, s[6])
    vstore(zf, 7 * L + h, s[7])


@jit(inline="always")
def _kc(cf, i, h, mode, unit_one):  # type: ignore[no-untyped-def]
    """Coefficient ``i`` (flat ``k * LANES``) of lanes ``h .. h + VW - 1`` as a vector.

    Per lane (``MODE_LANE``) a vector load; shared by all lanes a broadcast of lane 0, or the
    constant 1.0 where ``unit_one`` and ``MODE_UNIT``. Read where it is used, inside the time
    loop: LLVM cannot hoist the load (stores to ``dst`` may alias ``cf``), so a broadcast
    becomes a memory operand of its FMA (``{1to8}``) and takes no register.
    """
    if unit_one and mode == MODE_UNIT:
        return vsplat(1.0)
    if mode == MODE_LANE:
        return vload(cf, i + h)
    return vsplat(cf[i])


@jit(inline="always")
def _kcoefs(cf, h, mode):  # type: ignore[no-untyped-def]
    """The 20 coefficients of one group for lanes ``h .. h + VW - 1`` (:func:`_kc`)."""
    L = LANES
    return (
        _kc(cf, 0, h, mode, False),
        _kc(cf, L, h, mode, False),
        _kc(cf, 2 * L, h, mode, False),
        _kc(cf, 3 * L, h, mode, False),
        _kc(cf, 4 * L, h, mode, False),
        _kc(cf, 5 * L, h, mode, True),
        _kc(cf, 6 * L, h, mode, False),
        _kc(cf, 7 * L, h, mode, True),
        _kc(cf, 8 * L, h, mode, False),
        _kc(cf, 9 * L, h, mode, False),
        _kc(cf, 10 * L, h, mode, True),
        _kc(cf, 11 * L, h, mode, False),
        _kc(cf, 12 * L, h, mode, True),
        _kc(cf, 13 * L, h, mode, False),
        _kc(cf, 14 * L, h, mode, False),
        _kc(cf, 15 * L, h, mode, True),
        _kc(cf, 16 * L, h, mode, False),
        _kc(cf, 17 * L, h, mode, True),
        _kc(cf, 18 * L, h, mode, False),
        _kc(cf, 19 * L, h, mode, False),
    )


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
def _rows(mode, cf, zf, src, dst, t0, n_rows, nc, c0, d_stride, d_off, together, opq):  # type: ignore[no-untyped-def]
    """Four sections straight from rows ``t0 .. t0 + n_rows - 1`` of ``src`` into ``dst``.

    Row ``t`` of the flat time-major ``src`` (``nc`` columns, block at column ``c0``, a full block
    of ``LANES`` columns) is filtered into flat index ``t * d_stride + d_off + j`` of ``dst``.
    ``mode``: coefficient mode (module docstring), a compile-time constant. The block is
    ``LANES // VW = 2`` vectors of :mod:`._vec` whose state stays in registers over the rows:
    ``together``, both in each row (16 state registers; best with one block, W1 forward pass
    15 -> 9 ns per row in one process); otherwise one vector after the other over the rows
    (8 state registers; best when several blocks share a tile: W2 forward pass 40 -> 25 ns per
    block-row). ``opq``: a zero LLVM cannot prove to be zero (row indices are XORed with it; see
    the package docstring).
    """
    ncu = np.uint64(nc)
    dsu = np.uint64(d_stride)
    h = np.uint64(VW)
    if together:
        sa = _vstate(zf, 0)
        sb = _vstate(zf, VW)
        for i in range(n_rows):
            t = np.uint64(t0 + i) ^ opq
            r = t * ncu + c0
            d = t * dsu + np.uint64(d_off)
            ya, sa = _four_r(vload(src, r), sa, _kcoefs(cf, 0, mode))
            yb, sb = _four_r(vload(src, r + h), sb, _kcoefs(cf, VW, mode))
            vstore(dst, d, ya)
            vstore(dst, d + h, yb)
        _vsave(zf, 0, sa)
        _vsave(zf, VW, sb)
        return
    for hh in range(0, LANES, VW):
        hu = np.uint64(hh)
        s = _vstate(zf, hh)
        for i in range(n_rows):
            t = np.uint64(t0 + i) ^ opq
            r = t * ncu + c0 + hu
            d = t * dsu + np.uint64(d_off) + hu
            y, s = _four_r(vload(src, r), s, _kcoefs(cf, hh, mode))
            vstore(dst, d, y)
        _vsave(zf, hh, s)


@jit(fastmath={"contract"}, error_model="numpy")
def _rows_rms(  # type: ignore[no-untyped-def]
    mode, cf, zf, src, dst, t_hi, t_lo, n, nc, c0, d_stride, d_off, ring, slot, nw, invt, opq
):
    """Backward rows ``t = t_hi - 1 .. t_lo`` of ``src``: four sections, square, running sum, RMS.

    The RMS of the window ``[t, min(t + nw, n))`` goes to flat index ``t * d_stride + d_off + j``
    of ``dst``. ``zf`` holds the filter state (``8 * LANES``), the running sums of the window
    (``LANES``) and the sums of the squares since the last resync (``LANES``); one vector's worth
    of each is held in registers over the rows, vector after vector (as :func:`_rows`).
    ``invt[m] = 1.0 / m`` for ``m = 1 .. nw`` (a lookup instead of a division per row, which
    LLVM would execute on every row; the divider also takes the square roots). Same slot
    schedule as :func:`_quad_ms` with ``step = -1``, but at a resync the window sum is replaced
    by the second sum, which then holds exactly the ``nw`` squares in the ring (added in time
    order): an exact recomputation every window without re-reading the ring. Returns the next
    slot.
    """
    L = LANES
    ncu = np.uint64(nc)
    dsu = np.uint64(d_stride)
    zero = vsplat(0.0)
    slot0 = slot
    for h in range(0, LANES, VW):
        hu = np.uint64(h)
        s = _vstate(zf, h)
        acc = vload(zf, 8 * L + h)
        cyc = vload(zf, 9 * L + h)
        slot = slot0
        for ti in range(t_hi - 1, t_lo - 1, -1):
            t = np.uint64(ti) ^ opq
            r = t * ncu + c0 + hu
            d = t * dsu + np.uint64(d_off) + hu
            br = np.uint64(slot) * np.uint64(L) + hu
            if ti >= PF_ROWS:
                q = np.uint64(ti - PF_ROWS) * ncu + c0 + hu
                _prefetch_r(src, q)
                _prefetch_r(src, q + np.uint64(VW - 1))
            y, s = _four_r(vload(src, r), s, _kcoefs(cf, h, mode))
            sq = y * y
            acc = acc + (sq - vload(ring, br))
            vstore(ring, br, sq)
            cyc = cyc + sq
            vstore(dst, d, vsqrt0(acc * invt[min(n - ti, nw)]))
            if slot == 0:
                acc = cyc
                cyc = zero
                slot = nw
            slot -= 1
        _vsave(zf, h, s)
        vstore(zf, 8 * L + h, acc)
        vstore(zf, 9 * L + h, cyc)
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
