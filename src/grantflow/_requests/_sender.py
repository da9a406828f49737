"""Send a flow's request through a ``requests.Session`` and read the answer.

Every request grantflow makes itself (token, revocation, introspection, discovery,
JWKS, UserInfo) passes here: the session's adapters, ``cert``, ``verify`` and proxies
apply; redirects are never followed; the body is read up to 1 MiB; the session's own
auth and any ``Authorization`` header it carries are kept off unless the request set one.
Without a timeout from the call or the session a finite default applies, and the read
timeout bounds the whole body, however slowly a server trickles it.
What goes on the wire was decided by ``_client._prepare``; this module only moves it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from typing import Any
from urllib.parse import parse_qsl

import requests
from requests.auth import AuthBase

from .._client._prepare import WireRequest
from .._core._http import (
    DEFAULT_CONNECT_TIMEOUT_S,
    DEFAULT_READ_TIMEOUT_S,
    MAX_BODY_BYTES,
    HttpResponse,
)
from .._core._retry_policy import mark_transport_failure
from .._core._secrets import record_sent
from ..errors import InvalidResponseError
from ._redact import redact_exception

__all__ = ["NoAuth", "is_requests_auth", "send_wire"]


class NoAuth(AuthBase):
    """An explicit "no auth": stops the session's ``auth`` and netrc from applying."""

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        return r


_NO_AUTH = NoAuth()


def is_requests_auth(auth: Any) -> bool:
    """Whether ``auth`` is one requests applies itself (an ``AuthBase`` or a tuple)."""
    return isinstance(auth, (AuthBase, tuple))


def _too_large(response: Any) -> InvalidResponseError:
    where = (getattr(response, "url", None) or "the endpoint").split("?", 1)[0]
    return InvalidResponseError(
        description=f"the response from {where} is larger than {MAX_BODY_BYTES} bytes",
        status_code=getattr(response, "status_code", None),
    )


def _read_limited(response: requests.Response, within: float | None = None) -> bytes:
    """The body, read up to ``MAX_BODY_BYTES`` (more is an :class:`InvalidResponseError`)
    and within ``within`` seconds in all (longer is ``requests.ReadTimeout``)."""
    ready = getattr(response, "_content", False)
    if isinstance(ready, bytes):
        # A response built in memory (an adapter or a test double) has its body already.
        if len(ready) > MAX_BODY_BYTES:
            raise _too_large(response)
        return ready
    chunks: list[bytes] = []
    size = 0
    with _deadline(response, within) as expired:
        try:
            for chunk in response.iter_content(64 * 1024):
                size += len(chunk)
                if size > MAX_BODY_BYTES:
                    raise _too_large(response)
                chunks.append(chunk)
        except requests.RequestException:
            if not expired.is_set():
                raise
        finally:
            response.close()
        if expired.is_set():
            raise _too_slow(response, within)
    return b"".join(chunks)


@contextmanager
def _deadline(response: requests.Response, within: float | None) -> Iterator[threading.Event]:
    """Shut the response's socket down after ``within`` seconds; the event says it was.

    requests bounds each read of the socket, not the body: one read of the buffered
    socket file waits for its whole size, so a server sending a byte a second is never
    "idle" long enough to time out. Shutting the socket down ends that read at once.
    """
    expired = threading.Event()
    sock = _socket_of(response)
    if within is None or sock is None:
        yield expired
        return

    def expire() -> None:
        expired.set()
        with suppress(OSError):  # already closed: the read is over anyway
            sock.shutdown(2)  # socket.SHUT_RDWR

    timer = threading.Timer(within, expire)
    timer.daemon = True
    timer.start()
    try:
        yield expired
    finally:
        timer.cancel()


def _socket_of(response: requests.Response) -> Any:
    """The socket a streamed response reads from (None for one built in memory)."""
    connection = getattr(response.raw, "_connection", None)
    sock = getattr(connection, "sock", None)
    if sock is None:
        # http.client's buffered file over the socket (urllib3 without a connection kept).
        buffered = getattr(getattr(response.raw, "_fp", None), "fp", None)
        sock = getattr(getattr(buffered, "raw", None), "_sock", None)
    return sock if hasattr(sock, "shutdown") else None


def _too_slow(response: Any, within: float | None) -> requests.ReadTimeout:
    where = (getattr(response, "url", None) or "the endpoint").split("?", 1)[0]
    return requests.ReadTimeout(
        f"the response from {where} was not read within {within:g} s", response=response
    )


def read_timeout_of(timeout: Any) -> float | None:
    """The read part of a requests ``timeout`` (a number or a ``(connect, read)`` pair)."""
    if isinstance(timeout, tuple) and len(timeout) == 2:
        timeout = timeout[1]
    if isinstance(timeout, (int, float)) and not isinstance(timeout, bool):
        return float(timeout)
    return None


