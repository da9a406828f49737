"""MkDocs hook: Mermaid sequence diagrams become inline SVG when the site is built.

A fenced block whose info string is ``mermaid`` and whose first line is
``sequenceDiagram`` is laid out here, in Python, and the page receives the finished
``<svg>``: the reader's browser runs no diagram script and fetches nothing. The subset
read is what the guides use: ``participant X as Label`` (or ``actor``), messages
``A->>B: text`` (``-->>`` dashed, ``->`` / ``-->`` without a head, ``-x`` crossed),
``Note over A[,B]: text``, ``Note left of A`` / ``right of A``, ``loop``, ``alt`` /
``else``, ``opt``, ``par`` / ``and``, ``critical``, ``break`` ... ``end``, ``autonumber``
and ``%%`` comments; ``<br>`` breaks a label. Anything else is a build error naming
the line, so a diagram can never silently lose a message.
"""

from __future__ import annotations

import html
import logging
import re
from typing import Any

log = logging.getLogger("mkdocs.hooks.diagrams")

__all__ = ["DiagramError", "on_config", "parse", "render"]

_FONT = 14
_CHAR = 7.4  # average advance of the sans-serif font at 14 px, generous for capitals
_LINE = 18
_BOX_H = 36
_PAD = 12
_MARGIN = 16
_BLOCK_KINDS = ("loop", "alt", "opt", "par", "critical", "break", "rect")
_ARROW = re.compile(
    r"^(?P<src>[^\s:>-][^:>]*?)\s*(?P<arrow>-->>|->>|-->|->|--x|-x|--\)|-\))\s*"
    r"(?P<activate>[+-]?)(?P<dst>[^:]+?)\s*:\s*(?P<text>.*)$"
)
_NOTE = re.compile(
    r"^note\s+(?P<where>over|left of|right of)\s+(?P<who>[^:]+?)\s*:\s*(?P<text>.*)$", re.I
)
_PARTICIPANT = re.compile(r"^(?:participant|actor)\s+(?P<id>\S+?)(?:\s+as\s+(?P<label>.+))?$")


class DiagramError(ValueError):
    """A diagram line this renderer does not understand (with its line number)."""


class _Step:
    """One row: a message, a note, or a block's start (open), divider (else) or end."""

    def __init__(
        self,
        kind: str,
        text: str = "",
        *,
        src: str = "",
        dst: str = "",
        arrow: str = "",
        where: str = "",
        who: tuple[str, ...] = (),
    ) -> None:
        self.kind, self.text, self.src, self.dst = kind, text, src, dst
        self.arrow, self.where, self.who = arrow, where, who
        self.number: int | None = None


class Diagram:
    """A parsed sequence diagram: participants in order, then the steps top to bottom."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.labels: dict[str, str] = {}
        self.steps: list[_Step] = []

    def participant(self, name: str, label: str | None = None) -> str:
        name = name.strip()
        if name not in self.labels:
            self.ids.append(name)
            self.labels[name] = name
        if label:
            self.labels[name] = label.strip()
        return name


def parse(source: str) -> Diagram:
    """Read the Mermaid text of one sequence diagram."""
    lines = [line.strip() for line in source.splitlines()]
    body = [(n, line) for n, line in enumerate(lines, 1) if line and not line.startswith("%%")]
    if not body or body[0][1] != "sequenceDiagram":
        raise DiagramError("line 1: only `sequenceDiagram` is rendered at build time")
    diagram, depth, counter = Diagram(), 0, None
    for number, line in body[1:]:
        keyword = line.split(maxsplit=1)[0].lower()
        rest = line[len(keyword) :].strip()
        if line == "autonumber":
            counter = 1
        elif match := _PARTICIPANT.match(line):
            diagram.participant(match["id"], match["label"])
        elif match := _NOTE.match(line):
            who = tuple(diagram.participant(w) for w in match["who"].split(","))
            where = match["where"].lower()
            diagram.steps.append(_Step("note", match["text"], where=where, who=who))
        elif keyword in _BLOCK_KINDS:
            depth += 1
            diagram.steps.append(_Step("open", rest, where=keyword))
        elif keyword in ("else", "and"):
            if depth == 0:
                raise DiagramError(f"line {number}: `{keyword}` outside a block")
            diagram.steps.append(_Step("else", rest, where=keyword))
        elif line == "end":
            if depth == 0:
                raise DiagramError(f"line {number}: `end` closes no block")
            depth -= 1
            diagram.steps.append(_Step("close"))
        elif keyword in ("activate", "deactivate"):
            diagram.participant(rest)
        elif match := _ARROW.match(line):
            src, dst = diagram.participant(match["src"]), diagram.participant(match["dst"])
            step = _Step("message", match["text"], src=src, dst=dst, arrow=match["arrow"])
            if counter is not None:
                step.number, counter = counter, counter + 1
            diagram.steps.append(step)
        else:
            raise DiagramError(f"line {number}: cannot read {line!r}")
    if depth:
        raise DiagramError(f"{depth} block(s) without `end`")
    return diagram


def _lines(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"<br\s*/?>", text, flags=re.I)]


def _width(text: str) -> float:
    return max(len(line) for line in _lines(text)) * _CHAR


def _layout(diagram: Diagram) -> dict[str, float]:
    """The x of each participant's lifeline: wide enough for every label between them."""
    index = {name: i for i, name in enumerate(diagram.ids)}
    half = [(_width(diagram.labels[n]) + 2 * _PAD) / 2 for n in diagram.ids]
    gaps = [max(half[i] + half[i + 1] + 24, 150) for i in range(len(diagram.ids) - 1)]
    spans: list[tuple[int, int, float]] = []
    for step in diagram.steps:
        if step.kind == "message" and step.src != step.dst:
            a, b = sorted((index[step.src], index[step.dst]))
            label = _label(step)
            spans.append((a, b, _width(label) + 40))
        elif step.kind == "note" and step.where == "over" and len(step.who) > 1:
            a, b = sorted(index[w] for w in step.who)
            spans.append((a, b, _width(step.text) + 2 * _PAD - 20))
    for a, b, need in sorted(spans, key=lambda s: s[1] - s[0]):
        have = sum(gaps[a:b])
        if have < need:
            for i in range(a, b):
                gaps[i] += (need - have) / (b - a)
    left = _MARGIN + max(half[0] if half else 0, 60)
    xs, x = {}, left
    for i, name in enumerate(diagram.ids):
        xs[name] = x
        if i < len(gaps):
            x += gaps[i]
    return xs


