"""The loopback redirect listener of a native app (RFC 8252 §7.3).

The command listens on 127.0.0.1 (or ::1) on a port the system picks, so any number of
runs can wait side by side; the authorization server sends the browser back to
``http://127.0.0.1:<port>/<path>``. One GET of that path ends the wait; anything else
(a favicon, a scanner) gets a 404 and the wait goes on.
"""

from __future__ import annotations

import html
import ipaddress
import socket
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

__all__ = ["DEFAULT_REDIRECT_URI", "LoopbackReceiver"]

DEFAULT_REDIRECT_URI = "http://127.0.0.1/callback"
_TICK_SECONDS = 1.0

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>grantflow</title></head>
<body style="font-family: sans-serif; margin: 3em">
<h1>{title}</h1><p>{text}</p><p>You can close this tab and return to the terminal.</p>
</body></html>
"""


def _loopback_host(host: str) -> str:
    """The address to bind for a redirect URI host: a loopback IP literal only."""
    if host == "localhost":
        # RFC 8252 §8.3: "localhost" may resolve elsewhere; listen on the IP literal.
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(
            f"the redirect URI must use a loopback IP address (127.0.0.1 or [::1]), not {host!r}"
        ) from None
    if not address.is_loopback:
        raise ValueError(f"the redirect URI host {host} is not a loopback address")
    return host


class _Server(HTTPServer):
    path: str
    received: str | None


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "grantflow-loopback"

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path != self.server.path:
            self._answer(404, "Not found", "This address only receives the authorization response.")
            return
        self.server.received = self.path
        error = parse_qs(parts.query).get("error")
        if error:
            # Escaped: the error code comes from the URL and is shown back as text only.
            self._answer(
                200, "Authorization failed", f"The server answered {html.escape(error[0])}."
            )
        else:
            self._answer(200, "Authorization response received", "grantflow is finishing up.")

    def log_message(self, format: str, *args: Any) -> None:
        # Request lines carry the authorization code: never log them.
        return

    def _answer(self, status: int, title: str, text: str) -> None:
        body = _PAGE.format(title=title, text=text).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Referrer-Policy", "no-referrer")
        self.end_headers()
        self.wfile.write(body)


class LoopbackReceiver:
    """Listens on a loopback port for the one redirect that carries the authorization response.

    ``redirect_uri`` is the URI as registered (``http://127.0.0.1/cb``); its port is
    replaced by the one bound (0 or none: any free port). Close it when done.
    """

    def __init__(self, redirect_uri: str = DEFAULT_REDIRECT_URI) -> None:
        parts = urlsplit(redirect_uri)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError("the redirect URI must be http://<loopback IP>[:port]/path")
        if parts.query or parts.fragment:
            raise ValueError("the redirect URI must not have a query or a fragment")
        host = _loopback_host(parts.hostname)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        server_cls = type("_BoundServer", (_Server,), {"address_family": family})
        self._server: _Server = server_cls((host, parts.port or 0), _Handler)
        self._server.path = parts.path or "/"
        self._server.received = None
        port = self._server.server_address[1]
        netloc = f"[{host}]:{port}" if family == socket.AF_INET6 else f"{host}:{port}"
        self.redirect_uri = urlunsplit(("http", netloc, self._server.path, "", ""))

    def __enter__(self) -> LoopbackReceiver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._server.server_close()

    def wait(
        self,
        timeout: float,
        on_tick: Callable[[float, float], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> str:
        """Serve until the redirect arrives; return it as a full URL.

        ``on_tick(remaining, total)`` is called about once a second (the countdown).
        Raises :class:`TimeoutError` when ``timeout`` seconds pass without it.
        """
        deadline = clock() + timeout
        while self._server.received is None:
            remaining = deadline - clock()
            if remaining <= 0:
                raise TimeoutError(
                    f"no redirect reached {self.redirect_uri} within {timeout:g} s (--timeout)"
                )
            if on_tick is not None:
                on_tick(remaining, timeout)
            self._server.timeout = min(_TICK_SECONDS, remaining)
            self._server.handle_request()
        base = urlsplit(self.redirect_uri)
        received = urlsplit(str(self._server.received))
        return str(urlunsplit((base.scheme, base.netloc, received.path, received.query, "")))
