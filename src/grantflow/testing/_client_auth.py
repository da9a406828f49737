"""Authenticating clients at the token, introspection and revocation endpoints.

RFC 6749 §2.3 (basic, post), RFC 7523 §2.2 / §3 (client_secret_jwt, private_key_jwt).
A client must use exactly the method it registered, and exactly one method per request,
as oidc-provider enforces.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import unquote_plus

from joserfc.jwk import Key, KeySet, OctKey

from ..errors import OAuthError
from ._config import CLOCK_TOLERANCE, Client
from ._context import Context
from ._http import Request, oauth_error
from ._keys import ASYMMETRIC_ALGS, HMAC_ALGS, peek_claims, peek_header, verify_jwt

__all__ = [
    "ASSERTION_TYPE",
    "assertion_problem",
    "authenticate_client",
    "client_named",
    "verify_client_jwt",
]

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
_JWT_METHODS = frozenset({"client_secret_jwt", "private_key_jwt"})


def _failed(description: str = "client authentication failed") -> Exception:
    return oauth_error("invalid_client", description, 401)


def authenticate_client(ctx: Context, request: Request, endpoint: str) -> Client:
    """The client that authenticated this request, or ``invalid_client`` / ``invalid_request``.

    ``endpoint`` is the URL being called; a client assertion's ``aud`` may name it, the
    token endpoint or the issuer (RFC 7523 §3 item 3).
    """
    presented, client_id = _presented_method(request)
    form_id = request.param("client_id")
    if form_id is not None and client_id is not None and form_id != client_id:
        raise oauth_error("invalid_request", "mismatch between client_id and the credentials")
    client = ctx.client(client_id or form_id)
    expected = "jwt" if client.auth_method in _JWT_METHODS else client.auth_method
    if presented != expected:
        raise _failed(
            "the provided authentication mechanism does not match"
            " the registered client authentication method"
        )
    if presented == "client_secret_basic":
        secret = _basic_credentials(request)[1]
        _check_secret(client, secret)
    elif presented == "client_secret_post":
        _check_secret(client, request.param("client_secret"))
    elif presented == "jwt":
        _check_assertion(ctx, client, request, endpoint)
    return client


def _presented_method(request: Request) -> tuple[str, str | None]:
    """Which single method the request uses, and the client id it names."""
    methods: list[tuple[str, str | None]] = []
    if request.headers.get("authorization", "").lower().startswith("basic "):
        methods.append(("client_secret_basic", _basic_credentials(request)[0]))
    if request.param("client_assertion") is not None or request.param("client_assertion_type"):
        methods.append(("jwt", _assertion_subject(request)))
    if request.param("client_secret") is not None:
        methods.append(("client_secret_post", request.param("client_id")))
    if len(methods) > 1:
        raise oauth_error(
            "invalid_request", "client authentication must only be provided using one mechanism"
        )
    if methods:
        return methods[0]
    if request.param("client_id") is None:
        raise oauth_error("invalid_request", "no client authentication mechanism provided")
    return "none", request.param("client_id")


def client_named(request: Request) -> str | None:
    """The client id a request names, for the request log; nothing is checked.

    Basic credentials' user, a client assertion's ``sub``, else the ``client_id``
    parameter of the form or the query. A malformed request names no client.
    """
    try:
        named = _presented_method(request)[1]
    except OAuthError:
        named = None
    if named is None:
        values = request.query.get("client_id", ())
        named = values[0] if len(values) == 1 else None
    return named


def _basic_credentials(request: Request) -> tuple[str, str]:
    # RFC 6749 §2.3.1: id and secret are form-urlencoded before base64, so decode both.
    encoded = request.headers.get("authorization", "")[6:].strip()
    try:
        decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise oauth_error("invalid_request", "invalid Authorization header value") from None
    user, sep, password = decoded.partition(":")
    if not sep or not user:
        raise oauth_error("invalid_request", "invalid Authorization header value")
    return unquote_plus(user), unquote_plus(password)


def _assertion_subject(request: Request) -> str | None:
    if request.param("client_assertion_type") != ASSERTION_TYPE:
        raise oauth_error("invalid_request", "unsupported or missing client_assertion_type")
    assertion = request.param("client_assertion")
    if not assertion:
        raise oauth_error("invalid_request", "missing client_assertion")
    try:
        claims = peek_claims(assertion)
    except ValueError:
        raise _failed("invalid client_assertion") from None
    sub = claims.get("sub")
    return sub if isinstance(sub, str) else None


def _check_secret(client: Client, given: str | None) -> None:
    expected = client.client_secret
    if expected is None or given is None:
        raise _failed()
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise _failed("invalid secret provided")


def _check_assertion(ctx: Context, client: Client, request: Request, endpoint: str) -> None:
    assertion = request.param("client_assertion") or ""
    try:
        claims = verify_client_jwt(client, assertion, allow_secret=True)
    except ValueError as exc:
        raise _failed(f"invalid client_assertion: {exc}") from None
    if claims.get("iss") != client.client_id or claims.get("sub") != client.client_id:
        raise _failed("client_assertion 'iss' and 'sub' must be the client_id")
    audiences = {endpoint, ctx.endpoint("token_endpoint"), ctx.issuer}
    problem = assertion_problem(claims, audiences, ctx.store.now(), require_jti=True)
    if problem:
        raise _failed(f"invalid client_assertion: {problem}")
    jti, exp = str(claims["jti"]), float(claims["exp"])
    if not ctx.store.first_use_of_jti(client.client_id, jti, exp):
        raise _failed("client assertion tokens must only be used once")


def verify_client_jwt(client: Client, token: str, *, allow_secret: bool) -> dict[str, Any]:
    """Verify a JWT the client signed with its registered key; return its claims.

    ``private_key_jwt`` clients sign with a key of their JWK Set; clients with a secret
    use it as the HMAC key (RFC 7523 §2.2; OpenID Connect Core §9). Raises ValueError.
    """
    header = peek_header(token)
    alg = str(header.get("alg", ""))
    key: Key | KeySet
    if client.jwks is not None and alg in ASYMMETRIC_ALGS:
        key = _pick_key(client.jwks, alg, header.get("kid"))
    elif allow_secret and client.client_secret and alg in HMAC_ALGS:
        if client.assertion_alg and alg != client.assertion_alg:
            raise ValueError(f"alg {alg} is not the registered {client.assertion_alg}")
        key = OctKey.import_key(client.client_secret)
    else:
        raise ValueError(f"alg {alg or 'none'} is not allowed for this client")
    claims, _ = verify_jwt(token, key, frozenset({alg}))
    return claims


def _pick_key(keys: KeySet, alg: str, kid: object) -> Key:
    kty = "RSA" if alg[:2] in {"RS", "PS"} else "EC"
    candidates = [k for k in keys.keys if k.key_type == kty]
    if isinstance(kid, str):
        candidates = [k for k in candidates if k.kid == kid]
    if not candidates:
        raise ValueError("no registered key matches the assertion's kid and alg")
    return candidates[0]


def assertion_problem(
    claims: Mapping[str, Any], audiences: Iterable[str], now: int, *, require_jti: bool
) -> str | None:
    """What is wrong with an assertion's ``aud``/``exp``/``nbf``/``iat``/``jti``, or None.

    RFC 7523 §3 items 3-7, with oidc-provider's 15 s clock tolerance.
    """
    aud = claims.get("aud")
    auds = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    if not set(audiences) & {a for a in auds if isinstance(a, str)}:
        return "'aud' must name this server (issuer or endpoint URL)"
    exp = claims.get("exp")
    if not isinstance(exp, (int, float)) or isinstance(exp, bool):
        return "'exp' is missing"
    if exp + CLOCK_TOLERANCE < now:
        return "'exp' is in the past"
    nbf = claims.get("nbf")
    if isinstance(nbf, (int, float)) and nbf - CLOCK_TOLERANCE > now:
        return "'nbf' is in the future"
    iat = claims.get("iat")
    if isinstance(iat, (int, float)) and iat - CLOCK_TOLERANCE > now:
        return "'iat' is in the future"
    if require_jti and not isinstance(claims.get("jti"), str):
        return "'jti' is missing"
    return None
