"""Getting and renewing tokens: every grant, the implicit callback, refresh, and renewal.

The token source decides *when* to renew (once per expiry, for any number of threads or
tasks); :func:`renew` decides *how*: a fresh assertion for the JWT bearer grant, the
refresh grant when there is a refresh token, else the grant that got the current token
when it can be repeated (client credentials), else a typed error. ``update_token`` hears
of every renewal once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._core._authorization import AuthorizationRequest, ValidatedCallback, implied_response_type
from .._core._exchange import TOKEN_EXCHANGE_GRANT
from .._core._grants import (
    AUTHORIZATION_CODE,
    CLIENT_CREDENTIALS,
    PASSWORD,
    REFRESH_TOKEN,
    build_token_request,
    guess_grant,
)
from .._core._indicators import indicator_params
from .._core._params import scope_to_str
from .._core._token import OAuth2Token
from .._flows._drive import Call, Flow
from .._sources._source import Lookup, TokenSource
from ..errors import (
    InvalidIDTokenError,
    InvalidResponseError,
    InvalidTokenError,
    MissingTokenError,
    OAuthError,
)
from ._authorize import consume, validate_callback
from ._call import TokenCall
from ._compat import check_token_request_keywords
from ._dpop import token_request
from ._join import join_renewal
from ._metadata import endpoint, optional_endpoint
from ._oidc import check_front_channel_id_token, check_token_id_token
from ._refetch import RefetchSpec

if TYPE_CHECKING:
    from ._client import Client

__all__ = [
    "NO_TOKEN",
    "current_token",
    "ensure_active_token",
    "fetch_token",
    "refresh_token",
    "renew",
    "token_from_fragment",
]

#: What a request without a token and without a way to get one is told.
NO_TOKEN = "no access token: fetch one first (fetch_token) or give token="


def fetch_token(
    client: Client,
    call: TokenCall | None = None,
    grant_type: str | None = None,
    state: str | None = None,
    **kwargs: Any,
) -> Flow[OAuth2Token]:
    """Obtain a token: code (from a callback or ``code=``), password, client credentials,
    the JWT bearer grant of an assertion client, or any extension grant; an ID token in
    the answer is validated first."""
    call = call or TokenCall()
    if client.assertion is not None:
        grant_type, kwargs = client.assertion.fetch_params(client, grant_type, kwargs)
    check_token_request_keywords("fetch_token", kwargs)
    # requests-oauthlib names the endpoint token_url=; it means url, never a form field.
    if not call.url and "token_url" in kwargs:
        call = call.at(kwargs.pop("token_url"))
    authorization_response = kwargs.pop("authorization_response", None)
    code = kwargs.pop("code", None)
    code_verifier = kwargs.pop("code_verifier", None)
    nonce = kwargs.pop("nonce", None)
    _check_indicators(kwargs)
    record: AuthorizationRequest | None = None
    callback: ValidatedCallback | None = None
    verifier_unknown = False
    if authorization_response is not None:
        callback, record = yield from validate_callback(client, authorization_response, state)
        code = callback.code
        if not code:
            response_type = (
                record.response_type if record else implied_response_type(callback.params)
            )
            if response_type and "code" not in response_type.split():
                # An implicit response (RFC 6749 §4.2.2): the token is in the callback.
                return (yield from _implicit_token(client, callback, record, nonce))
            raise InvalidResponseError(description="the authorization response has no code")
        verifier_unknown = _verifier_unknown(client, record, code_verifier)
    elif code is not None and state is not None:
        record = consume(client, state)
    grant = grant_type or guess_grant(kwargs, code, client.authorization_default("grant_type"))
    front_claims = None
    if grant == AUTHORIZATION_CODE and callback is not None:
        front_claims = yield from check_front_channel_id_token(client, callback, record, nonce)
    params = _grant_params(client, grant, kwargs, code, code_verifier, record)
    try:
        token = yield from _request_token(client, call, grant, params, "access_token")
    except OAuthError as exc:
        if verifier_unknown and exc.error == "invalid_grant":
            _add_verifier_hint(exc)
        raise
    token = yield from check_token_id_token(
        client,
        token,
        nonce=nonce or (record.nonce if record else None),
        max_age=record.max_age if record else None,
        response_type=record.response_type if record else None,
        bound_to=front_claims,
        code=code if grant == AUTHORIZATION_CODE else None,
    )
    if grant == TOKEN_EXCHANGE_GRANT:
        # RFC 8693: the issued token is for whoever asked (a downstream call, an actor);
        # the client's own token stays (api.md §13).
        return token
    # Only the grant of the current token may renew it: a password token must never be
    # replaced by a client-credentials one (another identity).
    client.refetch = None
    if grant == CLIENT_CREDENTIALS:
        client.refetch = RefetchSpec(call, params)
    client.source.set(token)
    return token


def _request_token(
    client: Client,
    call: TokenCall,
    grant: str,
    params: Mapping[str, Any],
    purpose: str,
    previous_refresh_token: str | None = None,
) -> Flow[OAuth2Token]:
    """One token request for ``grant`` shaped by ``call`` (the metadata's token endpoint
    unless it names another), sent as :func:`token_request` does."""
    endpoint_url = call.url or (yield from endpoint(client, "token_endpoint"))
    request = build_token_request(
        endpoint_url, grant, params, body=call.body, method=call.method, headers=call.headers
    )
    return (
        yield from token_request(
            client,
            request,
            purpose=purpose,
            client_auth=client.client_auth(call.auth),
            previous_refresh_token=previous_refresh_token,
            options=call.options,
        )
    )


def _check_indicators(kwargs: dict[str, Any]) -> None:
    """Check ``resource`` (RFC 8707) and ``authorization_details`` (RFC 9396) among a
    request's parameters before anything is sent; they go out as those RFCs ask."""
    if "resource" in kwargs or "authorization_details" in kwargs:
        checked = indicator_params(
            kwargs.pop("resource", None), kwargs.pop("authorization_details", None)
        )
        kwargs.update(checked)


