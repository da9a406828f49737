"""A local authorization and resource server that counts, answers slowly and rotates.

It listens on 127.0.0.1 (a free port) in a background thread and plays both roles:

- ``POST /token``: ``refresh_token`` and ``client_credentials`` grants. Each answer
  waits ``delay`` seconds first (a slow provider widens every race). Refresh tokens
  rotate: each one works once; presenting a used one is ``invalid_grant`` and, as real
  providers do on reuse, revokes every token of the family (``revoke_on_reuse``).
- ``/scoped``: always ``401`` with ``error="insufficient_scope"`` (nothing to renew).
- ``/rejecting``: always ``401`` with ``error="invalid_token"``, whatever token comes.
- ``/redirect?to=URL``: ``307`` to ``URL`` (the method and body are kept).
- ``/api`` (any method): a resource that accepts a live access token (header, query or
  form body) and echoes the body it received; anything else is ``401`` with
  ``WWW-Authenticate: Bearer error="invalid_token"`` (RFC 6750 §3.1).

Counters let tests assert how many token requests were made and how many API calls
failed; ``fail_token_requests`` and ``revoke`` inject faults.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

ACCESS_TTL_S = 3600


@dataclass
class Counts:
    """What the server saw (read them under :meth:`TokenServer.snapshot`)."""

    token_requests: int = 0
    refresh_requests: int = 0
    client_credentials_requests: int = 0
    invalid_grant: int = 0
    api_calls: int = 0
    api_rejected: int = 0
    api_bodies: list[str] = field(default_factory=list)


class TokenServer:
    """The server's state; :func:`running` starts and stops its HTTP front."""

    def __init__(
        self, delay: float = 0.1, revoke_on_reuse: bool = True, access_ttl: int = ACCESS_TTL_S
    ) -> None:
        self.delay = delay
        self.revoke_on_reuse = revoke_on_reuse
        self.access_ttl = access_ttl
        self.url = ""
        self._lock = threading.Lock()
        self._counts = Counts()
        self._access: dict[str, tuple[float, str]] = {}  # token -> (expires_at, family)
        self._refresh: dict[str, tuple[bool, str]] = {}  # token -> (used, family)
        self._revoked_families: set[str] = set()
        self._revoked: set[str] = set()
        self._failures: list[tuple[int, dict[str, Any] | str]] = []

    @property
    def token_url(self) -> str:
        return f"{self.url}/token"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api"

    # -- what tests call ------------------------------------------------------------------

    def snapshot(self) -> Counts:
        """A copy of the counters."""
        with self._lock:
            c = self._counts
            return Counts(
                c.token_requests,
                c.refresh_requests,
                c.client_credentials_requests,
                c.invalid_grant,
                c.api_calls,
                c.api_rejected,
                list(c.api_bodies),
            )

    def issue(self, *, expired: bool = True, refresh: bool = True) -> dict[str, Any]:
        """A token as if obtained earlier: its access token already expired by default."""
        with self._lock:
            token = self._new_token_locked(secrets.token_hex(4), refresh)
            if expired:
                _, family = self._access[token["access_token"]]
                self._access[token["access_token"]] = (time.time() - 120, family)
        token["expires_at"] = int(time.time()) - 60 if expired else int(time.time()) + 3600
        del token["expires_in"]
        return token

    def fail_token_requests(self, *answers: tuple[int, dict[str, Any] | str]) -> None:
        """Answer the next token requests with these ``(status, body)`` pairs, in order."""
        with self._lock:
            self._failures.extend(answers)

    def clear_failures(self) -> None:
        """Forget the failures not yet used."""
        with self._lock:
            self._failures.clear()

    def revoke(self, access_token: str) -> None:
        """Make the resource reject ``access_token`` although it has not expired."""
        with self._lock:
            self._revoked.add(access_token)

    def refresh_token_is_live(self, refresh_token: str) -> bool:
        with self._lock:
            used, family = self._refresh.get(refresh_token, (True, ""))
            return not used and family not in self._revoked_families

    # -- the two endpoints ----------------------------------------------------------------

    def token_endpoint(self, form: dict[str, str]) -> tuple[int, dict[str, Any] | str]:
        with self._lock:
            self._counts.token_requests += 1
            failure = self._failures.pop(0) if self._failures else None
        time.sleep(self.delay)
        if failure is not None:
            return failure
        grant = form.get("grant_type")
        with self._lock:
            if grant == "refresh_token":
                self._counts.refresh_requests += 1
                return self._rotate_locked(form.get("refresh_token", ""))
            if grant == "client_credentials":
                self._counts.client_credentials_requests += 1
                token = self._new_token_locked(secrets.token_hex(4), refresh=False)
                return 200, token
        return 400, {"error": "unsupported_grant_type"}

    def api(self, access_token: str | None, body: str) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self._counts.api_calls += 1
            if access_token is None or not self._live_locked(access_token):
                self._counts.api_rejected += 1
                return 401, {}
            self._counts.api_bodies.append(body)
        return 200, {"ok": True, "body": body}

    # -- state -------------------------------------------------------------------------------

    def _new_token_locked(self, family: str, refresh: bool) -> dict[str, Any]:
        access = "at-" + secrets.token_urlsafe(12)
        self._access[access] = (time.time() + self.access_ttl, family)
        token: dict[str, Any] = {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": self.access_ttl,
        }
        if refresh:
            rt = "rt-" + secrets.token_urlsafe(12)
            self._refresh[rt] = (False, family)
            token["refresh_token"] = rt
        return token

    def _rotate_locked(self, refresh_token: str) -> tuple[int, dict[str, Any]]:
        used, family = self._refresh.get(refresh_token, (True, ""))
        if used or family in self._revoked_families:
            self._counts.invalid_grant += 1
            if family and self.revoke_on_reuse:
                # Reuse of a rotated refresh token: revoke the whole grant.
                self._revoked_families.add(family)
            return 400, {"error": "invalid_grant", "error_description": "refresh token reused"}
        self._refresh[refresh_token] = (True, family)
        return 200, self._new_token_locked(family, refresh=True)

    def _live_locked(self, access_token: str) -> bool:
        expires_at, family = self._access.get(access_token, (0.0, ""))
        return (
            expires_at > time.time()
            and family not in self._revoked_families
            and access_token not in self._revoked
        )


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _body(self) -> str:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks).decode("utf-8")
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length).decode("utf-8") if length else ""

    def _answer(self, status: int, body: dict[str, Any] | str, extra: dict[str, str]) -> None:
        data = (json.dumps(body) if isinstance(body, dict) else body).encode("utf-8")
        self.send_response(status)
        kind = "application/json" if isinstance(body, dict) else "text/html"
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _handle(self) -> None:
        parts = urlsplit(self.path)
        body = self._body()
        state = self.server.state
        if parts.path == "/token":
            status, answer = state.token_endpoint(dict(parse_qsl(body)))
            self._answer(status, answer, {"Cache-Control": "no-store"})
            return
        if parts.path == "/api":
            status, answer = state.api(_access_token(self, parts.query, body), body)
            extra = {}
            if status == 401:
                extra["WWW-Authenticate"] = 'Bearer realm="api", error="invalid_token"'
            self._answer(status, answer, extra)
            return
        if parts.path == "/scoped":
            # A token that is valid but not enough: 401 without invalid_token.
            state.api(None, body)
            challenge = 'Bearer error="insufficient_scope", scope="admin"'
            self._answer(401, {}, {"WWW-Authenticate": challenge})
            return
        if parts.path == "/rejecting":
            state.api(None, body)
            self._answer(401, {}, {"WWW-Authenticate": 'Bearer error="invalid_token"'})
            return
        if parts.path == "/redirect":
            target = dict(parse_qsl(parts.query)).get("to", "/api")
            self._answer(307, {}, {"Location": target})
            return
        self._answer(404, {"error": "not_found"}, {})

    do_GET = do_POST = do_PUT = _handle


def _access_token(handler: _Handler, query: str, body: str) -> str | None:
    header = handler.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    for source in (query, body):
        for name, value in parse_qsl(source):
            if name == "access_token":
                return value
    return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, state: TokenServer) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state


@pytest.fixture(name="server")
def server_fixture() -> Iterator[TokenServer]:
    """A running :class:`TokenServer` whose token endpoint answers after 100 ms."""
    with running(delay=0.1) as state:
        yield state


@contextmanager
def running(
    delay: float = 0.1, revoke_on_reuse: bool = True, access_ttl: int = ACCESS_TTL_S
) -> Iterator[TokenServer]:
    """Start a :class:`TokenServer` on a free loopback port (its access tokens live
    ``access_ttl`` seconds); stop it on exit."""
    state = TokenServer(delay, revoke_on_reuse, access_ttl)
    server = _Server(state)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
