"""Dynamic client registration (RFC 7591) on the development provider: open to anyone.

``POST /reg`` with the client metadata as JSON registers a client at once (no initial
access token is needed) and answers 201 with its ``client_id`` and, unless it asked for
``none``, a ``client_secret``. Registered clients live as long as the provider runs.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from ._config import parse_client
from ._context import Context
from ._http import Request, Response, json_response, oauth_error
from ._state import new_handle

__all__ = ["registration_endpoint"]

_METHODS = frozenset({"none", "client_secret_basic", "client_secret_post"})
_GRANTS = frozenset(
    {
        "authorization_code",
        "refresh_token",
        "client_credentials",
        "urn:ietf:params:oauth:grant-type:device_code",
        "urn:ietf:params:oauth:grant-type:token-exchange",
    }
)


def registration_endpoint(ctx: Context, request: Request) -> Response:
    """RFC 7591 §3: check the metadata, register the client, return its credentials."""
    if request.method != "POST":
        raise oauth_error("invalid_request", "the registration endpoint only accepts POST", 405)
    try:
        metadata = json.loads(request.body or b"{}")
    except ValueError:
        metadata = None
    if not isinstance(metadata, dict):
        raise oauth_error("invalid_client_metadata", "the body must be a JSON object")
    redirect_uris = metadata.get("redirect_uris", [])
    if not isinstance(redirect_uris, list) or not all(
        isinstance(u, str) and u.startswith(("https://", "http://")) and "#" not in u
        for u in redirect_uris
    ):
        raise oauth_error("invalid_redirect_uri", "redirect_uris must be absolute http(s) URLs")
    method = metadata.get("token_endpoint_auth_method", "client_secret_basic")
    if method not in _METHODS:
        raise oauth_error("invalid_client_metadata", "token_endpoint_auth_method is not supported")
    grants = metadata.get("grant_types", ["authorization_code"])
    if not isinstance(grants, list) or not set(grants) <= _GRANTS:
        raise oauth_error("invalid_client_metadata", "grant_types has an unsupported grant")
    raw: dict[str, Any] = {
        **metadata,
        "client_id": "dyn-" + new_handle()[:16],
        "token_endpoint_auth_method": method,
        "redirect_uris": redirect_uris,
        "grant_types": grants,
        "response_types": ["code"] if "authorization_code" in grants else [],
        "client_id_issued_at": ctx.store.now(),
    }
    if method != "none":
        raw["client_secret"] = secrets.token_urlsafe(32)
        raw["client_secret_expires_at"] = 0
    ctx.register(parse_client(raw), raw)
    return json_response(raw, 201)
