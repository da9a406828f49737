"""A token in Redis, shared by a fleet of processes (``pip install grantflow[redis]``).

The token is stored as JSON under a namespaced key with a TTL, so abandoned tokens go
away by themselves. ``lock()`` is a Redis lock with an expiry: a holder that crashes
mid-renewal, or loses its server in a failover, blocks the fleet only until the lock
expires. The lock's key carries the token key as a hash tag, so on Redis Cluster both
live in one hash slot, on one master, and fail over together. ``redis`` is imported when
a store is built, never by ``import grantflow``.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import AsyncIterator, Iterator
from contextlib import (
    AbstractAsyncContextManager,
    AbstractContextManager,
    asynccontextmanager,
    contextmanager,
)
from typing import Any

from .._core._token import MAX_EPOCH
from ..errors import TokenStoreError
from ._base import decode_token, encode_token

__all__ = ["RedisTokenStore"]

#: TTL of a token that can be renewed (it has a refresh token) or has no expiry.
DEFAULT_RENEWABLE_TTL_S = 30 * 24 * 3600
#: How long a save waits for replicas to confirm it (less when the client's socket
#: timeout is shorter: the wait must end before the client gives up on the answer).
REPLICA_WAIT_MS = 1000


class RedisTokenStore:
    """Keeps the token under ``namespace + key`` in Redis; ``lock()`` is a distributed lock.

    ``client`` is a ``redis.Redis``, a ``redis.cluster.RedisCluster`` or a Sentinel's
    ``master_for(...)`` client; its ``socket_timeout``, ``socket_connect_timeout`` and
    ``retry`` policy decide how soon an unreachable server is reported (under Sentinel,
    give it a retry policy that outlasts a failover). ``async_client`` is the same server
    through ``redis.asyncio``: async clients then renew through it instead of running the
    blocking calls in threads. ``ttl`` fixes the key's TTL in seconds; by default a token
    without a refresh token lives until its ``expires_at`` and any other for 30 days.
    ``lock_expiry`` is how long a lock holder may take before the lock frees itself;
    ``lock_timeout`` bounds the wait for it. Redis failures become
    :class:`~grantflow.errors.TokenStoreError`; a lock that cannot be released is only
    warned about, since it frees itself after ``lock_expiry``.

    Redis replicates asynchronously: a token saved on a master that dies before its
    replicas have it is lost in the failover, and with rotating refresh tokens the fleet
    is left holding a spent one. So under Sentinel each save asks the master to confirm
    that a replica has the write (``WAIT 1``, for at most a second, less when the
    client's ``socket_timeout`` is shorter); a confirmation that does not come is a
    warning, not an error (the token is saved on the master and kept in memory).
    ``wait_for_replicas`` sets how many replicas must confirm, for any deployment with
    replicas; a single server without replicas (the default elsewhere) waits for none.

    Args:
        client: A ``redis.Redis`` client, a ``RedisCluster``, or a Sentinel's
            ``master_for(...)`` client (not an asyncio one).
        key: The token's name, to tell several tokens apart.
        namespace: Prefixed to ``key`` (and to the lock's key, in the same hash slot).
        ttl: The key's TTL in seconds; by default derived from the token as above.
        lock_expiry: Seconds after which a held lock frees itself.
        lock_timeout: Seconds to wait for the lock before giving up.
        async_client: The same server through ``redis.asyncio``, for async renewals.
        wait_for_replicas: How many replicas must confirm each save; ``0`` waits for
            none. By default 1 for a Sentinel's ``master_for(...)`` client, else 0.

    Raises:
        ModuleNotFoundError: ``redis`` is not installed (the message says
            ``pip install 'grantflow[redis]'``).
        ValueError: ``key`` holds a ``}`` that closes no hash tag, so no lock key could
            share its hash slot; or ``wait_for_replicas`` is negative, or given with a
            ``RedisCluster`` (whose saves cannot be confirmed this way).
    """

    def __init__(
        self,
        client: Any,
        key: str = "default",
        *,
        namespace: str = "grantflow:token:",
        ttl: int | None = None,
        lock_expiry: float = 30.0,
        lock_timeout: float = 60.0,
        async_client: Any = None,
        wait_for_replicas: int | None = None,
    ) -> None:
        try:
            import redis.exceptions
        except ImportError:
            raise ModuleNotFoundError(
                "RedisTokenStore needs redis-py, which is not installed: "
                "pip install 'grantflow[redis]'",
                name="redis",
            ) from None

        self._errors: tuple[type[BaseException], ...] = (redis.exceptions.RedisError,)
        self._lock_error: type[BaseException] = redis.exceptions.LockError
        self.client = client
        self.async_client = async_client
        self.key = f"{namespace}{key}"
        self.lock_key = lock_key_for(self.key)
        self.ttl = ttl
        self.lock_expiry = lock_expiry
        self.lock_timeout = lock_timeout
        self.wait_for_replicas = _replicas_for(client, wait_for_replicas)

    def load(self) -> dict[str, Any] | None:
        """The stored token; None when there is none or it cannot be parsed (with a warning).

        Returns:
            The token dict, or None.

        Raises:
            TokenStoreError: Redis failed (unreachable, timed out, refused).
        """
        with self._translated("read"):
            raw = self.client.get(self.key)
        if raw is None:
            return None
        return decode_token(raw, f"the Redis key {self.key!r}")

    def save(self, token: dict[str, Any]) -> None:
        """Store the token with its TTL (one ``SET ... EX``, so it is never left without
        one), confirmed by ``wait_for_replicas`` replicas (else a ``RuntimeWarning``).

        Args:
            token: The token dict (JSON-serialisable).

        Raises:
            TokenStoreError: Redis failed (unreachable, timed out, refused).
        """
        data = encode_token(token)
        with self._translated("write"):
            if not self.wait_for_replicas:
                self.client.set(self.key, data, ex=self._ttl_for(token))
                return
            # One connection for both: WAIT confirms that connection's own writes.
            pipe = self.client.pipeline(transaction=False)
            pipe.set(self.key, data, ex=self._ttl_for(token))
            pipe.wait(self.wait_for_replicas, _wait_ms(self.client))
            written, confirmed = pipe.execute(raise_on_error=False)
            if isinstance(written, BaseException):
                raise written
        self._check_confirmed(confirmed)

    def clear(self) -> None:
        """Delete the stored token (nothing happens when there is none).

        Raises:
            TokenStoreError: Redis failed (unreachable, timed out, refused).
        """
        with self._translated("delete"):
            self.client.delete(self.key)

    def lock(self) -> AbstractContextManager[Any]:
        """A lock shared by every process on this Redis, freed after ``lock_expiry``.

        A lock that expired before it was released is reported as a
        ``RuntimeWarning``, not an error: the renewal it guarded is done.

        Returns:
            A context manager.

        Raises:
            TokenStoreError: On entering it, the lock was not acquired within
                ``lock_timeout`` seconds or Redis failed; on leaving it, the release
                failed.
        """
        return self._locked()

    @contextmanager
    def _locked(self) -> Iterator[None]:
        with self._translated("lock"):
            lock = self.client.lock(self.lock_key, **self._lock_options())
            acquired = lock.acquire()
        if not acquired:
            raise self._lock_timed_out()
        try:
            yield
        finally:
            try:
                lock.release()
            except self._errors as exc:
                self._warn_unreleased(exc)

    def asynchronous(self) -> _AsyncRedisStore | None:
        """The asyncio path through ``async_client``; None without one (threads are used).

        It raises nothing.
        """
        return _AsyncRedisStore(self) if self.async_client is not None else None

    def _lock_options(self) -> dict[str, Any]:
        return {
            "timeout": self.lock_expiry,
            "sleep": 0.01,
            "blocking_timeout": self.lock_timeout,
            "thread_local": False,
        }

    def _lock_timed_out(self) -> TokenStoreError:
        return TokenStoreError(
            description=f"timed out after {self.lock_timeout:g} s waiting for the lock "
            f"{self.lock_key!r}"
        )

    def _warn_unreleased(self, exc: BaseException) -> None:
        """A lock we cannot release frees itself after ``lock_expiry``: a warning, since
        the renewal it guarded is done (or its own error is the one to report)."""
        if isinstance(exc, self._lock_error):
            # Our lock expired while we held it: another process may have renewed too.
            message = (
                "expired before its holder finished; raise lock_expiry above the "
                "token endpoint's response time"
            )
        else:
            message = (
                f"could not be released ({type(exc).__name__}); it frees itself "
                f"within {self.lock_expiry:g} s"
            )
        warnings.warn(f"the Redis lock {self.lock_key!r} {message}", RuntimeWarning, stacklevel=3)

    def _check_confirmed(self, confirmed: Any) -> None:
        """Warn when fewer replicas than asked confirmed a save (or WAIT failed)."""
        wanted = self.wait_for_replicas
        if isinstance(confirmed, int) and not isinstance(confirmed, bool) and confirmed >= wanted:
            return
        seen = (
            f"{confirmed} of {wanted} replicas confirmed it"
            if isinstance(confirmed, int)
            else f"the replicas could not be asked ({type(confirmed).__name__})"
        )
        warnings.warn(
            f"the token was saved to the Redis key {self.key!r} on the master, but {seen} "
            "in time: should the master fail now, the replica promoted may not have it",
            RuntimeWarning,
            stacklevel=3,
        )

    def _ttl_for(self, token: dict[str, Any]) -> int:
        if self.ttl is not None:
            return self.ttl
        expires_at = token.get("expires_at")
        if (
            token.get("refresh_token")
            or isinstance(expires_at, bool)
            or not isinstance(expires_at, (int, float))
            # NaN, infinities and numbers past the year 9999 are no time: they would
            # overflow the subtraction below.
            or not -MAX_EPOCH <= expires_at <= MAX_EPOCH
        ):
            return DEFAULT_RENEWABLE_TTL_S
        return max(int(expires_at - time.time()), 1)

    @contextmanager
    def _translated(self, action: str) -> Iterator[None]:
        try:
            yield
        except self._errors as exc:
            raise TokenStoreError(
                description=f"cannot {action} the Redis key {self.key!r} "
                f"({type(exc).__name__}); is the server reachable?"
            ) from exc

    def __repr__(self) -> str:
        return f"RedisTokenStore(key={self.key!r})"


class _AsyncRedisStore:
    """A :class:`RedisTokenStore` through its ``redis.asyncio`` client: nothing blocks the
    event loop or holds an executor thread while the lock is awaited."""

    def __init__(self, store: RedisTokenStore) -> None:
        self._store = store
        self._client = store.async_client

    async def load(self) -> dict[str, Any] | None:
        store = self._store
        with store._translated("read"):
            raw = await self._client.get(store.key)
        if raw is None:
            return None
        return decode_token(raw, f"the Redis key {store.key!r}")

    async def save(self, token: dict[str, Any]) -> None:
        store = self._store
        data = encode_token(token)
        with store._translated("write"):
            if not store.wait_for_replicas:
                await self._client.set(store.key, data, ex=store._ttl_for(token))
                return
            pipe = self._client.pipeline(transaction=False)
            pipe.set(store.key, data, ex=store._ttl_for(token))
            pipe.wait(store.wait_for_replicas, _wait_ms(self._client))
            written, confirmed = await pipe.execute(raise_on_error=False)
            if isinstance(written, BaseException):
                raise written
        store._check_confirmed(confirmed)

    def lock(self) -> AbstractAsyncContextManager[None]:
        return self._locked()

    @asynccontextmanager
    async def _locked(self) -> AsyncIterator[None]:
        import asyncio

        store = self._store
        with store._translated("lock"):
            lock = self._client.lock(store.lock_key, **store._lock_options())
            acquired = await lock.acquire()
        if not acquired:
            raise store._lock_timed_out()
        try:
            yield
        finally:
            try:
                # Released even when the renewal's task is cancelled meanwhile.
                await asyncio.shield(lock.release())
            except store._errors as exc:
                store._warn_unreleased(exc)


def _replicas_for(client: Any, given: int | None) -> int:
    """How many replicas must confirm a save: ``given``, else 1 under Sentinel, else 0."""
    from redis.cluster import RedisCluster
    from redis.sentinel import SentinelConnectionPool

    if given is None:
        sentinel = isinstance(getattr(client, "connection_pool", None), SentinelConnectionPool)
        return 1 if sentinel else 0
    if isinstance(given, bool) or not isinstance(given, int) or given < 0:
        raise ValueError(f"wait_for_replicas must be a whole number >= 0, not {given!r}")
    if given and isinstance(client, RedisCluster):
        raise ValueError(
            "wait_for_replicas is not supported with a RedisCluster client: WAIT would "
            "not reach the master that holds the token"
        )
    return given


def _wait_ms(client: Any) -> int:
    """How long WAIT may block: ``REPLICA_WAIT_MS``, or half the client's socket timeout
    when that is shorter (a read timing out would retry the save and wait again)."""
    options = getattr(getattr(client, "connection_pool", None), "connection_kwargs", {})
    timeout = options.get("socket_timeout")
    if isinstance(timeout, (int, float)) and not isinstance(timeout, bool) and timeout > 0:
        return max(1, min(REPLICA_WAIT_MS, int(timeout * 500)))
    return REPLICA_WAIT_MS


def lock_key_for(key: str) -> str:
    """The key of ``key``'s lock, in the same Redis Cluster hash slot.

    Redis Cluster hashes only the text between the first ``{`` and the next ``}`` when
    it is not empty (a hash tag), else the whole key. A key with a hash tag keeps it
    with a suffix; any other becomes the hash tag of its lock's key.
    """
    start = key.find("{")
    if start != -1 and key.find("}", start + 1) > start + 1:
        return f"{key}:lock"
    if "}" in key:
        raise ValueError(
            "a Redis token key may hold '}' only to close a hash tag ('{tag}'); "
            "the lock's key could not share its hash slot"
        )
    return f"{{{key}}}:lock"
