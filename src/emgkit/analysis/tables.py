"""The tables an analysis result carries, taken from its own fields (no list to drift)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pandas as pd

__all__ = ["result_tables"]


def result_tables(result: Any, *, non_empty: bool = True) -> dict[str, pd.DataFrame]:
    """Every DataFrame field of a result dataclass (a ``BridgeResult``), in field order.

    Parameters
    ----------
    result : dataclass instance
        E.g. :class:`~emgkit.analysis.bridge.BridgeResult`.
    non_empty : bool
        Leave out empty tables.

    Returns
    -------
    dict of str to DataFrame
        Field name -> table. A table the analysis adds later appears here without edits.
    """
    out: dict[str, pd.DataFrame] = {}
    for f in dataclasses.fields(result):
        value = getattr(result, f.name)
        if isinstance(value, pd.DataFrame) and not (non_empty and value.empty):
            out[f.name] = value
    return out
