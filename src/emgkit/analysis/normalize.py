"""Amplitude normalisation to each side's own MVC.

Default (clinical-anchors.md section 3; Besomi et al. 2020; Burden 2010): isometric MVC, each
channel normalised to the MVC of *its own* muscle and side, so that electrode position and skin
differences do not become "asymmetry".

**Definition (emgkit).** The MVC amplitude of a channel is the RMS of its band-passed signal over
the *plateau* of each MVC hold of that muscle and side (the hold without its first
:data:`PLATEAU_TRIM_S` [0] s, where the force is still rising, and its last [1] s), taking the
maximum across holds and positions (Contreras et al. 2015: no single glute max position is
maximal for everyone). The RMS over a 3.5 s plateau is the mean power of the whole steady
contraction; the conventional "best 500 ms window of the envelope" picks the maximum of a noisy
envelope and so overestimates the MVC (and underestimates %MVC) by an amount that grows with the
envelope's fluctuation: docs/analysis.md gives the measured figures. That window is kept as
``method="peak_window"``.

**Refusal.** An MVC is accepted only when it is clearly above the channel's rest level:
``MVC >= MVC_MIN_SNR x rest RMS`` (:data:`MVC_MIN_SNR`, a convention). Otherwise %MVC is refused
for that channel (a noise-floor "MVC" divides a task by noise and prints thousands of %MVC).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from emgkit.errors import ConfigError, SignalError
from emgkit.recording import Event

__all__ = [
    "MVC_MIN_SNR",
    "PCT_MVC_SUBMAXIMAL",
    "PLATEAU_TRIM_S",
    "best_window_mean",
    "mvc_amplitude",
    "plateau_rms",
]

#: Smallest accepted ratio of MVC amplitude to the channel's rest RMS (a convention: at 5x the
#: rest level a 20 %MVC contraction is still as large as the noise floor; below it the "MVC" is
#: not clearly a contraction and %MVC is refused).
MVC_MIN_SNR = 5.0

#: Task level (%MVC) above which the MVC was probably sub-maximal (a convention: bridges stay
#: far below a true maximum, clinical-anchors.md section 5; real MVCs vary by 10-20 %).
PCT_MVC_SUBMAXIMAL = 150.0

#: Seconds dropped at the start (force still rising; ramps up to ~0.7 s) and at the end
#: (anticipated release) of an MVC hold before its plateau RMS is taken. On holds shorter than
#: 2.5 s the trim is scaled so that at least 40 % of the hold remains.
PLATEAU_TRIM_S = (1.0, 0.5)


def best_window_mean(envelope: npt.NDArray[np.float64], fs: float, window: float = 0.5) -> float:
    """Highest mean of ``envelope`` (1-D) over any ``window``-second span, ignoring NaN samples.

    A window that contains missing samples (NaN) is not used. When the segment is shorter than
    the window, the mean of the whole segment is returned.

    Parameters
    ----------
    envelope : ndarray, shape (n_samples,)
        Amplitude envelope of one channel (e.g. moving RMS in microvolts), NaN where missing.
    fs : float
        Sampling rate in Hz.
    window : float
        Length of the averaging window in seconds (default 0.5 s), rounded to whole samples.

    Returns
    -------
    float
        The highest window mean, in the unit of ``envelope``; NaN for an empty envelope or
        when every window contains a missing sample.

    Raises
    ------
    SignalError
        ``envelope`` is not 1-D.
    """
    env = np.asarray(envelope, dtype=np.float64)
    if env.ndim != 1:
        raise SignalError(f"envelope must be 1-D, got shape {env.shape}")
    if env.size == 0:
        return float("nan")
    n = max(1, round(window * fs))
    if env.size <= n:
        return float(np.nanmean(env)) if np.isfinite(env).any() else float("nan")
    finite = np.isfinite(env)
    vals = np.where(finite, env, 0.0)
    csum = np.concatenate([[0.0], np.cumsum(vals)])
    cbad = np.concatenate([[0], np.cumsum(~finite)])
    sums = csum[n:] - csum[:-n]
    bad = cbad[n:] - cbad[:-n]
    sums = np.where(bad > 0, -np.inf, sums)
    best = float(sums.max())
    return best / n if np.isfinite(best) else float("nan")


def plateau_rms(
    envelope: npt.NDArray[np.float64],
    fs: float,
    trim: tuple[float, float] = PLATEAU_TRIM_S,
) -> float:
    """RMS over the plateau of one hold, from its moving-RMS envelope (1-D, microvolts).

    The moving-RMS envelope squared is a moving mean of the signal power, so
    ``sqrt(mean(envelope**2))`` over the plateau is the RMS of the signal there. The plateau is
    the hold without ``trim[0]`` seconds at the start and ``trim[1]`` at the end (scaled down
    on holds shorter than 2.5 s so that 40 % remains). NaN samples (missing data) are ignored;
    NaN when nothing finite remains.

    Parameters
    ----------
    envelope : ndarray, shape (n_samples,)
        Moving-RMS envelope of the hold, in microvolts.
    fs : float
        Sampling rate in Hz.
    trim : (float, float)
        Seconds dropped at the start and the end.

    Returns
    -------
    float
        Plateau RMS in microvolts.
    """
    env = np.asarray(envelope, dtype=np.float64)
    if env.ndim != 1:
        raise SignalError(f"envelope must be 1-D, got shape {env.shape}")
    n = env.size
    a, b = max(0, round(trim[0] * fs)), max(0, round(trim[1] * fs))
    if a + b > 0.6 * n:
        scale = 0.6 * n / (a + b)
        a, b = int(a * scale), int(b * scale)
    seg = env[a : n - b]
    seg = seg[np.isfinite(seg)]
    if seg.size == 0:
        return float("nan")
    return float(np.sqrt(np.mean(seg * seg)))


def mvc_amplitude(
    envelope: npt.NDArray[np.float64],
    fs: float,
    holds: Sequence[Event],
    window: float = 0.5,
    method: str = "plateau",
    trim: tuple[float, float] = PLATEAU_TRIM_S,
) -> tuple[float, str]:
    """MVC amplitude of one channel: the largest hold value over all given hold events.

    Parameters
    ----------
    envelope : ndarray, shape (n_samples,)
        The channel's RMS envelope in microvolts (NaN where samples are missing).
    fs : float
        Sampling rate in Hz.
    holds : sequence of Event
        The MVC hold events of this channel's muscle and side (all positions).
    window : float
        Averaging window in seconds for ``method="peak_window"`` (default 0.5 s).
    method : {"plateau", "peak_window"}
        ``"plateau"`` (default): :func:`plateau_rms` of each hold. ``"peak_window"``: the
        conventional highest ``window`` mean of the envelope (biased high on a fluctuating
        envelope; docs/analysis.md has the measured bias).
    trim : (float, float)
        Plateau trim in seconds (``method="plateau"``).

    Returns
    -------
    amplitude_uv : float
        NaN when no hold is given.
    source_trial : str
        The trial whose hold gave the maximum.
    """
    if method not in ("plateau", "peak_window"):
        raise ConfigError(f"MVC method must be 'plateau' or 'peak_window', got {method!r}")
    best, source = float("nan"), ""
    for ev in holds:
        i0 = max(0, round(ev.onset * fs))
        i1 = min(envelope.shape[0], round(ev.offset * fs))
        if i1 - i0 < 2:
            continue
        seg = envelope[i0:i1]
        val = (
            plateau_rms(seg, fs, trim) if method == "plateau" else best_window_mean(seg, fs, window)
        )
        if np.isfinite(val) and not (val <= best):
            best, source = val, ev.trial
    return best, source
