"""The patient page: one pseudonym's sessions and their trend (``emgkit compare``)."""

from __future__ import annotations

import contextlib
import warnings
from pathlib import Path
from typing import Any

from emgkit.app.ui import _deps

__all__ = ["patient_sessions"]


def patient_sessions(data_dir: Path, pseudonym: str) -> dict[str, Any]:
    """Sessions of ``pseudonym`` under ``data_dir`` and, with two or more complete, the trend.

    Parameters
    ----------
    data_dir : Path
        The data folder; the patient's sessions are ``<data_dir>/<pseudonym>/<session>/``.
    pseudonym : str
        The patient's pseudonym (a folder name).

    Returns
    -------
    dict
        ``sessions``: list of {folder, status, report, merged}; ``trend``: rows of
        ``compare_sessions(...).sessions`` (or None) and ``trend_note``.
    """
    base = data_dir / pseudonym
    rows: list[dict[str, Any]] = []
    merged: list[Path] = []
    labels: list[str] = []
    for st_path in sorted(base.glob(f"*/{_deps.STATE_NAME}")):
        folder = st_path.parent
        status = "unreadable"
        with contextlib.suppress(Exception):
            status = str(_deps.load_state(st_path).get("status"))
        report = folder / "report.html"
        bdf = folder / "session.bdf"
        rows.append(
            {
                "folder": folder.name,
                "status": status,
                "report": f"{pseudonym}/{folder.name}/report.html" if report.is_file() else None,
            }
        )
        if status == "complete" and bdf.is_file():
            merged.append(bdf)
            labels.append(folder.name)
    out: dict[str, Any] = {"pseudonym": pseudonym, "sessions": rows, "trend": None}
    if len(merged) < 2:
        out["trend_note"] = "a trend needs two or more complete sessions"
        return out
    try:
        from emgkit.analysis.compare import compare_sessions
        from emgkit.io import read

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = compare_sessions([read(p) for p in merged], labels=labels)
        tab = res.sessions.drop(columns=["order"], errors="ignore")
        out["trend"] = {
            "columns": [str(c) for c in tab.columns],
            "rows": [[None if v != v else str(v) for v in r] for r in tab.itertuples(index=False)],
        }
        note = res.sessions.attrs.get("warning")
        out["trend_note"] = str(note) if note else ""
    except Exception as exc:
        out["trend_note"] = f"trend not available: {exc}"
    return out
