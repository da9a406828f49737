"""The default store: the token lives in this process only."""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager
from typing import Any

__all__ = ["MemoryTokenStore"]


class MemoryTokenStore:
    """Keeps the token in memory; ``lock()`` is a thread lock (one process only)."""

    def __init__(self, token: dict[str, Any] | None = None) -> None:
        self._token = dict(token) if token is not None else None
        self._lock = threading.RLock()

    def load(self) -> dict[str, Any] | None:
        return dict(self._token) if self._token is not None else None

    def save(self, token: dict[str, Any]) -> None:
        self._token = dict(token)

    def clear(self) -> None:
        self._token = None

    def lock(self) -> AbstractContextManager[Any]:
        return self._lock

    def __repr__(self) -> str:
        return f"MemoryTokenStore(has_token={self._token is not None})"
