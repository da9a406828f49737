"""What a test needs to know about a running provider, in a read-only shape.

The field names are the ones the end-to-end suite uses for the certified provider, so
a test can take either provider's description and run unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

__all__ = ["ClientInfo", "ProviderInfo", "client_info"]


@dataclass(frozen=True, slots=True)
class ClientInfo:
    """One registered client: its id, credentials, method, redirect URIs and grants.

    Args:
        client_id: The client identifier.
        client_secret: Its secret, or None for a public or ``private_key_jwt`` client
            (never shown in the repr).
        auth_method: Its ``token_endpoint_auth_method`` (RFC 7591 §2).
        redirect_uris: Its registered redirect URIs, in order.
        grant_types: The grant types it may use.
        metadata: The whole registration, as the provider holds it.

    Raises nothing: a plain frozen record.
    """

    client_id: str
    client_secret: str | None = field(repr=False)
    auth_method: str
    redirect_uris: tuple[str, ...]
    grant_types: tuple[str, ...]
    metadata: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}), repr=False)

    @property
    def redirect_uri(self) -> str:
        """The first registered redirect URI (the one tests use)."""
        return self.redirect_uris[0]


@dataclass(frozen=True, slots=True)
class ProviderInfo:
    """A running provider: issuer, discovery URL, clients, users, resources, key files.

    ``users`` maps each user name to its password; ``resources`` each RFC 8707
    resource indicator to its ``scope`` and token ``format``; ``files`` names the
    ``private_key_jwt`` client's private keys (``private_key_jwt_keys``, a JWK Set, and
    ``private_key_jwt_pem``). There is no mTLS listener, so ``mtls_base`` is None.

    Args:
        name: The provider's name (``grantflow-dev-provider`` or ``oidc-provider``).
        version: Its version.
        issuer: The issuer identifier.
        discovery_url: The URL of its discovery document.
        clients: Its registered clients by id.
        users: User names and their passwords.
        resources: Resource indicators with their ``scope`` and token ``format``.
        files: Key files by name.
        mtls_base: The base URL of its mutual TLS listener, or None.
        startup_seconds: How long it took to start.

    Raises nothing: a plain frozen record.
    """

    name: str
    version: str
    issuer: str
    discovery_url: str
    clients: Mapping[str, ClientInfo] = field(repr=False)
    users: Mapping[str, str] = field(repr=False)
    resources: Mapping[str, Mapping[str, str]] = field(repr=False)
    files: Mapping[str, Path] = field(repr=False)
    mtls_base: str | None
    startup_seconds: float


def client_info(raw: Mapping[str, Any]) -> ClientInfo:
    """A :class:`ClientInfo` from registration metadata (RFC 7591 §2 names)."""
    return ClientInfo(
        client_id=str(raw["client_id"]),
        client_secret=raw.get("client_secret"),
        auth_method=str(raw.get("token_endpoint_auth_method", "client_secret_basic")),
        redirect_uris=tuple(raw.get("redirect_uris", ())),
        grant_types=tuple(raw.get("grant_types", ())),
        metadata=MappingProxyType(dict(raw)),
    )
