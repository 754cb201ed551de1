"""A synthetic sEMG subject that plays the bridge protocol, with its ground truth.

:func:`synthesize_session` returns a :class:`~emgkit.recording.Recording` (raw sEMG in
microvolts with trial/rep/hold/pain events) and a :class:`GroundTruth` that says what the
subject really did: %MVC per hold, onsets, ratios, left/right symmetry, MVC amplitudes and
the faults applied. See ``docs/simulation.md`` for the model and the sources of every number.

Signal model, per channel::

    x(t) = a(t) * n(t) + floor(t)

- ``n``: unit-RMS stochastic sEMG carrier, white Gaussian noise shaped to the
  Shwedyk/Merletti spectrum (median frequency about 87 Hz), normalised to unit RMS on a
  100 ms scale (so envelope estimates recover ``a``; see :func:`_noise.local_normalise`).
- ``a``: smooth activation amplitude in microvolts (RMS): a first-order rise from the muscle
  onset, a constant hold, a raised-cosine fall while lowering.
- ``floor``: 2-4 uV RMS white noise (electrodes and amplifier).

Below 1 kHz the carrier is generated at 8 times the rate and decimated through a sinc^3 filter
as in the ADS1299 of the OpenBCI Cyton (-3 dB at 0.262 fs: 65 Hz at 250 Hz); it is then
normalised on the 100 ms scale and scaled by the filter's RMS gain for its spectrum
(:attr:`GroundTruth.amplitude_gain`, about 0.6), and the activation is applied at the output
rate. The floor also goes through the sinc^3 filter and is scaled to its 2-4 uV RMS after it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from emgkit.errors import ConfigError, SignalError
from emgkit.montage import Montage, load_montage
from emgkit.muscles import TRUNK_MUSCLES
from emgkit.protocol import Protocol, Trial, load_protocol
from emgkit.recording import MUSCLES, Channel, Event, Recording, SessionInfo
from emgkit.simulate._adc import ADS1299_BANDWIDTH, sinc3_decimate, sinc3_response
from emgkit.simulate._noise import local_normalise, shaped_noise, shwedyk_psd
from emgkit.simulate.faults import Fatigue, Fault, Mains
from emgkit.simulate.profiles import SubjectProfile, get_profile

__all__ = [
    "ADC_OVERSAMPLE",
    "LEAD_IN_S",
    "LIFT_S",
    "LOWER_S",
    "MVC_RAMP_S",
    "MVC_RELEASE_S",
    "GroundTruth",
    "synthesize_session",
]

# ----------------------------------------------------------------------- timing conventions
#: Quiet time at the start of every (non-rest) trial before its first rep, in seconds.
LEAD_IN_S = 1.5
#: Quiet time after the last rep before the trial ends (the pain rating comes at the end).
TAIL_S = 1.0
#: Quiet padding before the first and after the last trial.
SESSION_PAD_S = 1.0
#: Bridge: movement onset (start of the lift) to the start of the hold.
LIFT_S = 1.0
#: Bridge: end of the hold to the hips back on the floor (lowering).
LOWER_S = 1.5
#: MVC: contraction onset to the start of the hold (ramp to maximum).
MVC_RAMP_S = 1.0
#: MVC: end of the hold to full relaxation.
MVC_RELEASE_S = 0.5
#: Time constant of the MVC ramp (first-order rise).
MVC_RISE_TAU_S = 0.15
#: Window of the carrier's local RMS normalisation.
NORMALISE_WINDOW_S = 0.1
#: Oversampling factor of the ADS1299-like sinc^3 path used below 1 kHz.
ADC_OVERSAMPLE = 8
#: Lowest sampling rate accepted.
MIN_FS = 100.0

#: A channel whose muscle has no MVC trial of its own takes its MVC from this muscle's trials.
MVC_SOURCE = {
    "multifidus": "erector_spinae",
    "biceps_femoris": "hamstrings",
    "semitendinosus": "hamstrings",
}
_HAMSTRINGS = ("hamstrings", "biceps_femoris", "semitendinosus")
_TRUNK = TRUNK_MUSCLES
_BRIDGES = ("single_leg_bridge", "double_leg_bridge")


# ----------------------------------------------------------------------------- ground truth
@dataclass(slots=True)
class GroundTruth:
    """What the synthetic subject really did (tidy DataFrames).

    Attributes
    ----------
    trials : DataFrame
        One row per trial played: ``trial`` (id), ``task``, ``side``, ``cue``, ``muscle``
        (MVC target, None otherwise), ``onset_s``, ``offset_s`` (the "trial" event),
        ``n_reps`` (reps played; 0 for rest).
    levels : DataFrame
        One row per hold and channel (MVC and bridge trials): ``trial``, ``rep`` (1-based),
        ``muscle``, ``side``, ``channel``, ``amplitude_uv`` = true RMS of the activation
        ``a(t)`` over the hold, ``pct_mvc`` = ``amplitude_uv / mvc_uv[channel] * 100``.
    onsets : DataFrame
        One row per bridge rep and channel: ``trial``, ``rep``, ``muscle``, ``side``,
        ``channel``, ``onset_s`` (absolute time the activation starts to rise), ``latency_s``
        (``onset_s`` minus the movement onset = the onset of the "rep" event; negative =
        before movement).
    ratios : DataFrame
        One row per bridge rep and side: ``trial``, ``rep``, ``side``, ``glute_ham`` and
        ``glute_erector`` = glute max %MVC over hamstring / erector spinae %MVC (the first of
        hamstrings, biceps_femoris, semitendinosus and of erector_spinae, multifidus found).
    asymmetry : DataFrame
        Single-leg bridges, one row per muscle: ``muscle``, ``pct_left`` (mean %MVC of the
        left channel in the left single-leg bridges), ``pct_right`` (same on the right),
        ``symmetry_angle`` = ``(45 - arctan(L/R) in degrees) / 90 * 100`` (Zifchock et al.
        2008): 0 = symmetric, positive when right > left, negative when left > right.
    mvc_uv : dict channel name -> float
        MVC amplitude in uV, defined as the analysis defines it: the highest 500 ms mean of
        the 100 ms centred RMS envelope over the hold events of that muscle's and side's MVC
        trials, computed on the true activation. With constant MVC plateaus it is the best
        plateau. Channels without an MVC trial of their own muscle use :data:`MVC_SOURCE`
        (multifidus -> erector spinae MVC trials), or the subject's nominal maximum.
    faults : list of dict
        Applied faults: ``type``, ``channels`` (names), ``params`` and extra details.
    profile : SubjectProfile
        The profile the subject was drawn from.
    activation : ndarray, shape (n_samples, n_channels)
        The true activation amplitude ``a(t)`` in uV at the recording's sampling rate.
    amplitude_gain : dict channel name -> float
        Expected RMS gain of the sEMG through the acquisition chain (1.0 at >= 1 kHz; about
        0.6-0.7 through the 250 Hz sinc^3 path). ``amplitude_uv`` is before this gain.
    """

    trials: pd.DataFrame
    levels: pd.DataFrame
    onsets: pd.DataFrame
    ratios: pd.DataFrame
    asymmetry: pd.DataFrame
    mvc_uv: dict[str, float]
    faults: list[dict[str, Any]]
    profile: SubjectProfile
    activation: npt.NDArray[np.float64] = field(repr=False)
    amplitude_gain: dict[str, float] = field(default_factory=dict)

    def summary(self) -> pd.DataFrame:
        """Mean %MVC per trial, muscle and side.

        Returns
        -------
        DataFrame
            ``trial``, ``task``, ``cue``, ``muscle``, ``side``, ``pct_mvc`` (mean over reps),
            ``pct_mvc_sd``, ``amplitude_uv`` (mean), ``n_reps``.
        """
        cols = [
            "trial",
            "task",
            "cue",
            "muscle",
            "side",
            "pct_mvc",
            "pct_mvc_sd",
            "amplitude_uv",
            "n_reps",
        ]
        if self.levels.empty:
            return pd.DataFrame(columns=cols)
        g = (
            self.levels.groupby(["trial", "muscle", "side"], sort=False)
            .agg(
                pct_mvc=("pct_mvc", "mean"),
                pct_mvc_sd=("pct_mvc", "std"),
                amplitude_uv=("amplitude_uv", "mean"),
                n_reps=("rep", "nunique"),
            )
            .reset_index()
        )
        g = g.merge(self.trials[["trial", "task", "cue"]], on="trial", how="left")
        return g[cols]


# ----------------------------------------------------------------------------- the plan
@dataclass(slots=True)
class _Rep:
    number: int
    set_index: int
    move: int  # output samples
    hold_on: int
    hold_off: int
    end: int


@dataclass(slots=True)
class _TrialPlan:
    trial: Trial
    base_id: str
    start: int
    stop: int
    reps: list[_Rep]


def _plan(protocol: Protocol, fs: float) -> tuple[list[_TrialPlan], int]:
    def ns(seconds: float) -> int:
        return round(seconds * fs)

    bases = {}
    for t in protocol.trials:
        if t.side == "each":
            bases[f"{t.id}_left"] = t.id
            bases[f"{t.id}_right"] = t.id
    plans = []
    cursor = ns(SESSION_PAD_S)
    for trial in protocol.expanded():
        start = cursor
        reps: list[_Rep] = []
        if trial.task == "rest":
            stop = start + ns(trial.hold_s)
        else:
            mvc = trial.task == "mvc"
            lift = ns(MVC_RAMP_S if mvc else LIFT_S)
            lower = ns(MVC_RELEASE_S if mvc else LOWER_S)
            hold = max(1, ns(trial.hold_s))
            c = start + ns(LEAD_IN_S)
            number = 0
            for s in range(trial.sets):
                for r in range(trial.reps):
                    number += 1
                    rep = _Rep(number, s, c, c + lift, c + lift + hold, c + lift + hold + lower)
                    reps.append(rep)
                    c = rep.end
                    if r < trial.reps - 1:
                        c += ns(trial.rep_rest_s)
                if s < trial.sets - 1:
                    c += ns(trial.rest_s)
            stop = c + ns(TAIL_S)
        plans.append(_TrialPlan(trial, bases.get(trial.id, trial.id), start, stop, reps))
        cursor = stop + ns(trial.rest_s)
    n_out = (plans[-1].stop if plans else cursor) + ns(SESSION_PAD_S)
    return plans, n_out


# ----------------------------------------------------------------------------- helpers
def _resolve_montage(montage: str | Montage) -> Montage:
    if isinstance(montage, Montage):
        return montage
    if isinstance(montage, str):
        return load_montage(montage)
    raise ConfigError(f"montage must be a name (e.g. 'bridge6') or a Montage, got {montage!r}")


def _side_index(side: str | None) -> int:
    return 1 if side == "right" else 0


def _symmetry_angle(left: float, right: float) -> float:
    if left == 0 and right == 0:
        return float("nan")
    return (45.0 - math.degrees(math.atan2(left, right))) / 90.0 * 100.0


def _best_window_mean_env(
    a: npt.NDArray[np.float64], fs: float, windows: Sequence[tuple[int, int]]
) -> float:
    """Highest 500 ms mean of the 100 ms centred RMS envelope of ``a`` inside ``windows``."""
    n_rms = max(1, round(0.1 * fs))
    n_mean = max(1, round(0.5 * fs))
    best = float("nan")
    size = a.shape[0]
    for i0, i1 in windows:
        if i1 <= i0:
            continue
        # the centred RMS at samples i0..i1 uses a[i0 - n_rms // 2 : i1 - n_rms // 2 + n_rms]
        j0 = max(0, i0 - n_rms // 2)
        j1 = min(size, i1 - n_rms // 2 + n_rms)
        csum = np.concatenate([[0.0], np.cumsum(a[j0:j1] ** 2)])
        idx = np.arange(i0, i1)
        lo = np.clip(idx - n_rms // 2, 0, size)
        hi = np.clip(idx - n_rms // 2 + n_rms, 0, size)
        env = np.sqrt(np.maximum((csum[hi - j0] - csum[lo - j0]) / (hi - lo), 0.0))
        if env.size <= n_mean:
            val = float(env.mean())
        else:
            c = np.concatenate([[0.0], np.cumsum(env)])
            val = float((c[n_mean:] - c[:-n_mean]).max() / n_mean)
        if not val <= best:
            best = val
    return best


def _rise_fall(
    a: npt.NDArray[np.float64],
    fg: float,
    amp: float,
    t_on: float,
    tau: float,
    t_hold_off: float,
    t_end: float,
) -> None:
    """Write one rep's activation into ``a`` (a 1-D view of one channel at rate ``fg``)."""
    if amp <= 0:
        return
    i0 = max(0, math.ceil(t_on * fg - 1e-9))
    i2 = min(a.shape[0], round(t_end * fg))
    if i2 <= i0:
        return
    t = np.arange(i0, i2) / fg
    seg = amp * (1.0 - np.exp(-(t - t_on) / tau))
    falling = t >= t_hold_off
    if falling.any():
        u = (t[falling] - t_hold_off) / max(t_end - t_hold_off, 1e-9)
        seg[falling] *= 0.5 * (1.0 + np.cos(np.pi * np.clip(u, 0.0, 1.0)))
    a[i0:i2] = seg


