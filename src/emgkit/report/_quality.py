"""Signal quality per channel for the report (plain numpy; no I/O)."""

from __future__ import annotations

import warnings

import numpy as np
import numpy.typing as npt
import pandas as pd

from emgkit.recording import Recording

__all__ = ["rest_window", "signal_quality"]


def rest_window(rec: Recording) -> tuple[float, float] | None:
    """The rest trial's window (s) without its first and last second, or None."""
    for ev in rec.events_for(label="trial"):
        if ev.trial == "rest" or ev.trial.startswith("rest"):
            margin = min(1.0, ev.duration / 4)
            if ev.duration - 2 * margin >= 0.5:
                return (ev.onset + margin, ev.offset - margin)
    return None


def signal_quality(rec: Recording, filtered: npt.NDArray[np.float64] | None = None) -> pd.DataFrame:
    """One row per channel: flat, clipping, mains level, rest noise floor, missing samples.

    Parameters
    ----------
    rec : Recording
    filtered : ndarray (n_samples, n_channels), optional
        Band-passed signal of the same channels (the noise floor is its RMS over the rest
        trial); without it the noise floor comes from the raw rest window (10th percentile of
        100 ms RMS windows after removing the mean).

    Returns
    -------
    DataFrame
        channel, muscle, side, kind, rms_uv (whole recording, mean removed), flat (bool),
        clipping_pct, mains_hz, mains_uv (RMS of the 50/60 Hz line in the rest window, or in
        the whole recording when there is no rest trial), noise_uv, missing_pct, status
        (short text: "ok" or what is wrong).
    """
    from emgkit.acquisition.live import channel_quality

    whole = channel_quality(rec.data, rec.fs, power_line_hz=rec.info.power_line_hz)
    rw = rest_window(rec)
    if rw is not None:
        i0, i1 = round(rw[0] * rec.fs), round(rw[1] * rec.fs)
        rest = channel_quality(rec.data[i0:i1], rec.fs, power_line_hz=rec.info.power_line_hz)
    else:
        i0 = i1 = 0
        rest = whole
    missing = np.isnan(rec.data).mean(axis=0) * 100.0 if rec.n_samples else np.zeros(0)
    rows = []
    for ci, ch in enumerate(rec.channels):
        w, r = whole[ci], rest[ci]
        noise = r.noise_floor_uv
        if filtered is not None and rw is not None and i1 > i0:
            seg = filtered[i0:i1, ci]
            seg = seg[np.isfinite(seg)]
            if seg.size:
                noise = float(np.sqrt(np.mean(seg * seg)))
        problems = []
        if w.flat:
            problems.append("flat")
        if w.clipping > 0.001:
            problems.append("clipping")
        if r.rms_uv > 0 and r.mains_uv > 0.5 * r.rms_uv:
            problems.append(f"mains {r.mains_hz:.0f} Hz")
        if missing[ci] > 0:
            problems.append("gaps")
        rows.append(
            {
                "channel": ch.name,
                "muscle": ch.muscle,
                "side": ch.side,
                "kind": str(ch.kind),
                "rms_uv": w.rms_uv,
                "flat": bool(w.flat),
                "clipping_pct": w.clipping * 100.0,
                "mains_hz": r.mains_hz,
                "mains_uv": r.mains_uv,
                "noise_uv": noise,
                "missing_pct": float(missing[ci]),
                "status": ", ".join(problems) or "ok",
            }
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return pd.DataFrame(rows)
