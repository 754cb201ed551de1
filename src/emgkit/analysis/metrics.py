"""Left/right and between-muscle metrics (pure functions on numbers and arrays).

Symmetry (clinical-anchors.md section 7):

- symmetry angle (Zifchock et al. 2008): ``SA = (45 deg - arctan(L/R)) / 90 deg x 100``; 0 is
  perfect symmetry, positive when the right side is larger, bounded to +-50 for non-negative
  inputs, no reference side. The default.
- symmetry index (Robinson 1987): ``SI = (R - L) / (0.5 (R + L)) x 100``; inflates near zero.
- limb symmetry index: ``LSI = involved / uninvolved x 100``.

Left/right decision (:func:`side_difference`, :func:`asymmetry_outcome`): the symmetry angle of
the geometric-mean left/right ratio over reps (paired) or holds (unpaired), with a 95 %
t-interval on ``log(L/R)`` from the rep-to-rep or hold-to-hold variability actually present,
mapped through the (monotone) symmetry-angle function; three outcomes against a threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats

__all__ = [
    "SideDifference",
    "asymmetry_outcome",
    "combine_differences",
    "limb_symmetry_index",
    "ratio",
    "side_difference",
    "symmetry_angle",
    "symmetry_index",
]


def symmetry_angle(left: npt.ArrayLike, right: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Symmetry angle in percent (Zifchock et al. 2008); positive when right > left.

    ``SA = (45 - degrees(arctan2(L, R))) / 90 * 100``. With L = R it is 0; with L = 0 it is +50.
    NaN where either value is NaN or both are zero.
    """
    L = np.asarray(left, dtype=np.float64)
    R = np.asarray(right, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        sa = (45.0 - np.degrees(np.arctan2(L, R))) / 90.0 * 100.0
    return np.where((L == 0) & (R == 0), np.nan, sa)


def symmetry_index(left: npt.ArrayLike, right: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Symmetry index ``(R - L) / (0.5 (R + L)) x 100`` (Robinson 1987)."""
    L = np.asarray(left, dtype=np.float64)
    R = np.asarray(right, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(L + R == 0, np.nan, (R - L) / (0.5 * (R + L)) * 100.0)


def limb_symmetry_index(
    involved: npt.ArrayLike, uninvolved: npt.ArrayLike
) -> npt.NDArray[np.float64]:
    """Limb symmetry index ``involved / uninvolved x 100``."""
    a = np.asarray(involved, dtype=np.float64)
    b = np.asarray(uninvolved, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(b == 0, np.nan, a / b * 100.0)


def ratio(numerator: npt.ArrayLike, denominator: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Ratio of two %MVC values; NaN where the denominator is not positive."""
    a = np.asarray(numerator, dtype=np.float64)
    b = np.asarray(denominator, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(b > 0, a / b, np.nan)


def _sa_of_log_ratio(lr: float) -> float:
    """Symmetry angle of a left/right ratio given as ``log(L/R)``."""
    return float((45.0 - np.degrees(np.arctan(np.exp(lr)))) / 90.0 * 100.0)


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


def side_difference(
    left: npt.ArrayLike,
    right: npt.ArrayLike,
    *,
    paired: bool,
    level: float = 0.95,
    borrowed_sd: float = float("nan"),
    borrowed_df: int = 0,
) -> SideDifference:
    """Left/right symmetry angle with a t-interval from rep-to-rep or hold-to-hold variance.

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
    return _from_log(m, se, float(dof), n, src, level)


def _from_log(m: float, se: float, dof: float, n: int, src: str, level: float) -> SideDifference:
    t = float(stats.t.ppf(0.5 + level / 2.0, dof))
    sa = _sa_of_log_ratio(m)
    # SA decreases with log(L/R): the upper log bound gives the lower SA bound
    lo, hi = _sa_of_log_ratio(m + t * se), _sa_of_log_ratio(m - t * se)
    se_sa = se * 100.0 / np.pi  # dSA/dlog(L/R) at L = R is -100/pi points
    return SideDifference(sa, lo, hi, float(1.96 * np.sqrt(2.0) * se_sa), n, src, m, se, dof)


def combine_differences(
    a: SideDifference, b: SideDifference, level: float = 0.95
) -> SideDifference:
    """Average of two independent left/right comparisons (e.g. single- and double-leg bridges).

    The mean of the two log(L/R) with ``SE = sqrt(SE_a^2 + SE_b^2) / 2`` and the smaller of the
    two degrees of freedom (conservative). A side difference that is not shared by the two
    tasks (e.g. a task-specific habit) is halved in variance; one shared by both (an
    inhibition) is kept whole.

    Parameters
    ----------
    a, b : SideDifference
        From :func:`side_difference`, each with a finite ``se``.
    level : float
        Coverage of the interval.

    Returns
    -------
    SideDifference
        NaN interval when either input has none.
    """
    m = 0.5 * (a.log_ratio + b.log_ratio)
    se = 0.5 * float(np.hypot(a.se, b.se))
    src = f"mean of two comparisons ({a.source}; {b.source})"
    if not (np.isfinite(m) and np.isfinite(se)):
        sa = _sa_of_log_ratio(m) if np.isfinite(m) else float("nan")
        return SideDifference(sa, float("nan"), float("nan"), float("nan"), a.n + b.n, src, m)
    return _from_log(m, se, min(a.df, b.df), a.n + b.n, src, level)


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
