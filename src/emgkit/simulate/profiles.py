"""Synthetic subject profiles: how hard each muscle works in each task, and when it switches on.

A :class:`SubjectProfile` holds the *population-level* description of a kind of subject
(healthy, right- or left-side gluteal inhibition, hamstring dominance). The seed passed to
:func:`emgkit.simulate.synthesize_session` draws one individual from it (MVC amplitudes,
task levels and spectra vary between individuals; levels and onsets also vary between reps).

Every number is documented with its source in ``docs/simulation.md``. Values marked
*convention* below are choices made for the simulator, not published norms.
Sources in short (full references in clinical-anchors.md sections 3, 5, 6, 8):

- double-leg bridge: glute max 25 %MVC, longissimus (erector spinae) 39 %MVC, multifidus
  44 %MVC (Ekstrom, Donatelli & Carp 2007). Glute max : erector spinae < 1 is normal.
- single-leg bridge (stance side): glute max 40-54 %MVC (Ekstrom 2007: 40 +- 20; Macadam &
  Feser 2019 review: 54.2), biceps femoris about 75 %MVC at 90 deg knee and 24 at 135 deg
  (Lehecka et al. 2017); 45 %MVC is used. Left-right multifidus difference 5-12 %MVC in
  unilateral bridges (Feldwieser et al. 2012).
- onset order (healthy): hamstrings 100-200 ms, erector spinae 50-100 ms and glute max
  0-50 ms before movement (Lewis & Sahrmann 2009; Sakamoto et al. 2009).
- inhibition: ipsilateral glute max activity falls with hip pain/effusion (Freeman, Mascia &
  McGill 2013, direction only: the 40 % drive reduction is a convention).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from emgkit.errors import ConfigError
from emgkit.recording import MUSCLES

__all__ = ["PROFILES", "SubjectProfile", "get_profile"]


def _ro(d: Mapping[str, float]) -> Mapping[str, float]:
    return MappingProxyType(dict(d))


def _ro2(d: Mapping[str, Mapping[str, float]]) -> Mapping[str, Mapping[str, float]]:
    return MappingProxyType({k: _ro(v) for k, v in d.items()})


# --------------------------------------------------------------------------------- defaults
#: Nominal RMS amplitude at MVC in microvolts (convention: "a few hundred uV", typical of
#: bipolar 20 mm surface sEMG; the real value depends on skin and fat).
_MVC_UV = {
    "glute_max": 250.0,
    "hamstrings": 300.0,
    "biceps_femoris": 300.0,
    "semitendinosus": 300.0,
    "erector_spinae": 200.0,
    "multifidus": 220.0,
    "glute_med": 250.0,
    "other": 150.0,
}

#: Co-activation during another muscle's MVC, as a fraction of each muscle's own maximal
#: amplitude, on the tested side (convention; the contralateral side gets
#: ``mvc_contralateral`` times this). Hamstrings work hard in the Sorensen test (Mueller et
#: al. 2010), hence 0.5. All fractions stay below the position/effort range of the target
#: so that the MVC of a channel always comes from its own MVC trials.
_MVC_COACT = {
    "glute_max": {
        "hamstrings": 0.4,
        "biceps_femoris": 0.4,
        "semitendinosus": 0.4,
        "erector_spinae": 0.3,
        "multifidus": 0.3,
        "glute_med": 0.4,
    },
    "hamstrings": {"glute_max": 0.25, "erector_spinae": 0.2, "multifidus": 0.2, "glute_med": 0.15},
    "erector_spinae": {
        "glute_max": 0.3,
        "hamstrings": 0.5,
        "biceps_femoris": 0.5,
        "semitendinosus": 0.5,
        "glute_med": 0.2,
    },
}

#: Double-leg bridge, standard cue, %MVC (both sides). Ekstrom 2007 for glute max, erector
#: spinae (longissimus) and multifidus; hamstrings and glute med are conventions consistent
#: with Youdas et al. 2015 (bridges below the 52-60 %MVC of a hamstring curl).
_DLB = {
    "glute_max": 25.0,
    "hamstrings": 25.0,
    "biceps_femoris": 25.0,
    "semitendinosus": 22.0,
    "erector_spinae": 38.0,
    "multifidus": 44.0,
    "glute_med": 28.0,
    "other": 5.0,
}

#: Single-leg bridge, working (stance) side, %MVC.
_SLB_WORK = {
    "glute_max": 45.0,
    "hamstrings": 45.0,
    "biceps_femoris": 45.0,
    "semitendinosus": 40.0,
    "erector_spinae": 30.0,
    "multifidus": 45.0,
    "glute_med": 47.0,
    "other": 5.0,
}

#: Single-leg bridge, non-working (lifted-leg) side, %MVC (convention; trunk 6-7 %MVC below
#: the working side, inside the 5-12 %MVC multifidus difference of Feldwieser et al. 2012).
_SLB_NONWORK = {
    "glute_max": 8.0,
    "hamstrings": 6.0,
    "biceps_femoris": 6.0,
    "semitendinosus": 6.0,
    "erector_spinae": 24.0,
    "multifidus": 38.0,
    "glute_med": 10.0,
    "other": 5.0,
}

#: Multiplicative effect of each cue on bridge levels (convention, directions from Lehecka
#: 2017 and Ho et al. 2020 for heel distance / knee flexion -> less hamstring; the others are
#: conventions following the cue's intent).
_CUE_GAIN = {
    "standard": {},
    "squeeze_first": {"glute_max": 1.2},
    "heels_closer": {"hamstrings": 0.7, "biceps_femoris": 0.7, "semitendinosus": 0.7},
    "toes_pressed": {"hamstrings": 0.75, "biceps_femoris": 0.75, "semitendinosus": 0.75},
    "wall_push": {"erector_spinae": 1.3, "multifidus": 1.2},
}

#: Onset latency relative to movement onset in ms (negative = before). Lewis & Sahrmann 2009
#: (no cue: medial hamstrings -196, lateral -100, glute max -12 ms); Sakamoto et al. 2009
#: (semitendinosus -> erector spinae -> glute max).
_ONSET_MS = {
    "hamstrings": -150.0,
    "biceps_femoris": -100.0,
    "semitendinosus": -195.0,
    "erector_spinae": -80.0,
    "multifidus": -80.0,
    "glute_max": -25.0,
    "glute_med": -25.0,
    "other": 0.0,
}

#: Cue-specific onset overrides: "squeeze first" makes glute max fire first (convention, in
#: the direction of the glute cue of Lewis & Sahrmann 2009 and Chance-Larsen et al. 2010).
_CUE_ONSET_MS = {"squeeze_first": {"glute_max": -250.0}}


@dataclass(frozen=True)
class SubjectProfile:
    """A kind of synthetic subject: amplitudes, task levels, onsets, pain.

    Attributes
    ----------
    name : str
        Profile name (``"healthy"``, ...).
    description : str
        One-line description.
    mvc_uv : mapping muscle -> float
        Nominal RMS amplitude at a maximal contraction, in microvolts.
    mvc_cv : float
        Between-subject variation of ``mvc_uv`` (SD of a log-normal factor, drawn per muscle
        and side, truncated at 2 SD).
    mvc_weaker_position : (float, float)
        When a muscle has MVC trials in several positions (glute max: prone and standing), one
        position (drawn per subject) gives the maximum; the others reach a fraction drawn
        uniformly in this range (Contreras et al. 2015: no single position is best for all).
    mvc_effort : (float, float)
        Per-rep effort of an MVC, uniform in this range (the best rep defines the MVC).
    mvc_coactivation : mapping target muscle -> mapping muscle -> fraction
        Activity of the other muscles during an MVC, as a fraction of their own maximum.
    mvc_contralateral : float
        Factor applied to the co-activation on the side opposite a one-sided MVC.
    dlb_pct : mapping muscle -> %MVC
        Double-leg bridge, standard cue.
    slb_working_pct, slb_nonworking_pct : mapping muscle -> %MVC
        Single-leg bridge, stance side and lifted side.
    cue_gain : mapping cue -> mapping muscle -> factor
        Multiplicative effect of a cue on bridge levels (1 when not listed).
    level_cv : float
        Between-subject variation of task levels (log-normal SD, truncated at 2 SD), common
        to both sides.
    level_side_cv : float
        Left/right difference of task levels in one subject (log-normal SD per side,
        truncated at 2 SD): healthy single-leg-bridge symmetry angles stay within a few %.
    rep_cv : float
        Between-rep variation of task levels (normal SD of a factor, truncated at 2 SD).
    onset_ms : mapping muscle -> ms
        Onset latency relative to movement onset (negative = before).
    cue_onset_ms : mapping cue -> mapping muscle -> ms
        Latency overrides for a cue.
    onset_jitter_ms : float
        Between-rep onset jitter (normal SD, truncated at 2 SD so that the order holds).
    rise_tau_s : float
        Time constant of the first-order rise of activation at a bridge onset.
    painful_side : {"left", "right"} or None
        Side of pain / inhibition.
    bridge_drive : mapping muscle -> factor
        Drive on the painful side during bridges, relative to the unimpaired drive.
    painful_mvc : mapping muscle -> factor
        MVC amplitude on the painful side relative to unimpaired.
    painful_onset_delay_ms : mapping muscle -> ms
        Extra onset delay on the painful side during bridges.
    pain_slb_painful, pain_slb_other, pain_dlb : int
        0-10 pain rating after a single-leg bridge on the painful side, on the other side,
        and after a double-leg bridge (asked when the trial has ``ask_pain``).
    spectrum_hz : (float, float)
        Low and high corner ``(fl, fh)`` of the Shwedyk/Merletti sEMG spectrum
        ``P(f) ~ fh^4 f^2 / ((f^2 + fl^2)(f^2 + fh^2)^2)`` (median frequency about 87 Hz).
    spectrum_cv : float
        Between-channel variation of the spectral scale (SD of a factor, truncated at 2 SD).
    floor_uv : (float, float)
        Range of the broadband noise floor, RMS microvolts (drawn per channel).
    """

    name: str
    description: str = ""
    mvc_uv: Mapping[str, float] = field(default_factory=lambda: _ro(_MVC_UV))
    mvc_cv: float = 0.2
    mvc_weaker_position: tuple[float, float] = (0.85, 0.97)
    mvc_effort: tuple[float, float] = (0.93, 1.0)
    mvc_coactivation: Mapping[str, Mapping[str, float]] = field(
        default_factory=lambda: _ro2(_MVC_COACT)
    )
    mvc_contralateral: float = 0.3
    dlb_pct: Mapping[str, float] = field(default_factory=lambda: _ro(_DLB))
    slb_working_pct: Mapping[str, float] = field(default_factory=lambda: _ro(_SLB_WORK))
    slb_nonworking_pct: Mapping[str, float] = field(default_factory=lambda: _ro(_SLB_NONWORK))
    cue_gain: Mapping[str, Mapping[str, float]] = field(default_factory=lambda: _ro2(_CUE_GAIN))
    level_cv: float = 0.12
    level_side_cv: float = 0.04
    rep_cv: float = 0.06
    onset_ms: Mapping[str, float] = field(default_factory=lambda: _ro(_ONSET_MS))
    cue_onset_ms: Mapping[str, Mapping[str, float]] = field(
        default_factory=lambda: _ro2(_CUE_ONSET_MS)
    )
    onset_jitter_ms: float = 10.0
    rise_tau_s: float = 0.03
    painful_side: str | None = None
    bridge_drive: Mapping[str, float] = field(default_factory=lambda: _ro({}))
    painful_mvc: Mapping[str, float] = field(default_factory=lambda: _ro({}))
    painful_onset_delay_ms: Mapping[str, float] = field(default_factory=lambda: _ro({}))
    pain_slb_painful: int = 0
    pain_slb_other: int = 0
    pain_dlb: int = 0
    spectrum_hz: tuple[float, float] = (55.0, 110.0)
    spectrum_cv: float = 0.07
    floor_uv: tuple[float, float] = (2.0, 4.0)

    def __post_init__(self) -> None:
        where = f"profile {self.name!r}"
        if self.painful_side not in (None, "left", "right"):
            raise ConfigError(
                f"{where}: painful_side must be 'left', 'right' or None, got {self.painful_side!r}"
            )
        for attr in ("mvc_uv", "dlb_pct", "slb_working_pct", "slb_nonworking_pct", "onset_ms"):
            table = getattr(self, attr)
            unknown = set(table) - set(MUSCLES)
            if unknown:
                raise ConfigError(
                    f"{where}: {attr} names unknown muscle(s) {sorted(unknown)}; "
                    f"use {sorted(MUSCLES)}"
                )
        for m, v in self.mvc_uv.items():
            if not v > 0:
                raise ConfigError(f"{where}: mvc_uv[{m!r}] must be > 0 uV, got {v}")
        for attr in ("dlb_pct", "slb_working_pct", "slb_nonworking_pct"):
            for m, v in getattr(self, attr).items():
                if not 0 <= v <= 90:
                    raise ConfigError(
                        f"{where}: {attr}[{m!r}] = {v} %MVC is outside 0-90 "
                        "(tasks stay below the MVC so that the MVC trial defines the maximum)"
                    )
        lo, hi = self.mvc_effort
        if not 0 < lo <= hi <= 1:
            raise ConfigError(f"{where}: mvc_effort must satisfy 0 < low <= high <= 1")
        lo, hi = self.mvc_weaker_position
        if not 0 < lo <= hi <= 1:
            raise ConfigError(f"{where}: mvc_weaker_position must satisfy 0 < low <= high <= 1")
        fl, fh = self.spectrum_hz
        if not 0 < fl < fh:
            raise ConfigError(f"{where}: spectrum_hz must be (fl, fh) with 0 < fl < fh")
        if not 0 <= self.floor_uv[0] <= self.floor_uv[1]:
            raise ConfigError(f"{where}: floor_uv must be (low, high) with 0 <= low <= high")
        if self.rise_tau_s <= 0:
            raise ConfigError(f"{where}: rise_tau_s must be > 0")
        for p in (self.pain_slb_painful, self.pain_slb_other, self.pain_dlb):
            if not 0 <= p <= 10:
                raise ConfigError(f"{where}: pain ratings are 0-10, got {p}")

    # -------------------------------------------------------------- lookups used by subject.py
    def mvc_nominal(self, muscle: str) -> float:
        """Nominal MVC amplitude (uV) of ``muscle`` (``other`` when not listed)."""
        return float(self.mvc_uv.get(muscle, self.mvc_uv.get("other", 150.0)))

    def bridge_pct(self, task: str, muscle: str, working: bool) -> float:
        """Profile %MVC of ``muscle`` in a bridge (before cue, individual and rep factors).

        Parameters
        ----------
        task : str
            Protocol task id: ``"double_leg_bridge"`` reads :attr:`dlb_pct`; any other task is
            taken as a single-leg bridge.
        muscle : str
            Muscle id (``"glute_max"``, ...); a muscle not in the table takes its ``"other"``
            entry, else 5 %MVC.
        working : bool
            For a single-leg bridge: the channel is on the stance (working) side, else on the
            lifted side. Ignored for a double-leg bridge.

        Returns
        -------
        float
            Level in %MVC.
        """
        if task == "double_leg_bridge":
            table = self.dlb_pct
        elif working:
            table = self.slb_working_pct
        else:
            table = self.slb_nonworking_pct
        return float(table.get(muscle, table.get("other", 5.0)))

    def cue_factor(self, cue: str, muscle: str) -> float:
        """Multiplicative effect of ``cue`` on ``muscle`` (1 when not listed).

        Parameters
        ----------
        cue : str
            Cue id of the trial (see :attr:`cue_gain`).
        muscle : str
            Muscle id.

        Returns
        -------
        float
            Factor applied to the bridge %MVC level.
        """
        return float(self.cue_gain.get(cue, {}).get(muscle, 1.0))

    def latency_ms(self, cue: str, muscle: str, side: str | None) -> float:
        """Mean onset latency (ms) for ``muscle`` on ``side`` with ``cue``.

        Parameters
        ----------
        cue : str
            Cue id of the trial; a latency in :attr:`cue_onset_ms` for it overrides
            :attr:`onset_ms`.
        muscle : str
            Muscle id; a muscle not listed takes the ``"other"`` entry, else 0 ms.
        side : {"left", "right"} or None
            Side of the channel; on :attr:`painful_side` the muscle's
            :attr:`painful_onset_delay_ms` is added.

        Returns
        -------
        float
            Latency in ms relative to movement onset (negative = before), before the per-rep
            jitter.
        """
        base = self.cue_onset_ms.get(cue, {}).get(muscle)
        if base is None:
            base = self.onset_ms.get(muscle, self.onset_ms.get("other", 0.0))
        if side is not None and side == self.painful_side:
            base += self.painful_onset_delay_ms.get(muscle, 0.0)
        return float(base)

    def pain_rating(self, task: str, side: str) -> int:
        """0-10 pain rating reported after a trial of ``task`` on ``side``.

        Parameters
        ----------
        task : str
            Protocol task id; only ``"single_leg_bridge"`` and ``"double_leg_bridge"`` give a
            non-zero rating.
        side : str
            Side of a single-leg bridge (``"left"`` or ``"right"``); compared with
            :attr:`painful_side`.

        Returns
        -------
        int
            Rating on the 0-10 numeric scale.
        """
        if task == "single_leg_bridge":
            if self.painful_side is not None and side == self.painful_side:
                return self.pain_slb_painful
            return self.pain_slb_other
        if task == "double_leg_bridge":
            return self.pain_dlb
        return 0


def _inhibition(side: str) -> SubjectProfile:
    return SubjectProfile(
        name=f"{side}_inhibition",
        description=(
            f"{side}-side gluteal inhibition (pain): glute max drive -40 % in bridges, "
            "hamstring and erector spinae compensation +30 %, glute max onset 30 ms later"
        ),
        painful_side=side,
        bridge_drive=_ro(
            {
                "glute_max": 0.6,
                "hamstrings": 1.3,
                "biceps_femoris": 1.3,
                "semitendinosus": 1.3,
                "erector_spinae": 1.3,
                "multifidus": 1.2,
            }
        ),
        painful_mvc=_ro({"glute_max": 0.95}),
        painful_onset_delay_ms=_ro({"glute_max": 30.0}),
        pain_slb_painful=5,
        pain_slb_other=1,
        pain_dlb=2,
    )


_HAM_DOM = SubjectProfile(
    name="hamstring_dominant",
    description=(
        "hamstring-dominant bridging on both sides: glute max low (DLB 15, SLB 25 %MVC), "
        "hamstrings high (DLB 40, SLB 65 %MVC)"
    ),
    dlb_pct=_ro(
        {
            **_DLB,
            "glute_max": 15.0,
            "hamstrings": 40.0,
            "biceps_femoris": 40.0,
            "semitendinosus": 38.0,
        }
    ),
    slb_working_pct=_ro(
        {
            **_SLB_WORK,
            "glute_max": 25.0,
            "hamstrings": 65.0,
            "biceps_femoris": 65.0,
            "semitendinosus": 60.0,
        }
    ),
    onset_ms=_ro(
        {**_ONSET_MS, "hamstrings": -200.0, "biceps_femoris": -150.0, "semitendinosus": -230.0}
    ),
)

#: The named profiles accepted by :func:`emgkit.simulate.synthesize_session`.
PROFILES: Mapping[str, SubjectProfile] = MappingProxyType(
    {
        "healthy": SubjectProfile(
            name="healthy",
            description="healthy adult: published bridge levels; hamstrings, ES before glute max",
        ),
        "right_inhibition": _inhibition("right"),
        "left_inhibition": _inhibition("left"),
        "hamstring_dominant": _HAM_DOM,
    }
)


def get_profile(profile: str | SubjectProfile) -> SubjectProfile:
    """A profile by name (a key of :data:`PROFILES`) or the given instance."""
    if isinstance(profile, SubjectProfile):
        return profile
    try:
        return PROFILES[profile]
    except (KeyError, TypeError):
        raise ConfigError(
            f"unknown subject profile {profile!r}; use one of {sorted(PROFILES)} "
            "or a SubjectProfile instance"
        ) from None
