"""A renewed token survives a failover: under Sentinel each save waits for a replica.

Redis replicates asynchronously; a save the master acknowledged may not have reached a
replica when the master dies. ``RedisTokenStore`` asks the master to confirm the write
reached a replica (``WAIT``) whenever the deployment has replicas, warns when none
confirms in time, and sends no ``WAIT`` to a single server. Tested on a real master,
replica and three Sentinels; which commands the master ran is read from its own
statistics (``INFO commandstats``).
"""

from __future__ import annotations

import asyncio
import signal
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from grantflow._stores._redis import RedisTokenStore

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

# Failovers and frozen replicas, timed by the wall clock: they take turns with the other
# Sentinel tests in one pytest-xdist worker (test_redis_ha.py).
pytestmark = pytest.mark.xdist_group("redis-ha")

TOKEN = {"access_token": "at-1", "token_type": "Bearer", "refresh_token": "rt-1"}


def waits_run(server: RedisServer) -> int:
    """How many ``WAIT`` commands ``server`` has run since its statistics were reset."""
    client = server.client()
    try:
        stats = client.info("commandstats")
        return int(stats.get("cmdstat_wait", {}).get("calls", 0))
    finally:
        client.close()


def fresh_statistics(server: RedisServer) -> None:
    client = server.client()
    try:
        client.config_resetstat()
    finally:
        client.close()


@contextmanager
def no_runtime_warning() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        yield


@contextmanager
def stopped(server: RedisServer) -> Iterator[None]:
    """``server`` frozen (SIGSTOP): it confirms nothing until it goes on."""
    server.process.send_signal(signal.SIGSTOP)
    try:
        yield
    finally:
        server.process.send_signal(signal.SIGCONT)


def master_store(redis_sentinel: SentinelSet, key: str, **kwargs: Any) -> RedisTokenStore:
    client = redis_sentinel.sentinel().master_for(SERVICE, **sentinel_options())
    return RedisTokenStore(client, key=key, **kwargs)


def test_under_sentinel_a_save_is_confirmed_by_a_replica_and_survives_a_failover(
    redis_sentinel: SentinelSet,
) -> None:
    old_master = redis_sentinel.master_port()
    master = redis_sentinel.server_on(old_master)
    store = master_store(redis_sentinel, "confirmed")
    assert store.wait_for_replicas == 1
    fresh_statistics(master)

    with no_runtime_warning():
        store.save(TOKEN)

    assert waits_run(master) == 1
    master.process.kill()
    redis_sentinel.wait_for_new_master(old_master)
    loaded = store.load()
    assert loaded is not None
    assert loaded["refresh_token"] == "rt-1"


def test_a_save_no_replica_confirms_in_time_is_a_warning_and_stays_on_the_master(
    redis_sentinel: SentinelSet,
) -> None:
    master_port = redis_sentinel.master_port()
    replica = next(s for s in redis_sentinel.servers if s.port != master_port)
    store = master_store(redis_sentinel, "unconfirmed")

    with stopped(replica), pytest.warns(RuntimeWarning, match="0 of 1 replicas") as warned:
        store.save(TOKEN)

    assert "rt-1" not in str(warned[0].message)
    loaded = store.load()
    assert loaded is not None
    assert loaded["access_token"] == "at-1"


def test_async_saves_under_sentinel_are_confirmed_too(redis_sentinel: SentinelSet) -> None:
    master = redis_sentinel.server_on(redis_sentinel.master_port())
    fresh_statistics(master)

    async def main() -> None:
        async_client = redis_sentinel.async_sentinel().master_for(
            SERVICE, **async_sentinel_options()
        )
        store = master_store(redis_sentinel, "confirmed-async", async_client=async_client)
        path = store.asynchronous()
        assert path is not None
        await path.save(TOKEN)
        await close(async_client)

    with no_runtime_warning():
        asyncio.run(main())
    assert waits_run(master) == 1


def test_a_count_given_waits_on_a_plain_client_and_zero_turns_it_off(
    redis_sentinel: SentinelSet,
) -> None:
    master = redis_sentinel.server_on(redis_sentinel.master_port())
    fresh_statistics(master)
    plain = RedisTokenStore(master.client(socket_timeout=5), key="plain", wait_for_replicas=1)
    with no_runtime_warning():
        plain.save(TOKEN)
    assert waits_run(master) == 1

    master_store(redis_sentinel, "off", wait_for_replicas=0).save(TOKEN)
    assert waits_run(master) == 1


def test_a_single_redis_gets_no_wait(own_redis: RedisServer) -> None:
    store = RedisTokenStore(own_redis.client(), key="single")
    fresh_statistics(own_redis)
    store.save(TOKEN)
    assert store.wait_for_replicas == 0
    assert waits_run(own_redis) == 0


@pytest.mark.parametrize("count", [-1, True, 1.5, "1"])
def test_a_wrong_replica_count_is_refused(own_redis: RedisServer, count: Any) -> None:
    with pytest.raises(ValueError, match="wait_for_replicas"):
        RedisTokenStore(own_redis.client(), wait_for_replicas=count)


def test_a_replica_count_is_refused_for_a_cluster(redis_cluster: Cluster) -> None:
    client = redis_cluster.client()
    try:
        assert RedisTokenStore(client).wait_for_replicas == 0
        with pytest.raises(ValueError, match="RedisCluster"):
            RedisTokenStore(client, wait_for_replicas=1)
    finally:
        client.close()
