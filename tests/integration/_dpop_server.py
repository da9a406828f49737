"""A DPoP authorization and resource server on 127.0.0.1 that verifies proofs for real.

Mounted on a :class:`WireServer`: ``/token`` issues DPoP-bound access tokens (the
binding, ``cnf.jkt`` of RFC 9449 §6, is what ``/introspect`` reports), and ``/api``
accepts a request only with ``Authorization: DPoP <token>`` and a proof whose
signature verifies with its ``jwk`` header, with ``typ`` ``dpop+jwt``, ``htm`` and
``htu`` of the request, ``ath`` of the token, ``iat`` within a minute, a ``jti`` never
seen before, the server's current nonce when it asks for one, and a key whose
thumbprint is the token's ``cnf.jkt`` (RFC 9449 §4.3, §7.1).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import threading
import time
from typing import Any

from joserfc import jws
from joserfc.jwk import JWKRegistry

from ._wire import Recorded, Reply, WireServer, json_reply

__all__ = ["DPoPServer"]

_WINDOW_S = 60


class ProofError(Exception):
    """Why a proof was refused (the error code of RFC 9449 §7.1 and a reason)."""

    def __init__(self, error: str, reason: str) -> None:
        super().__init__(reason)
        self.error = error


class DPoPServer:
    """Token endpoint, introspection and a protected API that verify DPoP proofs."""

    def __init__(self, wire: WireServer, *, token_nonce: bool = False, api_nonce: bool = False):
        self.wire = wire
        self.token_nonce = token_nonce
        self.api_nonce = api_nonce
        self.nonce = "nonce-0"
        self.bindings: dict[str, str] = {}  # access token -> cnf.jkt
        self.refusals: list[str] = []
        self._jtis: set[str] = set()
        self._lock = threading.Lock()
        self._serial = itertools.count(1)
        wire.script("/token", self._token)
        wire.script("/introspect", self._introspect)
        wire.script("/api", self._api)

    @property
    def token_url(self) -> str:
        return self.wire.url("/token")

    @property
    def api_url(self) -> str:
        return self.wire.url("/api")

    def rotate_nonce(self) -> None:
        self.nonce = f"nonce-{next(self._serial)}"

    # -- endpoints --------------------------------------------------------------------------

    def _token(self, rec: Recorded) -> Reply:
        try:
            jkt = self._verify(rec, access_token=None, nonce_required=self.token_nonce)
        except ProofError as exc:
            self.refusals.append(str(exc))
            if exc.error == "use_dpop_nonce":
                return json_reply({"error": exc.error}, 400, {"DPoP-Nonce": self.nonce})
            return json_reply({"error": "invalid_dpop_proof", "error_description": str(exc)}, 400)
        access_token = f"at-{next(self._serial)}"
        self.bindings[access_token] = jkt
        return json_reply({"access_token": access_token, "token_type": "DPoP", "expires_in": 300})

    def _introspect(self, rec: Recorded) -> Reply:
        token = rec.field("token") or ""
        jkt = self.bindings.get(token)
        if jkt is None:
            return json_reply({"active": False})
        return json_reply({"active": True, "token_type": "DPoP", "cnf": {"jkt": jkt}})

    def _api(self, rec: Recorded) -> Reply:
        authorization = rec.header("Authorization") or ""
        scheme, _, access_token = authorization.partition(" ")
        if scheme != "DPoP" or access_token not in self.bindings:
            self.refusals.append("not a known DPoP token")
            return Reply(401, b"", {"WWW-Authenticate": 'DPoP error="invalid_token"'})
        try:
            jkt = self._verify(rec, access_token=access_token, nonce_required=self.api_nonce)
            if jkt != self.bindings[access_token]:
                raise ProofError("invalid_token", "the proof's key is not the token's cnf.jkt")
        except ProofError as exc:
            self.refusals.append(str(exc))
            headers = {"WWW-Authenticate": f'DPoP error="{exc.error}"'}
            if exc.error == "use_dpop_nonce":
                headers["DPoP-Nonce"] = self.nonce
            return Reply(401, b"", headers)
        return json_reply({"ok": True, "token": access_token[:3]})

    # -- the proof --------------------------------------------------------------------------

    def _verify(self, rec: Recorded, *, access_token: str | None, nonce_required: bool) -> str:
        """Check the request's proof (RFC 9449 §4.3); the thumbprint of its key."""
        proof = rec.header("DPoP")
        if not proof:
            raise ProofError("invalid_dpop_proof", "no DPoP proof")
        header = json.loads(_b64decode(proof.split(".")[0]))
        if header.get("typ") != "dpop+jwt" or header.get("alg") not in ("ES256", "PS256", "RS256"):
            raise ProofError("invalid_dpop_proof", "wrong typ or alg")
        jwk = header.get("jwk") or {}
        if "d" in jwk:
            raise ProofError("invalid_dpop_proof", "a private key in the header")
        key = JWKRegistry.import_key(jwk)
        try:
            claims = json.loads(jws.deserialize_compact(proof, key).payload)
        except Exception as exc:
            raise ProofError("invalid_dpop_proof", "bad signature") from exc
        if claims.get("htm") != rec.method:
            raise ProofError("invalid_dpop_proof", "htm is not the request's method")
        if claims.get("htu") != self.wire.url(rec.path):
            raise ProofError("invalid_dpop_proof", "htu is not the request's URI")
        if abs(time.time() - float(claims.get("iat", 0))) > _WINDOW_S:
            raise ProofError("invalid_dpop_proof", "iat outside the window")
        with self._lock:
            jti = claims.get("jti")
            if not jti or jti in self._jtis:
                raise ProofError("invalid_dpop_proof", "jti replayed")
            self._jtis.add(jti)
        if access_token is not None:
            digest = hashlib.sha256(access_token.encode()).digest()
            if claims.get("ath") != _b64encode(digest):
                raise ProofError("invalid_dpop_proof", "ath is not the token's hash")
        if nonce_required and claims.get("nonce") != self.nonce:
            raise ProofError("use_dpop_nonce", "nonce missing or stale")
        return str(key.thumbprint())


def _b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def stolen_request(url: str, access_token: str, proof: str | None = None) -> dict[str, Any]:
    """Headers of a request made by someone who holds the token but not the key."""
    headers = {"Authorization": f"DPoP {access_token}"}
    if proof is not None:
        headers["DPoP"] = proof
    return headers
