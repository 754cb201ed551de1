"""Bridge-test analysis: %MVC, ratios, onsets, symmetry, interpretation, trends.

Takes :class:`~emgkit.recording.Recording` objects and returns tables; reads no files.

>>> from emgkit.analysis import analyze_bridge  # doctest: +SKIP
>>> result = analyze_bridge(rec)  # doctest: +SKIP

The names below are imported on first use (scipy and pandas load only when needed).
"""

from __future__ import annotations

from emgkit._lazy import lazy_exports

__all__ = [
    "AnalysisParams",
    "BridgeResult",
    "CompareResult",
    "Flag",
    "SegmentParams",
    "analyze_bridge",
    "compare_sessions",
    "envelopes",
    "interpret",
    "limb_symmetry_index",
    "mvc_amplitude",
    "ratio",
    "result_tables",
    "segment",
    "symmetry_angle",
    "symmetry_index",
    "trend_rows",
]

_HOME = {
    "AnalysisParams": "params",
    "BridgeResult": "bridge",
    "analyze_bridge": "bridge",
    "envelopes": "params",
    "CompareResult": "compare",
    "compare_sessions": "compare",
    "trend_rows": "compare",
    "Flag": "interpret",
    "interpret": "interpret",
    "limb_symmetry_index": "metrics",
    "ratio": "metrics",
    "symmetry_angle": "metrics",
    "symmetry_index": "metrics",
    "mvc_amplitude": "normalize",
    "result_tables": "tables",
    "SegmentParams": "segment",
    "segment": "segment",
}


__getattr__, __dir__ = lazy_exports(__name__, _HOME, __all__)
