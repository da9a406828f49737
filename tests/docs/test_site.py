"""The site builds in strict mode, and renders in a real browser: Debian's Chromium.

The site is built once for the module (``mkdocs build --strict``, as ``scripts/docs``
does) and served from 127.0.0.1; Playwright drives Chromium over it. Every page visited
must load without a console error or a failed request (the site fetches nothing from
the network: no web fonts, diagrams drawn at build time). Without Chromium the browser
tests skip on a developer machine and fail under ``CI=true``; ``scripts/setup``
installs it.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _build(config: Path, out: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    done = _build(ROOT / "mkdocs.yml", out)
    assert done.returncode == 0, done.stderr[-4000:]
    assert "WARNING" not in done.stderr, done.stderr[-4000:]
    return out


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[str]:
    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: scripts/setup installs it (apt-get install chromium)")
        pytest.skip("Chromium is missing (scripts/setup installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


class Visit:
    """A page in the browser, with every console error and failed request it caused."""

    def __init__(self, browser: Any, url: str) -> None:
        self.problems: list[str] = []
        self.page = browser.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url}"))
        self.page.on("response", self._response)
        self.page.goto(url, wait_until="networkidle")

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.problems.append(f"console: {message.text}")

    def _response(self, response: Any) -> None:
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")


def test_the_home_page_renders_and_leads_to_the_guides(browser: Any, served: str) -> None:
    visit = Visit(browser, served + "/")
    page = visit.page
    assert page.title().startswith("grantflow")
    assert page.locator("article h1").inner_text().rstrip("¶") == "grantflow"
    nav = page.locator("nav.md-nav--primary").inner_text()
    for title in ("Getting started", "Web app sign-in", "API reference", "Benchmarks"):
        assert title in nav
    page.get_by_role("link", name="Getting started").first.click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/getting-started/")
    assert visit.problems == []


def test_a_guide_shows_its_code_and_its_diagrams_drawn_at_build_time(
    browser: Any, served: str
) -> None:
    visit = Visit(browser, served + "/guides/web-sign-in/")
    page = visit.page
    diagram = page.locator("figure.gf-diagram svg.gf-seq").first
    box = diagram.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 200
    assert "create_authorization_url()" in (diagram.text_content() or "")
    code = page.locator(".highlight code").first
    assert "OAuth2Session" in code.inner_text()
    # Highlighted: the keyword `from` is its own token.
    assert page.locator(".highlight .kn").count() > 0
    assert visit.problems == []


def test_an_api_page_documents_the_session_from_its_docstrings(browser: Any, served: str) -> None:
    visit = Visit(browser, served + "/reference/sessions/")
    page = visit.page
    heading = page.locator("[id='grantflow.OAuth2Session']")
    assert heading.count() == 1
    fetch = page.locator("[id='grantflow.OAuth2Session.fetch_token']")
    assert fetch.count() == 1
    assert "authorization_response" in page.locator("article").inner_text()
    assert visit.problems == []


def test_search_finds_a_guide(browser: Any, served: str) -> None:
    visit = Visit(browser, served + "/")
    page = visit.page
    page.locator("label.md-search__icon, .md-search__input").first.click()
    # Typed key by key, as a reader does: the search listens to key events.
    page.locator("input.md-search__input").press_sequentially("single flight")
    results = page.locator(".md-search-result__item")
    results.first.wait_for(state="visible", timeout=15000)
    texts = " ".join(results.all_inner_texts())
    assert re.search(r"Fleets|single flight", texts, re.IGNORECASE), texts[:500]
    assert visit.problems == []


def test_the_benchmark_page_draws_its_charts_from_the_results_file(
    browser: Any, served: str
) -> None:
    visit = Visit(browser, served + "/benchmarks/")
    charts = visit.page.locator("svg.gf-chart")
    assert charts.count() >= 8
    assert "requests-oauth2client" in (charts.first.text_content() or "")
    assert visit.problems == []


def test_a_broken_link_fails_the_strict_build(tmp_path: Path) -> None:
    """What scripts/docs promises: any warning, here a link to no page, stops the build."""
    docs = tmp_path / "docs"
    shutil.copytree(ROOT / "docs", docs)
    with (docs / "index.md").open("a", encoding="utf-8") as page:
        page.write("\nSee [the lost page](no-such-page.md).\n")
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    config = config.replace("docs_dir: docs", f"docs_dir: {docs}")
    config = config.replace("- scripts/mkdocs/", f"- {ROOT}/scripts/mkdocs/")
    config = config.replace("paths: [src]", f"paths: [{ROOT}/src]")
    (tmp_path / "mkdocs.yml").write_text(config, encoding="utf-8")
    done = _build(tmp_path / "mkdocs.yml", tmp_path / "site")
    assert done.returncode != 0
    assert "no-such-page.md" in done.stderr
