"""How authorization parameters travel: in the URL, signed (JAR, RFC 9101), or pushed
over the back channel (PAR, RFC 9126), which returns a URL with a handle only.

PAR is used when the call asks for it (``pushed=True``), the client was made so
(``pushed_authorization=True``, or ``profile="fapi2"``) or the provider demands it
(``require_pushed_authorization_requests``, RFC 9126 §5). The push is authenticated
like a token request and, with a DPoP key, carries a proof (RFC 9449 §10.1).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from .._core._authorization import build_authorization_url
from .._core._https import check_secure_transport
from .._core._par import build_par_authorization_url, build_par_request, parse_par_response
from .._flows._drive import Flow, Send
from ._dpop import send_with_proof
from ._metadata import endpoint, ensure_metadata

if TYPE_CHECKING:
    from ._client import Client

__all__ = ["authorization_url_for", "wants_push"]


def wants_push(client: Client, pushed: bool | None) -> bool:
    """Whether the parameters go through PAR (an explicit ``pushed`` decides)."""
    if pushed is not None:
        return bool(pushed)
    return client.pushed_authorization or (
        client.metadata.get("require_pushed_authorization_requests") is True
    )


def authorization_url_for(
    client: Client, endpoint_url: str, params: dict[str, Any], pushed: bool | None
) -> Flow[str]:
    """The URL to send the browser to for ``params``: plain, with a signed request
    object, or with the ``request_uri`` of a pushed request (``client_id`` and
    ``request_uri`` only, RFC 9126 §4)."""
    if pushed is None and not client.pushed_authorization:
        # The provider's requirement is in its metadata (RFC 9126 §5).
        yield from ensure_metadata(client)
    push = wants_push(client, pushed)
    if client.request_object_signing_alg is not None:
        params = yield from _signed(client, params)
    if not push:
        return build_authorization_url(endpoint_url, params)
    par_url = yield from endpoint(client, "pushed_authorization_request_endpoint")
    check_secure_transport(par_url)
    # RFC 9126 §2.1: client_id is an authorization parameter, sent even when the client
    # authenticates with Basic (some servers refuse the push without it).
    request = build_par_request(par_url, params)
    response = yield from send_with_proof(
        client, Send(request, None, client.client_auth(None), None)
    )
    pushed_request = parse_par_response(response)
    client_id = str(client.client_id or "")
    return build_par_authorization_url(endpoint_url, client_id, pushed_request.request_uri)


def _signed(client: Client, params: dict[str, Any]) -> Flow[dict[str, Any]]:
    """``params`` as a request object signed with the client's key (RFC 9101 §4), with
    ``client_id``, ``response_type`` and ``scope`` beside it (§5, OIDC Core §6.1)."""
    from .._core._request_object import build_request_object, request_object_params

    yield from ensure_metadata(client, missing="issuer" not in client.metadata)
    issuer = client.metadata.get("issuer")
    if not issuer or not client.client_id:
        raise ValueError(
            "a signed request object needs the client_id and the issuer (its audience): "
            "give issuer= or server_metadata_url="
        )
    alg = str(client.request_object_signing_alg)
    request_object = build_request_object(
        params,
        client_id=client.client_id,
        audience=str(issuer),
        key=client.client_secret,
        alg=alg,
        now=time.time,
    )
    return request_object_params(request_object, client.client_id, params)
