"""A motor-unit model of surface EMG (Fuglevand, Winter & Patla 1993), for validation.

Structurally different from the subject's stochastic carrier: the signal is built from the
firing of a pool of motor units, so envelope statistics, spectrum and the amplitude-excitation
relation come out of recruitment and rate coding rather than being imposed.

Reference: Fuglevand AJ, Winter DA, Patla AE (1993). Models of recruitment and rate coding
organization in motor-unit pools. *J Neurophysiol* 70(6):2470-2488.

Model (per channel, one pool of ``n_units`` units under the electrode):

- recruitment thresholds ``r_i`` exponentially distributed over a 30-fold range (Fuglevand's
  RR = 30), the last unit recruited at ``last_recruit`` (0.65) of maximal excitation; units
  are recruited in order of size (Henneman's size principle);
- rate coding: a recruited unit fires at ``min_rate`` (8 Hz) at its threshold, rising linearly
  with excitation to its peak rate at full excitation; peak rates fall from 35 Hz (first unit)
  to 25 Hz (last unit), as in Fuglevand 1993; inter-spike intervals have a coefficient of
  variation of 0.2 (Gaussian, truncated at 3 SD);
- MUAPs: first-order Hermite-Rodriguez (derivative-of-Gaussian) waveforms; amplitude grows
  with unit size over a ``size_range`` (12-fold) range, width grows with size and with a
  per-unit depth factor (volume-conductor low-pass), and a per-channel factor models fat
  and electrode distance. Units are grouped into ``n_classes`` width classes so the sum can be
  built with one FFT convolution per class.

Amplitude truth. The model computes the *expected* RMS of its output at a constant excitation
``e`` analytically, assuming incoherent summation of the units' trains (power adds):
``P(e) = sum_i [e >= r_i] rate_i(e) * A_i^2 * sum_n s_i[n]^2 / fs``. The synthetic subject's
activation amplitude ``a(t)`` (microvolts RMS) is turned into an excitation
``e(t) = P^-1(a(t)^2)`` so the model's expected RMS equals the activation the ground truth
uses; the ground truth is recomputed as ``sqrt(P(e(t)))`` after clipping ``e`` to ``[0, 1]``.
The expected RMS is what an RMS-based %MVC estimates, which is why it (and not the excitation,
whose relation to RMS is non-linear) defines %MVC truth for this model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np
import numpy.typing as npt

from emgkit.errors import ConfigError

__all__ = ["MotorUnitPool", "hermite_rodriguez", "spike_trains"]


def hermite_rodriguez(t: npt.NDArray[np.float64], width: float) -> npt.NDArray[np.float64]:
    """First-order Hermite-Rodriguez waveform ``(t / w) exp(-(t / w)^2)`` (peak 1/sqrt(2e)).

    Parameters
    ----------
    t : ndarray
        Times in seconds (0 = centre of the waveform).
    width : float
        Time scale ``w`` in seconds.

    Returns
    -------
    ndarray
        The waveform, same shape as ``t``.
    """
    u = t / width
    return u * np.exp(-u * u)


@numba.njit(cache=True)
def _trains_kernel(
    exc: npt.NDArray[np.float64],
    fs: float,
    thr: npt.NDArray[np.float64],
    pfr: npt.NDArray[np.float64],
    min_rate: float,
    isi_cv: float,
    z: npt.NDArray[np.float64],
    max_spikes: int,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], int]:  # pragma: no cover - numba
    n = exc.shape[0]
    n_z = z.shape[0]
    j = 0
    out_i = np.empty(max_spikes, np.int64)
    out_u = np.empty(max_spikes, np.int64)
    k = 0
    for u in range(thr.shape[0]):
        th = thr[u]
        span = max(1.0 - th, 1e-9)
        i = 0
        while i < n:
            while i < n and exc[i] < th:
                i += 1
            if i >= n:
                break
            # first spike at recruitment, within the first 2 ms
            i += int(min(abs(z[j % n_z]), 2.0) * 0.001 * fs)
            j += 1
            if i >= n:
                break
            while True:
                if k < max_spikes:
                    out_i[k] = i
                    out_u[k] = u
                k += 1
                e = exc[i]
                rate = min_rate + (pfr[u] - min_rate) * min(max((e - th) / span, 0.0), 1.0)
                zi = min(max(z[j % n_z], -3.0), 3.0)
                j += 1
                isi = (1.0 + isi_cv * zi) / rate
                step = max(1, round(isi * fs))
                i += step
                if i >= n:
                    break
                if exc[i] < th:
                    break
    return out_i, out_u, k


def spike_trains(
    excitation: npt.NDArray[np.float64],
    fs: float,
    thresholds: npt.NDArray[np.float64],
    peak_rates: npt.NDArray[np.float64],
    *,
    min_rate: float = 8.0,
    isi_cv: float = 0.2,
    seed: int = 0,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Firing times of a motor-unit pool driven by an excitation (rate coding, ISI noise).

    Parameters
    ----------
    excitation : ndarray, shape (n_samples,)
        Excitation in [0, 1] at rate ``fs``.
    fs : float
        Sampling rate in Hz.
    thresholds, peak_rates : ndarray, shape (n_units,)
        Recruitment threshold (excitation units) and peak firing rate (Hz) of each unit.
    min_rate : float
        Firing rate at recruitment in Hz.
    isi_cv : float
        Coefficient of variation of the inter-spike intervals.
    seed : int
        Seed of ``numpy.random.default_rng`` for the interval noise.

    Returns
    -------
    sample : ndarray of int
        Sample index of each spike.
    unit : ndarray of int
        Unit index of each spike.
    """
    exc = np.ascontiguousarray(excitation, dtype=np.float64)
    thr = np.ascontiguousarray(thresholds, dtype=np.float64)
    pfr = np.ascontiguousarray(peak_rates, dtype=np.float64)
    # expected spike count: time above threshold x peak rate, with a margin; retried if short
    above = (exc.shape[0] - np.searchsorted(np.sort(exc), thr)) / fs
    max_spikes = int(1.3 * float(np.sum(above * pfr))) + 4 * thr.size + 64
    rng = np.random.default_rng(seed)
    z = rng.standard_normal(max_spikes + thr.size)
    while True:
        idx, unit, k = _trains_kernel(
            exc, float(fs), thr, pfr, float(min_rate), float(isi_cv), z, max_spikes
        )
        if k <= max_spikes:
            break
        max_spikes = k
        z = np.concatenate([z, rng.standard_normal(k + thr.size - z.size)])
    return idx[:k], unit[:k]


