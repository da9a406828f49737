"""JSON Web Key Sets: parse once, then choose verification keys by ``kid``, ``alg`` and ``use``.

The provider's ``jwks_uri`` document (RFC 7517 §5, OpenID Connect Core §10.1) is imported
into joserfc keys a single time; every later validation only looks keys up. The session
fetches the document; this module never does I/O. When a JWS names a ``kid`` the set does
not hold, or no key fits its ``alg``, :func:`needs_refresh` tells the session to fetch the
set again once (the provider may have rotated its keys, OpenID Connect Core §10.1.1).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from joserfc.errors import JoseError
from joserfc.jwk import ECKey, Key, OKPKey, RSAKey
from joserfc.jws import JWSRegistry

from ..errors import InvalidResponseError

__all__ = [
    "JWKSet",
    "JWSAlgorithm",
    "jws_algorithm",
    "key_fits",
    "needs_refresh",
    "parse_jwks",
    "select_keys",
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


@dataclass(frozen=True)
class JWKSet:
    """A parsed JWK Set: public verification keys, indexed by ``kid``.

    ``keys`` keeps the document's order. The per-``(kid, alg)`` choice of keys is memoised
    in ``_choices`` so that repeated validations against a warm set do no key work at all.
    """

    keys: tuple[Key, ...]
    _by_kid: Mapping[str, tuple[Key, ...]] = field(init=False, repr=False, compare=False)
    _choices: dict[tuple[str | None, str], tuple[Key, ...]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        by_kid: dict[str, list[Key]] = {}
        for key in self.keys:
            kid = key.kid
            if isinstance(kid, str):
                by_kid.setdefault(kid, []).append(key)
        frozen = {kid: tuple(found) for kid, found in by_kid.items()}
        object.__setattr__(self, "_by_kid", MappingProxyType(frozen))
        object.__setattr__(self, "_choices", {})

    def __len__(self) -> int:
        return len(self.keys)

    def kids(self) -> frozenset[str]:
        """The ``kid`` values present in the set."""
        return frozenset(self._by_kid)

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
    if kid is not None and not isinstance(kid, str):
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
