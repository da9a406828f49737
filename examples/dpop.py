"""Sender-constrained tokens with DPoP (RFC 9449): the token is useless without the key.

The server below (started on 127.0.0.1 by this script) binds each token to the key of
the proof that came with the token request, demands a nonce at its API, and refuses a
request whose proof is missing or made with another key. The session signs a proof
for every request and answers the nonce challenge once, by itself.

    python examples/dpop.py
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests
from joserfc import jws
from joserfc.jwk import JWKRegistry

from grantflow import DPoPKey, OAuth2Session

NONCE = "api-nonce-1"
BINDINGS: dict[str, str] = {}  # access token -> thumbprint of its key (cnf.jkt)


def verified_key(proof: str | None, method: str, url: str) -> tuple[str, dict[str, Any]]:
    """The thumbprint of the proof's key and its claims, after checking the signature."""
    if not proof:
        raise ValueError("no proof")
    header = json.loads(base64.urlsafe_b64decode(proof.split(".")[0] + "=="))
    key = JWKRegistry.import_key(header["jwk"])
    claims = json.loads(jws.deserialize_compact(proof, key).payload)
    if claims["htm"] != method or claims["htu"] != url:
        raise ValueError("proof for another request")
    return key.thumbprint(), claims


class DPoPServer(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # the token endpoint
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        jkt, _ = verified_key(self.headers.get("DPoP"), "POST", self._url())
        token = f"at-{len(BINDINGS) + 1}"
        BINDINGS[token] = jkt
        self._reply(200, {"access_token": token, "token_type": "DPoP", "expires_in": 3600})

    def do_GET(self) -> None:  # the API
        token = (self.headers.get("Authorization") or "").removeprefix("DPoP ")
        try:
            jkt, claims = verified_key(self.headers.get("DPoP"), "GET", self._url())
        except ValueError:
            return self._reply(401, {}, {"WWW-Authenticate": 'DPoP error="invalid_token"'})
        if claims.get("nonce") != NONCE:
            challenge = {"WWW-Authenticate": 'DPoP error="use_dpop_nonce"', "DPoP-Nonce": NONCE}
            return self._reply(401, {}, challenge)
        digest = base64.urlsafe_b64encode(hashlib.sha256(token.encode()).digest()).rstrip(b"=")
        if BINDINGS.get(token) != jkt or claims.get("ath") != digest.decode():
            return self._reply(401, {}, {"WWW-Authenticate": 'DPoP error="invalid_token"'})
        self._reply(200, {"hello": "world"})

    def _url(self) -> str:
        return f"http://{self.headers['Host']}{self.path.split('?')[0]}"

    def _reply(
        self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        for name, value in {"Content-Type": "application/json", **(headers or {})}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def main() -> int:
    server = ThreadingHTTPServer(("127.0.0.1", 0), DPoPServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        key = DPoPKey.generate()  # ES256; keep key.private_jwk() to reuse it later
        with OAuth2Session("client", "secret", token_endpoint=f"{base}/token", dpop=key) as session:
            token = session.fetch_token(grant_type="client_credentials")
            print("token_type:", token["token_type"], "bound to", key.thumbprint)
            answer = session.get(f"{base}/api")  # nonce challenge answered once, inside
            print("API answered", answer.status_code, answer.json())
            stolen = requests.get(
                f"{base}/api", headers={"Authorization": f"DPoP {token['access_token']}"}
            )
            print("the same token without the key:", stolen.status_code)
            return 0 if answer.status_code == 200 and stolen.status_code == 401 else 1
    finally:
        server.shutdown()


if __name__ == "__main__":
    raise SystemExit(main())
