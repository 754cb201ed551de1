"""numpy twins of three small kernels, bit for bit: what a short process runs instead of numba.

A process that calls a numba kernel for the first time pays numba's start-up even when the
kernel is cached on disk (about 0.8 s on the 2-core VM: numba loads its typing and target
registries), and compiling it costs more (docs/performance.md, "Cold start"). For the inputs of
an ``emgkit analyze`` or ``emgkit report`` of a session of a few minutes these twins are faster
than that start-up; :mod:`emgkit.signal._kernels` calls them while the kernel has not been used
in this process and the input is below ``COLD_SCIPY_BELOW`` channel-samples.

Each twin does the same floating-point operations in the same order as its kernel (numpy's
``add.accumulate`` is a sequential sum along its axis), so the results are identical, not
merely close (``tests/signal/test_numpy_twins.py`` compares them bit for bit).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["all_finite_np", "moving_rms_np", "tkeo_np"]

Array = npt.NDArray[np.float64]


def all_finite_np(x: Array) -> bool:
    """True if ``x`` holds no NaN/inf (:func:`._core.all_finite`)."""
    return bool(np.isfinite(x).all())


def tkeo_np(x: Array, out: Array) -> None:
    """:func:`._causal.tkeo_tm`: ``x[t]^2 - x[t-1] x[t+1]``, end samples repeat their neighbours."""
    n = x.shape[0]
    with np.errstate(all="ignore"):
        if n < 3:
            np.multiply(x, x, out=out)
            return
        mid = x[1:-1] * x[1:-1]
        mid -= x[:-2] * x[2:]
    out[1:-1] = mid
    out[0] = out[1]
    out[-1] = out[-2]


def moving_rms_np(x: Array, out: Array, n_win: int, k_off: int) -> None:
    """:func:`._causal.moving_rms_tm`: window ``[s - k_off, s - k_off + n_win)``, truncated.

    The kernel's running sum ``acc`` (over time ``t``): from 0 it adds ``x[t]^2`` until
    ``t = n_win - 1``; at every ``t`` with ``t % n_win == n_win - 1`` it is recomputed as the
    sequential sum of the window's squares; in between it adds ``x[t]^2 - x[t - n_win]^2``.
    Each stretch between two recomputations is one ``add.accumulate`` here, in the same order.
    ``out[s]`` is ``sqrt(max(acc * (1 / count), 0))``; the last ``n_win - 1 - k_off`` outputs
    subtract the squares that leave the shrinking window, also in order.
    """
    with np.errstate(all="ignore"):  # the kernel never warns (inf - inf, overflow): nor here
        _moving_rms(x, out, int(n_win), int(k_off))


def _moving_rms(x: Array, out: Array, w: int, k: int) -> None:
    n, nc = x.shape
    sq = x * x
    acc = np.empty((n, nc))
    head = min(w - 1, n)
    if head > 0:
        np.add.accumulate(sq[:head], axis=0, out=acc[:head])
    nb = -(-(n - head) // w) if n > head else 0  # stretches that start with a recomputation
    if nb:
        full = np.zeros((nb * w, nc))
        body = n - head  # rows t = w - 1 ... n - 1
        # rows t >= w that are not recomputations: x[t]^2 - x[t - w]^2
        full[1:body] = sq[head + 1 : n] - sq[head + 1 - w : n - w]
        blocks = full.reshape(nb, w, nc)
        # the recomputed sums: windows [j w, j w + w), each summed from 0 in order
        blocks[:, 0, :] = np.add.accumulate(sq[: nb * w].reshape(nb, w, nc), axis=1)[:, -1, :]
        acc[head:] = np.add.accumulate(blocks, axis=1).reshape(nb * w, nc)[:body]
    t0 = max(w - 1 - k, 0)
    if t0 < n:
        t = np.arange(t0, n)
        iv = 1.0 / np.minimum(t + 1, w).astype(np.float64)
        out[t + k - w + 1] = np.sqrt(np.maximum(acc[t0:] * iv[:, None], 0.0))
    s0 = max(n + k - w + 1, 0)
    if s0 < n:
        s = np.arange(s0, n)
        p = s - k - 1
        tail = np.empty((n - s0, nc))
        tail[:] = acc[n - 1]
        first = int(np.searchsorted(p, 0))  # rows with p < 0 keep the sum
        if first < len(s):
            steps = np.empty((len(s) - first + 1, nc))
            steps[0] = acc[n - 1]
            np.negative(sq[p[first:]], out=steps[1:])
            tail[first:] = np.add.accumulate(steps, axis=0)[1:]
        iv = 1.0 / (n - np.maximum(s - k, 0)).astype(np.float64)
        out[s] = np.sqrt(np.maximum(tail * iv[:, None], 0.0))
