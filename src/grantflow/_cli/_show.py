"""How the demo shows an HTTP exchange to a person: what was sent, what came back.

Every credential is redacted by its parameter or header name before it is printed: the
reader sees that a code, a secret or a token went over the wire, its kind and its length,
never its value. JWTs are shown by their decoded header and claims, which carry no secret.
"""

from __future__ import annotations

import base64
import json
import textwrap
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TextIO
from urllib.parse import parse_qsl, quote, unquote_plus, urlsplit, urlunsplit

import requests

from .._core._secrets import is_secret_field
from ._console import Style
from ._jwt import decode_unverified, looks_like_jwt

__all__ = ["Show", "redact_url", "redacted"]

_TIMES = frozenset({"exp", "iat", "nbf", "auth_time", "expires_at", "updated_at"})


def redacted(value: str) -> str:
    """A credential as ``••• JWT, 812 chars``: its kind and length, not its value."""
    kind = "JWT, " if looks_like_jwt(value) else ""
    return f"••• {kind}{len(value)} chars"


def redact_url(url: str) -> str:
    """``url`` with the values of credential query parameters replaced by ``•••``."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = "&".join(
        f"{quote(k)}={'•••' if is_secret_field(k) else quote(v, safe=':/')}" for k, v in pairs
    )
    return urlunsplit(parts._replace(query=query))


def _redact_authorization(value: str) -> str:
    scheme, _, credentials = value.partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(credentials).decode("utf-8")
        except ValueError:
            return "Basic •••"
        # RFC 6749 §2.3.1: the id is form-encoded before base64; show it, not the secret.
        client_id = unquote_plus(decoded.partition(":")[0])
        return f"Basic ••• (base64 of {client_id}:<client secret>)"
    return f"{scheme} {redacted(credentials)}"


def _relative(seconds: float) -> str:
    amount = abs(int(seconds))
    if amount < 120:
        unit = f"{amount} s"
    elif amount < 2 * 3600:
        unit = f"{amount // 60} min"
    elif amount < 2 * 86400:
        unit = f"{amount // 3600} h"
    else:
        unit = f"{amount // 86400} days"
    return f"in {unit}" if seconds >= 0 else f"{unit} ago"


class Show:
    """Writes the demo's text: headings, explanations, exchanges, fields and claims."""

    def __init__(
        self,
        out: TextIO,
        style: Style,
        now: Callable[[], float] = time.time,
        *,
        width: int = 80,
    ) -> None:
        self.out = out
        self.style = style
        self.now = now
        self.width = width

    def line(self, text: str = "") -> None:
        self.out.write(f"{text}\n")
        self.out.flush()

    def heading(self, number: int, title: str, refs: str) -> None:
        """A section's title, its references beside it or, when narrow, beneath it."""
        head, tail = f"━━ {number}. {title}", f"({refs})"
        self.line()
        if len(head) + 2 + len(tail) <= self.width:
            self.line(self.style(head, "bold", "cyan") + self.style(f"  {tail}", "dim"))
            return
        self.line(self.style(head, "bold", "cyan"))
        for line in textwrap.wrap(tail, self.width - 3):
            self.line(self.style(f"   {line}", "dim"))

    def say(self, text: str, indent: str = "  ") -> None:
        """An explanation, wrapped to the width and indented."""
        for line in textwrap.wrap(text, self.width - len(indent)):
            self.line(f"{indent}{line}")

    def ok(self, text: str) -> None:
        """A check that passed: a tick, then the text wrapped beside it."""
        tick = self.style("✓", "green", "bold")
        for number, line in enumerate(textwrap.wrap(text, self.width - 4)):
            self.line(f"  {tick} {line}" if number == 0 else f"    {line}")

    def sent(self, request: requests.PreparedRequest, note: str = "") -> None:
        """The request line, the Authorization header, and the form parameters."""
        arrow = self.style("→", "yellow", "bold")
        url = redact_url(request.url or "")
        self.line(
            f"  {arrow} {self.style(str(request.method), 'yellow')} {url}"
            + (self.style(f"  ({note})", "dim") if note else "")
        )
        fields: dict[str, Any] = {}
        authorization = request.headers.get("Authorization")
        if authorization:
            fields["Authorization:"] = _redact_authorization(authorization)
        body = request.body
        if isinstance(body, bytes):
            body = body.decode("utf-8", "replace")
        if body:
            fields.update(parse_qsl(body, keep_blank_values=True))
        self.fields(fields)
        proof = request.headers.get("DPoP")
        if proof:
            # RFC 9449 §4: a single-use proof of the key; its claims carry no secret.
            self.line(
                f"      {self.style('DPoP:', 'blue')}  {self.style(redacted(proof), 'magenta')}"
            )
            self.jwt(proof, 8)

    def received(self, response: requests.Response, only: Iterable[str] | None = None) -> None:
        """The status line and the JSON members (credentials redacted)."""
        colour = "green" if response.status_code < 400 else "red"
        arrow = self.style("←", colour, "bold")
        media = response.headers.get("Content-Type", "").split(";")[0] or "no body"
        status = f"{response.status_code} {response.reason}"
        self.line(f"  {arrow} {self.style(status, colour)}  {self.style(media, 'dim')}")
        nonce = response.headers.get("DPoP-Nonce")
        if nonce:
            self.fields({"DPoP-Nonce:": redacted(nonce)})
        try:
            document = response.json() if response.content else None
        except ValueError:
            document = None
        if not isinstance(document, dict):
            return
        keys = list(only) if only is not None else list(document)
        self.fields({k: document[k] for k in keys if k in document})
        hidden = len(document) - len([k for k in keys if k in document])
        if hidden > 0:
            self.line(self.style(f"      … and {hidden} more members", "dim"))

    def exchange(
        self, response: requests.Response, only: Iterable[str] | None = None, note: str = ""
    ) -> None:
        self.sent(response.request, note)
        self.received(response, only)

    def brief(self, response: requests.Response, what: str) -> None:
        """One line for a plain GET of a document (discovery, JWKS)."""
        path = urlsplit(response.request.url or "").path
        self.line(self.style(f"  → GET {path}  ← {response.status_code}  ({what})", "dim"))

    def fields(self, items: Mapping[str, Any], indent: int = 6) -> None:
        """``name  value`` lines, aligned; credentials redacted, JWT claims shown beneath."""
        if not items:
            return
        width = max(len(k) for k in items)
        pad = " " * indent
        for name, value in items.items():
            shown = self._value(name, value)
            self.line(f"{pad}{self.style(name.ljust(width), 'blue')}  {shown}")
            if is_secret_field(name) and looks_like_jwt(value):
                self.jwt(str(value), indent + 2)

    def jwt(self, value: str, indent: int) -> None:
        """A JWT's header and claims (decoded for reading; the library did the checking)."""
        decoded = decode_unverified(value)
        pad = " " * indent
        self.line(f"{pad}{self.style('header', 'dim')} {json.dumps(decoded['header'])}")
        self.line(f"{pad}{self.style('claims', 'dim')}")
        self.fields(decoded["claims"], indent + 2)

    def claims(self, title: str, claims: Mapping[str, Any]) -> None:
        self.line(f"  {title}")
        self.fields(claims)

    def _value(self, name: str, value: Any) -> str:
        if is_secret_field(name) and isinstance(value, str):
            return self.style(redacted(value), "magenta")
        if name == "Authorization:":
            return self.style(str(value), "magenta")
        if name in _TIMES and isinstance(value, (int, float)) and not isinstance(value, bool):
            return f"{value} {self.style('(' + _relative(value - self.now()) + ')', 'dim')}"
        if isinstance(value, (dict, list)):
            text = json.dumps(value, ensure_ascii=False)
            return text if len(text) <= 70 else text[:67] + "…"
        return str(value)
