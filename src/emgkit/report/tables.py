"""Plain-text tables of analysis results for the terminal (no I/O)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from emgkit.muscles import display_name

if TYPE_CHECKING:
    from emgkit.analysis.bridge import BridgeResult

__all__ = ["summary_table"]


def _fmt(v: float, spec: str = ".0f") -> str:
    if v is None or not np.isfinite(v):
        return "-"
    out = format(v, spec)
    return format(0.0, spec) if out.startswith("-") and float(out) == 0 else out  # no "-0"


def summary_table(result: BridgeResult) -> pd.DataFrame:
    """One row per trial and muscle: %MVC left/right, symmetry angle, onset latencies, ratios.

    Returns a DataFrame of display strings, ready for ``to_string()``.
    """
    s = result.summary
    rat = result.ratios.groupby(["trial", "side"])[["glute_ham", "glute_erector"]].mean()
    rows = []
    for (trial, muscle), grp in s.groupby(["trial", "muscle"], sort=False):
        by_side = grp.set_index("side")
        L = float(by_side["pct_mvc"].get("left", np.nan))
        R = float(by_side["pct_mvc"].get("right", np.nan))
        from emgkit.analysis.metrics import symmetry_angle

        # within a single-leg trial, left vs right is working vs lifted leg: not an asymmetry
        single = str(grp["task"].iloc[0]) == "single_leg_bridge"
        work = str(grp["side_task"].iloc[0])
        sa = float("nan") if single else float(symmetry_angle(L, R))
        row = {
            "trial": trial,
            "muscle": display_name(muscle),
            "%MVC L": _fmt(L),
            "%MVC R": _fmt(R),
            "SA %": _fmt(sa, "+.1f"),
            "onset L ms": _fmt(float(by_side["latency_ms"].get("left", np.nan)), "+.0f"),
            "onset R ms": _fmt(float(by_side["latency_ms"].get("right", np.nan)), "+.0f"),
        }
        if muscle == "glute_max":
            for side, tag in (("left", "L"), ("right", "R")):
                if single and side != work:
                    row[f"G:H {tag}"] = row[f"G:E {tag}"] = ""
                    continue
                gh = rat["glute_ham"].get((trial, side), np.nan)
                ge = rat["glute_erector"].get((trial, side), np.nan)
                row[f"G:H {tag}"] = _fmt(float(gh), ".2f")
                row[f"G:E {tag}"] = _fmt(float(ge), ".2f")
        rows.append(row)
    df = pd.DataFrame(rows).fillna("")
    return df
