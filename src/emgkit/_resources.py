"""Locate the data files shipped with emgkit (montages, protocols).

In a wheel they live in ``emgkit/_data``; in a source checkout (editable install) in the
repository's top-level ``data/`` folder.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["data_dir"]


def data_dir(kind: str) -> Path:
    """Folder of shipped data of one kind (``"montages"`` or ``"protocols"``)."""
    packaged = Path(__file__).parent / "_data" / kind
    if packaged.is_dir():
        return packaged
    source = Path(__file__).resolve().parents[2] / "data" / kind
    if source.is_dir():
        return source
    raise FileNotFoundError(
        f"emgkit's {kind} folder is missing (looked in {packaged} and {source}); reinstall emgkit"
    )
