"""The API reference covers every public name, and the benchmark page's figures are real.

The reference pages are ``::: name`` directives that mkdocstrings fills from the
docstrings at build time; this test keeps the list of directives complete as names are
added to the public modules. ``bench/results.json`` holds the figures the benchmark page
charts; each must be one the scripts printed into ``bench/README.md``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import grantflow
import grantflow.compliance
import grantflow.httpx
import grantflow.testing

ROOT = Path(__file__).parents[2]
REFERENCE = ROOT / "docs" / "reference"


def _documented() -> set[str]:
    names: set[str] = set()
    for page in REFERENCE.glob("*.md"):
        names.update(re.findall(r"^::: ([\w.]+)", page.read_text(encoding="utf-8"), re.M))
    return names


def test_every_public_name_has_a_reference_entry() -> None:
    documented = _documented()
    wanted = {f"grantflow.{name}" for name in grantflow.__all__}
    wanted |= {f"grantflow.httpx.{name}" for name in grantflow.httpx.__all__}
    wanted |= {f"grantflow.testing.{n}" for n in grantflow.testing.__all__ if n != "oauth_provider"}
    assert wanted - documented == set()
    # The fixture is defined in the private plugin module and re-exported lazily.
    assert "grantflow.testing._plugin.oauth_provider" in documented
    # grantflow.compliance is documented whole (every fix is one of its members).
    assert "grantflow.compliance" in documented


def test_every_reference_page_is_in_the_navigation() -> None:
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for page in REFERENCE.glob("*.md"):
        assert f"reference/{page.name}" in config, page.name


def _figures(value: float) -> str:
    return f"{value:.1f}" if isinstance(value, float) and value == int(value) else str(value)


def test_every_benchmark_figure_is_one_the_scripts_printed() -> None:
    readme = (ROOT / "bench" / "README.md").read_text(encoding="utf-8")
    results = json.loads((ROOT / "bench" / "results.json").read_text(encoding="utf-8"))
    assert len(results["benchmarks"]) >= 8
    for bench in results["benchmarks"]:
        assert (ROOT / "bench" / bench["script"]).is_file(), bench["script"]
        assert bench["chart"] in bench["columns"]
        for row in bench["rows"]:
            for key in bench["columns"]:
                figure = _figures(row[key])
                assert figure in readme, f"{bench['id']}: {row['label']} {key}={figure}"
