"""ID token validation: signature, then a flat run of small claim checks, no I/O.

OpenID Connect Core 1.0 §3.1.3.7 (code flow), §3.2.2.11 (implicit), §3.3.2.12 (hybrid) and
§12.2 (refreshed ID tokens). Every failure is an :class:`InvalidIDTokenError` whose
``claim`` names what failed (a claim, or ``"signature"``, ``"alg"``, ``"kid"``); messages
never quote the token or a claim value. The session supplies the key set, the clock and
what it sent; when :func:`grantflow._core._jwks.needs_refresh` says so it re-fetches the
key set once and calls :func:`validate_id_token` again.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from joserfc.jwk import OKPKey

from ._b64 import b64url
from ._issuer import issuer_for_tenant
from ._jwks import JWKSet, Secret, VerifiedJWS, fail, unverified_header, verify_jws
from ._random import constant_time_equal

__all__ = [
    "IDTokenRules",
    "VerifiedJWS",
    "compute_token_hash",
    "unverified_header",
    "validate_id_token",
    "verify_jws",
]


_HASHES: dict[str, Callable[[bytes], Any]] = {
    **dict.fromkeys(("HS256", "RS256", "ES256", "PS256", "ES256K"), hashlib.sha256),
    **dict.fromkeys(("HS384", "RS384", "ES384", "PS384"), hashlib.sha384),
    **dict.fromkeys(("HS512", "RS512", "ES512", "PS512", "Ed25519"), hashlib.sha512),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class IDTokenRules:
    """What an ID token is checked against; the session fills it in per validation.

    ``allowed_algs`` is the registered ``id_token_signed_response_alg``, else the
    provider's ``id_token_signing_alg_values_supported`` without ``none``, else RS256.
    ``allow_none_alg`` admits unsigned tokens and is only set when ``none`` was
    registered and the token came from the token endpoint (OpenID Connect Core §3.1.3.7
    step 6). ``client_secret`` keys HS* tokens (§10.1). ``now`` is epoch seconds.
    """

    issuer: str
    client_id: str
    now: int
    client_secret: Secret = field(default=None, repr=False)
    allowed_algs: tuple[str, ...] = ("RS256",)
    allow_none_alg: bool = False
    nonce: str | None = field(default=None, repr=False)
    nonce_required: bool = False
    max_age: int | None = None
    access_token: str | None = field(default=None, repr=False)
    at_hash_required: bool = False
    code: str | None = field(default=None, repr=False)
    c_hash_required: bool = False
    leeway: int = 60
    previous_claims: Mapping[str, Any] | None = field(default=None, repr=False)
    issuer_template: str | None = None
    allow_missing_nonce: bool = False


def compute_token_hash(value: str, alg: str, *, crv: str | None = None) -> str:
    """The ``at_hash`` / ``c_hash`` of ``value`` for a token signed with ``alg``.

    OpenID Connect Core §3.2.2.9 / §3.3.2.11: the left-most half of the hash used by
    ``alg``, base64url-encoded. For EdDSA the hash follows the curve (errata and RFC 8032):
    SHA-512 for Ed25519, SHAKE256 with 114 bytes of output for Ed448. The hash is over
    "the ASCII representation" of the value: one that is not ASCII is a ValueError.
    """
    try:
        data = value.encode("ascii")
    except UnicodeEncodeError:
        raise ValueError("a token hash is defined over ASCII values only") from None
    if alg == "Ed448" or (alg == "EdDSA" and crv == "Ed448"):
        digest = hashlib.shake_256(data).digest(114)
    elif alg == "EdDSA":
        digest = hashlib.sha512(data).digest()
    elif alg in _HASHES:
        digest = _HASHES[alg](data).digest()
    else:
        raise ValueError(f"no hash is defined for alg {alg!r}")
    half = digest[: len(digest) // 2]
    return b64url(half).decode("ascii")


# -- claim checks ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Token:
    """An ID token under validation: its claims, the rules, and its ``alg`` and ``crv``."""

    claims: Mapping[str, Any]
    rules: IDTokenRules
    alg: str
    crv: str | None


def _is_number(value: object) -> TypeGuard[int | float]:
    # JSON true/false are not times; NaN and infinities would pass every comparison.
    # Integers are exact at any size (math.isfinite(10**400) would overflow a float).
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))


def _audiences(value: object) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(a, str) for a in value):
        return value
    return None


def _check_iss(t: _Token) -> None:
    template = t.rules.issuer_template
    if template is None:
        if t.claims.get("iss") != t.rules.issuer:
            raise fail("iss", "the issuer is not the provider's issuer identifier")
        return
    # A multi-tenant provider's issuer is a template: the token's own tenant (tid)
    # fills it in, and iss must be exactly that tenant's issuer (module _issuer).
    expected = issuer_for_tenant(template, t.claims)
    if expected is None:
        raise fail("tid", "missing or not a tenant identifier, so the issuer template cannot apply")
    if t.claims.get("iss") != expected:
        raise fail("iss", "the issuer is not the issuer template filled in with the token's tid")
    if t.rules.issuer != template and expected != t.rules.issuer:
        raise fail("iss", "the issuer is not the provider's issuer identifier")


def _check_aud(t: _Token) -> None:
    audiences = _audiences(t.claims.get("aud"))
    if audiences is None or t.rules.client_id not in audiences:
        raise fail("aud", "the audience does not contain this client's client_id")


def _check_azp(t: _Token) -> None:
    audiences = _audiences(t.claims.get("aud")) or []
    azp = t.claims.get("azp")
    if azp is None and len(audiences) > 1:
        raise fail("azp", "several audiences and no authorized party")
    if azp is not None and azp != t.rules.client_id:
        raise fail("azp", "the authorized party is not this client")


def _time(t: _Token, name: str, *, required: bool) -> int | float | None:
    value = t.claims.get(name)
    if value is None and not required:
        return None
    if not _is_number(value):
        raise fail(name, "missing or not a number")
    return value


def _check_exp(t: _Token) -> None:
    exp = _time(t, "exp", required=True)
    if exp is not None and exp <= t.rules.now - t.rules.leeway:
        raise fail("exp", "the ID token has expired")


def _check_iat(t: _Token) -> None:
    iat = _time(t, "iat", required=True)
    if iat is not None and iat > t.rules.now + t.rules.leeway:
        raise fail("iat", "the ID token was issued in the future")


def _check_nbf(t: _Token) -> None:
    nbf = _time(t, "nbf", required=False)
    if nbf is not None and nbf > t.rules.now + t.rules.leeway:
        raise fail("nbf", "the ID token is not valid yet")


def _check_sub(t: _Token) -> None:
    sub = t.claims.get("sub")
    if not isinstance(sub, str) or not sub:
        raise fail("sub", "missing or not a string")


def _check_nonce(t: _Token) -> None:
    expected = t.rules.nonce
    if expected is None:
        if t.rules.nonce_required:
            raise fail("nonce", "this response type needs a nonce and none was sent")
        return
    got = t.claims.get("nonce")
    if got is None:
        if t.rules.allow_missing_nonce:
            # allow_id_token_without_nonce=True: the provider drops it (README); a nonce
            # that is present must still match.
            return
        raise fail("nonce", "missing, but a nonce was sent")
    if not isinstance(got, str) or not constant_time_equal(got, expected):
        raise fail("nonce", "differs from the nonce sent")


def _check_hash(t: _Token, name: str, value: str | None, required: bool) -> None:
    got = t.claims.get(name)
    if got is None:
        if required:
            raise fail(name, "missing, but required for this response type")
        return
    # An unsigned token (code flow only) protects nothing, and no hash is defined for
    # alg none: a present hash is not checked then.
    if value is None or t.alg == "none":
        return
    if not value.isascii():
        # No ASCII representation to hash (§3.2.2.9): nothing the hash can match.
        raise fail(name, "cannot match a token that is not ASCII")
    expected = compute_token_hash(value, t.alg, crv=t.crv)
    if not isinstance(got, str) or not constant_time_equal(got, expected):
        raise fail(name, "does not match the token it was issued with")


def _check_at_hash(t: _Token) -> None:
    _check_hash(t, "at_hash", t.rules.access_token, t.rules.at_hash_required)


def _check_c_hash(t: _Token) -> None:
    _check_hash(t, "c_hash", t.rules.code, t.rules.c_hash_required)


def _check_auth_time(t: _Token) -> None:
    max_age = t.rules.max_age
    auth_time = _time(t, "auth_time", required=max_age is not None)
    if (
        max_age is not None
        and auth_time is not None
        and auth_time + max_age + t.rules.leeway < t.rules.now
    ):
        raise fail("auth_time", "the authentication is older than max_age allows")


def _check_refreshed(t: _Token) -> None:
    """OpenID Connect Core §12.2: a refreshed ID token describes the same authentication."""
    before = t.rules.previous_claims
    if before is None:
        return
    claims = t.claims
    for name in ("iss", "sub", "azp"):
        # An azp absent from the original must stay absent.
        if claims.get(name) != before.get(name):
            raise fail(name, "differs from the original ID token")
    if set(_audiences(claims.get("aud")) or ()) != set(_audiences(before.get("aud")) or ()):
        raise fail("aud", "differs from the original ID token")
    if (
        "auth_time" in before
        and claims.get("auth_time", before["auth_time"]) != before["auth_time"]
    ):
        raise fail("auth_time", "differs from the original authentication time")
    # Errata: a refreshed token may omit the nonce; when present it is the original one.
    if "nonce" in claims and claims["nonce"] != before.get("nonce"):
        raise fail("nonce", "differs from the original ID token")


_CHECKS: tuple[Callable[[_Token], None], ...] = (
    _check_iss,
    _check_aud,
    _check_azp,
    _check_exp,
    _check_iat,
    _check_nbf,
    _check_sub,
    _check_nonce,
    _check_at_hash,
    _check_c_hash,
    _check_auth_time,
    _check_refreshed,
)


def validate_id_token(id_token: str, jwks: JWKSet | None, rules: IDTokenRules) -> dict[str, Any]:
    """Validate ``id_token`` and return its claims (OpenID Connect Core §3.1.3.7).

    The signature is checked first (§3.1.3.7 steps 6-8), then each claim rule in turn;
    the first failure raises :class:`InvalidIDTokenError` naming the claim.
    """
    verified = verify_jws(
        id_token,
        jwks,
        allowed_algs=rules.allowed_algs,
        client_secret=rules.client_secret,
        allow_none=rules.allow_none_alg,
    )
    crv = verified.key.curve_name if isinstance(verified.key, OKPKey) else None
    token = _Token(verified.claims, rules, verified.header["alg"], crv)
    for check in _CHECKS:
        check(token)
    return verified.claims
