"""Keys made at start: the provider's signing keys and the ``private_key_jwt`` client's.

Nothing is persisted between runs except the client's private keys, which are written
to the state directory (mode 0600) so that a test or a command-line user can sign
client assertions with them.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, Key, KeySet, OctKey, RSAKey

__all__ = [
    "HMAC_ALGS",
    "ProviderKeys",
    "generate_client_keys",
    "verify_jwt",
    "write_client_key_files",
    "write_private",
]

HMAC_ALGS = frozenset({"HS256", "HS384", "HS512"})
RSA_ALGS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"})
EC_ALGS = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}
ASYMMETRIC_ALGS = RSA_ALGS | frozenset(EC_ALGS)


class ProviderKeys:
    """The provider's signing keys: ``op-rsa-1`` (RSA-2048) and ``op-ec-1`` (P-256)."""

    def __init__(self) -> None:
        self.rsa = RSAKey.generate_key(2048, parameters={"kid": "op-rsa-1", "use": "sig"})
        self.ec = ECKey.generate_key("P-256", parameters={"kid": "op-ec-1", "use": "sig"})

    def __repr__(self) -> str:
        return "ProviderKeys(kids=['op-rsa-1', 'op-ec-1'])"

    @property
    def public_jwks(self) -> dict[str, Any]:
        """The JWK Set served at ``jwks_uri`` (public parts only, RFC 7517 §5)."""
        return dict(KeySet([self.rsa, self.ec]).as_dict(private=False))

    @property
    def keyset(self) -> KeySet:
        """Both keys, to verify tokens this provider signed (logout's ``id_token_hint``)."""
        return KeySet([self.rsa, self.ec])

    def sign(
        self,
        claims: Mapping[str, Any],
        alg: str,
        *,
        typ: str = "JWT",
        secret: str | None = None,
    ) -> str:
        """Sign ``claims`` with ``alg``: RSA/EC with our keys, HMAC with the client secret.

        OpenID Connect Core §10.1: HS* ID tokens are keyed with the client's secret.
        """
        key: Key
        header: dict[str, Any] = {"alg": alg, "typ": typ}
        if alg in HMAC_ALGS:
            if not secret:
                raise ValueError(f"{alg} needs a client secret")
            key = OctKey.import_key(secret)
        elif alg in RSA_ALGS:
            key = self.rsa
            header["kid"] = self.rsa.kid
        elif alg == "ES256":
            key = self.ec
            header["kid"] = self.ec.kid
        else:
            raise ValueError(f"unsupported signing algorithm {alg!r}")
        return jwt.encode(header, dict(claims), key, algorithms=[alg])


def generate_client_keys() -> KeySet:
    """The ``private_key_jwt`` client's key pairs: ``client-rsa-1`` and ``client-ec-1``."""
    return KeySet(
        [
            RSAKey.generate_key(
                2048, parameters={"kid": "client-rsa-1", "use": "sig", "alg": "RS256"}
            ),
            ECKey.generate_key(
                "P-256", parameters={"kid": "client-ec-1", "use": "sig", "alg": "ES256"}
            ),
        ]
    )


def public_keyset(keys: KeySet) -> KeySet:
    """The public half of a key set (what the provider keeps to verify assertions)."""
    public: KeySet = KeySet.import_key_set(keys.as_dict(private=False))
    return public


def verify_jwt(token: str, key: Key | KeySet, algs: frozenset[str]) -> tuple[dict[str, Any], str]:
    """Check a JWT's signature; return its claims and ``alg``, or raise ``ValueError``.

    Only ``algs`` are accepted, so ``none`` and algorithm confusion (an RSA public key
    used as an HMAC secret) are refused before any key is touched (RFC 8725 §3.1).
    """
    try:
        decoded = jwt.decode(token, key, algorithms=sorted(algs))
    except (JoseError, ValueError, TypeError) as exc:
        raise ValueError(f"signature check failed ({type(exc).__name__})") from None
    return dict(decoded.claims), str(decoded.header.get("alg"))


def peek_header(token: str) -> dict[str, Any]:
    """A JWT's protected header, not yet trusted (to choose the key and algorithm)."""
    head = token.split(".", 1)[0]
    try:
        raw = base64.urlsafe_b64decode(head + "=" * (-len(head) % 4))
        header = json.loads(raw)
    except (ValueError, TypeError):
        raise ValueError("malformed JWT header") from None
    if not isinstance(header, dict):
        raise ValueError("malformed JWT header")
    return header


def peek_claims(token: str) -> dict[str, Any]:
    """A JWT's claims before its signature is checked (to find who claims to sign it)."""
    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError("not a compact JWT")
    peek_header(token)
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, TypeError):
        raise ValueError("malformed JWT payload") from None
    if not isinstance(claims, dict):
        raise ValueError("malformed JWT payload")
    return claims


def write_client_key_files(directory: Path, keys: KeySet) -> dict[str, Path]:
    """Write the client's private keys (JWKS and PEM), readable by the owner only.

    Returns the paths by name: ``private_key_jwt_keys`` (the JWK Set, the same file the
    certified provider writes) and ``private_key_jwt_pem`` (the RSA key as PKCS#8 PEM).
    """
    jwks_path = directory / "client-private-jwt.private.json"
    pem_path = directory / "client-private-jwt.pem"
    rsa_key = next(k for k in keys.keys if isinstance(k, RSAKey))
    write_private(jwks_path, json.dumps(keys.as_dict(private=True), indent=2).encode() + b"\n")
    write_private(pem_path, rsa_key.as_pem(private=True))
    return {"private_key_jwt_keys": jwks_path, "private_key_jwt_pem": pem_path}


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` readable by its owner only, from the first byte.

    A temporary file made with mode 0600 is filled, then replaces ``path``: an existing
    file's looser mode never applies, and no reader sees a half-written file.
    """
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
