"""Signing keys for JWT assertions: import once from any form, check against the algorithm.

A key arrives as PEM (``str``/``bytes``, optionally encrypted), a JWK or JWK Set ``dict``,
a ``cryptography`` private key, a ``joserfc`` key, or an HMAC secret for HS*. It is parsed
once and cached, so a PEM string costs the same per signature as a key object. Messages
name the algorithm and the key type, never the key material.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.serialization import (
    load_der_private_key,
    load_der_public_key,
    load_pem_private_key,
    load_pem_public_key,
    load_ssh_private_key,
    load_ssh_public_key,
)
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, JWKRegistry, Key, OctKey, OKPKey, RSAKey

__all__ = [
    "ASYMMETRIC_ALGORITHMS",
    "HMAC_ALGORITHMS",
    "SUPPORTED_ALGORITHMS",
    "SigningKeyCache",
    "check_algorithm",
    "default_algorithm",
    "import_hmac_secret",
    "import_private_key",
    "import_signing_key",
    "key_id",
]

HMAC_ALGORITHMS = ("HS256", "HS384", "HS512")
ASYMMETRIC_ALGORITHMS = (
    "RS256", "RS384", "RS512",
    "PS256", "PS384", "PS512",
    "ES256", "ES384", "ES512",
    "EdDSA", "Ed25519", "Ed448",
)  # fmt: skip
SUPPORTED_ALGORITHMS = HMAC_ALGORITHMS + ASYMMETRIC_ALGORITHMS

# alg -> (JWK key type, allowed curves or None)
_KEY_RULES: dict[str, tuple[str, tuple[str, ...] | None]] = {
    **{alg: ("oct", None) for alg in HMAC_ALGORITHMS},
    **{alg: ("RSA", None) for alg in ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512")},
    "ES256": ("EC", ("P-256",)),
    "ES384": ("EC", ("P-384",)),
    "ES512": ("EC", ("P-521",)),
    "EdDSA": ("OKP", ("Ed25519", "Ed448")),
    "Ed25519": ("OKP", ("Ed25519",)),
    "Ed448": ("OKP", ("Ed448",)),
}

_KTY_NAMES = {"oct": "an HMAC secret", "RSA": "an RSA key", "EC": "an EC key", "OKP": "an OKP key"}

# RFC 7518 §3.3: "A key of size 2048 bits or larger MUST be used with these algorithms."
_MIN_RSA_BITS = 2048

_PRIVATE_KEY_TYPES = (
    rsa.RSAPrivateKey,
    ec.EllipticCurvePrivateKey,
    ed25519.Ed25519PrivateKey,
    ed448.Ed448PrivateKey,
)


def check_algorithm(alg: object) -> str:
    """Return ``alg`` when it is one grantflow signs with, else raise ValueError listing them."""
    if not isinstance(alg, str) or alg not in _KEY_RULES:
        known = ", ".join(SUPPORTED_ALGORITHMS)
        raise ValueError(f"unsupported signing algorithm {alg!r}; use one of: {known}")
    return alg


def key_id(key: Key) -> str | None:
    """The key's own ``kid`` (from its JWK), or None: a kid is never derived or invented."""
    kid = key.get("kid")
    return kid if isinstance(kid, str) else None


def import_signing_key(
    source: object,
    alg: str,
    *,
    password: str | bytes | None = None,
    kid: str | None = None,
) -> Key:
    """Import ``source`` as a key that signs with ``alg``, through the module-wide cache.

    ``kid`` selects the key in a JWK Set; ``password`` decrypts an encrypted PEM.
    """
    return _SHARED_CACHE.get(source, alg, password=password, kid=kid)


class SigningKeyCache:
    """A small, thread-safe LRU of imported signing keys.

    Entries are keyed by the key material (a canonical JSON string for a JWK dict, the
    object's identity for key objects, which the entry keeps alive) plus the algorithm,
    the password and the kid, so a mutated dict or another algorithm never hits a stale key.
    """

    def __init__(self, maxsize: int = 16) -> None:
        self._maxsize = maxsize
        self._entries: OrderedDict[tuple[object, ...], tuple[object, Key]] = OrderedDict()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={len(self._entries)}, maxsize={self._maxsize})"

    def get(
        self,
        source: object,
        alg: str,
        *,
        password: str | bytes | None = None,
        kid: str | None = None,
    ) -> Key:
        """The imported key for ``source``, importing and checking it on first use."""
        cache_key = (_material(source), alg, password, kid)
        with self._lock:
            entry = self._entries.get(cache_key)
            if entry is not None:
                self._entries.move_to_end(cache_key)
                return entry[1]
        key = _import(source, alg, password, kid)
        with self._lock:
            self._entries[cache_key] = (source, key)
            while len(self._entries) > self._maxsize:
                self._entries.popitem(last=False)
        return key


def _material(source: object) -> object:
    """A hashable stand-in for the key material."""
    if isinstance(source, (str, bytes)):
        return (type(source), source)
    if isinstance(source, Mapping):
        try:
            return ("jwk", json.dumps(source, sort_keys=True, separators=(",", ":")))
        except (TypeError, ValueError):
            raise ValueError("a JWK or JWK Set must be a JSON object") from None
    # Key objects: identity. The cache entry holds the object, so its id stays unique.
    return ("object", id(source))


