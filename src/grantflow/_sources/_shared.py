"""A value fetched once and shared: server metadata, a JWK Set.

Many threads (or tasks) that need the value at once cause one fetch; the others wait for
it. A caller that saw version ``n`` and needs a newer one (an unknown ``kid`` after key
rotation) asks for ``newer_than=n``: when another caller fetched meanwhile, it gets that
result instead of fetching again, so N threads meeting one rotated key cause one fetch.
The sync path waits on a thread lock, the async path on an asyncio lock per event loop;
nothing is held across an I/O the other kind could block on.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    # asyncio is imported where it runs: a requests user should not pay for it.
    import asyncio

__all__ = ["SharedValue"]

V = TypeVar("V")


class SharedValue(Generic[V]):
    """A lazily fetched value with single-flight refresh; ``version`` counts the fetches."""

    def __init__(self) -> None:
        self._value: V | None = None
        self.version = 0
        self._lock = threading.Lock()
        self._async_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    @property
    def value(self) -> V | None:
        """The value last fetched (None before the first fetch); read without a lock."""
        return self._value

    def set(self, value: V | None) -> None:
        """Replace the value (a new version)."""
        self._value = value
        self.version += 1

    def _current(self, newer_than: int | None) -> bool:
        if self._value is None:
            return False
        return newer_than is None or self.version > newer_than

    def get(self, fetch: Callable[[], V], newer_than: int | None = None) -> V:
        """The value, fetched by this caller only when no caller has a current one."""
        if self._current(newer_than):
            return self._value  # type: ignore[return-value]
        with self._lock:
            if self._current(newer_than):
                return self._value  # type: ignore[return-value]
            value = fetch()
            self.set(value)
            return value

    async def aget(self, fetch: Callable[[], Awaitable[V]], newer_than: int | None = None) -> V:
        """The async twin of :meth:`get`: tasks of one event loop share one fetch."""
        import asyncio

        if self._current(newer_than):
            return self._value  # type: ignore[return-value]
        loop = asyncio.get_running_loop()
        lock = self._async_locks.get(loop)
        if lock is None:
            lock = self._async_locks[loop] = asyncio.Lock()
        async with lock:
            if self._current(newer_than):
                return self._value  # type: ignore[return-value]
            value = await fetch()
            self.set(value)
            return value

    def __getstate__(self) -> dict[str, Any]:
        return {"value": self._value, "version": self.version}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__()  # type: ignore[misc]
        self._value = state["value"]
        self.version = state["version"]