# ----------------------------------------------------------------------------- main entry
def synthesize_session(
    profile: str | SubjectProfile = "healthy",
    *,
    fs: float = 2000.0,
    protocol: Protocol | None = None,
    montage: str | Montage = "bridge6",
    seed: int = 0,
    faults: Sequence[Fault] = (),
    subject: str = "SYN-001",
) -> tuple[Recording, GroundTruth]:
    """Synthesise a gluteal-bridge session of one subject, with its ground truth.

    Parameters
    ----------
    profile : str or SubjectProfile
        ``"healthy"``, ``"right_inhibition"``, ``"left_inhibition"``,
        ``"hamstring_dominant"`` (see :data:`emgkit.simulate.PROFILES`) or an instance.
    fs : float
        Sampling rate in Hz (>= 100). Below 1 kHz the ADS1299 sinc^3 decimation is emulated
        (device ``"synthetic-cyton"``; at 250 Hz the hardware bandwidth is 65 Hz).
    protocol : Protocol, optional
        The protocol to play (default: the shipped ``bridge`` protocol shortened to at most 3
        reps and 1 set per trial, which keeps tests short; pass ``load_protocol("bridge")``
        for the full one).
    montage : str or Montage
        ``"bridge6"`` (default), ``"bridge8"``, a TOML path or a Montage.
    seed : int
        Seed of ``numpy.random.default_rng``: the same seed gives identical arrays. The
        individual (MVCs, levels, spectra) and the noise do not depend on the profile, so two
        profiles with one seed differ only where the profiles differ.
    faults : sequence of Fault
        Recording faults to apply (see :mod:`emgkit.simulate.faults`).
    subject : str
        Subject pseudonym written to the session info.

    Returns
    -------
    recording : Recording
        Raw sEMG in uV, one channel per montage channel, with "trial", "rep", "hold" and
        "pain" events.
    truth : GroundTruth

    Raises
    ------
    ConfigError
        Unknown profile or montage, invalid fault or channel selection.
    SignalError
        ``fs`` below 100 Hz.

    Examples
    --------
    >>> from emgkit.simulate import synthesize_session, Mains
    >>> rec, truth = synthesize_session("right_inhibition", fs=1000, seed=1,
    ...                                 faults=[Mains(50.0, 10.0)])
    >>> sa = truth.asymmetry.set_index("muscle").loc["glute_max", "symmetry_angle"]
    >>> bool(sa < 0)  # right glute max works less: left > right
    True
    """
    prof = get_profile(profile)
    try:
        fs = float(fs)
    except (TypeError, ValueError):
        raise SignalError(f"fs must be a sampling rate in Hz, got {fs!r}") from None
    if not math.isfinite(fs) or fs < MIN_FS:
        raise SignalError(
            f"fs = {fs} Hz is too low for sEMG; use at least {MIN_FS:g} Hz (250 Hz emulates "
            "the OpenBCI Cyton, >= 1000 Hz is recommended)"
        )
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ConfigError(f"seed must be a non-negative integer, got {seed!r}")
    if protocol is None:
        protocol = load_protocol("bridge").shortened(max_reps=3)
    if not isinstance(protocol, Protocol):
        raise ConfigError(f"protocol must be a Protocol (emgkit.load_protocol), got {protocol!r}")
    mont = _resolve_montage(montage)
    faults = tuple(faults)
    for f in faults:
        if not isinstance(f, Fault):
            raise ConfigError(f"faults must be Fault instances (Mains(), ECG(), ...), got {f!r}")

    factor = 1 if fs >= 1000.0 else ADC_OVERSAMPLE
    fg = fs * factor
    device = "synthetic" if factor == 1 else "synthetic-cyton"
    channels = mont.with_device(device).channels
    n_ch = len(channels)

    plans, n_out = _plan(protocol, fs)
    n_gen = n_out * factor

    # ---------------------------------------------------------------- random streams
    root = np.random.SeedSequence(int(seed))
    ss_subject, ss_reps, ss_chan, ss_fault = root.spawn(4)
    rng_s = np.random.default_rng(ss_subject)
    muscles = sorted(MUSCLES)
    m_index = {m: i for i, m in enumerate(muscles)}
    z_mvc = np.clip(rng_s.standard_normal((len(muscles), 2)), -2, 2)
    z_level = np.clip(rng_s.standard_normal((3, len(muscles))), -2, 2)
    z_level_side = np.clip(rng_s.standard_normal((3, len(muscles), 2)), -2, 2)
    pos_u = rng_s.uniform(size=(len(muscles), 2))
    all_reps = [(pi, r) for pi, p in enumerate(plans) for r in p.reps]
    rng_r = np.random.default_rng(ss_reps)
    effort_u = rng_r.uniform(size=(len(all_reps), n_ch))
    rep_z = np.clip(rng_r.standard_normal((len(all_reps), n_ch)), -2, 2)
    onset_z = np.clip(rng_r.standard_normal((len(all_reps), n_ch)), -2, 2)
    chan_rngs = [np.random.default_rng(s) for s in ss_chan.spawn(n_ch)]
    fault_rngs = [np.random.default_rng(s) for s in ss_fault.spawn(len(faults))]
    rep_row = {(pi, r.number): k for k, (pi, r) in enumerate(all_reps)}

    # ---------------------------------------------------------------- MVC amplitudes
    protocol_mvc_muscles = {p.trial.muscle for p in plans if p.trial.task == "mvc"}

    def mvc_source(muscle: str | None) -> str | None:
        if muscle is None or muscle in protocol_mvc_muscles:
            return muscle
        return MVC_SOURCE.get(muscle, muscle)

    positions: dict[str, list[str]] = {}
    for p in plans:
        if p.trial.task == "mvc" and p.trial.muscle is not None:
            lst = positions.setdefault(p.trial.muscle, [])
            if p.base_id not in lst:
                lst.append(p.base_id)

    def position_factor(target: str, base_id: str) -> float:
        bases = positions.get(target, [base_id])
        if len(bases) < 2:
            return 1.0
        i = m_index.get(target, 0)
        best = bases[min(len(bases) - 1, int(pos_u[i, 0] * len(bases)))]
        if base_id == best:
            return 1.0
        lo, hi = prof.mvc_weaker_position
        return lo + (hi - lo) * float(pos_u[i, 1])

    nominal = np.array(
        [
            prof.mvc_nominal(c.muscle or "other")
            * math.exp(prof.mvc_cv * z_mvc[m_index.get(c.muscle or "other"), _side_index(c.side)])
            for c in channels
        ]
    )

    def painful(c: Channel) -> bool:
        return prof.painful_side is not None and c.side == prof.painful_side

    mvc_factor = np.array(
        [prof.painful_mvc.get(c.muscle or "other", 1.0) if painful(c) else 1.0 for c in channels]
    )

    def is_target(c: Channel, trial: Trial) -> bool:
        return mvc_source(c.muscle) == trial.muscle and trial.side in (c.side, "both")

    def effort(k: int, ci: int) -> float:
        lo, hi = prof.mvc_effort
        return lo + (hi - lo) * float(effort_u[k, ci])

    # unimpaired best MVC plateau per channel (the reference for task levels)
    mvc_unimp = nominal.copy()
    has_mvc = np.zeros(n_ch, dtype=bool)
    for pi, p in enumerate(plans):
        if p.trial.task != "mvc" or p.trial.muscle is None:
            continue
        for r in p.reps:
            k = rep_row[(pi, r.number)]
            for ci, c in enumerate(channels):
                if is_target(c, p.trial):
                    val = nominal[ci] * position_factor(p.trial.muscle, p.base_id) * effort(k, ci)
                    mvc_unimp[ci] = val if not has_mvc[ci] else max(mvc_unimp[ci], val)
                    has_mvc[ci] = True
    mvc_actual = mvc_unimp * mvc_factor

    # ---------------------------------------------------------------- activation a(t)
    a_out = np.zeros((n_out, n_ch))
    onset_rows: list[dict[str, Any]] = []
    task_rows = {"double_leg_bridge": 0}
    for pi, p in enumerate(plans):
        tr = p.trial
        if tr.task == "rest":
            continue
        for r in p.reps:
            k = rep_row[(pi, r.number)]
            move_s, off_s, end_s = r.move / fs, r.hold_off / fs, r.end / fs
            for ci, c in enumerate(channels):
                muscle = c.muscle or "other"
                mi, si = m_index.get(muscle, m_index["other"]), _side_index(c.side)
                if tr.task == "mvc":
                    target = tr.muscle or "other"
                    if is_target(c, tr):
                        amp = (
                            nominal[ci]
                            * mvc_factor[ci]
                            * position_factor(target, p.base_id)
                            * effort(k, ci)
                        )
                    else:
                        if mvc_source(c.muscle) == target:
                            frac = prof.mvc_contralateral
                        else:
                            frac = prof.mvc_coactivation.get(target, {}).get(muscle, 0.1)
                            if tr.side in ("left", "right") and c.side != tr.side:
                                frac *= prof.mvc_contralateral
                        amp = min(frac * nominal[ci] * effort(k, ci), 0.8 * mvc_actual[ci])
                    _rise_fall(a_out[:, ci], fs, amp, move_s, MVC_RISE_TAU_S, off_s, end_s)
                    continue
                working = tr.task == "double_leg_bridge" or c.side == tr.side
                row = task_rows.get(tr.task, 1 if working else 2)
                pct = (
                    prof.bridge_pct(tr.task, muscle, working)
                    * prof.cue_factor(tr.cue, muscle)
                    * math.exp(prof.level_cv * z_level[row, mi])
                    * math.exp(prof.level_side_cv * z_level_side[row, mi, si])
                    * (1.0 + prof.rep_cv * rep_z[k, ci])
                )
                pct = min(pct, 90.0)
                drive = prof.bridge_drive.get(muscle, 1.0) if painful(c) else 1.0
                amp = min(pct / 100.0 * mvc_unimp[ci] * drive, 0.95 * mvc_actual[ci])
                latency = (
                    prof.latency_ms(tr.cue, muscle, c.side) + prof.onset_jitter_ms * onset_z[k, ci]
                ) / 1000.0
                t_on = move_s + latency
                _rise_fall(a_out[:, ci], fs, amp, t_on, prof.rise_tau_s, off_s, end_s)
                if tr.task in _BRIDGES:
                    onset_rows.append(
                        {
                            "trial": tr.id,
                            "rep": r.number,
                            "muscle": c.muscle,
                            "side": c.side,
                            "channel": c.name,
                            "onset_s": t_on,
                            "latency_s": t_on - move_s,
                        }
                    )

    # ---------------------------------------------------------------- carrier, ADC, floor
    holds_s = [
        (p.trial.id, r.set_index, r.hold_on / fs, r.hold_off / fs, r.end / fs)
        for p in plans
        for r in p.reps
    ]
    fatigue_k: dict[int, npt.NDArray[np.float64]] = {}
    resolved = [f.resolve(channels) for f in faults]
    for f, idx in zip(faults, resolved, strict=True):
        if isinstance(f, Fatigue):
            prof_k = f.scale_profile(n_gen, fg, holds_s)
            for ci in idx:
                fatigue_k[ci] = fatigue_k[ci] * prof_k if ci in fatigue_k else prof_k

    data = np.empty((n_out, n_ch), order="F")  # column-contiguous while generating
    gains: dict[str, float] = {}
    spec_scale = np.ones(n_ch)
    n_norm = max(2, round(NORMALISE_WINDOW_S * fs))
    for ci, c in enumerate(channels):
        rng = chan_rngs[ci]
        g = 1.0 + prof.spectrum_cv * float(np.clip(rng.standard_normal(), -2, 2))
        spec_scale[ci] = g
        fl, fh = prof.spectrum_hz[0] * g, prof.spectrum_hz[1] * g
        floor_rms = prof.floor_uv[0] + (prof.floor_uv[1] - prof.floor_uv[0]) * rng.uniform()
        white = rng.standard_normal(n_gen)
        if ci in fatigue_k:
            k_t = fatigue_k[ci]
            k_min = float(k_t.min())
            n_lv = max(2, math.ceil((1.0 - k_min) / 0.03) + 1)
            k_grid = np.linspace(1.0, k_min, n_lv)
            variants = shaped_noise(white, fg, fl, fh, scales=list(k_grid))
            u = (1.0 - k_t) / max(1.0 - k_min, 1e-12) * (n_lv - 1)
            carrier = np.zeros(n_gen)
            for j, v in enumerate(variants):
                carrier += np.clip(1.0 - np.abs(u - j), 0.0, None) * v
        else:
            carrier = shaped_noise(white, fg, fl, fh)[0]
        gain = 1.0
        if factor > 1:
            # the carrier goes through the ADC filter; the slow activation envelope is applied
            # after it, scaled by the filter's RMS gain for this spectrum
            carrier = sinc3_decimate(carrier, factor)
            f_ax = np.linspace(0.0, fg / 2, 8193)
            p_ax = shwedyk_psd(f_ax, fl, fh)
            h = sinc3_response(f_ax, fs, factor)
            gain = float(np.sqrt(np.sum(p_ax * h * h) / np.sum(p_ax)))
        gains[c.name] = gain
        carrier = local_normalise(carrier, n_norm)
        data[:, ci] = (gain * a_out[:, ci]) * carrier
        if factor > 1:
            # electrode/amplifier noise is in front of the ADC filter too
            floor = sinc3_decimate(rng.standard_normal(n_gen), factor)
            floor /= max(float(np.sqrt(np.mean(floor * floor))), 1e-12)
        else:
            floor = rng.standard_normal(n_out)
        data[:, ci] += floor_rms * floor

    # ---------------------------------------------------------------- faults
    fault_records: list[dict[str, Any]] = []
    order = sorted(range(len(faults)), key=lambda i: faults[i].stage)
    for i in order:
        f, idx = faults[i], resolved[i]
        extra = f.apply(data, fs, idx, fault_rngs[i], channels)
        if isinstance(f, Fatigue):
            extra = {
                "mdf_scale": (1.0, round(1.0 - f.drop, 6)),
                "spectrum_scale": {channels[ci].name: float(spec_scale[ci]) for ci in idx},
            }
        fault_records.append(
            {
                "type": f.kind,
                "channels": [channels[ci].name for ci in idx],
                "params": f.params(),
                **extra,
            }
        )

    # ---------------------------------------------------------------- events
    events: list[Event] = []
    trial_rows = []
    for p in plans:
        tr = p.trial
        events.append(Event(p.start / fs, (p.stop - p.start) / fs, "trial", tr.id))
        for r in p.reps:
            events.append(Event(r.move / fs, (r.end - r.move) / fs, "rep", tr.id, str(r.number)))
            events.append(
                Event(r.hold_on / fs, (r.hold_off - r.hold_on) / fs, "hold", tr.id, str(r.number))
            )
        if tr.ask_pain:
            rating = prof.pain_rating(tr.task, tr.side)
            events.append(Event(p.stop / fs, 0.0, "pain", tr.id, str(rating)))
        trial_rows.append(
            {
                "trial": tr.id,
                "task": tr.task,
                "side": tr.side,
                "cue": tr.cue,
                "muscle": tr.muscle,
                "onset_s": p.start / fs,
                "offset_s": p.stop / fs,
                "n_reps": len(p.reps),
            }
        )

    # ---------------------------------------------------------------- ground truth tables
    mvc_uv: dict[str, float] = {}
    for ci, c in enumerate(channels):
        wins = [
            (r.hold_on, r.hold_off)
            for p in plans
            if p.trial.task == "mvc" and is_target(c, p.trial)
            for r in p.reps
        ]
        val = _best_window_mean_env(a_out[:, ci], fs, wins) if wins else float("nan")
        mvc_uv[c.name] = val if math.isfinite(val) else float(mvc_actual[ci])

    level_rows = []
    for p in plans:
        if p.trial.task == "rest":
            continue
        for r in p.reps:
            seg = a_out[r.hold_on : r.hold_off]
            amps = np.sqrt(np.mean(seg * seg, axis=0))
            for ci, c in enumerate(channels):
                level_rows.append(
                    {
                        "trial": p.trial.id,
                        "rep": r.number,
                        "muscle": c.muscle,
                        "side": c.side,
                        "channel": c.name,
                        "pct_mvc": float(amps[ci] / mvc_uv[c.name] * 100.0),
                        "amplitude_uv": float(amps[ci]),
                    }
                )
    levels = pd.DataFrame(
        level_rows,
        columns=["trial", "rep", "muscle", "side", "channel", "pct_mvc", "amplitude_uv"],
    )
    onsets = pd.DataFrame(
        onset_rows,
        columns=["trial", "rep", "muscle", "side", "channel", "onset_s", "latency_s"],
    )
    trials_df = pd.DataFrame(
        trial_rows,
        columns=["trial", "task", "side", "cue", "muscle", "onset_s", "offset_s", "n_reps"],
    )
    ratios = _ratios(levels, trials_df)
    asym = _asymmetry(levels, trials_df)

    info = SessionInfo(
        subject=subject,
        device=device,
        hardware_bandwidth_hz=(
            ADS1299_BANDWIDTH.get(fs, round(0.262 * fs, 1)) if factor > 1 else None
        ),
        power_line_hz=next((float(f.freq_hz) for f in faults if isinstance(f, Mains)), None),
        montage=mont.name,
        notes=f"synthetic session: protocol {protocol.name!r}, profile {prof.name!r}",
        extra={"profile": prof.name, "seed": int(seed), "protocol": protocol.name},
    )
    rec = Recording(np.ascontiguousarray(data), fs, channels, events, (), info)
    truth = GroundTruth(
        trials=trials_df,
        levels=levels,
        onsets=onsets,
        ratios=ratios,
        asymmetry=asym,
        mvc_uv=mvc_uv,
        faults=fault_records,
        profile=prof,
        activation=a_out,
        amplitude_gain=gains,
    )
    return rec, truth