# Without a named algorithm, a key signs with the one its type and curve imply. RSA keys
# get RS256, the RSA algorithm every JOSE implementation has (RFC 7518 §3.1); PS256 is
# one alg= away. Ed448 keys sign as EdDSA too (RFC 8037 §3.1).
_DEFAULT_ALGORITHMS = {
    ("RSA", None): "RS256",
    ("EC", "P-256"): "ES256",
    ("EC", "P-384"): "ES384",
    ("EC", "P-521"): "ES512",
    ("OKP", "Ed25519"): "EdDSA",
    ("OKP", "Ed448"): "EdDSA",
}


def default_algorithm(key: Key) -> str:
    """The algorithm ``key`` signs with when none is named: its JWK ``alg``, else its type's."""
    own = key.get("alg")
    if isinstance(own, str) and own in ASYMMETRIC_ALGORITHMS:
        return own
    curve = key.curve_name if isinstance(key, (ECKey, OKPKey)) else None
    alg = _DEFAULT_ALGORITHMS.get((key.key_type, curve))
    if alg is None:
        got = _KTY_NAMES.get(key.key_type, key.key_type)
        where = f" on {curve}" if curve else ""
        raise ValueError(f"no asymmetric signing algorithm fits {got}{where}")
    return alg


def import_private_key(
    source: object, alg: str | None = None, *, password: str | bytes | None = None
) -> tuple[Key, str]:
    """Import an asymmetric private key and the algorithm it signs with, bypassing the cache.

    For a key its owner keeps for a long time (a DPoP key): it is parsed here once and
    never shared with the module-wide cache. ``alg=None`` takes :func:`default_algorithm`.
    """
    if alg is not None and check_algorithm(alg) in HMAC_ALGORITHMS:
        raise ValueError(f"{alg} is an HMAC algorithm; an asymmetric one is needed")
    if alg is None:
        source = _asymmetric_key(source, password)
        alg = default_algorithm(source)
    return _import(source, alg, password, None), alg


def _asymmetric_key(source: object, password: str | bytes | None) -> Key:
    """``source`` as a joserfc key whose type is not yet checked against an algorithm."""
    if isinstance(source, (RSAKey, ECKey, OKPKey)):
        return source
    if isinstance(source, Mapping):
        if "keys" in source:
            raise ValueError("a JWK Set holds several keys: pass alg= to choose one")
        return _import_jwk(source)
    if isinstance(source, _PRIVATE_KEY_TYPES):
        return _wrap_native(source)
    if isinstance(source, (str, bytes)) and source:
        return _wrap_native(_load_pem(source, password))
    if source is None or isinstance(source, (str, bytes)):
        raise ValueError("a private key is needed, got an empty value")
    if isinstance(source, OctKey):
        raise ValueError("an HMAC secret cannot be used here: an asymmetric key is needed")
    raise TypeError(f"unsupported key type {type(source).__name__}")


def _import(source: object, alg: str, password: str | bytes | None, kid: str | None) -> Key:
    """Parse ``source`` into a joserfc key for ``alg`` and check that it can sign."""
    check_algorithm(alg)
    kty = _KEY_RULES[alg][0]
    if isinstance(source, (OctKey, RSAKey, ECKey, OKPKey)):
        key: Key = source
    elif isinstance(source, Mapping):
        key = _import_jwk(_pick_jwk(source, alg, kid) if "keys" in source else source)
    elif isinstance(source, _PRIVATE_KEY_TYPES):
        key = _wrap_native(source)
    elif isinstance(source, (str, bytes)):
        if not source:
            raise ValueError(f"{alg} needs a key, got an empty value")
        if kty == "oct":
            key = _import_secret(source, alg)
        else:
            key = _wrap_native(_load_pem(source, password))
    elif source is None:
        raise ValueError(f"{alg} needs a key, got None")
    else:
        raise TypeError(f"unsupported key type {type(source).__name__} for {alg}")
    _check_fits(key, alg)
    return key


def _import_jwk(data: Mapping[str, Any]) -> Key:
    try:
        return JWKRegistry.import_key(dict(data))
    except (JoseError, ValueError, TypeError, KeyError):
        kty = data.get("kty")
        raise ValueError(f"invalid JWK (kty={kty!r})") from None


def _import_secret(secret: str | bytes, alg: str) -> Key:
    raw = secret.encode("utf-8") if isinstance(secret, str) else secret
    if b"PRIVATE KEY-----" in raw:
        # A private key given to client_secret_jwt is a configuration mistake (the method
        # meant is private_key_jwt); MACing with its PEM text would only hide it.
        raise ValueError(f"{alg} needs an HMAC secret, got a PEM private key")
    return import_hmac_secret(raw)


