"""Compile the bytecode of modules a command will import later, on the other core, on a first run.

An installer that does not byte-compile (uv by default; ``pip`` compiles) leaves every module of
numpy, scipy, pandas, numba, matplotlib and fpdf2 to be compiled on its first import: about 7 s
of CPU on the first ``emgkit demo`` after README command 1 (docs/performance.md, "First run:
bytecode"), spent on one core while the other waits. :func:`compile_ahead` starts a low-priority
child interpreter that imports the given modules (which writes their ``__pycache__``), so the
command finds them compiled when it gets there. It does nothing when the bytecode is already
there (every later run), when Python writes no bytecode (``PYTHONDONTWRITEBYTECODE``,
``sys.dont_write_bytecode``), when the package folder is not writable, or when
``EMGKIT_COMPILE_AHEAD=0``.

The child only imports installed packages by name: it runs no code from data, writes only the
interpreter's own bytecode cache, and its output is discarded. Two interpreters compiling the
same module at once is safe (importlib writes each ``.pyc`` to a temporary file and renames it).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Sequence

__all__ = ["compile_ahead", "needs_bytecode"]

#: Environment switch: ``0`` turns compiling ahead off (benchmarks that time a first run of
#: one process alone).
ENV_SWITCH = "EMGKIT_COMPILE_AHEAD"


def needs_bytecode(module: str) -> bool:
    """Whether ``module``'s source file has no ``.pyc`` for this interpreter yet, and could get one.

    Parameters
    ----------
    module : str
        Dotted module name, e.g. ``"matplotlib.pyplot"``. Only its top-level package is
        located by the import system (nothing is imported); the submodule's file is looked up
        in the package's folder.

    Returns
    -------
    bool
        True when the module is installed as a source file without its compiled bytecode,
        and the folder the bytecode would go to is writable.
    """
    top, *rest = module.split(".")
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return False
    origin = getattr(spec, "origin", None)
    if spec is None or not origin or not origin.endswith(".py"):
        return False
    if rest:
        base = os.path.join(os.path.dirname(origin), *rest)
        origin = base + ".py" if os.path.isfile(base + ".py") else os.path.join(base, "__init__.py")
        if not os.path.isfile(origin):
            return False
    try:
        cached = importlib.util.cache_from_source(origin)
    except NotImplementedError:  # no bytecode cache on this interpreter
        return False
    if os.path.exists(cached):
        return False
    return os.access(os.path.dirname(origin), os.W_OK)


def compile_ahead(modules: Sequence[str]) -> subprocess.Popen[bytes] | None:
    """Import ``modules`` in a low-priority child interpreter if their bytecode is missing.

    Parameters
    ----------
    modules : sequence of str
        Modules to import, in the order the child should take them: put first what the
        calling command needs last, so the two interpreters compile different modules until
        they meet.

    Returns
    -------
    subprocess.Popen or None
        The child (wait for it or let it finish on its own; it exits by itself), or None when
        nothing needed compiling or compiling ahead is off.
    """
    if os.environ.get(ENV_SWITCH, "1") == "0" or sys.dont_write_bytecode:
        return None
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        return None
    todo = [m for m in modules if needs_bytecode(m)]
    if not todo:
        return None
    # each import alone, failures ignored: a missing optional package must not stop the rest
    code = (
        "import importlib, os\n"
        "try:\n    os.nice(10)\nexcept (AttributeError, OSError):\n    pass\n"
        f"for m in {todo!r}:\n"
        "    try:\n        importlib.import_module(m)\n"
        "    except BaseException:\n        pass\n"
    )
    try:
        return subprocess.Popen(
            [sys.executable, "-c", code],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=dict(os.environ, MPLBACKEND="Agg"),
        )
    except OSError:  # no interpreter to start (frozen app, process limit): compile as we go
        return None