def _ratios(levels: pd.DataFrame, trials: pd.DataFrame) -> pd.DataFrame:
    cols = ["trial", "rep", "side", "glute_ham", "glute_erector"]
    bridge_ids = set(trials.loc[trials["task"].isin(_BRIDGES), "trial"])
    lv = levels[levels["trial"].isin(bridge_ids)]
    if lv.empty:
        return pd.DataFrame(columns=cols)
    wide = lv.pivot_table(
        index=["trial", "rep", "side"], columns="muscle", values="pct_mvc", aggfunc="mean"
    )
    ham = next((m for m in _HAMSTRINGS if m in wide.columns), None)
    trunk = next((m for m in _TRUNK if m in wide.columns), None)
    out = pd.DataFrame(index=wide.index)
    glute = wide["glute_max"] if "glute_max" in wide.columns else np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        out["glute_ham"] = glute / wide[ham] if ham else np.nan
        out["glute_erector"] = glute / wide[trunk] if trunk else np.nan
    out = out.reset_index()
    order = {t: i for i, t in enumerate(trials["trial"])}
    out["_order"] = out["trial"].map(order)
    out = out.sort_values(["_order", "rep", "side"])
    return out[cols].reset_index(drop=True)


def _asymmetry(levels: pd.DataFrame, trials: pd.DataFrame) -> pd.DataFrame:
    cols = ["muscle", "pct_left", "pct_right", "symmetry_angle"]
    slb = trials[trials["task"] == "single_leg_bridge"][["trial", "side"]]
    lv = levels.merge(slb.rename(columns={"side": "side_task"}), on="trial")
    lv = lv[lv["side"] == lv["side_task"]]
    if lv.empty:
        return pd.DataFrame(columns=cols)
    m = lv.groupby(["muscle", "side"])["pct_mvc"].mean()
    rows = []
    for muscle in sorted({k[0] for k in m.index}):
        if (muscle, "left") in m.index and (muscle, "right") in m.index:
            L, R = float(m[(muscle, "left")]), float(m[(muscle, "right")])
            rows.append(
                {
                    "muscle": muscle,
                    "pct_left": L,
                    "pct_right": R,
                    "symmetry_angle": _symmetry_angle(L, R),
                }
            )
    return pd.DataFrame(rows, columns=cols)
