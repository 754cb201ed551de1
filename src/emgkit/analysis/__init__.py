"""Bridge-test analysis: %MVC, ratios, onsets, symmetry, interpretation, trends.

Takes :class:`~emgkit.recording.Recording` objects and returns tables; reads no files.

>>> from emgkit.analysis import analyze_bridge  # doctest: +SKIP
>>> result = analyze_bridge(rec)  # doctest: +SKIP

The names below are imported on first use (scipy and pandas load only when needed).
"""

from __future__ import annotations

import importlib
from typing import Any

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
    "segment",
    "symmetry_angle",
    "symmetry_index",
    "trend_rows",
]

_HOME = {
    "AnalysisParams": "bridge",
    "BridgeResult": "bridge",
    "analyze_bridge": "bridge",
    "envelopes": "bridge",
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
    "SegmentParams": "segment",
    "segment": "segment",
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'emgkit.analysis' has no attribute {name!r}")
    return getattr(importlib.import_module(f"emgkit.analysis.{home}"), name)


def __dir__() -> list[str]:
    return sorted(__all__)
