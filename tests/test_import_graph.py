"""symconv's modules import one another without a circle.

import-linter checks the layers, but it cannot see a circle inside one layer (``ops``
importing itself round), nor one hidden by an import inside a function. This test reads
every module's imports with ``ast`` (function-level ones included, ``if TYPE_CHECKING:``
blocks left out, as the type checker alone runs them), drops the upward edges that
pyproject.toml allows on purpose (the display hooks), and asserts the rest has no cycle.
"""

from __future__ import annotations

import ast
import fnmatch
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "symconv"

Graph = Mapping[str, set[str]]


def module_files(package: Path = PACKAGE) -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its ``__init__``)."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def is_type_checking(test: ast.expr) -> bool:
    """``TYPE_CHECKING`` or ``typing.TYPE_CHECKING``."""
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def import_nodes(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement, at any depth, except under ``if TYPE_CHECKING:`` (its
    ``else`` branch runs, so it is kept)."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        if isinstance(node, ast.If) and is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def imported_modules(source: str, module: str, is_package: bool, known: set[str]) -> set[str]:
    """The modules of ``known`` that ``source`` (the text of ``module``) imports.

    ``from a.b import c`` names module ``a.b.c`` if there is one, else ``a.b`` (c is a
    name in it); ``import a.b.c`` names the longest known prefix. As in import-linter, a
    submodule's import is not counted as an import of its parent packages.
    """
    found = set()
    for node in import_nodes(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                package = module.split(".") if is_package else module.split(".")[:-1]
                anchor = package[: len(package) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
            targets = [t for t in targets[:-1] if t in known] or [base]
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != module:
                found.add(target)
    return found


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    files = module_files(package)
    known = set(files)
    return {
        name: imported_modules(
            path.read_text(encoding="utf-8"), name, path.name == "__init__.py", known
        )
        for name, path in files.items()
    }


def allowed_edges(pyproject: Path = ROOT / "pyproject.toml") -> list[tuple[str, str]]:
    """The upward imports import-linter is told to ignore: ``(importer, imported)``
    patterns, ``*`` one dotted part."""
    config = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    edges = []
    for contract in config["tool"]["importlinter"]["contracts"]:
        for rule in contract.get("ignore_imports", []):
            importer, imported = (part.strip() for part in rule.split("->"))
            edges.append((importer, imported))
    return edges


def matches(name: str, pattern: str) -> bool:
    """import-linter's wildcard: ``*`` stands for one dotted part."""
    return len(name.split(".")) == len(pattern.split(".")) and fnmatch.fnmatchcase(name, pattern)


def without(graph: Graph, edges: list[tuple[str, str]]) -> dict[str, set[str]]:
    return {
        a: {b for b in targets if not any(matches(a, p) and matches(b, q) for p, q in edges)}
        for a, targets in graph.items()
    }


def find_cycle(graph: Graph) -> list[str] | None:
    """A cycle ``[a, b, ..., a]`` of the graph, or None (depth-first, colours)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return path[path.index(target) :] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_symconv_imports_have_no_cycle() -> None:
    graph = without(import_graph(), allowed_edges())
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_forward_sits_above_the_single_channel_and_channel_code() -> None:
    graph = import_graph()
    assert {"symconv.ops.sliding", "symconv.ops.conv2d", "symconv.ops.channels"} <= graph[
        "symconv.ops.forward"
    ]
    assert "symconv.ops.channels" not in graph["symconv.ops.sliding"]
    assert "symconv.ops.channels" not in graph["symconv.ops.conv2d"]


def test_the_allowed_edges_are_the_display_hooks() -> None:
    assert sorted(allowed_edges()) == [
        ("symconv.derivation", "symconv.report"),
        ("symconv.general.theorem", "symconv.render.*"),
        ("symconv.proofs.proof", "symconv.render.*"),
    ]


# The checker itself: each rule it follows has a case that must come out the other way.

KNOWN = {"pkg", "pkg.a", "pkg.b", "pkg.sub", "pkg.sub.c"}


@pytest.mark.parametrize(
    ("source", "module", "expected"),
    [
        ("import pkg.a", "pkg.b", {"pkg.a"}),
        ("from pkg import a", "pkg.b", {"pkg.a"}),
        ("from pkg.a import thing", "pkg.b", {"pkg.a"}),
        ("from pkg.sub.c import thing, other", "pkg.a", {"pkg.sub.c"}),
        ("from . import a", "pkg.b", {"pkg.a"}),
        ("from .sub import c", "pkg.a", {"pkg.sub.c"}),
        ("from .. import a", "pkg.sub.c", {"pkg.a"}),
        ("import os\nfrom sympy import Matrix", "pkg.a", set()),
        ("def f():\n    from pkg.a import thing", "pkg.b", {"pkg.a"}),
        ("if TYPE_CHECKING:\n    from pkg.a import thing", "pkg.b", set()),
        ("if typing.TYPE_CHECKING:\n    import pkg.a", "pkg.b", set()),
        ("if TYPE_CHECKING:\n    pass\nelse:\n    import pkg.a", "pkg.b", {"pkg.a"}),
        ("import pkg.b", "pkg.b", set()),
    ],
)
def test_imports_are_read_as_import_linter_reads_them(source, module, expected) -> None:
    assert imported_modules(source, module, False, KNOWN) == expected


def test_a_package_resolves_relative_imports_from_itself() -> None:
    assert imported_modules("from . import c", "pkg.sub", True, KNOWN) == {"pkg.sub.c"}


def test_a_cycle_is_found_and_printed() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"a"}}) == ["a", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set(), "d": {"b", "c"}}) is None


def test_a_function_level_import_closes_a_cycle(tmp_path: Path) -> None:
    """The circle this test exists for: a module above imports one below at the top, and
    the one below reaches back inside a function."""
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "low.py").write_text("def f():\n    from pkg.high import g\n")
    (package / "high.py").write_text("from pkg.low import f\n")
    cycle = find_cycle(import_graph(package))
    assert cycle is not None and set(cycle) == {"pkg.low", "pkg.high"}
    (package / "low.py").write_text("def f():\n    return 1\n")
    assert find_cycle(import_graph(package)) is None


def test_an_allowed_edge_is_dropped_and_only_that_one() -> None:
    graph = {
        "symconv.proofs.proof": {"symconv.render.latex"},
        "symconv.render.latex": {"symconv.proofs.proof", "symconv.render.printer"},
        "symconv.render.printer": {"symconv.render.latex"},
    }
    pruned = without(graph, allowed_edges())
    assert pruned["symconv.proofs.proof"] == set()
    assert find_cycle(pruned) == [
        "symconv.render.latex",
        "symconv.render.printer",
        "symconv.render.latex",
    ]
