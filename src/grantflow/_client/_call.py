"""How a caller shaped a request to the token endpoint or one like it (api.md §2).

``fetch_token``, ``refresh_token``, ``revoke_token`` and ``introspect_token`` each take
an endpoint URL, extra body, headers, a client authentication for that request only
and transport options besides their form fields; the flows take those as one value,
which a client-credentials token keeps to be fetched again (``RefetchSpec``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._core._frozen import Frozen

__all__ = ["TokenCall"]


class TokenCall(Frozen):
    """The endpoint ``url`` (None: the metadata's), extra form-encoded ``body``, the
    ``method``, extra ``headers``, a client ``auth`` for this request only, and the
    transport ``options`` (``timeout``, ...) of one call."""

    __slots__ = ("auth", "body", "headers", "method", "options", "url")
    url: str | None
    body: str
    method: str
    headers: dict[str, str] | None
    auth: Any
    options: dict[str, Any]

    def __init__(
        self,
        url: str | None = None,
        body: str | None = "",
        method: str = "POST",
        headers: Mapping[str, str] | None = None,
        auth: Any = None,
        options: Mapping[str, Any] | None = None,
    ) -> None:
        self._set(
            url=url,
            body=body or "",
            method=method,
            headers=dict(headers) if headers is not None else None,
            auth=auth,
            options=dict(options or {}),
        )

    def at(self, url: str | None) -> TokenCall:
        """This call sent to ``url`` instead."""
        return TokenCall(url, self.body, self.method, self.headers, self.auth, self.options)

    def __repr__(self) -> str:
        return f"TokenCall(url={self.url!r}, method={self.method!r})"