@dataclass(frozen=True)
class MotorUnitPool:
    """One channel's motor-unit pool: thresholds, rates, MUAP amplitudes and width classes.

    Build with :meth:`draw`. Attributes are arrays over units, sorted by recruitment threshold
    (= size order).
    """

    fs: float
    thresholds: npt.NDArray[np.float64]
    peak_rates: npt.NDArray[np.float64]
    amplitudes: npt.NDArray[np.float64]
    unit_class: npt.NDArray[np.int64]
    shapes: npt.NDArray[np.float64]  # (n_classes, n_taps), centred
    min_rate: float = 8.0
    isi_cv: float = 0.2

    @classmethod
    def draw(
        cls,
        fs: float,
        rng: np.random.Generator,
        *,
        n_units: int = 120,
        recruit_range: float = 30.0,
        last_recruit: float = 0.65,
        size_range: float = 12.0,
        width_ms: float = 2.0,
        n_classes: int = 8,
        min_rate: float = 8.0,
        peak_rate: tuple[float, float] = (35.0, 25.0),
        isi_cv: float = 0.2,
    ) -> MotorUnitPool:
        """Draw a pool (MUAP depth factors and the channel's conductor factor are random).

        Parameters
        ----------
        fs : float
            Generation rate in Hz (>= 1000 recommended; MUAPs last a few ms).
        rng : numpy.random.Generator
        n_units : int
            Units under the electrode (Fuglevand 1993 used 120).
        recruit_range : float
            Ratio of the last to the first recruitment threshold (RR = 30).
        last_recruit : float
            Excitation (0-1) at which the last unit is recruited.
        size_range : float
            Ratio of the largest to the smallest MUAP amplitude.
        width_ms : float
            Hermite-Rodriguez time scale of the smallest, shallowest unit in ms.
        n_classes : int
            Number of MUAP width classes.
        min_rate : float
            Firing rate at recruitment, Hz.
        peak_rate : (float, float)
            Peak firing rate of the first and of the last unit, Hz.
        isi_cv : float
            Inter-spike interval coefficient of variation.

        Returns
        -------
        MotorUnitPool
        """
        if n_units < 2 or not recruit_range > 1.0 or not 0.0 < last_recruit <= 1.0:
            raise ConfigError(
                "motor-unit pool: need n_units >= 2, recruit_range > 1, 0 < last_recruit <= 1"
            )
        pos = np.arange(n_units) / (n_units - 1)
        thr = last_recruit / recruit_range * np.exp(math.log(recruit_range) * pos)
        pfr = peak_rate[0] + (peak_rate[1] - peak_rate[0]) * pos
        size = np.exp(math.log(size_range) * pos)
        depth = rng.uniform(0.0, 1.0, n_units)  # 0 = superficial
        conductor = rng.uniform(0.9, 1.2)  # channel: fat / electrode distance
        width = width_ms / 1000.0 * conductor * (1.0 + 0.3 * pos) * (1.0 + 0.6 * depth)
        amp = size * np.exp(-1.2 * depth)  # deeper units: smaller and wider
        edges = np.quantile(width, np.linspace(0.0, 1.0, n_classes + 1))
        ucls = np.clip(np.searchsorted(edges, width, side="right") - 1, 0, n_classes - 1)
        w_cls = np.array(
            [width[ucls == c].mean() if np.any(ucls == c) else edges[c] for c in range(n_classes)]
        )
        half = math.ceil(4.0 * float(w_cls.max()) * fs)
        t = np.arange(-half, half + 1) / fs
        shapes = np.stack([hermite_rodriguez(t, w) for w in w_cls])
        return cls(fs, thr, pfr, amp, ucls.astype(np.int64), shapes, min_rate, isi_cv)

    # ------------------------------------------------------------------ amplitude model
    def rates(self, e: float) -> npt.NDArray[np.float64]:
        """Mean firing rate (Hz) of every unit at constant excitation ``e`` (0 if not recruited)."""
        span = np.maximum(1.0 - self.thresholds, 1e-9)
        frac = np.clip((e - self.thresholds) / span, 0.0, 1.0)
        r = self.min_rate + (self.peak_rates - self.min_rate) * frac
        return np.where(e >= self.thresholds, r, 0.0)

    def unit_energy(self) -> npt.NDArray[np.float64]:
        """Energy ``A_i^2 sum_n s_i[n]^2`` of each unit's MUAP (uV^2 samples, unit scale)."""
        e_cls = np.sum(self.shapes**2, axis=1)
        return self.amplitudes**2 * e_cls[self.unit_class]

    def expected_rms(self, e: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Expected RMS (unit scale) at constant excitation(s) ``e`` (incoherent summation)."""
        e_arr = np.atleast_1d(np.asarray(e, dtype=np.float64))
        en = self.unit_energy() / self.fs
        p = np.array([float(np.sum(self.rates(float(x)) * en)) for x in e_arr.ravel()])
        return np.sqrt(p).reshape(e_arr.shape)

    def rms_curve(self, n: int = 401) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Excitation grid 0-1 and the expected RMS on it (monotone non-decreasing)."""
        grid = np.linspace(0.0, 1.0, n)
        return grid, np.maximum.accumulate(self.expected_rms(grid))

    # ------------------------------------------------------------------ rendering
    def render(
        self, excitation: npt.NDArray[np.float64], scale: float, seed: int
    ) -> npt.NDArray[np.float64]:
        """Surface signal (uV) for an excitation time course (at the pool's ``fs``).

        Parameters
        ----------
        excitation : ndarray, shape (n_samples,)
            Excitation in [0, 1].
        scale : float
            MUAP amplitude scale in uV (multiplies every unit's amplitude).
        seed : int
            Seed of the firing-time randomness.

        Returns
        -------
        ndarray, shape (n_samples,)
        """
        n = excitation.shape[0]
        idx, unit = spike_trains(
            excitation,
            self.fs,
            self.thresholds,
            self.peak_rates,
            min_rate=self.min_rate,
            isi_cv=self.isi_cv,
            seed=seed,
        )
        k = self.shapes.shape[0]
        flat = self.unit_class[unit] * n + idx
        trains = np.bincount(flat, weights=self.amplitudes[unit], minlength=n * k)
        trains = trains[: n * k].reshape(k, n)
        taps = self.shapes.shape[1]
        # MUAPs are short (tens of taps): direct convolution per width class is the fastest
        y = np.zeros(n + taps - 1)
        for c in range(k):
            y += np.convolve(trains[c], self.shapes[c], mode="full")
        half = taps // 2
        return scale * y[half : half + n]

    def power_spectrum_shape(
        self, f: npt.NDArray[np.float64], e: float = 0.5
    ) -> npt.NDArray[np.float64]:
        """Expected power spectrum shape at excitation ``e`` (sum of MUAP spectra x rates).

        Each recruited unit contributes its MUAP's energy spectrum times its amplitude squared
        times its mean firing rate (incoherent summation of independent spike trains).

        Parameters
        ----------
        f : ndarray, shape (n_freqs,)
            Frequencies in Hz (normally 0 to ``fs / 2``).
        e : float
            Constant excitation, 0 (rest) to 1 (maximum drive); default 0.5.

        Returns
        -------
        ndarray, shape (n_freqs,)
            Relative power at ``f`` (unit scale, arbitrary units: only the shape is meaningful).
        """
        taps = self.shapes.shape[1]
        t = (np.arange(taps) - taps // 2) / self.fs
        ph = np.exp(-2j * np.pi * np.outer(f, t))
        sk = np.abs(ph @ self.shapes.T) ** 2  # (n_f, n_classes)
        w = np.bincount(
            self.unit_class,
            weights=self.rates(e) * self.amplitudes**2,
            minlength=self.shapes.shape[0],
        )
        return np.asarray(sk @ w, dtype=np.float64)
