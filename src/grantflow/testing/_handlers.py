"""Routing, and the endpoints that read state: discovery, JWKS, UserInfo, introspection,
revocation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._core._client_auth import METHOD_NAMES, TLS_METHODS
from ..errors import OAuthError
from ._authorize import authorization_endpoint
from ._client_auth import authenticate_client
from ._config import ACR_VALUES, CLAIMS_BY_SCOPE, JWT_BEARER, SCOPES, Client
from ._context import INTERACTION_PATH, PATHS, Context
from ._device import DEVICE_CODE_GRANT, DEVICE_PAGE, device_authorization_endpoint, device_page
from ._dpop import DPOP_ALGS, DPoPError, dpop_error_response, verify_proof
from ._exchange import TOKEN_EXCHANGE_GRANT
from ._grants import token_endpoint
from ._http import Request, Response, error_response, json_response, oauth_error
from ._pages import end_session_endpoint, interaction_endpoint
from ._par import pushed_authorization_endpoint
from ._registration import registration_endpoint
from ._resource import presented_token
from ._tokens import scope_claims

__all__ = ["discovery_document", "dispatch"]

Endpoint = Callable[[Context, Request], Response]
_SIGNING_ALGS = ["RS256", "PS256", "ES256", "HS256"]
#: All but mutual TLS, which this provider does not serve.
_AUTH_METHODS = [name for name in METHOD_NAMES if name not in TLS_METHODS]


def discovery_document(ctx: Context) -> dict[str, Any]:
    """OpenID Connect Discovery 1.0 §3 / RFC 8414 §2 metadata, endpoints from the issuer."""
    doc: dict[str, Any] = {"issuer": ctx.issuer}
    doc.update({name: ctx.endpoint(name) for name in PATHS})
    claims = sorted({c for names in CLAIMS_BY_SCOPE.values() for c in names})
    doc.update(
        {
            "scopes_supported": list(SCOPES),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query", "fragment", "form_post"],
            "grant_types_supported": [
                "authorization_code",
                "refresh_token",
                "client_credentials",
                "password",
                JWT_BEARER,
                DEVICE_CODE_GRANT,
                TOKEN_EXCHANGE_GRANT,
            ],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": _SIGNING_ALGS,
            "userinfo_signing_alg_values_supported": _SIGNING_ALGS,
            "token_endpoint_auth_methods_supported": _AUTH_METHODS,
            "token_endpoint_auth_signing_alg_values_supported": _SIGNING_ALGS,
            "introspection_endpoint_auth_methods_supported": _AUTH_METHODS,
            "revocation_endpoint_auth_methods_supported": _AUTH_METHODS,
            "code_challenge_methods_supported": ["S256"],
            "authorization_response_iss_parameter_supported": True,
            "claims_parameter_supported": True,
            "request_parameter_supported": False,
            "request_uri_parameter_supported": False,
            # RFC 9126 §5: PAR is offered, and required only of clients registered so.
            "require_pushed_authorization_requests": False,
            # RFC 9449 §5.1: the algorithms accepted in DPoP proofs.
            "dpop_signing_alg_values_supported": list(DPOP_ALGS),
            "claim_types_supported": ["normal"],
            "claims_supported": ["sub", "iss", "acr", "amr", "auth_time", *claims],
            "acr_values_supported": list(ACR_VALUES),
            "prompt_values_supported": ["none", "login", "consent", "select_account"],
        }
    )
    return doc


def _discovery(ctx: Context, request: Request) -> Response:
    return json_response(discovery_document(ctx))


def _jwks(ctx: Context, request: Request) -> Response:
    return json_response(ctx.keys.public_jwks)


def _userinfo(ctx: Context, request: Request) -> Response:
    """OpenID Connect Core §5.3: the user's claims for a UserInfo access token.

    A bearer token comes in the Authorization header or, on POST, the form body (RFC 6750
    §2.1-2.2); a DPoP-bound one as ``Authorization: DPoP`` with its proof (RFC 9449 §7).
    """
    token = presented_token(ctx, request, ctx.endpoint("userinfo_endpoint"))
    if token.sub is None:
        raise oauth_error("invalid_token", "invalid token provided", 401)
    if token.audience is not None:
        raise oauth_error(
            "invalid_token", "token audience prevents accessing the userinfo endpoint", 401
        )
    if "openid" not in token.scope:
        raise oauth_error("insufficient_scope", "access token missing 'openid' scope", 403)
    claims = scope_claims(ctx, token.sub, token.scope, token.claims)
    client = ctx.clients.get(token.client_id)
    if client is not None and client.userinfo_alg:
        # OpenID Connect Core §5.3.2: a signed response carries iss and aud.
        signed = ctx.keys.sign(
            {**claims, "iss": ctx.issuer, "aud": client.client_id},
            client.userinfo_alg,
            secret=client.client_secret,
        )
        return Response(
            200,
            (("Content-Type", "application/jwt; charset=utf-8"), ("Cache-Control", "no-store")),
            signed.encode(),
        )
    return json_response(claims)


def _client_and_token(ctx: Context, request: Request, endpoint: str) -> tuple[Client, str]:
    """The authenticated client and the ``token`` parameter (RFC 7662 §2.1, RFC 7009 §2.1)."""
    if request.method != "POST":
        raise oauth_error("invalid_request", "this endpoint only accepts POST", 405)
    client = authenticate_client(ctx, request, ctx.endpoint(endpoint))
    # A client holding DPoP-bound tokens sends a proof here too: it has to be valid.
    verify_proof(ctx, request, ctx.endpoint(endpoint))
    value = request.param("token")
    if not value:
        raise oauth_error("invalid_request", "missing required parameter 'token'")
    return client, value


def _introspection(ctx: Context, request: Request) -> Response:
    """RFC 7662 §2: whether a token is active, and what it is for."""
    client, value = _client_and_token(ctx, request, "introspection_endpoint")
    body: dict[str, Any]
    access = ctx.store.find_access_token(value)
    refresh = None if access else ctx.store.find_refresh_token(value)
    if access is not None:
        body = {"client_id": access.client_id, "exp": access.expires_at}
        body.update({"iat": access.issued_at, "sub": access.sub, "token_type": "Bearer"})
        body.update({"aud": access.audience, "scope": " ".join(access.scope) or None})
        if access.jkt is not None:
            # RFC 9449 §6.2: the key the token is bound to.
            body.update({"token_type": "DPoP", "cnf": {"jkt": access.jkt}})
        owner = access.client_id
    elif refresh is not None:
        body = {"client_id": refresh.grant.client_id, "exp": refresh.expires_at}
        body.update({"iat": refresh.issued_at, "sub": refresh.grant.sub})
        body["scope"] = " ".join(refresh.scope) or None
        owner = refresh.grant.client_id
    else:
        return json_response({"active": False})
    # oidc-provider's default policy: a public client may introspect only its own tokens.
    if client.is_public and owner != client.client_id:
        return json_response({"active": False})
    body = {"active": True, "iss": ctx.issuer, **{k: v for k, v in body.items() if v is not None}}
    return json_response(body)


def _revocation(ctx: Context, request: Request) -> Response:
    """RFC 7009 §2: revoke a token of the calling client; unknown tokens are a 200 too."""
    client, value = _client_and_token(ctx, request, "revocation_endpoint")
    if not ctx.store.revoke(value, client.client_id):
        raise oauth_error("invalid_request", "this token does not belong to you")
    return Response(200, (("Cache-Control", "no-store"),))


_ROUTES: dict[str, Endpoint] = {
    "/.well-known/openid-configuration": _discovery,
    "/.well-known/oauth-authorization-server": _discovery,
    PATHS["jwks_uri"]: _jwks,
    PATHS["authorization_endpoint"]: authorization_endpoint,
    PATHS["token_endpoint"]: token_endpoint,
    PATHS["userinfo_endpoint"]: _userinfo,
    PATHS["introspection_endpoint"]: _introspection,
    PATHS["revocation_endpoint"]: _revocation,
    PATHS["end_session_endpoint"]: end_session_endpoint,
    PATHS["device_authorization_endpoint"]: device_authorization_endpoint,
    PATHS["registration_endpoint"]: registration_endpoint,
    PATHS["pushed_authorization_request_endpoint"]: pushed_authorization_endpoint,
    DEVICE_PAGE: device_page,
}


def dispatch(ctx: Context, request: Request) -> Response:
    """Route a request to its endpoint; an ``OAuthError`` becomes its JSON error body."""
    endpoint = _ROUTES.get(request.path)
    if endpoint is None and request.path.startswith(INTERACTION_PATH):
        endpoint = interaction_endpoint
    if endpoint is None:
        return error_response(oauth_error("invalid_request", "unrecognized route", 404), ctx.issuer)
    try:
        return endpoint(ctx, request)
    except DPoPError as exc:
        return dpop_error_response(ctx, exc)
    except OAuthError as exc:
        return error_response(exc, ctx.issuer)
