"""The access token a protected resource of the provider (UserInfo) was given.

A bearer token comes in the Authorization header or, on POST, the form body (RFC 6750
§2.1-2.2), never in the query. A DPoP-bound token comes only as ``Authorization: DPoP``
with a proof of its key carrying its ``ath`` (RFC 9449 §7.1); as a bearer token it is
refused, which is what makes a stolen one worthless.
"""

from __future__ import annotations

from ._context import Context
from ._dpop import DPoPError, needs_nonce, verify_proof
from ._http import Request, oauth_error
from ._state import AccessToken

__all__ = ["presented_token"]


def presented_token(ctx: Context, request: Request, url: str) -> AccessToken:
    """The live access token of a request to the resource at ``url``, checked as its
    scheme demands; ``invalid_token`` (401) otherwise."""
    if "access_token" in request.query:
        raise oauth_error("invalid_request", "access tokens must not be provided in the query")
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    in_body = request.param("access_token") if request.method == "POST" else None
    if header and in_body:
        raise oauth_error("invalid_request", "access token must only be provided once")
    if scheme.lower() == "dpop":
        return _dpop_token(ctx, request, url, credentials.strip())
    value = credentials.strip() if scheme.lower() == "bearer" else in_body
    if not value:
        raise oauth_error("invalid_token", "no access token provided", 401)
    token = ctx.store.find_access_token(value)
    if token is None:
        raise oauth_error("invalid_token", "invalid token provided", 401)
    if token.jkt is not None:
        # RFC 9449 §7.2: a DPoP-bound token must not be accepted as a bearer token.
        raise DPoPError(
            "invalid_token", "the token is DPoP-bound: send it with a proof", status_code=401
        )
    return token


def _dpop_token(ctx: Context, request: Request, url: str, value: str) -> AccessToken:
    token = ctx.store.find_access_token(value) if value else None
    if token is None or token.jkt is None:
        raise DPoPError("invalid_token", "invalid token provided", status_code=401)
    owner = ctx.clients.get(token.client_id)
    jkt = verify_proof(ctx, request, url, access_token=value, nonce=needs_nonce(owner), status=401)
    if jkt is None:
        raise DPoPError("invalid_dpop_proof", "a DPoP proof is required", status_code=401)
    if jkt != token.jkt:
        # RFC 9449 §7.1: the proof's key must be the one the token is bound to.
        raise DPoPError("invalid_token", "the DPoP proof's key is not the token's", status_code=401)
    return token
