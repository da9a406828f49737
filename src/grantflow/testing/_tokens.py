"""Minting tokens: opaque and RFC 9068 JWT access tokens, refresh tokens, ID tokens."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from .._core._id_token import compute_token_hash
from ._config import (
    ACCESS_TOKEN_TTL,
    CLAIMS_BY_SCOPE,
    ID_TOKEN_TTL,
    OIDC_SCOPES,
    REFRESH_TOKEN_TTL,
    Client,
    ResourceServer,
)
from ._context import Context
from ._state import AccessToken, Authorization, RefreshToken, new_handle

__all__ = [
    "access_token_response",
    "issue_access_token",
    "issue_id_token",
    "issue_tokens",
    "scope_claims",
]


def issue_access_token(
    ctx: Context,
    client: Client,
    *,
    sub: str | None,
    scope: tuple[str, ...],
    resource: ResourceServer | None,
    grant: Authorization | None = None,
    jkt: str | None = None,
) -> tuple[str, AccessToken]:
    """An access token: a JWT for a JWT-format resource (RFC 9068), else opaque.

    Without a resource the token is for the UserInfo endpoint (OpenID Connect Core §5.3).
    Both kinds are remembered, so introspection and revocation work for either. With
    ``jkt`` the token is bound to that DPoP key (RFC 9449 §6: ``cnf.jkt`` in a JWT).
    """
    now = ctx.store.now()
    record = AccessToken(
        token="",
        client_id=client.client_id,
        sub=sub,
        scope=scope,
        audience=resource.indicator if resource else None,
        issued_at=now,
        expires_at=now + ACCESS_TOKEN_TTL,
        grant_id=grant.grant_id if grant else None,
        claims=grant.claims.get("userinfo", {}) if grant else {},
        jkt=jkt,
    )
    if resource is not None and resource.token_format == "jwt":
        claims: dict[str, Any] = {
            "iss": ctx.issuer,
            "sub": sub or client.client_id,
            "aud": resource.indicator,
            "client_id": client.client_id,
            "iat": now,
            "exp": record.expires_at,
            "jti": new_handle(),
        }
        if scope:
            claims["scope"] = " ".join(scope)
        if jkt is not None:
            claims["cnf"] = {"jkt": jkt}
        value = ctx.keys.sign(claims, resource.alg, typ="at+jwt")
    else:
        value = new_handle()
    record = replace(record, token=value)
    ctx.store.add_access_token(record)
    return value, record


def access_token_response(value: str, record: AccessToken) -> dict[str, Any]:
    """The access token part of a token response (RFC 6749 §5.1); ``scope`` when not empty."""
    body: dict[str, Any] = {
        "access_token": value,
        "expires_in": record.expires_at - record.issued_at,
        "token_type": "DPoP" if record.jkt is not None else "Bearer",
    }
    if record.scope:
        body["scope"] = " ".join(record.scope)
    return body


def access_token_scope(grant: Authorization, resource: ResourceServer | None) -> tuple[str, ...]:
    """The scopes an access token carries: the resource's, or the OpenID ones for UserInfo."""
    if resource is not None:
        return tuple(s for s in grant.scope if s in resource.scopes)
    return tuple(s for s in grant.scope if s in OIDC_SCOPES)


def issue_tokens(
    ctx: Context,
    client: Client,
    grant: Authorization,
    *,
    resource: ResourceServer | None,
    refresh: bool,
    jkt: str | None = None,
) -> dict[str, Any]:
    """A token response (RFC 6749 §5.1) for a user's grant, with an ID token for ``openid``.

    ``jkt`` binds the access token (and a public client's refresh token) to a DPoP key.
    """
    scope = access_token_scope(grant, resource)
    value, record = issue_access_token(
        ctx, client, sub=grant.sub, scope=scope, resource=resource, grant=grant, jkt=jkt
    )
    body = access_token_response(value, record)
    if refresh:
        now = ctx.store.now()
        refresh_value = new_handle()
        ctx.store.add_refresh_token(
            RefreshToken(
                refresh_value,
                grant,
                grant.scope,
                now,
                now + REFRESH_TOKEN_TTL,
                jkt=jkt if client.is_public else None,
            )
        )
        body["refresh_token"] = refresh_value
    if "openid" in grant.scope:
        body["id_token"] = issue_id_token(ctx, client, grant, access_token=value)
    return body


def scope_claims(
    ctx: Context, sub: str, scope: tuple[str, ...], requested: Mapping[str, Any]
) -> dict[str, Any]:
    """The user's claims released by ``scope`` plus those asked for by name.

    OpenID Connect Core §5.4 (scope values) and §5.5 (the ``claims`` request parameter).
    """
    available = ctx.user_claims(sub)
    names = {name for s in scope for name in CLAIMS_BY_SCOPE.get(s, ())} | set(requested)
    return {k: v for k, v in available.items() if k in names or k == "sub"}


def issue_id_token(
    ctx: Context,
    client: Client,
    grant: Authorization,
    *,
    access_token: str | None,
) -> str:
    """An ID token (OpenID Connect Core §2) signed with the client's registered ``alg``.

    With an access token issued alongside, scope claims go to UserInfo only and the ID
    token carries ``sub`` and protocol claims, as oidc-provider does by default
    (``conformIdTokenClaims``); claims named in the ``claims`` parameter are added.
    """
    now = ctx.store.now()
    requested = grant.claims.get("id_token", {})
    if access_token is None:
        claims = scope_claims(ctx, grant.sub, grant.scope, requested)
    else:
        claims = scope_claims(ctx, grant.sub, (), requested)
    claims.update({"iss": ctx.issuer, "aud": client.client_id, "iat": now})
    claims["exp"] = now + ID_TOKEN_TTL
    if grant.nonce is not None:
        claims["nonce"] = grant.nonce
    if grant.include_auth_time or "auth_time" in requested:
        claims["auth_time"] = grant.auth_time
    if grant.acr is not None or "acr" in requested:
        claims["acr"] = grant.acr or "urn:test:loa:1"
    if "amr" in requested:
        claims["amr"] = ["pwd"]
    if access_token is not None:
        claims["at_hash"] = compute_token_hash(access_token, client.id_token_alg)
    return ctx.keys.sign(claims, client.id_token_alg, secret=client.client_secret)
