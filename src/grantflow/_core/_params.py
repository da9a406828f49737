"""Form and query parameter encoding shared by every request builder."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = [
    "ParamValue",
    "add_params_to_body",
    "add_params_to_uri",
    "flatten_params",
    "scope_to_str",
]

ParamValue = (
    str | int | float | bool | Sequence[str] | Mapping[str, object] | Sequence[Mapping[str, object]]
) | None


def scope_to_str(scope: str | Iterable[str] | None) -> str | None:
    """A scope given as a string or a list/tuple/set, as the space-joined wire form."""
    if scope is None:
        return None
    if isinstance(scope, str):
        return scope
    items = sorted(scope) if isinstance(scope, (set, frozenset)) else list(scope)
    return " ".join(str(s) for s in items)


def flatten_params(params: Mapping[str, ParamValue]) -> list[tuple[str, str]]:
    """Turn a mapping into wire pairs: None is dropped, a list of strings repeats the
    parameter, and an object or a list of objects is one parameter holding its JSON."""
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, Mapping):
            # OIDC Core §5.5 `claims`: a JSON object.
            pairs.append((key, json.dumps(value, separators=(",", ":"))))
        elif isinstance(value, bool):
            pairs.append((key, "true" if value else "false"))
        elif isinstance(value, (list, tuple)) and any(isinstance(v, Mapping) for v in value):
            # RFC 9396 §3 `authorization_details`: ONE parameter, a JSON array of objects.
            pairs.append((key, json.dumps(list(value), separators=(",", ":"))))
        elif isinstance(value, (list, tuple)):
            pairs.extend((key, str(v)) for v in value if v is not None)
        else:
            pairs.append((key, str(value)))
    return pairs


def add_params_to_body(body: str, params: Iterable[tuple[str, str]]) -> str:
    """Append form parameters to an ``application/x-www-form-urlencoded`` body."""
    extra = urlencode(list(params))
    if not extra:
        return body
    return f"{body}&{extra}" if body else extra


def add_params_to_uri(uri: str, params: Iterable[tuple[str, str]]) -> str:
    """Append query parameters to a URI, keeping the ones it already has."""
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query.extend(params)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))
