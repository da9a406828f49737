"""How a token fetched by client credentials (or an assertion) can be fetched again."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["RefetchSpec"]


class RefetchSpec:
    """How the current token was fetched by client credentials, to fetch it again."""

    __slots__ = ("auth", "body", "headers", "method", "options", "params", "url")

    def __init__(
        self,
        url: str | None,
        params: Mapping[str, Any],
        body: str = "",
        method: str = "POST",
        headers: Mapping[str, str] | None = None,
        auth: Any = None,
        options: Mapping[str, Any] | None = None,
    ) -> None:
        self.url = url
        self.params = dict(params)
        self.body = body
        self.method = method
        self.headers = dict(headers) if headers is not None else None
        self.auth = auth
        self.options = dict(options or {})

    def __repr__(self) -> str:
        return f"RefetchSpec(url={self.url!r})"
