"""Dynamic client registration (RFC 7591): post client metadata, get credentials back.

A client that has never met the authorization server registers itself: it posts its
metadata as JSON (§3.1), optionally with an initial access token the server handed out
beforehand, and receives a ``client_id`` and, for a confidential client, a secret
(§3.2.1). The credentials never show in a repr.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from ..errors import InvalidResponseError
from ._http import HttpRequest, HttpResponse
from ._responses import parse_json_object

__all__ = [
    "DEFAULT_AUTH_METHOD",
    "RegisteredClient",
    "build_registration_request",
    "parse_registration_response",
]

#: RFC 7591 §2: "If unspecified or omitted, the default is client_secret_basic".
DEFAULT_AUTH_METHOD = "client_secret_basic"

_SECRET_FIELDS = frozenset({"client_secret", "registration_access_token"})

_JSON_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}

# RFC 6750 §2.1: a bearer token is visible ASCII, without spaces.
_SENDABLE_TOKEN = re.compile(r"[\x21-\x7e]+")


class RegisteredClient(dict[str, Any]):
    """The registration response (RFC 7591 §3.2.1): ``client_id``, ``client_secret``,
    ``registration_access_token`` and the metadata the server registered. The repr
    hides the secret and the registration access token."""

    @property
    def token_endpoint_auth_method(self) -> str:
        """How the client authenticates at the token endpoint (``client_secret_basic``
        when the server does not say, RFC 7591 §2)."""
        method = self.get("token_endpoint_auth_method")
        return method if isinstance(method, str) and method else DEFAULT_AUTH_METHOD

    def __repr__(self) -> str:
        shown = {k: ("..." if k in _SECRET_FIELDS else v) for k, v in self.items()}
        return f"RegisteredClient({shown!r})"


def build_registration_request(
    registration_endpoint: str,
    metadata: Mapping[str, Any] | None = None,
    *,
    initial_access_token: str | None = None,
) -> HttpRequest:
    """The registration request (RFC 7591 §3.1): the metadata as a JSON object, with the
    initial access token as a bearer token when the server requires one (§3)."""
    if metadata is not None and not isinstance(metadata, Mapping):
        raise ValueError("client metadata must be a mapping of JSON values")
    try:
        body = json.dumps(dict(metadata or {}), separators=(",", ":")).encode("utf-8")
    except (TypeError, ValueError):
        raise ValueError("client metadata must hold JSON values only") from None
    headers = dict(_JSON_HEADERS)
    if initial_access_token is not None:
        headers["Authorization"] = _bearer(initial_access_token)
    return HttpRequest("POST", registration_endpoint, headers, body)


def _bearer(token: object) -> str:
    if not isinstance(token, str) or not _SENDABLE_TOKEN.fullmatch(token):
        raise ValueError("the initial access token is empty or has spaces or control characters")
    return f"Bearer {token}"


def parse_registration_response(response: HttpResponse) -> RegisteredClient:
    """The registered client (RFC 7591 §3.2.1), or a typed error.

    An ``{"error": ...}`` body (``invalid_redirect_uri``, ``invalid_client_metadata``,
    §3.2.2) is :class:`OAuthError`; a response without a string ``client_id`` is
    :class:`InvalidResponseError`.
    """
    data = parse_json_object(response, "registration endpoint")
    client_id = data.get("client_id")
    if not isinstance(client_id, str) or not client_id:
        raise _invalid(response, "has no client_id")
    secret = data.get("client_secret")
    if secret is not None and not isinstance(secret, str):
        raise _invalid(response, "has a client_secret that is not a string")
    return RegisteredClient(data)


def _invalid(response: HttpResponse, what: str) -> InvalidResponseError:
    return InvalidResponseError(
        description=f"the registration response {what} (RFC 7591 §3.2.1)",
        status_code=response.status_code,
    )