def _label(step: _Step) -> str:
    return f"{step.number}. {step.text}" if step.number is not None else step.text


def _text(x: float, y: float, text: str, anchor: str = "middle", cls: str = "") -> str:
    out = []
    for i, line in enumerate(_lines(text)):
        out.append(
            f'<text x="{x:.1f}" y="{y + i * _LINE:.1f}" text-anchor="{anchor}"'
            f"{f' class={chr(34)}{cls}{chr(34)}' if cls else ''}>{html.escape(line)}</text>"
        )
    return "".join(out)


def render(source: str, title: str = "Sequence diagram") -> str:
    """The SVG of one Mermaid sequence diagram (see the module docstring for the subset)."""
    diagram = parse(source)
    if not diagram.ids:
        raise DiagramError("the diagram names no participant")
    xs = _layout(diagram)
    first, last = xs[diagram.ids[0]], xs[diagram.ids[-1]]
    right_edge = last + (_width(diagram.labels[diagram.ids[-1]]) + 2 * _PAD) / 2
    parts: list[str] = []
    y = _MARGIN + _BOX_H + 28
    open_blocks: list[tuple[float, str, str, list[float]]] = []
    block_rects: list[str] = []

    for step in diagram.steps:
        if step.kind == "message":
            label, height = _label(step), len(_lines(_label(step))) * _LINE
            x1, x2 = xs[step.src], xs[step.dst]
            dashed = step.arrow.startswith("--")
            head = ">>" in step.arrow
            style = ' class="gf-msg gf-dashed"' if dashed else ' class="gf-msg"'
            marker = ' marker-end="url(#gf-arrow)"' if head else ""
            if x1 == x2:
                parts.append(_text(x1 + 14, y, label, "start"))
                yy = y + height - 8
                parts.append(
                    f'<path d="M{x1:.1f},{yy:.1f} h40 v18 h-38"{style} fill="none"{marker}/>'
                )
                right_edge = max(right_edge, x1 + 20 + _width(label))
                y += height + 30
            else:
                parts.append(_text((x1 + x2) / 2, y, label))
                yy = y + height - 8
                end = x2 - 2 if x2 > x1 else x2 + 2
                parts.append(
                    f'<line x1="{x1:.1f}" y1="{yy:.1f}" x2="{end:.1f}" y2="{yy:.1f}"'
                    f"{style}{marker}/>"
                )
                if "x" in step.arrow:
                    parts.append(_text(x2, yy + 5, "\u00d7"))
                y += height + 20
        elif step.kind == "note":
            width = _width(step.text) + 2 * _PAD
            centres = [xs[w] for w in step.who]
            if step.where == "over":
                lo, hi = min(centres), max(centres)
                width = max(width, hi - lo + 40)
                x = (lo + hi) / 2 - width / 2
            elif step.where == "right of":
                x = centres[0] + 12
            else:
                x = centres[0] - 12 - width
            height = len(_lines(step.text)) * _LINE + 12
            parts.append(
                f'<rect x="{x:.1f}" y="{y - 4:.1f}" width="{width:.1f}" height="{height:.1f}"'
                ' class="gf-note" rx="3"/>'
            )
            parts.append(_text(x + width / 2, y + 14, step.text, cls="gf-note-text"))
            right_edge = max(right_edge, x + width)
            y += height + 14
        elif step.kind == "open":
            open_blocks.append((y, step.where, step.text, []))
            y += 30
        elif step.kind == "else":
            open_blocks[-1][3].append(y)
            parts.append(f"<!--else:{len(open_blocks)}:{y:.1f}:{html.escape(step.text)}-->")
            y += 30
        elif step.kind == "close":
            top, kind, text, _ = open_blocks.pop()
            inset = 10 * len(open_blocks)
            x0 = _MARGIN + inset
            x1 = right_edge + _MARGIN - inset
            block_rects.append(
                f'<rect x="{x0:.1f}" y="{top:.1f}" width="{x1 - x0:.1f}" height="{y - top:.1f}"'
                ' class="gf-block" rx="2"/>'
                f'<text x="{x0 + 6:.1f}" y="{top + 16:.1f}" text-anchor="start"'
                f' class="gf-block-kind">{kind}</text>'
                + _text(
                    x0 + 14 + len(kind) * _CHAR, top + 16, f"[{text}]", "start", "gf-block-text"
                )
                * bool(text)
            )
            y += 12
    # `else` separators know their block's width only once it is closed: draw them last.
    body = "".join(parts)
    for match in re.finditer(r"<!--else:(\d+):([\d.]+):(.*?)-->", body):
        depth, yy, text = int(match[1]) - 1, float(match[2]), html.unescape(match[3])
        x0, x1 = _MARGIN + 10 * depth, right_edge + _MARGIN - 10 * depth
        line = (
            f'<line x1="{x0:.1f}" y1="{yy:.1f}" x2="{x1:.1f}" y2="{yy:.1f}" class="gf-else"/>'
            + (_text(x0 + 14, yy + 16, f"[{text}]", "start", "gf-block-text") if text else "")
        )
        body = body.replace(match[0], line, 1)

    bottom = y + 4
    heads = []
    for name in diagram.ids:
        x, label = xs[name], diagram.labels[name]
        width = _width(label) + 2 * _PAD
        heads.append(
            f'<line x1="{x:.1f}" y1="{_MARGIN + _BOX_H:.1f}" x2="{x:.1f}" y2="{bottom:.1f}"'
            ' class="gf-life"/>'
            f'<rect x="{x - width / 2:.1f}" y="{_MARGIN}" width="{width:.1f}" height="{_BOX_H}"'
            ' class="gf-actor" rx="4"/>'
            + _text(x, _MARGIN + _BOX_H / 2 + 5, label, cls="gf-actor-text")
        )
    width = right_edge + 2 * _MARGIN
    del first
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="gf-seq" role="img"'
        f' viewBox="0 0 {width:.0f} {bottom + _MARGIN:.0f}" width="{width:.0f}"'
        f' font-size="{_FONT}" aria-label="{html.escape(title)}">'
        f"<title>{html.escape(title)}</title>"
        '<defs><marker id="gf-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8"'
        ' markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"'
        ' class="gf-head"/></marker></defs>'
        + "".join(block_rects)
        + "".join(heads)
        + body
        + "</svg>"
    )


def _fence(
    source: str, language: str, class_name: str, options: Any, md: Any, **kwargs: Any
) -> str:
    """pymdownx.superfences' custom-fence formatter for ``mermaid`` blocks."""
    try:
        svg = render(source)
    except DiagramError as exc:
        # A warning fails the strict build (scripts/docs), naming what is wrong.
        log.warning("Mermaid diagram not rendered: %s", exc)
        return f'<pre class="gf-diagram-error">{html.escape(source)}</pre>'
    return f'<figure class="gf-diagram">{svg}</figure>'


def on_config(config: Any) -> Any:
    """Register the formatter as superfences' ``mermaid`` fence."""
    superfences = config["mdx_configs"].setdefault("pymdownx.superfences", {})
    fences = [f for f in superfences.get("custom_fences", []) if f.get("name") != "mermaid"]
    fences.append({"name": "mermaid", "class": "mermaid", "format": _fence})
    superfences["custom_fences"] = fences
    return config
