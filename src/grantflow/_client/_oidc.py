"""OpenID Connect: the provider's keys, ID tokens, UserInfo and logout.

ID tokens are validated per OIDC Core §3.1.3.7, §3.2.2.11 and §3.3.2.12 by the flat rules
of ``_core._id_token``; this module decides which rules apply and fetches the key set
(once, and once more for an unknown ``kid``: the provider may have rotated its keys).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._core._authorization import AuthorizationRequest, ValidatedCallback
from .._core._metadata import signing_algs
from .._core._token import OAuth2Token
from .._flows._drive import Flow
from .._flows._single import json_get_flow
from ..errors import InvalidIDTokenError, InvalidResponseError
from ._join import join_shared
from ._metadata import endpoint, ensure_metadata

if TYPE_CHECKING:
    from .._core._id_token import IDTokenRules
    from .._core._jwks import JWKSet
    from ._client import Client

__all__ = [
    "check_front_channel_id_token",
    "check_token_id_token",
    "fetch_jwk_set",
    "parse_id_token",
]

_NO_SHARED_SECRET = frozenset({"private_key_jwt", "tls_client_auth", "self_signed_tls_client_auth"})


# -- keys ---------------------------------------------------------------------------------


def _key_set_flow(uri: str) -> Flow[tuple[dict[str, Any], JWKSet]]:
    from .._core._jwks import parse_jwks

    document = yield from json_get_flow(uri, "jwks_uri")
    return document, parse_jwks(document)


def _load_keys(client: Client, newer_than: int | None) -> Flow[tuple[dict[str, Any], JWKSet]]:
    uri = yield from endpoint(client, "jwks_uri")
    cell = client.keys
    yield join_shared(cell, lambda: _key_set_flow(uri), newer_than=newer_than)
    value = cell.value
    if value is None:  # the flight just joined sets it; this keeps the type honest
        raise InvalidResponseError(description="the provider's key set could not be loaded")
    document, keys = value
    return document, keys


def fetch_jwk_set(client: Client, force: bool = False) -> Flow[dict[str, Any]]:
    """The provider's JWK Set from ``jwks_uri``, fetched once (``force=True`` re-fetches)."""
    value = client.keys.value
    if value is not None and not force:
        return value[0]
    document, _ = yield from _load_keys(client, client.keys.version if force else None)
    return document


def key_set_for(client: Client, header: Mapping[str, Any] | None) -> Flow[JWKSet | None]:
    """The parsed key set for a JWS with ``header``, re-fetched once for an unknown kid."""
    from .._core._jwks import needs_refresh

    value = client.keys.value
    keys = value[1] if value is not None else None
    if header is None or not needs_refresh(keys, header):
        return keys
    # First use, or an unknown kid (OIDC Core §10.1.1). Callers that saw the same
    # version share one fetch: eight threads meeting one rotated key fetch once.
    seen = client.keys.version if keys is not None else None
    _, keys = yield from _load_keys(client, seen)
    return keys


# -- ID tokens ----------------------------------------------------------------------------


def id_token_rules(client: Client, **overrides: Any) -> Flow[IDTokenRules]:
    """The rules an ID token for this client must pass (issuer, audience, algorithms)."""
    from .._core._id_token import IDTokenRules

    yield from ensure_metadata(client, missing="issuer" not in client.metadata)
    # With an issuer template (multi-tenant providers) the template stands for the issuer.
    issuer = client.metadata.get("issuer") or client.issuer_template
    if not issuer:
        raise InvalidIDTokenError(
            "iss",
            "cannot validate the ID token: the session knows no issuer (give "
            "server_metadata_url= or issuer= and jwks_uri=)",
        )
    if not client.client_id:
        raise InvalidIDTokenError("aud", "cannot validate the ID token without a client_id")
    # HS* ID tokens are keyed by a shared client secret (OIDC Core §10.1); with
    # private_key_jwt or mTLS, client_secret holds no shared secret at all.
    method = client.auth_methods.name_of(client.token_endpoint_auth_method)
    secret = (
        client.client_secret
        if isinstance(client.client_secret, (str, bytes)) and method not in _NO_SHARED_SECRET
        else None
    )
    leeway = overrides.pop("leeway", None)
    return IDTokenRules(
        issuer=str(issuer),
        client_id=client.client_id,
        now=int(time.time()),
        client_secret=secret,
        allowed_algs=signing_algs(
            client.id_token_signed_response_alg,
            client.metadata.get("id_token_signing_alg_values_supported"),
        ),
        leeway=client.leeway if leeway is None else int(leeway),
        issuer_template=client.issuer_template,
        **overrides,
    )


