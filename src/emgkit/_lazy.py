"""Lazy package exports: names imported from their module on first use (PEP 562).

Keeps ``import emgkit.analysis`` (and ``emgkit.report``, ``emgkit.io``) cheap: the heavy
modules behind a name (matplotlib, edfio, pyarrow, numba kernels) load only when it is used.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, homes: Mapping[str, str], names: Iterable[str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Module ``__getattr__`` and ``__dir__`` for a package whose exports load lazily.

    Parameters
    ----------
    package : str
        The package's ``__name__`` (e.g. ``"emgkit.analysis"``).
    homes : mapping
        Exported name -> submodule (relative to ``package``) that defines it.
    names : iterable of str
        The package's ``__all__`` (what ``dir()`` lists).

    Returns
    -------
    (getattr, dir) : tuple of callables
        Assign them to the package's ``__getattr__`` and ``__dir__``.
    """
    listed = sorted(names)

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{home}"), name)

    def __dir__() -> list[str]:
        return listed

    return __getattr__, __dir__
