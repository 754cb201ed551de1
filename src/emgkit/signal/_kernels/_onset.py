"""numba kernel of the maximum-likelihood change point of :func:`emgkit.signal.onset.refine_onset`.

The model and its grid search are those of ``emgkit.signal.onset._ml_change_point_numpy`` (the
reference, also the fallback when numba is off); this kernel computes the same negative
log-likelihood with less work, in the same search order (shape exponent, then candidate, then
``q``; the first strict minimum wins), so it picks the same candidate unless two candidates'
likelihoods agree to about 1e-13 relative (tests/signal/test_onset_kernel.py compares both on
thousands of windows):

- the block means ``h`` of ``((t - t_c)_+)^(2p)`` come from one prefix sum of
  ``(m / fs)^(2p)`` over sample offsets ``m`` (the same for every call at one ``fs``,
  cached by the caller), not from one power per (candidate, block, sample);
- the blocks before a candidate's change point have ``sigma^2 = sigma0^2`` exactly; their
  terms are one sum per candidate;
- ``sum_j log(sigma_j^2)`` is ``n_blocks log(sigma0^2)`` (the same for every fit, dropped)
  plus the log of a product of the ratios ``sigma_j^2 / sigma0^2 >= 1``, taken in chunks
  short enough not to overflow: one logarithm per chunk instead of one per block;
- the innermost loop runs over the 48 values of ``q`` (independent lanes, vectorised).
"""

from __future__ import annotations

import math

import numpy as np

from emgkit.signal._numba import jit


@jit(error_model="numpy")
def ml_change_point_best(y, s0, block, psum, d, tail, y_top, grid):  # type: ignore[no-untyped-def]
    """Index into ``d`` of the maximum-likelihood change point, or -1 when no fit is possible.

    ``y`` (nb,) block mean squares; ``s0`` noise power; ``block`` samples per block; ``psum``
    (n_shapes, n_max + 1) prefix sums ``psum[s, m] = sum_{r=1}^{m} (r / fs)^(2 p_s)``
    (``psum[s, 0] = 0``) with ``n_max >= nb * block``; ``d`` (n_cand,) candidate offsets in
    samples from the first block's first sample, ``>= 0``; ``tail`` blocks at the end set the
    scale of ``q``; ``y_top`` the excess power there; ``grid`` the relative ``q`` values.
    """
    nb = y.shape[0]
    nq = grid.shape[0]
    n_cand = d.shape[0]
    inv_s0 = 1.0 / s0
    ycum = np.zeros(nb + 1)
    for j in range(nb):
        ycum[j + 1] = ycum[j] + y[j]
    h = np.empty(nb)
    qk = np.empty(nq)
    div = np.empty(nq)
    prod = np.empty(nq)
    logs = np.empty(nq)
    gmax = 0.0
    for k in range(nq):
        gmax = max(gmax, grid[k])
    best = math.inf
    best_i = -1
    for s in range(psum.shape[0]):
        ps = psum[s]
        for i in range(n_cand):
            di = d[i]
            # block means of ((t - t_c)_+)^(2p); blocks before j0 hold no sample past t_c
            j0 = nb
            for j in range(nb):
                hi = j * block + block - 1 - di
                if hi < 1:
                    h[j] = 0.0
                    continue
                lo = max(1, j * block - di)
                h[j] = (ps[hi] - ps[lo - 1]) / block
                if j < j0:
                    j0 = j
            h_end = 0.0
            for j in range(nb - tail, nb):
                h_end += h[j]
            h_end /= tail
            if not h_end > 0.0:
                continue
            scale = y_top / h_end
            hmax = 0.0
            for j in range(j0, nb):
                hmax = max(hmax, h[j])
            # ratios sigma^2 / sigma0^2 are at most r_max: chunks of n_chunk blocks stay < 1e300
            r_max = 1.0 + scale * gmax * hmax * inv_s0
            n_chunk = 1
            if r_max > 1.0 and math.isfinite(r_max):
                n_chunk = max(1, int(300.0 / math.log10(r_max)))
            for k in range(nq):
                qk[k] = scale * grid[k]
                div[k] = 0.0
                prod[k] = 1.0
                logs[k] = 0.0
            cnt = 0
            for j in range(j0, nb):
                hj = h[j]
                yj = y[j]
                for k in range(nq):
                    v = s0 + qk[k] * hj
                    div[k] += yj / v
                    prod[k] *= v * inv_s0
                cnt += 1
                if cnt == n_chunk:
                    for k in range(nq):
                        logs[k] += math.log(prod[k])
                        prod[k] = 1.0
                    cnt = 0
            before = ycum[j0] * inv_s0
            for k in range(nq):
                nll = before + div[k] + logs[k] + math.log(prod[k])
                if nll < best:
                    best = nll
                    best_i = i
    return best_i
