"""Send a flow's request through an ``httpx.Client`` or ``httpx.AsyncClient``.

The httpx twin of ``_requests._sender``: what goes on the wire was decided by
``_client._prepare``; here it is only moved. Redirects are never followed, the body is
read up to 1 MiB, and the client's own auth stays off the request. A client built with
``timeout=None`` still gets a finite default on these requests, and the read timeout
bounds the whole exchange, however slowly a server trickles it (``_deadline``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import httpx

from .._client._prepare import WireRequest
from .._core._http import (
    DEFAULT_CONNECT_TIMEOUT_S,
    DEFAULT_READ_TIMEOUT_S,
    MAX_BODY_BYTES,
    HttpResponse,
)
from .._core._retry_policy import mark_transport_failure
from .._core._secrets import record_sent
from .._flows._drive import Send
from ..errors import InvalidResponseError
from ._deadline import Deadline, abounded, bounded

__all__ = ["asend_wire", "is_httpx_auth", "send_wire"]

HookRunner = Callable[[str, Any], Any]


def is_httpx_auth(auth: Any) -> bool:
    """Whether ``auth`` is one httpx applies itself (an ``httpx.Auth``)."""
    return isinstance(auth, httpx.Auth)


#: What a request of grantflow's own gets when neither the call nor the client set a timeout.
_DEFAULT_TIMEOUT = httpx.Timeout(DEFAULT_READ_TIMEOUT_S, connect=DEFAULT_CONNECT_TIMEOUT_S)


def _timeout(client: httpx.Client | httpx.AsyncClient, given: Any) -> httpx.Timeout:
    """The call's timeout, else the client's, else the default when the client has none."""
    if given is not None:
        return httpx.Timeout(given)
    own = client.timeout
    if own.connect is None and own.read is None and own.write is None and own.pool is None:
        return _DEFAULT_TIMEOUT  # httpx.Client(timeout=None): no request may wait forever
    return own


def _build(
    client: httpx.Client | httpx.AsyncClient, wire: WireRequest, options: Mapping[str, Any]
) -> httpx.Request:
    request = client.build_request(
        wire.method,
        wire.url,
        headers=wire.headers,
        content=wire.body.encode("utf-8") if wire.body else None,
        cookies=options.get("cookies"),
        timeout=_timeout(client, options.get("timeout")),
    )
    if not wire.sets_authorization:
        # A default Authorization header on the client must not reach these endpoints.
        request.headers.pop("Authorization", None)
    record_sent(wire.secrets)
    return request


def _too_large(response: httpx.Response) -> InvalidResponseError:
    where = str(response.request.url).split("?", 1)[0]
    return InvalidResponseError(
        description=f"the response from {where} is larger than {MAX_BODY_BYTES} bytes",
        status_code=response.status_code,
    )


#: How grantflow's own requests are sent: never following a redirect, the body streamed
#: so its size and time can be bounded.
_STREAMED: dict[str, Any] = {"follow_redirects": False, "stream": True}


@contextmanager
def _marking_unsent() -> Iterator[None]:
    """Mark a failure to send: a connection never made means nothing was sent."""
    try:
        yield
    except httpx.TransportError as exc:
        unsent = isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout))
        mark_transport_failure(exc, sent=not unsent)
        raise


class _Body:
    """A response body read chunk by chunk, up to :data:`MAX_BODY_BYTES`, within the
    call's deadline."""

    def __init__(self, response: httpx.Response, deadline: Deadline) -> None:
        self._response = response
        self._deadline = deadline
        deadline.start()  # the headers are in: the body is read within what is left
        self._chunks: list[bytes] = []
        self._size = 0

    def add(self, chunk: bytes) -> None:
        self._deadline.check()
        self._size += len(chunk)
        if self._size > MAX_BODY_BYTES:
            raise _too_large(self._response)
        self._chunks.append(chunk)

    def finish(self, purpose: str | None, hooks: HookRunner) -> HttpResponse:
        """The answer as a flow receives it, after the response hooks of ``purpose``."""
        response = self._response
        response._content = b"".join(self._chunks)
        if purpose is not None:
            response = hooks(purpose, response)
        return HttpResponse(
            status_code=response.status_code,
            headers=dict(response.headers),
            body=response.content,
            url=str(response.url),
            raw=response,
        )


def send_wire(
    client: httpx.Client, wire: WireRequest, step: Send, run_response_hooks: HookRunner
) -> HttpResponse:
    """Send ``wire`` (``step`` prepared) through ``client``; read the answer up to the
    limit, the whole exchange within the read timeout."""
    request = _build(client, wire, step.options or {})
    with bounded(request) as deadline:
        with _marking_unsent():
            response = client.send(request, auth=wire.native_auth, **_STREAMED)
        body = _Body(response, deadline)
        try:
            for chunk in response.iter_bytes():
                body.add(chunk)
        finally:
            deadline.finish()
            response.close()
    return body.finish(step.purpose, run_response_hooks)


async def asend_wire(
    client: httpx.AsyncClient, wire: WireRequest, step: Send, run_response_hooks: HookRunner
) -> HttpResponse:
    """The async twin of :func:`send_wire`."""
    request = _build(client, wire, step.options or {})
    async with abounded(request) as deadline:
        with _marking_unsent():
            response = await client.send(request, auth=wire.native_auth, **_STREAMED)
        body = _Body(response, deadline)
        try:
            async for chunk in response.aiter_bytes():
                body.add(chunk)
        finally:
            await response.aclose()
    return body.finish(step.purpose, run_response_hooks)
