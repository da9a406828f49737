"""The loopback redirect listener of a native app (RFC 8252 §7.3).

The command listens on 127.0.0.1 (or ::1) on a port the system picks, so any number of
runs can wait side by side; the authorization server sends the browser back to
``http://127.0.0.1:<port>/<path>``. One GET of that path ends the wait; anything else
(a favicon, a scanner) gets a 404 and the wait goes on. The browser's page is answered
only once the command has dealt with the redirect, so it tells the person what the
terminal tells them: signed in, or which check failed.
"""

from __future__ import annotations

import errno
import html
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit, urlunsplit

from .._core._https import is_loopback_host
from ._exit import describe_failure

__all__ = ["DEFAULT_REDIRECT_URI", "LoopbackReceiver"]

T = TypeVar("T")

DEFAULT_REDIRECT_URI = "http://127.0.0.1/callback"
_TICK_SECONDS = 1.0

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>grantflow</title></head>
<body style="font-family: sans-serif; margin: 3em">
<h1>{title}</h1><p>{text}</p><p>You can close this tab and return to the terminal.</p>
</body></html>
"""


@dataclass
class _Outcome:
    """What the command made of the redirect: a value, or the error it raised."""

    value: object = None
    error: Exception | None = None


def _page(outcome: _Outcome) -> tuple[str, str]:
    """The page's title and text: the terminal's own words, HTML-escaped."""
    if outcome.error is None:
        return "Done", "grantflow has what it needed."
    failure = describe_failure(outcome.error)
    lines = failure[1] if failure else ["grantflow failed: see the terminal"]
    # The lines never hold a secret (they are what stderr shows); the URL's own text
    # reaches them only as escaped protocol fields.
    return "Sign-in failed", "<br>".join(html.escape(line) for line in lines)


def _loopback_host(host: str) -> str:
    """The address to bind for a redirect URI host: a loopback IP literal only."""
    if host == "localhost":
        # RFC 8252 §8.3: "localhost" may resolve elsewhere; listen on the IP literal.
        return "127.0.0.1"
    if not is_loopback_host(host):
        raise ValueError(
            f"the redirect URI must use a loopback IP address (127.0.0.1 or [::1]), not {host!r}"
        )
    return host


class _Server(HTTPServer):
    path: str
    base: str
    finish: Callable[[str], object]
    outcome: _Outcome | None


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "grantflow-loopback"

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path != self.server.path:
            self._answer(404, "Not found", "This address only receives the authorization response.")
            return
        base = urlsplit(self.server.base)
        url = str(urlunsplit((base.scheme, base.netloc, parts.path, parts.query, "")))
        try:
            outcome = _Outcome(value=self.server.finish(url))
        except Exception as exc:  # reported on the page here, raised by receive() later
            outcome = _Outcome(error=exc)
        self.server.outcome = outcome
        self._answer(200, *_page(outcome))

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
        try:
            self._server: _Server = server_cls((host, parts.port or 0), _Handler)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            raise OSError(
                exc.errno,
                f"{parts.netloc} is in use: stop what listens there, or leave the port out "
                "of --redirect-uri so that a free one is picked",
            ) from None
        self._server.path = parts.path or "/"
        self._server.outcome = None
        port = self._server.server_address[1]
        netloc = f"[{host}]:{port}" if family == socket.AF_INET6 else f"{host}:{port}"
        self.redirect_uri = urlunsplit(("http", netloc, self._server.path, "", ""))
        self._server.base = self.redirect_uri

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
        """Serve until the redirect arrives; return it as a full URL."""
        return self.receive(timeout, str, on_tick, clock)

    def receive(
        self,
        timeout: float,
        finish: Callable[[str], T],
        on_tick: Callable[[float, float], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> T:
        """Serve until the redirect arrives; return ``finish(url)`` for its full URL.

        ``finish`` runs before the browser gets its page, which shows its outcome; an
        error it raises is raised here too. ``on_tick(remaining, total)`` is called
        about once a second (the countdown). Raises :class:`TimeoutError` when
        ``timeout`` seconds pass without a redirect.
        """
        self._server.finish = finish
        deadline = clock() + timeout
        while self._server.outcome is None:
            remaining = deadline - clock()
            if remaining <= 0:
                raise TimeoutError(
                    f"no redirect reached {self.redirect_uri} within {timeout:g} s (--timeout)"
                )
            if on_tick is not None:
                on_tick(remaining, timeout)
            self._server.timeout = min(_TICK_SECONDS, remaining)
            self._server.handle_request()
        outcome = self._server.outcome
        if outcome.error is not None:
            raise outcome.error
        return cast(T, outcome.value)
