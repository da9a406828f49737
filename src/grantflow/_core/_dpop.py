"""DPoP (RFC 9449): the key a client proves possession with, its proofs, and the nonce rules.

A DPoP-bound access token is worthless without the private key it was bound to: each
request carries a fresh proof, a JWT signed with that key naming the method and URL
(§4). The key is parsed once and its JOSE header encoded once, and the claims are
joined from runs encoded ahead (``_dpop_claims``), so a proof costs one signature and
little else. Servers may demand a nonce they choose
(§8, §9): the helpers below read it and recognise the ``use_dpop_nonce`` challenge; the
flow decides to retry once.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from joserfc.jwk import ECKey, Key, OKPKey, RSAKey
from joserfc.jws import JWSRegistry

from ..errors import InvalidResponseError, UnsupportedTokenTypeError
from ._b64 import b64url
from ._challenge import parse_challenges
from ._dpop_claims import NONCE, Claims, compute_ath
from ._frozen import Frozen
from ._http import HttpRequest, HttpResponse
from ._https import origin
from ._keys import ASYMMETRIC_ALGORITHMS, import_private_key

__all__ = [
    "DPOP_HEADER",
    "DPOP_NONCE_HEADER",
    "PROOF_TYPE",
    "USE_DPOP_NONCE",
    "DPoPKey",
    "DPoPNonces",
    "ProofFor",
    "add_dpop_jkt",
    "add_proof",
    "check_token_binding",
    "compute_ath",
    "is_use_dpop_nonce",
    "read_dpop_nonce",
    "retry_nonce",
]

#: The request header carrying a proof (RFC 9449 §4.1).
DPOP_HEADER = "DPoP"
#: The response header carrying a server-chosen nonce (RFC 9449 §8, §9).
DPOP_NONCE_HEADER = "DPoP-Nonce"
#: The proof's ``typ`` header (RFC 9449 §4.2).
PROOF_TYPE = "dpop+jwt"
#: The error code of a nonce challenge (RFC 9449 §8, §9).
USE_DPOP_NONCE = "use_dpop_nonce"

_REGISTRY = JWSRegistry(algorithms=list(ASYMMETRIC_ALGORITHMS))
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))

# RFC 7638 §3.2: the required members of each key type, the only ones a thumbprint
# hashes; the proof's jwk header carries exactly these, so it never holds a private part.
_PUBLIC_MEMBERS = {
    "RSA": ("e", "kty", "n"),
    "EC": ("crv", "kty", "x", "y"),
    "OKP": ("crv", "kty", "x"),
}

_GENERATORS: dict[str, Callable[[], Key]] = {
    **dict.fromkeys(
        ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512"),
        lambda: RSAKey.generate_key(2048, private=True),
    ),
    "ES256": lambda: ECKey.generate_key("P-256", private=True),
    "ES384": lambda: ECKey.generate_key("P-384", private=True),
    "ES512": lambda: ECKey.generate_key("P-521", private=True),
    "EdDSA": lambda: OKPKey.generate_key("Ed25519", private=True),
    "Ed25519": lambda: OKPKey.generate_key("Ed25519", private=True),
    "Ed448": lambda: OKPKey.generate_key("Ed448", private=True),
}


class DPoPKey(Frozen):
    """A private key that signs DPoP proofs (RFC 9449 §4), with its RFC 7638 thumbprint.

    Built from PEM (``str``/``bytes``), a private JWK ``dict``, a ``cryptography`` private
    key or a ``joserfc`` key; ``alg`` defaults to the JWK's ``alg``, else the key type's
    (ES256 for P-256, RS256 for RSA, EdDSA for Ed25519). ``now`` is the clock for ``iat``.
    The repr shows the algorithm and thumbprint only; a copy is the same key, and a pickle
    holds the private JWK (as a store does) but unpickles into an object that hides it.

    Args:
        private_key: The private key: PEM, a private JWK dict, a ``cryptography``
            private key or a ``joserfc`` key (asymmetric: RSA, EC or OKP).
        alg: The proofs' algorithm; by default the key's (see above).
        password: The password of an encrypted PEM key.
        now: The clock giving epoch seconds for ``iat`` (``time.time``).

    Raises:
        ValueError: ``alg`` is unknown or an HMAC one, the key is empty, is a JWK Set
            without ``alg``, is not a valid JWK or PEM, or does not fit ``alg``.
        TypeError: ``private_key`` is of an unsupported type.
    """

    __slots__ = (
        "_algorithm",
        "_claims",
        "_key",
        "_now",
        "_public_jwk",
        "alg",
        "thumbprint",
    )
    alg: str
    thumbprint: str
    _key: Key
    _algorithm: Any
    _claims: Claims
    _public_jwk: Mapping[str, str]
    _now: Callable[[], float]

    def __init__(
        self,
        private_key: object,
        alg: str | None = None,
        *,
        password: str | bytes | None = None,
        now: Callable[[], float] | None = None,
    ) -> None:
        # RFC 9449 §4.2: alg is asymmetric, never "none" or a MAC (import_private_key
        # refuses both and checks the key against the algorithm).
        key, chosen = import_private_key(private_key, alg, password=password)
        exported = key.as_dict(private=False)
        public = {name: str(exported[name]) for name in _PUBLIC_MEMBERS[key.key_type]}
        header = {"typ": PROOF_TYPE, "alg": chosen, "jwk": public}
        self._set(
            alg=chosen,
            thumbprint=key.thumbprint(),
            _key=key,
            _algorithm=_REGISTRY.get_alg(chosen),
            _claims=Claims(b64url(_ENCODER.encode(header).encode("utf-8")) + b"."),
            _public_jwk=public,
            _now=now if now is not None else time.time,
        )

    @classmethod
    def generate(cls, alg: str = "ES256", *, now: Callable[[], float] | None = None) -> DPoPKey:
        """A new key for ``alg`` (ES256, ES384, ES512, PS256, RS256 ..., EdDSA, Ed25519)."""
        make = _GENERATORS.get(alg)
        if make is None:
            known = ", ".join(_GENERATORS)
            raise ValueError(f"cannot generate a DPoP key for {alg!r}; use one of: {known}")
        return cls(make(), alg, now=now)

    @property
    def public_jwk(self) -> dict[str, str]:
        """The public key as the proof's ``jwk`` header carries it (RFC 7638 members only)."""
        return dict(self._public_jwk)

    def private_jwk(self) -> dict[str, Any]:
        """The private key as a JWK with its ``alg``, for persistence; keep it secret.

        ``DPoPKey(key.private_jwk())`` is the same key again.

        Returns:
            The private JWK dict (``kty``, its private members, ``alg``).

        Raises nothing.
        """
        return {**self._key.as_dict(private=True), "alg": self.alg}

    def proof(
        self,
        method: str,
        url: str,
        access_token: str | None = None,
        nonce: str | None = None,
    ) -> str:
        """A fresh proof for one request (RFC 9449 §4.2): ``jti``, ``htm``, ``htu``, ``iat``,
        ``ath`` when an access token is given (resource requests, §7.1), ``nonce`` when given.

        Args:
            method: The request's HTTP method (``htm``).
            url: The request's absolute URL; its query and fragment are left out of
                ``htu`` (RFC 9449 §4.2).
            access_token: The access token the request carries, hashed into ``ath``.
            nonce: The server's latest ``DPoP-Nonce``.

        Returns:
            The proof, a compact JWS for the ``DPoP`` header.

        Raises:
            ValueError: ``method`` is empty, ``url`` is not an absolute http(s) URL,
                ``access_token`` is empty or not ASCII, or ``nonce`` has characters
                RFC 9449 §8.1 does not allow.
        """
        # The claims keep the last token and its hash (the key's holder holds that token
        # anyway); neither is in the key's repr, pickle or equality.
        signed = self._claims.signing_input(method, url, access_token, nonce, self._now())
        signature = self._algorithm.sign(signed, self._key)
        # All base64url and dots: ASCII, which UTF-8 (decode's default) decodes fastest.
        return b".".join((signed, b64url(signature))).decode()

    def __repr__(self) -> str:
        return f"DPoPKey(alg={self.alg!r}, thumbprint={self.thumbprint!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DPoPKey):
            return NotImplemented
        return self.alg == other.alg and self.thumbprint == other.thumbprint

    def __hash__(self) -> int:
        return hash((DPoPKey, self.alg, self.thumbprint))

    def __copy__(self) -> DPoPKey:
        return self  # immutable

    def __deepcopy__(self, memo: dict[int, Any]) -> DPoPKey:
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        # The clock is not kept: an unpickled key proves with the real time.
        return (DPoPKey, (self.private_jwk(), self.alg))


