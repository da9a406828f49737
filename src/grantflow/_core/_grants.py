"""Token endpoint requests for every grant (RFC 6749 §4.1.3, §4.3.2, §4.4.2, §6, §4.5).

Each builder returns an unauthenticated :class:`HttpRequest`; client authentication is
applied by the caller, after any compliance hook has rewritten the request.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from ._http import HttpRequest
from ._params import add_params_to_body, add_params_to_uri, flatten_params

__all__ = [
    "AUTHORIZATION_CODE",
    "CLIENT_CREDENTIALS",
    "FORM_HEADERS",
    "JWT_BEARER",
    "PASSWORD",
    "REFRESH_TOKEN",
    "build_form_request",
    "build_token_request",
    "guess_grant",
]

AUTHORIZATION_CODE = "authorization_code"
PASSWORD = "password"
CLIENT_CREDENTIALS = "client_credentials"
REFRESH_TOKEN = "refresh_token"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"

FORM_HEADERS: Mapping[str, str] = {
    "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8",
    "Accept": "application/json",
}


def guess_grant(params: Mapping[str, Any], code: str | None, configured: object) -> str:
    """The grant a token request without a ``grant_type`` means: the code grant with a
    code, the password grant with a username and password, else the session's configured
    grant or client credentials."""
    if code is not None:
        return AUTHORIZATION_CODE
    if "username" in params and "password" in params:
        return PASSWORD
    return str(configured) if configured else CLIENT_CREDENTIALS


def build_form_request(
    url: str,
    params: Mapping[str, Any],
    *,
    body: str = "",
    method: str = "POST",
    headers: Mapping[str, str] | None = None,
) -> HttpRequest:
    """A form request to ``url``: ``params`` appended to ``body`` (or the query for GET)."""
    pairs = flatten_params(params)
    merged = {**FORM_HEADERS, **(headers or {})}
    if method.upper() == "GET":
        query = pairs + _body_pairs(body)
        merged.pop("Content-Type", None)
        return HttpRequest("GET", add_params_to_uri(url, query), merged, None)
    text = add_params_to_body(body or "", pairs)
    return HttpRequest(method.upper(), url, merged, text.encode("utf-8"))


def build_token_request(
    url: str,
    grant_type: str,
    params: Mapping[str, Any],
    *,
    body: str = "",
    method: str = "POST",
    headers: Mapping[str, str] | None = None,
) -> HttpRequest:
    """A token request for ``grant_type`` with the grant's ``params`` (None values dropped)."""
    return build_form_request(
        url, {"grant_type": grant_type, **params}, body=body, method=method, headers=headers
    )


def _body_pairs(body: str) -> list[tuple[str, str]]:
    return parse_qsl(body, keep_blank_values=True) if body else []
