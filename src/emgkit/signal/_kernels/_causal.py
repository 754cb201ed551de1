"""Causal kernels: sosfilt, the streaming filter and envelope, moving RMS and TKEO.

All of them use the tile shells of :mod:`._core` (per-lane coefficients, in place on an
L1-resident tile), so the streaming and one-shot causal results are the same code path.
"""

from __future__ import annotations

import math

import numpy as np

from emgkit.signal._kernels._core import (
    LANES,
    TILE,
    _copy_in,
    _copy_out,
    _filter_buf,
    _last_group,
    _sec,
    all_finite,
)
from emgkit.signal._numba import jit


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
    if not all_finite(x):
        return False
    sosfilt_tm(coef, state, x, out, buf)
    return True


@jit(fastmath={"contract"}, error_model="numpy", inline="always")
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
    if not all_finite(x):
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


SMALL_SIZE = 64
"""Chunks of at most this many channel-samples take the direct path of :func:`stream_envelope_ws`.

Measured on 8 channels (process CPU time per call, load about 4): 1 to 8 samples per chunk
0.57-0.96 us direct, 1.17-1.46 us through the tile kernel from 3 samples up.
"""


@jit(fastmath={"contract"}, error_model="numpy", inline="always")
def _envelope_rows(ws, iw, x, out):  # type: ignore[no-untyped-def]
    """:func:`stream_envelope_tm` for a few rows, straight on the flat workspace.

    The live path's one-sample call: no array view, no tile copy, only the channels that exist
    (the tile path filters all ``LANES`` lanes of a block and copies through ``buf`` / ``ms``).
    Per channel the same operations in the same order as the tile path (:func:`._core._sec`
    through every section, square, running sum, the resync of :func:`._core._quad_ms` with
    ``step = 1``, ``sqrt(max(sum * inv, 0))``), so the output and the state of every channel
    are bit-identical; the padding lanes and the scratch of the tile path are not touched
    (they never reach an output). Returns False (nothing changed) if ``x`` holds NaN/inf.
    """
    L = np.uint64(LANES)
    n = x.shape[0]
    nc = x.shape[1]
    for t in range(n):
        for c in range(nc):
            if not math.isfinite(x[t, c]):
                return False
    nb = iw[0]
    ns4 = iw[1]
    nw = iw[2]
    p0 = iw[4]
    o1 = np.uint64(nb * ns4 * 5 * LANES)
    o2 = o1 + np.uint64(nb * ns4 * 2 * LANES)
    o3 = o2 + np.uint64(nb * nw * LANES)
    for b in range(nb):
        c0 = b * LANES
        w = min(LANES, nc - c0)
        bu = np.uint64(b)
        cb = bu * np.uint64(ns4 * 5 * LANES)
        sb = o1 + bu * np.uint64(ns4 * 2 * LANES)
        rb = o2 + bu * np.uint64(nw * LANES)
        ab = o3 + bu * L
        slot = p0 % nw
        for t in range(n):
            tu = np.uint64(t)
            it = 1.0 / min(p0 + t + 1, nw)
            br = rb + np.uint64(slot) * L
            for j in range(w):
                ju = np.uint64(j)
                v = x[tu, np.uint64(c0 + j)]
                for s in range(ns4):
                    su = np.uint64(s)
                    k = cb + su * np.uint64(5 * LANES) + ju
                    v = _sec(
                        v,
                        ws,
                        sb + su * np.uint64(2 * LANES),
                        ju,
                        ws[k],
                        ws[k + L],
                        ws[k + np.uint64(2 * LANES)],
                        ws[k + np.uint64(3 * LANES)],
                        ws[k + np.uint64(4 * LANES)],
                    )
                sq = v * v
                a = ws[ab + ju] + (sq - ws[br + ju])
                ws[br + ju] = sq
                ws[ab + ju] = a
                out[tu, np.uint64(c0 + j)] = np.sqrt(max(a * it, 0.0))
            if slot == nw - 1:
                for j in range(w):
                    ws[ab + np.uint64(j)] = 0.0
                for i in range(nw):
                    bi = rb + np.uint64(i) * L
                    for j in range(w):
                        ws[ab + np.uint64(j)] += ws[bi + np.uint64(j)]
            slot += 1
            if slot == nw:
                slot = 0
    iw[4] = p0 + n
    return True


