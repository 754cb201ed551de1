"""ECG crosstalk on trunk channels: detection of QRS complexes and template subtraction.

Pure array functions (µV, explicit ``fs``, seconds, ``(n_samples, n_channels)``).

Why: the heart's QRS complex reaches lumbar erector spinae and multifidus electrodes, and its
energy (about 5-40 Hz) overlaps the sEMG band. A 30 Hz high-pass removes most of it at 1 kHz
(Drake & Callaghan 2006, JEK 16:175-187), but at 250 Hz (OpenBCI Cyton, hardware band about
65 Hz) little sEMG is left above 30 Hz and a large ECG still passes. Drake & Callaghan found
template subtraction as good as the 30 Hz high-pass at 10-25 %MVC; it is used here where ECG
is *detected* and the signal is otherwise untouched.

Method (emgkit's, documented in docs/quality.md):

1. Detection signal: 8-40 Hz band-pass (QRS band), its energy smoothed over 80 ms.
2. Rate: the most prominent autocorrelation peak of that energy at lags of 0.33-1.7 s
   (35-180 bpm), measured above the lowest autocorrelation at shorter lags; ECG is declared
   only when that peak exceeds :data:`ECG_ACF_MIN` (a heartbeat is periodic; a slowly varying
   contraction envelope is not) **and** the beats found are alike (:data:`ECG_COHERENCE_MIN`,
   mean correlation of each QRS with the median QRS; a gait rhythm is periodic but its sEMG
   peaks are not alike).
3. Beats: peaks of the QRS-band signal (polarity from the reference segment) at least 0.6 RR
   apart and above half the median R height of the reference segment.
4. Subtraction: each beat's neighbourhood (-0.25 to +0.45 s around R, shortened to
   -0.3 to +0.65 RR at fast rates so that beats do not overlap) minus the median of the 21
   quietest beats among the 30 on either side (a template averaged over beats under a
   contraction would add that sEMG to quiet beats), computed above 1 Hz and with its end
   values joined by a line kept (no step at the window's edges).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import signal as sps

from emgkit.signal._checks import as_2d, check_fs
from emgkit.signal.filters import bandpass, highpass

__all__ = [
    "ECG_ACF_MIN",
    "ECG_COHERENCE_MIN",
    "EcgDetection",
    "detect_ecg",
    "subtract_ecg",
]

#: Height of the autocorrelation peak of the QRS-band energy at the heart period, above the
#: lowest autocorrelation at shorter lags, needed to call it ECG (convention; measured
#: false-positive rate in docs/quality.md).
ECG_ACF_MIN = 0.5

#: Mean correlation of single QRS complexes (+-60 ms) with their median needed to call it ECG
#: (convention: sEMG peaks aligned on their maxima reach about 0.7-0.8, a gait rhythm too; an
#: ECG 0.96-1.0).
ECG_COHERENCE_MIN = 0.9

_PRE_S, _POST_S = 0.25, 0.45
_QRS_S = 0.06


@dataclass(frozen=True)
class EcgDetection:
    """ECG found on one channel (result of :func:`detect_ecg`).

    Attributes
    ----------
    detected : bool
    rate_bpm : float
        Heart rate from the autocorrelation (NaN when no periodicity was found).
    acf : float
        Height of the autocorrelation peak of the QRS-band energy at the heart period, above
        the lowest autocorrelation at shorter lags.
    coherence : float
        Mean correlation of the reference segment's QRS complexes with their median.
    r_amplitude_uv : float
        Height of the median R wave in the QRS band (µV).
    r_peaks : ndarray of int
        Sample indices of the beats over the whole signal (empty when not detected).
    """

    detected: bool
    rate_bpm: float
    acf: float
    coherence: float
    r_amplitude_uv: float
    r_peaks: npt.NDArray[np.int64]


def _none(rate: float = np.nan, acf: float = 0.0, coh: float = 0.0) -> EcgDetection:
    return EcgDetection(False, rate, acf, coh, 0.0, np.zeros(0, dtype=np.int64))


def _qrs_band(v: npt.NDArray[np.float64], fs: float) -> npt.NDArray[np.float64]:
    hi = min(40.0, 0.4 * fs)
    return bandpass(v, fs, 8.0, hi, order=2)


def _period(y: npt.NDArray[np.float64], fs: float) -> tuple[float, float]:
    """(RR in samples, autocorrelation peak height there) of the smoothed QRS-band energy."""
    w = max(1, round(0.08 * fs))
    e = np.convolve(y * y, np.ones(w) / w, mode="same")
    e = e - e.mean()
    n = e.size
    lo, hi = round(60.0 / 180.0 * fs), round(60.0 / 35.0 * fs)
    if n < 3 * hi or not np.any(e):
        return np.nan, 0.0
    nfft = 1 << int(np.ceil(np.log2(2 * n)))
    spec = np.fft.rfft(e, nfft)
    acf = np.fft.irfft(spec * np.conj(spec), nfft)[: hi + 1]
    acf = acf / acf[0] * n / (n - np.arange(hi + 1))  # unbiased
    # a heartbeat gives a PEAK at its period: the height above the lowest autocorrelation at
    # shorter lags (an envelope that merely varies slowly decays without such a peak)
    trough = np.minimum.accumulate(acf)
    prom = acf - trough
    k = lo + int(np.argmax(prom[lo : hi + 1]))
    # a sub-multiple with almost the same prominence is the true period (skipped beats)
    half = k // 2
    if half >= lo and prom[max(lo, half - 3) : half + 4].max() > 0.8 * prom[k]:
        k = max(lo, half - 3) + int(np.argmax(prom[max(lo, half - 3) : half + 4]))
    return float(k), float(prom[k])


def _find_beats(
    s: npt.NDArray[np.float64], fs: float, rr: float, height: float
) -> npt.NDArray[np.int64]:
    peaks, _ = sps.find_peaks(s, distance=max(1, int(0.6 * rr)), height=height)
    return np.asarray(peaks, dtype=np.int64)


def _coherence(v: npt.NDArray[np.float64], peaks: npt.NDArray[np.int64], fs: float) -> float:
    h = max(2, round(_QRS_S * fs))
    segs = np.array([v[p - h : p + h + 1] for p in peaks if p - h >= 0 and p + h < v.size])
    if segs.shape[0] < 5:
        return 0.0
    tpl = np.median(segs, axis=0)
    tc = tpl - tpl.mean()
    sc = segs - segs.mean(axis=1, keepdims=True)
    den = np.sqrt((sc * sc).sum(axis=1) * (tc * tc).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (sc @ tc) / den
    return float(np.nanmean(r))


def detect_ecg(
    x: npt.ArrayLike,
    fs: float,
    *,
    reference: tuple[float, float] | None = None,
    channels: Sequence[int] | None = None,
) -> list[EcgDetection]:
    """Detect ECG crosstalk in each channel.

    Parameters
    ----------
    x : array_like, shape (n_samples,) or (n_samples, n_channels)
        Raw samples in µV (finite; fill gaps first).
    fs : float
        Sampling rate in Hz (>= 100).
    reference : (float, float), optional
        A quiet segment in seconds (e.g. the rest trial) where the rate, polarity, R height and
        coherence are measured; default the whole signal. Beats are then found everywhere.
    channels : sequence of int, optional
        The columns of ``x`` to examine (default all); no other column is read or copied.

    Returns
    -------
    list of EcgDetection
        One per examined channel, in the order of ``channels``.

    Notes
    -----
    With a reference segment, the QRS band is filtered over that segment plus 1 s on either side
    (the 8 Hz edge's transient decays by e^-35 in 1 s: equal to the whole-signal filter's
    values to rounding); the whole channel is filtered only where ECG is detected (to find the
    beats everywhere).
    """
    fs = check_fs(fs)
    arr, _ = as_2d(x)
    n = arr.shape[0]
    cols = list(range(arr.shape[1])) if channels is None else [int(c) for c in channels]
    if reference is not None:
        i0, i1 = max(0, round(reference[0] * fs)), min(n, round(reference[1] * fs))
        if i1 - i0 < round(5.0 * fs):
            i0, i1 = 0, n
    else:
        i0, i1 = 0, n
    out = []
    if n < round(6.0 * fs) or fs < 100.0:
        return [_none() for _ in cols]
    whole = (i0, i1) == (0, n)
    pad = round(1.0 * fs)
    s0, s1 = (0, n) if whole else (max(0, i0 - pad), min(n, i1 + pad))
    rows = arr[s0:s1]
    sub = rows if cols == list(range(arr.shape[1])) else np.take(rows, cols, axis=1)
    y_ref = _qrs_band(sub, fs)[i0 - s0 : i1 - s0]
    for j, c in enumerate(cols):
        ref = np.ascontiguousarray(y_ref[:, j])
        rr, acf = _period(ref, fs)
        if not np.isfinite(rr) or acf < ECG_ACF_MIN:
            out.append(_none(60.0 * fs / rr if np.isfinite(rr) else np.nan, acf))
            continue
        hi_q, lo_q = np.percentile(ref, [99.5, 0.5])
        sign = 1.0 if abs(hi_q) >= abs(lo_q) else -1.0
        s_ref = sign * ref
        p0 = _find_beats(s_ref, fs, rr, 0.3 * float(np.percentile(s_ref, 99.5)))
        if p0.size < 5:
            out.append(_none(60.0 * fs / rr))
            continue
        r_h = float(np.median(s_ref[p0]))
        coh = _coherence(ref, p0, fs)
        if coh < ECG_COHERENCE_MIN:
            out.append(_none(60.0 * fs / rr, acf, coh))
            continue
        y = ref if whole else _qrs_band(np.ascontiguousarray(arr[:, c]), fs)
        peaks = _find_beats(sign * y, fs, rr, 0.5 * r_h)
        out.append(EcgDetection(True, 60.0 * fs / rr, acf, coh, r_h, peaks))
    return out


def subtract_ecg(
    x: npt.ArrayLike,
    fs: float,
    r_peaks: npt.ArrayLike,
    *,
    neighbours: int = 10,
) -> npt.NDArray[np.float64]:
    """Subtract a running-median ECG template at the given beats from one channel.

    Parameters
    ----------
    x : array_like, shape (n_samples,)
        Raw samples of one channel in µV.
    fs : float
        Sampling rate in Hz.
    r_peaks : array_like of int
        Sample index of each R wave (e.g. :attr:`EcgDetection.r_peaks`).
    neighbours : int
        A beat's template is the median of the ``2 x neighbours + 1`` quietest beats (least
        sEMG on them) among the ``3 x neighbours`` on each side.

    Returns
    -------
    ndarray, shape (n_samples,)
        ``x`` with each beat's template (-0.25 to +0.45 s around R, at most -0.3 to +0.65
        RR so that beats do not overlap; edges tapered over 20 ms) removed; untouched
        elsewhere. The ECG content below 1 Hz stays (the sEMG band-pass removes it).
    """
    fs = check_fs(fs)
    arr, was_1d = as_2d(x)
    if arr.shape[1] != 1:
        arr = arr[:, :1]
    v = arr[:, 0].copy()
    peaks = np.asarray(r_peaks, dtype=np.int64)
    rr = float(np.median(np.diff(peaks))) if peaks.size > 1 else fs
    pre = round(min(_PRE_S * fs, 0.3 * rr))
    post = round(min(_POST_S * fs, 0.65 * rr))
    ok = peaks[(peaks - pre >= 0) & (peaks + post < v.size)]
    if ok.size < 3:
        return v if was_1d else v[:, None]
    idx = ok[:, None] + np.arange(-pre, post + 1)[None, :]
    # templates from the signal above 1 Hz (electrode offsets and wander differ from beat to
    # beat); the ECG content below 1 Hz is left, the sEMG band-pass removes it anyway
    hp = highpass(v, fs, 1.0, order=2) if v.size > 64 else v - v.mean()
    segs = hp[idx]
    taper = np.ones(pre + post + 1)
    t = max(1, round(0.02 * fs))
    ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(t) / t)
    taper[:t], taper[-t:] = ramp, ramp[::-1]
    out = v.copy()
    nb = ok.size
    # how much sEMG rides on each beat: its deviation from the median of all beats
    noise = np.sqrt(np.mean((segs - np.median(segs, axis=0)) ** 2, axis=1))
    span = 3 * neighbours
    for b in range(nb):
        j0, j1 = max(0, b - span), min(nb, b + span + 1)
        # the quietest beats nearby: a template from beats under a contraction would carry
        # that sEMG into every beat it is subtracted from
        near = j0 + np.argsort(noise[j0:j1], kind="stable")[: 2 * neighbours + 1]
        tpl = np.median(segs[near], axis=0)
        # no step at the window's edges: the line through the template's end values is kept
        tpl = tpl - np.linspace(tpl[:t].mean(), tpl[-t:].mean(), tpl.size)
        out[idx[b]] -= tpl * taper
    return out if was_1d else out[:, None]
