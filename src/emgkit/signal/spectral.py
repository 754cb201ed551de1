"""Spectral EMG metrics: median and mean frequency, fatigue slope.

These metrics are REFUSED below 1 kHz sampling and below 400 Hz hardware bandwidth. The OpenBCI
Cyton streams at 250 Hz and its ADS1299's sinc3 decimation filter has its -3 dB point at 65 Hz
(ADS1299 datasheet, Table 1): the EMG spectrum above about 65 Hz is attenuated by the hardware,
so median/mean frequency and their fatigue slopes would describe the amplifier, not the muscle
(clinical-anchors.md section 8: "disable spectral and fatigue metrics below 1 kHz").

Fatigue: slope of the normalised median (or mean) frequency over a sustained contraction,
epochs of 0.5-1 s (Coorevits et al. 2008, JEK 18:997-1005). Note that the median-frequency slope
did not discriminate chronic low back pain in Humphrey et al. 2005 (Eur Spine J 14:175-184).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import signal as sps

from emgkit.errors import SignalError
from emgkit.signal._checks import as_2d, check_fs, check_window

__all__ = [
    "MIN_FS_HZ",
    "MIN_HARDWARE_BANDWIDTH_HZ",
    "FatigueSlope",
    "fatigue_slope",
    "mean_frequency",
    "median_frequency",
    "welch_psd",
]

MIN_FS_HZ = 1000.0
MIN_HARDWARE_BANDWIDTH_HZ = 400.0


def _check_spectral_ok(fs: float, hardware_bandwidth_hz: float | None) -> float:
    fs = check_fs(fs)
    if fs < MIN_FS_HZ:
        raise SignalError(
            f"spectral metrics need fs >= {MIN_FS_HZ:g} Hz, got {fs:g} Hz. At 250 Hz (OpenBCI "
            "Cyton) the ADS1299 sinc3 decimation filter is -3 dB at 65 Hz, so EMG power above "
            "~65 Hz is attenuated and median/mean frequency (and fatigue slopes) reflect the "
            "amplifier, not the muscle (clinical-anchors.md section 8). Record at >= 1 kHz."
        )
    if hardware_bandwidth_hz is not None:
        try:
            bw = float(hardware_bandwidth_hz)
        except (TypeError, ValueError):
            raise SignalError(
                f"hardware_bandwidth_hz must be a number of Hz, got {hardware_bandwidth_hz!r}"
            ) from None
        if not math.isfinite(bw) or bw <= 0:
            raise SignalError(
                f"hardware_bandwidth_hz must be positive, got {hardware_bandwidth_hz!r}"
            )
        if bw < MIN_HARDWARE_BANDWIDTH_HZ:
            raise SignalError(
                f"spectral metrics need a hardware bandwidth >= {MIN_HARDWARE_BANDWIDTH_HZ:g} Hz, "
                f"got {bw:g} Hz: the EMG spectrum (mostly 20-450 Hz) is cut by the amplifier, "
                "so median/mean frequency would be biased low (e.g. the ADS1299 at 250 SPS is "
                "-3 dB at 65 Hz; clinical-anchors.md section 8)"
            )
    return fs


def welch_psd(
    x: npt.ArrayLike, fs: float, nperseg: int | None = None
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Welch PSD per channel: ``(freqs (n_freqs,), psd (n_freqs, n_channels))``.

    Hann windows of ``nperseg`` samples (default 250 ms, at most the segment), 50 % overlap,
    linear detrend. No sampling-rate policy here: use the metric functions for that.

    Parameters
    ----------
    x : array_like, shape (n_samples,) or (n_samples, n_channels)
        Samples in microvolts; must be finite.
    fs : float
        Sampling rate in Hz.
    nperseg : int, optional
        Welch window length in samples, 8 to ``n_samples`` (default 250 ms, at most the
        segment).

    Returns
    -------
    freqs : ndarray, shape (n_freqs,)
        Frequencies in Hz, 0 to fs / 2.
    psd : ndarray, shape (n_freqs, n_channels)
        Power spectral density in µV²/Hz (density scaling, one-sided).

    Raises
    ------
    SignalError
        Bad ``fs`` or input, or ``nperseg`` not an integer from 8 to ``n_samples``.
    """
    fs = check_fs(fs)
    arr, _ = as_2d(x)
    n = arr.shape[0]
    if nperseg is None:
        nperseg = min(n, max(8, round(0.25 * fs)))
    if not isinstance(nperseg, (int, np.integer)) or nperseg < 8:
        raise SignalError(f"nperseg must be an integer >= 8 samples, got {nperseg!r}")
    if nperseg > n:
        raise SignalError(f"nperseg = {nperseg} is longer than the segment ({n} samples)")
    f, p = sps.welch(arr, fs=fs, nperseg=int(nperseg), axis=0, detrend="linear")  # type: ignore[call-overload]
    return np.asarray(f, dtype=np.float64), np.asarray(p, dtype=np.float64)


