"""Single-request flows: discovery, a key set (token requests are the client's, with DPoP)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._core._http import HttpRequest, HttpResponse
from .._core._metadata import validate_metadata
from .._core._responses import parse_json_object
from ._drive import Flow, Send

__all__ = ["discovery_flow", "json_get_flow"]

_JSON_ACCEPT = {"Accept": "application/json"}


def json_get_flow(
    url: str, what: str, options: Mapping[str, Any] | None = None
) -> Flow[dict[str, Any]]:
    """GET ``url`` and return its JSON object (``what`` names it in errors)."""
    response: HttpResponse = yield Send(HttpRequest("GET", url, _JSON_ACCEPT), options=options)
    return parse_json_object(response, what)


def discovery_flow(
    url: str, expected_issuer: str | None, issuer_template: str | None = None
) -> Flow[dict[str, Any]]:
    """Fetch and validate a discovery document (OpenID Discovery §4, RFC 8414 §3)."""
    document = yield from json_get_flow(url, "discovery endpoint")
    return validate_metadata(
        document, url=url, expected_issuer=expected_issuer, issuer_template=issuer_template
    )
