"""emgkit's layers, enforced: a lower layer never imports a higher one, not even in a function.

``errors < core < signal < {io, devices} < {acquisition, simulate, analysis} < report < app < cli``
(``docs/architecture.md``). Every import statement of every module is read with :mod:`ast`,
including imports inside functions and ``if TYPE_CHECKING`` blocks, so a deferred import cannot
hide a cycle. Packages on the same level do not import each other either (``io`` does not
import ``devices``; ``analysis`` does not import ``simulate``); a package may import itself.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "emgkit"

#: (rank, unit): a module belongs to the first prefix that matches its dotted name.
LAYERS: list[tuple[str, int, str]] = [
    ("emgkit.errors", 0, "errors"),
    ("emgkit._version", 1, "core"),
    ("emgkit._resources", 1, "core"),
    ("emgkit.recording", 1, "core"),
    ("emgkit.montage", 1, "core"),
    ("emgkit.protocol", 1, "core"),
    ("emgkit.muscles", 1, "core"),
    ("emgkit.hardware", 1, "core"),
    ("emgkit._lazy", 1, "core"),
    ("emgkit._bytecode", 1, "core"),
    ("emgkit.signal", 2, "signal"),
    ("emgkit.io", 3, "io"),
    ("emgkit.devices", 3, "devices"),
    ("emgkit.acquisition", 4, "acquisition"),
    ("emgkit.simulate", 4, "simulate"),
    ("emgkit.analysis", 4, "analysis"),
    ("emgkit.report", 5, "report"),
    ("emgkit.app", 6, "app"),
    ("emgkit.cli", 7, "cli"),
    ("emgkit", 8, "api"),  # the package __init__: the public API re-exports every layer
]

#: Edges that remain, each with its reason and owner. The target is an empty list.
KNOWN: dict[tuple[str, str], str] = {}


#: Calls whose first argument, a string constant, names a module that gets imported.
_STRING_IMPORTERS = {"import_module", "_lazy"}


def _module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _layer(module: str) -> tuple[int, str] | None:
    for prefix, rank, unit in LAYERS:
        if module == prefix or (prefix != "emgkit" and module.startswith(prefix + ".")):
            return rank, unit
    return None


def _imports(path: Path, module: str) -> list[tuple[str, int]]:
    """``(imported emgkit module, line)`` for every import statement in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_pkg = path.name == "__init__.py"
    out: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        # a module named by a string constant (importlib.import_module("emgkit.x"), the format
        # registry's _lazy("emgkit.io.edf", ...)) is an import too
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) in _STRING_IMPORTERS
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and str(node.args[0].value).split(".")[0] == "emgkit"
        ):
            out.append((str(node.args[0].value), node.lineno))
        if isinstance(node, ast.Import):
            out += [(a.name, node.lineno) for a in node.names if a.name.split(".")[0] == "emgkit"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base if is_pkg else base[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "emgkit":
                continue
            # "from emgkit.x import y" may import the submodule emgkit.x.y
            for a in node.names:
                sub = f"{target}.{a.name}"
                out.append(
                    (
                        sub
                        if (SRC.parent / sub.replace(".", "/")).exists()
                        or (SRC.parent / (sub.replace(".", "/") + ".py")).exists()
                        else target,
                        node.lineno,
                    )
                )
    return out


def _all_edges() -> list[tuple[str, str, int]]:
    edges = []
    for path in sorted(SRC.rglob("*.py")):
        module = _module_name(path)
        edges += [(module, target, line) for target, line in _imports(path, module)]
    return sorted(set(edges))


def test_every_module_has_a_layer() -> None:
    orphans = sorted({m for p in SRC.rglob("*.py") if _layer(m := _module_name(p)) is None})
    assert orphans == []


def _violations() -> list[str]:
    bad = []
    for module, target, line in _all_edges():
        src, dst = _layer(module), _layer(target)
        if src is None or dst is None or src[1] == dst[1]:
            continue
        if dst[0] < src[0]:
            continue
        if (module, target) in KNOWN:
            continue
        how = "a higher layer" if dst[0] > src[0] else "a package on the same level"
        bad.append(f"{module}:{line} imports {target} ({how}: {src[1]} -> {dst[1]})")
    return bad


def test_layers_point_down() -> None:
    bad = _violations()
    assert bad == [], "\n" + "\n".join(bad)


def test_known_exceptions_are_still_needed() -> None:
    """An exception that no longer occurs must leave the list (so the list only shrinks)."""
    edges = {(m, t) for m, t, _ in _all_edges()}
    stale = [k for k in KNOWN if k not in edges]
    assert stale == []


@pytest.mark.parametrize(
    ("code", "module", "expected"),
    [
        ("from emgkit.io import read\n", "emgkit.signal.filters", "emgkit.io"),
        (
            "def f():\n    from ..analysis import bridge\n",
            "emgkit.signal.filters",
            "emgkit.analysis.bridge",
        ),
        ("import emgkit.report.html\n", "emgkit.io.edf", "emgkit.report.html"),
        ("importlib.import_module('emgkit.app.demo')\n", "emgkit.io.edf", "emgkit.app.demo"),
        ("X = _lazy('emgkit.cli.record', 'f')\n", "emgkit.io._registry", "emgkit.cli.record"),
    ],
)
def test_the_checker_sees_deferred_and_relative_imports(
    tmp_path: Path, code: str, module: str, expected: str
) -> None:
    """The checker itself: a deferred, relative or plain import is found and resolved."""
    f = tmp_path / "m.py"
    f.write_text(code)
    targets = [t for t, _ in _imports(f, module)]
    assert expected in targets


#: Import cycles that remain (each a set of modules), with the reason. Target: empty.
KNOWN_CYCLES: dict[frozenset[str], str] = {}


def _cycles() -> list[frozenset[str]]:
    """Strongly connected components of more than one module in the import graph."""
    graph: dict[str, set[str]] = {}
    for module, target, _ in _all_edges():
        if module != target:
            graph.setdefault(module, set()).add(target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[frozenset[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                on.discard(w)
                comp.add(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(frozenset(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles() -> None:
    """No two modules import each other, directly or through others (deferred imports count)."""
    found = _cycles()
    unexpected = [sorted(c) for c in found if c not in KNOWN_CYCLES]
    assert unexpected == []
    assert [sorted(c) for c in KNOWN_CYCLES if c not in found] == []  # the list only shrinks


def test_analysis_and_report_read_no_files() -> None:
    """analysis/ takes Recordings and results, report/ presents them: neither imports io/."""
    bad = [
        f"{m}:{line} imports {t}"
        for m, t, line in _all_edges()
        if m.startswith(("emgkit.analysis", "emgkit.report")) and t.startswith("emgkit.io")
    ]
    assert bad == []
