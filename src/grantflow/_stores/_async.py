"""A token store as an async renewal sees it: load, save and the lock, awaited.

A store may offer a native asyncio path (``RedisTokenStore`` given a ``redis.asyncio``
client); any other store runs its blocking calls in the default executor's threads.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager, AbstractContextManager, asynccontextmanager
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
        # A lock may belong to the thread that took it (an RLock, as a custom store's
        # may be): one thread of its own takes it and gives it back, in that order.
        thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="grantflow-store-lock")
        try:
            entered = thread.submit(lock.__enter__)
            try:
                await asyncio.shield(asyncio.wrap_future(entered))
            except asyncio.CancelledError:
                # Cancelled while the thread waits for the lock: the thread gives it
                # back as soon as it has it, so no later renewal waits on it forever.
                thread.submit(_give_back, lock, entered)
                raise
            try:
                yield
            finally:
                # Released even when the renewal's task is cancelled meanwhile.
                leaving = thread.submit(lock.__exit__, None, None, None)
                await asyncio.shield(asyncio.wrap_future(leaving))
        finally:
            thread.shutdown(wait=False)  # after what was submitted has run


def _give_back(lock: AbstractContextManager[Any], entered: Future[Any]) -> None:
    """Leave ``lock`` if entering it succeeded (runs after it, on the same thread)."""
    if entered.exception() is None:
        lock.__exit__(None, None, None)
