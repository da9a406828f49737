"""Token exchange (RFC 8693) as a flow: a token for another audience, scope or type.

The exchanged token belongs to whoever asked for it (a downstream call, a delegated
actor); it never replaces the client's own token, which keeps renewing as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._core._exchange import (
    ACCESS_TOKEN_TYPE,
    build_token_exchange_request,
    parse_token_exchange_response,
    token_exchange_params,
)
from .._core._http import HttpRequest
from .._core._indicators import indicator_params
from .._core._token import OAuth2Token
from .._flows._drive import Flow, Send
from ._dpop import send_with_proof
from ._metadata import endpoint

if TYPE_CHECKING:
    from ._client import Client

__all__ = ["exchange_token"]


#: The RFC 8693 §2.1 parameters taken by name (the rest are sent as they are).
_EXCHANGE_NAMES = (
    "actor_token",
    "actor_token_type",
    "requested_token_type",
    "audience",
    "resource",
    "scope",
)


def exchange_token(
    client: Client,
    subject_token: str,
    subject_token_type: str = ACCESS_TOKEN_TYPE,
    *,
    url: str | None = None,
    auth: Any = None,
    headers: Mapping[str, str] | None = None,
    options: Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> Flow[OAuth2Token]:
    """Exchange ``subject_token`` (RFC 8693 §2.1) and return the issued token, which
    says its ``issued_token_type`` (§2.2.1). The client's own token is left as it was.

    ``actor_token``, ``actor_token_type``, ``requested_token_type``, ``audience``,
    ``resource`` and ``scope`` are checked before a request is sent;
    ``authorization_details`` (RFC 9396) goes as one JSON parameter, other ``kwargs`` as
    form parameters.
    """
    named = {name: kwargs.pop(name) for name in _EXCHANGE_NAMES if name in kwargs}
    params = token_exchange_params(subject_token, subject_token_type, **named)
    kwargs.update(indicator_params(None, kwargs.pop("authorization_details", None)))
    endpoint_url = url or (yield from endpoint(client, "token_endpoint"))
    request = build_token_exchange_request(endpoint_url, params, kwargs)
    if headers:
        request = HttpRequest(
            request.method, request.url, {**request.headers, **headers}, request.body
        )
    step = Send(request, "access_token", client.client_auth(auth), options)
    response = yield from send_with_proof(client, step)  # a token request (RFC 9449 §5)
    return parse_token_exchange_response(response, now=client.clock())
