"""Trends across sessions of one person (rehabilitation follow-up).

Each session is analysed with :func:`emgkit.analysis.bridge.analyze_bridge`; the metrics that
matter for follow-up (single-leg-bridge symmetry angle, %MVC of the working muscles,
glute:hamstring and glute:erector ratios, hold time) are put in one long table over dates.

A change from the first session is called **meaningful** when it exceeds the 95 % minimal
detectable change of a difference between the two sessions, built from each session's own
variability: ``1.96 x sqrt(se_a^2 + se_b^2)`` where ``se`` is the standard error of that
session's value (SD over reps / sqrt(n); for the symmetry angle, SD over epochs / sqrt(n),
i.e. ``mdc / (1.96 sqrt 2)`` of the symmetry table), and the floor of :data:`MIN_CHANGE`.
Within-session variability misses what changes between sessions (electrode re-placement, skin,
MVC effort), hence the floors; they are conventions, not validated minimal important changes.
It says "bigger than this person's own noise", not "clinically important".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from emgkit.errors import ConfigError

if TYPE_CHECKING:
    from emgkit.analysis.bridge import BridgeResult
    from emgkit.protocol import Protocol
    from emgkit.recording import Recording

#: Smallest change ever called meaningful, per metric (conventions: half the 7 % asymmetry
#: floor for the symmetry angle; 5 %MVC; 0.1 for ratios; 1 s of hold time).
MIN_CHANGE = {
    "symmetry_angle": 3.5,
    "pct_mvc": 5.0,
    "glute_ham": 0.1,
    "glute_erector": 0.1,
    "hold_s": 1.0,
}

__all__ = ["MIN_CHANGE", "TREND_COLUMNS", "CompareResult", "compare_sessions", "trend_rows"]

TREND_COLUMNS = [
    "session",
    "order",
    "date",
    "metric",
    "trial",
    "muscle",
    "side",
    "value",
    "se",
    "n",
    "change",
    "threshold",
    "meaningful",
]


@dataclass(slots=True)
class CompareResult:
    """Result of :func:`compare_sessions`.

    Attributes
    ----------
    sessions : DataFrame
        session (label), order (0-based), date, subject, source.
    trends : DataFrame
        Long table (:data:`TREND_COLUMNS`): metric in ``symmetry_angle``, ``pct_mvc``,
        ``glute_ham``, ``glute_erector``, ``hold_s``; ``change`` from the first session that
        has the same row, ``threshold`` (95 % MDC of that difference) and ``meaningful``.
    results : list of BridgeResult
    """

    sessions: pd.DataFrame
    trends: pd.DataFrame
    results: list[Any]

    def table(self, metric: str) -> pd.DataFrame:
        """One metric as a wide table: rows (trial, muscle, side), one column per session."""
        t = self.trends[self.trends["metric"] == metric]
        if t.empty:
            return pd.DataFrame()
        return t.pivot_table(
            index=["trial", "muscle", "side"], columns="session", values="value", sort=False
        )[list(dict.fromkeys(t["session"]))]

    def meaningful_changes(self) -> pd.DataFrame:
        """Rows whose change from the first session is meaningful."""
        return self.trends[self.trends["meaningful"]].reset_index(drop=True)


def _se(sd: float, n: float) -> float:
    return float(sd) / np.sqrt(n) if n and n > 1 and np.isfinite(sd) else float("nan")


def trend_rows(result: BridgeResult) -> pd.DataFrame:
    """The follow-up metrics of one session (value, se, n per row), without change columns."""
    rows: list[dict[str, Any]] = []
    sym = result.symmetry
    for _, r in sym[sym["comparison"] == "single_leg_bridge"].iterrows():
        se = float(r["mdc"]) / (1.96 * np.sqrt(2.0)) if np.isfinite(r["mdc"]) else np.nan
        rows.append(
            {
                "metric": "symmetry_angle",
                "trial": "single_leg_bridge",
                "muscle": r["muscle"],
                "side": "",
                "value": float(r["symmetry_angle"]),
                "se": se,
                "n": float(r["n_epochs"]),
            }
        )
    s = result.summary
    if not s.empty:
        br = s[s["task"].isin(("single_leg_bridge", "double_leg_bridge"))]
        working = br[(br["task"] == "double_leg_bridge") | (br["side"] == br["side_task"])]
        for _, r in working.iterrows():
            rows.append(
                {
                    "metric": "pct_mvc",
                    "trial": r["trial"],
                    "muscle": r["muscle"],
                    "side": r["side"],
                    "value": float(r["pct_mvc"]),
                    "se": _se(r["pct_mvc_sd"], r["n_reps"]),
                    "n": float(r["n_reps"]),
                }
            )
    rt = result.ratios
    if not rt.empty:
        w = rt[(rt["task"] == "double_leg_bridge") | (rt["side"] == rt["side_task"])]
        for col in ("glute_ham", "glute_erector"):
            g = w.groupby(["trial", "side"], sort=False)[col].agg(["mean", "std", "count"])
            for (trial, side), r in g.iterrows():  # type: ignore[misc]
                rows.append(
                    {
                        "metric": col,
                        "trial": trial,  # type: ignore[has-type]
                        "muscle": "",
                        "side": side,  # type: ignore[has-type]
                        "value": float(r["mean"]),
                        "se": _se(r["std"], r["count"]),
                        "n": float(r["count"]),
                    }
                )
    reps = result.reps
    if not reps.empty and "hold_s" in reps:
        h = reps.drop_duplicates(["trial", "rep"])
        h = h[h["task"].isin(("single_leg_bridge", "double_leg_bridge"))]
        g = h.groupby("trial", sort=False)["hold_s"].agg(["mean", "std", "count"])
        for trial, r in g.iterrows():
            rows.append(
                {
                    "metric": "hold_s",
                    "trial": trial,
                    "muscle": "",
                    "side": "",
                    "value": float(r["mean"]),
                    "se": _se(r["std"], r["count"]),
                    "n": float(r["count"]),
                }
            )
    return pd.DataFrame(rows, columns=["metric", "trial", "muscle", "side", "value", "se", "n"])


def _load(item: Any, protocol: Protocol | str | None) -> tuple[BridgeResult, dict[str, Any]]:
    from emgkit.analysis.bridge import BridgeResult, analyze_bridge
    from emgkit.recording import Recording

    if isinstance(item, BridgeResult):
        return item, {"subject": "", "date": None, "source": "result"}
    if not isinstance(item, Recording):
        raise ConfigError(
            f"compare_sessions takes BridgeResults or Recordings, got {type(item).__name__}; "
            "read files first (emgkit.io.read), as `emgkit compare` does"
        )
    rec: Recording = item
    src = str(rec.info.extra.get("source_file", "recording"))
    res = analyze_bridge(rec, protocol)
    return res, {"subject": rec.info.subject, "date": rec.info.date, "source": src}


def compare_sessions(
    sessions: Sequence[BridgeResult | Recording],
    *,
    labels: Sequence[str] | None = None,
    dates: Sequence[datetime | str | None] | None = None,
    protocol: Protocol | str | None = None,
) -> CompareResult:
    """Trends across sessions of one person.

    Parameters
    ----------
    sessions : sequence of BridgeResult or Recording
        Two or more sessions; recordings are analysed with :func:`analyze_bridge`. This
        function reads no files: read them first with :func:`emgkit.io.read`.
    labels : sequence of str, optional
        Session labels (default: the date, else ``S1``, ``S2``...).
    dates : sequence, optional
        Session dates overriding the recordings' own; sessions are sorted by date when every
        session has one, else kept in the given order.
    protocol : Protocol or str, optional
        Protocol for :func:`analyze_bridge` (default: the shipped bridge protocol).

    Returns
    -------
    CompareResult

    Raises
    ------
    ConfigError
        Fewer than two sessions, or labels/dates of the wrong length.
    """
    if len(sessions) < 2:
        raise ConfigError("compare needs at least two sessions of the same person")
    for name, seq in (("labels", labels), ("dates", dates)):
        if seq is not None and len(seq) != len(sessions):
            raise ConfigError(f"{name} has {len(seq)} entries for {len(sessions)} sessions")
    loaded = [_load(s, protocol) for s in sessions]
    infos = []
    for i, (_, meta) in enumerate(loaded):
        d = dates[i] if dates is not None else meta["date"]
        if isinstance(d, str):
            try:
                d = datetime.fromisoformat(d)
            except ValueError:
                raise ConfigError(f"date {d!r} is not ISO 8601 (e.g. 2024-05-01)") from None
        infos.append({**meta, "date": d, "index": i})
    if all(x["date"] is not None for x in infos):
        infos.sort(key=lambda x: x["date"])
    subjects = {x["subject"] for x in infos if x["subject"] and x["subject"] != "anonymous"}
    results = [loaded[x["index"]][0] for x in infos]
    frames = []
    session_rows = []
    for k, x in enumerate(infos):
        if labels is not None:
            label = labels[x["index"]]
        elif x["date"] is not None:
            label = x["date"].strftime("%Y-%m-%d")
        else:
            label = f"S{k + 1}"
        session_rows.append(
            {
                "session": label,
                "order": k,
                "date": x["date"],
                "subject": x["subject"],
                "source": x["source"],
            }
        )
        t = trend_rows(results[k])
        t.insert(0, "session", label)
        t.insert(1, "order", k)
        t.insert(2, "date", x["date"])
        frames.append(t)
    trends = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    key = ["metric", "trial", "muscle", "side"]
    first = trends.sort_values("order").groupby(key, sort=False).first()[["value", "se"]]
    first = first.rename(columns={"value": "value_first", "se": "se_first"})
    base = trends.join(first, on=key)
    trends["change"] = base["value"] - base["value_first"]
    mdc = 1.96 * np.sqrt(base["se"] ** 2 + base["se_first"] ** 2)
    floor = trends["metric"].map(MIN_CHANGE).astype(float).fillna(0.0)
    trends["threshold"] = np.fmax(mdc, floor)
    trends.loc[trends["order"] == trends.groupby(key)["order"].transform("min"), "change"] = 0.0
    trends["meaningful"] = (trends["change"].abs() > trends["threshold"]) & trends[
        "threshold"
    ].notna()
    sess = pd.DataFrame(session_rows)
    if len(subjects) > 1:
        sess.attrs["warning"] = f"sessions come from different subjects: {sorted(subjects)}"
    return CompareResult(sess, trends[TREND_COLUMNS], results)
