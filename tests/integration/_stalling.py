"""A token endpoint that accepts connections and answers slowly or never (no tests here).

``trickle=None``: it reads the request and never answers. ``trickle=s`` with
``part="body"``: it sends the status line and headers at once (with a ``Content-Length``
of ``length``), then one byte of the body every ``s`` seconds. With ``part="head"`` it
sends the status line and then ``length`` header bytes one every ``s`` seconds, and with
``part="status"`` it trickles from the status line's first byte on: no response is ever
complete. Either way it is never idle long enough for a read to time
out, and slower in all than any test may take. With ``prompt=n`` the first ``n``
requests on a connection get a whole token response at once (the connection is kept
alive), so the slow answer comes on a reused connection. ``received`` counts the
requests that arrived (a connection made and closed unused counts none); ``dropped``
counts the connections whose client closed them while the server was still sending.
Given ``context``, it speaks HTTPS.
"""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

__all__ = ["Stalling", "stalling_fixture"]

_TOKEN = b'{"access_token": "at-1", "token_type": "Bearer", "expires_in": 3600}'
_PROMPT = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (
    len(_TOKEN),
    _TOKEN,
)


def _read_request(conn: socket.socket, pending: bytes) -> bytes:
    """Read one request (head, and a body of its ``Content-Length``); what follows it."""
    while b"\r\n\r\n" not in pending:
        data = conn.recv(65536)
        if not data:
            raise ConnectionResetError("closed before a whole request")
        pending += data
    head, _, rest = pending.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(rest) < length:
        data = conn.recv(65536)
        if not data:
            raise ConnectionResetError("closed before a whole request")
        rest += data
    return rest[length:]


class Stalling:
    def __init__(
        self,
        trickle: float | None = None,
        length: int = 2000,
        part: str = "body",
        prompt: int = 0,
        context: ssl.SSLContext | None = None,
    ) -> None:
        self.trickle = trickle
        self.prompt = prompt
        self.context = context
        self.length = length
        self.part = part
        self.accepted = 0
        self.dropped = 0
        self.received = 0
        self._stop = threading.Event()
        self._sock = socket.create_server(("127.0.0.1", 0))
        scheme = "https" if context is not None else "http"
        self.url = f"{scheme}://127.0.0.1:{self._sock.getsockname()[1]}/token"
        threading.Thread(target=self._accept, name="stalling-accept", daemon=True).start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            self.accepted += 1
            threading.Thread(
                target=self._serve, args=(conn,), name="stalling-serve", daemon=True
            ).start()

    def _serve(self, conn: socket.socket) -> None:
        if self.context is not None:
            try:
                conn = self.context.wrap_socket(conn, server_side=True)
            except OSError:
                conn.close()
                return
        with conn:
            pending = b""
            for _ in range(self.prompt):
                pending = _read_request(conn, pending)
                conn.sendall(_PROMPT)
            try:
                _read_request(conn, pending)
            except OSError:
                return  # the client gave up before sending anything
            self.received += 1
            if self.trickle is None:
                self._stop.wait(30)
                return
            if self.part in ("status", "head"):
                head = "HTTP/1.1 200 OK\r\n"
                slow = (head.encode() + b"X-Slow: " + b"a" * self.length)[: self.length]
                if self.part == "head":
                    slow = slow[len(head) :]
                else:
                    head = ""
            else:
                head = (
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {self.length}\r\n\r\n"
                )
                slow = b" " * self.length
            try:
                conn.sendall(head.encode())
                for index in range(self.length):
                    if self._stop.wait(self.trickle):
                        return
                    conn.sendall(slow[index : index + 1])
            except OSError:
                self.dropped += 1

    def close(self) -> None:
        self._stop.set()
        self._sock.close()


@pytest.fixture(name="stalling")
def stalling_fixture() -> Iterator[Callable[..., Stalling]]:
    made: list[Stalling] = []

    def make(**kwargs: Any) -> Stalling:
        made.append(Stalling(**kwargs))
        return made[-1]

    yield make
    for server in made:
        server.close()
