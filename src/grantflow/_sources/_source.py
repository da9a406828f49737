"""A caching token source with single-flight renewal.

The fast path reads the current token without a lock. A token that is due takes the
lock, checks again (another thread may have renewed it), takes the store's lock (cross-
process for shared stores), reloads from the store (another process may have renewed
it), and only then renews, once. A failed renewal keeps the old token.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .._core._token import OAuth2Token
from .._stores._base import TokenStore
from .._stores._memory import MemoryTokenStore

__all__ = ["Lookup", "Renewer", "TokenSource"]

#: ``renew(current_token_or_None) -> new_token``; raises when it cannot renew.
Renewer = Callable[[OAuth2Token | None], OAuth2Token]


@dataclass(frozen=True)
class Lookup:
    """What :meth:`TokenSource.get` found: the token, and whether this call renewed it."""

    token: OAuth2Token | None
    renewed: bool = False
    previous: OAuth2Token | None = None

    def __repr__(self) -> str:
        return f"Lookup(has_token={self.token is not None}, renewed={self.renewed})"


class TokenSource:
    """Holds the current token and renews it at most once per expiry, for any number of threads."""

    def __init__(
        self,
        store: TokenStore | None = None,
        token: dict[str, Any] | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store: TokenStore = store if store is not None else MemoryTokenStore()
        self._lock = threading.Lock()
        self._clock = clock
        stored = self._store.load()
        if stored is not None:
            self._token: OAuth2Token | None = OAuth2Token(stored)
        elif token is not None:
            self._token = OAuth2Token.from_dict(token)
            self._store.save(self._token)
        else:
            self._token = None

    @property
    def store(self) -> TokenStore:
        return self._store

    @property
    def token(self) -> OAuth2Token | None:
        """The current token, as last seen by this process (no lock taken)."""
        return self._token

    def set(self, token: dict[str, Any] | None) -> OAuth2Token | None:
        """Replace the current token (and the stored one); None clears both."""
        if token is None:
            self._token = None
            self._store.clear()
            return None
        new = OAuth2Token.from_dict(token)
        self._token = new
        self._store.save(new)
        return new

    def is_fresh(self, token: OAuth2Token | None, leeway: int) -> bool:
        """True when ``token`` exists and is not within ``leeway`` of its expiry."""
        return token is not None and not token.is_expired(leeway, now=self._clock())

    def get(self, leeway: int, renew: Renewer | None) -> Lookup:
        """A fresh token, renewing it when due.

        Exactly one caller sees ``renewed=True`` for each renewal, so the application's
        ``update_token`` callback runs once. Without ``renew`` the current token is
        returned as is, expired or not.
        """
        current = self._token
        if renew is None or self.is_fresh(current, leeway):
            return Lookup(current)
        with self._lock:
            current = self._token
            if self.is_fresh(current, leeway):
                return Lookup(current)
            with self._store.lock():
                stored = self._store.load()
                if stored is not None:
                    candidate = OAuth2Token(stored)
                    if self.is_fresh(candidate, leeway):
                        self._token = candidate
                        return Lookup(candidate)
                    current = candidate
                new = renew(current)
                self._store.save(new)
                self._token = new
        return Lookup(new, renewed=True, previous=current)

    def __repr__(self) -> str:
        return f"TokenSource(store={self._store!r}, has_token={self._token is not None})"
