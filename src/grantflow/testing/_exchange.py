"""Token exchange (RFC 8693) on the development provider, under a policy.

The policy maps each subject token type the provider accepts to the token type it
issues for it; by default an access or refresh token of this provider is exchanged
for an access token. The subject (and any actor) token must be one this provider
issued and still honours. The new access token is for the calling client, on behalf
of the subject token's user, with a scope no wider than the subject's and an optional
``resource``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ._config import Client, ResourceServer
from ._context import Context
from ._http import Request, oauth_error
from ._tokens import access_token_response, issue_access_token

__all__ = ["ACCESS_TOKEN_TYPE", "DEFAULT_EXCHANGE_POLICY", "TOKEN_EXCHANGE_GRANT", "exchange_grant"]

TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"
REFRESH_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:refresh_token"

#: subject_token_type -> issued_token_type
DEFAULT_EXCHANGE_POLICY: Mapping[str, str] = {
    ACCESS_TOKEN_TYPE: ACCESS_TOKEN_TYPE,
    REFRESH_TOKEN_TYPE: ACCESS_TOKEN_TYPE,
}


def _subject(ctx: Context, value: str, token_type: str) -> tuple[str | None, tuple[str, ...]]:
    """The user and scope of a token this provider issued, or ``invalid_request``
    (RFC 8693 §2.2.2: an invalid subject or actor token is invalid_request)."""
    if token_type == ACCESS_TOKEN_TYPE:
        access = ctx.store.find_access_token(value)
        if access is not None:
            return access.sub, access.scope
    elif token_type == REFRESH_TOKEN_TYPE:
        refresh = ctx.store.find_refresh_token(value)
        if refresh is not None and not refresh.rotated:
            return refresh.grant.sub, refresh.scope
    raise oauth_error("invalid_request", "the subject or actor token is invalid")


def exchange_grant(
    resource_of: Callable[[Request], ResourceServer | None],
) -> Callable[[Context, Client, Request], dict[str, Any]]:
    """The exchange grant handler; ``resource_of`` reads the request's RFC 8707 resource."""

    def grant(ctx: Context, client: Client, request: Request) -> dict[str, Any]:
        subject_token = request.param("subject_token")
        subject_type = request.param("subject_token_type")
        if not subject_token or not subject_type:
            raise oauth_error(
                "invalid_request", "subject_token and subject_token_type are required"
            )
        issued_type = ctx.exchange_policy.get(subject_type)
        if issued_type is None:
            raise oauth_error("invalid_request", "this subject_token_type is not accepted")
        requested = request.param("requested_token_type")
        if requested is not None and requested != issued_type:
            raise oauth_error("invalid_request", "the requested token type cannot be issued")
        sub, scope = _subject(ctx, subject_token, subject_type)
        actor = request.param("actor_token")
        if actor is not None:
            actor_type = request.param("actor_token_type")
            if not actor_type or actor_type not in ctx.exchange_policy:
                raise oauth_error("invalid_request", "the actor_token_type is not accepted")
            _subject(ctx, actor, actor_type)
        wanted = tuple(dict.fromkeys((request.param("scope") or "").split()))
        if wanted and not set(wanted) <= set(scope):
            raise oauth_error("invalid_scope", "the scope is wider than the subject token's")
        value, record = issue_access_token(
            ctx,
            client,
            sub=sub,
            scope=wanted or scope,
            resource=resource_of(request),
            jkt=request.dpop_jkt,
        )
        return {**access_token_response(value, record), "issued_token_type": issued_type}

    return grant
