"""The token endpoint (RFC 6749 §3.2) and its grants.

authorization_code with PKCE (RFC 7636), refresh_token with rotation (RFC 9700
§4.14.2), client_credentials, password, and the JWT bearer grant (RFC 7523 §2.1),
with RFC 8707 resource indicators.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from .._core._dpop import DPOP_NONCE_HEADER
from .._core._pkce import create_code_challenge, is_valid_code_verifier
from ._client_auth import assertion_problem, authenticate_client, verify_client_jwt
from ._config import (
    API_SCOPES,
    DEFAULT_CC_RESOURCE,
    JWT_BEARER,
    OIDC_SCOPES,
    REFRESH_TOKEN_TTL,
    RESOURCE_SERVERS,
    Client,
    ResourceServer,
)
from ._context import Context
from ._device import DEVICE_CODE_GRANT, device_code_grant
from ._dpop import current_nonce, needs_nonce, token_request_proof
from ._exchange import TOKEN_EXCHANGE_GRANT, exchange_grant
from ._http import Request, Response, json_response, oauth_error
from ._keys import peek_claims
from ._state import AuthCode, Authorization, RefreshToken, new_handle
from ._tokens import access_token_response, issue_access_token, issue_tokens

__all__ = ["token_endpoint"]

Grant = Callable[[Context, Client, Request], dict[str, Any]]


def token_endpoint(ctx: Context, request: Request) -> Response:
    """Authenticate the client, check it may use the grant, and run the grant."""
    if request.method != "POST":
        raise oauth_error("invalid_request", "the token endpoint only accepts POST", 405)
    grant_type = request.param("grant_type")
    if not grant_type:
        raise oauth_error("invalid_request", "missing required parameter 'grant_type'")
    url = ctx.endpoint("token_endpoint")
    if grant_type == JWT_BEARER and not _has_credentials(request):
        # RFC 7523 §3.1: client authentication is optional with an assertion grant.
        request = replace(request, dpop_jkt=token_request_proof(ctx, None, request, url))
        return json_response(_jwt_bearer(ctx, None, request))
    client = authenticate_client(ctx, request, url)
    handler = _GRANTS.get(grant_type)
    if handler is None:
        raise oauth_error("unsupported_grant_type", f"unsupported grant_type '{grant_type}'")
    if grant_type not in client.grant_types:
        raise oauth_error(
            "unauthorized_client", "requested grant type is not allowed for this client"
        )
    request = replace(request, dpop_jkt=token_request_proof(ctx, client, request, url))
    # RFC 9449 §8.2: a fresh nonce may come with any response, for the next proof.
    nonce = ((DPOP_NONCE_HEADER, current_nonce(ctx)),) if needs_nonce(client) else ()
    return json_response(handler(ctx, client, request), headers=nonce)


def _has_credentials(request: Request) -> bool:
    return bool(
        request.headers.get("authorization")
        or request.param("client_assertion")
        or request.param("client_secret")
    )


def _resource(request: Request) -> ResourceServer | None:
    """The one RFC 8707 ``resource`` of a token request; unknown ones are ``invalid_target``."""
    values = request.form.get("resource", ())
    if len(values) > 1:
        raise oauth_error("invalid_target", "only a single resource indicator value is supported")
    if not values:
        return None
    found = RESOURCE_SERVERS.get(values[0])
    if found is None:
        raise oauth_error("invalid_target", "resource indicator is missing, or unknown")
    return found


def _requested_scope(request: Request) -> tuple[str, ...]:
    return tuple(dict.fromkeys((request.param("scope") or "").split()))


# -- authorization_code ------------------------------------------------------------------


def _authorization_code(ctx: Context, client: Client, request: Request) -> dict[str, Any]:
    """RFC 6749 §4.1.3 with PKCE (RFC 7636 §4.6): the code, once, by its own client."""
    value = request.param("code")
    if not value:
        raise oauth_error("invalid_request", "missing required parameter 'code'")
    redirect_uri = request.param("redirect_uri")
    verifier = request.param("code_verifier")

    def check(code: AuthCode) -> None:
        if code.grant.client_id != client.client_id:
            raise oauth_error("invalid_grant", "grant request is invalid (client mismatch)")
        if code.redirect_uri is not None and redirect_uri != code.redirect_uri:
            raise oauth_error("invalid_grant", "grant request is invalid (redirect_uri mismatch)")
        _check_pkce(code.code_challenge, verifier)
        if code.dpop_jkt is not None and code.dpop_jkt != request.dpop_jkt:
            # RFC 9449 §10: the code is bound to the key named by dpop_jkt.
            raise oauth_error("invalid_grant", "the DPoP proof's key is not the code's dpop_jkt")

    code = ctx.store.redeem_code(value, check)
    if code is None:
        raise oauth_error("invalid_grant", "grant request is invalid")
    resource = _resource(request)
    if resource and code.grant.resources and resource.indicator not in code.grant.resources:
        raise oauth_error("invalid_target", "resource was not part of the authorization")
    refresh = "refresh_token" in client.grant_types
    return issue_tokens(
        ctx, client, code.grant, resource=resource, refresh=refresh, jkt=request.dpop_jkt
    )


def _check_pkce(challenge: str | None, verifier: str | None) -> None:
    if challenge is None:
        if verifier is not None:
            raise oauth_error("invalid_grant", "PKCE verification failed (no code_challenge)")
        return
    if verifier is None or not is_valid_code_verifier(verifier):
        raise oauth_error("invalid_grant", "PKCE verification failed")
    if not hmac.compare_digest(create_code_challenge(verifier, "S256"), challenge):
        raise oauth_error("invalid_grant", "PKCE verification failed")


# -- refresh_token ----------------------------------------------------------------------


def _refresh_token(ctx: Context, client: Client, request: Request) -> dict[str, Any]:
    """RFC 6749 §6 with rotation: a new refresh token each time, reuse revokes the grant."""
    value = request.param("refresh_token")
    if not value:
        raise oauth_error("invalid_request", "missing required parameter 'refresh_token'")
    requested = _requested_scope(request)

    def check(token: RefreshToken) -> None:
        if requested and not set(requested) <= set(token.scope):
            raise oauth_error("invalid_scope", "refresh token missing requested scope")
        if token.jkt is not None and token.jkt != request.dpop_jkt:
            # RFC 9449 §5: a public client's refresh token is bound to its DPoP key.
            raise oauth_error("invalid_grant", "the refresh token is bound to another DPoP key")

    old = ctx.store.rotate_refresh_token(value, client.client_id, check)
    if old is None:
        raise oauth_error("invalid_grant", "grant request is invalid")
    resource = _resource(request)
    grant = replace(old.grant, scope=requested or old.scope)
    body = issue_tokens(ctx, client, grant, resource=resource, refresh=False, jkt=request.dpop_jkt)
    # RFC 6749 §6: the new refresh token keeps the scope of the one it replaces.
    replacement, now = new_handle(), ctx.store.now()
    ctx.store.add_refresh_token(
        replace(old, token=replacement, issued_at=now, expires_at=now + REFRESH_TOKEN_TTL)
    )
    body["refresh_token"] = replacement
    return body


# -- client_credentials -------------------------------------------------------------------


def _client_credentials(ctx: Context, client: Client, request: Request) -> dict[str, Any]:
    """RFC 6749 §4.4: a token for the client itself, for a resource (default: opaque API)."""
    resource = _resource(request) or RESOURCE_SERVERS[DEFAULT_CC_RESOURCE]
    scope = _requested_scope(request)
    if not set(scope) <= resource.scopes:
        raise oauth_error("invalid_scope", "requested scope is not allowed")
    value, record = issue_access_token(
        ctx, client, sub=None, scope=scope, resource=resource, jkt=request.dpop_jkt
    )
    return access_token_response(value, record)


# -- password -------------------------------------------------------------------------------


def _password(ctx: Context, client: Client, request: Request) -> dict[str, Any]:
    """RFC 6749 §4.3, for tests only (RFC 9700 §2.4 forbids it in production)."""
    username, password = request.param("username"), request.param("password")
    if not username or not password:
        raise oauth_error("invalid_request", "username and password are required")
    user = ctx.users.get(username)
    expected = str(user.get("password", "")) if user else ""
    if not user or not hmac.compare_digest(password.encode(), expected.encode()):
        raise oauth_error("invalid_grant", "invalid resource owner credentials")
    resource = _resource(request)
    grant = _user_grant(ctx, client, username, _requested_scope(request), resource)
    refresh = "refresh_token" in client.grant_types and resource is None
    return issue_tokens(
        ctx, client, grant, resource=resource, refresh=refresh, jkt=request.dpop_jkt
    )


def _user_grant(
    ctx: Context,
    client: Client,
    sub: str,
    requested: tuple[str, ...],
    resource: ResourceServer | None,
) -> Authorization:
    known = OIDC_SCOPES | (resource.scopes if resource else frozenset())
    return Authorization(
        client_id=client.client_id,
        sub=sub,
        scope=tuple(s for s in requested if s in known),
        auth_time=ctx.store.now(),
        grant_id=new_handle(),
        include_auth_time=True,
    )


# -- JWT bearer -------------------------------------------------------------------------------


def _jwt_bearer(ctx: Context, client: Client | None, request: Request) -> dict[str, Any]:
    """RFC 7523 §2.1: a token for the assertion's issuer, acting as itself or a user.

    The issuer is a registered client whose keys (``private_key_jwt`` clients) or
    secret (HMAC) sign the assertion; ``sub`` is that client or a known user.
    """
    assertion = request.param("assertion")
    if not assertion:
        raise oauth_error("invalid_request", "missing required parameter 'assertion'")
    issuer = _assertion_issuer(ctx, assertion)
    if client is not None and client.client_id != issuer.client_id:
        raise oauth_error("invalid_grant", "the assertion was issued by another client")
    if JWT_BEARER not in issuer.grant_types:
        raise oauth_error("unauthorized_client", "requested grant type is not allowed")
    try:
        claims = verify_client_jwt(issuer, assertion, allow_secret=True)
    except ValueError as exc:
        raise oauth_error("invalid_grant", f"invalid assertion: {exc}") from None
    audiences = {ctx.endpoint("token_endpoint"), ctx.issuer}
    problem = assertion_problem(claims, audiences, ctx.store.now(), require_jti=False)
    if problem:
        raise oauth_error("invalid_grant", f"invalid assertion: {problem}")
    jti = claims.get("jti")
    if isinstance(jti, str) and not ctx.store.first_use_of_jti(
        "assertion:" + issuer.client_id, jti, float(claims["exp"])
    ):
        raise oauth_error("invalid_grant", "assertion tokens must only be used once")
    sub = claims.get("sub", issuer.client_id)
    if sub != issuer.client_id and sub not in ctx.users:
        raise oauth_error("invalid_grant", "the assertion's 'sub' is not a known user")
    resource = _resource(request)
    known = (OIDC_SCOPES if sub in ctx.users else frozenset()) | (
        resource.scopes if resource else API_SCOPES
    )
    scope = tuple(s for s in _requested_scope(request) if s in known)
    value, record = issue_access_token(
        ctx, issuer, sub=str(sub), scope=scope, resource=resource, jkt=request.dpop_jkt
    )
    return access_token_response(value, record)


def _assertion_issuer(ctx: Context, assertion: str) -> Client:
    try:
        iss = peek_claims(assertion).get("iss")
    except ValueError:
        raise oauth_error("invalid_grant", "the assertion is not a JWT") from None
    found = ctx.clients.get(iss) if isinstance(iss, str) else None
    if found is None or found.is_public:
        raise oauth_error("invalid_grant", "the assertion's issuer is not a registered client")
    return found


_GRANTS: dict[str, Grant] = {
    "authorization_code": _authorization_code,
    "refresh_token": _refresh_token,
    "client_credentials": _client_credentials,
    "password": _password,
    JWT_BEARER: _jwt_bearer,
    DEVICE_CODE_GRANT: device_code_grant,
    TOKEN_EXCHANGE_GRANT: exchange_grant(_resource),
}
