"""JSON Web Key Sets: parse once, choose keys by ``kid``/``alg``/``use``, verify a JWS.

The provider's ``jwks_uri`` document (RFC 7517 §5, OpenID Connect Core §10.1) is imported
into joserfc keys a single time; every later validation only looks keys up. The session
fetches the document; this module never does I/O. When a JWS names a ``kid`` the set does
not hold, or no key fits its ``alg``, :func:`needs_refresh` tells the session to fetch the
set again once (the provider may have rotated its keys, OpenID Connect Core §10.1.1).
:func:`verify_jws` checks a compact JWS (an ID token, a signed UserInfo response) against
the set; its failures are :class:`InvalidIDTokenError` naming ``signature``, ``alg`` or
``kid``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from joserfc.errors import JoseError
from joserfc.jwk import ECKey, Key, OKPKey, RSAKey
from joserfc.jws import CompactSignature, JWSRegistry, extract_compact
from joserfc.registry import check_crit_header
from joserfc.util import urlsafe_b64decode

from ..errors import InvalidIDTokenError, InvalidResponseError
from ._json import check_depth, loads
from ._keys import import_hmac_secret

__all__ = [
    "JWKSet",
    "JWSAlgorithm",
    "Secret",
    "VerifiedJWS",
    "fail",
    "jws_algorithm",
    "key_fits",
    "needs_refresh",
    "parse_jwks",
    "select_keys",
    "unverified_header",
    "verify_jws",
]

# Only public-key types: an "oct" key published at a jwks_uri would be a shared secret
# that everyone can read, and accepting one would let anybody mint HS256 ID tokens.
_KEY_TYPES: dict[str, type[RSAKey] | type[ECKey] | type[OKPKey]] = {
    "RSA": RSAKey,
    "EC": ECKey,
    "OKP": OKPKey,
}

#: A joserfc JWS algorithm (``RS256``, ``ES256``, ``EdDSA`` ...).
JWSAlgorithm = Any

_EDDSA_CURVES = frozenset({"Ed25519", "Ed448"})


def jws_algorithm(name: object) -> JWSAlgorithm | None:
    """The joserfc implementation of JWS algorithm ``name``, or None when there is none."""
    if not isinstance(name, str):
        return None
    return JWSRegistry.algorithms.get(name)


class JWKSet:
    """A parsed JWK Set: public verification keys, indexed by ``kid``.

    ``keys`` keeps the document's order; neither it nor the ``kid`` index changes after
    construction. Not a frozen value: which keys fit a ``(kid, alg)`` is a cache, filled
    by :func:`select_keys` on first use, so that repeated validations against a warm set
    do no key work at all. Computing it for every algorithm up front would double the
    cost of parsing a set (13 asymmetric algorithms, most never used by one provider);
    a fill is idempotent (the same tuple from the same keys), so threads that race to
    fill an entry only repeat work.
    """

    __slots__ = ("_by_kid", "_choices", "keys")

    def __init__(self, keys: tuple[Key, ...]) -> None:
        self.keys = keys
        by_kid: dict[str, list[Key]] = {}
        for key in keys:
            kid = key.kid
            if isinstance(kid, str):
                by_kid.setdefault(kid, []).append(key)
        self._by_kid: Mapping[str, tuple[Key, ...]] = MappingProxyType(
            {kid: tuple(found) for kid, found in by_kid.items()}
        )
        #: The cache: ``(kid, alg name) -> keys that fit``.
        self._choices: dict[tuple[str | None, str], tuple[Key, ...]] = {}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, JWKSet):
            return NotImplemented
        return self.keys == other.keys

    def __hash__(self) -> int:
        return hash(self.keys)

    def __len__(self) -> int:
        return len(self.keys)

    def kids(self) -> frozenset[str]:
        """The ``kid`` values present in the set."""
        return frozenset(self._by_kid)

    def has_kid(self, kid: str) -> bool:
        """Whether some key in the set carries ``kid``."""
        return kid in self._by_kid

    def __repr__(self) -> str:
        return f"JWKSet({len(self.keys)} keys, kids={sorted(self._by_kid)!r})"


def _import_key(entry: object) -> Key | None:
    """One JWK as a public joserfc key, or None when it is unusable here."""
    if not isinstance(entry, Mapping):
        return None
    kty = entry.get("kty")
    key_cls = _KEY_TYPES.get(kty) if isinstance(kty, str) else None
    if key_cls is None:
        return None
    try:
        key: Key = key_cls.import_key(dict(entry))
        if key.is_private:
            # A set that leaks private parts still verifies; keep only the public half
            # so that verification does not derive it on every call.
            key = key_cls.import_key(key.as_dict(private=False))
    except (JoseError, ValueError, TypeError, KeyError):
        return None
    return key


def parse_jwks(doc: Mapping[str, Any]) -> JWKSet:
    """Parse a JWK Set document (RFC 7517 §5) into a :class:`JWKSet`, importing keys once.

    Keys joserfc cannot import, or of a type that cannot verify a signature published at
    a public URL (``oct``, unknown ``kty``), are skipped rather than failing the whole set:
    providers publish encryption keys and newer key types next to their signing keys.
    """
    keys = doc.get("keys") if isinstance(doc, Mapping) else None
    if not isinstance(keys, list):
        raise InvalidResponseError(
            description='the JWK Set document is not an object with a "keys" array'
        )
    return JWKSet(tuple(key for key in map(_import_key, keys) if key is not None))


def key_fits(key: Key, algorithm: JWSAlgorithm) -> bool:
    """Whether ``key`` may verify signatures made with ``algorithm`` (kty, crv, use, alg)."""
    try:
        # check_key covers "use" (sig or absent), kty, the key's own "alg" and, for ECDSA,
        # the curve.
        algorithm.check_key(key)
        key.check_key_op("verify")
    except (JoseError, ValueError):
        return False
    if algorithm.name == "EdDSA":
        return isinstance(key, OKPKey) and key.curve_name in _EDDSA_CURVES
    return True


def _candidates(jwks: JWKSet, kid: str | None) -> tuple[Key, ...]:
    if kid is None:
        return jwks.keys
    return jwks._by_kid.get(kid, ())


def select_keys(jwks: JWKSet, header: Mapping[str, Any]) -> list[Key]:
    """The keys that may have signed a JWS with this protected ``header``.

    With a ``kid``, only keys carrying that ``kid`` (and fitting ``alg``); without one,
    every key that fits ``alg`` and ``use`` (OpenID Connect Core §10.1: a ``kid`` is only
    required when the set holds several keys, so the caller tries each candidate).
    """
    algorithm = jws_algorithm(header.get("alg"))
    if algorithm is None or algorithm.name == "none":
        return []
    kid = header.get("kid")
    if kid is not None and not (isinstance(kid, str) and jwks.has_kid(kid)):
        # Not memoised: kids come from untrusted tokens and must not grow the memo.
        return []
    memo_key = (kid, algorithm.name)
    chosen = jwks._choices.get(memo_key)
    if chosen is None:
        chosen = tuple(k for k in _candidates(jwks, kid) if key_fits(k, algorithm))
        jwks._choices[memo_key] = chosen
    return list(chosen)


def needs_refresh(jwks: JWKSet | None, header: Mapping[str, Any]) -> bool:
    """Whether fetching the JWK Set again could help verify a JWS with this ``header``.

    True when no set is loaded yet, when the ``kid`` is unknown, or when no key fits the
    ``alg``: the provider may have rotated its signing keys (OpenID Connect Core §10.1.1).
    HMAC and ``none`` tokens never need the set, and an unknown ``alg`` cannot be helped.
    """
    algorithm = jws_algorithm(header.get("alg"))
    if algorithm is None or algorithm.name == "none" or algorithm.key_type == "oct":
        return False
    if jwks is None:
        return True
    return not select_keys(jwks, header)


# -- verifying a compact JWS against the set -------------------------------------------

# Unknown header parameters are ignored (RFC 7515 §4: only "crit" ones must be understood).
# The size limits are raised from joserfc's defaults: some providers put an x5c chain in
# the header, and RSA-8192 signatures exceed 1 KiB once base64url-encoded.
_REGISTRY = JWSRegistry(strict_check_header=False)
_REGISTRY.max_header_length = 16 * 1024
_REGISTRY.max_signature_length = 2 * 1024

Secret = str | bytes | None


@dataclass(frozen=True, slots=True)
class VerifiedJWS:
    """A JWS whose signature checked out: protected header, JSON claims, the key used."""

    header: dict[str, Any]
    claims: dict[str, Any] = field(repr=False)
    key: Key | None = field(repr=False)


def fail(claim: str, description: str) -> InvalidIDTokenError:
    """The :class:`InvalidIDTokenError` for ``claim``, its name leading the message."""
    return InvalidIDTokenError(claim, f"'{claim}': {description}")


def _parse(token: object) -> CompactSignature:
    """The compact JWS, parsed but not verified."""
    if not isinstance(token, str):
        raise fail("signature", "the ID token is not a string")
    if token.count(".") == 4:
        raise fail("alg", "encrypted ID tokens (JWE) are not supported")
    try:
        obj = extract_compact(token.encode("ascii"), registry=_REGISTRY)
        header = obj.headers()
        check_depth(header)
    except (JoseError, ValueError, TypeError, RecursionError):
        # RecursionError: joserfc decodes the header with json.loads (a deep array).
        raise fail("signature", "the ID token is not a well-formed JWS") from None
    if not isinstance(header, dict) or header.get("b64", True) is not True:
        raise fail("signature", "the ID token's JWS header is not valid")
    return obj


def unverified_header(id_token: str) -> dict[str, Any]:
    """The protected header of a compact JWS, without verifying anything.

    For the session's key-rotation decision only (``needs_refresh``); never trust it.
    """
    return dict(_parse(id_token).headers())


def _algorithm(header: dict[str, Any], allowed: tuple[str, ...], allow_none: bool) -> Any:
    alg = header.get("alg")
    if alg == "none":
        # OpenID Connect Core §3.1.3.7 step 6 / §16.14: unsigned only when registered.
        if not allow_none:
            raise fail("alg", "unsigned ID tokens (alg none) are not accepted")
        return jws_algorithm("none")
    algorithm = jws_algorithm(alg)
    if algorithm is None or alg not in allowed:
        name = alg if isinstance(alg, str) else type(alg).__name__
        raise fail("alg", f"algorithm {name!r} is not allowed for this client")
    if not isinstance(header.get("kid", ""), str):
        raise fail("kid", "the kid is not a string")
    try:
        # Only "crit" matters: the registered members verification relies on (alg, kid)
        # are checked here, and the others (jku, x5u ...) are never followed.
        check_crit_header(_REGISTRY.header_registry, header)
    except (JoseError, TypeError):
        raise fail("signature", "the JWS header has a 'crit' member not understood") from None
    return algorithm


def _secret_key(client_secret: Secret, alg: str) -> Key:
    if not client_secret:
        raise fail("alg", f"{alg} ID tokens are keyed by the client secret and there is none")
    try:
        return import_hmac_secret(client_secret)
    except (JoseError, ValueError):
        raise fail("alg", f"the client secret cannot key {alg}") from None


def _verification_keys(
    header: Mapping[str, Any], algorithm: JWSAlgorithm, jwks: JWKSet | None, secret: Secret
) -> list[Key]:
    if algorithm.key_type == "oct":
        # Never a key from the set: an HMAC keyed by a public key is the classic
        # algorithm-confusion forgery.
        return [_secret_key(secret, algorithm.name)]
    kid = header.get("kid")
    if kid is not None and (not isinstance(kid, str) or jwks is None or not jwks.has_kid(kid)):
        raise fail("kid", "no key in the provider's JWK Set has this kid")
    keys = select_keys(jwks, header) if jwks is not None else []
    if not keys:
        raise fail("kid", f"no key in the provider's JWK Set fits {algorithm.name}")
    return keys


def _signature_ok(obj: CompactSignature, algorithm: JWSAlgorithm, key: Key | None) -> bool:
    segments = obj.segments
    try:
        signature = urlsafe_b64decode(segments["signature"])
        signing_input = segments["header"] + b"." + segments["payload"]
        return bool(algorithm.verify(signing_input, signature, key))
    except (JoseError, ValueError, TypeError):
        return False


def _claims(payload: bytes) -> dict[str, Any]:
    try:
        claims = loads(payload)
    except ValueError:
        claims = None
    if not isinstance(claims, dict):
        raise fail("signature", "the JWS payload is not a JSON object")
    return claims


def verify_jws(
    token: str,
    jwks: JWKSet | None,
    *,
    allowed_algs: tuple[str, ...],
    client_secret: Secret = None,
    allow_none: bool = False,
) -> VerifiedJWS:
    """Verify a compact JWS whose payload is a JSON object; no claim is checked here.

    The key comes from ``jwks`` by ``kid`` (or, without one, every key fitting ``alg``
    is tried, OpenID Connect Core §10.1), or is the client secret for HS* (§10.1).
    Shared by ID tokens and signed UserInfo responses (§5.3.2).
    """
    obj = _parse(token)
    header = obj.headers()
    algorithm = _algorithm(header, allowed_algs, allow_none)
    if algorithm.name == "none":
        if obj.segments["signature"]:
            raise fail("signature", "an unsigned JWS must have an empty signature")
        return VerifiedJWS(dict(header), _claims(obj.payload), None)
    for key in _verification_keys(header, algorithm, jwks, client_secret):
        if _signature_ok(obj, algorithm, key):
            return VerifiedJWS(dict(header), _claims(obj.payload), key)
    raise fail("signature", "the signature does not verify")
