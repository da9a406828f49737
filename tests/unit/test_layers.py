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
