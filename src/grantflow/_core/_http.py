"""Frozen HTTP request and response values: the only boundary between protocol and transport."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = ["MAX_BODY_BYTES", "HttpRequest", "HttpResponse"]

#: Responses from endpoints grantflow calls itself are read up to this many bytes.
MAX_BODY_BYTES = 1024 * 1024


def _freeze(headers: Mapping[str, str] | None) -> Mapping[str, str]:
    return MappingProxyType(dict(headers or {}))


@dataclass(frozen=True)
class HttpRequest:
    """A request the core wants sent: method, URL, headers and an already-encoded body."""

    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "headers", _freeze(self.headers))

    def __repr__(self) -> str:
        # The body may carry a secret, a code or an assertion; the headers a credential.
        return f"HttpRequest({self.method} {self.url.split('?', 1)[0]})"


@dataclass(frozen=True)
class HttpResponse:
    """A response as the core sees it: status, headers (looked up case-insensitively), body."""

    status_code: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    url: str = ""

    def __post_init__(self) -> None:
        lowered = {k.lower(): v for k, v in dict(self.headers).items()}
        object.__setattr__(self, "headers", MappingProxyType(lowered))

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
