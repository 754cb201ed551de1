"""The eight-lane vectors of the row kernels (``_kernels._vec``) and the one section source.

The row kernels run :func:`_core._secr` on vectors; these tests pin down the vector operations
lane by lane (also under ``EMGKIT_NUMBA=0``, where they are numpy arrays) and check that the
vector form of four sections equals the scalar form bit for bit.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal as sps

from emgkit.signal._kernels import _core
from emgkit.signal._kernels._vec import VW, vload, vsplat, vsqrt0, vstore
from emgkit.signal._numba import jit


@jit(fastmath={"contract"})
def _ops(a, b, out):  # type: ignore[no-untyped-def]
    """out[k * VW : (k + 1) * VW] = the k-th expression, lane by lane."""
    u = vload(a, 0)
    w = vload(b, 0)
    vstore(out, 0, u + w)
    vstore(out, VW, u - w)
    vstore(out, 2 * VW, u * w)
    vstore(out, 3 * VW, -u)
    vstore(out, 4 * VW, 2.0 * u - w * 3.0)
    vstore(out, 5 * VW, vsplat(1.5) + 0.25)
    vstore(out, 6 * VW, vsqrt0(u))


@jit(fastmath={"contract"})
def _four_both(cf, zf_s, zf_v, x, out_s, out_v):  # type: ignore[no-untyped-def]
    """Four sections over the rows of ``x`` (flat ``(n, VW)``): scalar lanes and one vector."""
    n = x.size // VW
    s = _core._vstate(zf_v, 0)
    for t in range(n):
        for j in range(VW):
            out_s[t * VW + j] = _core._four(x[t * VW + j], zf_s, j, _core._coefs(cf, j, False))
        y, s = _core._four_r(vload(x, t * VW), s, _core._kcoefs(cf, 0, _core.MODE_LANE))
        vstore(out_v, t * VW, y)
    _core._vsave(zf_v, 0, s)


def test_vector_operations_lane_by_lane() -> None:
    a = np.array([-1.0, 0.0, 4.0, np.nan, np.inf, 2.25, -0.0, 1e-300])
    b = np.array([3.0, -2.0, 0.5, 1.0, 1.0, -4.0, 7.0, 1e300])
    out = np.empty(7 * VW)
    with np.errstate(invalid="ignore"):
        _ops(a, b, out)
        want = [a + b, a - b, a * b, -a, 2.0 * a - b * 3.0, np.full(VW, 1.75)]
    for k, w in enumerate(want):
        np.testing.assert_array_equal(out[k * VW : (k + 1) * VW], w)
    # sqrt(max(v, 0)) with numba's max: negatives give 0, NaN stays NaN, -0.0 gives -0.0
    np.testing.assert_array_equal(
        out[6 * VW :], [0.0, 0.0, 2.0, np.nan, np.inf, 1.5, -0.0, np.sqrt(1e-300)]
    )


@pytest.mark.parametrize("seed", [0, 1])
def test_vector_sections_equal_scalar_sections_bit_for_bit(seed: int) -> None:
    """Per-lane designs, random state: ``_four_r`` on a vector == ``_four`` on each lane."""
    rng = np.random.default_rng(seed)
    L = _core.LANES
    cf = np.zeros(20 * L)
    for j in range(VW):  # a different stable band-pass per lane
        sos = sps.butter(2, [20.0 + 5 * j, 400.0 - 10 * j], "bandpass", fs=2000.0, output="sos")
        full = np.vstack([sos, [[1.0, 0, 0, 1.0, 0, 0]] * (4 - len(sos))])
        c = full[:, [0, 1, 2, 4, 5]].reshape(-1)  # b0 b1 b2 a1 a2 per section
        cf[j::L] = c
    zf_s = rng.standard_normal(8 * L)
    zf_v = zf_s.copy()
    x = rng.standard_normal(500 * VW) * 50.0
    out_s = np.empty_like(x)
    out_v = np.empty_like(x)
    _four_both(cf, zf_s, zf_v, x, out_s, out_v)
    np.testing.assert_array_equal(out_v, out_s)
    np.testing.assert_array_equal(zf_v, zf_s)