def _validate(client: Client, id_token: str, rules: IDTokenRules) -> Flow[dict[str, Any]]:
    from .._core._id_token import unverified_header, validate_id_token

    keys = yield from key_set_for(client, unverified_header(id_token))
    return validate_id_token(id_token, keys, rules)


def parse_id_token(
    client: Client,
    token: Mapping[str, Any] | str,
    nonce: str | None = None,
    leeway: int | None = None,
) -> Flow[dict[str, Any]]:
    """Validate an ID token (the token dict or the raw JWT) and return its claims."""
    raw = token if isinstance(token, str) else token.get("id_token")
    access_token = None if isinstance(token, str) else token.get("access_token")
    if not isinstance(raw, str) or not raw:
        raise InvalidIDTokenError("id_token", "there is no ID token to parse")
    rules = yield from id_token_rules(
        client,
        nonce=nonce,
        access_token=access_token,
        leeway=leeway,
        allow_none_alg=client.id_token_signed_response_alg == "none",
    )
    return (yield from _validate(client, raw, rules))


def check_token_id_token(
    client: Client,
    token: OAuth2Token,
    *,
    nonce: str | None = None,
    nonce_required: bool = False,
    max_age: int | None = None,
    response_type: str | None = None,
    previous: OAuth2Token | None = None,
    front_channel: bool = False,
    bound_to: Mapping[str, Any] | None = None,
    code: str | None = None,
) -> Flow[OAuth2Token]:
    """Validate the token's ``id_token`` (if any) and put its claims in ``userinfo``.

    ``previous`` is the token being refreshed: its ID token and claims carry over when
    the refresh brings none (OIDC Core §12.2 makes a new one optional), so UserInfo's
    ``sub`` check and later refreshes still know who signed in. ``bound_to`` holds the
    claims a new ID token must agree with (the original authentication's); ``code`` is
    the code just redeemed, which a ``c_hash`` must match (§3.3.2.11).
    """
    previous_claims = previous.get("userinfo") if previous is not None else None
    if not isinstance(previous_claims, Mapping):
        previous_claims = None
    id_token = token.get("id_token")
    if not id_token:
        if previous is None or previous_claims is None:
            return token
        carried = OAuth2Token(token)
        carried.setdefault("id_token", previous.get("id_token"))
        carried["userinfo"] = dict(previous_claims)
        return carried
    types = set((response_type or "code").split())
    rules = yield from id_token_rules(
        client,
        nonce=nonce,
        nonce_required=nonce_required,
        max_age=max_age,
        access_token=token.get("access_token"),
        # OIDC Core §3.2.2.10: at_hash is required when the front channel returned
        # an access token alongside the ID token.
        at_hash_required=front_channel and "token" in types,
        code=code,
        previous_claims=bound_to if bound_to is not None else previous_claims,
        allow_none_alg=client.id_token_signed_response_alg == "none" and not front_channel,
        # The opt-in for providers that drop the nonce covers the token endpoint's ID
        # token only: a front-channel one without a nonce could be replayed (§3.2.2.11).
        allow_missing_nonce=client.allow_id_token_without_nonce and not front_channel,
    )
    claims = yield from _validate(client, str(id_token), rules)
    if previous_claims is not None:
        # §12.2 compares nonce and auth_time with the *original* authentication: keep
        # them when a refreshed ID token leaves them out.
        for name in ("nonce", "auth_time"):
            if name not in claims and name in previous_claims:
                claims[name] = previous_claims[name]
    checked = OAuth2Token(token)
    checked["userinfo"] = claims
    return checked


def check_front_channel_id_token(
    client: Client,
    callback: ValidatedCallback,
    record: AuthorizationRequest | None,
    nonce: str | None,
) -> Flow[dict[str, Any] | None]:
    """Hybrid flow: validate the callback's ID token before redeeming the code (§3.3.2.12).

    Returns its claims (None when the callback has no ID token) so the token
    endpoint's ID token can be bound to it (§3.3.3.6: same ``iss`` and ``sub``).
    """
    from .._core._authorization import implied_response_type

    id_token = callback.params.get("id_token")
    if record is not None:
        response_type = set(record.response_type.split())
    else:
        # Completed by another process: the callback itself says what came back.
        response_type = {"code", *implied_response_type(callback.params).split()}
    if not id_token:
        if "id_token" in response_type:
            raise InvalidIDTokenError("id_token", "the hybrid response carries no ID token")
        return None
    rules = yield from id_token_rules(
        client,
        nonce=nonce or (record.nonce if record else None),
        nonce_required=True,
        max_age=record.max_age if record else None,
        access_token=callback.params.get("access_token"),
        at_hash_required="token" in response_type,
        code=callback.code,
        c_hash_required="code" in response_type,
    )
    return (yield from _validate(client, id_token, rules))
