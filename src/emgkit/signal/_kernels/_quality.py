"""Kernels of the channel-quality measures (:mod:`emgkit.signal.quality`).

One-pass reductions over time-major ``(n_samples, n_channels)`` float64 arrays, each with a
numba kernel (channels innermost, no temporary arrays) and a numpy implementation of the same
arithmetic; every entry point picks the kernel when numba is enabled (``EMGKIT_NUMBA``) and the
numpy code otherwise, and until numba has started in the process
(:func:`emgkit.signal._kernels.numba_started`) inputs below ``COLD_SCIPY_BELOW`` elements take
the numpy code (:func:`_use_kernel`). Both give the same values to rounding (tested in
tests/signal/test_quality_kernels.py).

- :func:`column_stats`: per channel, the number of finite samples, their extremes, how many
  samples sit at each extreme, their mean and the sum of squared deviations from it (two
  passes, as ``np.std``): the inputs of the clipping and flat rules without column copies;
- :func:`decimate3`: a third-order cascaded-integrator-comb (CIC) decimator, i.e. the mean of
  ``d`` samples applied three times (a ``3 d - 2``-tap FIR whose response is
  ``(sin(pi f d / fs) / (d sin(pi f / fs)))**3``) evaluated at every ``d``-th sample only. It
  feeds the low-band quality measures (motion 1-20 Hz, wander below 5 Hz), which then run at
  ``fs / d``;
- :func:`window_rms`: RMS of consecutive windows (:func:`emgkit.signal.quality.rms_levels`);
- :func:`welch_frames` and :func:`add_power`: the centred, windowed Welch segments of all
  channels (straight from the time-major rows into the FFT's buffer) and the accumulation of
  their power (:func:`emgkit.signal.quality.mains_level`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from emgkit.signal._kernels import COLD_SCIPY_BELOW, numba_started
from emgkit.signal._numba import NUMBA_ENABLED, jit

__all__ = [
    "add_power",
    "cic3_taps",
    "column_stats",
    "decimate3",
    "welch_frames",
    "welch_kernels",
    "window_rms",
]

Array = npt.NDArray[np.float64]
#: count, max, min, n_at_max, n_at_min, mean, ss (see :func:`column_stats`)
Stats = tuple[
    npt.NDArray[np.int64], Array, Array, npt.NDArray[np.int64], npt.NDArray[np.int64], Array, Array
]


def _use_kernel(kernel: Any, size: int, force: bool | None) -> bool:
    """The numba kernel or the numpy code for an input of ``size`` elements.

    ``force`` decides when given. Otherwise the kernel when numba is enabled, unless numba has
    not started in this process (:func:`emgkit.signal._kernels.numba_started`: no zero-phase or
    twinned kernel has run) and the input is smaller than ``COLD_SCIPY_BELOW`` (the numpy twins'
    rule): a short session's analysis then never pays numba's start-up (about 0.8 s even with
    every kernel cached) or its compiler (about 0.3 s per kernel), whatever the disk cache
    holds, and the same input always takes the same path in a fresh process.
    """
    if force is not None:
        return force
    return NUMBA_ENABLED and (size >= COLD_SCIPY_BELOW or numba_started(kernel))


def cic3_taps(d: int) -> Array:
    """The ``3 d - 2`` taps of three cascaded ``d``-sample means (sum 1)."""
    box = np.full(d, 1.0 / d)
    return np.asarray(np.convolve(np.convolve(box, box), box), dtype=np.float64)


@jit
def _stats_kernel(x, cnt, mx, mn, nmx, nmn, mean, ss):  # type: ignore[no-untyped-def]
    n, nc = x.shape
    tot = np.zeros(nc)
    for c in range(nc):
        mx[c] = -np.inf
        mn[c] = np.inf
    for i in range(n):
        for c in range(nc):
            v = x[i, c]
            if v - v == 0.0:  # finite (NaN and inf give NaN)
                cnt[c] += 1
                tot[c] += v
                if v > mx[c]:
                    mx[c] = v
                if v < mn[c]:
                    mn[c] = v
    for c in range(nc):
        mean[c] = tot[c] / cnt[c] if cnt[c] > 0 else np.nan
    for i in range(n):
        for c in range(nc):
            v = x[i, c]
            if v - v == 0.0:
                dv = v - mean[c]
                ss[c] += dv * dv
                if v == mx[c]:
                    nmx[c] += 1
                if v == mn[c]:
                    nmn[c] += 1


def _stats_numpy(x: Array) -> Stats:
    """The same reductions with numpy (row blocks; sums accumulated in row order per block)."""
    nc = x.shape[1]
    cnt = np.zeros(nc, dtype=np.int64)
    tot = np.zeros(nc)
    mx = np.full(nc, -np.inf)
    mn = np.full(nc, np.inf)
    for r0 in range(0, x.shape[0], 8192):
        b = x[r0 : r0 + 8192]
        fin = np.isfinite(b)
        cnt += fin.sum(axis=0)
        tot += np.where(fin, b, 0.0).sum(axis=0)
        mx = np.maximum(mx, np.where(fin, b, -np.inf).max(axis=0, initial=-np.inf))
        mn = np.minimum(mn, np.where(fin, b, np.inf).min(axis=0, initial=np.inf))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.asarray(np.where(cnt > 0, tot / np.maximum(cnt, 1), np.nan), dtype=np.float64)
    ss = np.zeros(nc)
    nmx = np.zeros(nc, dtype=np.int64)
    nmn = np.zeros(nc, dtype=np.int64)
    for r0 in range(0, x.shape[0], 8192):
        b = x[r0 : r0 + 8192]
        fin = np.isfinite(b)
        dv = np.where(fin, b - mean, 0.0)
        ss += (dv * dv).sum(axis=0)
        nmx += (fin & (b == mx)).sum(axis=0)
        nmn += (fin & (b == mn)).sum(axis=0)
    return cnt, mx, mn, nmx, nmn, mean, ss


def column_stats(x: Array, *, use_kernel: bool | None = None) -> Stats:
    """Per channel of ``x`` (n_samples, n_channels), finite samples only.

    Parameters
    ----------
    x : ndarray
        C-contiguous float64 samples (NaN/inf are skipped).
    use_kernel : bool, optional
        Force the numba kernel (True) or the numpy code (False); default: the rule of
        :func:`_use_kernel`.

    Returns
    -------
    tuple of ndarray
        ``(count, max, min, n_at_max, n_at_min, mean, ss)``: ``count`` finite samples, their
        extremes (-inf/inf when none), how many samples equal each extreme, their mean (NaN
        when none) and the sum of squared deviations from that mean. The sums may differ from
        numpy's pairwise sums by rounding only.
    """
    arr = np.ascontiguousarray(x, dtype=np.float64)
    if not _use_kernel(_stats_kernel, arr.size, use_kernel):
        return _stats_numpy(arr)
    nc = arr.shape[1]
    cnt = np.zeros(nc, dtype=np.int64)
    mx, mn = np.empty(nc), np.empty(nc)
    nmx = np.zeros(nc, dtype=np.int64)
    nmn = np.zeros(nc, dtype=np.int64)
    mean, ss = np.empty(nc), np.zeros(nc)
    _stats_kernel(arr, cnt, mx, mn, nmx, nmn, mean, ss)
    return cnt, mx, mn, nmx, nmn, mean, ss


@jit
def _decimate_kernel(x, h, d, off, out):  # type: ignore[no-untyped-def]
    n, nc = x.shape
    nb = out.shape[0]
    taps = h.size
    acc = np.empty(nc)
    for j in range(nb):
        for c in range(nc):
            acc[c] = 0.0
        base = j * d - off
        for m in range(taps):
            i = base + m
            if i < 0:
                i = 0
            elif i > n - 1:
                i = n - 1
            hm = h[m]
            for c in range(nc):
                acc[c] += hm * x[i, c]
        for c in range(nc):
            out[j, c] = acc[c]


def _decimate_numpy(x: Array, h: Array, d: int, off: int, nb: int) -> Array:
    """The same sums with numpy: one strided slice of an edge-extended copy per tap."""
    n = x.shape[0]
    lo = off
    hi = max(0, (nb - 1) * d - off + h.size - n)
    xp = np.concatenate([np.repeat(x[:1], lo, axis=0), x, np.repeat(x[-1:], hi, axis=0)])
    out = np.zeros((nb, x.shape[1]))
    for m in range(h.size):
        out += h[m] * xp[m : m + (nb - 1) * d + 1 : d]
    return out


def decimate3(x: Array, d: int, *, use_kernel: bool | None = None) -> Array:
    """Third-order CIC decimation of ``x`` (n_samples, n_channels) by ``d``.

    Parameters
    ----------
    x : ndarray
        Finite float64 samples.
    d : int
        Decimation factor (>= 1; 1 returns a copy).
    use_kernel : bool, optional
        Force the numba kernel (True) or the numpy code (False); default: the rule of
        :func:`_use_kernel`.

    Returns
    -------
    ndarray, shape (n_samples // d, n_channels)
        Output ``j`` is the ``3 d - 2``-tap FIR of :func:`cic3_taps` centred on sample ``j d``
        (half a sample later when ``d`` is even); samples beyond the ends are the end samples.
        Response ``(sin(pi f d / fs) / (d sin(pi f / fs)))**3``, about ``sinc(f d / fs)**3``:
        -0.27 dB at ``0.08 fs / d`` (20 Hz at 2 kHz, ``d`` = 8), and frequencies that alias onto
        ``[0, 0.1 fs / d]`` are attenuated by at least 57 dB.
    """
    arr = np.ascontiguousarray(x, dtype=np.float64)
    if d <= 1:
        return arr.copy()
    h = cic3_taps(d)
    off = (h.size - 1) // 2
    nb = arr.shape[0] // d
    if not _use_kernel(_decimate_kernel, arr.size, use_kernel):
        return _decimate_numpy(arr, h, d, off, nb)
    out = np.empty((nb, arr.shape[1]))
    _decimate_kernel(arr, h, d, off, out)
    return out


@jit
def _window_rms_kernel(x, seg, out):  # type: ignore[no-untyped-def]
    nc = x.shape[1]
    m = np.empty(nc)
    ss = np.empty(nc)
    for j in range(out.shape[0]):
        b = j * seg
        for c in range(nc):
            m[c] = 0.0
            ss[c] = 0.0
        for t in range(seg):
            for c in range(nc):
                m[c] += x[b + t, c]
        for c in range(nc):
            m[c] /= seg
        for t in range(seg):
            for c in range(nc):
                dv = x[b + t, c] - m[c]
                ss[c] += dv * dv
        for c in range(nc):
            out[j, c] = np.sqrt(ss[c] / seg)


def _window_rms_numpy(x: Array, seg: int, k: int) -> Array:
    blocks = x[: k * seg].reshape(k, seg, x.shape[1])
    out = np.empty((k, x.shape[1]))
    step = max(1, 2**17 // (seg * x.shape[1]))  # ~1 MB of windows at a time (cache)
    for i in range(0, k, step):
        b = blocks[i : i + step]
        d = b - b.mean(axis=1, keepdims=True)
        d *= d
        out[i : i + step] = np.sqrt(d.mean(axis=1))
    return out


def window_rms(x: Array, seg: int, *, use_kernel: bool | None = None) -> Array:
    """RMS of consecutive ``seg``-sample windows of finite ``x``, each window's mean removed.

    Parameters
    ----------
    x : ndarray, shape (n_samples, n_channels)
        Finite float64 samples.
    seg : int
        Window length in samples (>= 1); trailing samples that do not fill one are dropped.
    use_kernel : bool, optional
        Force the numba kernel (True) or the numpy code (False); default: the rule of
        :func:`_use_kernel`.

    Returns
    -------
    ndarray, shape (n_samples // seg, n_channels)
        One pass over ``x`` (each window's two passes run in cache).
    """
    arr = np.ascontiguousarray(x, dtype=np.float64)
    k = arr.shape[0] // seg
    if not _use_kernel(_window_rms_kernel, arr.size, use_kernel):
        return _window_rms_numpy(arr, seg, k)
    out = np.empty((k, arr.shape[1]))
    _window_rms_kernel(arr, seg, out)
    return out


@jit
def _frames_kernel(x, r0, step, win, out):  # type: ignore[no-untyped-def]
    nc, k, nper = out.shape
    mean = np.empty(nc)
    for s in range(k):
        b = r0 + s * step
        for c in range(nc):
            mean[c] = 0.0
        for t in range(nper):
            for c in range(nc):
                mean[c] += x[b + t, c]
        for c in range(nc):
            mean[c] /= nper
        for t in range(nper):
            wt = win[t]
            for c in range(nc):
                out[c, s, t] = (x[b + t, c] - mean[c]) * wt


@jit
def _power_kernel(spec, acc):  # type: ignore[no-untyped-def]
    nc, k, nf = spec.shape
    for c in range(nc):
        for s in range(k):
            for f in range(nf):
                v = spec[c, s, f]
                acc[c, f] += v.real * v.real + v.imag * v.imag


def welch_frames(
    x: Array,
    r0: int,
    step: int,
    win: Array,
    out: npt.NDArray[np.floating],
    *,
    use_kernel: bool | None = None,
) -> None:
    """Fill ``out`` (n_channels, k, nper) with Welch segments of ``x``, centred and windowed.

    Segment ``s`` of channel ``c`` is ``x[r0 + s step : r0 + s step + nper, c]`` minus its mean,
    times ``win``; ``out`` may be float32 (the centring is done in float64 first). One read of
    the rows, no temporaries.

    Parameters
    ----------
    x : ndarray, shape (n_samples, n_channels)
        C-contiguous float64 samples.
    r0, step : int
        First row of the first segment; rows between segment starts.
    win : ndarray, shape (nper,)
        The window.
    out : ndarray, shape (n_channels, k, nper)
        Destination (float32 or float64), C-contiguous.
    use_kernel : bool, optional
        Force the numba kernel (True) or the numpy code (False); default: the rule of
        :func:`_use_kernel`.
    """
    nc, k, nper = out.shape
    if _use_kernel(_frames_kernel, x.size, use_kernel):
        _frames_kernel(x, r0, step, win, out)
        return
    blk = np.ascontiguousarray(x[r0 : r0 + (k - 1) * step + nper].T)
    segs = np.lib.stride_tricks.as_strided(
        blk, shape=(nc, k, nper), strides=(blk.strides[0], step * 8, 8), writeable=False
    )
    s = segs - segs.mean(axis=2, keepdims=True)
    s *= win
    out[...] = s


def welch_kernels(size: int) -> bool:
    """Whether a Welch spectrum of ``size`` samples uses the kernels (see :func:`_use_kernel`)."""
    return _use_kernel(_frames_kernel, size, None) and _use_kernel(_power_kernel, size, None)


def add_power(
    spec: npt.NDArray[np.complexfloating], acc: Array, *, use_kernel: bool | None = None
) -> None:
    """``acc += |spec|**2`` summed over the segments (axis 1 of ``spec``).

    Parameters
    ----------
    spec : ndarray of complex, shape (n_channels, k, nf)
        Spectra of ``k`` segments per channel.
    acc : ndarray of float64, shape (n_channels, nf)
        Accumulator, updated in place.
    use_kernel : bool, optional
        Force the numba kernel (True) or the numpy code (False); default: the rule of
        :func:`_use_kernel`.
    """
    if _use_kernel(_power_kernel, spec.size, use_kernel):
        _power_kernel(spec, acc)
        return
    acc += (spec.real**2 + spec.imag**2).sum(axis=1, dtype=np.float64)
