"""MkDocs hook: benchmark tables and charts drawn, at build time, from bench/results.json.

A page line ``<!-- benchmark: ID -->`` becomes the figures of the benchmark with that
``id`` in ``bench/results.json``: a bar chart (inline SVG) of its ``chart`` column and
a table of every column. The figures are typed once, in that file, from the tables the
benchmark scripts printed (``bench/README.md``); a test checks that each one appears
there. An unknown id is a warning, which fails the strict build.
"""

from __future__ import annotations

import html
import json
import logging
import re
from pathlib import Path
from typing import Any

log = logging.getLogger("mkdocs.hooks.benchmarks")

__all__ = ["chart", "on_page_markdown", "table"]

RESULTS = Path(__file__).parents[2] / "bench" / "results.json"
_MARKER = re.compile(r"^<!--\s*benchmark:\s*(?P<id>[\w-]+)\s*-->$", re.MULTILINE)
_ROW, _LABEL_W, _BAR_W = 30, 290, 360


def _number(value: float) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:,.2f}".rstrip("0").rstrip(".")


def chart(bench: dict[str, Any]) -> str:
    """A horizontal bar chart (SVG) of the benchmark's ``chart`` column, one bar a row."""
    key, rows = bench["chart"], bench["rows"]
    values = [float(row[key]) for row in rows]
    low, high = min(0.0, *values), max(0.0, *values)
    scale = _BAR_W / ((high - low) or 1.0)
    zero = _LABEL_W + (-low) * scale
    height = _ROW * len(rows) + 34
    width = _LABEL_W + _BAR_W + 90
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="gf-chart" role="img"'
        f' viewBox="0 0 {width} {height}" width="{width}" font-size="13"'
        f' aria-label="{html.escape(bench["title"])}"><title>{html.escape(bench["title"])}</title>'
    ]
    for i, (row, value) in enumerate(zip(rows, values, strict=True)):
        y = 8 + i * _ROW
        x0, x1 = sorted((zero, zero + value * scale))
        best = row["label"].startswith("grantflow")
        parts.append(
            f'<text x="{_LABEL_W - 8}" y="{y + 15}" text-anchor="end">'
            f"{html.escape(row['label'])}</text>"
            f'<rect x="{x0:.1f}" y="{y}" width="{max(x1 - x0, 1.5):.1f}" height="20" rx="2"'
            f' class="gf-bar{" gf-bar-ours" if best else ""}"/>'
            f'<text x="{x1 + 6:.1f}" y="{y + 15}" text-anchor="start">{_number(row[key])}</text>'
        )
    axis = html.escape(bench["columns"][key])
    lower = " (lower is better)" if bench.get("lower_is_better") else ""
    parts.append(
        f'<line x1="{zero:.1f}" y1="4" x2="{zero:.1f}" y2="{height - 26}" class="gf-axis"/>'
        f'<text x="{_LABEL_W + _BAR_W / 2}" y="{height - 8}" text-anchor="middle"'
        f' class="gf-axis-label">{axis}{lower}</text></svg>'
    )
    return "".join(parts)


def table(bench: dict[str, Any]) -> str:
    """The benchmark's rows as a Markdown table."""
    columns = bench["columns"]
    lines = [
        "| | " + " | ".join(columns.values()) + " |",
        "|---|" + "---:|" * len(columns),
    ]
    for row in bench["rows"]:
        cells = [_number(row[key]) for key in columns]
        lines.append(f"| {row['label']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _section(bench: dict[str, Any]) -> str:
    return (
        f"**{bench['title']}** (`bench/{bench['script']}`; goal: {bench['goal']})\n\n"
        f'<figure class="gf-figure">{chart(bench)}</figure>\n\n{table(bench)}\n'
    )


def on_page_markdown(markdown: str, page: Any, **kwargs: Any) -> str:
    """Replace each benchmark marker of the page with its chart and table."""
    if "benchmark:" not in markdown:
        return markdown
    results = json.loads(RESULTS.read_text(encoding="utf-8"))
    by_id = {bench["id"]: bench for bench in results["benchmarks"]}

    def expand(match: re.Match[str]) -> str:
        bench = by_id.get(match["id"])
        if bench is None:
            log.warning("%s: no benchmark %r in bench/results.json", page.file.src_uri, match["id"])
            return ""
        return _section(bench)

    markdown = _MARKER.sub(expand, markdown)
    return markdown.replace("<!-- benchmark-machine -->", results["machine"])
