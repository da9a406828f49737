"""Single flight: many threads or processes whose token is due send one token request.

The local server answers token requests after 100 ms and rotates refresh tokens (a
reused one is ``invalid_grant`` and revokes the grant), so a second refresh would both
show in the count and make API calls fail. Assertions are on counts, never durations.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from grantflow import MemoryTokenStore, OAuth2Auth, OAuth2Session, OAuthError
from grantflow._sources._setbacks import MAX_BACKOFF_S
from grantflow._stores._file import FileTokenStore
from grantflow._stores._redis import RedisTokenStore

from ._fleet import run_threads, storm
from ._redis import RedisServer, redis_server_fixture  # noqa: F401
from ._token_server import TokenServer, server_fixture  # noqa: F401

THREADS = 32
PROCESSES = 8


class Renewals:
    """An ``update_token`` callback that records its keyword arguments."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def __call__(self, token: Any, **kwargs: Any) -> None:
        with self._lock:
            self.calls.append(kwargs)


def session_for(server: TokenServer, **kwargs: Any) -> OAuth2Session:
    return OAuth2Session(
        "client", "secret", token_endpoint=server.token_url, default_timeout=30, **kwargs
    )


def test_refresh_is_single_flight_across_threads_sharing_a_session(server: TokenServer) -> None:
    token = server.issue(expired=True)
    renewals = Renewals()
    session = session_for(server, token=token, update_token=renewals)

    statuses = run_threads(THREADS, lambda: session.get(server.api_url).status_code)

    counts = server.snapshot()
    assert statuses == [200] * THREADS
    assert counts.token_requests == 1
    assert counts.invalid_grant == 0
    assert counts.api_rejected == 0
    assert renewals.calls == [{"refresh_token": token["refresh_token"]}]
    assert session.token is not None
    assert session.token["access_token"] != token["access_token"]


def test_refresh_is_single_flight_across_threads_sharing_an_auth(server: TokenServer) -> None:
    token = server.issue(expired=True)
    renewals = Renewals()
    client = session_for(server, update_token=renewals)
    auth = OAuth2Auth(token, client=client)

    statuses = run_threads(
        THREADS, lambda: requests.get(server.api_url, auth=auth, timeout=30).status_code
    )

    assert statuses == [200] * THREADS
    assert server.snapshot().token_requests == 1
    assert server.snapshot().api_rejected == 0
    assert len(renewals.calls) == 1


def test_client_credentials_fetch_is_single_flight_across_threads(server: TokenServer) -> None:
    session = session_for(server, grant_type="client_credentials")

    statuses = run_threads(THREADS, lambda: session.get(server.api_url).status_code)

    counts = server.snapshot()
    assert statuses == [200] * THREADS
    assert counts.client_credentials_requests == 1
    assert counts.token_requests == 1


class CountingStore(MemoryTokenStore):
    """A memory store that counts how often it is locked and read."""

    def __init__(self) -> None:
        super().__init__()
        self.locks = 0
        self.loads = 0

    def lock(self) -> Any:
        self.locks += 1
        return super().lock()

    def load(self) -> dict[str, Any] | None:
        self.loads += 1
        return super().load()


def test_a_valid_token_is_read_without_locking_or_reading_the_store(server: TokenServer) -> None:
    store = CountingStore()
    session = session_for(server, token=server.issue(expired=False), token_store=store)
    loads_at_start = store.loads

    statuses = run_threads(8, lambda: session.get(server.api_url).status_code)

    assert statuses == [200] * 8
    assert store.locks == 0
    assert store.loads == loads_at_start
    assert server.snapshot().token_requests == 0


