"""JWT-secured authorization responses (JARM): verify the ``response`` JWT, then read it.

With ``response_mode=jwt`` (or ``query.jwt``, ``fragment.jwt``, ``form_post.jwt``) the
server signs the authorization response: its parameters become the claims of a JWT
passed as ``response`` (JARM §2). The client checks the signature with the provider's
keys, ``iss``, ``aud`` and ``exp`` (§4.4) before the parameters inside are checked as
any callback is (state, iss, error: :func:`validate_callback`). Every failure is an
:class:`InvalidResponseError` whose message names what failed; none quotes the JWT.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from ..errors import InvalidIDTokenError, InvalidResponseError
from ._jwks import JWKSet, Secret, needs_refresh, unverified_header, verify_jws

__all__ = [
    "JWT_RESPONSE_MODES",
    "is_jwt_response_mode",
    "jarm_needs_refresh",
    "jwt_response_location",
    "validate_jarm_response",
]

#: The response modes that return the authorization response as a JWT (JARM §2.3).
JWT_RESPONSE_MODES = frozenset({"jwt", "query.jwt", "fragment.jwt", "form_post.jwt"})

# JWT framing, not authorization response parameters; iss stays, for the RFC 9207 check.
_FRAMING_CLAIMS = frozenset({"aud", "exp", "iat", "nbf"})

_VERIFY_FAILURES = {
    "signature": "is malformed or its signature does not verify with the provider's keys",
    "alg": "is signed with an algorithm not allowed for this client",
    "kid": "names no key in the provider's JWK Set that fits its algorithm",
}


def is_jwt_response_mode(response_mode: object) -> bool:
    """Whether ``response_mode`` asks for a JWT-secured response (JARM §2.3)."""
    return response_mode in JWT_RESPONSE_MODES


def jwt_response_location(response_mode: str, response_type: str) -> str:
    """Where the ``response`` JWT comes back: ``query``, ``fragment`` or ``form_post``.

    Plain ``jwt`` means the query for ``response_type=code`` (and ``none``) and the
    fragment for every response type that returns a token (JARM §2.3.4).
    """
    if not is_jwt_response_mode(response_mode):
        raise ValueError(f"{response_mode!r} is not a JWT response mode")
    if response_mode != "jwt":
        return response_mode[: -len(".jwt")]
    return "query" if response_type.strip() in ("code", "none") else "fragment"


def jarm_needs_refresh(jwks: JWKSet | None, params: Mapping[str, str]) -> bool:
    """Whether fetching the provider's JWK Set again could help verify the ``response``
    JWT (an unknown ``kid``: the provider may have rotated its keys). A malformed JWT
    never needs it; :func:`validate_jarm_response` reports it."""
    token = params.get("response")
    if not isinstance(token, str):
        return False
    try:
        header = unverified_header(token)
    except InvalidIDTokenError:
        return False
    return needs_refresh(jwks, header)


def validate_jarm_response(
    params: Mapping[str, str],
    *,
    jwks: JWKSet | None,
    issuer: str,
    client_id: str,
    now: float,
    allowed_algs: tuple[str, ...] = ("RS256",),
    client_secret: Secret = None,
    leeway: int = 60,
) -> dict[str, str]:
    """Verify the callback's ``response`` JWT and return the parameters it carries.

    ``params`` are the callback's parameters (:func:`parse_callback`). The signature is
    checked with ``jwks`` (or the client secret for HS*, JARM §2.2), then ``iss`` equals
    ``issuer``, ``aud`` contains ``client_id`` and ``exp`` is not past (with ``leeway``
    seconds), JARM §4.4. The result still needs :func:`validate_callback`.
    """
    token = params.get("response")
    if not isinstance(token, str) or not token:
        raise _fail("response", "is missing although a JWT response mode was requested")
    if token.count(".") == 4:
        raise _fail("response", "is encrypted (JWE), which is not supported")
    try:
        verified = verify_jws(token, jwks, allowed_algs=allowed_algs, client_secret=client_secret)
    except InvalidIDTokenError as error:
        reason = _VERIFY_FAILURES.get(error.claim, "does not verify")
        raise _fail(error.claim, reason) from None
    claims = verified.claims
    if claims.get("iss") != issuer:
        raise _fail("iss", "is not the provider's issuer identifier")
    audiences = claims.get("aud")
    if isinstance(audiences, str):
        audiences = [audiences]
    if not isinstance(audiences, list) or client_id not in audiences:
        raise _fail("aud", "does not contain this client's client_id")
    expires = claims.get("exp")
    if isinstance(expires, bool) or not isinstance(expires, (int, float)):
        raise _fail("exp", "is missing or not a number")
    if not math.isfinite(expires) or now > expires + leeway:
        raise _fail("exp", "is in the past: the response has expired")
    return {k: _as_param(v) for k, v in claims.items() if k not in _FRAMING_CLAIMS}


def _as_param(value: Any) -> str:
    """A claim as the string a plain callback would have carried."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value, separators=(",", ":"))


def _fail(part: str, reason: str) -> InvalidResponseError:
    return InvalidResponseError(description=f"the authorization response JWT's '{part}' {reason}")
