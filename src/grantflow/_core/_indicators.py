"""Resource indicators (RFC 8707) and rich authorization requests (RFC 9396).

``resource`` names the protected resources a token is for: one URI or several, sent
as repeated ``resource`` parameters (RFC 8707 §2). ``authorization_details`` describes
what is authorized as a JSON array of objects, sent as ONE parameter holding that JSON
(RFC 9396 §2, §3). Both are checked here, before anything is sent, and returned as
values that :func:`flatten_params` encodes that way and a request object (RFC 9101)
carries as JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

__all__ = ["authorization_details_value", "indicator_params", "resource_indicators"]


def resource_indicators(resource: str | Iterable[str] | None) -> list[str] | None:
    """``resource`` as a list of URIs, each absolute and without a fragment (RFC 8707 §2)."""
    if resource is None:
        return None
    values = [resource] if isinstance(resource, str) else list(resource)
    for value in values:
        if not isinstance(value, str) or not urlsplit(value).scheme or "#" in value:
            raise ValueError(
                "each resource must be an absolute URI without a fragment (RFC 8707 §2)"
            )
    return values or None


def authorization_details_value(details: object) -> list[dict[str, Any]] | None:
    """``authorization_details`` as a list of objects, each with a string ``type``
    (RFC 9396 §2). A JSON string is read; a single object is refused, since the
    parameter is always an array."""
    if details is None:
        return None
    if isinstance(details, (str, bytes)):
        try:
            details = json.loads(details)
        except ValueError:
            raise ValueError("authorization_details is not JSON") from None
    if isinstance(details, Mapping) or not isinstance(details, (list, tuple)):
        raise ValueError("authorization_details must be a list of objects (RFC 9396 §2)")
    checked: list[dict[str, Any]] = []
    for entry in details:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("type"), str):
            raise ValueError(
                "each authorization_details entry must be an object with a string 'type' "
                "(RFC 9396 §2)"
            )
        checked.append(dict(entry))
    try:
        json.dumps(checked)
    except (TypeError, ValueError):
        raise ValueError("authorization_details must hold JSON values only") from None
    return checked


def indicator_params(
    resource: str | Iterable[str] | None = None, authorization_details: object = None
) -> dict[str, Any]:
    """The ``resource`` and ``authorization_details`` parameters of a request, checked;
    absent ones are left out."""
    params: dict[str, Any] = {}
    resources = resource_indicators(resource)
    if resources:
        params["resource"] = resources
    details = authorization_details_value(authorization_details)
    if details is not None:
        params["authorization_details"] = details
    return params
