"""Single-request flows: a token request, discovery, a key set."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._core._http import HttpRequest, HttpResponse
from .._core._metadata import validate_metadata
from .._core._responses import parse_json_object
from .._core._token import OAuth2Token
from .._core._token_response import parse_token_response
from ._drive import Flow, Send

__all__ = ["discovery_flow", "json_get_flow", "token_flow"]

_JSON_ACCEPT = {"Accept": "application/json"}


def token_flow(
    request: HttpRequest,
    *,
    purpose: str,
    client_auth: Any,
    previous_refresh_token: str | None = None,
    options: Mapping[str, Any] | None = None,
) -> Flow[OAuth2Token]:
    """Send one token request and parse the answer (RFC 6749 §5)."""
    response: HttpResponse = yield Send(request, purpose, client_auth, options)
    return parse_token_response(response, previous_refresh_token=previous_refresh_token)


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
