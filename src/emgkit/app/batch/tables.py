"""The batch tables: column names, :class:`BatchResult`, and the one dtype normalisation.

Every table a batch produces (fresh, from the cache, or read back from Parquet) goes through
:func:`_normalise`, so the three are identical to the dtype.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

#: Columns of the tidy results table.
RESULT_COLUMNS = ("session", "subject", "date", "trial", "muscle", "side", "metric", "value")
#: Columns of the errors table.
ERROR_COLUMNS = ("path", "error_type", "message")
#: Columns of the per-session table (how each session was handled).
SESSION_COLUMNS = ("path", "session", "subject", "date", "key", "status", "seconds")

_ID_COLUMNS = ("session", "subject", "date", "trial", "muscle", "side")


@dataclass(slots=True)
class BatchResult:
    """What :func:`analyze_many` returns.

    Attributes
    ----------
    results : DataFrame
        Tidy table, one row per (session, trial, muscle, side, metric): columns
        :data:`RESULT_COLUMNS`; ``value`` is float64, the other columns strings (``""`` when
        not applicable, e.g. ``side`` of a symmetry angle is ``"both"``, ``date`` is ISO 8601 or
        ``""``). Sessions appear in input order.
    errors : DataFrame
        One row per failed session: :data:`ERROR_COLUMNS`.
    sessions : DataFrame
        One row per input file: :data:`SESSION_COLUMNS`; ``status`` is ``"analysed"``,
        ``"cached"`` or ``"error"``.
    settings : dict
        emgkit version, protocol, montage and every analysis parameter (also written as Parquet
        schema metadata by :func:`write_results`).
    """

    results: pd.DataFrame
    errors: pd.DataFrame
    sessions: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def n_cached(self) -> int:
        """Sessions taken from the cache."""
        return int((self.sessions["status"] == "cached").sum())

    @property
    def n_analysed(self) -> int:
        """Sessions analysed in this run."""
        return int((self.sessions["status"] == "analysed").sum())

    def to_frame(self) -> pd.DataFrame:
        """The tidy results as a plain DataFrame (for Jupyter, ``groupby``, plotting)."""
        return self.results

    def wide(self) -> pd.DataFrame:
        """One row per (session, trial, muscle, side), one column per metric."""
        return self.results.pivot_table(
            index=list(_ID_COLUMNS), columns="metric", values="value", aggfunc="first"
        ).reset_index()

    def _repr_html_(self) -> str:  # Jupyter
        head = (
            f"<p>emgkit batch: {len(self.sessions)} sessions, {self.n_analysed} analysed, "
            f"{self.n_cached} from cache, {len(self.errors)} failed; "
            f"{len(self.results)} result rows</p>"
        )
        html = head + self.results.head(20).to_html(index=False)
        if len(self.errors):
            html += "<p>errors</p>" + self.errors.to_html(index=False)
        return html

    def __repr__(self) -> str:
        return (
            f"BatchResult({len(self.sessions)} sessions: {self.n_analysed} analysed, "
            f"{self.n_cached} cached, {len(self.errors)} errors; {len(self.results)} rows)"
        )


def _str(v: Any) -> str:
    if v is None or v is pd.NA:
        return ""
    if isinstance(v, float) and not np.isfinite(v):
        return ""
    return str(v)


def _normalise(df: pd.DataFrame) -> pd.DataFrame:
    """Column order and dtypes of the results table (identical fresh or from cache)."""
    out = pd.DataFrame(
        {
            c: df[c].map(_str).astype("str") if c in df.columns else pd.Series([], dtype="str")
            for c in RESULT_COLUMNS[:-1]
        }
    )
    out["value"] = df["value"].astype("float64").to_numpy() if "value" in df.columns else []
    return out.reset_index(drop=True)


def _empty_results() -> pd.DataFrame:
    return _normalise(pd.DataFrame(columns=list(RESULT_COLUMNS)))
