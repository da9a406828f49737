"""Everything an endpoint needs to answer: issuer, keys, registrations and state."""

from __future__ import annotations

import copy
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ._config import Client
from ._device_state import DeviceRequests
from ._http import oauth_error
from ._keys import ProviderKeys
from ._par_state import PushedRequests
from ._state import Store

__all__ = ["PATHS", "Context"]

#: Endpoint paths, the same as the certified provider's.
PATHS: Mapping[str, str] = {
    "authorization_endpoint": "/auth",
    "token_endpoint": "/token",
    "userinfo_endpoint": "/me",
    "jwks_uri": "/jwks",
    "introspection_endpoint": "/token/introspection",
    "revocation_endpoint": "/token/revocation",
    "end_session_endpoint": "/session/end",
    # RFC 8628 and RFC 7591, at the certified provider's paths.
    "device_authorization_endpoint": "/device/auth",
    "registration_endpoint": "/reg",
    # RFC 9126, at the certified provider's path.
    "pushed_authorization_request_endpoint": "/request",
}
INTERACTION_PATH = "/interaction/"
SESSION_COOKIE = "_session"


@dataclass(frozen=True, slots=True)
class Context:
    """The provider as the endpoints see it (one per running server)."""

    issuer: str
    keys: ProviderKeys
    clients: Mapping[str, Client]
    users: Mapping[str, Mapping[str, Any]]
    store: Store
    default_user: str
    login_page: bool
    # -- device flow, token exchange, registration --
    devices: DeviceRequests = field(default_factory=DeviceRequests)
    device_interval: int = 5
    exchange_policy: Mapping[str, str] = field(default_factory=dict)
    #: Adds a dynamically registered client (RFC 7591): the parsed client and its metadata.
    register: Callable[[Client, Mapping[str, Any]], None] = lambda client, raw: None
    # -- DPoP nonces (RFC 9449 §8) and pushed authorization requests (RFC 9126) --
    dpop_secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    pushed: PushedRequests = field(default_factory=PushedRequests)

    def __repr__(self) -> str:
        return f"Context(issuer={self.issuer!r})"

    def endpoint(self, name: str) -> str:
        """The absolute URL of an endpoint, built from the issuer (never the Host header)."""
        return self.issuer + PATHS[name]

    def client(self, client_id: str | None) -> Client:
        """The registered client, or ``invalid_client`` (RFC 6749 §5.2)."""
        found = self.clients.get(client_id or "")
        if found is None:
            raise oauth_error("invalid_client", "client authentication failed", 401)
        return found

    def user_claims(self, sub: str) -> dict[str, Any]:
        """A user's claims with ``sub`` (OpenID Connect Core §5.1); ``sub`` is the username."""
        user = self.users.get(sub, {})
        return {"sub": sub, **copy.deepcopy(dict(user.get("claims", {})))}
