"""Every script in examples/ runs to completion (exit 0) against its own local server."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).parents[2] / "examples").glob("*.py"))


def test_there_are_examples() -> None:
    assert any(p.name == "compliance_fix.py" for p in EXAMPLES)


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs_and_exits_zero(script: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip(), "an example prints what it did"


def test_compliance_fix_example_reaches_the_api_through_the_hooks() -> None:
    script = next(p for p in EXAMPLES if p.name == "compliance_fix.py")
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=False
    )
    assert "token_type: Bearer" in done.stdout
    assert "API answered 200" in done.stdout


def test_readme_compliance_hooks_are_the_example_hooks() -> None:
    """The hook code shown in README.md is the code the example runs."""
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    example = next(p for p in EXAMPLES if p.name == "compliance_fix.py").read_text("utf-8")
    for line in (
        'token = dict(data.get("data", data))',
        'token.setdefault("token_type", "Bearer")',
        'return f"{url}{sep}oauth2_access_token={value}", headers, body',
        'session.register_compliance_hook("protected_request", token_in_query)',
    ):
        assert line in readme and line in example, line


ROOT = Path(__file__).parents[2]
#: The repository's README and the description PyPI shows.
READMES = ("README.md", "docs/pypi.md")


def _readme_python_blocks(name: str = "README.md") -> list[str]:
    readme = (ROOT / name).read_text(encoding="utf-8")
    blocks: list[str] = []
    inside = False
    lines: list[str] = []
    for line in readme.splitlines():
        if not inside and line.strip() == "```python":
            inside, lines = True, []
        elif inside and line.strip() == "```":
            inside = False
            blocks.append("\n".join(lines))
        elif inside:
            lines.append(line)
    return blocks


@pytest.mark.parametrize(("name", "at_least"), [("README.md", 8), ("docs/pypi.md", 1)])
def test_every_python_block_in_the_readme_is_valid_python(name: str, at_least: int) -> None:
    blocks = _readme_python_blocks(name)
    assert len(blocks) >= at_least
    for number, block in enumerate(blocks, 1):
        compile(block, f"{name} python block {number}", "exec")


@pytest.mark.parametrize("name", READMES)
def test_readme_names_only_public_grantflow_names(name: str) -> None:
    """Every `from grantflow import ...` in the README imports names that exist."""
    import grantflow

    for block in _readme_python_blocks(name):
        for line in block.splitlines():
            if line.startswith("from grantflow import "):
                for name in line.removeprefix("from grantflow import ").split(","):
                    assert name.strip() in grantflow.__all__, name
