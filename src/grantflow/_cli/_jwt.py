"""Reading JWTs for people: header and claims, and a signature check with the issuer's keys.

Decoding without verification is for looking only (``grantflow decode``, ``--decode``,
the demo); :func:`verify_jwt` is what to use before believing a claim. Both go through
joserfc: no JOSE is parsed by hand here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from joserfc import jws, jwt
from joserfc.errors import ClaimError, JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry

from ..errors import InvalidResponseError

__all__ = ["decode_unverified", "looks_like_jwt", "verify_jwt"]

_COMPACT_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")


def looks_like_jwt(value: object) -> bool:
    """Whether ``value`` has the shape of a compact JWS (three base64url parts)."""
    return isinstance(value, str) and value.startswith("eyJ") and bool(_COMPACT_JWS.match(value))


def decode_unverified(value: str) -> dict[str, Any]:
    """``{"header": ..., "claims": ...}`` of a compact JWS, the signature NOT checked."""
    text = value.strip()
    if not _COMPACT_JWS.match(text):
        raise ValueError("not a JWT: expected three base64url parts separated by '.'")
    try:
        obj = jws.extract_compact(text.encode("ascii"))
        claims = json.loads(obj.payload)
    except (JoseError, ValueError):
        raise ValueError("not a JWT: the header or the payload is not base64url JSON") from None
    if not isinstance(claims, dict):
        raise ValueError("not a JWT: the payload is not a JSON object")
    return {"header": dict(obj.headers()), "claims": claims}


def verify_jwt(
    value: str,
    jwks: Mapping[str, Any],
    *,
    issuer: str | None,
    leeway: int = 60,
    now: Callable[[], int] | None = None,
) -> dict[str, Any]:
    """Check the signature with a key of ``jwks``, then ``iss``, ``exp``, ``nbf``, ``iat``.

    Only asymmetric algorithms are accepted: an HMAC or unsigned JWT cannot be verified
    with the issuer's public keys (RFC 8725 §3.1). Failures are
    :class:`InvalidResponseError` naming the check; the token itself is never quoted.
    """
    decoded = decode_unverified(value)
    alg = decoded["header"].get("alg")
    if not isinstance(alg, str) or alg == "none" or alg.startswith("HS"):
        raise InvalidResponseError(
            description=f"the JWT's alg {alg!r} cannot be verified with the issuer's public keys"
        )
    try:
        keys = KeySet.import_key_set(dict(jwks))  # type: ignore[arg-type]
        token = jwt.decode(value.strip(), keys, algorithms=[alg])
    except JoseError as exc:
        raise InvalidResponseError(
            description=f"the JWT's signature does not verify with the issuer's keys ({exc.error})"
        ) from None
    options: dict[str, Any] = {"iss": {"essential": True, "value": issuer}} if issuer else {}
    registry = JWTClaimsRegistry(now=now, leeway=leeway, **options)
    try:
        registry.validate(token.claims)
    except ClaimError as exc:
        raise InvalidResponseError(
            description=f"the JWT's '{exc.claim}' is not valid: {exc.description}"
        ) from None
    return {"header": dict(token.header), "claims": dict(token.claims)}
