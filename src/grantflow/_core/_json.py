"""JSON from servers and stores, decoded with a bound on nesting.

``json.loads`` recurses once per level, so ``"[" * 100000`` raises a bare
``RecursionError``, and a document a little shallower than the interpreter's limit
decodes but then breaks whatever walks it next (a repr, a copy, a re-encode). No protocol
document nests deeply: a discovery document or a token response is two or three levels,
a JWK Set four. Anything deeper than :data:`MAX_JSON_DEPTH` is refused as malformed.
"""

from __future__ import annotations

import json

__all__ = ["MAX_JSON_DEPTH", "check_depth", "loads"]

#: Deepest nesting of arrays and objects accepted in a document from outside.
MAX_JSON_DEPTH = 32


def loads(data: str | bytes) -> object:
    """The JSON value of ``data``; ValueError when it is not JSON or nests too deeply.

    Bytes that are not UTF-8 raise ``UnicodeDecodeError``, a ValueError too.
    """
    try:
        value = json.loads(data)
    except RecursionError:
        raise ValueError("the JSON document nests too deeply") from None
    check_depth(value)
    return value


def check_depth(value: object, limit: int = MAX_JSON_DEPTH) -> None:
    """ValueError when ``value`` nests lists and dicts more than ``limit`` levels deep.

    Iterative, so it can measure values that a recursive walk could not.
    """
    pending: list[tuple[object, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children: list[object] = list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            raise ValueError(f"the JSON document nests deeper than {limit} levels")
        pending.extend((child, depth + 1) for child in children)
