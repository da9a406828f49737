"""JWT client authentication: ``client_secret_jwt`` and ``private_key_jwt`` (RFC 7523 §2.2).

The client proves who it is with a signed assertion in the token request body
(``client_assertion_type`` + ``client_assertion``, RFC 7521 §4.2) instead of sending a
secret. ``client_secret_jwt`` MACs it with the client secret, ``private_key_jwt`` signs
it with the private key held in the session's ``client_secret`` (OpenID Connect Core §9).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any, ClassVar
from urllib.parse import urlencode, urlsplit, urlunsplit

from joserfc.jwk import Key

from ._assertion import assertion_claims, assertion_header, resolve_alg, sign_jwt
from ._keys import ASYMMETRIC_ALGORITHMS, HMAC_ALGORITHMS, SigningKeyCache

__all__ = [
    "JWT_BEARER_CLIENT_ASSERTION_TYPE",
    "ClientSecretJWT",
    "PrivateKeyJWT",
    "add_assertion_to_body",
]

#: RFC 7523 §2.2
JWT_BEARER_CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

# The type pair never changes; its ':' characters take urllib's slow quoting path, so it
# is form-encoded once here rather than on every token request.
_ASSERTION_TYPE_FORM = urlencode([("client_assertion_type", JWT_BEARER_CLIENT_ASSERTION_TYPE)])


def add_assertion_to_body(body: str, assertion: str) -> str:
    """Append ``client_assertion_type`` and ``client_assertion`` to a form body (RFC 7521 §4.2).

    ``assertion`` is a compact JWS: base64url segments joined by '.' (RFC 7515 §7.1), all
    characters that form encoding leaves as they are, so it is appended without another
    pass through the encoder (that pass cost as much as an HMAC signature).
    """
    pairs = f"{_ASSERTION_TYPE_FORM}&client_assertion={assertion}"
    return f"{body}&{pairs}" if body else pairs


class _JWTClientAuth:
    """Shared machinery of the two JWT client authentication methods."""

    name: ClassVar[str]
    default_alg: ClassVar[str]
    allowed_algs: ClassVar[tuple[str, ...]]

    def __init__(
        self,
        token_endpoint: str | None = None,
        claims: Mapping[str, Any] | None = None,
        headers: Mapping[str, Any] | None = None,
        alg: str | None = None,
        *,
        expires_in: int = 3600,
        issuer_as_audience: bool = False,
        key_password: str | bytes | None = None,
        now: Callable[[], float] | None = None,
    ) -> None:
        # Copies: later changes to the caller's dicts do not leak into assertions, and
        # nothing here ever writes to them. None when not given, as code written for the
        # best-known client's auth objects tests `if auth.claims is None`.
        self.token_endpoint = token_endpoint
        self.claims: dict[str, Any] | None = dict(claims) if claims is not None else None
        self.headers: dict[str, Any] | None = dict(headers) if headers is not None else None
        if alg is None and not (self.headers and "alg" in self.headers):
            alg = self.default_alg
        self.alg: str = resolve_alg(alg, self.headers)
        if self.alg not in self.allowed_algs:
            allowed = ", ".join(self.allowed_algs)
            raise ValueError(f"{self.name} signs with {allowed}; {self.alg} is not one of them")
        if isinstance(expires_in, bool) or not isinstance(expires_in, int) or expires_in <= 0:
            raise ValueError("expires_in must be a positive number of seconds")
        self.expires_in = expires_in
        self.issuer_as_audience = issuer_as_audience
        self._key_password = key_password
        self._now: Callable[[], float] = now if now is not None else time.time
        kid = self.headers.get("kid") if self.headers else None
        self._kid: str | None = kid if isinstance(kid, str) else None
        self._keys = SigningKeyCache(maxsize=4)
        # (client_secret, key, header) of the last immutable secret: a PEM string costs
        # one identity check per assertion, like a key object.
        self._last: tuple[object, Key, dict[str, Any]] | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(alg={self.alg!r}, token_endpoint={self.token_endpoint!r})"

    def __call__(
        self, client: Any, method: str, uri: str, headers: dict[str, str], body: str
    ) -> tuple[str, dict[str, str], str]:
        """Add ``client_assertion_type`` and a fresh ``client_assertion`` to the form body."""
        audience = self.token_endpoint or _without_query(uri)
        assertion = self.sign(client, audience)
        return uri, headers, add_assertion_to_body(body, assertion)

    def sign(self, client: Any, token_endpoint: str | None = None) -> str:
        """Return a signed assertion for ``client`` with ``aud = token_endpoint`` (compact JWS).

        Claims (RFC 7523 §3): ``iss = sub = client_id``, ``aud``, ``iat``, ``exp = iat +
        expires_in`` and a fresh ``jti``, then the configured ``claims``.
        """
        client_id = _client_id(client)
        key, header = self._key_and_header(client)
        audience = self._audience(client, token_endpoint)
        payload = assertion_claims(
            issuer=client_id,
            subject=client_id,
            audience=audience,
            issued_at=int(self._now()),
            expires_in=self.expires_in,
            claims=self.claims,
        )
        return sign_jwt(header, payload, key)

    def check_client(self, client: Any) -> None:
        """Fail early: ValueError when the client has no id or its key cannot sign with alg."""
        _client_id(client)
        self._key_and_header(client)

    def _key_and_header(self, client: Any) -> tuple[Key, dict[str, Any]]:
        source = getattr(client, "client_secret", None)
        last = self._last
        if last is not None and last[0] is source:
            return last[1], last[2]
        key = self._keys.get(source, self.alg, password=self._key_password, kid=self._kid)
        header = assertion_header(self.alg, key, self.headers)
        if not isinstance(source, Mapping):
            # A dict may be changed in place: it goes through the cache's JSON key instead.
            self._last = (source, key, header)
        return key, header

    def _audience(self, client: Any, token_endpoint: str | None) -> str:
        if self.issuer_as_audience:
            # FAPI 2.0 Security Profile §5.3.2.1: the audience is the AS issuer identifier.
            metadata = getattr(client, "metadata", None)
            issuer = metadata.get("issuer") if isinstance(metadata, Mapping) else None
            if not isinstance(issuer, str) or not issuer:
                raise ValueError("issuer_as_audience needs the server's issuer in client metadata")
            return issuer
        audience = token_endpoint or self.token_endpoint
        if not audience:
            raise ValueError(f"{self.name} needs the token endpoint as the audience")
        return audience


class ClientSecretJWT(_JWTClientAuth):
    """``client_secret_jwt``: an assertion MACed with the client secret (HS256 by default).

    Give it as ``token_endpoint_auth_method=``; each token request then carries a fresh
    assertion (RFC 7523 §2.2, OpenID Connect Core §9).

    Args:
        token_endpoint: The assertion's ``aud``; by default the URL it is sent to.
        claims: Further claims of every assertion (they override the defaults).
        headers: Further JOSE header values (``kid``, ...); ``alg`` may be given here.
        alg: The signing algorithm; HS256 by default (HS256, HS384 or HS512).
        expires_in: Seconds each assertion is valid (``exp - iat``).
        issuer_as_audience: Put the server's ``issuer`` in ``aud`` instead of the token
            endpoint (FAPI 2.0 Security Profile §5.3.2.1).
        key_password: Not used by HMAC (accepted for symmetry with ``PrivateKeyJWT``).
        now: The clock giving epoch seconds (``time.time``; a test may pass its own).

    Raises:
        ValueError: ``alg`` is unknown, is not an HMAC algorithm, or disagrees with
            ``headers["alg"]``; ``expires_in`` is not a positive integer. Signing
            raises ValueError too when the client has no ``client_id``, its secret cannot
            sign with ``alg``, or no audience is known.
    """

    name = "client_secret_jwt"
    default_alg = "HS256"
    allowed_algs = HMAC_ALGORITHMS


class PrivateKeyJWT(_JWTClientAuth):
    """``private_key_jwt``: an assertion signed with the client's private key (RS256 default).

    Used as :class:`ClientSecretJWT` is; the session's ``client_secret`` holds the key:
    PEM, JWK, JWK Set or a key object.

    Args:
        token_endpoint: The assertion's ``aud``; by default the URL it is sent to.
        claims: Further claims of every assertion (they override the defaults).
        headers: Further JOSE header values (``kid``, ...); ``alg`` may be given here.
        alg: The signing algorithm; RS256 by default (any asymmetric algorithm: RS*, PS*, ES*,
            EdDSA).
        expires_in: Seconds each assertion is valid (``exp - iat``).
        issuer_as_audience: Put the server's ``issuer`` in ``aud`` instead of the token
            endpoint (FAPI 2.0 Security Profile §5.3.2.1).
        key_password: The password of an encrypted PEM private key.
        now: The clock giving epoch seconds (``time.time``; a test may pass its own).

    Raises:
        ValueError: ``alg`` is unknown, is not an asymmetric algorithm, or disagrees with
            ``headers["alg"]``; ``expires_in`` is not a positive integer. Signing
            raises ValueError too when the client has no ``client_id``, its key cannot
            sign with ``alg``, or no audience is known.
    """

    name = "private_key_jwt"
    default_alg = "RS256"
    allowed_algs = ASYMMETRIC_ALGORITHMS


def _client_id(client: Any) -> str:
    client_id = getattr(client, "client_id", None)
    if not isinstance(client_id, str) or not client_id:
        raise ValueError("JWT client authentication needs a client_id")
    return client_id


def _without_query(uri: str) -> str:
    parts = urlsplit(uri)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
