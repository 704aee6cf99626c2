"""The layers of docs/architecture.md hold: imports go one way only (the import-linter contract
in pyproject.toml), no module imports another that imports it back (no cycles, also inside a
layer), and no module of the package is longer than ~400 lines."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
SERVER = ROOT / "server"
MAX_LINES = 400
# Modules allowed over MAX_LINES, each with its reason. Keep this list short.
LONG_MODULES: dict[str, str] = {}


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("cloudkader")


def test_layers_contract_holds():
    """``lint-imports`` checks the layers contract of pyproject.toml: cli > web > core, limits >
    checks > knowledge > stores > terms; a layer never imports a layer above it."""
    lint = Path(sys.executable).with_name("lint-imports")
    run = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 kept, 0 broken" in run.stdout


def _cycles(graph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    m = stack.pop()
                    on_stack.discard(m)
                    comp.append(m)
                    if m == node:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return out


def test_no_import_cycles(graph):
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    """The check above can fail: a two-module cycle and a three-module one are both found."""

    class Fake:
        edges = {"a": {"b"}, "b": {"a"}, "c": {"d"}, "d": {"e"}, "e": {"c"}, "f": {"a"}}
        modules = set(edges)

        def find_modules_directly_imported_by(self, m):
            return self.edges[m]

    assert _cycles(Fake()) == [["a", "b"], ["c", "d", "e"]]


def test_every_module_sits_in_a_layer(graph):
    """A module outside the layers would escape the contract."""
    layers = ("api", "cli", "web", "core", "limits", "checks", "knowledge", "stores", "terms")
    loose = [m for m in graph.modules if m != "cloudkader" and m.split(".")[1] not in layers]
    assert loose == []


def test_no_module_over_400_lines():
    long = {str(p.relative_to(SERVER)): n for p in SERVER.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert set(long) <= set(LONG_MODULES), f"over {MAX_LINES} lines: {long}"
    stale = set(LONG_MODULES) - set(long)
    assert not stale, f"no longer long, drop from LONG_MODULES: {stale}"


def test_every_subpackage_is_listed_in_pyproject():
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {"cloudkader" + "".join("." + part for part in init.parent.relative_to(SERVER).parts)
             for init in SERVER.rglob("__init__.py")}
    assert listed == found
