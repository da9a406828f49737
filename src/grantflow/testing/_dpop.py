"""DPoP (RFC 9449) on the development provider: proofs, nonces and bound tokens.

A proof is checked as §4.3 says: a compact JWS with ``typ`` ``dpop+jwt``, an asymmetric
``alg``, a public ``jwk`` header that verifies the signature, ``htm`` and ``htu`` of the
request, ``iat`` within a minute of the provider's clock, a ``jti`` not seen before for
that key, ``ath`` of the access token at a resource, and the provider's nonce when the
client's registration asks for one (``require_dpop_nonce``, a development extension;
``client-dpop-nonce`` has it). Nonces are an HMAC of the time window, so any thread can
check one without shared state; the current and the previous window's are accepted.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import JWKRegistry
from joserfc.jws import JWSRegistry

from .._core._b64 import b64url
from .._core._dpop import DPOP_NONCE_HEADER, PROOF_TYPE, USE_DPOP_NONCE, compute_ath
from ..errors import OAuthError
from ._config import Client
from ._context import Context
from ._http import Request, Response, json_response
from ._keys import peek_header

__all__ = [
    "DPOP_ALGS",
    "DPoPError",
    "bound_token_type",
    "current_nonce",
    "dpop_error_response",
    "needs_nonce",
    "token_request_proof",
    "verify_proof",
]

#: What proofs may be signed with (the certified provider's list, RS/PS/ES and EdDSA).
DPOP_ALGS = ("ES256", "ES384", "PS256", "RS256", "Ed25519", "EdDSA")
#: How far ``iat`` may be from the provider's clock, either way (RFC 9449 §11.1).
PROOF_WINDOW = 60
#: How long one nonce lasts; the previous window's nonce is still accepted.
NONCE_WINDOW = 300
_PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "k", "oth"})
_PROOFS = JWSRegistry(algorithms=list(DPOP_ALGS))
# The header carries the public key: an RSA one does not fit joserfc's default 512 bytes.
_PROOFS.max_header_length = 4096


class DPoPError(OAuthError):
    """An error answered the DPoP way: a ``DPoP-Nonce`` for ``use_dpop_nonce`` and, at a
    resource (401), a ``WWW-Authenticate: DPoP`` challenge (RFC 9449 §7.1, §8, §9)."""


def _refuse(description: str, status: int = 400, error: str = "invalid_dpop_proof") -> DPoPError:
    return DPoPError(error, description, status_code=status)


def needs_nonce(client: Client | None) -> bool:
    """Whether the provider demands its nonce in this client's proofs."""
    return client is not None and bool(client.metadata.get("require_dpop_nonce"))


def bound_token_type(jkt: str | None) -> str:
    """The ``token_type`` of an access token: ``DPoP`` when bound to a key (RFC 9449 §5)."""
    return "DPoP" if jkt is not None else "Bearer"


def current_nonce(ctx: Context, *, windows_ago: int = 0) -> str:
    """The nonce of the current time window (RFC 9449 §8): unguessable, changes by itself."""
    window = ctx.store.now() // NONCE_WINDOW - windows_ago
    digest = hmac.new(ctx.dpop_secret, str(window).encode(), hashlib.sha256).digest()
    return b64url(digest).decode("ascii")


def _same_uri(htu: object, url: str) -> bool:
    """RFC 9449 §4.3 item 9: ``htu`` matches without query and fragment (scheme and host
    compared case-insensitively)."""
    if not isinstance(htu, str):
        return False
    a, b = urlsplit(htu), urlsplit(url)
    return (a.scheme.lower(), a.netloc.lower(), a.path or "/") == (
        b.scheme.lower(),
        b.netloc.lower(),
        b.path or "/",
    )