def read_dpop_nonce(response: HttpResponse) -> str | None:
    """The response's ``DPoP-Nonce``, or None; a malformed one is an error (RFC 9449 §8.1).

    Any response may carry a fresh nonce (§8.2), not only a challenge.
    """
    value = response.header(DPOP_NONCE_HEADER)
    if value is None:
        return None
    value = value.strip()
    if not NONCE.fullmatch(value):
        raise InvalidResponseError(
            description="the server's DPoP-Nonce header is not a valid nonce (RFC 9449 §8.1)",
            status_code=response.status_code,
        )
    return value


def is_use_dpop_nonce(response: HttpResponse) -> bool:
    """Whether the server refused a proof for lacking its nonce.

    The authorization server answers 400 with ``{"error": "use_dpop_nonce"}`` (RFC 9449
    §8); a resource server answers 401 with ``WWW-Authenticate: DPoP
    error="use_dpop_nonce"`` (§9).
    """
    if response.status_code == 400:
        return _body_error(response) == USE_DPOP_NONCE
    if response.status_code == 401:
        header = response.header("www-authenticate") or ""
        return any(
            scheme == "dpop" and params.get("error") == USE_DPOP_NONCE
            for scheme, params in parse_challenges(header)
        )
    return False


def retry_nonce(response: HttpResponse) -> str | None:
    """The nonce to send the request again with, once: the response is a nonce challenge
    carrying a ``DPoP-Nonce``. None means the response stands as it came."""
    if not is_use_dpop_nonce(response):
        return None
    return read_dpop_nonce(response)


