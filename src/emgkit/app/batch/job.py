"""The per-session job: read one file, analyse it, flatten the result into cohort rows.

:func:`_analyze_path` runs in a worker process (pool or Dask) and never raises.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from emgkit.app.batch.tables import _normalise, _str

if TYPE_CHECKING:
    from emgkit.analysis.bridge import BridgeResult

#: BridgeResult tables that make the cohort table, and the value columns left out of each
#: (descriptive copies of other metrics, or per-rep detail); the rest of the numeric columns,
#: including ones the analysis adds later, become metrics.
_COHORT_TABLES: dict[str, tuple[str, ...]] = {
    "summary": (),
    "mvc": (),
    "ratios": (),
    "symmetry": ("pct_left", "pct_right", "n_epochs"),
    "variants": ("pct_mvc", "pct_mvc_ref"),
    "pain": (),
}


def tidy_result(result: BridgeResult, session: str, subject: str, date: str) -> pd.DataFrame:
    """Flatten a :class:`~emgkit.analysis.bridge.BridgeResult` into the tidy batch table.

    A projection of :func:`emgkit.io.results.tidy_results` (the one place that decides which
    columns of a result are metrics) onto the cohort columns (session, subject, date, trial,
    muscle, side, metric, value): ``summary`` metrics per trial, muscle and side (``pct_mvc``,
    ``pct_mvc_sd``, ``n_reps``, ``latency_ms``, ...); ``mvc_uv`` under trial ``"mvc"``; the
    ``glute_ham`` and ``glute_erector`` ratios averaged over reps per trial and side (muscle
    ``"glute_max"``); ``symmetry_angle``, ``mdc``, ``threshold``, ``meaningful`` (0/1)... per
    comparison and muscle (side ``"both"``); cue-variant ``change``/``change_rel`` (prefixed
    ``variant_``); ``pain`` per trial; per channel (trial ``"quality"``) the quality gate's
    ``quality_status`` (0 ok, 1 warn, 2 fail) and ``issue_<code>`` = 1 for each problem found.
    Per-rep and per-epoch detail is left out.

    Parameters
    ----------
    result : BridgeResult
        One session's analysis.
    session, subject, date : str
        The session's identifiers, copied onto every row (``date``: ISO 8601 or ``""``).
    """
    from emgkit.io.results import tidy_results

    t = tidy_results(result)
    parts = []
    for table, skip in _COHORT_TABLES.items():
        d = t[(t["table"] == table) & ~t["metric"].isin(skip)]
        if d.empty:
            continue
        d = d[["trial", "muscle", "side", "metric", "value"]].copy()
        if table == "mvc":
            d["trial"] = "mvc"
        elif table == "ratios":
            d["muscle"] = "glute_max"
            d = d.groupby(["trial", "muscle", "side", "metric"], sort=False, as_index=False).agg(
                value=("value", "mean")
            )
        elif table == "symmetry":
            d["side"] = "both"
        elif table == "variants":
            d["metric"] = "variant_" + d["metric"].astype(str)
        parts.append(d)
    q = _quality_rows(result)
    if not q.empty:
        parts.append(q)
    cols = ["trial", "muscle", "side", "metric", "value"]
    long = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)
    long.insert(0, "date", date)
    long.insert(0, "subject", subject)
    long.insert(0, "session", session)
    return _normalise(long)


def _session_ids(path: Path, rec: Any) -> tuple[str, str, str]:
    info = rec.info
    session = _str(getattr(info, "session", "")) or path.stem
    subject = _str(getattr(info, "subject", "")) or "anonymous"
    date = getattr(info, "date", None)
    iso = getattr(date, "isoformat", None)
    date_s = str(iso()) if callable(iso) else _str(date)
    return session, subject, date_s


def _analyze_path(path: str, montage: Any, protocol: Any, params: Any) -> tuple[str, Any]:
    """Analyse one session file (runs in a worker process).

    Returns ``("ok", (session, subject, date, DataFrame, seconds))`` or
    ``("error", (error_type, message))``: a failure never raises, so one bad file cannot stop
    the batch or kill a Dask worker.
    """
    import warnings

    t0 = time.perf_counter()
    try:
        from emgkit.analysis.bridge import analyze_bridge
        from emgkit.io import read

        p = Path(path)
        rec = read(p, montage=montage)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # one thread per session: the engines already run one session per CPU
            res = analyze_bridge(rec, protocol, params, workers=1)
        session, subject, date = _session_ids(p, rec)
        df = tidy_result(res, session, subject, date)
        return "ok", (session, subject, date, df, time.perf_counter() - t0)
    except Exception as exc:  # recorded in the errors table; the batch goes on
        return "error", (type(exc).__name__, str(exc) or repr(exc))


#: ``quality_status`` values of the batch table (per channel, trial ``"quality"``).
QUALITY_STATUS_CODES = {"ok": 0.0, "warn": 1.0, "fail": 2.0}


def _quality_rows(result: BridgeResult) -> pd.DataFrame:
    """Return the quality gate of each channel as tidy rows.

    Trial ``"quality"``, the channel's muscle and side: ``quality_status`` (0 ok, 1 warn,
    2 fail) and ``issue_<code>`` = 1 for each problem found (codes of
    :data:`emgkit.analysis.quality.ISSUE_CODES`), so a cohort report can name which gate
    failed on which channel.
    """
    q = getattr(result, "quality", None)
    cols = ["trial", "muscle", "side", "metric", "value"]
    if not isinstance(q, pd.DataFrame) or q.empty or "status" not in q.columns:
        return pd.DataFrame(columns=cols)
    rows = []
    for _, r in q.iterrows():
        who = {"trial": "quality", "muscle": _str(r.get("muscle")), "side": _str(r.get("side"))}
        status = QUALITY_STATUS_CODES.get(str(r["status"]), np.nan)
        rows.append({**who, "metric": "quality_status", "value": status})
        for code in filter(None, str(r.get("issues", "")).split(";")):
            rows.append({**who, "metric": f"issue_{code}", "value": 1.0})
    return pd.DataFrame(rows, columns=cols)