def _never_sent(exc: requests.RequestException) -> bool:
    """Whether ``exc`` ended the request before any byte of it was sent: the connection
    was refused, its name did not resolve, or connecting timed out."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if not isinstance(exc, requests.ConnectionError) or isinstance(
        exc, requests.exceptions.SSLError
    ):
        return False
    from urllib3.exceptions import NewConnectionError

    reason = exc.args[0] if exc.args else None
    return isinstance(getattr(reason, "reason", reason), NewConnectionError)


def send_wire(
    session: requests.Session,
    wire: WireRequest,
    *,
    options: Mapping[str, Any],
    purpose: str | None,
    run_response_hooks: Callable[[str, Any], Any],
) -> HttpResponse:
    """Send ``wire`` through ``session``: the answer as an :class:`HttpResponse` whose
    ``raw`` is the ``requests.Response`` (after the response compliance hooks)."""
    auth: Any = wire.native_auth if wire.native_auth is not None else _NO_AUTH
    headers = wire.headers
    # requests (and that library's users' test doubles) expect a str body, not bytes.
    data: Any = wire.body or None
    if options.get("files"):
        # multipart/form-data: requests builds it from pairs and sets its own Content-Type.
        data = parse_qsl(wire.body, keep_blank_values=True)
        headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
    record_sent(wire.secrets)
    redacted: requests.RequestException | None = None
    try:
        prepared = session.prepare_request(
            requests.Request(
                wire.method,
                wire.url,
                headers=headers,
                data=data,
                auth=auth,
                cookies=options.get("cookies"),
                hooks=options.get("hooks"),
                files=options.get("files"),
                json=options.get("json") if not wire.body else None,
            )
        )
        if not wire.sets_authorization and auth is _NO_AUTH:
            prepared.headers.pop("Authorization", None)
        settings = _send_settings(session, prepared.url or wire.url, options)
        response = session.send(prepared, **settings)
    except requests.RequestException as exc:
        redacted = redact_exception(exc, wire.secrets)
        mark_transport_failure(redacted, sent=not _never_sent(exc))
        if redacted is exc:
            raise
    if redacted is not None:
        # Raised outside the except block, so the original (whose message shows the
        # secrets) is not kept as __context__.
        raise redacted
    if purpose is not None:
        response = run_response_hooks(purpose, response)
    return _as_http_response(response, wire.url, read_timeout_of(settings["timeout"]))


def _as_http_response(response: Any, url: str, within: float | None = None) -> HttpResponse:
    """The core's view of ``response``: a real ``requests.Response`` is read up to the
    limit, within ``within`` seconds; a test double with ``status_code``, ``headers`` and
    ``json()`` but no body of its own is read through ``json()``."""
    if isinstance(response, requests.Response):
        content = _read_limited(response, within)
        response._content = content
        response._content_consumed = True  # type: ignore[attr-defined]
    else:
        content = _double_body(response)
    return HttpResponse(
        status_code=int(response.status_code),
        headers=dict(getattr(response, "headers", None) or {}),
        body=content,
        url=getattr(response, "url", None) or url,
        raw=response,
    )


def _double_body(response: Any) -> bytes:
    import json

    content = getattr(response, "content", None)
    if isinstance(content, bytes):
        if len(content) > MAX_BODY_BYTES:
            raise _too_large(response)
        return content
    text = getattr(response, "text", None)
    if isinstance(text, str):
        return text.encode("utf-8")
    try:
        return json.dumps(response.json()).encode("utf-8")
    except Exception as exc:  # a double's json() may raise anything
        raise InvalidResponseError(
            description=f"the response could not be read as JSON ({type(exc).__name__})",
            status_code=getattr(response, "status_code", None),
        ) from None


def _send_settings(
    session: requests.Session, url: str, options: Mapping[str, Any]
) -> dict[str, Any]:
    # A verify set on the session (a CA path or False) must win over REQUESTS_CA_BUNDLE:
    # requests lets the environment override session.verify unless verify is passed here.
    verify = options.get("verify")
    if verify is None and session.verify is not True:
        verify = session.verify
    settings: dict[str, Any] = dict(
        session.merge_environment_settings(
            url, options.get("proxies") or {}, True, verify, options.get("cert")
        )
    )
    timeout = options.get("timeout")
    if timeout is None:
        timeout = (DEFAULT_CONNECT_TIMEOUT_S, DEFAULT_READ_TIMEOUT_S)
    settings.update(stream=True, allow_redirects=False, timeout=timeout)
    return settings