def verify_proof(
    ctx: Context,
    request: Request,
    url: str,
    *,
    access_token: str | None = None,
    nonce: bool = False,
    status: int = 400,
) -> str | None:
    """Check the request's ``DPoP`` proof for ``url``; its key's RFC 7638 thumbprint.

    None when the request has no proof. A bad proof is ``invalid_dpop_proof`` (with
    ``status``: 400 at the token endpoint, 401 at a resource), a missing or stale nonce
    is ``use_dpop_nonce``, both as :class:`DPoPError`.
    """
    proof = request.headers.get("dpop")
    if proof is None:
        return None
    claims, jkt = _signed_claims(proof, status)
    if not isinstance(claims.get("jti"), str) or not claims["jti"]:
        raise _refuse("the DPoP proof has no 'jti'", status)
    if claims.get("htm") != request.method:
        raise _refuse("the DPoP proof's 'htm' is not the request's method", status)
    if not _same_uri(claims.get("htu"), url):
        raise _refuse("the DPoP proof's 'htu' is not the request's URI", status)
    iat = claims.get("iat")
    now = ctx.store.now()
    if not isinstance(iat, (int, float)) or isinstance(iat, bool) or abs(now - iat) > PROOF_WINDOW:
        raise _refuse("the DPoP proof's 'iat' is missing or outside the window", status)
    if access_token is not None and claims.get("ath") != compute_ath(access_token):
        raise _refuse("the DPoP proof's 'ath' is not the access token's hash", status)
    if nonce and claims.get("nonce") not in {current_nonce(ctx), current_nonce(ctx, windows_ago=1)}:
        raise _refuse(
            "the authorization server requires a nonce in DPoP proofs", status, USE_DPOP_NONCE
        )
    # RFC 9449 §11.1: a proof is used once; keep its jti as long as its iat is acceptable.
    if not ctx.store.first_use_of_jti("dpop:" + jkt, claims["jti"], float(iat) + PROOF_WINDOW):
        raise _refuse("the DPoP proof's 'jti' was already used", status)
    return jkt


def _signed_claims(proof: str, status: int) -> tuple[dict[str, Any], str]:
    """The claims of a proof whose signature its own ``jwk`` verifies, and the thumbprint."""
    try:
        header = peek_header(proof)
    except ValueError:
        raise _refuse("the DPoP proof is not a JWT", status) from None
    alg, jwk = header.get("alg"), header.get("jwk")
    if header.get("typ") != PROOF_TYPE:
        raise _refuse("the DPoP proof's 'typ' must be dpop+jwt", status)
    if alg not in DPOP_ALGS:
        raise _refuse("the DPoP proof's 'alg' is not supported", status)
    if not isinstance(jwk, Mapping) or _PRIVATE_MEMBERS & set(jwk):
        raise _refuse("the DPoP proof's 'jwk' must be a public key", status)
    try:
        key = JWKRegistry.import_key(dict(jwk))
        payload = jws.deserialize_compact(proof, key, registry=_PROOFS).payload
        claims = json.loads(payload)
    except (JoseError, ValueError, TypeError):
        raise _refuse("the DPoP proof's signature does not verify", status) from None
    if not isinstance(claims, dict):
        raise _refuse("the DPoP proof's payload is not a JSON object", status)
    return claims, key.thumbprint()


def token_request_proof(
    ctx: Context, client: Client | None, request: Request, url: str
) -> str | None:
    """The key a token (or PAR) request binds to, or None; a client registered with
    ``dpop_bound_access_tokens`` must send a proof (RFC 9449 §5.2)."""
    jkt = verify_proof(ctx, request, url, nonce=needs_nonce(client))
    if jkt is None and client is not None and client.metadata.get("dpop_bound_access_tokens"):
        raise _refuse("this client must send a DPoP proof")
    return jkt


def dpop_error_response(ctx: Context, error: OAuthError) -> Response:
    """The JSON error with ``DPoP-Nonce`` when a nonce is wanted and, at a resource, the
    ``WWW-Authenticate: DPoP`` challenge listing the accepted algorithms (RFC 9449 §7.1)."""
    status = error.status_code or 400
    body = {"error": error.error}
    if error.description:
        body["error_description"] = error.description
    headers: list[tuple[str, str]] = []
    if status == 401:
        description = (error.description or "").replace('"', "'")
        headers.append(
            (
                "WWW-Authenticate",
                f'DPoP error="{error.error}", error_description="{description}",'
                f' algs="{" ".join(DPOP_ALGS)}"',
            )
        )
    if error.error == USE_DPOP_NONCE:
        headers.append((DPOP_NONCE_HEADER, current_nonce(ctx)))
    return json_response(body, status, tuple(headers))