class SteppedClock:
    """The token source's clock, moved by hand (starting at the real time)."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def stepped_clock(session: OAuth2Session) -> SteppedClock:
    clock = SteppedClock()
    session._client.source._clock = clock
    return clock


def test_a_failed_refresh_keeps_the_old_token_and_the_next_caller_after_the_back_off_retries(
    server: TokenServer,
) -> None:
    token = server.issue(expired=True)
    renewals = Renewals()
    session = session_for(server, token=token, update_token=renewals, token_retries=0)
    clock = stepped_clock(session)
    server.fail_token_requests((503, "<html>maintenance</html>"))

    with pytest.raises(OAuthError) as raised:
        session.get(server.api_url)

    assert raised.value.status_code == 503
    assert session.token is not None
    assert session.token["access_token"] == token["access_token"]
    assert renewals.calls == []
    # Within the back-off the failure is the answer, without another token request.
    with pytest.raises(OAuthError):
        session.get(server.api_url)
    assert server.snapshot().token_requests == 1
    clock.now += MAX_BACKOFF_S
    assert session.get(server.api_url).status_code == 200
    assert server.snapshot().token_requests == 2
    assert len(renewals.calls) == 1


def test_a_failed_refresh_under_a_storm_reaches_every_caller_and_poisons_nothing(
    server: TokenServer,
) -> None:
    token = server.issue(expired=True)
    session = session_for(server, token=token)
    clock = stepped_clock(session)
    rejection = (400, {"error": "temporarily_unavailable"})
    server.fail_token_requests(*[rejection] * THREADS)

    results = run_threads(THREADS, lambda: session.get(server.api_url).status_code)

    assert all(isinstance(r, OAuthError) for r in results), results
    assert {r.error for r in results} == {"temporarily_unavailable"}
    assert 1 <= server.snapshot().token_requests <= THREADS
    assert session.token is not None
    assert session.token["access_token"] == token["access_token"]
    # Nothing is stuck: once the server recovers, one caller renews for everyone.
    server.clear_failures()
    clock.now += MAX_BACKOFF_S
    before = server.snapshot().token_requests
    assert run_threads(THREADS, lambda: session.get(server.api_url).status_code) == [200] * THREADS
    assert server.snapshot().token_requests == before + 1


def worker_config(server: TokenServer, store: dict[str, Any], **session: Any) -> dict[str, Any]:
    return {
        "store": store,
        "session": {
            "client_id": "client",
            "client_secret": "secret",
            "token_endpoint": server.token_url,
            "default_timeout": 30,
            **session,
        },
        "api_url": server.api_url,
        "token_prefix": server.token_url,
    }


def assert_one_refresh_for_the_fleet(server: TokenServer, results: list[dict[str, Any]]) -> None:
    counts = server.snapshot()
    assert [r["status"] for r in results] == [200] * PROCESSES, results
    assert sum(r["token_posts"] for r in results) == 1
    assert sum(r["renewals"] for r in results) == 1
    assert counts.token_requests == 1
    assert counts.invalid_grant == 0
    assert counts.api_rejected == 0


def test_processes_sharing_a_file_store_send_one_refresh(
    server: TokenServer, tmp_path: Path
) -> None:
    path = tmp_path / "token.json"
    FileTokenStore(path).save(server.issue(expired=True))

    results = storm([worker_config(server, {"kind": "file", "path": str(path)})] * PROCESSES)

    assert_one_refresh_for_the_fleet(server, results)
    saved = FileTokenStore(path).load()
    assert saved is not None
    assert server.refresh_token_is_live(saved["refresh_token"])


def test_processes_sharing_a_redis_store_send_one_refresh(
    server: TokenServer,
    redis_server: RedisServer,
) -> None:
    store = {"kind": "redis", "port": redis_server.port, "key": "fleet-refresh"}
    RedisTokenStore(redis_server.client(), "fleet-refresh").save(server.issue(expired=True))

    results = storm([worker_config(server, store)] * PROCESSES)

    assert_one_refresh_for_the_fleet(server, results)


def test_requests_and_httpx_processes_sharing_a_redis_store_send_one_refresh(
    server: TokenServer,
    redis_server: RedisServer,
) -> None:
    store = {"kind": "redis", "port": redis_server.port, "key": "fleet-mixed"}
    RedisTokenStore(redis_server.client(), "fleet-mixed").save(server.issue(expired=True))
    drivers = ["requests", "httpx", "httpx-async"]
    configs = [
        {**worker_config(server, store), "driver": drivers[i % len(drivers)]}
        for i in range(PROCESSES)
    ]

    results = storm(configs)

    assert [r["driver"] for r in results] == [c["driver"] for c in configs]
    assert_one_refresh_for_the_fleet(server, results)


def test_processes_sharing_a_redis_store_fetch_one_client_credentials_token(
    server: TokenServer,
    redis_server: RedisServer,
) -> None:
    RedisTokenStore(redis_server.client(), "fleet-cc").clear()
    store = {"kind": "redis", "port": redis_server.port, "key": "fleet-cc"}

    results = storm([worker_config(server, store, grant_type="client_credentials")] * PROCESSES)

    assert [r["status"] for r in results] == [200] * PROCESSES, results
    assert server.snapshot().client_credentials_requests == 1
    assert sum(r["token_posts"] for r in results) == 1
