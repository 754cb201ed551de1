"""Zero-phase filtering (``scipy.signal.sosfiltfilt``), optionally fused with the moving RMS.

The top-level kernels are made by two factories whose arguments are compile-time constants of
the closure (``DIRECT``: the coefficient mode of the direct row kernels, or -1 for tile path only;
``RMS``: fuse the moving RMS). numba prunes the branches of the other values before typing, so a
call compiles only what it runs: an 8-channel recording never compiles the row kernels, a filter
without RMS never compiles the fused RMS. Each specialisation is made once per process
(:func:`zp_blocks`, :func:`zp_wide` are cached) and cached on disk by numba (the index key holds
the closure constants, so specialisations do not collide).
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from emgkit.signal._kernels._core import (
    LANES,
    TILE,
    Z4,
    _copy_in,
    _copy_out,
    _filter_buf,
    _last_group,
    _rows,
    _rows_rms,
)
from emgkit.signal._numba import jit

ROWS = 1024  # time rows per tile of zp_wide with one block (128 KB of x; see zp_wide)
WIDE_ROWS = 256  # time rows per tile of zp_wide with several blocks (see zp_wide)


@jit(inline="always")
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


@jit
def _pad_forward(cb, z, zib, x, buf, n, padlen, c0, w, rect_in):  # type: ignore[no-untyped-def]
    """Forward state from ``zi * ext[0]``, then run through the left padding (outputs unused)."""
    for s in range(cb.shape[0]):
        for k in range(2):
            for j in range(LANES):
                z[s, k, j] = 0.0
            for j in range(w):
                z[s, k, j] = zib[s, k, j] * _ext_value(x, 0, n, padlen, c0 + np.uint64(j), rect_in)
    for e0 in range(0, padlen, TILE):
        nt = min(TILE, padlen - e0)
        for i in range(nt):
            for j in range(w):
                buf[i, j] = _ext_value(x, e0 + i, n, padlen, c0 + np.uint64(j), rect_in)
        _filter_buf(cb, z, buf, nt)


@jit
def _pad_turn(cb, z, zib, x, buf, tail, n, padlen, c0, w, rect_in):  # type: ignore[no-untyped-def]
    """Run forward through the right padding (kept in ``tail``), then back from ``zi * y[-1]``.

    The backward state starts at ``zi * y[-1]`` and is run back through the padding. Returns
    True if the last forward output is finite in every lane (see
    :func:`emgkit.signal._kernels.sosfiltfilt_tm`).
    """
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
    ok = True
    for j in range(w):
        ok = ok and math.isfinite(tail[padlen - 1, j])
    for s in range(cb.shape[0]):
        for k in range(2):
            for j in range(LANES):
                z[s, k, j] = zib[s, k, j] * tail[padlen - 1, j]
    for i0 in range(0, padlen, TILE):
        nt = min(TILE, padlen - i0)
        for i in range(nt):
            for j in range(LANES):
                buf[i, j] = tail[padlen - 1 - i0 - i, j]
        _filter_buf(cb, z, buf, nt)
    return ok


@jit
def _head_rms(out, acc, ring, n, n_win, k_off, c0, w):  # type: ignore[no-untyped-def]
    """First ``k_off`` outputs: windows ``[0, s - k_off + n_win)``, shrinking from the top."""
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


@jit
def _inv_table(n_win):  # type: ignore[no-untyped-def]
    """``1.0 / m`` at index ``m = 1 .. n_win`` (index 0 unused) for the direct RMS kernels."""
    t = np.ones(max(n_win, 1) + 1)
    for m in range(1, n_win + 1):
        t[m] = 1.0 / m
    return t


@functools.cache
def zp_blocks(direct: int, rms: bool) -> Any:
    """The block-by-block zero-phase kernel specialised for ``direct`` and ``rms``.

    ``direct``: coefficient mode of the full ``LANES``-channel blocks of a one-group design
    (``MODE_*``), filtered by the direct row kernels; -1: every block takes the tile path.
    ``rms``: the backward pass is fused with squaring and the moving RMS.
    """
    DIRECT = direct
    RMS = rms

    @jit(fastmath={"contract"}, error_model="numpy")  # for the inlined _last_group
    def kernel(coef, zi, x, out, padlen, rect_in, n_win, k_off):  # type: ignore[no-untyped-def]
        n = x.shape[0]
        nc = x.shape[1]
        ns4 = coef.shape[1]
        ng = ns4 // 4
        opq = np.uint64(n) >> np.uint64(63)  # a zero LLVM cannot prove: see the package docstring
        zero = n - n  # an int64 zero, not a literal (one compiled signature per callee)
        ok = True
        buf = np.zeros((TILE, LANES))
        ms = np.zeros((TILE, LANES))
        inv = np.empty(TILE)
        tail = np.zeros((max(padlen, 1), LANES))
        ring = np.zeros((max(n_win, 1), LANES))
        acc = np.zeros(LANES)
        z = np.empty((ns4, 2, LANES))
        zx = np.zeros(Z4 + 2 * LANES)  # direct backward kernels: state (one group) + running sums
        invt = _inv_table(n_win)
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
            _pad_forward(cb, z, zi[b], x, buf, n, padlen, c0, w, rect_in)
            if DIRECT >= 0 and w == LANES:
                _rows(DIRECT, cf, zf, xf, of, zero, n, nc, c0, nc, c0, True, opq)
            else:
                for t0 in range(0, n, TILE):
                    nt = min(TILE, n - t0)
                    _copy_in(xf, t0, 1, nc, c0, w, bf, nt, rect_in)
                    _filter_buf(cb, z, buf, nt)
                    _copy_out(bf, nt, of, t0, 1, nc, c0, w)
            ok = _pad_turn(cb, z, zi[b], x, buf, tail, n, padlen, c0, w, rect_in) and ok
            if not RMS:
                for r0 in range(0, n, TILE):
                    nt = min(TILE, n - r0)
                    _copy_in(of, n - 1 - r0, -1, nc, c0, w, bf, nt, False)
                    _filter_buf(cb, z, buf, nt)
                    _copy_out(bf, nt, of, n - 1 - r0, -1, nc, c0, w)
                continue
            # backward pass fused with squaring and the moving RMS; output s = t + k_off
            for q in range(rf.size):
                rf[q] = 0.0
            for j in range(LANES):
                acc[j] = 0.0
            slot = (n - 1) % n_win
            if DIRECT >= 0 and w == LANES:
                for q in range(Z4):
                    zx[q] = zf[q]
                for j in range(2 * LANES):
                    zx[Z4 + j] = 0.0
                # rows whose output s = t + k_off lies past the end go to a scratch row
                t_mid = max(n - k_off, 0)
                d_off = c0 + np.uint64(k_off * nc)
                slot = _rows_rms(
                    DIRECT,
                    cf,
                    zx,
                    of,
                    msf,
                    n,
                    t_mid,
                    n,
                    nc,
                    c0,
                    zero,
                    c0 - c0,
                    rf,
                    slot,
                    n_win,
                    invt,
                    opq,
                )
                slot = _rows_rms(
                    DIRECT,
                    cf,
                    zx,
                    of,
                    of,
                    t_mid,
                    zero,
                    n,
                    nc,
                    c0,
                    nc,
                    d_off,
                    rf,
                    slot,
                    n_win,
                    invt,
                    opq,
                )
                for j in range(LANES):
                    acc[j] = zx[Z4 + j]
            else:
                for r0 in range(0, n, TILE):
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
                            msf[skip * LANES :],
                            nt - skip,
                            of,
                            n - 1 - r0 - skip + k_off,
                            -1,
                            nc,
                            c0,
                            w,
                        )
            _head_rms(out, acc, ring, n, n_win, k_off, c0, w)
        return ok

    return kernel


@functools.cache
def zp_wide(mode: int, rms: bool = True) -> Any:
    """Zero-phase + moving RMS over full blocks of one group, tile by tile across all blocks.

    Same arithmetic in the same order per channel as :func:`zp_blocks`, but the signal part of
    each pass goes a tile of rows at a time over all blocks, so every row of ``x`` / ``out`` is
    read whole and sequentially (a block-by-block pass over 64 channels reads a quarter of each
    row, 4 times over). A tile holds about 128 KB of ``x`` (L2-resident while the blocks and
    the row kernels' two vectors per block take turns): ``WIDE_ROWS = 256`` rows with several
    blocks, ``ROWS = 1024`` rows with one. Chosen with the register-state row kernels of
    session 6 (docs/performance.md): W2-shaped 64 ch x 4 kHz x 3 min, one process, CPU medians
    of 5 alternating calls into an existing output, load 3: 16 rows 182 ms, 64 rows 143, 256
    rows 130 (another run: 135; 512 rows 150, 1024 rows 153); W1 one block, 64-row tiles
    39-41 ms, 256 rows 36-38, 1024 rows 34-35.
    ``mode``: coefficient mode shared by all blocks. ``rms``: the backward pass is fused with
    squaring and the moving RMS; without it (``preprocess``, ``sosfiltfilt`` of several blocks)
    the backward pass filters in place through the tile copy, as :func:`zp_blocks`, tile by tile
    across the blocks too.
    """
    MODE = mode
    RMS = rms

    @jit
    def kernel(coef, zi, x, out, padlen, rect_in, n_win, k_off):  # type: ignore[no-untyped-def]
        n = x.shape[0]
        nc = x.shape[1]
        nb = coef.shape[0]
        ns4 = coef.shape[1]
        opq = np.uint64(n) >> np.uint64(63)
        zero = n - n
        lanes = zero + LANES  # non-literal, as in zp_blocks: the helpers compile once
        buf = np.zeros((TILE, LANES))
        ms = np.zeros((TILE, LANES))
        tail = np.zeros((max(padlen, 1), LANES))
        ring = np.zeros((nb, n_win, LANES))
        acc = np.zeros((nb, LANES))
        z = np.empty((nb, ns4, 2, LANES))
        zx = np.zeros((nb, Z4 + 2 * LANES))
        invt = _inv_table(n_win)
        xf = x.reshape(x.size)
        of = out.reshape(out.size)
        msf = ms.reshape(ms.size)
        for b in range(nb):
            _pad_forward(
                coef[b], z[b], zi[b], x, buf, n, padlen, np.uint64(b * LANES), lanes, rect_in
            )
        step = WIDE_ROWS if nb > 1 else ROWS
        for t0 in range(0, n, step):
            nt = min(step, n - t0)
            for b in range(nb):
                c0 = np.uint64(b * LANES)
                cf = coef[b].reshape(coef[b].size)
                zf = z[b].reshape(z[b].size)
                _rows(MODE, cf, zf, xf, of, t0, nt, nc, c0, nc, c0, nb == 1, opq)
        ok = True
        if not RMS:
            for b in range(nb):
                c0 = np.uint64(b * LANES)
                ok = (
                    _pad_turn(coef[b], z[b], zi[b], x, buf, tail, n, padlen, c0, lanes, rect_in)
                    and ok
                )
            bstep = min(step, TILE)
            bf = buf.reshape(buf.size)
            for hi in range(n, 0, -bstep):
                nt = hi - max(hi - bstep, 0)
                for b in range(nb):
                    c0 = np.uint64(b * LANES)
                    _copy_in(of, hi - 1, -1, nc, c0, lanes, bf, nt, False)
                    _filter_buf(coef[b], z[b], buf, nt)
                    _copy_out(bf, nt, of, hi - 1, -1, nc, c0, lanes)
            return ok
        for b in range(nb):
            c0 = np.uint64(b * LANES)
            ok = _pad_turn(coef[b], z[b], zi[b], x, buf, tail, n, padlen, c0, lanes, rect_in) and ok
            # backward state of the direct RMS kernels: filter state, then the running sums (zero)
            zb = z[b].reshape(z[b].size)
            for q in range(Z4):
                zx[b, q] = zb[q]
        # backward pass fused with the RMS, tile by tile from the end; output s = t + k_off
        t_mid = max(n - k_off, 0)
        slot = (n - 1) % n_win
        for hi in range(n, 0, -step):
            lo = max(hi - step, 0)
            nxt = slot
            mid = min(max(lo, t_mid), hi)
            for b in range(nb):
                c0 = np.uint64(b * LANES)
                cf = coef[b].reshape(coef[b].size)
                rf = ring[b].reshape(ring[b].size)
                d_off = c0 + np.uint64(k_off * nc)
                nxt = slot
                if hi > mid:  # outputs past the end go to a scratch row
                    nxt = _rows_rms(
                        MODE,
                        cf,
                        zx[b],
                        of,
                        msf,
                        hi,
                        mid,
                        n,
                        nc,
                        c0,
                        zero,
                        c0 - c0,
                        rf,
                        nxt,
                        n_win,
                        invt,
                        opq,
                    )
                if mid > lo:
                    nxt = _rows_rms(
                        MODE,
                        cf,
                        zx[b],
                        of,
                        of,
                        mid,
                        lo,
                        n,
                        nc,
                        c0,
                        nc,
                        d_off,
                        rf,
                        nxt,
                        n_win,
                        invt,
                        opq,
                    )
            slot = nxt
        for b in range(nb):
            c0 = np.uint64(b * LANES)
            for j in range(LANES):
                acc[b, j] = zx[b, Z4 + j]
            _head_rms(out, acc[b], ring[b], n, n_win, k_off, c0, lanes)
        return ok

    return kernel
