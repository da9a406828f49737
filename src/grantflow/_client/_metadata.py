"""Server metadata: discovery on first need, and the URL of each endpoint."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._core._client_auth import TLS_METHODS
from .._core._metadata import MTLS_ALIASED_ENDPOINTS, discovery_urls
from .._flows._drive import Flow
from .._flows._single import discovery_flow
from ..errors import InvalidResponseError, OAuthError
from ._auth_methods import ClientAuthMethods
from ._join import join_shared

if TYPE_CHECKING:
    from ._client import Client

__all__ = ["endpoint", "ensure_metadata", "load_server_metadata", "optional_endpoint", "uses_mtls"]


def _discovery_source(client: Client) -> tuple[list[str], str | None] | None:
    url = client.explicit_metadata.get("server_metadata_url")
    issuer = client.explicit_metadata.get("issuer")
    if url:
        return [url], issuer
    if issuer:
        return discovery_urls(issuer), issuer
    return None


def _discover(
    urls: list[str], issuer: str | None, issuer_template: str | None = None
) -> Flow[dict[str, Any]]:
    """The first discovery document found at ``urls`` (OpenID's location, then RFC 8414's)."""
    last_error: OAuthError | None = None
    for url in urls:
        try:
            return (yield from discovery_flow(url, issuer, issuer_template))
        except OAuthError as exc:
            # Only the OpenID location answering 404 sends us on to RFC 8414's.
            if exc.status_code != 404 or len(urls) == 1:
                raise
            last_error = exc
    raise last_error or InvalidResponseError(description="no discovery URL to try")


def load_server_metadata(client: Client, force: bool = False) -> Flow[dict[str, Any]]:
    """Load the discovery document once (``force=True`` reloads); explicit values win.

    The document's ``issuer`` must equal the issuer expected (the ``issuer`` given, or
    the one the well-known URL implies), else :class:`InvalidResponseError`. Callers
    that need it at once share one fetch.
    """
    source = _discovery_source(client)
    if source is None:
        return client.metadata
    cell = client.discovery
    if cell.value is None or force:
        urls, issuer = source
        seen = cell.version if force else None
        template = client.issuer_template
        yield join_shared(cell, lambda: _discover(urls, issuer, template), newer_than=seen)
    document = cell.value or {}
    client.metadata = {**client.metadata, **document, **client.explicit_metadata}
    return client.metadata


def ensure_metadata(client: Client, *, missing: bool = False) -> Flow[None]:
    """Load discovery on first need: always with ``server_metadata_url``; from an
    ``issuer`` alone only when something is ``missing`` (an endpoint not given)."""
    if client.discovery.value is not None:
        return
    if client.explicit_metadata.get("server_metadata_url") or (
        missing and _discovery_source(client) is not None
    ):
        yield from load_server_metadata(client)


def uses_mtls(client: Client) -> bool:
    """Whether the token endpoint's client authentication is mutual TLS (RFC 8705 §2)."""
    return ClientAuthMethods.name_of(client.token_endpoint_auth_method) in TLS_METHODS


def endpoint(client: Client, name: str) -> Flow[str]:
    """The URL of endpoint ``name``; a ValueError saying how to give it when unknown."""
    value = yield from optional_endpoint(client, name)
    if value is None:
        raise ValueError(
            f"no {name} known: pass it as a URL argument, as {name}=, or give "
            "server_metadata_url= so it can be discovered"
        )
    return value


def optional_endpoint(client: Client, name: str) -> Flow[str | None]:
    """The URL of endpoint ``name``: explicit, else discovered; mTLS aliases for mTLS."""
    if name not in client.explicit_metadata:
        yield from ensure_metadata(client, missing=True)
    if uses_mtls(client) and name in MTLS_ALIASED_ENDPOINTS:
        aliases = client.metadata.get("mtls_endpoint_aliases")
        if isinstance(aliases, Mapping) and isinstance(aliases.get(name), str):
            return str(aliases[name])
    value = client.metadata.get(name)
    return str(value) if value else None