def _body_error(response: HttpResponse) -> object:
    try:
        data = json.loads(response.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return data.get("error") if isinstance(data, dict) else None


class DPoPNonces:
    """The newest nonce each server gave, by origin (RFC 9449 §8.2: any response may
    carry a new one). Reads and writes are single dict operations, so threads sharing a
    client share the nonces without a lock; a bounded number of origins is kept."""

    __slots__ = ("_maxsize", "by_origin")

    def __init__(self, maxsize: int = 256) -> None:
        #: The nonces by origin, to read (empty: no server asked for one); written
        #: only by :meth:`update`.
        self.by_origin: dict[tuple[str, str, int | None], str] = {}
        self._maxsize = maxsize

    def __repr__(self) -> str:
        return f"DPoPNonces({len(self.by_origin)} origins)"

    def get(self, url: str) -> str | None:
        """The nonce to put in the next proof for ``url``, if its server gave one."""
        if not self.by_origin:
            return None  # the common case: no server asked for nonces
        return self.by_origin.get(origin(url))

    def update(self, url: str, response: HttpResponse) -> str | None:
        """Remember the ``DPoP-Nonce`` of ``response`` (to a request for ``url``), if any."""
        nonce = read_dpop_nonce(response)
        if nonce is not None:
            key = origin(url)
            self.by_origin.pop(key, None)  # re-inserted last: the newest origin
            self.by_origin[key] = nonce
            while len(self.by_origin) > self._maxsize:
                try:
                    del self.by_origin[next(iter(self.by_origin))]
                except (KeyError, RuntimeError, StopIteration):  # another thread got there
                    break
        return nonce


def add_proof(
    request: HttpRequest,
    key: DPoPKey,
    *,
    access_token: str | None = None,
    nonce: str | None = None,
) -> HttpRequest:
    """``request`` with a ``DPoP`` header holding a fresh proof for its method and URL."""
    proof = key.proof(request.method, request.url, access_token=access_token, nonce=nonce)
    headers = {**request.headers, DPOP_HEADER: proof}
    return HttpRequest(request.method, request.url, headers, request.body)


@dataclass(frozen=True, slots=True)
class ProofFor:
    """A request's order for a proof: the key, the nonce cache of its client, and the
    access token the proof binds (``ath``, resource requests only). The proof itself is
    made when the request goes on the wire (:meth:`make`), once per attempt, with the
    newest nonce its server gave (RFC 9449 §8.2)."""

    key: DPoPKey
    nonces: DPoPNonces
    access_token: str | None = None

    def make(self, method: str, url: str) -> str:
        """The ``DPoP`` header value for a request with ``method`` to ``url``."""
        return self.key.proof(
            method, url, access_token=self.access_token, nonce=self.nonces.get(url)
        )

    def __repr__(self) -> str:
        return f"ProofFor({self.key!r}, ath={self.access_token is not None})"


def add_dpop_jkt(params: Mapping[str, Any], key: DPoPKey) -> dict[str, Any]:
    """Authorization parameters with ``dpop_jkt``, binding the code to the key (RFC 9449 §10)."""
    return {**params, "dpop_jkt": key.thumbprint}


def check_token_binding(token: Mapping[str, Any], key: DPoPKey | None) -> None:
    """Refuse a ``DPoP`` token when there is no key to prove possession with (RFC 9449 §7.1).

    A ``Bearer`` token given to a client with a key is fine: the server chose not to bind
    it (§5), and it is sent as a bearer token.
    """
    token_type = token.get("token_type")
    if key is None and isinstance(token_type, str) and token_type.lower() == "dpop":
        raise UnsupportedTokenTypeError(
            description="the token is DPoP-bound but the client has no DPoP key "
            "(pass dpop=True or a DPoPKey, and keep the key the token was bound to)"
        )
