"""An async renewal over a blocking store: the store's lock is taken and given back by
one thread, and a renewal cancelled while it waits for the lock does not keep it."""

from __future__ import annotations

import asyncio
import threading
from contextlib import AbstractContextManager
from typing import Any

from grantflow import MemoryTokenStore
from grantflow._stores._async import asynchronous


class OwnedLock:
    """A lock only the thread that took it may give back, as an RLock; records who."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.threads: list[int] = []

    def __enter__(self) -> None:
        self._lock.acquire()
        self.threads.append(threading.get_ident())

    def __exit__(self, *exc: object) -> None:
        self.threads.append(threading.get_ident())
        self._lock.release()  # RuntimeError on another thread


class LockStore(MemoryTokenStore):
    """A blocking store whose renewal lock is the one given."""

    def __init__(self, lock: AbstractContextManager[Any]) -> None:
        super().__init__()
        self._given = lock

    def lock(self) -> AbstractContextManager[Any]:
        return self._given


def taken_by_another(lock: threading.Lock) -> bool:
    """Whether ``lock`` is held: a fresh thread cannot take it at once."""
    got: list[bool] = []

    def attempt() -> None:
        ok = lock.acquire(blocking=False)
        if ok:
            lock.release()
        got.append(ok)

    other = threading.Thread(target=attempt)
    other.start()
    other.join()
    return got == [False]


def test_the_thread_that_took_a_store_lock_gives_it_back() -> None:
    owned = OwnedLock()

    async def main() -> None:
        done = threading.Event()
        async with asynchronous(LockStore(owned)).lock():
            # The default executor's idle thread is kept busy meanwhile: a release
            # sent to that executor would run on another thread than the one that took it.
            busy = asyncio.ensure_future(asyncio.to_thread(done.wait, 5))
            await asyncio.sleep(0.05)
        done.set()
        await busy

    asyncio.run(main())
    assert len(owned.threads) == 2
    assert owned.threads[0] == owned.threads[1]
    assert owned.threads[0] != threading.get_ident()  # taken in a thread, not the loop's


def test_a_renewal_cancelled_while_it_waits_for_the_lock_does_not_keep_it() -> None:
    lock = threading.Lock()
    store = LockStore(lock)
    lock.acquire()  # another renewal holds the lock meanwhile
    entered = threading.Event()

    async def renew() -> None:
        async with asynchronous(store).lock():
            entered.set()

    async def main() -> None:
        task = asyncio.ensure_future(renew())
        await asyncio.sleep(0.05)
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
        else:
            raise AssertionError("the renewal was not cancelled")

    # Not asyncio.run: it would wait for the default executor's threads, one of which
    # may be waiting for the lock held here.
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(main())
    finally:
        loop.close()
    assert not entered.is_set()
    waiting = [t for t in threading.enumerate() if t.name.startswith("grantflow-store-lock")]
    assert waiting  # its thread still waits for the lock
    lock.release()  # the other renewal is done
    for thread in waiting:
        thread.join(5)
    # The waiting thread took the lock once it was free, and gave it back.
    assert not taken_by_another(lock)