def _grant_params(
    client: Client,
    grant: str,
    kwargs: dict[str, Any],
    code: str | None,
    code_verifier: str | None,
    record: AuthorizationRequest | None,
) -> dict[str, Any]:
    """The form parameters of ``grant`` (RFC 6749 §4.1.3, §4.3.2, §4.4.2) plus ``kwargs``."""
    params: dict[str, Any] = {}
    if grant == AUTHORIZATION_CODE:
        params = {
            "code": code,
            "redirect_uri": kwargs.pop("redirect_uri", None)
            or (record.redirect_uri if record else None)
            or client.redirect_uri,
            "code_verifier": code_verifier or (record.code_verifier if record else None),
        }
    elif grant == PASSWORD:
        params = {
            "username": kwargs.pop("username", None),
            "password": kwargs.pop("password", None),
            "scope": kwargs.pop("scope", client.scope),
        }
    elif grant == CLIENT_CREDENTIALS:
        params = {"scope": kwargs.pop("scope", client.scope)}
    params.update(kwargs)
    if "scope" in params:
        params["scope"] = scope_to_str(params["scope"])
    return params


def _verifier_unknown(
    client: Client, record: AuthorizationRequest | None, code_verifier: str | None
) -> bool:
    """Whether a code is redeemed without the PKCE verifier its request may have carried.

    A callback checked against a ``state`` given by hand (the constructor's, or
    ``state=``) answers a request another session made; with PKCE on (the default) that
    request may have carried a ``code_challenge``, and the server then refuses the code
    (RFC 7636 §4.6). The request is still sent: the other session may have sent none.
    """
    return record is None and not code_verifier and bool(client.code_challenge_method)


def _add_verifier_hint(exc: OAuthError) -> None:
    """Say why an ``invalid_grant`` may have come: the verifier was not sent."""
    hint = (
        "no PKCE code_verifier was sent: this callback answers a request this session did "
        "not make; pass code_verifier= (and nonce= for OpenID) as remembered by "
        "authorization_request(state) in the session that made the URL"
    )
    exc.description = f"{exc.description}; {hint}" if exc.description else hint
    exc.args = (str(exc),)


def token_from_fragment(
    client: Client, authorization_response: Any, state: str | None = None, nonce: str | None = None
) -> Flow[OAuth2Token]:
    """The token of an implicit (or ``id_token``) response, after the callback checks.

    ``nonce`` is for a callback completed by another process than the one that made
    the authorization URL (see ``authorization_request``).
    """
    callback, record = yield from validate_callback(client, authorization_response, state)
    return (yield from _implicit_token(client, callback, record, nonce))


def _implicit_token(
    client: Client,
    callback: ValidatedCallback,
    record: AuthorizationRequest | None,
    nonce: str | None,
) -> Flow[OAuth2Token]:
    """The token an implicit callback carries, its ID token validated (OIDC Core §3.2.2)."""
    params = dict(callback.params)
    if not params.get("access_token") and not params.get("id_token"):
        raise InvalidResponseError(
            description="the authorization response has neither access_token nor id_token"
        )
    response_type = record.response_type if record else implied_response_type(params)
    if "id_token" in response_type.split() and not params.get("id_token"):
        # OIDC Core §3.2.2.5: the ID token asked for binds the response to the nonce.
        raise InvalidIDTokenError("id_token", "the implicit response carries no ID token")
    token = yield from check_token_id_token(
        client,
        OAuth2Token(params),
        nonce=nonce or (record.nonce if record else None),
        nonce_required=True,
        max_age=record.max_age if record else None,
        response_type=response_type,
        front_channel=True,
    )
    if token.get("access_token"):
        client.source.set(token)
    return token


