"""grantflow's pytest plugin loads only when a project asks for it.

Installing grantflow must not change another project's test runs: no entry point puts
the development provider (joserfc, cryptography, ``http.server``) into every pytest
process. Each test runs pytest for a small project of its own, in a subprocess, with
the grantflow installed in this environment.
"""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import distribution
from pathlib import Path

TIMEOUT = 120

_TESTS = """
import sys

def test_grantflow_testing_was_not_imported():
    assert "grantflow.testing" not in sys.modules

def test_the_fixture(oauth_provider):
    assert oauth_provider.running
"""


def _pytest(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    (project / "test_project.py").write_text(_TESTS, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def test_the_distribution_declares_no_pytest11_entry_point() -> None:
    groups = {entry.group for entry in distribution("grantflow").entry_points}

    assert "pytest11" not in groups
    assert "console_scripts" in groups


def test_a_plain_pytest_run_neither_imports_grantflow_testing_nor_knows_the_fixture(
    tmp_path: Path,
) -> None:
    done = _pytest(tmp_path)

    assert "1 passed, 1 error" in done.stdout, done.stdout
    assert "fixture 'oauth_provider' not found" in done.stdout


def test_dash_p_grantflow_testing_gives_the_fixture(tmp_path: Path) -> None:
    done = _pytest(tmp_path, "-p", "grantflow.testing", "-k", "fixture")

    assert "1 passed" in done.stdout, done.stdout
