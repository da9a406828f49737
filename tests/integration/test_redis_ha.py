"""The Redis store on a real 3-master cluster and a real Sentinel set, with a failover.

Each "member" below is a session of its own over its own Redis client, as a process of
a fleet would be: they share nothing but Redis. The token server rotates refresh tokens
and revokes the grant when one is reused, so a renewal made twice, or a token lost in a
failover (the next renewal would present a spent refresh token), shows as
``invalid_grant`` and as failed calls. Assertions are on counts, never durations.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from grantflow import OAuth2Session
from grantflow._stores._redis import RedisTokenStore, lock_key_for
from grantflow.errors import TokenStoreError
from grantflow.httpx import AsyncOAuth2Client

from ._redis import RedisServer, own_redis_fixture  # noqa: F401
from ._redis_ha import (
    SERVICE,
    Cluster,
    SentinelSet,
    async_sentinel_options,
    close,
    redis_cluster_fixture,  # noqa: F401
    redis_sentinel_fixture,  # noqa: F401
    sentinel_options,
)
from ._token_server import TokenServer, running

# The failovers time out by the wall clock: under pytest-xdist they take turns in one
# worker instead of starving each other's Sentinels.
pytestmark = pytest.mark.xdist_group("redis-ha")

#: Access tokens live 3 s and are renewed 1 s before they expire: one renewal every ~2 s.
ACCESS_TTL_S = 3
LEEWAY_S = 1


@pytest.fixture(name="short_lived")
def short_lived_fixture() -> Iterator[TokenServer]:
    """A token server whose access tokens live ``ACCESS_TTL_S`` seconds."""
    with running(delay=0.1, access_ttl=ACCESS_TTL_S) as state:
        yield state


@dataclass
class Tally:
    """What the callers of a storm saw."""

    calls: int = 0
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, status: int | None, error: BaseException | None = None) -> None:
        with self.lock:
            self.calls += 1
            if error is not None:
                self.failures.append(f"{type(error).__name__}: {error}")
            elif status != 200:
                self.failures.append(f"status {status}")


def session_on(server: TokenServer, store: RedisTokenStore) -> OAuth2Session:
    return OAuth2Session(
        "client",
        "secret",
        token_endpoint=server.token_url,
        token_store=store,
        leeway=LEEWAY_S,
        default_timeout=30,
    )


def async_session_on(server: TokenServer, store: RedisTokenStore) -> AsyncOAuth2Client:
    return AsyncOAuth2Client(
        "client", "secret", token_endpoint=server.token_url, token_store=store, leeway=LEEWAY_S
    )


def call_until(session: OAuth2Session, url: str, deadline: float, tally: Tally) -> None:
    while time.monotonic() < deadline:
        try:
            tally.record(session.get(url).status_code)
        except Exception as exc:
            tally.record(None, exc)
        time.sleep(0.02)


def storm_threads(sessions: list[OAuth2Session], url: str, seconds: float, per: int) -> Tally:
    """``per`` threads on each session call ``url`` until ``seconds`` have passed."""
    tally = Tally()
    deadline = time.monotonic() + seconds
    threads = [
        threading.Thread(target=call_until, args=(session, url, deadline, tally), daemon=True)
        for session in sessions
        for _ in range(per)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 120)
    assert not any(thread.is_alive() for thread in threads), "a caller was left waiting"
    return tally


def assert_one_renewal_per_expiry(server: TokenServer, tally: Tally, seconds: float) -> None:
    counts = server.snapshot()
    assert tally.failures == []
    assert tally.calls > 0
    assert counts.invalid_grant == 0
    assert counts.api_rejected == 0
    # A renewal every ACCESS_TTL_S - LEEWAY_S seconds at most, plus the first one.
    assert 1 <= counts.refresh_requests <= seconds / (ACCESS_TTL_S - LEEWAY_S) + 2


# -- Redis Cluster ------------------------------------------------------------------------------


def test_the_token_and_its_lock_share_a_hash_slot_and_a_master_of_the_cluster(
    redis_cluster: Cluster,
) -> None:
    from redis.crc import key_slot

    client = redis_cluster.client()
    store = RedisTokenStore(client, key="slot-check")
    # Without the hash tag these two keys would live on two different masters.
    untagged = f"{store.key}:lock".encode()
    assert client.get_node_from_key(untagged) != client.get_node_from_key(store.key)

    with store.lock():
        assert client.get(store.lock_key) is not None
        store.save({"access_token": "at-1", "token_type": "Bearer", "expires_in": 60})

    assert key_slot(store.lock_key.encode()) == key_slot(store.key.encode())
    assert client.get(store.lock_key) is None
    loaded = store.load()
    assert loaded is not None
    assert loaded["access_token"] == "at-1"
    store.clear()
    assert store.load() is None


def test_sessions_sharing_a_cluster_store_renew_once(
    redis_cluster: Cluster, short_lived: TokenServer
) -> None:
    seed = RedisTokenStore(redis_cluster.client(), key="cluster-storm")
    seed.save(short_lived.issue(expired=True))
    sessions = [
        session_on(short_lived, RedisTokenStore(redis_cluster.client(), key="cluster-storm"))
        for _ in range(4)
    ]

    tally = storm_threads(sessions, short_lived.api_url, seconds=1.0, per=4)

    assert tally.failures == []
    assert short_lived.snapshot().refresh_requests == 1
    assert short_lived.snapshot().invalid_grant == 0


def test_async_clients_renew_once_through_redis_asyncio_on_the_cluster(
    redis_cluster: Cluster, short_lived: TokenServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    RedisTokenStore(redis_cluster.client(), key="cluster-async").save(
        short_lived.issue(expired=True)
    )
    # The blocking lock would run in an executor thread; the asyncio path never takes it.
    monkeypatch.setattr(RedisTokenStore, "lock", lambda self: pytest.fail("blocking lock"))

    async def main() -> list[int]:
        stores = [
            RedisTokenStore(
                redis_cluster.client(),
                key="cluster-async",
                async_client=redis_cluster.async_client(),
            )
            for _ in range(3)
        ]
        clients = [async_session_on(short_lived, store) for store in stores]
        try:
            responses = await asyncio.gather(
                *(client.get(short_lived.api_url) for client in clients for _ in range(8))
            )
            return [response.status_code for response in responses]
        finally:
            for client in clients:
                await client.aclose()
            for store in stores:
                await close(store.async_client)

    assert asyncio.run(main()) == [200] * 24
    assert short_lived.snapshot().refresh_requests == 1
    assert short_lived.snapshot().invalid_grant == 0


# -- Sentinel ---------------------------------------------------------------------------------


def test_a_storm_across_a_killed_master_loses_no_token_and_fails_no_call(
    redis_sentinel: SentinelSet, short_lived: TokenServer
) -> None:
    old_master = redis_sentinel.master_port()

    def store() -> RedisTokenStore:
        client = redis_sentinel.sentinel().master_for(SERVICE, **sentinel_options())
        return RedisTokenStore(client, key="failover-storm", lock_expiry=10)

    store().save(short_lived.issue(expired=True))
    sessions = [session_on(short_lived, store()) for _ in range(3)]
    seconds = 9.0
    killer = threading.Timer(2.5, redis_sentinel.server_on(old_master).process.kill)
    killer.start()

    tally = storm_threads(sessions, short_lived.api_url, seconds=seconds, per=4)

    killer.join()
    new_master = redis_sentinel.wait_for_new_master(old_master)
    assert new_master != old_master
    assert_one_renewal_per_expiry(short_lived, tally, seconds)
    # The renewals went on after the failover, and the token survived it.
    assert short_lived.snapshot().refresh_requests >= 3
    saved = store().load()
    assert saved is not None
    assert short_lived.refresh_token_is_live(saved["refresh_token"])
    # No lock is left behind without an expiry.
    assert store().client.pttl(store().lock_key) != -1


def test_async_clients_ride_a_sentinel_failover_through_redis_asyncio(
    redis_sentinel: SentinelSet, short_lived: TokenServer
) -> None:
    old_master = redis_sentinel.master_port()
    sync_options = sentinel_options()
    RedisTokenStore(
        redis_sentinel.sentinel().master_for(SERVICE, **sync_options), key="failover-async"
    ).save(short_lived.issue(expired=True))
    tally = Tally()
    seconds = 9.0

    async def caller(client: AsyncOAuth2Client, deadline: float) -> None:
        while time.monotonic() < deadline:
            try:
                tally.record((await client.get(short_lived.api_url)).status_code)
            except Exception as exc:
                tally.record(None, exc)
            await asyncio.sleep(0.02)

    async def main() -> None:
        members = []
        async_clients = []
        for _ in range(2):
            async_client = redis_sentinel.async_sentinel().master_for(
                SERVICE, **async_sentinel_options()
            )
            async_clients.append(async_client)
            store = RedisTokenStore(
                redis_sentinel.sentinel().master_for(SERVICE, **sentinel_options()),
                key="failover-async",
                lock_expiry=10,
                async_client=async_client,
            )
            members.append(async_session_on(short_lived, store))
        deadline = time.monotonic() + seconds
        kill = redis_sentinel.server_on(old_master).process.kill
        asyncio.get_running_loop().call_later(2.5, kill)
        await asyncio.gather(*(caller(m, deadline) for m in members for _ in range(4)))
        for member in members:
            await member.aclose()
        for async_client in async_clients:
            await close(async_client)

    asyncio.run(main())

    assert redis_sentinel.wait_for_new_master(old_master) != old_master
    assert_one_renewal_per_expiry(short_lived, tally, seconds)
    assert short_lived.snapshot().refresh_requests >= 3


def test_a_lock_held_across_a_failover_is_released_or_expires(
    redis_sentinel: SentinelSet,
) -> None:
    old_master = redis_sentinel.master_port()
    client = redis_sentinel.sentinel().master_for(SERVICE, **sentinel_options())
    store = RedisTokenStore(client, key="failover-lock", lock_expiry=4)

    with store.lock():
        client.wait(1, 1000)  # the lock has reached the replica
        redis_sentinel.server_on(old_master).process.kill()
        redis_sentinel.wait_for_new_master(old_master)
        store.save({"access_token": "at-after", "token_type": "Bearer", "expires_in": 60})

    # Released on the new master (it had the lock by replication) or, at worst, expiring.
    assert client.pttl(store.lock_key) in (-2, *range(1, 4001))
    loaded = store.load()
    assert loaded is not None
    assert loaded["access_token"] == "at-after"
    with RedisTokenStore(client, key="failover-lock", lock_timeout=5).lock():
        pass


def test_a_lock_whose_server_died_is_warned_about_not_raised(own_redis: RedisServer) -> None:
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    store = RedisTokenStore(own_redis.client(retry=Retry(NoBackoff(), 1)), key="gone")

    # The renewal's own error is the one reported, not the lock's release.
    with (
        pytest.warns(RuntimeWarning, match="frees itself within 30 s"),
        pytest.raises(TokenStoreError, match="cannot write"),
        store.lock(),
    ):
        own_redis.stop()
        store.save({"access_token": "at", "token_type": "Bearer"})

    assert "at" not in repr(store)


@pytest.mark.parametrize("key", ["plain", "{tagged}", "pre{tag}post", "a{b", "{", "é{ü}", "x{y}{}"])
def test_the_lock_key_hashes_to_the_token_keys_slot(key: str) -> None:
    from redis.crc import key_slot

    lock_key = lock_key_for(key)

    assert key_slot(lock_key.encode()) == key_slot(key.encode())
    assert lock_key != key


@pytest.mark.parametrize("key", ["a}b", "}", "{}empty", "x{}{y}"])
def test_a_key_whose_brace_closes_no_hash_tag_is_refused(key: str) -> None:
    with pytest.raises(ValueError, match="hash tag"):
        lock_key_for(key)
