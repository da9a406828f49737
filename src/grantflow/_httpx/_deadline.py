"""Bound a whole exchange of grantflow's own over httpx: request, headers and body.

httpx bounds each read, not the answer: a server that sends its status line, headers or
body a byte at a time is never idle long enough to time out. The clock starts when the
request's headers go out (httpcore's ``trace`` extension reports it; a transport that
reports nothing starts it when the headers are in) and the read timeout bounds the rest:

- async: a cancel scope around the call, its deadline set when the clock starts;
- sync: a timer shuts the connection's socket down (``.._deadline``); httpcore reports
  the HTTP/1.1 connection it is writing on, and its socket is known from then on. An
  HTTP/2 connection, shared by other requests, is left alone: there the body alone is
  bounded, checked between its chunks.

Either way the call ends in ``httpx.ReadTimeout`` naming the endpoint. The trace is set
on grantflow's own requests only; the client's transport is used as it is.
"""

from __future__ import annotations

import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from types import FrameType
from typing import Any

import httpx

from .._deadline import ExchangeExpired, SocketDeadline

__all__ = ["Deadline", "abounded", "bounded"]

_HEADERS_GO_OUT = ("http11.send_request_headers.started", "http2.send_request_headers.started")


class Deadline:
    """The read timeout of ``request`` as a bound on its whole exchange."""

    def __init__(self, request: httpx.Request) -> None:
        self.request = request
        timeout: dict[str, Any] = request.extensions.get("timeout", {})
        self.within: float | None = timeout.get("read")
        self.ends: float | None = None  # time.monotonic() when the exchange must be over

    def start(self) -> None:
        """The clock starts (once): the request goes out, or its headers are in."""
        if self.within is not None and self.ends is None:
            self.ends = time.monotonic() + self.within

    def check(self) -> None:
        """Between chunks of the body: past the deadline is a read timeout."""
        if self.ends is not None and time.monotonic() > self.ends:
            raise self.too_slow()

    def finish(self) -> bool:
        """Done with the exchange, as soon as its body is read (see
        ``SocketDeadline.finish``); whether the deadline cut it."""
        return False

    def too_slow(self) -> httpx.ReadTimeout:
        where = str(self.request.url).split("?", 1)[0]
        return httpx.ReadTimeout(
            f"the response from {where} was not read within {self.within:g} s",
            request=self.request,
        )


class _SyncDeadline(Deadline):
    def __init__(self, request: httpx.Request) -> None:
        super().__init__(request)
        self.socket = SocketDeadline(self.within) if self.within is not None else None
        if self.socket is not None:
            request.extensions["trace"] = _chained(request, self._trace)

    def _trace(self, name: str, info: Any) -> None:
        if name in _HEADERS_GO_OUT and self.socket is not None:
            self.start()
            sock = _http11_socket()
            if sock is not None:
                # Armed now, it measures from this send: the same clock as self.ends.
                self.socket.attach(sock)

    def finish(self) -> bool:
        return self.socket is not None and self.socket.finish()


@contextmanager
def bounded(request: httpx.Request) -> Iterator[Deadline]:
    """The sync exchange of ``request`` within its read timeout, else ``ReadTimeout``."""
    deadline = _SyncDeadline(request)
    cut = False
    try:
        yield deadline
    except (httpx.TransportError, ExchangeExpired) as exc:
        cut = deadline.finish() or isinstance(exc, ExchangeExpired)
        if not cut:
            raise
    finally:
        # Cut by the timer, an answer is a read timeout even when the transport took
        # what came before the cut for a whole response (a body without a length).
        cut = deadline.finish() or cut
    if cut:
        # Raised here, so the error the cut connection caused is not kept as __context__.
        raise deadline.too_slow()


class _AsyncDeadline(Deadline):
    def __init__(self, request: httpx.Request, scope: Any) -> None:
        super().__init__(request)
        self._scope = scope
        if self.within is not None:
            request.extensions["trace"] = _chained(request, self._trace, asynchronous=True)

    async def _trace(self, name: str, info: Any) -> None:
        if name in _HEADERS_GO_OUT:
            self.start()

    def start(self) -> None:
        super().start()
        if self.ends is not None:
            import anyio

            self._scope.deadline = anyio.current_time() + (self.ends - time.monotonic())


@asynccontextmanager
async def abounded(request: httpx.Request) -> AsyncIterator[Deadline]:
    """The async exchange of ``request`` within its read timeout, else ``ReadTimeout``:
    a cancel scope ends whatever await the exchange is in when the time is up."""
    import anyio  # httpx's own dependency

    with anyio.CancelScope() as scope:
        deadline = _AsyncDeadline(request, scope)
        yield deadline
    if scope.cancelled_caught:
        raise deadline.too_slow()


def _chained(request: httpx.Request, ours: Any, asynchronous: bool = False) -> Any:
    """``ours`` as the request's trace callback, calling a trace already set after it."""
    theirs = request.extensions.get("trace")
    if theirs is None:
        return ours
    if asynchronous:

        async def both_async(name: str, info: Any) -> None:
            await ours(name, info)
            await theirs(name, info)

        return both_async

    def both(name: str, info: Any) -> None:
        ours(name, info)
        theirs(name, info)

    return both


def _http11_socket() -> Any:
    """The socket of the HTTP/1.1 connection whose trace is being reported, found in the
    calling frames (httpcore passes the request, not the connection, to a trace); None
    for an HTTP/2 connection, whose socket other requests share."""
    import httpcore

    frame: FrameType | None = sys._getframe(2)
    for _ in range(6):
        if frame is None:
            return None
        owner = frame.f_locals.get("self")
        if isinstance(owner, httpcore.HTTP11Connection):
            stream = getattr(owner, "_network_stream", None)
            return stream.get_extra_info("socket") if stream is not None else None
        if isinstance(owner, httpcore.HTTP2Connection):
            return None
        frame = frame.f_back
    return None
