"""Signed authorization requests (RFC 9101, JAR): the parameters as a JWT the client signs.

The authorization parameters become the claims of a JWT signed with the client's key
(§4), so the server knows they came from the client and were not altered in the
browser. It travels as ``request`` in the front channel or inside a pushed request
(RFC 9126 §3), next to ``client_id``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from ._assertion import assertion_header, new_jti, sign_jwt
from ._keys import import_signing_key
from ._params import scope_to_str

__all__ = [
    "REQUEST_OBJECT_TYPE",
    "build_request_object",
    "request_object_claims",
    "request_object_params",
]

#: The request object's ``typ`` header (RFC 9101 §10.8).
REQUEST_OBJECT_TYPE = "oauth-authz-req+jwt"

# Parameters whose value is JSON (OIDC Core §5.5 claims, RFC 9396 authorization_details):
# in a request object they are JSON, not JSON text in a string.
_JSON_PARAMETERS = ("claims", "authorization_details")

# The claims the signer sets; a parameter of the same name never overrides them.
_REGISTERED = ("iss", "aud", "iat", "nbf", "exp", "jti")


def request_object_claims(
    params: Mapping[str, Any],
    *,
    client_id: str,
    audience: str,
    issued_at: int,
    expires_in: int = 300,
) -> dict[str, Any]:
    """The claims: the parameters (None dropped), then ``iss`` = ``client_id``, ``aud`` =
    the issuer, ``iat``, ``nbf``, ``exp`` and a fresh ``jti`` (RFC 9101 §4, §10.2).

    ``client_id`` is also a claim, and must equal the parameter's when both are given
    (§5: the server checks they match).
    """
    if not client_id or not audience:
        raise ValueError("a request object needs the client_id and the issuer as audience")
    if params.get("client_id") not in (None, client_id):
        raise ValueError("the client_id parameter differs from the request object's issuer")
    if params.get("request") is not None or params.get("request_uri") is not None:
        raise ValueError("a request object must not contain request or request_uri (RFC 9101 §4)")
    if expires_in <= 0:
        raise ValueError("a request object's expires_in must be positive")
    claims = {k: _claim(k, v) for k, v in params.items() if v is not None}
    for name in _REGISTERED:
        claims.pop(name, None)
    claims.update(
        client_id=client_id,
        iss=client_id,
        aud=audience,
        iat=issued_at,
        nbf=issued_at,
        exp=issued_at + expires_in,
        jti=new_jti(),
    )
    return claims


def _claim(name: str, value: Any) -> Any:
    if name in _JSON_PARAMETERS and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise ValueError(f"the {name} parameter is not JSON") from None
    if name == "scope":
        return scope_to_str(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def build_request_object(
    params: Mapping[str, Any],
    *,
    client_id: str,
    audience: str,
    key: object,
    alg: str,
    now: float | Callable[[], float],
    expires_in: int = 300,
    kid: str | None = None,
    key_password: str | bytes | None = None,
) -> str:
    """Sign the authorization parameters as a request object (RFC 9101 §4).

    ``key`` is the client's private key in any form (or, for HS*, its secret); the header
    carries ``alg``, ``typ`` ``oauth-authz-req+jwt`` and the key's ``kid`` when it has one
    (``kid`` picks the key in a JWK Set and names it).
    """
    if alg == "none":
        raise ValueError("request objects are signed: alg 'none' is not accepted")
    signing_key = import_signing_key(key, alg, password=key_password, kid=kid)
    header = assertion_header(alg, signing_key, {"typ": REQUEST_OBJECT_TYPE})
    if kid is not None:
        header["kid"] = kid
    issued_at = int(now() if callable(now) else now)
    claims = request_object_claims(
        params, client_id=client_id, audience=audience, issued_at=issued_at, expires_in=expires_in
    )
    return sign_jwt(header, claims, signing_key)


def request_object_params(
    request_object: str, client_id: str, params: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """What travels next to the request object: ``client_id`` and ``request`` (RFC 9101
    §5), with ``response_type`` and ``scope`` repeated from ``params`` when given, which
    OpenID Connect Core §6.1 requires and RFC 9101 §5 allows (they match the object's)."""
    out: dict[str, Any] = {"client_id": client_id, "request": request_object}
    for name in ("response_type", "scope"):
        value = (params or {}).get(name)
        if value is not None:
            out[name] = value
    return out
