"""The development provider's fixed registrations: users, resource servers, clients.

They mirror the certified test provider (the same client ids, secrets, authentication
methods, users and resource indicators), so one end-to-end suite can run against both.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from joserfc.jwk import KeySet

from .._core._client_auth import SECRET_METHODS

__all__ = [
    "ALL_GRANTS",
    "CLAIMS_BY_SCOPE",
    "CODE_TTL",
    "DEFAULT_CC_RESOURCE",
    "DEFAULT_USERS",
    "JWT_BEARER",
    "RESOURCE_SERVERS",
    "SCOPES",
    "Client",
    "ResourceServer",
    "default_client_metadata",
    "parse_client",
]

ACCESS_TOKEN_TTL = 3600
CODE_TTL = 60
ID_TOKEN_TTL = 3600
REFRESH_TOKEN_TTL = 14 * 24 * 3600
SESSION_TTL = 14 * 24 * 3600
#: Clock tolerance for client assertions and JWT bearer grants (oidc-provider uses 15 s).
CLOCK_TOLERANCE = 15

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code"
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ALL_GRANTS = (
    "authorization_code",
    "refresh_token",
    "client_credentials",
    "password",
    JWT_BEARER,
    DEVICE_CODE,
    TOKEN_EXCHANGE,
)
CB = "http://127.0.0.1:8080/cb"
LOGOUT_CB = "http://127.0.0.1:8080/logged-out"

#: OpenID Connect Core §5.4 scope-to-claims map, as the certified provider configures it.
CLAIMS_BY_SCOPE: Mapping[str, tuple[str, ...]] = {
    "openid": ("sub",),
    "profile": (
        "name",
        "given_name",
        "family_name",
        "preferred_username",
        "locale",
        "updated_at",
    ),
    "email": ("email", "email_verified"),
    "phone": ("phone_number", "phone_number_verified"),
    "address": ("address",),
}
OIDC_SCOPES = frozenset({*CLAIMS_BY_SCOPE, "offline_access"})
API_SCOPES = frozenset({"api:read", "api:write"})
SCOPES = (*sorted(OIDC_SCOPES), *sorted(API_SCOPES))
ACR_VALUES = ("urn:test:loa:1", "urn:test:loa:2")

DEFAULT_USERS: Mapping[str, Mapping[str, Any]] = {
    "alice": {
        "password": "wonderland",
        "claims": {
            "name": "Alice Liddell",
            "given_name": "Alice",
            "family_name": "Liddell",
            "preferred_username": "alice",
            "email": "alice@example.test",
            "email_verified": True,
            "locale": "en-GB",
            "updated_at": 1700000000,
            "phone_number": "+44 20 7946 0000",
            "phone_number_verified": False,
            "address": {
                "street_address": "1 Rabbit Hole",
                "locality": "Oxford",
                "postal_code": "OX1 1AA",
                "country": "GB",
            },
        },
    },
    "bob": {
        "password": "builder",
        "claims": {
            "name": "Bob Builder",
            "given_name": "Bob",
            "family_name": "Builder",
            "preferred_username": "bob",
            "email": "bob@example.test",
            "email_verified": False,
        },
    },
}


@dataclass(frozen=True, slots=True)
class ResourceServer:
    """An RFC 8707 resource: its scopes and how its access tokens are formatted."""

    indicator: str
    scopes: frozenset[str]
    token_format: str  # "opaque" or "jwt"
    alg: str = "RS256"


RESOURCE_SERVERS: Mapping[str, ResourceServer] = {
    "urn:test:api:opaque": ResourceServer("urn:test:api:opaque", API_SCOPES, "opaque"),
    "urn:test:api:jwt": ResourceServer("urn:test:api:jwt", API_SCOPES, "jwt", "RS256"),
    "urn:test:api:jwt-es256": ResourceServer("urn:test:api:jwt-es256", API_SCOPES, "jwt", "ES256"),
}
#: A client_credentials request without ``resource`` gets a token for this resource.
DEFAULT_CC_RESOURCE = "urn:test:api:opaque"


@dataclass(frozen=True, slots=True)
class Client:
    """One registered client (RFC 7591 §2 metadata names, parsed)."""

    client_id: str
    client_secret: str | None
    auth_method: str
    redirect_uris: tuple[str, ...]
    post_logout_redirect_uris: tuple[str, ...]
    grant_types: frozenset[str]
    response_types: frozenset[str]
    application_type: str
    id_token_alg: str
    userinfo_alg: str | None
    assertion_alg: str | None
    jwks: KeySet | None = field(default=None, compare=False)
    metadata: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def __repr__(self) -> str:
        return f"Client(client_id={self.client_id!r}, auth_method={self.auth_method!r})"

    @property
    def is_public(self) -> bool:
        """A client with no credentials (``none``): PKCE is mandatory for it."""
        return self.auth_method == "none"


def _web(client_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "client_id": client_id,
        "application_type": "web",
        "token_endpoint_auth_method": "client_secret_basic",
        "redirect_uris": [CB],
        "post_logout_redirect_uris": [LOGOUT_CB],
        "response_types": ["code"],
        "grant_types": list(ALL_GRANTS),
        **extra,
    }


def default_client_metadata() -> list[dict[str, Any]]:
    """The built-in client registrations (without keys: those are made at start)."""
    return [
        _web("client-basic", client_secret="client-basic-secret"),
        _web(
            "client-post",
            client_secret="client-post-secret",
            token_endpoint_auth_method="client_secret_post",
        ),
        _web(
            "client-secret-jwt",
            client_secret="client-secret-jwt-secret-0123456789abcdef",
            token_endpoint_auth_method="client_secret_jwt",
            token_endpoint_auth_signing_alg="HS256",
        ),
        _web("client-private-jwt", token_endpoint_auth_method="private_key_jwt"),
        _web(
            "client-hs256",
            client_secret="client-hs256-secret-0123456789abcdefghij",
            id_token_signed_response_alg="HS256",
        ),
        _web(
            "client-es256",
            client_secret="client-es256-secret",
            id_token_signed_response_alg="ES256",
            userinfo_signed_response_alg="ES256",
        ),
        {
            "client_id": "client-public",
            "application_type": "native",
            "token_endpoint_auth_method": "none",
            # RFC 8252 §7.3: a native client's loopback IP redirect matches any port.
            # /callback is the grantflow command's default, so `grantflow token` works
            # against this provider without --redirect-uri.
            "redirect_uris": ["http://127.0.0.1/cb", CB, "http://127.0.0.1/callback"],
            "post_logout_redirect_uris": [LOGOUT_CB],
            "response_types": ["code"],
            "grant_types": ["authorization_code", "refresh_token", DEVICE_CODE],
        },
        # RFC 9449 §5.2: tokens of these two are always DPoP-bound; the provider demands
        # its nonce (RFC 9449 §8) in the second one's proofs.
        _web("client-dpop", client_secret="client-dpop-secret", dpop_bound_access_tokens=True),
        _web(
            "client-dpop-nonce",
            client_secret="client-dpop-nonce-secret",
            dpop_bound_access_tokens=True,
            require_dpop_nonce=True,
        ),
        # RFC 9126 §6: this client's authorization requests must be pushed.
        _web(
            "client-par-required",
            client_secret="client-par-required-secret",
            require_pushed_authorization_requests=True,
        ),
        _no_grants("client-m2m", "client-m2m-secret", ["client_credentials"]),
        _no_grants("rs", "rs-secret", []),
    ]


def _no_grants(client_id: str, secret: str, grants: list[str]) -> dict[str, Any]:
    return {
        "client_id": client_id,
        "client_secret": secret,
        "token_endpoint_auth_method": "client_secret_basic",
        "grant_types": grants,
        "response_types": [],
        "redirect_uris": [],
    }


def parse_client(raw: Mapping[str, Any], jwks: KeySet | None = None) -> Client:
    """Turn registration metadata into a :class:`Client`; ``jwks`` holds its public keys."""
    if not isinstance(raw.get("client_id"), str) or not raw["client_id"]:
        raise ValueError("a client registration needs a non-empty 'client_id'")
    method = str(raw.get("token_endpoint_auth_method", "client_secret_basic"))
    secret = raw.get("client_secret")
    if method in SECRET_METHODS and not secret:
        raise ValueError(f"client {raw['client_id']!r} uses {method} but has no client_secret")
    if method == "private_key_jwt" and jwks is None:
        raise ValueError(f"client {raw['client_id']!r} uses private_key_jwt but has no keys")
    return Client(
        client_id=raw["client_id"],
        client_secret=str(secret) if secret else None,
        auth_method=method,
        redirect_uris=tuple(raw.get("redirect_uris", ())),
        post_logout_redirect_uris=tuple(raw.get("post_logout_redirect_uris", ())),
        grant_types=frozenset(raw.get("grant_types", ("authorization_code",))),
        response_types=frozenset(raw.get("response_types", ("code",))),
        application_type=str(raw.get("application_type", "web")),
        id_token_alg=str(raw.get("id_token_signed_response_alg", "RS256")),
        userinfo_alg=raw.get("userinfo_signed_response_alg"),
        assertion_alg=raw.get("token_endpoint_auth_signing_alg"),
        jwks=jwks,
        metadata=copy.deepcopy(dict(raw)),
    )


def merge_registrations(
    base: Iterable[Mapping[str, Any]], extra: Iterable[Mapping[str, Any]] | None
) -> list[dict[str, Any]]:
    """The built-in registrations with ``extra`` added, replacing any of the same id."""
    merged = {str(c["client_id"]): dict(c) for c in base}
    for raw in extra or ():
        merged[str(raw["client_id"])] = dict(raw)
    return list(merged.values())
