"""Real Redis topologies for the store tests: a 3-master cluster and a Sentinel set.

Both are built from Debian's ``redis-server`` (Sentinel is ``redis-server --sentinel``,
which is what Debian's ``redis-sentinel`` runs), on free loopback ports, in a temporary
directory, without persistence, and stopped by their PIDs. Like ``_redis.py``, they skip
on a developer machine without ``redis-server`` and fail under ``CI=true``.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from ._redis import START_DEADLINE_S, RedisServer, free_port, start

SERVICE = "grantflow"
#: How long Sentinel waits before it calls a silent master down (the default is 30 s).
DOWN_AFTER_MS = 1000


def _cluster_ok(client: Any) -> bool:
    return bool(client.cluster("info")["cluster_state"] == "ok")


def _replica_synced(client: Any) -> bool:
    return bool(client.info("replication")["master_link_status"] == "up")


def _sentinel_ready(client: Any, replicas: int) -> bool:
    """Whether a Sentinel knows the replicas and the two other Sentinels (it can fail over)."""
    known = client.execute_command("SENTINEL", "replicas", SERVICE)
    peers = client.execute_command("SENTINEL", "sentinels", SERVICE)
    return len(known) == replicas and len(peers) == 2


def _wait_for(what: str, check: Callable[[], bool], deadline_s: float = START_DEADLINE_S) -> None:
    deadline = time.monotonic() + deadline_s
    last: Exception | None = None
    while True:
        try:
            if check():
                return
        except Exception as exc:  # the server is still starting
            last = exc
        if time.monotonic() > deadline:
            pytest.fail(f"{what} within {deadline_s:g} s (last error: {last!r})", pytrace=False)
        time.sleep(0.05)


def _cluster_port() -> int:
    """A free port whose cluster bus port (port + 10000) is free too."""
    while True:
        port = free_port()
        if port + 10000 >= 65536:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port + 10000))
            except OSError:
                continue
        return port


@dataclass
class Cluster:
    """Three masters, each serving a third of the hash slots."""

    nodes: list[RedisServer]

    def client(self, **kwargs: Any) -> Any:
        """A ``redis.cluster.RedisCluster`` that fails fast when a node is gone."""
        from redis.cluster import ClusterNode, RedisCluster

        options: dict[str, Any] = {"socket_timeout": 5, "socket_connect_timeout": 5}
        options.update(kwargs)
        startup = [
            ClusterNode("127.0.0.1", node.port)  # type: ignore[no-untyped-call]  # redis-py's stub
            for node in self.nodes
        ]
        return RedisCluster(startup_nodes=startup, **options)

    def async_client(self, **kwargs: Any) -> Any:
        """The same cluster through ``redis.asyncio``."""
        from redis.asyncio.cluster import ClusterNode, RedisCluster

        options: dict[str, Any] = {"socket_timeout": 5, "socket_connect_timeout": 5}
        options.update(kwargs)
        startup = [ClusterNode("127.0.0.1", node.port) for node in self.nodes]
        return RedisCluster(startup_nodes=startup, **options)

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()


def start_cluster(directory: Path) -> Cluster:
    """Three empty masters joined into one cluster; returns once every slot is served."""
    nodes: list[RedisServer] = []
    cluster = Cluster(nodes)
    try:
        for index in range(3):
            home = directory / f"node{index}"
            home.mkdir()
            nodes.append(
                start(
                    home,
                    port=_cluster_port(),
                    extra=["--cluster-enabled", "yes", "--cluster-node-timeout", "2000"],
                )
            )
        addresses = [f"127.0.0.1:{node.port}" for node in nodes]
        subprocess.run(
            ["redis-cli", "--cluster", "create", *addresses, "--cluster-yes"],
            check=True,
            capture_output=True,
            timeout=START_DEADLINE_S,
        )
        for node in nodes:
            client = node.client()
            _wait_for(
                f"the cluster node on port {node.port} did not see every slot served",
                partial(_cluster_ok, client),
            )
            client.close()
        return cluster
    except BaseException:
        cluster.stop()
        raise


@dataclass
class SentinelSet:
    """A master, its replicas and three Sentinels watching them (quorum 2)."""

    servers: list[RedisServer]
    sentinel_ports: list[int]
    sentinels: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def sentinel(self, **kwargs: Any) -> Any:
        """A ``redis.sentinel.Sentinel`` over the three Sentinels."""
        from redis.sentinel import Sentinel

        hosts = [("127.0.0.1", port) for port in self.sentinel_ports]
        return Sentinel(hosts, socket_timeout=1, socket_connect_timeout=1, **kwargs)

    def async_sentinel(self, **kwargs: Any) -> Any:
        """The same Sentinels through ``redis.asyncio``."""
        from redis.asyncio.sentinel import Sentinel

        hosts = [("127.0.0.1", port) for port in self.sentinel_ports]
        return Sentinel(hosts, socket_timeout=1, socket_connect_timeout=1, **kwargs)

    def master_port(self) -> int:
        """The port of the master the Sentinels name now."""
        _, port = self.sentinel().discover_master(SERVICE)
        return int(port)

    def server_on(self, port: int) -> RedisServer:
        return next(server for server in self.servers if server.port == port)

    def wait_for_new_master(self, old_port: int, deadline_s: float = 30.0) -> int:
        """Wait until every Sentinel names a master other than ``old_port``; its port."""
        found: list[int] = []

        def moved() -> bool:
            ports = {self._named_master(port) for port in self.sentinel_ports}
            if len(ports) == 1 and old_port not in ports:
                found.append(ports.pop())
                return True
            return False

        _wait_for("the Sentinels did not fail over", moved, deadline_s)
        return found[-1]

    def _named_master(self, sentinel_port: int) -> int:
        import redis

        client = redis.Redis(host="127.0.0.1", port=sentinel_port, socket_timeout=1)
        try:
            answer = client.execute_command(  # type: ignore[no-untyped-call]  # redis-py's stub
                "SENTINEL", "get-master-addr-by-name", SERVICE
            )
            _, port = answer
            return int(port)
        finally:
            client.close()

    def stop(self) -> None:
        for process in self.sentinels:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)
        for server in self.servers:
            server.stop()


def start_sentinel_set(directory: Path, replicas: int = 1) -> SentinelSet:
    """A master with ``replicas`` replicas and three Sentinels that agree on them all."""
    import redis

    master_home = directory / "master"
    master_home.mkdir()
    master = start(master_home)
    servers = [master]
    result = SentinelSet(servers, [])
    try:
        for index in range(replicas):
            home = directory / f"replica{index}"
            home.mkdir()
            servers.append(start(home, extra=["--replicaof", "127.0.0.1", str(master.port)]))
        for server in servers[1:]:
            client = server.client()
            _wait_for(
                f"the replica on port {server.port} did not sync",
                partial(_replica_synced, client),
            )
            client.close()
        for index in range(3):
            port = free_port()
            config = directory / f"sentinel{index}.conf"
            config.write_text(
                f"port {port}\nbind 127.0.0.1\ndir {directory}\n"
                f"sentinel monitor {SERVICE} 127.0.0.1 {master.port} 2\n"
                f"sentinel down-after-milliseconds {SERVICE} {DOWN_AFTER_MS}\n"
                f"sentinel failover-timeout {SERVICE} 10000\n"
                f"sentinel parallel-syncs {SERVICE} 1\n"
            )
            log = (directory / f"sentinel{index}.log").open("wb")
            result.sentinels.append(
                subprocess.Popen(
                    ["redis-server", str(config), "--sentinel"],
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
            log.close()
            result.sentinel_ports.append(port)
        for port in result.sentinel_ports:
            client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=1)
            # A Sentinel can fail over once it knows the replicas and the other Sentinels.
            _wait_for(
                f"the Sentinel on port {port} did not find its peers and replicas",
                partial(_sentinel_ready, client, replicas),
            )
            client.close()
        return result
    except BaseException:
        result.stop()
        raise


def sentinel_options() -> dict[str, Any]:
    """A master client whose retries outlast a failover (Sentinel takes a few seconds)."""
    from redis.backoff import ExponentialBackoff
    from redis.exceptions import ConnectionError, TimeoutError
    from redis.retry import Retry

    return {
        "socket_timeout": 1,
        "socket_connect_timeout": 1,
        "retry": Retry(ExponentialBackoff(cap=0.5, base=0.05), 60),
        "retry_on_error": [ConnectionError, TimeoutError],
    }


def async_sentinel_options() -> dict[str, Any]:
    from redis.asyncio.retry import Retry
    from redis.backoff import ExponentialBackoff
    from redis.exceptions import ConnectionError, TimeoutError

    return {
        **sentinel_options(),
        "retry": Retry(ExponentialBackoff(cap=0.5, base=0.05), 60),
        "retry_on_error": [ConnectionError, TimeoutError],
    }


async def close(client: Any) -> None:
    """Close a ``redis.asyncio`` client (``aclose`` from redis-py 5.0.1, ``close`` before)."""
    closing = getattr(client, "aclose", None) or client.close
    await closing()


@pytest.fixture(name="redis_cluster", scope="session")
def redis_cluster_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """One 3-master cluster per test session."""
    cluster = start_cluster(tmp_path_factory.mktemp("redis-cluster"))
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(name="redis_sentinel")
def redis_sentinel_fixture(tmp_path: Path) -> Iterator[SentinelSet]:
    """A Sentinel set of this test's own, whose master the test may kill."""
    sentinels = start_sentinel_set(tmp_path)
    try:
        yield sentinels
    finally:
        sentinels.stop()
