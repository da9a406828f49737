"""What the ported examples need around them: a user agent and a protected API.

The examples talk to the development provider (``grantflow.testing.DevProvider``); the
user agent follows its redirects until the registered callback, as a browser would, and
the API checks every token it is shown by introspecting it at that provider (RFC 7662),
so a request only succeeds with a token the provider really issued.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import requests
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import JWKRegistry

from grantflow.testing import DevProvider

__all__ = ["CALLBACK", "ProtectedAPI", "follow", "protected_api", "write_service_account"]

#: The redirect URI every web client of the development provider registers.
CALLBACK = "http://127.0.0.1:8080/cb"

#: Where a token may travel: the header, or one of the query parameters providers use.
_TOKEN_PARAMETERS = ("access_token", "oauth2_access_token")


def follow(url: str) -> str:
    """Play the browser: follow the provider's redirects and return the callback URL."""
    browser = requests.Session()
    try:
        for _ in range(10):
            reply = browser.get(url, allow_redirects=False, timeout=10)
            location = reply.headers.get("Location")
            if location is None:
                raise AssertionError(f"no redirect: {reply.status_code} {reply.text[:200]}")
            if location.startswith(CALLBACK):
                return location
            url = urljoin(url, location)
    finally:
        browser.close()
    raise AssertionError("too many redirects before the callback")


def _proof_key(handler: BaseHTTPRequestHandler, token: str, url: str) -> str | None:
    """The thumbprint of the key whose valid proof for this GET and token came along."""
    proof = handler.headers.get("DPoP")
    if not proof:
        return None
    try:
        header = json.loads(base64.urlsafe_b64decode(proof.split(".")[0] + "=="))
        key = JWKRegistry.import_key(header["jwk"])
        claims = json.loads(jws.deserialize_compact(proof, key).payload)
    except (ValueError, KeyError, TypeError, JoseError):
        return None
    digest = hashlib.sha256(token.encode("ascii")).digest()
    ath = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    if header.get("typ") != "dpop+jwt" or claims.get("htm") != "GET":
        return None
    if claims.get("htu") != url or claims.get("ath") != ath:
        return None
    return str(key.thumbprint())


class _Server(ThreadingHTTPServer):
    # Pages gather twenty requests at once; the default backlog of 5 drops some.
    request_queue_size = 128
    daemon_threads = True


class ProtectedAPI:
    """A resource server on 127.0.0.1 that accepts only tokens the provider says are active."""

    def __init__(self, op: DevProvider) -> None:
        rs = op.clients["rs"]
        self._introspection = op.metadata["introspection_endpoint"]
        self._credentials = (rs["client_id"], rs["client_secret"])
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                api._answer(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = _Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/user"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _token_of(self, handler: BaseHTTPRequestHandler) -> tuple[str | None, str]:
        header = handler.headers.get("Authorization") or ""
        scheme, _, value = header.partition(" ")
        if scheme.lower() in ("bearer", "dpop") and value:
            return value, "header" if scheme.lower() == "bearer" else "dpop"
        query = parse_qs(urlsplit(handler.path).query)
        for name in _TOKEN_PARAMETERS:
            if query.get(name):
                return query[name][0], name
        return None, ""

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        token, via = self._token_of(handler)
        status, body = 401, {"error": "invalid_token"}
        if token is not None:
            answer = requests.post(
                self._introspection,
                data={"token": token},
                auth=self._credentials,
                timeout=10,
            ).json()
            bound = (answer.get("cnf") or {}).get("jkt")
            # RFC 9449 §7: a DPoP-bound token only with the DPoP scheme and a proof by its key.
            if via == "dpop" or bound:
                proved = _proof_key(handler, token, self.url) if via == "dpop" else None
                if bound is None or proved != bound:
                    answer = {"active": False}
            if answer.get("active"):
                status = 200
                body = {"via": via, "client_id": answer.get("client_id"), "sub": answer.get("sub")}
        data = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        if status == 401:
            handler.send_header("WWW-Authenticate", 'Bearer error="invalid_token"')
        handler.end_headers()
        handler.wfile.write(data)


@contextmanager
def protected_api(op: DevProvider) -> Iterator[ProtectedAPI]:
    """A running :class:`ProtectedAPI` for ``op``."""
    api = ProtectedAPI(op)
    api._thread.start()
    try:
        yield api
    finally:
        api._server.shutdown()
        api._server.server_close()


def write_service_account(op: DevProvider, directory: Path) -> Path:
    """A service-account file (the fields README shows) for the provider's
    ``private_key_jwt`` client, written in ``directory``."""
    account = directory / "service-account.json"
    account.write_text(
        json.dumps(
            {
                "type": "service_account",
                "client_email": "client-private-jwt",
                "private_key": op.files["private_key_jwt_pem"].read_text(),
                "private_key_id": "client-rsa-1",
                "token_uri": op.metadata["token_endpoint"],
            }
        )
    )
    return account
