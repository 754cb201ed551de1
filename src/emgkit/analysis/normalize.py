"""Amplitude normalisation to each side's own MVC.

Default (clinical-anchors.md section 3; Besomi et al. 2020; Burden 2010): isometric MVC, each
channel normalised to the MVC of *its own* muscle and side, so that electrode position and skin
differences do not become "asymmetry". The MVC amplitude is the highest mean of the 100 ms RMS
envelope over any 500 ms window inside the MVC holds of that muscle and side, taking the maximum
across positions (Contreras et al. 2015: no single glute max position is maximal for everyone).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from emgkit.errors import SignalError
from emgkit.recording import Event

__all__ = ["best_window_mean", "mvc_amplitude"]


def best_window_mean(envelope: npt.NDArray[np.float64], fs: float, window: float = 0.5) -> float:
    """Highest mean of ``envelope`` (1-D) over any ``window``-second span, ignoring NaN samples.

    A window that contains missing samples (NaN) is not used. When the segment is shorter than
    the window, the mean of the whole segment is returned.
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


def mvc_amplitude(
    envelope: npt.NDArray[np.float64],
    fs: float,
    holds: Sequence[Event],
    window: float = 0.5,
) -> tuple[float, str]:
    """MVC amplitude of one channel: the best ``window`` mean over all given hold events.

    Parameters
    ----------
    envelope : ndarray, shape (n_samples,)
        The channel's RMS envelope in microvolts (NaN where samples are missing).
    fs : float
        Sampling rate in Hz.
    holds : sequence of Event
        The MVC hold events of this channel's muscle and side (all positions).
    window : float
        Averaging window in seconds (default 0.5 s).

    Returns
    -------
    amplitude_uv : float
        NaN when no hold is given.
    source_trial : str
        The trial whose hold gave the maximum.
    """
    best, source = float("nan"), ""
    for ev in holds:
        i0 = max(0, round(ev.onset * fs))
        i1 = min(envelope.shape[0], round(ev.offset * fs))
        if i1 - i0 < 2:
            continue
        val = best_window_mean(envelope[i0:i1], fs, window)
        if np.isfinite(val) and not (val <= best):
            best, source = val, ev.trial
    return best, source