def _mdf(f: npt.NDArray[np.float64], p: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Median frequency: where the cumulative power (trapezoid) reaches half, interpolated.

    ``p`` is ``(n_freqs, ...)``; the result has ``p.shape[1:]`` (NaN where the power is 0).
    All columns at once: the bin holding the half is the number of cumulative values below it
    (``searchsorted`` on a non-decreasing column), and inside it the power is linear in ``f``, so
    the cumulative is quadratic and solved exactly.
    """
    shape = p.shape[1:]
    p2 = p.reshape(p.shape[0], -1)
    df = np.diff(f)
    seg = 0.5 * (p2[1:] + p2[:-1]) * df[:, None]
    cum = np.vstack([np.zeros((1, p2.shape[1])), np.cumsum(seg, axis=0)])
    total = cum[-1]
    half = 0.5 * total
    k = np.clip((cum < half).sum(axis=0), 1, len(f) - 1)
    cols = np.arange(p2.shape[1])
    p0, p1 = p2[k - 1, cols], p2[k, cols]
    h = f[k] - f[k - 1]
    need = half - cum[k - 1, cols]
    slope = (p1 - p0) / h
    flat = np.abs(slope) < 1e-300
    with np.errstate(invalid="ignore", divide="ignore"):
        u_flat = np.where(p0 > 0, need / p0, 0.0)
        disc = np.maximum(p0 * p0 + 2.0 * slope * need, 0.0)
        u_quad = (-p0 + np.sqrt(disc)) / np.where(flat, 1.0, slope)
    u = np.where(flat, u_flat, u_quad)
    out = f[k - 1] + np.minimum(np.maximum(u, 0.0), h)
    out[~(total > 0)] = np.nan
    return out.reshape(shape)


def _mnf(f: npt.NDArray[np.float64], p: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Mean (centroid) frequency ``sum(f P) / sum(P)`` of ``p`` ``(n_freqs, ...)``."""
    total = p.sum(axis=0)
    fp = np.tensordot(f, p, axes=(0, 0))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, fp / total, np.nan)


#: Epochs per batched FFT in :func:`_welch_epochs` (a speed setting: results do not depend on it).
_EPOCH_BATCH = 2

_Tables = tuple[
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
    npt.NDArray[np.complex128],
    npt.NDArray[np.complex128],
    float,
]
_WELCH_TABLES: dict[int, _Tables] = {}


def _welch_tables(nperseg: int) -> _Tables:
    """Hann window, centred time ``t``, ``F(w)``, ``F(w t)`` and ``t @ t`` (cached, read-only).

    The arrays :func:`_welch_epochs` built on every call before (the same expressions, so the
    same values); a hold's epochs are batched a few at a time, so they were rebuilt hundreds of
    times per analysis.
    """
    tab = _WELCH_TABLES.get(nperseg)
    if tab is None:
        win = np.asarray(sps.get_window("hann", nperseg), dtype=np.float64)
        t = np.arange(nperseg, dtype=np.float64) - 0.5 * (nperseg - 1)
        fw, fwt = np.fft.rfft(win), np.fft.rfft(win * t)
        for arr in (win, t, fw, fwt):
            arr.flags.writeable = False
        tab = (win, t, fw, fwt, float(t @ t))
        _WELCH_TABLES[nperseg] = tab
    return tab


