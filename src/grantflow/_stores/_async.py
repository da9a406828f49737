"""A token store as an async renewal sees it: load, save and the lock, awaited.

A store may offer a native asyncio path (``RedisTokenStore`` given a ``redis.asyncio``
client); any other store runs its blocking calls in the default executor's threads.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol, runtime_checkable

from ._base import TokenStore

__all__ = ["AsyncTokenStore", "asynchronous"]


@runtime_checkable
class AsyncTokenStore(Protocol):
    """The awaitable twin of :class:`~grantflow._stores._base.TokenStore`'s renewal part."""

    async def load(self) -> dict[str, Any] | None: ...

    async def save(self, token: dict[str, Any]) -> None: ...

    def lock(self) -> AbstractAsyncContextManager[Any]: ...


def asynchronous(store: TokenStore) -> AsyncTokenStore:
    """``store``'s own asyncio path when it has one, else its blocking calls in threads."""
    native = getattr(store, "asynchronous", None)
    found = native() if callable(native) else None
    return found if isinstance(found, AsyncTokenStore) else _Threaded(store)


class _Threaded:
    """Runs a blocking store's calls in threads (a file or Redis lock may wait long)."""

    def __init__(self, store: TokenStore) -> None:
        self._store = store

    async def load(self) -> dict[str, Any] | None:
        return await asyncio.to_thread(self._store.load)

    async def save(self, token: dict[str, Any]) -> None:
        await asyncio.to_thread(self._store.save, token)

    @asynccontextmanager
    async def lock(self) -> AsyncIterator[None]:
        lock = self._store.lock()
        await asyncio.to_thread(lock.__enter__)
        try:
            yield
        finally:
            # Released even when the renewal's task is cancelled meanwhile.
            await asyncio.shield(asyncio.to_thread(lock.__exit__, None, None, None))
