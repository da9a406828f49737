"""The default store: the token lives in this process only."""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager
from typing import Any

__all__ = ["MemoryTokenStore"]


class MemoryTokenStore:
    """Keeps the token in memory; ``lock()`` is a thread lock (one process only).

    The default store of every session: give it only to share one token between
    sessions of one process.

    Args:
        token: A token to start with (copied).

    Raises nothing: a memory store cannot fail.
    """

    def __init__(self, token: dict[str, Any] | None = None) -> None:
        self._token = dict(token) if token is not None else None
        self._lock = threading.RLock()

    def load(self) -> dict[str, Any] | None:
        """The token, or None when none was saved.

        Returns:
            A copy of the token, so changing it changes nothing stored.

        Raises nothing.
        """
        return dict(self._token) if self._token is not None else None

    def save(self, token: dict[str, Any]) -> None:
        """Keep a copy of ``token``, replacing the one kept.

        Args:
            token: The token dict.

        Raises nothing.
        """
        self._token = dict(token)

    def clear(self) -> None:
        """Forget the token. Raises nothing."""
        self._token = None

    def lock(self) -> AbstractContextManager[Any]:
        """The store's reentrant thread lock, held around a renewal.

        Returns:
            A ``threading.RLock`` (a context manager); it excludes threads of this
            process only.

        Raises nothing.
        """
        return self._lock

    def __repr__(self) -> str:
        return f"MemoryTokenStore(has_token={self._token is not None})"
