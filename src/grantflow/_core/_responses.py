"""Turn endpoint responses into a JSON object or a typed error (RFC 6749 §5.2).

Shared by the token, revocation, introspection, discovery and JWKS parsers: a JSON
``{"error": ...}`` body at any status is an :class:`OAuthError`; anything that is not the
expected JSON object (HTML, text, an array) is an :class:`InvalidResponseError` carrying the
status code. Messages name what was wrong, never the body (it may carry a token).
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import parse_qsl

from ..errors import InvalidResponseError, OAuthError
from ._http import HttpResponse
from ._json import loads

__all__ = ["error_from_object", "parse_json_object", "parse_object_or_form", "parse_seconds"]

_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "text/plain"})


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def error_from_object(obj: dict[str, Any], status_code: int | None) -> OAuthError:
    """The :class:`OAuthError` for an ``{"error": ...}`` object (RFC 6749 §5.2)."""
    error = obj.get("error")
    return OAuthError(
        error=str(error) if error else None,
        description=_str_or_none(obj.get("error_description")),
        uri=_str_or_none(obj.get("error_uri")),
        status_code=status_code,
    )


def _decode_json(response: HttpResponse, what: str) -> object:
    try:
        # ValueError covers bytes that are not UTF-8 and documents nested too deeply.
        return loads(response.body)
    except ValueError:
        kind = response.media_type or "no content type"
        raise InvalidResponseError(
            description=f"the {what} answered HTTP {response.status_code} with a body "
            f"that is not JSON ({kind})",
            status_code=response.status_code,
        ) from None


def parse_json_object(response: HttpResponse, what: str) -> dict[str, Any]:
    """The response's JSON object; an OAuth error body raises :class:`OAuthError`."""
    data = _decode_json(response, what)
    return _check_object(data, response, what)


def parse_object_or_form(response: HttpResponse, what: str) -> dict[str, Any]:
    """Like :func:`parse_json_object`, also accepting a form-encoded body.

    Some providers answer the token endpoint with ``application/x-www-form-urlencoded``
    (or form data labelled ``text/plain``) unless asked for JSON; the pairs are read as
    the same object.
    """
    if response.media_type in _FORM_TYPES:
        text = response.body.decode("utf-8", errors="replace").strip()
        if text and not text.startswith(("{", "[")):
            pairs = parse_qsl(text, keep_blank_values=True)
            if pairs:
                return _check_object(dict(pairs), response, what)
    return parse_json_object(response, what)


def _check_object(data: object, response: HttpResponse, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise InvalidResponseError(
            description=f"the {what} answered HTTP {response.status_code} with JSON that is "
            f"not an object ({type(data).__name__})",
            status_code=response.status_code,
        )
    if data.get("error"):
        raise error_from_object(data, response.status_code)
    if not 200 <= response.status_code < 300:
        raise InvalidResponseError(
            description=f"the {what} answered HTTP {response.status_code} without an OAuth error",
            status_code=response.status_code,
        )
    return data


def parse_seconds(value: object) -> float | None:
    """A duration from a JSON number or a numeric string, or None when it is neither.

    Several providers send numeric fields as strings ("1800"), as they do ``expires_in``
    in token responses; a bool, NaN, an infinity or a negative value is not a duration.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) and number >= 0 else None
