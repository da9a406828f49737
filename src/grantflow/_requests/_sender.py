"""Send a flow's request through a ``requests.Session`` and read the answer.

Every request grantflow makes itself (token, revocation, introspection, discovery,
JWKS, UserInfo) passes here: the session's adapters, ``cert``, ``verify`` and proxies
apply; redirects are never followed; the body is read up to 1 MiB; the session's own
auth and any ``Authorization`` header it carries are kept off unless the request set one.
Without a timeout from the call or the session a finite default applies, and the read
timeout bounds the whole exchange (request, status line, headers and body), however
slowly a server trickles it (``_deadline``).
What goes on the wire was decided by ``_client._prepare``; this module only moves it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
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
from .._deadline import ExchangeExpired, SocketDeadline
from ..errors import InvalidResponseError
from ._deadline import exchange_deadline
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


def _read_limited(response: requests.Response, watch: SocketDeadline | None = None) -> bytes:
    """The body, read up to ``MAX_BODY_BYTES`` (more is an :class:`InvalidResponseError`),
    within the exchange's deadline (past it: :class:`ExchangeExpired`, even when the read
    ended, for a body without a length ends at the cut too)."""
    ready = getattr(response, "_content", False)
    if isinstance(ready, bytes):
        # A response built in memory (an adapter or a test double) has its body already.
        if len(ready) > MAX_BODY_BYTES:
            raise _too_large(response)
        return ready
    if watch is not None:
        watch.attach_late(_socket_of(response))
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_content(64 * 1024):
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise _too_large(response)
            chunks.append(chunk)
    finally:
        # The clock stops at once (see SocketDeadline.finish), before the response closes.
        expired = watch is not None and watch.finish()
        response.close()
    if expired:
        raise ExchangeExpired
    return b"".join(chunks)


def _socket_of(response: requests.Response) -> Any:
    """The socket a streamed response reads from (None for one built in memory)."""
    connection = getattr(response.raw, "_connection", None)
    sock = getattr(connection, "sock", None)
    if sock is None:
        # http.client's buffered file over the socket (urllib3 without a connection kept).
        buffered = getattr(getattr(response.raw, "_fp", None), "fp", None)
        sock = getattr(getattr(buffered, "raw", None), "_sock", None)
    return sock if hasattr(sock, "shutdown") else None


def _too_slow(url: str | None, watch: SocketDeadline | None) -> requests.ReadTimeout:
    where = (url or "the endpoint").split("?", 1)[0]
    within = f" within {watch.within:g} s" if watch is not None else ""
    return requests.ReadTimeout(f"the response from {where} was not read{within}")


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
    ``raw`` is the ``requests.Response`` (after the response compliance hooks). The read
    timeout bounds the whole exchange (``requests.ReadTimeout`` naming the endpoint)."""
    with exchange_deadline(read_timeout_of(_timeout_of(options))) as watch:
        try:
            return _exchange(session, wire, options, purpose, run_response_hooks, watch)
        except (requests.RequestException, ExchangeExpired) as exc:
            if not isinstance(exc, ExchangeExpired) and (watch is None or not watch.expired):
                raise
    # Raised here, so the error the cut connection caused is not kept as __context__.
    raise _too_slow(wire.url, watch)


def _exchange(
    session: requests.Session,
    wire: WireRequest,
    options: Mapping[str, Any],
    purpose: str | None,
    run_response_hooks: Callable[[str, Any], Any],
    watch: SocketDeadline | None,
) -> HttpResponse:
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
    return _as_http_response(response, wire.url, watch)


def _as_http_response(response: Any, url: str, watch: SocketDeadline | None = None) -> HttpResponse:
    """The core's view of ``response``: a real ``requests.Response`` is read up to the
    limit, within the exchange's deadline; a test double with ``status_code``, ``headers`` and
    ``json()`` but no body of its own is read through ``json()``."""
    if isinstance(response, requests.Response):
        content = _read_limited(response, watch)
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
    settings.update(stream=True, allow_redirects=False, timeout=_timeout_of(options))
    return settings


def _timeout_of(options: Mapping[str, Any]) -> Any:
    """The call's (or the session's default) timeout, else grantflow's finite default."""
    timeout = options.get("timeout")
    if timeout is None:
        timeout = (DEFAULT_CONNECT_TIMEOUT_S, DEFAULT_READ_TIMEOUT_S)
    return timeout
