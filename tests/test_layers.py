"""The shape of the import graph: no import cycles, and imports run one way through the layers

    tests -> bench -> tools -> testbed | policy -> components

``components`` is the program. ``testbed`` fakes the tenant and the engine's plugins under it,
and ``policy`` guards it; the two never import each other (a fake never imports the program's
rules, and the pack runs without the testbed). ``tools`` drive the program and the testbed;
``bench`` measures all of them and only tests import it.

No module may import, at run time, a module that imports it back, directly or through others.
Imports under ``if TYPE_CHECKING:`` never run, so they are left out. The graph is grimp's
static reading of every ``import`` in every module, function-level imports included.
"""

from __future__ import annotations

import ast
from pathlib import Path

import grimp
import pytest

from tests.conftest import ROOT

PACKAGES = ("components", "testbed", "policy", "tools", "bench", "tests")
LAYERS: tuple[str | grimp.Layer, ...] = (
    "tests",
    "bench",
    "tools",
    grimp.Layer("testbed", "policy", independent=True),
    "components",
)
# Python files outside any package, and the project packages each may import.
STANDALONE = {
    "__main__.py": {"components"},  # the Pulumi program's entry point
    "package/__main__.py": {"components"},  # the component package's provider
    "bench/probe/sitecustomize.py": set(),  # loaded by path into the engine's Python
    "tests/e2e/fixtures/privileged_program.py": set(),  # a Pulumi program of its own
    "tests/tools/fakes/adopt_az.py": set(),  # the fake `az` of test_adopt_tenant.py, a program
}
NOT_PROJECT = {".venv", "venv", "node_modules", ".git", ".engine"}


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True, cache_dir=None)


def import_cycles(graph: grimp.ImportGraph) -> list[tuple[str, ...]]:
    """One cycle per set of modules that import each other, as the chain that closes it."""
    cycles: dict[frozenset[str], tuple[str, ...]] = {}
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back is not None:
                cycles.setdefault(frozenset(back), (importer, *back))
    return list(cycles.values())


def layer_violations(graph: grimp.ImportGraph) -> list[str]:
    found = []
    for dependency in graph.find_illegal_dependencies_for_layers(layers=LAYERS):
        for route in dependency.routes:
            chain = " -> ".join(
                [",".join(sorted(route.heads)), *route.middle, ",".join(sorted(route.tails))]
            )
            found.append(f"{dependency.importer} imports {dependency.imported}: {chain}")
    return sorted(found)


def test_no_module_imports_a_module_that_imports_it_back(graph: grimp.ImportGraph) -> None:
    assert [" -> ".join(cycle) for cycle in import_cycles(graph)] == []


def test_imports_run_one_way_through_the_layers(graph: grimp.ImportGraph) -> None:
    assert layer_violations(graph) == []


def test_every_python_file_is_in_the_graph_or_checked_here(graph: grimp.ImportGraph) -> None:
    """A new top-level package, or a loose file, cannot slip past the two tests above."""
    loose = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if NOT_PROJECT & set(relative.parts) or str(relative) in STANDALONE:
            continue
        parts = list(relative.with_suffix("").parts)
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        if module not in graph.modules:
            loose.append(str(relative))
    assert loose == []


@pytest.mark.parametrize(("file", "allowed"), sorted(STANDALONE.items()))
def test_standalone_files_import_only_what_their_layer_may(file: str, allowed: set[str]) -> None:
    tree = ast.parse(Path(ROOT / file).read_text(encoding="utf-8"))
    imported = {
        name.split(".")[0]
        for node in ast.walk(tree)
        for name in (
            [alias.name for alias in node.names]
            if isinstance(node, ast.Import)
            else [node.module or ""]
            if isinstance(node, ast.ImportFrom) and node.level == 0
            else []
        )
    }
    assert imported & set(PACKAGES) <= allowed