@jit(fastmath={"contract"}, error_model="numpy")
def _envelope_tiles_ws(ws, iw, x, out):  # type: ignore[no-untyped-def]
    """:func:`stream_envelope_tm` (inlined) on the views of the packed workspace."""
    nb = iw[0]
    ns4 = iw[1]
    nw = iw[2]
    o1 = nb * ns4 * 5 * LANES
    o2 = o1 + nb * ns4 * 2 * LANES
    o3 = o2 + nb * nw * LANES
    o4 = o3 + nb * LANES
    o5 = o4 + TILE * LANES
    o6 = o5 + TILE * LANES
    return stream_envelope_tm(
        ws[:o1].reshape((nb, ns4, 5, LANES)),
        ws[o1:o2].reshape((nb, ns4, 2, LANES)),
        ws[o2:o3].reshape((nb, nw, LANES)),
        ws[o3:o4].reshape((nb, LANES)),
        iw[4:5],
        x,
        out,
        ws[o4:o5].reshape((TILE, LANES)),
        ws[o5:o6].reshape((TILE, LANES)),
        ws[o6 : o6 + TILE],
    )


@jit(fastmath={"contract"}, error_model="numpy")
def stream_envelope_ws(ws, iw, x, out):  # type: ignore[no-untyped-def]
    """:func:`stream_envelope_tm` on one packed workspace: the live path's lean call.

    ``iw`` = ``[n_blocks, ns4, n_win, n_channels, samples seen]`` (int64; the count is updated);
    ``ws`` holds, flat and in this order, ``coef`` (nb, ns4, 5, LANES), ``state`` (nb, ns4, 2,
    LANES), ``ring`` (nb, n_win, LANES), ``acc`` (nb, LANES), ``buf`` and ``ms`` (TILE, LANES) and
    ``inv`` (TILE) (see :func:`envelope_workspace`). Four array arguments instead of ten: numba's
    per-call cost is mostly unboxing arguments. Chunks of up to :data:`SMALL_SIZE` channel-samples
    run :func:`_envelope_rows` (inlined: no view, no compiled call); longer ones the tile kernel
    :func:`_envelope_tiles_ws`, a separate compiled function so that its views' reference counting
    stays out of the one-sample path (about 0.03 us of a one-sample call). Each array
    view passed across a compiled call costs a reference-count pair (measured 0.55 us for ten),
    which is why :func:`stream_envelope_tm` and its helpers but the finite check are inlined
    into the tile kernel. Returns 0, 1 if ``x`` holds NaN/inf (nothing changed), 2 if ``x`` /
    ``out`` do not have ``n_channels`` columns and the same shape.
    """
    if x.shape[1] != iw[3] or out.shape[0] != x.shape[0] or out.shape[1] != x.shape[1]:
        return 2
    if x.size <= SMALL_SIZE:
        ok = _envelope_rows(ws, iw, x, out)
    else:
        ok = _envelope_tiles_ws(ws, iw, x, out)
    return 0 if ok else 1


@jit
def stream_filter_ws(ws, iw, x, out):  # type: ignore[no-untyped-def]
    """Run :func:`stream_filter_tm` on one packed workspace.

    The workspace holds ``coef``, ``state`` and ``buf`` (see :func:`stream_envelope_ws`);
    ``iw`` = ``[n_blocks, ns4, 0, n_channels, 0]``. Same returns as :func:`stream_filter_tm`.
    """
    nb = iw[0]
    ns4 = iw[1]
    if x.shape[1] != iw[3] or out.shape[0] != x.shape[0] or out.shape[1] != x.shape[1]:
        return 2
    o1 = nb * ns4 * 5 * LANES
    o2 = o1 + nb * ns4 * 2 * LANES
    ok = stream_filter_tm(
        ws[:o1].reshape((nb, ns4, 5, LANES)),
        ws[o1:o2].reshape((nb, ns4, 2, LANES)),
        x,
        out,
        ws[o2 : o2 + TILE * LANES].reshape((TILE, LANES)),
    )
    return 0 if ok else 1


def envelope_workspace(
    coef: np.ndarray, n_win: int, n_channels: int
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Packed ``(ws, iw)`` for :func:`stream_envelope_ws`, from rest, with named views.

    With ``n_win = 0`` the workspace is for :func:`stream_filter_ws`. The named views into
    ``ws`` (``coef``, ``state``, ``ring``, ``acc``) are for resetting and inspection.
    """
    nb, ns4 = coef.shape[0], coef.shape[1]
    sizes = {
        "coef": (nb, ns4, 5, LANES),
        "state": (nb, ns4, 2, LANES),
        "ring": (nb, n_win, LANES),
        "acc": (nb, LANES),
        "buf": (TILE, LANES),
        "ms": (TILE, LANES),
        "inv": (TILE,),
    }
    if n_win == 0:
        sizes = {k: sizes[k] for k in ("coef", "state", "buf")}
    total = sum(int(np.prod(s)) for s in sizes.values())
    ws = np.zeros(total)
    views: dict[str, np.ndarray] = {}
    o = 0
    for name, shape in sizes.items():
        k = int(np.prod(shape))
        views[name] = ws[o : o + k].reshape(shape)
        o += k
    views["coef"][...] = coef
    iw = np.array([nb, ns4, n_win, n_channels, 0], dtype=np.int64)
    return ws, iw, views