def refresh_token(
    client: Client, call: TokenCall | None = None, refresh_token: str | None = None, **kwargs: Any
) -> Flow[OAuth2Token]:
    """Refresh the token (RFC 6749 §6); the old refresh token is kept if none comes back."""
    check_token_request_keywords("refresh_token", kwargs)
    previous = client.source.token
    old_refresh = refresh_token or (previous.get("refresh_token") if previous else None)
    if not old_refresh:
        raise MissingTokenError(description="no refresh token to refresh with")
    _check_indicators(kwargs)
    token = yield from _refresh(client, call or TokenCall(), old_refresh, previous, kwargs)
    client.source.set(token)
    yield from _notify_update(client, token, previous, refreshed_with=old_refresh)
    return token


def _refresh(
    client: Client,
    call: TokenCall,
    old_refresh: str,
    previous: OAuth2Token | None,
    kwargs: Mapping[str, Any] | None = None,
) -> Flow[OAuth2Token]:
    params = {"refresh_token": old_refresh, **(kwargs or {})}
    if "scope" in params:
        params["scope"] = scope_to_str(params["scope"])
    token = yield from _request_token(
        client, call, REFRESH_TOKEN, params, "refresh_token", previous_refresh_token=old_refresh
    )
    return (yield from check_token_id_token(client, token, previous=previous))


def _refetch(client: Client) -> Flow[OAuth2Token]:
    """A new token by the remembered client-credentials grant (no state is changed)."""
    spec = client.refetch
    if spec is None:
        spec = RefetchSpec(TokenCall(), {"scope": scope_to_str(client.scope)})
    token = yield from _request_token(
        client, spec.call, CLIENT_CREDENTIALS, spec.params, "access_token"
    )
    return (yield from check_token_id_token(client, token))


def _can_refetch(client: Client) -> Flow[bool]:
    if client.refetch is not None:
        return True
    if client.authorization_default("grant_type") != CLIENT_CREDENTIALS:
        return False
    return bool((yield from optional_endpoint(client, "token_endpoint")))


def can_renew(client: Client, token: OAuth2Token | None) -> Flow[bool]:
    """Whether :func:`renew` has a way to replace ``token``."""
    if client.assertion is not None:
        return True
    if token is not None and token.get("refresh_token"):
        return True
    return (yield from _can_refetch(client))


def renew(client: Client, current: OAuth2Token | None) -> Flow[OAuth2Token]:
    """A renewed token for ``current``: a fresh assertion, a refresh, or a re-fetch."""
    if client.assertion is not None:
        # RFC 7523 §2.1: a service account pays for every token with a new assertion,
        # never with a refresh token (api.md §7).
        renewed: OAuth2Token = yield from client.assertion.fetch(client)
        return renewed
    if current is not None and current.get("refresh_token"):
        url = yield from optional_endpoint(client, "token_endpoint")
        if url is None:
            # api.md §8: an expired token that cannot be renewed is InvalidTokenError,
            # whatever is missing; the message says what would renew it.
            raise InvalidTokenError(
                description="the access token has expired and no token_endpoint is known "
                "to refresh it: give token_endpoint= or server_metadata_url="
            )
        return (yield from _refresh(client, TokenCall(url), current["refresh_token"], current))
    if (yield from _can_refetch(client)):
        return (yield from _refetch(client))
    if current is None:
        raise MissingTokenError(description=NO_TOKEN)
    raise InvalidTokenError(
        description="the access token has expired and there is no refresh token or "
        "client-credentials grant to renew it with"
    )


def _notify_update(
    client: Client,
    token: OAuth2Token,
    previous: OAuth2Token | None,
    *,
    refreshed_with: str | None = None,
) -> Flow[None]:
    if client.update_token is None:
        return
    if refreshed_with is not None:
        yield Call(client.update_token, token, refresh_token=refreshed_with)
    else:
        old_access = previous.get("access_token") if previous else None
        yield Call(client.update_token, token, access_token=old_access)


def current_token(client: Client, source: TokenSource | None = None) -> Flow[OAuth2Token | None]:
    """The token to send from ``source`` (the client's by default), renewed first when due."""
    source = source or client.source
    token = source.token
    if source.is_fresh(token, client.leeway):
        return token
    lookup: Lookup = yield join_renewal(source, client.leeway, lambda cur: renew(client, cur))
    if lookup.renewed and lookup.token is not None:
        previous = lookup.previous
        refreshed_with = previous.get("refresh_token") if previous else None
        yield from _notify_update(client, lookup.token, previous, refreshed_with=refreshed_with)
    return lookup.token


def ensure_active_token(
    client: Client, token: Mapping[str, Any] | None = None, source: TokenSource | None = None
) -> Flow[bool]:
    """Renew the token when it is due: True when valid or renewed, False when it cannot be."""
    source = source or client.source
    if token is not None and token is not source.token:
        source.set(dict(token))
    try:
        return (yield from current_token(client, source)) is not None
    except (InvalidTokenError, MissingTokenError):
        return False
