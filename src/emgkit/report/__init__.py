"""Reports from analysis results: HTML and PDF from one block model, tables, figures, cohorts.

Consumes :class:`~emgkit.analysis.bridge.BridgeResult` objects and presents them.

>>> from emgkit.report import write_report  # doctest: +SKIP

The names below are imported on first use (matplotlib loads only when needed).
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "ReportPaths",
    "cohort_report",
    "plot_trends",
    "render_html",
    "summary_table",
    "write_pdf",
    "write_report",
]

_HOME = {
    "ReportPaths": "html",
    "render_html": "html",
    "write_report": "html",
    "write_pdf": "pdf",
    "summary_table": "tables",
    "plot_trends": "trends",
    "cohort_report": "cohort",
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'emgkit.report' has no attribute {name!r}")
    return getattr(importlib.import_module(f"emgkit.report.{home}"), name)


def __dir__() -> list[str]:
    return sorted(__all__)
