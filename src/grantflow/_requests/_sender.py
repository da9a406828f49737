"""Send a flow's request through a ``requests.Session`` and read the answer.

Every request grantflow makes itself (token, revocation, introspection, discovery,
JWKS, UserInfo) passes here: the session's adapters, ``cert``, ``verify`` and proxies
apply; redirects are never followed; the body is read up to 1 MiB; the session's own
auth and any ``Authorization`` header it carries are kept off unless the request set one.
What goes on the wire was decided by ``_client._prepare``; this module only moves it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl

import requests
from requests.auth import AuthBase

from .._client._prepare import WireRequest
from .._core._http import MAX_BODY_BYTES, HttpResponse
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


def _read_limited(response: requests.Response) -> bytes:
    """The body, read up to ``MAX_BODY_BYTES`` (more is an :class:`InvalidResponseError`)."""
    ready = getattr(response, "_content", False)
    if isinstance(ready, bytes):
        # A response built in memory (an adapter or a test double) has its body already.
        if len(ready) > MAX_BODY_BYTES:
            raise _too_large(response)
        return ready
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_content(64 * 1024):
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise _too_large(response)
            chunks.append(chunk)
    finally:
        response.close()
    return b"".join(chunks)


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
        if redacted is exc:
            raise
    if redacted is not None:
        # Raised outside the except block, so the original (whose message shows the
        # secrets) is not kept as __context__.
        raise redacted
    if purpose is not None:
        response = run_response_hooks(purpose, response)
    return _as_http_response(response, wire.url)


def _as_http_response(response: Any, url: str) -> HttpResponse:
    """The core's view of ``response``: a real ``requests.Response`` is read up to the
    limit; a test double with ``status_code``, ``headers`` and ``json()`` but no body of
    its own is read through ``json()``."""
    if isinstance(response, requests.Response):
        content = _read_limited(response)
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
    settings.update(stream=True, allow_redirects=False, timeout=options.get("timeout"))
    return settings
