"""The protocol layers import no transport: requests and httpx stay in their drivers."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import grantflow

LAYERS = ("_core", "_flows", "_client", "_sources")
SOURCE = Path(grantflow.__file__).parent


def _modules() -> list[str]:
    names = []
    for layer in LAYERS:
        names.append(f"grantflow.{layer}")
        for info in pkgutil.iter_modules([str(SOURCE / layer)]):
            names.append(f"grantflow.{layer}.{info.name}")
    return names


def test_core_flows_client_and_sources_import_neither_requests_nor_httpx() -> None:
    modules = _modules()
    assert len(modules) > 20  # the walk found the layers' modules
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(sorted(m for m in ('requests', 'httpx', 'urllib3') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


def _loaded_after(statement: str) -> list[str]:
    script = (
        "import sys\n"
        f"{statement}\n"
        "print(sorted(m for m in ('requests', 'httpx', 'asyncio') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    return list(ast.literal_eval(done.stdout))


def test_each_driver_loads_its_own_transport_only() -> None:
    # Each is import time its users pay for nothing (bench/bench_import_time.py).
    assert _loaded_after("from grantflow import OAuth2Session") == ["requests"]
    assert "requests" not in _loaded_after("from grantflow.httpx import AsyncOAuth2Client")


def _import_graph() -> dict[str, set[str]]:
    """Module -> the grantflow modules it imports (at any depth, type-only imports left out)."""
    import ast

    modules: dict[str, Path] = {}
    for path in SOURCE.rglob("*.py"):
        parts = path.relative_to(SOURCE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        tree = ast.parse(path.read_text())
        type_only = {
            id(node)
            for block in ast.walk(tree)
            if isinstance(block, ast.If) and getattr(block.test, "id", "") == "TYPE_CHECKING"
            for node in ast.walk(block)
        }
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom) or not node.level or id(node) in type_only:
                continue
            base = package.split(".")[: len(package.split(".")) - node.level + 1]
            target = ".".join(base + ([node.module] if node.module else []))
            for candidate in (target, *(f"{target}.{alias.name}" for alias in node.names)):
                if candidate in modules:
                    graph[name].add(candidate)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(component)

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_one_that_imports_it_back() -> None:
    graph = _import_graph()
    assert len(graph) > 100  # the walk found the package
    cycles = _cycles(graph)
    # The one allowed: grantflow.testing.main() runs the CLI's dev-provider command,
    # whose module needs DevProvider (an entry point, imported only when called).
    allowed = {
        "grantflow._cli",
        "grantflow._cli._demo",
        "grantflow._cli._dev_provider",
        "grantflow.testing",
        "grantflow.testing._main",
    }
    assert [c for c in cycles if c != allowed] == []
