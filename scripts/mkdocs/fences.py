"""MkDocs hook: the guides' fence markers are for the test suite, not for readers.

Every fenced block in docs/ says what the suite does with it: ``python run`` blocks are
executed against the development provider (tests/docs, tests/compat), ``LANG fragment``
blocks are shown on purpose without running (Python ones are still compiled), and
``mermaid`` blocks are drawn at build time. The site shows ``python run`` and
``python fragment`` alike as plain ``python``: the marker is stripped here, before
pymdownx.superfences reads the fence (it takes a bare word after the language for a
broken fence). An executed block is marked with the ``gf-run`` class.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["on_page_markdown"]

_FENCE = re.compile(
    r"^(?P<indent>[ \t]*)(?P<ticks>`{3,}|~{3,})(?P<lang>[\w+-]+) (?P<kind>run|fragment)[ \t]*$",
    re.MULTILINE,
)


def _plain(match: re.Match[str]) -> str:
    extra = " .gf-run" if match["kind"] == "run" else ""
    head = f"{match['indent']}{match['ticks']}"
    return f"{head}{{ .{match['lang']}{extra} }}" if extra else f"{head}{match['lang']}"


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    """Turn ``python run`` / ``sh fragment`` fences into plain ones superfences reads."""
    return _FENCE.sub(_plain, markdown)
