"""The development provider's pushed authorization requests (RFC 9126), in memory."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["PushedRequest", "PushedRequests"]


@dataclass(frozen=True, slots=True)
class PushedRequest:
    """One pushed request: its parameters, checked when pushed, until it is used once."""

    request_uri: str
    client_id: str
    params: Mapping[str, str]
    resources: tuple[str, ...]
    expires_at: int

    def __repr__(self) -> str:
        return f"PushedRequest(client_id={self.client_id!r}, expires_at={self.expires_at})"


class PushedRequests:
    """Pushed requests by ``request_uri``; each one is taken once (RFC 9126 §4)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_uri: dict[str, PushedRequest] = {}

    def __repr__(self) -> str:
        return "PushedRequests()"

    def add(self, pushed: PushedRequest, now: int) -> None:
        """Remember a pushed request, dropping those that have expired."""
        with self._lock:
            for uri in [u for u, p in self._by_uri.items() if p.expires_at <= now]:
                del self._by_uri[uri]
            self._by_uri[pushed.request_uri] = pushed

    def take(self, request_uri: str, client_id: str | None, now: int) -> PushedRequest | None:
        """The live request for ``request_uri`` of ``client_id``, removed; else None.

        A wrong ``client_id`` does not consume it: only its own client may use it.
        """
        with self._lock:
            found = self._by_uri.get(request_uri)
            if found is None or found.client_id != client_id:
                return None
            del self._by_uri[request_uri]
            return found if found.expires_at > now else None
