"""Mains hum removal by tracking the hum itself, not by notch filters.

Pure array functions (µV, explicit ``fs``, seconds, ``(n_samples, n_channels)``).

A notch removes the sEMG inside its band too, and a zero-phase notch spreads the 50 Hz part of
a burst about 0.2 s before and after it: an onset detector then fires early (measured in
docs/quality.md). Notch filtering also lowered amplitudes against adaptive removal (Physiol
Meas 2009;30:353-361; clinical-anchors.md section 1). This module estimates the hum at each
harmonic as a slowly varying sinusoid, **weighted towards the quiet parts of the signal** (the
hum is stationary over seconds; the sEMG under a contraction is not used to estimate it), and
subtracts it. The method is emgkit's (a normalised-convolution estimate of the complex
amplitude, a convention), measured in docs/quality.md.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy.signal import fftconvolve

from emgkit.signal._checks import as_2d, check_fs, restore_shape
from emgkit.signal.filters import highpass
from emgkit.signal.pipeline import remove_mains

__all__ = ["subtract_mains"]


def subtract_mains(
    x: npt.ArrayLike,
    fs: float,
    freq: float,
    harmonics: tuple[int, ...] = (1,),
    *,
    smooth_s: float = 8.0,
) -> npt.NDArray[np.float64]:
    """Subtract the hum at ``freq`` x each of ``harmonics``, tracked in time.

    Parameters
    ----------
    x : array_like, shape (n_samples,) or (n_samples, n_channels)
        Raw samples in µV (finite).
    fs : float
        Sampling rate in Hz.
    freq : float
        Power-line frequency (50 or 60 Hz).
    harmonics : tuple of int
        Multiples of ``freq`` to remove (1 = the fundamental); those not below 0.95 x Nyquist
        are skipped.
    smooth_s : float
        Length (s) of the Hann window over which the hum's complex amplitude is averaged
        (weighted); long enough to bridge a contraction, short enough to follow slow changes
        of the hum. Each harmonic is demodulated at its own measured frequency (the peak of
        the Hann-windowed periodogram within 1 Hz of the nominal one, interpolated).

    Returns
    -------
    ndarray, same shape as ``x``
        ``x`` minus the estimated hum. Each sample's weight in the estimate is the inverse of the
        local (0.5 s) signal power above 20 Hz with the hum notched out (for the weights
        only), so a contraction leaves the estimate to the quiet periods around it.
    """
    fs = check_fs(fs)
    arr, was_1d = as_2d(x)
    n = arr.shape[0]
    out = arr.copy()
    if n < round(2 * fs):
        return restore_shape(out, was_1d)
    t = np.arange(n) / fs
    # the weights see the sEMG, not the hum: notches at the harmonics for this estimate only
    top = max(harmonics) if harmonics else 1
    hp = remove_mains(highpass(arr, fs, min(20.0, 0.3 * fs), order=2), fs, freq, harmonics=top)
    w_len = max(1, round(0.5 * fs))
    box = np.ones(w_len) / w_len
    span = max(3, round(smooth_s * fs)) | 1
    ker = np.hanning(span + 2)[1:-1]
    spec = np.fft.rfft((arr - arr.mean(axis=0)) * np.hanning(n)[:, None], axis=0)
    fgrid = np.fft.rfftfreq(n, 1.0 / fs)
    for c in range(arr.shape[1]):
        p = np.convolve(hp[:, c] ** 2, box, mode="same")
        floor = max(float(np.median(p)) * 0.1, 1e-12)
        w = 1.0 / (p + floor)
        wl = fftconvolve(w, ker, mode="same")
        for k in harmonics:
            fk = k * float(freq)
            if fk >= 0.95 * fs / 2:
                continue
            # the line's own frequency (the grid drifts from nominal): the largest periodogram
            # bin within 1 Hz of the nominal harmonic
            near = np.flatnonzero(np.abs(fgrid - fk) <= 1.0)
            if near.size:
                j = int(near[np.argmax(np.abs(spec[near, c]))])
                if 0 < j < fgrid.size - 1:
                    # Gaussian (log-parabolic) interpolation of the Hann-windowed peak: a
                    # fraction of a bin, so that the phase holds across a long contraction
                    la, lb, lc = np.log(np.abs(spec[j - 1 : j + 2, c]) + 1e-300)
                    den = la - 2 * lb + lc
                    d = 0.5 * (la - lc) / den if den < 0 else 0.0
                    fk = float(fgrid[j] + np.clip(d, -0.5, 0.5) * (fgrid[1] - fgrid[0]))
                else:
                    fk = float(fgrid[j])
            ph = np.exp(-2j * np.pi * fk * t)
            z = arr[:, c] * ph * w
            a = fftconvolve(z, ker, mode="same") / wl
            out[:, c] -= 2.0 * np.real(a * np.conj(ph))
    return restore_shape(out, was_1d)
