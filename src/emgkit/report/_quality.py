"""Signal quality per channel for the report (plain numpy; no I/O).

The rules and thresholds are those of :mod:`emgkit.signal.quality` (shared with the live view
and the analysis gate :func:`emgkit.analysis.quality.assess_recording`).
"""

from __future__ import annotations

import warnings

import numpy as np
import numpy.typing as npt
import pandas as pd

from emgkit.analysis.quality import rest_window
from emgkit.recording import Recording
from emgkit.signal import quality as sq

__all__ = ["rest_window", "signal_quality"]


def signal_quality(rec: Recording, filtered: npt.NDArray[np.float64] | None = None) -> pd.DataFrame:
    """One row per channel: flat, clipping, mains level, rest noise floor, missing samples.

    Parameters
    ----------
    rec : Recording
        The raw recording.
    filtered : ndarray (n_samples, n_channels), optional
        Band-passed signal of the same channels (the noise floor is its RMS over the rest
        trial); without it the noise floor comes from the raw rest window
        (:func:`emgkit.signal.quality.noise_floor`).

    Returns
    -------
    DataFrame
        channel, muscle, side, kind, rms_uv (whole recording, mean removed), flat (bool),
        clipping_pct, mains_hz, mains_uv (RMS of the 50/60 Hz line in the rest window, or in
        the whole recording when there is no rest trial), mains_db, noise_uv, missing_pct,
        status (short text: "ok" or what is wrong: flat, clipping, mains <Hz> Hz, gaps).
    """
    line_hz = rec.info.power_line_hz
    data = rec.data
    clip = sq.clipped_fraction(data)
    flat = sq.is_flat(data)
    rw = rest_window(rec)
    if rw is not None:
        i0, i1 = round(rw[0] * rec.fs), round(rw[1] * rec.fs)
    else:
        i0, i1 = 0, rec.n_samples
    part = data[i0:i1]
    mains = sq.mains_level(part, rec.fs, line_hz)
    floor = sq.noise_floor(part, rec.fs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        rms = np.nanstd(data, axis=0) if rec.n_samples else np.zeros(rec.n_channels)
    missing = np.isnan(data).mean(axis=0) * 100.0 if rec.n_samples else np.zeros(0)
    rows = []
    for ci, ch in enumerate(rec.channels):
        noise = float(floor[ci])
        if filtered is not None and rw is not None and i1 > i0:
            seg = filtered[i0:i1, ci]
            seg = seg[np.isfinite(seg)]
            if seg.size:
                noise = float(np.sqrt(np.mean(seg * seg)))
        problems = []
        if flat[ci]:
            problems.append("flat")
        if sq.is_clipping(clip[ci]):
            problems.append("clipping")
        if mains.harmonics[ci] and not flat[ci]:
            problems.append(f"mains {mains.freq_hz:.0f} Hz")
        if missing[ci] > 0:
            problems.append("gaps")
        rows.append(
            {
                "channel": ch.name,
                "muscle": ch.muscle,
                "side": ch.side,
                "kind": str(ch.kind),
                "rms_uv": float(rms[ci]),
                "flat": bool(flat[ci]),
                "clipping_pct": float(clip[ci]) * 100.0,
                "mains_hz": mains.freq_hz,
                "mains_uv": float(mains.uv[ci]),
                "mains_db": float(mains.db[ci]),
                "noise_uv": noise,
                "missing_pct": float(missing[ci]),
                "status": ", ".join(problems) or "ok",
            }
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return pd.DataFrame(rows)
