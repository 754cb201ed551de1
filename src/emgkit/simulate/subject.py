"""A synthetic sEMG subject that plays the bridge protocol, with its ground truth.

:func:`synthesize_session` returns a :class:`~emgkit.recording.Recording` (raw sEMG in
microvolts with trial/rep/hold/pain events) and a :class:`GroundTruth` that says what the
subject really did: %MVC per hold, onsets, ratios, left/right symmetry, MVC amplitudes and
the faults applied. See ``docs/simulation.md`` for the model and the sources of every number.

Signal model, per channel (``generator="subject"``, the default)::

    x(t) = a(t) * n(t) + floor(t)

- ``n``: stationary unit-RMS stochastic sEMG carrier, white Gaussian noise shaped to the
  Shwedyk/Merletti spectrum (median frequency about 87 Hz). It is *not* re-normalised locally
  (issue 10): a 500 ms envelope mean carries the estimation variance real sEMG has.
- ``a``: activation amplitude in microvolts (RMS): a linear rise of 60-700 ms from the
  muscle onset, a plateau, a raised-cosine fall while lowering; times a slow effort wander
  (``wander_cv``); tonic trunk activity through the bridge trials (``tonic_pct``); rep-to-rep
  (``rep_cv``) and natural left/right (``side_cv``) level variation; optional one-sided glute
  max inhibition (``inhibition``, ``inhibition_mvc``).
- ``floor``: 2-4 uV RMS white noise (electrodes and amplifier).

Two structurally different generators share the activation and the ground truth, so accuracy
is never judged on one model: ``"coloured"`` (:mod:`emgkit.simulate.coloured`) and
``"motor_unit"`` (:mod:`emgkit.simulate.motor_unit`, Fuglevand et al. 1993). ``smooth=True``
gives back the pre-issue-10 idealised subject (local re-normalisation, first-order rises).

Below 1 kHz the carrier is generated at 8 times the rate and decimated through a sinc^3 filter
as in the ADS1299 of the OpenBCI Cyton (-3 dB at 0.262 fs: 65 Hz at 250 Hz); the activation is
applied at the output rate with the filter's RMS gain for the spectrum
(:attr:`GroundTruth.amplitude_gain`, about 0.6). The floor also goes through the sinc^3 filter
and is scaled to its 2-4 uV RMS after it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.ndimage import gaussian_filter1d

from emgkit.errors import ConfigError, SignalError
from emgkit.hardware import ads1299_bandwidth_hz
from emgkit.montage import Montage, load_montage
from emgkit.muscles import TRUNK_MUSCLES
from emgkit.protocol import Protocol, Trial, load_protocol
from emgkit.recording import MUSCLES, Channel, Event, Recording, SessionInfo
from emgkit.simulate._adc import sinc3_decimate, sinc3_response
from emgkit.simulate._noise import local_normalise, shaped_noise, shwedyk_psd
from emgkit.simulate.coloured import coloured_carrier, coloured_response
from emgkit.simulate.faults import Fatigue, Fault, Mains
from emgkit.simulate.motor_unit import MotorUnitPool
from emgkit.simulate.profiles import SubjectProfile, get_profile

__all__ = [
    "ADC_OVERSAMPLE",
    "GENERATORS",
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
        MVC amplitude in uV, defined as the best plateau: the highest RMS of the true
        activation over one hold of that muscle's and side's MVC trials. It is the amplitude
        the person actually sustained, free of the upward bias that picking the maximum of a
        noisy envelope adds. Channels without an MVC trial of their own muscle use
        :data:`MVC_SOURCE` (multifidus -> erector spinae MVC trials), or the subject's
        maximum.
    faults : list of dict
        Applied faults: ``type``, ``channels`` (names), ``params`` and extra details.
    profile : SubjectProfile
        The profile the subject was drawn from.
    activation : ndarray, shape (n_samples, n_channels)
        The true activation amplitude ``a(t)`` in uV at the recording's sampling rate.
    amplitude_gain : dict channel name -> float
        Expected RMS gain of the sEMG through the acquisition chain (1.0 at >= 1 kHz; about
        0.6-0.7 through the 250 Hz sinc^3 path). ``amplitude_uv`` is before this gain.
    mvc_uv_peak500 : dict channel name -> float
        The conventional definition, for comparison: the highest 500 ms mean of the 100 ms
        centred RMS envelope of the true activation over the same holds (a few % above
        ``mvc_uv`` when the effort wanders inside a hold).
    options : dict
        The generator and variation options the session used (``generator``, ``smooth``,
        ``wander_cv``, ``ramp_s``, ``tonic_pct``, ``rep_cv``, ``side_cv``, ``side_task_corr``,
        ``inhibition``, ``inhibition_side``, ``inhibition_mvc``).
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
    mvc_uv_peak500: dict[str, float] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)

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


def _rep_fall(
    a: npt.NDArray[np.float64],
    fg: float,
    amp: float,
    t_on: float,
    rise: Callable[[npt.NDArray[np.float64]], npt.NDArray[np.float64]],
    t_hold_off: float,
    t_end: float,
) -> None:
    """Write one rep's activation into ``a`` (a 1-D view of one channel at rate ``fg``).

    ``amp x rise(t - t_on)`` from ``t_on``, then a cosine fall from ``t_hold_off`` to ``t_end``.
    """
    if amp <= 0:
        return
    i0 = max(0, math.ceil(t_on * fg - 1e-9))
    i2 = min(a.shape[0], round(t_end * fg))
    if i2 <= i0:
        return
    t = np.arange(i0, i2) / fg
    seg = amp * rise(t - t_on)
    falling = t >= t_hold_off
    if falling.any():
        u = (t[falling] - t_hold_off) / max(t_end - t_hold_off, 1e-9)
        seg[falling] *= 0.5 * (1.0 + np.cos(np.pi * np.clip(u, 0.0, 1.0)))
    a[i0:i2] = seg


def _rise_fall(
    a: npt.NDArray[np.float64],
    fg: float,
    amp: float,
    t_on: float,
    tau: float,
    t_hold_off: float,
    t_end: float,
) -> None:
    """One rep with a first-order rise of time constant ``tau`` s (see :func:`_rep_fall`)."""
    _rep_fall(a, fg, amp, t_on, lambda x: 1.0 - np.exp(-x / tau), t_hold_off, t_end)


# ----------------------------------------------------------------------------- options
#: Signal generators accepted by :func:`synthesize_session`.
GENERATORS = ("subject", "coloured", "motor_unit")
#: Noise floor (RMS uV) of the two validation generators (the issue-10 independent check).
VALIDATION_FLOOR_UV = (2.0, 5.0)
#: Correlation time scale (Gaussian smoothing SD, s) of the slow effort wander.
WANDER_SMOOTH_S = 0.25


@dataclass(frozen=True, slots=True)
class _Options:
    generator: str
    smooth: bool
    wander_cv: float
    ramp_s: tuple[float, float]
    tonic_pct: float
    rep_cv: float
    side_cv: float
    side_task_corr: float
    inhibition: float
    inhibition_side: str
    inhibition_mvc: float

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}


def _options(prof: SubjectProfile, **kw: Any) -> _Options:
    gen = kw["generator"]
    if gen not in GENERATORS:
        raise ConfigError(f"generator must be one of {list(GENERATORS)}, got {gen!r}")
    smooth = bool(kw["smooth"])
    ramp = tuple(float(x) for x in kw["ramp_s"])
    if len(ramp) != 2 or not 0.0 < ramp[0] <= ramp[1] <= MVC_RAMP_S:
        raise ConfigError(
            f"ramp_s must be (shortest, longest) seconds with 0 < shortest <= longest <= "
            f"{MVC_RAMP_S}, got {kw['ramp_s']!r}"
        )
    checks = {
        "wander_cv": (kw["wander_cv"], 0.0, 0.5),
        "tonic_pct": (kw["tonic_pct"], 0.0, 30.0),
        "inhibition": (kw["inhibition"], 0.0, 0.9),
        "inhibition_mvc": (kw["inhibition_mvc"], 0.0, 0.9),
    }
    rep_cv = prof.rep_cv if kw["rep_cv"] is None else kw["rep_cv"]
    side_cv = prof.level_side_cv if kw["side_cv"] is None else kw["side_cv"]
    checks["rep_cv"] = (rep_cv, 0.0, 0.5)
    checks["side_cv"] = (side_cv, 0.0, 0.5)
    checks["side_task_corr"] = (kw["side_task_corr"], 0.0, 1.0)
    for name, (v, lo, hi) in checks.items():
        if not isinstance(v, (int, float)) or not lo <= v <= hi:
            raise ConfigError(f"{name} must be a number in [{lo}, {hi}], got {v!r}")
    if kw["inhibition_side"] not in ("left", "right"):
        raise ConfigError(
            f"inhibition_side must be 'left' or 'right', got {kw['inhibition_side']!r}"
        )
    return _Options(
        generator=gen,
        smooth=smooth,
        wander_cv=0.0 if smooth else float(kw["wander_cv"]),
        ramp_s=(ramp[0], ramp[1]),
        tonic_pct=float(kw["tonic_pct"]),
        rep_cv=float(rep_cv),
        side_cv=float(side_cv),
        side_task_corr=float(kw["side_task_corr"]),
        inhibition=float(kw["inhibition"]),
        inhibition_side=str(kw["inhibition_side"]),
        inhibition_mvc=float(kw["inhibition_mvc"]),
    )


def _ramp_fall(
    a: npt.NDArray[np.float64],
    fg: float,
    amp: float,
    t_on: float,
    ramp: float,
    t_hold_off: float,
    t_end: float,
) -> None:
    """One rep with a linear rise over ``ramp`` s, plateau, cosine fall (see :func:`_rep_fall`)."""
    _rep_fall(a, fg, amp, t_on, lambda x: np.clip(x / ramp, 0.0, 1.0), t_hold_off, t_end)


def _wander(n: int, fs: float, cv: float, rng: np.random.Generator) -> npt.NDArray[np.float64]:
    """Slow multiplicative effort wander ``1 + cv w(t)``, ``w`` unit-SD smoothed Gaussian noise."""
    if cv <= 0:
        return np.ones(n)
    step = 0.05  # 20 Hz control grid
    n_w = math.ceil(n / fs / step) + 2
    w = gaussian_filter1d(rng.standard_normal(n_w), WANDER_SMOOTH_S / step, mode="wrap")
    w /= max(float(np.std(w)), 1e-12)
    wt = np.interp(np.arange(n) / fs, np.arange(n_w) * step, w)
    return np.clip(1.0 + cv * wt, 0.3, 2.0)


# ----------------------------------------------------------------------------- the draw
@dataclass(slots=True)
class _Draw:
    """Every random number of a session except carriers, drawn independently of the profile."""

    z_mvc: npt.NDArray[np.float64]
    z_level: npt.NDArray[np.float64]
    z_level_side: npt.NDArray[np.float64]
    pos_u: npt.NDArray[np.float64]
    effort_u: npt.NDArray[np.float64]
    rep_z: npt.NDArray[np.float64]
    onset_z: npt.NDArray[np.float64]
    ramp_u: npt.NDArray[np.float64]
    chan_ss: list[np.random.SeedSequence]
    extra_ss: list[np.random.SeedSequence]
    fault_rngs: list[np.random.Generator]


def _draw(seed: int, n_reps: int, n_ch: int, n_faults: int) -> _Draw:
    root = np.random.SeedSequence(int(seed))
    ss_subject, ss_reps, ss_chan, ss_fault = root.spawn(4)
    (ss_extra,) = root.spawn(1)
    rng_s = np.random.default_rng(ss_subject)
    n_m = len(MUSCLES)
    z_mvc = np.clip(rng_s.standard_normal((n_m, 2)), -2, 2)
    z_level = np.clip(rng_s.standard_normal((3, n_m)), -2, 2)
    z_level_side = np.clip(rng_s.standard_normal((3, n_m, 2)), -2, 2)
    pos_u = rng_s.uniform(size=(n_m, 2))
    rng_r = np.random.default_rng(ss_reps)
    effort_u = rng_r.uniform(size=(n_reps, n_ch))
    rep_z = np.clip(rng_r.standard_normal((n_reps, n_ch)), -2, 2)
    onset_z = np.clip(rng_r.standard_normal((n_reps, n_ch)), -2, 2)
    extra = ss_extra.spawn(n_ch + 1)
    ramp_u = np.random.default_rng(extra[-1]).uniform(size=(n_reps, n_ch))
    return _Draw(
        z_mvc,
        z_level,
        z_level_side,
        pos_u,
        effort_u,
        rep_z,
        onset_z,
        ramp_u,
        list(ss_chan.spawn(n_ch)),
        extra[:n_ch],
        [np.random.default_rng(s) for s in ss_fault.spawn(n_faults)],
    )


# ----------------------------------------------------------------------------- the subject
@dataclass(slots=True)
class _Subject:
    """The individual: channel MVC amplitudes and the rules that turn the plan into a(t)."""

    prof: SubjectProfile
    opt: _Options
    plans: list[_TrialPlan]
    channels: tuple[Channel, ...]
    draw: _Draw
    rep_row: dict[tuple[int, int], int]
    m_index: dict[str, int] = field(default_factory=dict)
    positions: dict[str, list[str]] = field(default_factory=dict)
    mvc_muscles: set[str | None] = field(default_factory=set)
    nominal: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    mvc_factor: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    mvc_unimp: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    mvc_actual: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))

    def __post_init__(self) -> None:
        self.m_index = {m: i for i, m in enumerate(sorted(MUSCLES))}
        self.mvc_muscles = {p.trial.muscle for p in self.plans if p.trial.task == "mvc"}
        for p in self.plans:
            if p.trial.task == "mvc" and p.trial.muscle is not None:
                lst = self.positions.setdefault(p.trial.muscle, [])
                if p.base_id not in lst:
                    lst.append(p.base_id)
        prof, d = self.prof, self.draw
        self.nominal = np.array(
            [
                prof.mvc_nominal(c.muscle or "other")
                * math.exp(prof.mvc_cv * d.z_mvc[self.mi(c), _side_index(c.side)])
                for c in self.channels
            ]
        )
        self.mvc_factor = np.array(
            [
                (prof.painful_mvc.get(c.muscle or "other", 1.0) if self.painful(c) else 1.0)
                * (1.0 - self.opt.inhibition_mvc if self.inhibited(c) else 1.0)
                for c in self.channels
            ]
        )
        self._mvc_plateaus()

    # -- lookups
    def mi(self, c: Channel) -> int:
        return self.m_index.get(c.muscle or "other", self.m_index["other"])

    def painful(self, c: Channel) -> bool:
        return self.prof.painful_side is not None and c.side == self.prof.painful_side

    def inhibited(self, c: Channel) -> bool:
        return c.muscle == "glute_max" and c.side == self.opt.inhibition_side

    def mvc_source(self, muscle: str | None) -> str | None:
        if muscle is None or muscle in self.mvc_muscles:
            return muscle
        return MVC_SOURCE.get(muscle, muscle)

    def is_target(self, c: Channel, trial: Trial) -> bool:
        return self.mvc_source(c.muscle) == trial.muscle and trial.side in (c.side, "both")

    def effort(self, k: int, ci: int) -> float:
        lo, hi = self.prof.mvc_effort
        return lo + (hi - lo) * float(self.draw.effort_u[k, ci])

    def position_factor(self, target: str, base_id: str) -> float:
        bases = self.positions.get(target, [base_id])
        if len(bases) < 2:
            return 1.0
        i = self.m_index.get(target, 0)
        best = bases[min(len(bases) - 1, int(self.draw.pos_u[i, 0] * len(bases)))]
        if base_id == best:
            return 1.0
        lo, hi = self.prof.mvc_weaker_position
        return lo + (hi - lo) * float(self.draw.pos_u[i, 1])

    def ramp(self, k: int, ci: int) -> float:
        lo, hi = self.opt.ramp_s
        return lo + (hi - lo) * float(self.draw.ramp_u[k, ci])

    def _mvc_plateaus(self) -> None:
        """Unimpaired best MVC plateau per channel (the reference for task levels)."""
        n_ch = len(self.channels)
        self.mvc_unimp = self.nominal.copy()
        has = np.zeros(n_ch, dtype=bool)
        for pi, p in enumerate(self.plans):
            if p.trial.task != "mvc" or p.trial.muscle is None:
                continue
            pos = self.position_factor(p.trial.muscle, p.base_id)
            for r in p.reps:
                k = self.rep_row[(pi, r.number)]
                for ci, c in enumerate(self.channels):
                    if self.is_target(c, p.trial):
                        val = self.nominal[ci] * pos * self.effort(k, ci)
                        self.mvc_unimp[ci] = val if not has[ci] else max(self.mvc_unimp[ci], val)
                        has[ci] = True
        self.mvc_actual = self.mvc_unimp * self.mvc_factor

    # -- amplitudes
    def mvc_amp(self, tr: Trial, base_id: str, k: int, ci: int) -> float:
        c, target = self.channels[ci], tr.muscle or "other"
        if self.is_target(c, tr):
            return float(
                self.nominal[ci]
                * self.mvc_factor[ci]
                * self.position_factor(target, base_id)
                * self.effort(k, ci)
            )
        muscle = c.muscle or "other"
        if self.mvc_source(c.muscle) == target:
            frac = self.prof.mvc_contralateral
        else:
            frac = self.prof.mvc_coactivation.get(target, {}).get(muscle, 0.1)
            if tr.side in ("left", "right") and c.side != tr.side:
                frac *= self.prof.mvc_contralateral
        return float(min(frac * self.nominal[ci] * self.effort(k, ci), 0.8 * self.mvc_actual[ci]))

    def bridge_amp(self, tr: Trial, k: int, ci: int) -> float:
        c, prof, d = self.channels[ci], self.prof, self.draw
        muscle = c.muscle or "other"
        mi, si = self.mi(c), _side_index(c.side)
        working = tr.task == "double_leg_bridge" or c.side == tr.side
        row = 0 if tr.task == "double_leg_bridge" else (1 if working else 2)
        pct = (
            prof.bridge_pct(tr.task, muscle, working)
            * prof.cue_factor(tr.cue, muscle)
            * math.exp(prof.level_cv * d.z_level[row, mi])
            * math.exp(self.opt.side_cv * d.z_level_side[row, mi, si])
            * (1.0 + self.opt.rep_cv * d.rep_z[k, ci])
        )
        pct = min(pct, 90.0)
        drive = prof.bridge_drive.get(muscle, 1.0) if self.painful(c) else 1.0
        if self.inhibited(c):
            drive *= 1.0 - self.opt.inhibition
        return float(min(pct / 100.0 * self.mvc_unimp[ci] * drive, 0.95 * self.mvc_actual[ci]))

    # -- the activation
    def activation(self, n_out: int, fs: float) -> tuple[npt.NDArray[np.float64], pd.DataFrame]:
        """True activation amplitude a(t) (uV RMS, before wander) and the onset table."""
        a_out = np.zeros((n_out, len(self.channels)))
        rows: list[dict[str, Any]] = []
        smooth = self.opt.smooth
        for pi, p in enumerate(self.plans):
            tr = p.trial
            if tr.task == "rest":
                continue
            for r in p.reps:
                k = self.rep_row[(pi, r.number)]
                move_s, off_s, end_s = r.move / fs, r.hold_off / fs, r.end / fs
                for ci, c in enumerate(self.channels):
                    col = a_out[:, ci]
                    if tr.task == "mvc":
                        amp = self.mvc_amp(tr, p.base_id, k, ci)
                        if smooth:
                            _rise_fall(col, fs, amp, move_s, MVC_RISE_TAU_S, off_s, end_s)
                        else:
                            _ramp_fall(col, fs, amp, move_s, self.ramp(k, ci), off_s, end_s)
                        continue
                    amp = self.bridge_amp(tr, k, ci)
                    latency = (
                        self.prof.latency_ms(tr.cue, c.muscle or "other", c.side)
                        + self.prof.onset_jitter_ms * self.draw.onset_z[k, ci]
                    ) / 1000.0
                    t_on = move_s + latency
                    if smooth:
                        _rise_fall(col, fs, amp, t_on, self.prof.rise_tau_s, off_s, end_s)
                    else:
                        _ramp_fall(col, fs, amp, t_on, self.ramp(k, ci), off_s, end_s)
                    if tr.task in _BRIDGES:
                        rows.append(
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
        self._tonic(a_out)
        onsets = pd.DataFrame(
            rows, columns=["trial", "rep", "muscle", "side", "channel", "onset_s", "latency_s"]
        )
        return a_out, onsets

    def _tonic(self, a_out: npt.NDArray[np.float64]) -> None:
        """Tonic postural trunk activity through every bridge trial (adds in quadrature)."""
        if self.opt.tonic_pct <= 0:
            return
        for ci, c in enumerate(self.channels):
            if c.muscle not in _TRUNK:
                continue
            level = self.opt.tonic_pct / 100.0 * self.mvc_unimp[ci]
            for p in self.plans:
                if p.trial.task in _BRIDGES:
                    seg = a_out[p.start : p.stop, ci]
                    a_out[p.start : p.stop, ci] = np.sqrt(seg * seg + level * level)


# ----------------------------------------------------------------------------- rendering
@dataclass(slots=True)
class _Rendered:
    data: npt.NDArray[np.float64]
    gains: dict[str, float]
    spec_scale: npt.NDArray[np.float64]
    a_true: npt.NDArray[np.float64]


def _adc_gain(
    f: npt.NDArray[np.float64], p: npt.NDArray[np.float64], fs: float, factor: int
) -> float:
    """RMS gain of the sinc^3 decimator for a signal with power spectrum ``p`` at ``f``."""
    h = sinc3_response(f, fs, factor)
    return float(np.sqrt(np.sum(p * h * h) / np.sum(p)))


def _floor(
    rng: np.random.Generator, n_out: int, factor: int, rms: float
) -> npt.NDArray[np.float64]:
    if factor > 1:
        # electrode/amplifier noise is in front of the ADC filter too
        fl = sinc3_decimate(rng.standard_normal(n_out * factor), factor)
        fl /= max(float(np.sqrt(np.mean(fl * fl))), 1e-12)
    else:
        fl = rng.standard_normal(n_out)
    return rms * fl


#: Channel-samples from which :func:`_render_subject` renders its channels on two threads (the
#: FFTs, random draws and array arithmetic of a channel release the GIL; each channel has its
#: own generator and column, so the rendering is the same to the bit as one channel after the
#: other). Below it the thread's start costs more than it saves.
PARALLEL_RENDER_MIN = 1_000_000


def _render_subject(
    subj: _Subject,
    a_out: npt.NDArray[np.float64],
    fs: float,
    factor: int,
    fatigue_k: dict[int, npt.NDArray[np.float64]],
) -> _Rendered:
    """The subject's carrier: Shwedyk-shaped Gaussian noise x a(t) + floor."""
    prof, n_out = subj.prof, a_out.shape[0]
    fg, n_gen = fs * factor, n_out * factor
    data = np.empty(a_out.shape, order="F")
    spec_scale = np.ones(a_out.shape[1])
    n_norm = max(2, round(NORMALISE_WINDOW_S * fs))

    def channel(ci: int) -> float:
        # everything a channel draws comes from its own generator and lands in its own column
        rng = np.random.default_rng(subj.draw.chan_ss[ci])
        g = 1.0 + prof.spectrum_cv * float(np.clip(rng.standard_normal(), -2, 2))
        spec_scale[ci] = g
        fl, fh = prof.spectrum_hz[0] * g, prof.spectrum_hz[1] * g
        floor_rms = prof.floor_uv[0] + (prof.floor_uv[1] - prof.floor_uv[0]) * rng.uniform()
        white = rng.standard_normal(n_gen)
        if ci in fatigue_k:
            carrier = _fatigued_carrier(white, fg, fl, fh, fatigue_k[ci])
        else:
            carrier = shaped_noise(white, fg, fl, fh)[0]
        del white
        gain = 1.0
        if factor > 1:
            # the carrier goes through the ADC filter; the slow activation envelope is applied
            # after it, scaled by the filter's RMS gain for this spectrum
            carrier = sinc3_decimate(carrier, factor)
            f_ax = np.linspace(0.0, fg / 2, 8193)
            gain = _adc_gain(f_ax, shwedyk_psd(f_ax, fl, fh), fs, factor)
            if not subj.opt.smooth:
                carrier /= gain  # unit RMS for the expected spectrum; gain applied below
        if subj.opt.smooth:
            carrier = local_normalise(carrier, n_norm)
        data[:, ci] = (gain * a_out[:, ci]) * carrier
        data[:, ci] += _floor(rng, n_out, factor, floor_rms)
        return gain

    idx = range(len(subj.channels))
    if n_gen * len(subj.channels) >= PARALLEL_RENDER_MIN and len(subj.channels) > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(2, thread_name_prefix="emgkit-render") as pool:
            got = list(pool.map(channel, idx))
    else:
        got = [channel(ci) for ci in idx]
    gains = {c.name: got[ci] for ci, c in enumerate(subj.channels)}
    return _Rendered(data, gains, spec_scale, a_out)


