"""Shared strategies and the one property every parser a server feeds must hold.

The property (``outcome``): whatever the input, the parser returns or raises a documented
error (an :class:`OAuthError` subclass, or a ValueError where the API documents one),
never a bare ``KeyError``/``TypeError``/``IndexError``/``UnicodeError``/
``RecursionError``/``OverflowError``. Any other exception propagates and Hypothesis
reports the input that caused it. ``CALLS`` counts parser calls for ``bench/fuzz_parsers.py``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from typing import Any, TypeVar, overload

from hypothesis import strategies as st

from grantflow.errors import OAuthError

T = TypeVar("T")
E = TypeVar("E", bound=BaseException)

#: Parser calls made by the properties, by parser name.
CALLS: Counter[str] = Counter()

#: Errors that are never an acceptable outcome, even where ValueError is documented.
_BARE = (KeyError, TypeError, IndexError, UnicodeError, RecursionError, OverflowError)


@overload
def outcome(
    parser: Callable[..., T], *args: Any, documented: tuple[type[E], ...], **kwargs: Any
) -> T | E: ...
@overload
def outcome(parser: Callable[..., T], *args: Any, **kwargs: Any) -> T | OAuthError: ...
def outcome(
    parser: Callable[..., T],
    *args: Any,
    documented: tuple[type[BaseException], ...] = (OAuthError,),
    **kwargs: Any,
) -> T | BaseException:
    """``parser(*args, **kwargs)``, or the documented error it raised.

    A bare error is re-raised even when it subclasses a documented one
    (``UnicodeDecodeError`` is a ``ValueError``, but never the documented one).
    """
    CALLS[getattr(parser, "__qualname__", repr(parser))] += 1
    try:
        return parser(*args, **kwargs)
    except documented as error:
        if isinstance(error, _BARE) and not isinstance(error, OAuthError):
            raise
        return error


# -- text that servers send ------------------------------------------------------------------

#: Any text, lone surrogates, control characters and non-BMP characters included.
any_text = st.text(st.characters(codec=None), max_size=40)
#: Text made to look like protocol values, with the characters that break parsers.
tricky_text = st.one_of(
    any_text,
    st.sampled_from(
        [
            "",
            " ",
            "\r\n",
            "\x00",
            "\ud800",
            "é𝔘",
            "\\",
            '"',
            "=",
            ",",
            "Bearer",
            "none",
            "null",
            "../../etc/passwd",
            "https://evil.example/",
            "http://evil.example\\@127.0.0.1/",
            "1e999",
            "-1",
            "NaN",
            "9" * 400,
        ]
    ),
)

huge_ints = st.sampled_from([10**19, 2**63, 10**309, -(10**309), 10**400, -(2**63) - 1])
numbers = st.one_of(
    st.integers(),
    huge_ints,
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
)

#: Any JSON value (containers nest a few levels).
json_values = st.recursive(
    st.one_of(st.none(), numbers, tricky_text),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(tricky_text, children, max_size=4),
    ),
    max_leaves=12,
)


def objects_with(keys: list[str], values: st.SearchStrategy[Any] = json_values) -> Any:
    """JSON objects whose members are drawn mostly from ``keys`` (plus stray ones)."""
    return st.dictionaries(st.one_of(st.sampled_from(keys), tricky_text), values, max_size=8)


def deeply_nested(depth: st.SearchStrategy[int] | None = None) -> Any:
    """JSON text nested ``depth`` levels deep, open-ended or closed."""
    depth = depth or st.integers(min_value=1, max_value=120_000)
    return st.builds(
        lambda n, opener, closed: opener * n + ("]" * n if closed and opener == "[" else ""),
        depth,
        st.sampled_from(["[", '{"a":']),
        st.booleans(),
    )


def encoded_json(value: Any) -> bytes:
    """``value`` as JSON bytes; lone surrogates travel as ``\\ud800`` escapes."""
    return json.dumps(value, ensure_ascii=True, allow_nan=True).encode()


#: Response bodies: JSON of any shape, form bodies, deep nesting, raw bytes, repetition.
def bodies(objects: Any) -> Any:
    return st.one_of(
        objects.map(encoded_json),
        json_values.map(encoded_json),
        st.dictionaries(tricky_text, tricky_text, max_size=6).map(_form),
        deeply_nested().map(str.encode),
        st.binary(max_size=200),
        st.builds(
            lambda chunk, n: chunk * n, st.binary(min_size=1, max_size=8), st.integers(1, 20_000)
        ),
    )


def _form(pairs: dict[str, str]) -> bytes:
    from urllib.parse import urlencode

    return urlencode(pairs, encoding="utf-8", errors="surrogatepass").encode()


content_types = st.sampled_from(
    [
        None,
        "application/json",
        "application/json; charset=utf-8",
        "application/x-www-form-urlencoded",
        "text/plain",
        "text/html",
        "application/jwt",
        "application/octet-stream",
    ]
)
statuses = st.one_of(
    st.sampled_from([200, 201, 204, 302, 400, 401, 403, 500, 503]), st.integers(100, 599)
)
