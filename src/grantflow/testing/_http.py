"""Request and response values exchanged between the HTTP server and the endpoints.

Endpoints are plain functions from a :class:`Request` to a :class:`Response`, so the
socket handling stays in one module and every endpoint can be read on its own.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from ..errors import OAuthError

__all__ = [
    "Request",
    "Response",
    "error_response",
    "html_page",
    "json_response",
    "oauth_error",
    "redirect",
]

#: Parameters that may repeat (RFC 8707 §2: ``resource`` may be given more than once).
REPEATABLE = frozenset({"resource"})


def oauth_error(error: str, description: str, status: int = 400) -> OAuthError:
    """An error for the client, as the endpoint will send it (RFC 6749 §5.2)."""
    return OAuthError(error, description, status_code=status)


@dataclass(frozen=True, slots=True)
class Request:
    """One parsed HTTP request: lower-cased header names, parameters as value tuples."""

    method: str
    path: str
    query: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    form: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    cookies: Mapping[str, str] = field(default_factory=dict)
    #: The raw body (a JSON registration request, RFC 7591 §3.1).
    body: bytes = b""
    #: The thumbprint of the key the request's verified DPoP proof was signed with.
    dpop_jkt: str | None = None

    def __repr__(self) -> str:
        return f"Request({self.method} {self.path})"

    def param(self, name: str, *, source: str = "form") -> str | None:
        """A single-valued parameter; a repeated one is ``invalid_request`` (RFC 6749 §3.1)."""
        values = (self.form if source == "form" else self.query).get(name, ())
        if len(values) > 1:
            raise oauth_error("invalid_request", f"'{name}' parameter must not be provided twice")
        return values[0] if values else None

    def params(self, *, source: str = "form") -> dict[str, str]:
        """Every parameter, single-valued; repeats other than ``resource`` are refused."""
        raw = self.form if source == "form" else self.query
        for name, values in raw.items():
            if len(values) > 1 and name not in REPEATABLE:
                raise oauth_error(
                    "invalid_request", f"'{name}' parameter must not be provided twice"
                )
        return {name: values[0] for name, values in raw.items() if values}


@dataclass(frozen=True, slots=True)
class Response:
    """What an endpoint answers: status, headers (in order) and the body bytes."""

    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    def __repr__(self) -> str:
        return f"Response({self.status})"

    def header(self, name: str) -> str | None:
        """The first header with this name (case-insensitive), or None."""
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), None)


_NO_STORE = (("Cache-Control", "no-store"), ("Pragma", "no-cache"))


def json_response(
    data: Mapping[str, Any] | list[Any],
    status: int = 200,
    headers: tuple[tuple[str, str], ...] = (),
) -> Response:
    """A JSON body; never cached, since it may hold tokens (RFC 6749 §5.1)."""
    body = json.dumps(data, separators=(",", ":")).encode()
    return Response(
        status,
        (("Content-Type", "application/json; charset=utf-8"), *_NO_STORE, *headers),
        body,
    )


def error_response(error: OAuthError, issuer: str) -> Response:
    """An OAuth error as JSON ``{"error", "error_description"}`` (RFC 6749 §5.2).

    ``invalid_client`` is 401 with ``WWW-Authenticate`` (RFC 6749 §5.2 requires it when
    the client used the Authorization header; we always send it, as a hint to retry).
    """
    status = error.status_code or 400
    body: dict[str, str] = {"error": error.error}
    if error.description:
        body["error_description"] = error.description
    extra: tuple[tuple[str, str], ...] = ()
    if status == 401 and error.error == "invalid_client":
        extra = (("WWW-Authenticate", f'Basic realm="{issuer}"'),)
    elif status in {401, 403}:
        extra = (("WWW-Authenticate", _bearer_challenge(issuer, error)),)
    return json_response(body, status, extra)


def _bearer_challenge(issuer: str, error: OAuthError) -> str:
    # RFC 6750 §3: quoted attributes; the description must not contain a double quote.
    description = (error.description or "").replace('"', "'")
    return f'Bearer realm="{issuer}", error="{error.error}", error_description="{description}"'


def redirect(location: str, headers: tuple[tuple[str, str], ...] = ()) -> Response:
    """A 303 See Other: the browser follows it with a GET, whatever the request was."""
    return Response(303, (("Location", location), ("Cache-Control", "no-store"), *headers))


def with_query(url: str, params: Mapping[str, str | None]) -> str:
    """``url`` with ``params`` (None dropped) appended to its query string."""
    extra = urlencode({k: v for k, v in params.items() if v is not None})
    if not extra:
        return url
    return f"{url}{'&' if '?' in url else '?'}{extra}"


def html_page(title: str, body_html: str, status: int = 200) -> Response:
    """A minimal HTML page; ``body_html`` must already be escaped."""
    page = (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title></head><body>{body_html}</body></html>"
    )
    return Response(
        status,
        (("Content-Type", "text/html; charset=utf-8"), *_NO_STORE),
        page.encode(),
    )
