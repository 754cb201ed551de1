"""Reports from analysis results: HTML and PDF from one block model, tables, figures, cohorts.

Consumes :class:`~emgkit.analysis.bridge.BridgeResult` objects and presents them.

>>> from emgkit.report import write_report  # doctest: +SKIP

The names below are imported on first use (matplotlib loads only when needed).
"""

from __future__ import annotations

from emgkit._lazy import lazy_exports

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


__getattr__, __dir__ = lazy_exports(__name__, _HOME, __all__)
