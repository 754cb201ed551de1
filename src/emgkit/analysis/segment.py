"""Marker-free segmentation: find trials, reps and holds in a recording without markers.

Imported recordings (another lab's files, a GUI export) often carry no trial markers. The
activity profile used here is the mean over EMG channels of each channel's envelope rescaled to
its own range: ``(env - floor) / (top - floor)`` with ``floor`` the 5th and ``top`` the 99.5th
percentile of that channel's 100 ms RMS envelope, so a strong channel does not drown a weak one
and every channel contributes its own "% of its maximum". A rep is a stretch where this profile
stays above ``threshold`` (a fraction of the profile's range above its rest level) for at
least ``min_rep`` seconds, after joining pieces separated by less than ``join`` seconds. Its
hold is the part of the rep where the profile stays above ``hold_fraction`` of the rep's median
level. Reps closer than ``trial_gap`` seconds belong to one trial.

When the recording has accelerometer channels (``kind == "accel"``, e.g. the OpenBCI Cyton's
LIS3DH), the movement onset of each rep is refined to the first sample, near the EMG onset,
where the acceleration magnitude departs from its rest value.

These are heuristics, not validated detectors: check the result (``emgkit analyze`` prints it)
and prefer markers recorded with ``emgkit session``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from emgkit.analysis.params import envelopes
from emgkit.errors import ConfigError, SignalError
from emgkit.recording import Event, Recording, SignalKind

__all__ = ["SegmentParams", "activity_profile", "find_reps", "segment"]


@dataclass(frozen=True, slots=True)
class SegmentParams:
    """Parameters of :func:`segment` (seconds and fractions).

    Attributes
    ----------
    threshold : float
        Activity threshold as a fraction of the profile's range above its rest level (0.1).
    min_rep : float
        Shortest rep kept (1.0 s): shorter bursts are movement artefacts or twitches.
    join : float
        Active pieces separated by less than this are one rep (0.3 s).
    hold_fraction : float
        The hold is where the profile stays at or above this fraction of the rep's median (0.7).
    trial_gap : float
        Reps separated by more than this belong to different trials (5.0 s; the shipped
        protocol rests 2 s between reps and >= 10 s between trials).
    smooth : float
        Extra moving-average smoothing of the profile (0.2 s).
    accel_search : float
        Accelerometer movement onset is searched within +-this of the EMG rep onset (0.6 s).
    """

    threshold: float = 0.1
    min_rep: float = 1.0
    join: float = 0.3
    hold_fraction: float = 0.7
    trial_gap: float = 5.0
    smooth: float = 0.2
    accel_search: float = 0.6


def _moving_mean(x: npt.NDArray[np.float64], n: int) -> npt.NDArray[np.float64]:
    if n <= 1:
        return x
    c = np.concatenate([[0.0], np.cumsum(x)])
    half = n // 2
    idx = np.arange(x.size)
    lo = np.clip(idx - half, 0, x.size)
    hi = np.clip(idx - half + n, 0, x.size)
    return (c[hi] - c[lo]) / np.maximum(hi - lo, 1)


def activity_profile(
    envelope: npt.NDArray[np.float64], fs: float, smooth: float = 0.2
) -> npt.NDArray[np.float64]:
    """Mean over channels of each envelope rescaled to its own 5th-99.5th percentile range.

    Parameters
    ----------
    envelope : ndarray, shape (n_samples, n_channels)
        RMS envelopes in microvolts (NaN where missing).
    fs : float
        Sampling rate in Hz.
    smooth : float
        Moving-average length in seconds applied to the result.

    Returns
    -------
    ndarray, shape (n_samples,)
        Roughly 0 at rest and up to 1 when every channel is at its top level.
    """
    env = np.asarray(envelope, dtype=np.float64)
    if env.ndim != 2 or env.shape[0] == 0:
        raise SignalError(f"envelope must be (n_samples, n_channels), got shape {env.shape}")
    lo = np.nanpercentile(env, 5.0, axis=0)
    hi = np.nanpercentile(env, 99.5, axis=0)
    span = np.where(hi - lo > 0, hi - lo, np.inf)
    scaled = np.clip((env - lo) / span, 0.0, 1.5)
    prof = np.nanmean(np.where(np.isfinite(scaled), scaled, np.nan), axis=1)
    prof = np.nan_to_num(prof, nan=0.0)
    return _moving_mean(prof, max(1, round(smooth * fs)))


def find_reps(
    profile: npt.NDArray[np.float64], fs: float, params: SegmentParams | None = None
) -> list[tuple[float, float, float, float]]:
    """Reps in an activity profile: ``(onset, offset, hold_on, hold_off)`` in seconds.

    The rest level is the profile's 10th percentile and the top its 99.5th; see the module
    docstring for the rep and hold rules.

    Parameters
    ----------
    profile : ndarray, shape (n_samples,)
        Activity profile, e.g. from :func:`activity_profile` (0 at rest, about 1 at the top).
    fs : float
        Sampling rate of ``profile`` in Hz.
    params : SegmentParams, optional
        Thresholds and durations (``threshold``, ``min_rep``, ``join``, ``hold_fraction`` are
        used here); defaults when None.

    Returns
    -------
    list of (float, float, float, float)
        Per rep, in time order: onset, offset, hold start and hold end, in seconds from the
        first sample. Empty when none is found (e.g. a flat profile).
    """
    p = params or SegmentParams()
    x = np.asarray(profile, dtype=np.float64)
    rest = float(np.percentile(x, 10.0))
    top = float(np.percentile(x, 99.5))
    if not top > rest:
        return []
    active = x > rest + p.threshold * (top - rest)
    edges = np.diff(np.concatenate([[0], active.astype(np.int8), [0]]))
    starts = np.flatnonzero(edges == 1)
    stops = np.flatnonzero(edges == -1)
    runs: list[list[int]] = []
    for a0, b0 in zip(starts.tolist(), stops.tolist(), strict=True):
        if runs and a0 - runs[-1][1] < p.join * fs:
            runs[-1][1] = int(b0)
        else:
            runs.append([int(a0), int(b0)])
    out: list[tuple[float, float, float, float]] = []
    for a, b in runs:
        if b - a < p.min_rep * fs:
            continue
        seg = x[a:b]
        level = rest + p.hold_fraction * (float(np.median(seg)) - rest)
        above = np.flatnonzero(seg >= level)
        h0, h1 = (a + int(above[0]), a + int(above[-1]) + 1) if above.size else (a, b)
        out.append((a / fs, b / fs, h0 / fs, h1 / fs))
    return out


def _accel_onsets(rec: Recording, onsets: list[float], search: float) -> list[float] | None:
    idx = [i for i, c in enumerate(rec.channels) if c.kind == SignalKind.ACCEL]
    if not idx:
        return None
    fs = rec.fs
    acc = np.nan_to_num(rec.data[:, idx])
    mag = np.sqrt((acc * acc).sum(axis=1)) if len(idx) > 1 else np.abs(acc[:, 0])
    mag = _moving_mean(mag, max(1, round(0.05 * fs)))
    out = []
    for t in onsets:
        i0 = max(0, round((t - search) * fs))
        i1 = min(mag.size, round((t + search) * fs))
        pre0 = max(0, i0 - round(1.0 * fs))
        base = mag[pre0 : i0 + 1]
        seg = mag[i0:i1]
        if base.size < 3 or seg.size == 0:
            out.append(t)
            continue
        mu, sd = float(np.median(base)), float(np.std(base))
        dev = np.abs(seg - mu)
        thr = max(5.0 * sd, 0.1 * float(dev.max()))
        hit = np.flatnonzero(dev > thr)
        out.append((i0 + int(hit[0])) / fs if hit.size and dev.max() > 0 else t)
    return out


def segment(
    rec: Recording,
    params: SegmentParams | None = None,
    *,
    envelope: npt.NDArray[np.float64] | None = None,
) -> list[Event]:
    """Find trials, reps and holds in a recording without markers.

    Parameters
    ----------
    rec : Recording
        Any recording with EMG channels (raw or envelope); accelerometer channels
        (``kind == "accel"``) refine the movement onset when present.
    params : SegmentParams, optional
    envelope : ndarray, optional
        Precomputed RMS envelopes of the EMG channels (n_samples, n_emg_channels); computed with
        :func:`emgkit.analysis.params.envelopes` when omitted.

    Returns
    -------
    list of Event
        For each trial ``auto_<n>`` (1-based): a "trial" event, and per rep a "rep" event (from
        the movement onset to the end of activity) and a "hold" event (``value`` = rep number,
        1-based within the trial). Sorted by onset.

    Raises
    ------
    ConfigError
        No EMG channel in the recording.

    Examples
    --------
    >>> from emgkit.simulate import synthesize_session
    >>> rec, _ = synthesize_session("healthy", fs=1000, seed=1)  # doctest: +SKIP
    >>> rec.events = segment(rec)  # doctest: +SKIP
    """
    p = params or SegmentParams()
    emg = [
        c.name
        for c in rec.channels
        if c.kind in (SignalKind.RAW, SignalKind.ENVELOPE, SignalKind.RECTIFIED)
        and c.units.lower() in ("uv", "mv", "v", "")
    ]
    if not emg:
        raise ConfigError(
            "no EMG channel to segment (channels of kind raw, envelope or rectified in uV/mV)"
        )
    if envelope is None:
        _, envelope = envelopes(rec.pick(names=emg))
    prof = activity_profile(envelope, rec.fs, p.smooth)
    reps = find_reps(prof, rec.fs, p)
    if not reps:
        return []
    refined = _accel_onsets(rec, [r[0] for r in reps], p.accel_search)
    if refined is not None:
        reps = [(min(t, r[2]), r[1], r[2], r[3]) for t, r in zip(refined, reps, strict=True)]
    groups: list[list[tuple[float, float, float, float]]] = [[reps[0]]]
    for r in reps[1:]:
        if r[0] - groups[-1][-1][1] > p.trial_gap:
            groups.append([r])
        else:
            groups[-1].append(r)
    events: list[Event] = []
    for n, grp in enumerate(groups, start=1):
        tid = f"auto_{n}"
        t0, t1 = grp[0][0], grp[-1][1]
        events.append(Event(t0, t1 - t0, "trial", tid))
        for k, (a, b, h0, h1) in enumerate(grp, start=1):
            events.append(Event(a, b - a, "rep", tid, str(k)))
            events.append(Event(h0, h1 - h0, "hold", tid, str(k)))
    return events