def _welch_epochs(
    arr: npt.NDArray[np.float64], fs: float, n_ep: int, k: int, nperseg: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Welch PSDs of ``k`` consecutive epochs of ``n_ep`` samples of ``arr`` ``(n, n_ch)``.

    The same estimate as :func:`welch_psd` (``scipy.signal.welch``: Hann window, 50 % overlap,
    linear detrend, density scaling, mean of the segments) on each epoch, computed in one go:
    every segment of every epoch is one row of a single batched real FFT. The linear detrend is
    folded into the spectrum (the FFT is linear): ``F(w (x - a - b t)) = F(w x) - a F(w) -
    b F(w t)`` with ``a``, ``b`` the least-squares line of each segment, so no detrended copy
    is made. Returns ``(freqs, psd (n_freqs, k, n_ch))``.
    """
    if k > _EPOCH_BATCH:
        # a few epochs at a time: the same numbers (every row's FFT, mean and dot product are
        # computed alone), but temporaries of about a megabyte that stay in cache and in the
        # allocator's heap instead of ones the size of the whole hold, freshly mapped each call
        parts = [
            _welch_epochs(arr[i * n_ep :], fs, n_ep, min(_EPOCH_BATCH, k - i), nperseg)
            for i in range(0, k, _EPOCH_BATCH)
        ]
        return parts[0][0], np.concatenate([p for _, p in parts], axis=1)
    step = nperseg - nperseg // 2
    n_seg = (n_ep - nperseg) // step + 1
    n_ch = arr.shape[1]
    # (k, n_seg, n_ch, nperseg): segments of every epoch, time last and unit-stride for the FFT
    # (one transposed copy of the epochs, then a strided view: segments overlap, no copy)
    cols = np.ascontiguousarray(arr[: k * n_ep].T)
    it = cols.itemsize
    view = np.lib.stride_tricks.as_strided(
        cols,
        shape=(k, n_seg, n_ch, nperseg),
        strides=(n_ep * it, step * it, cols.strides[0], it),
        writeable=False,
    )
    win, t, fw, fwt, tt = _welch_tables(nperseg)
    seg = view * win
    spec = np.fft.rfft(seg, axis=-1)
    # least-squares line a + b t of each segment (t centred: a is the mean)
    a = view.mean(axis=-1)
    b = (view @ t) / tt
    spec -= a[..., None] * fw + b[..., None] * fwt
    psd = spec.real**2 + spec.imag**2
    psd *= 1.0 / (fs * (win * win).sum())
    if nperseg % 2:
        psd[..., 1:] *= 2.0
    else:
        psd[..., 1:-1] *= 2.0
    freqs = np.asarray(np.fft.rfftfreq(nperseg, 1.0 / fs), dtype=np.float64)
    # mean over segments -> (k, n_ch, n_freqs) -> (n_freqs, k, n_ch)
    return freqs, np.moveaxis(psd.mean(axis=1), -1, 0)


def median_frequency(
    x: npt.ArrayLike,
    fs: float,
    *,
    nperseg: int | None = None,
    hardware_bandwidth_hz: float | None = None,
) -> npt.NDArray[np.float64]:
    """Median frequency (Hz) of the Welch PSD of a segment, per channel.

    Parameters
    ----------
    x : array_like, shape (n_samples,) or (n_samples, n_channels)
        A segment of band-passed EMG in microvolts (e.g. one epoch of a sustained hold).
    fs : float
        Sampling rate in Hz; must be >= 1000 Hz.
    nperseg : int, optional
        Welch window length in samples (default 250 ms).
    hardware_bandwidth_hz : float, optional
        Analog/decimation bandwidth of the amplifier; refused when < 400 Hz.

    Returns
    -------
    ndarray, shape (n_channels,)
        The frequency splitting the spectrum into two halves of equal power (NaN for a flat-zero
        channel).

    Raises
    ------
    SignalError
        ``fs`` < 1000 Hz or ``hardware_bandwidth_hz`` < 400 Hz (band-limited hardware such as the
        250 Hz Cyton), bad input.
    """
    fs = _check_spectral_ok(fs, hardware_bandwidth_hz)
    f, p = welch_psd(x, fs, nperseg)
    return _mdf(f, p)


def mean_frequency(
    x: npt.ArrayLike,
    fs: float,
    *,
    nperseg: int | None = None,
    hardware_bandwidth_hz: float | None = None,
) -> npt.NDArray[np.float64]:
    """Mean (centroid) frequency (Hz) of the Welch PSD, ``sum(f P) / sum(P)``, per channel.

    Same arguments and refusals as :func:`median_frequency`.

    Parameters
    ----------
    x : array_like, shape (n_samples,) or (n_samples, n_channels)
        A segment of band-passed EMG in microvolts (e.g. one epoch of a sustained hold).
    fs : float
        Sampling rate in Hz; must be >= 1000 Hz.
    nperseg : int, optional
        Welch window length in samples (default 250 ms).
    hardware_bandwidth_hz : float, optional
        Analog/decimation bandwidth of the amplifier; refused when < 400 Hz.

    Returns
    -------
    ndarray, shape (n_channels,)
        Spectral centroid in Hz (NaN for a flat-zero channel).

    Raises
    ------
    SignalError
        ``fs`` < 1000 Hz or ``hardware_bandwidth_hz`` < 400 Hz (band-limited hardware such as the
        250 Hz Cyton), bad input.
    """
    fs = _check_spectral_ok(fs, hardware_bandwidth_hz)
    f, p = welch_psd(x, fs, nperseg)
    return _mnf(f, p)


@dataclass(frozen=True)
class FatigueSlope:
    """Result of :func:`fatigue_slope`.

    Attributes
    ----------
    slope_pct_per_s : ndarray (n_channels,)
        Slope of the regression line of frequency on time divided by its intercept, in % per
        second (negative = spectral compression, the fatigue sign).
    intercept_hz : ndarray (n_channels,)
        Regression value at t = 0 (the normalisation reference).
    times : ndarray (n_epochs,)
        Epoch centres in seconds from the segment start.
    values_hz : ndarray (n_epochs, n_channels)
        Median (or mean) frequency of each epoch.
    normalised_pct : ndarray (n_epochs, n_channels)
        ``100 * values_hz / intercept_hz``.
    metric : str
        "median" or "mean".
    """

    slope_pct_per_s: npt.NDArray[np.float64]
    intercept_hz: npt.NDArray[np.float64]
    times: npt.NDArray[np.float64]
    values_hz: npt.NDArray[np.float64]
    normalised_pct: npt.NDArray[np.float64]
    metric: str


def fatigue_slope(
    x: npt.ArrayLike,
    fs: float,
    epoch: float = 1.0,
    *,
    metric: Literal["median", "mean"] = "median",
    nperseg: int | None = None,
    hardware_bandwidth_hz: float | None = None,
) -> FatigueSlope:
    """Slope of the normalised median (or mean) frequency over consecutive epochs (%/s).

    The segment (a sustained contraction) is cut into non-overlapping epochs of ``epoch``
    seconds (a trailing partial epoch is dropped); each epoch's frequency is computed from its
    Welch PSD; a least-squares line ``f(t) = a + b t`` over the epoch centres gives the slope
    ``100 b / a`` in % of the initial value per second (Coorevits et al. 2008).

    The epochs' Welch PSDs are those of :func:`welch_psd` (``scipy.signal.welch``, linear
    detrend), computed for all epochs with one batched FFT (``_welch_epochs``; equal to the
    epoch-by-epoch scipy call to about 1e-12 relative, tests/signal/test_spectral.py).

    Parameters
    ----------
    x : array_like, shape (n_samples,) or (n_samples, n_channels)
        One sustained contraction of band-passed EMG in microvolts; must be finite.
    fs : float
        Sampling rate in Hz; must be >= 1000 Hz.
    epoch : float
        Epoch length in seconds (default 1 s; 0.5-1 s per Coorevits et al. 2008).
    metric : {"median", "mean"}
        Median frequency or mean (centroid) frequency of each epoch.
    nperseg : int, optional
        Welch window length in samples, 8 to one epoch (default 250 ms, at most one epoch).
    hardware_bandwidth_hz : float, optional
        Analog/decimation bandwidth of the amplifier; refused when < 400 Hz.

    Returns
    -------
    FatigueSlope
        Slope in % per second, intercept, epoch times and per-epoch frequencies.

    Raises
    ------
    SignalError
        Fewer than 3 epochs, ``fs`` < 1000 Hz or ``hardware_bandwidth_hz`` < 400 Hz, an unknown
        ``metric``, a bad ``nperseg``, bad input.
    """
    fs = _check_spectral_ok(fs, hardware_bandwidth_hz)
    if metric not in ("median", "mean"):
        raise SignalError(f"metric must be 'median' or 'mean', got {metric!r}")
    arr, _ = as_2d(x)
    n_ep = check_window(epoch, fs, arr.shape[0], "epoch")
    k = arr.shape[0] // n_ep
    if k < 3:
        raise SignalError(
            f"fatigue slope needs at least 3 epochs of {n_ep / fs:g} s; the segment holds {k} "
            f"({arr.shape[0] / fs:g} s). Use a longer hold or shorter epochs"
        )
    if nperseg is None:
        nperseg = min(n_ep, max(8, round(0.25 * fs)))
    if not isinstance(nperseg, (int, np.integer)) or not 8 <= nperseg <= n_ep:
        raise SignalError(
            f"nperseg must be an integer of 8..{n_ep} samples (one epoch), got {nperseg!r}"
        )
    fn = _mdf if metric == "median" else _mnf
    f, p = _welch_epochs(np.ascontiguousarray(arr), fs, n_ep, k, int(nperseg))
    vals = fn(f, p)
    times = (np.arange(k) + 0.5) * n_ep / fs
    tc = times - times.mean()
    b = (tc[:, None] * (vals - vals.mean(axis=0))).sum(axis=0) / (tc * tc).sum()
    a = vals.mean(axis=0) - b * times.mean()
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = 100.0 * b / a
        norm = 100.0 * vals / a
    return FatigueSlope(
        slope_pct_per_s=slope,
        intercept_hz=a,
        times=times,
        values_hz=vals,
        normalised_pct=norm,
        metric=metric,
    )
