"""Send the core's requests through a ``requests.Session`` and read the answer.

Every request grantflow makes itself (token, revocation, introspection, discovery,
JWKS, UserInfo) passes here: the session's adapters, ``cert``, ``verify`` and proxies
apply; redirects are never followed; the body is read up to 1 MiB; the session's own
auth and any ``Authorization`` header it carries are kept off unless the request set one.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl

import requests
from requests.auth import AuthBase

from .._core._http import MAX_BODY_BYTES, HttpResponse
from .._core._params import add_params_to_uri
from .._core._transport import check_secure_transport
from .._flows._drive import Send
from ..errors import InvalidResponseError
from ._redact import record_sent, redact_exception, sensitive_values

__all__ = ["NoAuth", "insecure_transport_allowed", "send_request"]

HookRunner = Callable[[str, str, dict[str, str], str], tuple[str, dict[str, str], str]]
ResponseHookRunner = Callable[[str, requests.Response], requests.Response]


class NoAuth(AuthBase):
    """An explicit "no auth": stops the session's ``auth`` and netrc from applying."""

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        return r


_NO_AUTH = NoAuth()
_FALSE_VALUES = frozenset({"", "0", "false", "no", "off"})


def insecure_transport_allowed() -> bool:
    """Whether ``GRANTFLOW_INSECURE_TRANSPORT`` is set (read at every call)."""
    value = os.environ.get("GRANTFLOW_INSECURE_TRANSPORT")
    return value is not None and value.strip().lower() not in _FALSE_VALUES


def _too_large(response: requests.Response) -> InvalidResponseError:
    where = (response.url or "the endpoint").split("?", 1)[0]
    return InvalidResponseError(
        description=f"the response from {where} is larger than {MAX_BODY_BYTES} bytes",
        status_code=response.status_code,
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


def send_request(
    session: requests.Session,
    step: Send,
    *,
    options: Mapping[str, Any],
    run_request_hooks: HookRunner,
    run_response_hooks: ResponseHookRunner,
    client: Any,
) -> tuple[HttpResponse, requests.Response]:
    """Send ``step`` through ``session``: the answer as an :class:`HttpResponse`, and raw.

    Order: request compliance hooks, then client authentication (so a hook that moves
    the endpoint also moves a JWT assertion's audience), then the wire, then response hooks.
    """
    req = step.request
    check_secure_transport(req.url, allow_insecure=insecure_transport_allowed())
    url, headers = req.url, dict(req.headers)
    body = req.body.decode("utf-8") if req.body is not None else ""
    if step.purpose is not None:
        url, headers, body = run_request_hooks(step.purpose, url, headers, body)
    auth: Any = _NO_AUTH
    if isinstance(step.client_auth, (AuthBase, tuple)):
        auth = step.client_auth
    elif step.client_auth is not None:
        url, headers, body = step.client_auth(client, req.method, url, headers, body)
    if req.method == "GET" and body:
        url, body = add_params_to_uri(url, parse_qsl(body, keep_blank_values=True)), ""
    sent_authorization = any(k.lower() == "authorization" for k in headers)
    data: Any = body.encode("utf-8") if body else None
    if options.get("files"):
        # multipart/form-data: requests builds it from pairs and sets its own Content-Type.
        data = parse_qsl(body, keep_blank_values=True)
        headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
    secrets = sensitive_values(url, body)
    for name, field in headers.items():
        if name.lower() == "authorization" and " " in field:
            # Basic's base64 (id:secret) or a bearer value: as secret as the form's.
            secrets.append(field.split(" ", 1)[1].strip())
    record_sent(secrets)
    redacted: requests.RequestException | None = None
    try:
        prepared = session.prepare_request(
            requests.Request(
                req.method,
                url,
                headers=headers,
                data=data,
                auth=auth,
                cookies=options.get("cookies"),
                hooks=options.get("hooks"),
                files=options.get("files"),
                json=options.get("json") if not body else None,
            )
        )
        if not sent_authorization and auth is _NO_AUTH:
            prepared.headers.pop("Authorization", None)
        response = session.send(prepared, **_send_settings(session, prepared.url or url, options))
    except requests.RequestException as exc:
        redacted = redact_exception(exc, secrets)
        if redacted is exc:
            raise
    if redacted is not None:
        # Raised outside the except block, so the original (whose message shows the
        # secrets) is not kept as __context__.
        raise redacted
    content = _read_limited(response)
    response._content = content
    response._content_consumed = True  # type: ignore[attr-defined]
    if step.purpose is not None:
        response = run_response_hooks(step.purpose, response)
        content = response.content
    value = HttpResponse(
        status_code=response.status_code,
        headers=dict(response.headers),
        body=content,
        url=response.url or url,
    )
    return value, response


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
