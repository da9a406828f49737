"""Observe what a session did: the requests it sent and the renewals it reported.

grantflow sends token-endpoint calls through the session's own adapters, so an adapter
mounted on the provider's origin sees every one of them. Tests use it to prove that a
rejected callback caused no token request at all.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter


class RecordingAdapter(HTTPAdapter):
    """An ``HTTPAdapter`` that remembers ``(method, path)`` of everything it sends."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str, str]] = []

    def send(  # type: ignore[override]  # requests passes these by keyword
        self, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        self.sent.append((request.method or "", urlsplit(request.url or "").path))
        return super().send(request, **kwargs)

    def paths(self, method: str = "POST") -> list[str]:
        """The paths of the requests sent with ``method``, in order."""
        return [path for sent_method, path in self.sent if sent_method == method]


def record(session: requests.Session, issuer: str) -> RecordingAdapter:
    """Mount a :class:`RecordingAdapter` for every URL under ``issuer``; return it."""
    adapter = RecordingAdapter()
    session.mount(issuer.rstrip("/") + "/", adapter)
    return adapter


def endpoint_path(metadata: Mapping[str, Any], name: str) -> str:
    """The path of a metadata endpoint, e.g. ``endpoint_path(md, "token_endpoint")``."""
    return urlsplit(str(metadata[name])).path


class Renewals:
    """An ``update_token`` callback that remembers each call's keyword arguments."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, token: Any, refresh_token: Any = None, access_token: Any = None) -> None:
        self.calls.append(
            {"token": token, "refresh_token": refresh_token, "access_token": access_token}
        )


def expired(token: Mapping[str, Any]) -> dict[str, Any]:
    """The same token, marked as expired a minute ago (so no test waits for an hour)."""
    stale = {k: v for k, v in token.items() if k not in ("expires_in", "expires_at")}
    stale["expires_at"] = int(time.time()) - 60
    return stale
