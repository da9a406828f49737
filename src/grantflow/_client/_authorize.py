"""The front channel: authorization URLs, the requests outstanding, and their callbacks.

Every authorization request the client creates is remembered by its ``state`` (with
the PKCE verifier, nonce and redirect URI) until a callback with that state arrives;
each record is used once (api.md §9).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._core._authorization import (
    AuthorizationRequest,
    ValidatedCallback,
    callback_state,
    parse_callback,
)
from .._core._authorization import validate_callback as check_callback
from .._core._https import check_secure_transport
from .._core._indicators import indicator_params
from .._core._params import scope_to_str
from .._core._pkce import create_code_challenge, generate_code_verifier
from .._core._random import constant_time_equal, generate_token
from .._flows._drive import Flow
from ..errors import InvalidResponseError, MismatchingStateError
from ._jarm import is_jwt_response_mode, verified_jarm_params
from ._metadata import endpoint, ensure_metadata
from ._par import authorization_url_for
from ._profile import FAPI2

if TYPE_CHECKING:
    from ._client import Client

__all__ = [
    "AuthorizationRecord",
    "authorization_request",
    "create_authorization_url",
    "validate_callback",
]


class AuthorizationRecord(dict[str, Any]):
    """The JSON-serialisable record of a request, for the process that gets the callback.

    It must carry the PKCE verifier and nonce; its repr hides them, so logging it
    ("stored %r") writes no secret.
    """

    def __repr__(self) -> str:
        shown = {
            k: ("***" if k in ("code_verifier", "nonce") and v is not None else v)
            for k, v in self.items()
        }
        return f"AuthorizationRecord({shown!r})"

    __str__ = __repr__


#: How many outstanding authorization requests a client remembers (oldest dropped first).
MAX_OUTSTANDING_REQUESTS = 64

_PASSED_DEFAULTS = ("response_mode", "prompt", "login_hint", "max_age")


def _issuer_known(client: Client) -> bool:
    """Whether the issuer is known, or will be once the discovery document is loaded."""
    return bool(
        client.metadata.get("issuer")
        or client.issuer_template
        or client.explicit_metadata.get("server_metadata_url")
    )


def create_authorization_url(
    client: Client,
    url: str | None = None,
    state: str | None = None,
    code_verifier: str | None = None,
    nonce: str | None = None,
    **kwargs: Any,
) -> Flow[tuple[str, str]]:
    """The authorization URL and its ``state``; the request is remembered by state.

    Generates ``state`` (256 bits), a PKCE S256 verifier for response types with
    ``code`` (RFC 7636), and a ``nonce`` for OpenID requests (OIDC Core §3.1.2.1). With
    ``pushed`` (or a client or provider that wants it) the parameters are pushed (RFC
    9126); with ``request_object_signing_alg`` they are signed (RFC 9101).
    """
    pushed = kwargs.pop("pushed", None)
    if "resource" in kwargs or "authorization_details" in kwargs:
        # RFC 8707 §2, RFC 9396 §2: checked here, before a URL that cannot work is built.
        kwargs.update(
            indicator_params(
                kwargs.pop("resource", None), kwargs.pop("authorization_details", None)
            )
        )
    endpoint_url = url or (yield from endpoint(client, "authorization_endpoint"))
    check_secure_transport(endpoint_url)
    response_type = str(
        kwargs.pop("response_type", client.authorization_default("response_type", "code"))
    )
    redirect_uri = kwargs.pop("redirect_uri", client.redirect_uri)
    scope = scope_to_str(kwargs.pop("scope", client.scope))
    state = state or client.state or generate_token()
    params: dict[str, Any] = {
        "response_type": response_type,
        "client_id": client.client_id,
        "redirect_uri": redirect_uri,
        "scope": scope,
        "state": state,
    }
    verifier = None
    if client.code_challenge_method and "code" in response_type.split():
        verifier = code_verifier or generate_code_verifier()
        params["code_challenge"] = create_code_challenge(verifier, client.code_challenge_method)
        params["code_challenge_method"] = client.code_challenge_method
    wants_nonce = "openid" in (scope or "").split() or "id_token" in response_type.split()
    if wants_nonce and not _issuer_known(client):
        # The ID token that comes back could not be validated (OIDC Core §3.1.3.7 needs
        # the issuer), so fetch_token would refuse it after the code was spent: refuse
        # here, before the user is sent away.
        raise ValueError(
            "an OpenID Connect request needs the provider's issuer to validate the ID "
            "token it brings; this session knows none: give server_metadata_url= "
            "(or issuer=)"
        )
    nonce = nonce or client.authorization_default("nonce")
    params["nonce"] = nonce or (generate_token() if wants_nonce else None)
    for name in _PASSED_DEFAULTS:
        if name not in kwargs and client.authorization_default(name) is not None:
            params[name] = client.authorization_default(name)
    if client.dpop_key is not None and "code" in response_type.split():
        # RFC 9449 §10: the code is bound to the key that will redeem it.
        params["dpop_jkt"] = client.dpop_key.thumbprint
    params.update(kwargs)
    max_age = params.get("max_age")
    record = AuthorizationRequest(
        state=state,
        response_type=response_type,
        redirect_uri=redirect_uri,
        code_verifier=verifier,
        nonce=params["nonce"],
        max_age=_max_age(max_age),
    )
    _remember(client, record)
    return (yield from authorization_url_for(client, endpoint_url, params, pushed)), state


def _max_age(value: Any) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError("max_age must be a number of seconds (OIDC Core §3.1.2.1)") from None


def authorization_request(client: Client, state: str) -> dict[str, Any]:
    """The remembered record of the outstanding request with ``state`` (JSON-serialisable)."""
    with client.outstanding_lock:
        record = client.outstanding.get(state)
    if record is None:
        raise MismatchingStateError(
            description="no outstanding authorization request has that state"
        )
    return AuthorizationRecord(record.to_dict())


def _remember(client: Client, record: AuthorizationRequest) -> None:
    with client.outstanding_lock:
        client.outstanding[record.state] = record
        client.outstanding.move_to_end(record.state)
        while len(client.outstanding) > MAX_OUTSTANDING_REQUESTS:
            client.outstanding.popitem(last=False)


def consume(client: Client, state: str | None) -> AuthorizationRequest | None:
    """Take the outstanding request with ``state`` (each is used once)."""
    if state is None:
        return None
    with client.outstanding_lock:
        return client.outstanding.pop(state, None)


def validate_callback(
    client: Client, authorization_response: Any, state: str | None
) -> Flow[tuple[ValidatedCallback, AuthorizationRequest | None]]:
    """Check a callback's ``iss``, ``state`` and ``error`` (api.md §9's order) and take
    its outstanding request; nothing may be redeemed before this passed."""
    try:
        params = parse_callback(authorization_response)
        if "response" in params or is_jwt_response_mode(
            client.authorization_default("response_mode")
        ):
            # JARM §4.4: the response JWT is verified before anything in it is believed.
            params = yield from verified_jarm_params(client, params)
    except InvalidResponseError:
        # A malformed callback still spends the request it answers (api.md §9), so it
        # cannot be followed by a second try at the same request.
        seen = callback_state(authorization_response)
        if seen is not None and (state is None or constant_time_equal(seen, state)):
            consume(client, seen)
        raise
    returned_state = params.get("state")
    with client.outstanding_lock:
        nothing_outstanding = not client.outstanding
    fallback = client.state if not client.state_spent else None
    if state is None and nothing_outstanding and not fallback:
        raise MismatchingStateError(
            description="this session sent no authorization request that is still "
            "outstanding; pass state= and code_verifier= (and nonce=) of the request "
            "that was sent"
        )
    if state is not None:
        expected: str | None = state
        matches = constant_time_equal(returned_state, state)
        record = consume(client, state) if matches else None
    else:
        record = consume(client, returned_state)
        expected = record.state if record is not None else fallback
    if (
        expected is not None
        and expected == client.state
        and constant_time_equal(returned_state, expected)
    ):
        # The constructor's state is good for one callback, like a generated one.
        client.state_spent = True
    yield from ensure_metadata(client)
    callback = check_callback(
        params,
        expected_state=expected,
        issuer=client.metadata.get("issuer"),
        # FAPI 2.0 Security Profile §5.3.2.2: iss is required in every callback.
        iss_required=client.metadata.get("authorization_response_iss_parameter_supported") is True
        or client.profile == FAPI2,
        unverifiable_iss_ok=client.accept_unverifiable_iss,
    )
    return callback, record
