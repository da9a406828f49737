"""A recording HTTP(S) server on 127.0.0.1 for integration tests.

Each path answers from a script (a queue of replies; the last one repeats) and every
request that arrives is recorded as it was on the wire: method, path, query, headers,
body, the Basic credentials it carried and, over TLS, the client certificate. Tests
read the record to prove what a session sent, and that it sent nothing when it should
not have.
"""

from __future__ import annotations

import base64
import json
import socket
import ssl
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote_plus, urlsplit

__all__ = [
    "Recorded",
    "Reply",
    "UpdateRecorder",
    "WireServer",
    "free_port",
    "json_reply",
    "text_reply",
]


@dataclass(frozen=True)
class Reply:
    """A scripted answer: status, body and headers."""

    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)


def json_reply(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Reply:
    """A reply whose body is ``data`` as JSON."""
    merged = {"Content-Type": "application/json", **(headers or {})}
    return Reply(status, json.dumps(data).encode(), merged)


def text_reply(text: str, status: int = 200, content_type: str = "text/html") -> Reply:
    """A reply with a text body of ``content_type``."""
    return Reply(status, text.encode(), {"Content-Type": content_type})


Handler = Callable[["Recorded"], Reply]


@dataclass(frozen=True)
class Recorded:
    """One request as the server saw it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    peer_cert: dict[str, Any] | None = None
    #: The client's TCP port: requests on one kept-alive connection share it.
    peer_port: int = 0

    def header(self, name: str) -> str | None:
        """Header ``name``, looked up case-insensitively."""
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None

    @property
    def form(self) -> dict[str, list[str]]:
        """The body parsed as ``application/x-www-form-urlencoded``."""
        return parse_qs(self.body.decode("utf-8"), keep_blank_values=True)

    def field(self, name: str) -> str | None:
        """The single value of form field ``name`` (None when absent)."""
        values = self.form.get(name)
        if values is None:
            return None
        assert len(values) == 1, f"{name} sent {len(values)} times"
        return values[0]

    @property
    def basic(self) -> tuple[str, str] | None:
        """The Basic credentials, form-decoded as RFC 6749 §2.3.1 asks; None without."""
        value = self.header("Authorization")
        if not value or not value.lower().startswith("basic "):
            return None
        raw = base64.b64decode(value.split(" ", 1)[1]).decode("utf-8")
        user, _, password = raw.partition(":")
        return unquote_plus(user), unquote_plus(password)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        peer = None
        if isinstance(self.connection, ssl.SSLSocket):
            peer = self.connection.getpeercert() or None
        recorded = Recorded(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers=dict(self.headers.items()),
            body=body,
            peer_cert=peer,
            peer_port=int(self.client_address[1]),
        )
        reply = self.server.wire._answer(recorded)
        self.send_response(reply.status)
        headers = {"Content-Length": str(len(reply.body)), **reply.headers}
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _serve

    def log_message(self, format: str, *args: Any) -> None:
        # Quiet: request lines may carry tokens in their query.
        return


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # many concurrent clients: no refused connection
    daemon_threads = True
    wire: WireServer

    def __init__(self, wire: WireServer, ssl_context: ssl.SSLContext | None) -> None:
        self.wire = wire
        self.ssl_context = ssl_context
        super().__init__(("127.0.0.1", 0), _Handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        # The TLS handshake runs here, in the request's own thread, so a client that
        # fails it (no or wrong certificate) cannot stall the accept loop.
        if self.ssl_context is not None:
            try:
                request = self.ssl_context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError) as exc:
                self.wire.handshake_failures.append(type(exc).__name__)
                return
        try:
            super().finish_request(request, client_address)
        except (ssl.SSLError, ConnectionError) as exc:
            self.wire.handshake_failures.append(type(exc).__name__)

    def handle_error(self, request: Any, client_address: Any) -> None:
        return


class WireServer:
    """A threaded HTTP (or HTTPS) server on 127.0.0.1, port chosen by the OS.

    ``script(path, reply, ...)`` queues replies for a path (a reply may be a function of
    the recorded request); the last one repeats. Unscripted paths answer 404.
    """

    def __init__(self, ssl_context: ssl.SSLContext | None = None, host: str = "127.0.0.1"):
        self._lock = threading.Lock()
        self._scripts: dict[str, list[Reply | Handler]] = {}
        self.requests: list[Recorded] = []
        self.handshake_failures: list[str] = []
        self._server = _Server(self, ssl_context)
        self.port = self._server.server_address[1]
        scheme = "https" if ssl_context is not None else "http"
        self.base_url = f"{scheme}://{host}:{self.port}"
        # A short poll interval keeps shutdown (once per test) quick.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def url(self, path: str) -> str:
        """The absolute URL of ``path`` on this server."""
        return self.base_url + path

    def script(self, path: str, *replies: Reply | Handler) -> None:
        """Answer requests to ``path`` with ``replies`` in order; the last one repeats."""
        with self._lock:
            self._scripts[path] = list(replies)

    def _answer(self, recorded: Recorded) -> Reply:
        with self._lock:
            self.requests.append(recorded)
            queue = self._scripts.get(recorded.path)
            if not queue:
                return text_reply("not found", 404, "text/plain")
            item = queue.pop(0) if len(queue) > 1 else queue[0]
        return item(recorded) if callable(item) else item

    def to(self, path: str) -> list[Recorded]:
        """The recorded requests to ``path``, in arrival order."""
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def last(self, path: str) -> Recorded:
        """The last request to ``path`` (fails the test when there was none)."""
        sent = self.to(path)
        assert sent, f"no request reached {path}"
        return sent[-1]

    def close(self) -> None:
        """Stop serving and release the port."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (for connection-refused tests)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class UpdateRecorder:
    """An ``update_token`` callback that records each call (the token copied as a dict)."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, token: Any, refresh_token: Any = None, access_token: Any = None) -> None:
        self.calls.append(
            {"token": dict(token), "refresh_token": refresh_token, "access_token": access_token}
        )
