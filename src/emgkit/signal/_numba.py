"""The one place emgkit touches numba: a ``jit`` wrapper with an off switch.

Set the environment variable ``EMGKIT_NUMBA=0`` (before importing emgkit) to run every kernel
as plain Python: slow, but debuggable with pdb and coverage. Kernels are compiled with
``cache=True`` so a second process loads them from disk instead of recompiling.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["NUMBA_ENABLED", "jit"]

F = TypeVar("F", bound=Callable[..., Any])

NUMBA_ENABLED: bool = os.environ.get("EMGKIT_NUMBA", "1").strip().lower() not in (
    "0",
    "false",
    "no",
    "off",
)

if NUMBA_ENABLED:
    try:
        import numba as _numba
    except ImportError:  # pragma: no cover - numba is a core dependency
        NUMBA_ENABLED = False


def jit(*args: Any, **kwargs: Any) -> Any:
    """``numba.njit(cache=True, ...)`` when numba is enabled, else the identity decorator.

    Use as ``@jit`` or ``@jit(fastmath=True)``.
    """
    if args and callable(args[0]) and len(args) == 1 and not kwargs:
        return jit()(args[0])
    if not NUMBA_ENABLED:

        def identity(fn: F) -> F:
            return fn

        return identity
    opts: dict[str, Any] = {"cache": True, "nogil": True}
    opts.update(kwargs)
    return _numba.njit(*args, **opts)
