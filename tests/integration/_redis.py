"""A real ``redis-server`` on a free loopback port, for the Redis token-store tests.

Started without persistence (``--save '' --appendonly no``) in a temporary directory and
stopped by its PID. When ``redis-server`` is missing the tests are skipped on a developer
machine but fail under ``CI=true``, so CI can never pass without a real Redis.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

START_DEADLINE_S = 20.0
STOP_TIMEOUT_S = 10.0


@dataclass
class RedisServer:
    """A running server: where it listens, and its process (for fault tests)."""

    port: int
    process: subprocess.Popen[bytes]

    def client(self, **kwargs: Any) -> Any:
        """A ``redis.Redis`` for this server that fails fast when it is gone."""
        import redis

        options: dict[str, Any] = {"socket_timeout": 5, "socket_connect_timeout": 5}
        options.update(kwargs)
        return redis.Redis(host="127.0.0.1", port=self.port, **options)

    def stop(self) -> None:
        """Stop the server by its PID (SIGTERM, then SIGKILL)."""
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=STOP_TIMEOUT_S)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(directory: Path, port: int | None = None, extra: Sequence[str] = ()) -> RedisServer:
    """Spawn ``redis-server`` (on ``port``, a free one by default, with ``extra``
    arguments) and return once it answers PING."""
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("redis-server is not installed (CI=true needs it)", pytrace=False)
        pytest.skip("redis-server is not installed")
    port = port or free_port()
    log = (directory / "redis.log").open("wb")
    arguments = ["--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory)]
    process = subprocess.Popen(
        [binary, *arguments, "--save", "", "--appendonly", "no", *extra],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()
    server = RedisServer(port, process)
    deadline = time.monotonic() + START_DEADLINE_S
    client = server.client(socket_timeout=1, socket_connect_timeout=1)
    while True:
        try:
            if client.ping():
                client.close()
                return server
        except Exception:
            if process.poll() is not None or time.monotonic() > deadline:
                server.stop()
                output = (directory / "redis.log").read_text(errors="replace")[-2000:]
                pytest.fail(f"redis-server did not start: {output}", pytrace=False)
        time.sleep(0.02)


@pytest.fixture(name="redis_server", scope="session")
def redis_server_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One Redis per test session."""
    server = start(tmp_path_factory.mktemp("redis"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(name="own_redis")
def own_redis_fixture(tmp_path: Path) -> Iterator[RedisServer]:
    """A Redis of this test's own, which the test may stop."""
    server = start(tmp_path)
    try:
        yield server
    finally:
        server.stop()