def _fatigued_carrier(
    white: npt.NDArray[np.float64], fg: float, fl: float, fh: float, k_t: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    k_min = float(k_t.min())
    n_lv = max(2, math.ceil((1.0 - k_min) / 0.03) + 1)
    k_grid = np.linspace(1.0, k_min, n_lv)
    variants = shaped_noise(white, fg, fl, fh, scales=list(k_grid))
    u = (1.0 - k_t) / max(1.0 - k_min, 1e-12) * (n_lv - 1)
    carrier = np.zeros(white.shape[0])
    for j, v in enumerate(variants):
        carrier += np.clip(1.0 - np.abs(u - j), 0.0, None) * v
    return carrier


def _render_coloured(
    subj: _Subject, a_out: npt.NDArray[np.float64], fs: float, factor: int
) -> _Rendered:
    """The independent check: causal IIR-coloured Gaussian noise x a(t) + 2-5 uV floor."""
    n_out = a_out.shape[0]
    fg = fs * factor
    data = np.empty(a_out.shape, order="F")
    gains: dict[str, float] = {}
    f_ax, p_ax = coloured_response(fg)
    for ci, c in enumerate(subj.channels):
        rng = np.random.default_rng(subj.draw.chan_ss[ci])
        lo, hi = VALIDATION_FLOOR_UV
        floor_rms = lo + (hi - lo) * rng.uniform()
        carrier = coloured_carrier(n_out * factor, fg, rng)
        gain = 1.0
        if factor > 1:
            carrier = sinc3_decimate(carrier, factor)
            gain = _adc_gain(f_ax, p_ax, fs, factor)
            carrier /= gain
        gains[c.name] = gain
        data[:, ci] = gain * a_out[:, ci] * carrier + _floor(rng, n_out, factor, floor_rms)
    return _Rendered(data, gains, np.ones(a_out.shape[1]), a_out)


def _render_motor_unit(
    subj: _Subject, a_out: npt.NDArray[np.float64], fs: float, factor: int
) -> _Rendered:
    """The motor-unit model: activation -> excitation -> firing -> MUAP sum (+ floor)."""
    n_out = a_out.shape[0]
    fg = fs * factor
    data = np.empty(a_out.shape, order="F")
    a_true = np.empty_like(a_out)
    gains: dict[str, float] = {}
    t_out = np.arange(n_out) / fs
    t_gen = np.arange(n_out * factor) / fg
    for ci, c in enumerate(subj.channels):
        rng = np.random.default_rng(subj.draw.chan_ss[ci])
        lo, hi = VALIDATION_FLOOR_UV
        floor_rms = lo + (hi - lo) * rng.uniform()
        pool = MotorUnitPool.draw(fg, rng)
        grid, g = pool.rms_curve()
        # headroom above the nominal MVC so that wander and efforts stay inside e <= 1
        scale = MU_HEADROOM * subj.nominal[ci] / g[-1]
        g_strict = g * scale + 1e-9 * grid
        e_out = np.interp(a_out[:, ci], g_strict, grid)
        a_true[:, ci] = np.interp(e_out, grid, g * scale)
        e_gen = np.interp(t_gen, t_out, e_out) if factor > 1 else e_out
        sig = pool.render(e_gen, scale, int(rng.integers(2**31 - 1)))
        gain = 1.0
        if factor > 1:
            sig = sinc3_decimate(sig, factor)
            f_ax = np.linspace(0.0, fg / 2, 2049)
            gain = _adc_gain(f_ax, pool.power_spectrum_shape(f_ax), fs, factor)
        gains[c.name] = gain
        data[:, ci] = sig + _floor(rng, n_out, factor, floor_rms)
    return _Rendered(data, gains, np.ones(a_out.shape[1]), a_true)


#: Expected RMS of a motor-unit pool at full excitation, relative to the channel's nominal MVC.
MU_HEADROOM = 1.3


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
    generator: str = "subject",
    smooth: bool = False,
    wander_cv: float = 0.06,
    ramp_s: tuple[float, float] = (0.06, 0.7),
    tonic_pct: float = 0.0,
    rep_cv: float | None = None,
    side_cv: float | None = None,
    side_task_corr: float = 0.0,
    inhibition: float = 0.0,
    inhibition_side: str = "right",
    inhibition_mvc: float = 0.0,
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
    generator : {"subject", "coloured", "motor_unit"}
        The signal model that turns the activation into sEMG: ``"subject"`` (stationary
        Shwedyk-shaped Gaussian carrier), ``"coloured"`` (the independent check of issue 10:
        causal IIR-coloured Gaussian carrier, 2-5 uV floor; :mod:`emgkit.simulate.coloured`)
        or ``"motor_unit"`` (Fuglevand et al. 1993 motor-unit pool;
        :mod:`emgkit.simulate.motor_unit`). :class:`Fatigue` needs ``"subject"``.
    smooth : bool
        The pre-issue-10 idealised subject: carrier re-normalised on a 100 ms scale,
        first-order rises, no effort wander (500 ms envelope means vary by about 1 % in a
        hold). Only for tests of the analysis arithmetic; never for accuracy claims.
    wander_cv : float
        SD of the slow multiplicative effort wander (Gaussian noise smoothed over 0.25 s;
        0-0.5). With the stationary carrier, 0.06 gives a CV of 500 ms envelope means inside
        an MVC hold of about 8-10 % (real sustained contractions: about 18 %).
    ramp_s : (float, float)
        Range (uniform, per rep and channel) of the linear rise from onset to plateau.
    tonic_pct : float
        Tonic postural erector spinae / multifidus activity through the bridge trials
        (between reps too), %MVC (0-30).
    rep_cv : float, optional
        Rep-to-rep variation of bridge levels (SD of a factor, truncated at 2 SD; default
        the profile's, 0.06).
    side_cv : float, optional
        Natural left/right difference of task levels (log-normal SD per side and task row,
        truncated at 2 SD; default the profile's ``level_side_cv``). 0.08 models electrode
        and anatomy differences of about 8 %.
    side_task_corr : float
        Correlation (0-1) of that natural left/right difference between the three task rows
        (double-leg bridge, single-leg bridge working side, single-leg bridge other side).
        0 (default) draws each task's difference independently (a task-specific side habit);
        1 gives one side preference shared by every task, which pooling tasks cannot average
        out: the stress case for the left/right decision (docs/validation.md).
    inhibition : float
        One-sided glute max inhibition in bridges (fraction 0-0.9 of the drive removed).
    inhibition_side : {"left", "right"}
        Side of ``inhibition`` and ``inhibition_mvc``.
    inhibition_mvc : float
        Fraction (0-0.9) by which the inhibition also lowers that glute max's MVC (when it
        equals ``inhibition`` the per-side %MVC is unchanged: normalisation hides it).

    Returns
    -------
    recording : Recording
        Raw sEMG in uV, one channel per montage channel, with "trial", "rep", "hold" and
        "pain" events.
    truth : GroundTruth

    Raises
    ------
    ConfigError
        Unknown profile, montage or generator, invalid option, fault or channel selection.
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
    opt = _options(
        prof,
        generator=generator,
        smooth=smooth,
        wander_cv=wander_cv,
        ramp_s=ramp_s,
        tonic_pct=tonic_pct,
        rep_cv=rep_cv,
        side_cv=side_cv,
        side_task_corr=side_task_corr,
        inhibition=inhibition,
        inhibition_side=inhibition_side,
        inhibition_mvc=inhibition_mvc,
    )
    fs = _check_fs(fs)
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
        if isinstance(f, Fatigue) and opt.generator != "subject":
            raise ConfigError("the Fatigue fault needs generator='subject'")

    factor = 1 if fs >= 1000.0 else ADC_OVERSAMPLE
    device = "synthetic" if factor == 1 else "synthetic-cyton"
    channels = mont.with_device(device).channels
    plans, n_out = _plan(protocol, fs)
    all_reps = [(pi, r) for pi, p in enumerate(plans) for r in p.reps]
    draw = _draw(int(seed), len(all_reps), len(channels), len(faults))
    if opt.side_task_corr > 0.0:
        # a side preference shared by the task rows, from its own stream (other draws unchanged)
        r = opt.side_task_corr
        rng_c = np.random.default_rng(np.random.SeedSequence([int(seed), 0x51DE]))
        z_common = np.clip(rng_c.standard_normal((1, *draw.z_level_side.shape[1:])), -2, 2)
        draw.z_level_side = math.sqrt(r) * z_common + math.sqrt(1.0 - r) * draw.z_level_side
    rep_row = {(pi, r.number): k for k, (pi, r) in enumerate(all_reps)}
    subj = _Subject(prof, opt, plans, channels, draw, rep_row)

    a_out, onsets = subj.activation(n_out, fs)
    for ci in range(len(channels)):
        a_out[:, ci] *= _wander(n_out, fs, opt.wander_cv, np.random.default_rng(draw.extra_ss[ci]))

    resolved = [f.resolve(channels) for f in faults]
    if opt.generator == "motor_unit":
        out = _render_motor_unit(subj, a_out, fs, factor)
    elif opt.generator == "coloured":
        out = _render_coloured(subj, a_out, fs, factor)
    else:
        fatigue_k = _fatigue_profiles(plans, faults, resolved, n_out * factor, fs * factor, fs)
        out = _render_subject(subj, a_out, fs, factor, fatigue_k)
    fault_records = _apply_faults(out, faults, resolved, draw.fault_rngs, channels, fs)
    events, trials_df = _events(plans, prof, fs)

    mvc_uv, mvc_peak = _true_mvc(subj, out.a_true, fs)
    levels = _levels(plans, channels, out.a_true, mvc_uv)
    info = SessionInfo(
        subject=subject,
        device=device,
        hardware_bandwidth_hz=(ads1299_bandwidth_hz(fs) if factor > 1 else None),
        power_line_hz=next((float(f.freq_hz) for f in faults if isinstance(f, Mains)), None),
        montage=mont.name,
        notes=f"synthetic session: protocol {protocol.name!r}, profile {prof.name!r}",
        extra={
            "profile": prof.name,
            "seed": int(seed),
            "protocol": protocol.name,
            "generator": opt.generator,
        },
    )
    rec = Recording(np.ascontiguousarray(out.data), fs, channels, events, (), info)
    truth = GroundTruth(
        trials=trials_df,
        levels=levels,
        onsets=onsets,
        ratios=_ratios(levels, trials_df),
        asymmetry=_asymmetry(levels, trials_df),
        mvc_uv=mvc_uv,
        faults=fault_records,
        profile=prof,
        activation=out.a_true,
        amplitude_gain=out.gains,
        mvc_uv_peak500=mvc_peak,
        options=opt.as_dict(),
    )
    return rec, truth


def _check_fs(fs: Any) -> float:
    try:
        fs = float(fs)
    except (TypeError, ValueError):
        raise SignalError(f"fs must be a sampling rate in Hz, got {fs!r}") from None
    if not math.isfinite(fs) or fs < MIN_FS:
        raise SignalError(
            f"fs = {fs} Hz is too low for sEMG; use at least {MIN_FS:g} Hz (250 Hz emulates "
            "the OpenBCI Cyton, >= 1000 Hz is recommended)"
        )
    return float(fs)


def _fatigue_profiles(
    plans: list[_TrialPlan],
    faults: Sequence[Fault],
    resolved: list[list[int]],
    n_gen: int,
    fg: float,
    fs: float,
) -> dict[int, npt.NDArray[np.float64]]:
    holds_s = [
        (p.trial.id, r.set_index, r.hold_on / fs, r.hold_off / fs, r.end / fs)
        for p in plans
        for r in p.reps
    ]
    fatigue_k: dict[int, npt.NDArray[np.float64]] = {}
    for f, idx in zip(faults, resolved, strict=True):
        if isinstance(f, Fatigue):
            prof_k = f.scale_profile(n_gen, fg, holds_s)
            for ci in idx:
                fatigue_k[ci] = fatigue_k[ci] * prof_k if ci in fatigue_k else prof_k
    return fatigue_k


def _apply_faults(
    out: _Rendered,
    faults: Sequence[Fault],
    resolved: list[list[int]],
    rngs: list[np.random.Generator],
    channels: Sequence[Channel],
    fs: float,
) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for i in sorted(range(len(faults)), key=lambda i: faults[i].stage):
        f, idx = faults[i], resolved[i]
        extra = f.apply(out.data, fs, idx, rngs[i], channels)
        if isinstance(f, Fatigue):
            extra = {
                "mdf_scale": (1.0, round(1.0 - f.drop, 6)),
                "spectrum_scale": {channels[ci].name: float(out.spec_scale[ci]) for ci in idx},
            }
        records.append(
            {
                "type": f.kind,
                "channels": [channels[ci].name for ci in idx],
                "params": f.params(),
                **extra,
            }
        )
    return records


def _events(
    plans: list[_TrialPlan], prof: SubjectProfile, fs: float
) -> tuple[list[Event], pd.DataFrame]:
    events: list[Event] = []
    rows = []
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
        rows.append(
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
    cols = ["trial", "task", "side", "cue", "muscle", "onset_s", "offset_s", "n_reps"]
    return events, pd.DataFrame(rows, columns=cols)


def _true_mvc(
    subj: _Subject, a_true: npt.NDArray[np.float64], fs: float
) -> tuple[dict[str, float], dict[str, float]]:
    """MVC truth per channel: best hold RMS of the activation, and the 500 ms-peak convention."""
    plateau: dict[str, float] = {}
    peak: dict[str, float] = {}
    for ci, c in enumerate(subj.channels):
        wins = [
            (r.hold_on, r.hold_off)
            for p in subj.plans
            if p.trial.task == "mvc" and subj.is_target(c, p.trial)
            for r in p.reps
        ]
        col = a_true[:, ci]
        vals = [float(np.sqrt(np.mean(col[i0:i1] ** 2))) for i0, i1 in wins if i1 > i0]
        plateau[c.name] = max(vals) if vals else float(subj.mvc_actual[ci])
        pk = _best_window_mean_env(col, fs, wins) if wins else float("nan")
        peak[c.name] = pk if math.isfinite(pk) else plateau[c.name]
    return plateau, peak


def _levels(
    plans: list[_TrialPlan],
    channels: Sequence[Channel],
    a_true: npt.NDArray[np.float64],
    mvc_uv: dict[str, float],
) -> pd.DataFrame:
    rows = []
    for p in plans:
        if p.trial.task == "rest":
            continue
        for r in p.reps:
            seg = a_true[r.hold_on : r.hold_off]
            amps = np.sqrt(np.mean(seg * seg, axis=0))
            for ci, c in enumerate(channels):
                rows.append(
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
    cols = ["trial", "rep", "muscle", "side", "channel", "pct_mvc", "amplitude_uv"]
    return pd.DataFrame(rows, columns=cols)


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
