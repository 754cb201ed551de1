"""Left/right and between-muscle metrics (pure functions on numbers and arrays).

Symmetry (clinical-anchors.md section 7):

- symmetry angle (Zifchock et al. 2008): ``SA = (45 deg - arctan(L/R)) / 90 deg x 100``; 0 is
  perfect symmetry, positive when the right side is larger, bounded to +-50 for non-negative
  inputs, no reference side. The default.
- symmetry index (Robinson 1987): ``SI = (R - L) / (0.5 (R + L)) x 100``; inflates near zero.
- limb symmetry index: ``LSI = involved / uninvolved x 100``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["limb_symmetry_index", "ratio", "symmetry_angle", "symmetry_index"]


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