# Text that marks a key or certificate (PEM, RFC 4716 SSH, OpenSSH public keys).
_KEY_MARKERS = (
    b"-----BEGIN ",
    b"---- BEGIN ",
    b"ssh-rsa ",
    b"ssh-dss ",
    b"ssh-ed25519 ",
    b"ecdsa-sha2-",
)
_PUBLIC_LOADERS = (
    load_pem_public_key,
    load_der_public_key,
    load_ssh_public_key,
    x509.load_pem_x509_certificate,
    x509.load_der_x509_certificate,
)


def _is_key_material(raw: bytes) -> bool:
    if any(marker in raw for marker in _KEY_MARKERS):
        return True
    for loader in _PUBLIC_LOADERS:
        try:
            loader(raw)
        except (ValueError, TypeError, UnsupportedAlgorithm):
            continue
        return True
    return False


def import_hmac_secret(secret: str | bytes) -> OctKey:
    """``secret`` as an HMAC key; ValueError when it is a public key or certificate.

    An HMAC keyed by a public key is the classic algorithm-confusion forgery: anyone can
    read the key. Some joserfc versions (1.1 to 1.5) only warn and accept such keys, so
    the refusal is made here, whatever joserfc's version.
    """
    raw = secret.encode("utf-8") if isinstance(secret, str) else secret
    if _is_key_material(raw):
        raise ValueError("an HMAC secret must not be a public key")
    try:
        key: OctKey = OctKey.import_key(raw)
    except ValueError:
        raise ValueError("an HMAC secret must not be a public key") from None
    return key


def _wrap_native(native: object) -> Key:
    if isinstance(native, rsa.RSAPrivateKey):
        return RSAKey(native, native)
    if isinstance(native, ec.EllipticCurvePrivateKey):
        return ECKey(native, native)
    if isinstance(native, (ed25519.Ed25519PrivateKey, ed448.Ed448PrivateKey)):
        return OKPKey(native, native)
    raise ValueError(f"a {type(native).__name__} cannot sign JWTs")


def _load_pem(data: str | bytes, password: str | bytes | None) -> object:
    """Load a private key from PEM (or DER bytes, or an OpenSSH private key)."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    secret = password.encode("utf-8") if isinstance(password, str) else password
    if b"PUBLIC KEY" in raw or b"CERTIFICATE" in raw:
        raise ValueError("a public key or certificate cannot sign: pass the private key")
    try:
        if b"OPENSSH PRIVATE KEY" in raw:
            return load_ssh_private_key(raw, password=secret)
        if b"-----BEGIN" in raw:
            return load_pem_private_key(raw, password=secret)
        return load_der_private_key(raw, password=secret)
    except TypeError:
        # cryptography: TypeError when encryption and password do not go together.
        if secret is None:
            raise ValueError("the private key is encrypted: pass its password") from None
        raise ValueError("the private key is not encrypted: pass no password") from None
    except (ValueError, UnsupportedAlgorithm):
        raise ValueError(
            "could not load the private key (not PEM/DER, or a wrong password)"
        ) from None


def _pick_jwk(jwks: Mapping[str, Any], alg: str, kid: str | None) -> Mapping[str, Any]:
    """Choose the signing key in a JWK Set by ``kid`` and/or ``alg`` (RFC 7517 §5)."""
    keys = jwks.get("keys")
    if not isinstance(keys, list):
        raise ValueError("a JWK Set needs a 'keys' list")
    kty, curves = _KEY_RULES[alg]
    for jwk in keys:
        if not isinstance(jwk, Mapping):
            continue
        if kid is not None and jwk.get("kid") != kid:
            continue
        if jwk.get("kty") != kty or jwk.get("alg", alg) != alg or jwk.get("use", "sig") != "sig":
            continue
        if curves is not None and jwk.get("crv") not in curves:
            continue
        if kty != "oct" and "d" not in jwk:
            continue  # a public key in the set cannot sign
        return jwk
    wanted = f"alg={alg}" + (f", kid={kid!r}" if kid is not None else "")
    raise ValueError(f"no private key in the JWK Set fits {wanted}")


def _check_fits(key: Key, alg: str) -> None:
    """Raise ValueError unless ``key`` can sign with ``alg`` (RFC 7518 §3, RFC 8037 §3.1)."""
    kty, curves = _KEY_RULES[alg]
    if key.key_type != kty:
        got = _KTY_NAMES.get(key.key_type, key.key_type)
        raise ValueError(f"{alg} needs {_KTY_NAMES[kty]}, got {got}")
    if not key.is_private:
        raise ValueError(f"{alg} needs a private key, got a public key")
    if curves is not None:
        curve = key.curve_name if isinstance(key, (ECKey, OKPKey)) else None
        if curve not in curves:
            raise ValueError(f"{alg} needs a key on {' or '.join(curves)}, got {curve}")
    if isinstance(key, RSAKey) and key.raw_value.key_size < _MIN_RSA_BITS:
        raise ValueError(f"{alg} needs an RSA key of at least {_MIN_RSA_BITS} bits")
    try:
        key.check_use("sig")
        key.check_alg(alg)
        key.check_key_op("sign")
    except JoseError:
        raise ValueError(f"the key's JWK use/alg/key_ops do not allow signing with {alg}") from None


_SHARED_CACHE = SigningKeyCache(maxsize=64)
