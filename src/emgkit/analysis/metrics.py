"""Left/right and between-muscle metrics (pure functions on numbers and arrays).

Symmetry (clinical-anchors.md section 7):

- symmetry angle (Zifchock et al. 2008): ``SA = (45 deg - arctan(L/R)) / 90 deg x 100``; 0 is
  perfect symmetry, positive when the right side is larger, bounded to +-50 for non-negative
  inputs, no reference side. The default.
- symmetry index (Robinson 1987): ``SI = (R - L) / (0.5 (R + L)) x 100``; inflates near zero.
- limb symmetry index: ``LSI = involved / uninvolved x 100``.

Left/right decision (:func:`side_difference`, :func:`asymmetry_outcome`): the symmetry angle of
the geometric-mean left/right ratio over reps (paired) or holds (unpaired), with a 95 %
t-interval on ``log(L/R)`` from the rep-to-rep or hold-to-hold variability actually present
plus, for %MVC, the two sides' MVC-normalisation error (:func:`plateau_log_se`,
:func:`mvc_log_ratio_se`: one error per side shared by all its reps), mapped through the
(monotone) symmetry-angle function; three outcomes against a threshold.

The natural side difference is a known limit, not noise that more reps remove: a healthy
person's two sides differ in every task by an amount that stays for the whole session
(electrode position, anatomy, habit). Its size for glute max is a convention
(:data:`NATURAL_SIDE_CV`, issue 10: about 8 % per side; no glute max side-difference norm exists,
glute-reliability.md section 2). :func:`healthy_range` turns it, together with a comparison's
measurement uncertainty, into the range a healthy person shows; :func:`false_call_rate` and
:func:`detection_rate` give the analytic trade-off of a threshold (docs/validation.md).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats

__all__ = [
    "NATURAL_LOG_RATIO_SD",
    "NATURAL_SIDE_CV",
    "SideDifference",
    "asymmetry_outcome",
    "combine_differences",
    "detection_rate",
    "false_call_rate",
    "healthy_range",
    "limb_symmetry_index",
    "log_ratio_of_sa",
    "mvc_log_ratio_se",
    "plateau_log_se",
    "ratio",
    "side_difference",
    "symmetry_angle",
    "symmetry_index",
]


def symmetry_angle(left: npt.ArrayLike, right: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Symmetry angle in percent (Zifchock et al. 2008); positive when right > left.

    ``SA = (45 - degrees(arctan2(L, R))) / 90 * 100``. With L = R it is 0; with L = 0 it is +50.
    NaN where either value is NaN or both are zero.

    Parameters
    ----------
    left, right : array_like
        Left- and right-side values of the same quantity (e.g. %MVC or microvolts RMS),
        broadcast against each other; non-negative.

    Returns
    -------
    ndarray
        Symmetry angle in percent, in [-50, +50] for non-negative inputs.
    """
    L = np.asarray(left, dtype=np.float64)
    R = np.asarray(right, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        sa = (45.0 - np.degrees(np.arctan2(L, R))) / 90.0 * 100.0
    return np.where((L == 0) & (R == 0), np.nan, sa)


def symmetry_index(left: npt.ArrayLike, right: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Symmetry index ``(R - L) / (0.5 (R + L)) x 100`` (Robinson 1987).

    Parameters
    ----------
    left, right : array_like
        Left- and right-side values of the same quantity (e.g. %MVC), broadcast against each
        other.

    Returns
    -------
    ndarray
        Symmetry index in percent (positive when right > left); NaN where ``L + R == 0``.
    """
    L = np.asarray(left, dtype=np.float64)
    R = np.asarray(right, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(L + R == 0, np.nan, (R - L) / (0.5 * (R + L)) * 100.0)


def limb_symmetry_index(
    involved: npt.ArrayLike, uninvolved: npt.ArrayLike
) -> npt.NDArray[np.float64]:
    """Limb symmetry index ``involved / uninvolved x 100``.

    Parameters
    ----------
    involved, uninvolved : array_like
        Values of the same quantity (e.g. %MVC) on the involved and the uninvolved side,
        broadcast against each other.

    Returns
    -------
    ndarray
        Limb symmetry index in percent; NaN where ``uninvolved == 0``.
    """
    a = np.asarray(involved, dtype=np.float64)
    b = np.asarray(uninvolved, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(b == 0, np.nan, a / b * 100.0)


def ratio(numerator: npt.ArrayLike, denominator: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Ratio of two %MVC values; NaN where the denominator is not positive.

    Parameters
    ----------
    numerator, denominator : array_like
        %MVC values (e.g. glute max and hamstrings of the same side and rep), broadcast
        against each other.

    Returns
    -------
    ndarray
        ``numerator / denominator`` (dimensionless).
    """
    a = np.asarray(numerator, dtype=np.float64)
    b = np.asarray(denominator, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(b > 0, a / b, np.nan)


#: Natural left/right difference of a healthy person's glute max task level: SD of the log level
#: of each side (a convention: issue 10's "electrode and anatomy, about 8 % CV"; no published
#: glute max side-difference norm was found, glute-reliability.md section 2).
NATURAL_SIDE_CV = 0.08
#: SD of a healthy person's natural ``log(L/R)`` in one task: ``sqrt(2) x 0.08 = 0.113``.
NATURAL_LOG_RATIO_SD = NATURAL_SIDE_CV * math.sqrt(2.0)


#: Batch length (s) of :func:`plateau_log_se`: long against the correlation of the envelope
#: (100 ms moving RMS) and comparable to that of slow effort wander (simulated: Gaussian
#: smoothing SD 0.25 s); chosen against the simulator's truth in ``benchmarks/bench_mvc_se.py``
#: (docs/validation.md, "The MVC error").
PLATEAU_BATCH_S = 1.0


def plateau_log_se(
    envelope: npt.ArrayLike,
    fs: float,
    trim: tuple[float, float] = (1.0, 0.5),
    batch_s: float = PLATEAU_BATCH_S,
) -> tuple[float, float]:
    """Standard error of ``log`` of a hold's plateau RMS, from the hold itself.

    The plateau RMS (:func:`emgkit.analysis.normalize.plateau_rms`, the MVC) is
    ``sqrt(mean P)`` of the power ``P = envelope**2`` over the plateau. ``P`` is autocorrelated
    (the RMS window, effort wander), so its sample variance / n would understate the error
    several-fold. The variance of the mean is estimated by overlapping batch means (Meketon &
    Schmeiser 1984, Proc. Winter Simulation Conference 226-230): with ``N`` plateau samples
    and batches of ``b`` samples,
    ``Var(mean P) = b / ((N - b)(N - b + 1)) x sum_j (mean of batch j - mean P)^2`` over all
    ``N - b + 1`` batches, with about ``1.5 (N / b - 1)`` degrees of freedom; then, by the delta
    method, ``SE(log RMS) = 0.5 x SE(mean P) / mean P``. The same trim as the MVC plateau
    (scaled down so that 40 % of a short hold remains); missing samples are dropped.

    It measures the sampling error of that plateau (carrier and within-hold effort
    fluctuation). It does not see a fluctuation slower than the plateau (it reads as level) nor
    whether the attempt was maximal; on a simulated wander with 0.25 s smoothing it reads
    about 20 % low (tests/analysis/test_mvc_se.py).

    Parameters
    ----------
    envelope : array_like, shape (n_samples,)
        Moving-RMS envelope of the whole hold (microvolts), NaN where missing.
    fs : float
        Sampling rate in Hz.
    trim : (float, float)
        Seconds dropped at the start and the end of the hold (as for the MVC).
    batch_s : float
        Batch length in seconds (:data:`PLATEAU_BATCH_S`).

    Returns
    -------
    se : float
        SE of the log plateau RMS; NaN when the plateau is shorter than two batches.
    df : float
        Degrees of freedom (0 when not estimable).
    """
    env = np.asarray(envelope, dtype=np.float64).ravel()
    n = env.size
    a, b = max(0, round(trim[0] * fs)), max(0, round(trim[1] * fs))
    if a + b > 0.6 * n:
        scale = 0.6 * n / (a + b)
        a, b = int(a * scale), int(b * scale)
    p = env[a : n - b] ** 2
    p = p[np.isfinite(p)]
    m = max(1, round(batch_s * fs))
    big_n = p.size
    if big_n < 2 * m or not p.mean() > 0:
        return float("nan"), 0.0
    c = np.concatenate([[0.0], np.cumsum(p)])
    bm = (c[m:] - c[:-m]) / m
    mean = float(p.mean())
    var_mean = m / ((big_n - m) * (big_n - m + 1)) * float(np.sum((bm - mean) ** 2))
    return 0.5 * math.sqrt(var_mean) / mean, 1.5 * (big_n / m - 1.0)


def _sa_of_log_ratio(lr: float) -> float:
    """Symmetry angle of a left/right ratio given as ``log(L/R)``."""
    return float((45.0 - np.degrees(np.arctan(np.exp(lr)))) / 90.0 * 100.0)


def log_ratio_of_sa(sa: float) -> float:
    """``log(L/R)`` of a symmetry angle (the inverse of the symmetry-angle map; |sa| < 50)."""
    return float(np.log(np.tan(np.radians(45.0 - 0.9 * sa))))


@dataclass(frozen=True, slots=True)
class SideDifference:
    """A left/right difference with its uncertainty (see :func:`side_difference`).

    Attributes
    ----------
    symmetry_angle : float
        Of the geometric-mean ratio L/R (positive: right larger).
    ci_low, ci_high : float
        95 % interval of the symmetry angle (NaN when it cannot be estimated).
    mdc : float
        ``1.96 x sqrt(2) x SE`` of the symmetry angle (SE from the interval's spread, at
        equal sides): the smallest change between two such sessions beyond measurement noise.
    n : int
        Reps (paired) or holds (unpaired, both sides) used.
    source : str
        Where the variability comes from, in words.
    log_ratio, se, df : float
        Mean log(L/R), its standard error and degrees of freedom (NaN when not estimable).
    natural_sd : float
        SD of the natural log(L/R) a healthy person shows in this comparison (the known limit:
        it does not shrink with more reps; NaN when unknown).
    mvc_se : float
        The part of ``se`` that comes from the two sides' MVC normalisation (%MVC comparisons;
        0 for microvolt comparisons or when not given): one error shared by every rep of the
        comparison, so it does not shrink with more reps (:func:`mvc_log_ratio_se`).
    """

    symmetry_angle: float
    ci_low: float
    ci_high: float
    mdc: float
    n: int
    source: str
    log_ratio: float = float("nan")
    se: float = float("nan")
    df: float = float("nan")
    natural_sd: float = float("nan")
    mvc_se: float = 0.0


def mvc_log_ratio_se(
    se_left: float, df_left: float, se_right: float, df_right: float
) -> tuple[float, float]:
    """SE of the MVC-normalisation error on a %MVC log(L/R), from each side's MVC SE.

    ``log(%L / %R) = log(amp L / amp R) - log(MVC L / MVC R)``: each side's MVC error
    (:func:`plateau_log_se`) shifts every rep of that side together, so it adds
    ``se_left^2 + se_right^2`` to the variance of the comparison whatever its number of reps.
    Degrees of freedom by Welch-Satterthwaite.

    Parameters
    ----------
    se_left, se_right : float
        SE of log(MVC) of each side (NaN: not estimable).
    df_left, df_right : float
        Their degrees of freedom.

    Returns
    -------
    se : float
        ``sqrt(se_left^2 + se_right^2)``; NaN when either is NaN.
    df : float
        Satterthwaite degrees of freedom (infinite when ``se`` is 0, NaN when ``se`` is NaN).
    """
    se = math.hypot(se_left, se_right)
    if not np.isfinite(se):
        return float("nan"), float("nan")
    if se == 0.0:
        return 0.0, math.inf
    den = sum(s**4 / d for s, d in ((se_left, df_left), (se_right, df_right)) if s > 0)
    return se, (se**4 / den if den > 0 else math.inf)


def _add_mvc(se: float, dof: float, mvc_se: float, mvc_df: float) -> tuple[float, float]:
    """Total SE and Satterthwaite df of a rep/hold SE plus the shared MVC SE."""
    if not (np.isfinite(mvc_se) and mvc_se > 0):
        return se, dof
    tot = math.hypot(se, mvc_se)
    den = se**4 / dof + (mvc_se**4 / mvc_df if np.isfinite(mvc_df) and mvc_df > 0 else 0.0)
    return tot, (tot**4 / den if den > 0 else dof)


#: How :func:`side_difference` names the MVC term in ``source`` (removed when pooled).
_MVC_SRC = r" \+ MVC normalisation error of both sides \(SE [0-9.]+ on log L/R\)"


def side_difference(
    left: npt.ArrayLike,
    right: npt.ArrayLike,
    *,
    paired: bool,
    level: float = 0.95,
    borrowed_sd: float = float("nan"),
    borrowed_df: int = 0,
    natural_sd: float = NATURAL_LOG_RATIO_SD,
    mvc_se: float = 0.0,
    mvc_df: float = math.inf,
) -> SideDifference:
    """Left/right symmetry angle with a t-interval from rep-to-rep or hold-to-hold variance.

    For a %MVC comparison the MVC-normalisation error of the two sides (``mvc_se``, from
    :func:`mvc_log_ratio_se`) is added in quadrature: it shifts all reps of a side together,
    which the rep-to-rep variance cannot see. ``SE = sqrt(se_reps^2 + mvc_se^2)``, degrees of
    freedom by Welch-Satterthwaite.

    Parameters
    ----------
    left, right : array_like
        Per-rep (or per-hold) amplitudes of each side (e.g. %MVC); non-positive and NaN values
        are dropped (pairwise when ``paired``).
    paired : bool
        True: rep ``i`` of the left side goes with rep ``i`` of the right (double-leg bridge):
        one-sample t-interval of ``log(L_i / R_i)``. False (single-leg trials): Welch interval of
        ``mean log L - mean log R``.
    level : float
        Coverage of the interval (0.95).
    borrowed_sd, borrowed_df : float, int
        Unpaired only: when a side has fewer than 2 holds, the SD of log amplitude between
        repetitions (and its degrees of freedom) measured elsewhere in the session (the
        double-leg reps of the same muscle). Without it the interval is NaN.
    natural_sd : float
        SD of the natural log(L/R) of a healthy person in this task (default
        :data:`NATURAL_LOG_RATIO_SD`, a convention); carried for :func:`healthy_range`.
    mvc_se, mvc_df : float
        SE on log(L/R) of the two sides' MVC normalisation and its degrees of freedom
        (:func:`mvc_log_ratio_se`); 0 for a microvolt comparison. NaN is taken as 0 and said
        in ``source``.

    Returns
    -------
    SideDifference
    """
    L = np.asarray(left, dtype=np.float64).ravel()
    R = np.asarray(right, dtype=np.float64).ravel()
    nan = float("nan")
    if paired:
        if L.shape != R.shape:
            raise ValueError("paired sides need the same number of reps")
        ok = np.isfinite(L) & np.isfinite(R) & (L > 0) & (R > 0)
        d = np.log(L[ok] / R[ok])
        n = int(d.size)
        if n == 0:
            return SideDifference(nan, nan, nan, nan, 0, "no reps with both sides")
        m = float(d.mean())
        if n < 2:
            return SideDifference(_sa_of_log_ratio(m), nan, nan, nan, n, "a single rep", m)
        se = float(d.std(ddof=1) / np.sqrt(n))
        dof = float(n - 1)
        src = f"rep-to-rep variability of {n} paired reps"
    else:
        lv = np.log(L[np.isfinite(L) & (L > 0)])
        rv = np.log(R[np.isfinite(R) & (R > 0)])
        n = int(lv.size + rv.size)
        if lv.size == 0 or rv.size == 0:
            return SideDifference(nan, nan, nan, nan, n, "a side without holds")
        m = float(lv.mean() - rv.mean())
        if lv.size >= 2 and rv.size >= 2:
            vl, vr = lv.var(ddof=1) / lv.size, rv.var(ddof=1) / rv.size
            se = float(np.sqrt(vl + vr))
            dof = (vl + vr) ** 2 / (vl**2 / (lv.size - 1) + vr**2 / (rv.size - 1)) if se > 0 else 1
            src = f"hold-to-hold variability of {lv.size} + {rv.size} holds"
        elif np.isfinite(borrowed_sd) and borrowed_df >= 1:
            se = float(borrowed_sd * np.sqrt(1.0 / lv.size + 1.0 / rv.size))
            dof = float(borrowed_df)
            src = (
                f"{lv.size} + {rv.size} hold(s): hold-to-hold variability borrowed from the "
                f"rep-to-rep variability of the double-leg reps ({borrowed_df} df)"
            )
        else:
            return SideDifference(
                _sa_of_log_ratio(m),
                nan,
                nan,
                nan,
                n,
                "one hold per side and no reps to estimate the repeat variability",
            )
    if not np.isfinite(mvc_se):
        src += "; the MVC error could not be estimated (not included)"
        mvc_se = 0.0
    elif mvc_se > 0:
        src += f" + MVC normalisation error of both sides (SE {mvc_se:.3f} on log L/R)"
    se, dof = _add_mvc(se, float(dof), mvc_se, mvc_df)
    return _from_log(m, se, float(dof), n, src, level, natural_sd, mvc_se)


def _from_log(
    m: float,
    se: float,
    dof: float,
    n: int,
    src: str,
    level: float,
    natural_sd: float,
    mvc_se: float = 0.0,
) -> SideDifference:
    t = float(stats.t.ppf(0.5 + level / 2.0, dof))
    sa = _sa_of_log_ratio(m)
    # SA decreases with log(L/R): the upper log bound gives the lower SA bound
    lo, hi = _sa_of_log_ratio(m + t * se), _sa_of_log_ratio(m - t * se)
    se_sa = se * 100.0 / np.pi  # dSA/dlog(L/R) at L = R is -100/pi points
    mdc = float(1.96 * np.sqrt(2.0) * se_sa)
    return SideDifference(sa, lo, hi, mdc, n, src, m, se, dof, natural_sd, mvc_se)


def combine_differences(
    *parts: SideDifference,
    shared: bool = False,
    mvc_common: bool | None = None,
    level: float = 0.95,
) -> SideDifference:
    """Pool left/right comparisons of the same person into one.

    Two situations, which differ in what the natural side difference does:

    - ``shared=False`` (default): different tasks of one session (single- and double-leg
      bridges). Their natural differences are taken as independent (a task-specific side
      habit; the simulator draws them so), so each comparison is weighted by
      ``1 / (natural_sd^2 + se_reps^2)``, its whole variance around a healthy person's 0, and
      the pooled ``natural_sd`` shrinks (``sqrt(sum w_i^2 natural_i^2)``). A one-sided
      inhibition, shared by all tasks, is kept whole. Parts without a ``natural_sd`` get equal
      weights.
    - ``shared=True``: repeat sessions (or cue variants) of the same task and person. The
      natural difference is the same in every part, so it does not average out: the weights
      are ``1 / se^2``, only the measurement error shrinks and ``natural_sd`` stays that of
      the parts (the largest).

    The MVC-normalisation part of each SE (``mvc_se``) is one error per session and muscle:
    with ``mvc_common`` (default: ``not shared``, i.e. tasks of one session normalised by the
    same MVCs) it is common to all parts and does not average out:
    ``SE^2 = sum w_i^2 se_reps_i^2 + (sum w_i mvc_se_i)^2`` (``se_reps^2 = se^2 - mvc_se^2``),
    and the weights use ``se_reps`` (a common error does not change the best weights).
    Otherwise (repeat sessions: each has its own MVCs) ``SE^2 = sum w_i^2 se_i^2``.
    Weights are normalised; degrees of freedom: the smallest of the parts (conservative).

    Parameters
    ----------
    *parts : SideDifference
        From :func:`side_difference` (or this function), each with a finite ``se``.
    shared : bool
        Whether the parts share one natural difference (repeat sessions) or not (tasks).
    mvc_common : bool or None
        Whether the parts share one MVC normalisation (same session); None: ``not shared``.
    level : float
        Coverage of the interval.

    Returns
    -------
    SideDifference
        NaN interval when any part has none.
    """
    if not parts:
        raise ValueError("combine_differences needs at least one comparison")
    common = (not shared) if mvc_common is None else mvc_common
    n = sum(p.n for p in parts)
    srcs = [p.source for p in parts]
    if common and len(parts) > 1:  # said once below, not per part
        srcs = [re.sub(_MVC_SRC, "", x) for x in srcs]
    src = "; ".join(srcs)
    src = (
        f"{'repeat comparisons' if shared else 'comparisons'} pooled ({src})"
        if len(parts) > 1
        else src
    )
    m_i = np.array([p.log_ratio for p in parts])
    se_i = np.array([p.se for p in parts])
    mvc_i = np.array([p.mvc_se if np.isfinite(p.mvc_se) else 0.0 for p in parts])
    nat_i = np.array([p.natural_sd for p in parts])
    nan = float("nan")
    if not (np.all(np.isfinite(m_i)) and np.all(np.isfinite(se_i))):
        m = float(np.mean(m_i))
        sa = _sa_of_log_ratio(m) if np.isfinite(m) else nan
        return SideDifference(sa, nan, nan, nan, n, src, m, nan, nan, nan)
    rep_i = np.sqrt(np.maximum(se_i**2 - mvc_i**2, 0.0)) if common else se_i
    if shared:
        w = 1.0 / np.maximum(rep_i, 1e-12) ** 2
        nat = float(np.max(nat_i)) if np.all(np.isfinite(nat_i)) else nan
    elif np.all(np.isfinite(nat_i)):
        w = 1.0 / (nat_i**2 + rep_i**2)
    else:
        w = np.ones_like(m_i)
    w = w / w.sum()
    m = float(np.sum(w * m_i))
    if common:
        mvc = float(np.sum(w * mvc_i))
        se = float(np.sqrt(np.sum(w**2 * rep_i**2) + mvc**2))
    else:
        mvc = float(np.sqrt(np.sum(w**2 * mvc_i**2)))
        se = float(np.sqrt(np.sum(w**2 * se_i**2)))
    if not shared:
        nat = float(np.sqrt(np.sum(w**2 * nat_i**2))) if np.all(np.isfinite(nat_i)) else nan
    if common and len(parts) > 1 and mvc > 0:
        src += f", plus the MVC normalisation error of both sides common to all (SE {mvc:.3f})"
    return _from_log(m, se, float(min(p.df for p in parts)), n, src, level, nat, mvc)


def healthy_range(d: SideDifference, z: float = 1.96) -> float:
    """Half-width (symmetry-angle points) of what a healthy person shows in this comparison.

    ``z x sqrt(natural_sd^2 + se^2)`` on log(L/R), mapped to the symmetry angle: the range
    (95 % for ``z = 1.96``) of the measured difference of someone without inhibition whose
    sides differ naturally by :data:`NATURAL_SIDE_CV` per side, measured with this
    comparison's noise. A threshold below it calls more than 5 % of such people asymmetric.
    NaN when the comparison has no ``natural_sd`` or no ``se``.

    Parameters
    ----------
    d : SideDifference
        The comparison; its ``natural_sd`` and ``se`` (both on log(L/R)) are used.
    z : float
        Standard-normal quantile of the range (1.96: 95 %).

    Returns
    -------
    float
        Half-width of the healthy range in symmetry-angle points (positive), or NaN.
    """
    sd = math.hypot(d.natural_sd, d.se)
    if not np.isfinite(sd):
        return float("nan")
    return _sa_of_log_ratio(-z * sd)


def false_call_rate(threshold: float, natural_sd: float, se: float) -> float:
    """Analytic share of healthy people called "likely asymmetric" at a threshold.

    The measured log(L/R) of a healthy person is modelled as ``N(0, natural_sd^2 + se^2)``
    (natural difference plus measurement error, both Gaussian); called when it lies beyond
    the threshold on either side: ``2 Phi(-c / sd)`` with ``c`` the threshold on log(L/R).

    Parameters
    ----------
    threshold : float
        Symmetry-angle threshold (points, > 0).
    natural_sd, se : float
        SD of the natural log(L/R) and standard error of the measured log(L/R).

    Returns
    -------
    float
        Probability (0-1).
    """
    c = abs(log_ratio_of_sa(threshold))
    sd = math.hypot(natural_sd, se)
    return float(2.0 * stats.norm.sf(c / sd))


def detection_rate(
    inhibition: float, threshold: float, natural_sd: float, se: float
) -> tuple[float, float]:
    """Analytic chance that a one-sided inhibition is called, on the right and on the wrong side.

    Same model as :func:`false_call_rate`, with the mean shifted by ``log(1 - inhibition)``
    (the inhibited side's level falls by that fraction). The "interval excludes 0" condition
    of :func:`asymmetry_outcome` is implied whenever the threshold exceeds about 2 SE.

    Parameters
    ----------
    inhibition : float
        Fraction (0-1) by which one side's level falls.
    threshold, natural_sd, se : float
        As in :func:`false_call_rate`.

    Returns
    -------
    (float, float)
        Probability of "likely asymmetric" naming the inhibited side, and naming the other.
    """
    c = abs(log_ratio_of_sa(threshold))
    sd = math.hypot(natural_sd, se)
    shift = -math.log1p(-inhibition)
    return float(stats.norm.sf((c - shift) / sd)), float(stats.norm.sf((c + shift) / sd))


def asymmetry_outcome(sa: float, ci_low: float, ci_high: float, threshold: float) -> str:
    """Three-way left/right decision from a symmetry angle, its interval and a threshold.

    - ``"likely asymmetric"``: the symmetry angle is beyond ``threshold`` and its interval
      excludes 0 (the difference is both large and larger than the repeat noise);
    - ``"no meaningful difference"``: the whole interval lies within ``+-threshold``;
    - ``"inconclusive"``: anything else (a large but noisy difference, or an interval that
      reaches beyond the threshold), including a missing interval.

    Parameters
    ----------
    sa, ci_low, ci_high : float
        Symmetry angle and its interval (points).
    threshold : float
        Smallest meaningful symmetry angle (points, > 0).

    Returns
    -------
    str
        One of ``"likely asymmetric"``, ``"inconclusive"``, ``"no meaningful difference"``.
    """
    if not (np.isfinite(sa) and np.isfinite(ci_low) and np.isfinite(ci_high)):
        return "inconclusive"
    if abs(sa) > threshold and (ci_low > 0 or ci_high < 0):
        return "likely asymmetric"
    if -threshold < ci_low and ci_high < threshold:
        return "no meaningful difference"
    return "inconclusive"
