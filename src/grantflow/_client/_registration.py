"""Meeting a server for the first time: Protected Resource Metadata (RFC 9728) leads to
the authorization server, discovery (RFC 8414) to its endpoints, and dynamic client
registration (RFC 7591) to credentials, which become the client's.

Each flow changes the client only once everything it learnt has been checked, so a
failure leaves the client exactly as it was.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._core._client_auth import TLS_METHODS
from .._core._http import HttpRequest, HttpResponse
from .._core._registration import (
    RegisteredClient,
    build_registration_request,
    parse_registration_response,
)
from .._core._resource_metadata import (
    authorization_servers,
    parse_resource_metadata_response,
    resource_metadata_from_challenge,
    resource_metadata_url,
)
from .._flows._drive import Flow, Send
from ..errors import InvalidResponseError
from ._metadata import endpoint, load_server_metadata

if TYPE_CHECKING:
    from ._client import Client

__all__ = ["challenge_response", "load_resource_metadata", "register_client"]

_SECRET_METHODS = frozenset({"client_secret_basic", "client_secret_post", "client_secret_jwt"})
# The client's own key signs; the server never returns it (RFC 7523 §2.2, RFC 8705 §2).
_KEEPS_CREDENTIAL = frozenset({"private_key_jwt", *TLS_METHODS})


def register_client(
    client: Client,
    registration_endpoint: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    initial_access_token: str | None = None,
    *,
    options: Mapping[str, Any] | None = None,
) -> Flow[RegisteredClient]:
    """Register the client (RFC 7591 §3) and make the credentials the client's own.

    ``metadata`` defaults to the client's redirect URI (``redirect_uris``). The
    ``client_id``, ``client_secret`` and ``token_endpoint_auth_method`` are set together
    once the response has been checked; for ``private_key_jwt`` and mutual TLS the
    client keeps its key.
    """
    if metadata is None:
        metadata = {"redirect_uris": [client.redirect_uri]} if client.redirect_uri else {}
    endpoint_url = registration_endpoint or (yield from endpoint(client, "registration_endpoint"))
    request = build_registration_request(
        endpoint_url, metadata, initial_access_token=initial_access_token
    )
    response: HttpResponse = yield Send(request, None, None, options)
    registered = parse_registration_response(response)
    method = registered.token_endpoint_auth_method
    secret = registered.get("client_secret")
    if method in _SECRET_METHODS and not secret:
        raise InvalidResponseError(
            description=f"the registration response gives {method} but no client_secret "
            "(RFC 7591 §3.2.1)",
            status_code=response.status_code,
        )
    client.client_id = registered["client_id"]
    if method not in _KEEPS_CREDENTIAL:
        client.client_secret = secret
    client.token_endpoint_auth_method = method
    return registered


def challenge_response(response: Any) -> tuple[HttpResponse, str]:
    """A transport's 401 (``requests`` or ``httpx``) as the core reads it, with the URL
    of the request it refused."""
    headers = getattr(response, "headers", None)
    request = getattr(response, "request", None)
    if headers is None or request is None:
        raise TypeError("response must be a requests or httpx response to a resource request")
    challenge = headers.get("WWW-Authenticate") or ""
    status = int(getattr(response, "status_code", 0) or 0)
    return HttpResponse(status, {"www-authenticate": challenge}), str(request.url)


def load_resource_metadata(
    client: Client,
    resource: str | None = None,
    *,
    challenge: HttpResponse | None = None,
    request_url: str | None = None,
    options: Mapping[str, Any] | None = None,
) -> Flow[dict[str, Any]]:
    """Find the authorization server of a protected resource (RFC 9728) and discover it.

    The metadata comes from the ``resource_metadata`` URL of a 401's challenge (§5.1),
    else from the well-known URL of ``resource`` (or of the refused request, §3.1). It
    must name the resource it was fetched for (§3.3). The client's issuer becomes the
    first authorization server listed (one it already has must be listed), and that
    server's metadata is loaded; on any failure the client is left as it was.
    """
    named = resource_metadata_from_challenge(challenge) if challenge is not None else None
    expected = resource or request_url
    if expected is None:
        raise ValueError("give the resource URL, or the 401 response it answered")
    url = named or resource_metadata_url(expected)
    request = HttpRequest("GET", url, {"Accept": "application/json"})
    response: HttpResponse = yield Send(request, None, None, options)
    document = parse_resource_metadata_response(response, resource=expected)
    servers = authorization_servers(document)
    current = client.explicit_metadata.get("issuer")
    if current is not None and current not in servers:
        raise InvalidResponseError(
            description="the protected resource does not name this client's issuer among its "
            "authorization servers (RFC 9728 §2)"
        )
    if current is None:
        saved = (dict(client.explicit_metadata), dict(client.metadata))
        client.explicit_metadata["issuer"] = client.metadata["issuer"] = servers[0]
        try:
            yield from load_server_metadata(client, force=True)
        except BaseException:
            client.explicit_metadata, client.metadata = saved
            raise
    else:
        yield from load_server_metadata(client)
    return document
