"""Frozen HTTP request and response values: the only boundary between protocol and transport."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from ._frozen import Frozen

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT_S",
    "DEFAULT_READ_TIMEOUT_S",
    "MAX_BODY_BYTES",
    "HttpRequest",
    "HttpResponse",
]

#: Responses from endpoints grantflow calls itself are read up to this many bytes.
MAX_BODY_BYTES = 1024 * 1024

#: The timeouts of a request grantflow makes itself when neither the call nor the
#: session or client set one: a server that accepts the connection and never answers
#: must not hold a token request (and every caller waiting on its single flight)
#: forever. The read timeout also bounds the whole exchange (request, status line,
#: headers and body), not each read.
DEFAULT_CONNECT_TIMEOUT_S = 10.0
DEFAULT_READ_TIMEOUT_S = 30.0


def _freeze(headers: Mapping[str, str] | None) -> Mapping[str, str]:
    return MappingProxyType(dict(headers or {}))


class HttpRequest(Frozen):
    """A request the core wants sent: method, URL, headers and an already-encoded body."""

    __slots__ = ("body", "headers", "method", "url")
    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes | None

    def __init__(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
    ) -> None:
        self._set(method=method, url=url, headers=_freeze(headers), body=body)

    def __repr__(self) -> str:
        # The body may carry a secret, a code or an assertion; the headers a credential.
        return f"HttpRequest({self.method} {self.url.split('?', 1)[0]})"


class HttpResponse(Frozen):
    """A response as the core sees it: status, headers (looked up case-insensitively), body."""

    __slots__ = ("body", "headers", "raw", "status_code", "url")
    status_code: int
    headers: Mapping[str, str]
    body: bytes
    url: str
    #: The transport's own response object (``requests.Response``, ``httpx.Response``),
    #: handed back to the caller where the API returns it; the core never reads it.
    raw: Any

    def __init__(
        self,
        status_code: int,
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
        url: str = "",
        raw: Any = None,
    ) -> None:
        lowered = {k.lower(): v for k, v in dict(headers or {}).items()}
        self._set(
            status_code=status_code,
            headers=MappingProxyType(lowered),
            body=body,
            url=url,
            raw=raw,
        )

    def header(self, name: str, default: str | None = None) -> str | None:
        """The value of header ``name`` (case-insensitive), or ``default``."""
        return self.headers.get(name.lower(), default)

    @property
    def media_type(self) -> str:
        """The Content-Type without parameters, lower-cased (``""`` when absent)."""
        value = self.header("content-type") or ""
        return value.split(";", 1)[0].strip().lower()

    def __repr__(self) -> str:
        return f"HttpResponse({self.status_code}, {self.media_type or 'no content-type'})"
