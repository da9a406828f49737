"""JWT assertions (RFC 7523): the bearer grant's assertion and Google-style service accounts.

The claims of a JWT bearer assertion (RFC 7523 §3) are shared with client authentication
assertions (§2.2, where ``iss = sub = client_id``), so both are built and signed here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from joserfc import jws
from joserfc.jwk import Key

from ._keys import SUPPORTED_ALGORITHMS, check_algorithm, import_signing_key, key_id
from ._random import generate_token

__all__ = [
    "ServiceAccount",
    "assertion_claims",
    "assertion_header",
    "build_jwt_bearer_assertion",
    "new_jti",
    "parse_service_account_info",
    "resolve_alg",
    "sign_jwt",
]

# joserfc refuses algorithms outside its "recommended" list unless they are allowed by
# name; headers beyond its registry (e.g. "x5t#S256" variants, private ones) must pass.
_REGISTRY = jws.JWSRegistry(algorithms=list(SUPPORTED_ALGORITHMS), strict_check_header=False)
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))

#: bytes of randomness in a jti: 192 bits, well above RFC 7519 §4.1.7's collision needs.
_JTI_BYTES = 24


def new_jti() -> str:
    """A fresh, unguessable JWT ID (RFC 7519 §4.1.7): 192 random bits, URL-safe."""
    return generate_token(_JTI_BYTES)


def assertion_claims(
    *,
    issuer: str,
    subject: str | None,
    audience: str | list[str],
    issued_at: int,
    expires_in: int,
    claims: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The claims of an assertion (RFC 7523 §3): iss, sub, aud, iat, exp, jti, then ``claims``.

    ``claims`` override the defaults, so a ``jti`` or ``exp`` given there is used as given.
    ``subject=None`` leaves ``sub`` out. The caller's mapping is never modified.
    """
    payload: dict[str, Any] = {"iss": issuer}
    if subject is not None:
        payload["sub"] = subject
    payload["aud"] = audience
    payload["iat"] = issued_at
    payload["exp"] = issued_at + expires_in
    if claims:
        if "jti" not in claims:
            payload["jti"] = new_jti()
        payload.update(claims)
    else:
        payload["jti"] = new_jti()
    return payload


def assertion_header(alg: str, key: Key, header: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The JOSE header: ``alg``, ``typ: JWT``, the key's own ``kid``, then ``header``.

    A ``kid`` in ``header`` wins over the key's; none is invented (RFC 7515 §4.1.4).
    ``alg`` is always the one the key was checked against.
    """
    protected: dict[str, Any] = {"alg": alg, "typ": "JWT"}
    kid = key_id(key)
    if kid is not None:
        protected["kid"] = kid
    if header:
        protected.update(header)
        protected["alg"] = alg
    return protected


def sign_jwt(header: Mapping[str, Any], claims: Mapping[str, Any], key: Key) -> str:
    """Sign ``claims`` as a compact JWS with ``key`` (RFC 7515 §7.1), through joserfc."""
    payload = _ENCODER.encode(claims).encode("utf-8")
    return jws.serialize_compact(dict(header), payload, key, registry=_REGISTRY)


def resolve_alg(alg: str | None, header: Mapping[str, Any] | None) -> str:
    """The signing algorithm from ``alg=`` or ``header["alg"]``; both given must agree."""
    header_alg = header.get("alg") if header else None
    if alg is not None and header_alg is not None and alg != header_alg:
        raise ValueError(f"alg={alg!r} and header alg={header_alg!r} disagree")
    chosen = alg if alg is not None else header_alg
    if chosen is None:
        raise ValueError("a signing algorithm is needed: pass alg= or header={'alg': ...}")
    return check_algorithm(chosen)


def build_jwt_bearer_assertion(
    *,
    issuer: str,
    subject: str | None,
    audience: str | list[str],
    key: object,
    alg: str | None,
    claims: Mapping[str, Any] | None = None,
    header: Mapping[str, Any] | None = None,
    expires_in: int = 3600,
    now: float | Callable[[], float],
    key_password: str | bytes | None = None,
) -> str:
    """Build and sign the assertion of the JWT bearer grant (RFC 7523 §2.1, §3).

    ``now`` is the current time in epoch seconds (or a clock to call). ``key`` is an HMAC
    secret for HS* or any private key form (PEM, JWK, JWK Set, key object); it is parsed
    once and cached. Each call gets a fresh ``jti``, ``iat`` and ``exp``.
    """
    chosen = resolve_alg(alg, header)
    kid = header.get("kid") if header else None
    signing_key = import_signing_key(
        key, chosen, password=key_password, kid=kid if isinstance(kid, str) else None
    )
    issued_at = int(now() if callable(now) else now)
    payload = assertion_claims(
        issuer=issuer,
        subject=subject,
        audience=audience,
        issued_at=issued_at,
        expires_in=expires_in,
        claims=claims,
    )
    return sign_jwt(assertion_header(chosen, signing_key, header), payload, signing_key)


@dataclass(frozen=True, slots=True)
class ServiceAccount:
    """The fields of a Google-style service-account JSON file that the bearer grant needs."""

    client_email: str
    private_key: str = field(repr=False)
    private_key_id: str | None
    token_uri: str

    def __repr__(self) -> str:
        return (
            f"ServiceAccount(client_email={self.client_email!r}, "
            f"private_key_id={self.private_key_id!r}, token_uri={self.token_uri!r})"
        )


def parse_service_account_info(info: Mapping[str, Any]) -> ServiceAccount:
    """Read a service-account mapping (``client_email``, ``private_key``, ``token_uri``).

    ``private_key_id`` is optional (it becomes the ``kid``). A missing or malformed field
    is a ValueError naming the field; the key is checked to be a loadable RSA private key
    (Google signs service-account assertions with RS256), and never shown.
    """
    if not isinstance(info, Mapping):
        raise ValueError("service account info must be a JSON object")
    kind = info.get("type", "service_account")
    if kind != "service_account":
        raise ValueError(f"service account info: 'type' must be 'service_account', got {kind!r}")
    client_email = _required_str(info, "client_email")
    private_key = _required_str(info, "private_key")
    token_uri = _required_str(info, "token_uri")
    parts = urlsplit(token_uri)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise ValueError("service account info: 'token_uri' must be an absolute URL")
    key_id_value = info.get("private_key_id")
    if key_id_value is not None and not isinstance(key_id_value, str):
        raise ValueError("service account info: 'private_key_id' must be a string")
    try:
        import_signing_key(private_key, "RS256")
    except (ValueError, TypeError):
        raise ValueError("service account info: 'private_key' is not an RSA private key") from None
    return ServiceAccount(
        client_email=client_email,
        private_key=private_key,
        private_key_id=key_id_value or None,
        token_uri=token_uri,
    )


def _required_str(info: Mapping[str, Any], name: str) -> str:
    value = info.get(name)
    if value is None:
        raise ValueError(f"service account info: '{name}' is missing")
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"service account info: '{name}' must be a non-empty string")
    return value
