"""Every code block of the documentation site runs, or is a fragment on purpose.

The rule, for each fenced block of a page in docs/ (the site's pages):

- ``python run``: executed, in page order, in one namespace per page, against the
  development provider (names standing for the reader's values come from
  ``page_namespace``); a page's blocks end by checking what they did (``assert``).
  docs/migrating.md's are run by tests/compat/test_migrating_guide.py, one by one.
- ``python fragment``: shown without running (it needs the reader's own provider, or a
  server the development provider does not play); it must still compile.
- ``mermaid``: a sequence diagram the build draws; it must parse.
- ``LANG fragment`` (``sh``, ``json``, ``toml``, ``text``): shown, not run; JSON parses.

A block with any other info string fails the test, so nothing is shown by accident.
docs/pypi.md is PyPI's page, not the site's: tests/integration/test_examples.py checks it.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).parents[2]
DOCS = ROOT / "docs"
PAGES = sorted(p for p in DOCS.rglob("*.md") if p.name != "pypi.md")
_FENCE = re.compile(
    r"^(?P<ticks>```+)(?P<info>[^\n`]*)\n(?P<code>.*?)^(?P=ticks)[ \t]*$", re.M | re.S
)
_FRAGMENT = re.compile(r"^(sh|json|toml|text|ini|yaml) fragment$")
#: Pages whose runnable blocks another test runs (each block in its own namespace).
RUN_ELSEWHERE = {"migrating.md": "tests/compat/test_migrating_guide.py"}


class Block:
    """One fenced block: its info string, its code and the line its code starts on."""

    def __init__(self, page: Path, info: str, code: str, line: int) -> None:
        self.page, self.info, self.code, self.line = page, info.strip(), code, line

    def compiled(self) -> Any:
        # Pad with blank lines so a traceback names the page's own line numbers.
        source = "\n" * (self.line - 1) + self.code
        return compile(source, str(self.page.relative_to(ROOT)), "exec")


def blocks(page: Path) -> list[Block]:
    text = page.read_text(encoding="utf-8")
    found = []
    for match in _FENCE.finditer(text):
        line = text.count("\n", 0, match.start("code")) + 1
        found.append(Block(page, match["info"], match["code"], line))
    return found


def _name(page: Path) -> str:
    return str(page.relative_to(DOCS))


def _diagrams() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "gf_docs_diagrams", ROOT / "scripts" / "mkdocs" / "diagrams.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_site_has_its_pages_and_they_have_runnable_blocks() -> None:
    names = {_name(p) for p in PAGES}
    assert {"index.md", "getting-started.md", "migrating.md", "benchmarks.md"} <= names
    runnable = [b for p in PAGES for b in blocks(p) if b.info == "python run"]
    assert len(runnable) >= 30


@pytest.mark.parametrize("page", PAGES, ids=_name)
def test_every_block_is_run_or_marked_as_a_fragment(page: Path) -> None:
    diagrams = _diagrams()
    for block in blocks(page):
        where = f"{_name(page)}:{block.line}"
        if block.info in ("python run", "python fragment"):
            block.compiled()
        elif block.info == "mermaid":
            diagrams.render(block.code)
        elif block.info == "json fragment":
            json.loads(block.code)
        elif not _FRAGMENT.match(block.info):
            pytest.fail(f"{where}: a block marked {block.info!r} is neither run nor a fragment")


RUNNABLE = [
    p
    for p in PAGES
    if _name(p) not in RUN_ELSEWHERE and any(b.info == "python run" for b in blocks(p))
]


@pytest.mark.parametrize("page", RUNNABLE, ids=_name)
def test_the_runnable_blocks_of_a_page_run(page: Path, page_namespace: dict[str, Any]) -> None:
    code = [b for b in blocks(page) if b.info == "python run"]
    assert any("assert " in b.code for b in code), "a page's examples check what they did"
    for block in code:
        exec(block.compiled(), page_namespace)  # noqa: S102 - this repository's own pages


def test_a_broken_example_fails_the_page(tmp_path: Path, page_namespace: dict[str, Any]) -> None:
    """The runner really runs: a block that contradicts the provider raises."""
    page = tmp_path / "broken.md"
    page.write_text(
        "```python run\nfrom grantflow import OAuth2Session\n"
        "s = OAuth2Session(client_id, 'wrong', token_endpoint=token_endpoint)\n"
        "s.fetch_token()\n```\n"
    )
    from grantflow import OAuthError

    (block,) = [Block(page, b.info, b.code, b.line) for b in blocks(page) if b.info == "python run"]
    with pytest.raises(OAuthError):
        exec(compile(block.code, "broken.md", "exec"), page_namespace)  # noqa: S102
