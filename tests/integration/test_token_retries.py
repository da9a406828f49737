"""Token requests against a busy, failing or stalling server, for every driver.

Retries follow the server (429/503 and ``Retry-After``) and never repeat a code; the
followers of a single flight wait for the one retrying leader; a server that never
answers, or trickles its answer, ends in the transport's timeout error; a failed renewal
backs off for every thread; a renewed token survives a store that will not save it.
Delays are tiny (an injected policy, ``Retry-After: 0``); assertions are on requests
counted and errors raised, never on durations (one generous upper bound excepted).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
import requests
from drivers import DRIVERS, make_client

from grantflow import (
    MemoryTokenStore,
    OAuth2Session,
    OAuth2Token,
    OAuthError,
    RetryPolicy,
    TokenStoreError,
)

from ._fleet import run_threads
from ._stalling import Stalling, stalling_fixture  # noqa: F401
from ._token_server import TokenServer, server_fixture  # noqa: F401
from ._wire import Reply, WireServer, free_port, json_reply

FAST = RetryPolicy(2, base_delay=0.01, max_delay=0.5)
TOKEN = {"access_token": "at-1", "token_type": "Bearer", "expires_in": 3600}
UNAVAILABLE = json_reply({"error": "temporarily_unavailable"}, 503, {"Retry-After": "0"})
TIMEOUTS = (requests.Timeout, httpx.TimeoutException)


def client_for(driver: str, url: str, **kwargs: Any) -> Any:
    kwargs.setdefault("token_retries", FAST)
    return make_client(driver, "client", "secret", token_endpoint=url, **kwargs)


# -- which answers are retried ---------------------------------------------------------------


@pytest.mark.parametrize("driver", DRIVERS)
def test_a_503_with_retry_after_is_retried_until_the_token_comes(
    driver: str, wire: WireServer
) -> None:
    wire.script("/token", UNAVAILABLE, json_reply({"error": "x"}, 429), json_reply(TOKEN))
    with client_for(driver, wire.url("/token")) as client:
        token = client.fetch_token(grant_type="client_credentials")
    assert token["access_token"] == "at-1"
    assert len(wire.to("/token")) == 3


@pytest.mark.parametrize("driver", DRIVERS)
def test_retries_stop_at_the_limit_with_the_server_s_answer(driver: str, wire: WireServer) -> None:
    wire.script("/token", UNAVAILABLE)
    with client_for(driver, wire.url("/token")) as client, pytest.raises(OAuthError) as raised:
        client.fetch_token(grant_type="client_credentials")
    assert raised.value.status_code == 503
    assert raised.value.retry_after == 0
    assert len(wire.to("/token")) == 3  # the first attempt and two retries


@pytest.mark.parametrize(
    ("reply", "options"),
    [
        (UNAVAILABLE, {"token_retries": 0}),  # retrying turned off
        (json_reply({"error": "invalid_grant"}, 400), {}),  # an OAuth error is an answer
        (json_reply({"error": "invalid_client"}, 401, {"Retry-After": "0"}), {}),
        (json_reply({"error": "x"}, 503, {"Retry-After": "3600"}), {}),  # asks too long
        (json_reply({"error": "server_error"}, 500), {}),
    ],
)
@pytest.mark.parametrize("driver", DRIVERS)
def test_answers_that_are_not_retried(
    driver: str, wire: WireServer, reply: Reply, options: dict[str, Any]
) -> None:
    wire.script("/token", reply, json_reply(TOKEN))
    with client_for(driver, wire.url("/token"), **options) as client, pytest.raises(OAuthError):
        client.fetch_token(grant_type="client_credentials")
    assert len(wire.to("/token")) == 1


@pytest.mark.parametrize("driver", DRIVERS)
def test_a_code_exchange_is_never_sent_twice(driver: str, wire: WireServer) -> None:
    wire.script("/token", UNAVAILABLE, json_reply(TOKEN))
    with client_for(driver, wire.url("/token")) as client, pytest.raises(OAuthError):
        client.fetch_token(code="the-code", redirect_uri="https://app.example/cb")
    assert len(wire.to("/token")) == 1
    assert wire.last("/token").field("grant_type") == "authorization_code"


@pytest.mark.parametrize("driver", DRIVERS)
def test_a_refused_connection_is_retried_even_for_a_code(driver: str) -> None:
    """Nothing listens on the port until the policy draws its first jitter: the first
    attempt is refused (nothing was sent), the retry reaches the server."""
    port = free_port()
    served: list[str] = []
    started: list[ThreadingHTTPServer] = []

    def draw() -> float:
        if not started:
            started.append(_serve_token(port, served))
        return 0.0

    policy = RetryPolicy(1, random=draw)
    try:
        with client_for(driver, f"http://127.0.0.1:{port}/token", token_retries=policy) as c:
            token = c.fetch_token(code="the-code", redirect_uri="https://app.example/cb")
    finally:
        for server in started:
            server.shutdown()
            server.server_close()
    assert token["access_token"] == "at-1"
    assert served == ["authorization_code"]


def _serve_token(port: int, served: list[str]) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            served.append(dict(p.split("=", 1) for p in body.split("&"))["grant_type"])
            data = json_reply(TOKEN).body
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}).start()
    return server


@pytest.mark.parametrize("driver", DRIVERS)
def test_followers_of_a_single_flight_wait_for_the_retrying_leader(
    driver: str, wire: WireServer
) -> None:
    expired = {**TOKEN, "access_token": "old", "refresh_token": "rt", "expires_at": 1}
    wire.script("/token", UNAVAILABLE, json_reply({**TOKEN, "refresh_token": "rt-2"}))
    wire.script("/api", json_reply({"ok": True}))
    with client_for(driver, wire.url("/token"), token=expired) as client:
        if driver == "httpx-async":
            statuses = [client.get(wire.url("/api")).status_code for _ in range(8)]
        else:
            statuses = run_threads(16, lambda: client.get(wire.url("/api")).status_code)
    assert set(statuses) == {200}
    assert len(wire.to("/token")) == 2  # one refusal, one retry: for every caller
    assert {r.header("Authorization") for r in wire.to("/api")} == {"Bearer at-1"}


# -- finite timeouts -----------------------------------------------------------------------


@pytest.mark.parametrize("trickle", [None, 0.05], ids=["never-answers", "trickles"])
@pytest.mark.parametrize("driver", DRIVERS)
def test_a_stalling_token_endpoint_ends_in_a_timeout_error_not_a_hang(
    driver: str, trickle: float | None, stalling: Callable[..., Stalling]
) -> None:
    server = stalling(trickle=trickle)
    started = time.monotonic()
    with client_for(driver, server.url, default_timeout=0.5) as client, pytest.raises(TIMEOUTS):
        client.fetch_token(grant_type="client_credentials")
    # Unbounded, the trickle takes 100 s and the silence 30 s: far beyond this bound.
    assert time.monotonic() - started < 20
    assert server.accepted == 1  # a server too slow to answer is not asked again


class _RecordingAdapter(requests.adapters.HTTPAdapter):
    def __init__(self) -> None:
        super().__init__()
        self.timeouts: list[Any] = []

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        self.timeouts.append(kwargs.get("timeout"))
        return super().send(request, *args, **kwargs)


def test_requests_of_grantflow_s_own_get_a_finite_timeout_when_none_is_set(
    wire: WireServer,
) -> None:
    discovery = {"issuer": wire.base_url, "token_endpoint": wire.url("/token")}
    wire.script("/.well-known/openid-configuration", json_reply(discovery))
    wire.script("/token", json_reply(TOKEN))
    session = OAuth2Session(
        "client", "secret", server_metadata_url=wire.url("/.well-known/openid-configuration")
    )
    adapter = _RecordingAdapter()
    session.mount("http://", adapter)
    session.fetch_token(grant_type="client_credentials")  # discovery, then the token
    session.fetch_token(grant_type="client_credentials", timeout=3)
    assert adapter.timeouts == [(10.0, 30.0), (10.0, 30.0), 3]


def test_a_mounted_adapter_carries_a_token_request_bounded_as_a_whole(
    stalling: Callable[..., Stalling],
) -> None:
    """The adapter sees the timeout as given; the status line trickled past it still
    ends the call (the adapter is used, not replaced)."""
    server = stalling(trickle=0.2, length=150, part="status")
    session = OAuth2Session("client", "secret", token_endpoint=server.url, token_retries=0)
    adapter = _RecordingAdapter()
    session.mount("http://", adapter)
    with pytest.raises(requests.ReadTimeout):
        session.fetch_token(grant_type="client_credentials", timeout=(5, 1))
    assert adapter.timeouts == [(5, 1)]


@pytest.mark.parametrize("client_timeout", [None, 2.0])
def test_an_httpx_client_without_a_timeout_still_bounds_its_own_requests(
    client_timeout: float | None,
) -> None:
    import grantflow.httpx as gx

    seen: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(dict(request.extensions["timeout"]))
        return httpx.Response(200, json=TOKEN)

    with gx.OAuth2Client(
        "client",
        "secret",
        token_endpoint="https://as.example/token",
        timeout=client_timeout,
        transport=httpx.MockTransport(handler),
    ) as client:
        client.fetch_token(grant_type="client_credentials")
    expected = {"connect": 10.0, "read": 30.0, "write": 30.0, "pool": 30.0}
    if client_timeout is not None:
        expected = dict.fromkeys(expected, client_timeout)
    assert seen == [expected]


# -- an outage met by many threads -------------------------------------------------------------


def test_an_outage_met_by_32_threads_costs_one_token_request_not_hundreds(
    wire: WireServer,
) -> None:
    """503 with ``Retry-After: 60``: longer than the policy waits, so the leader's answer
    stands, and the token source backs off for that long: every later call in the storm
    gets the same error without asking the server again."""
    expired = {**TOKEN, "access_token": "old", "refresh_token": "rt", "expires_at": 1}
    wire.script("/token", json_reply({"error": "x"}, 503, {"Retry-After": "60"}))
    wire.script("/api", json_reply({"ok": True}))
    session = OAuth2Session("client", "secret", token_endpoint=wire.url("/token"), token=expired)

    def calls() -> list[Any]:
        results: list[Any] = []
        for _ in range(10):
            try:
                results.append(session.get(wire.url("/api")).status_code)
            except OAuthError as exc:
                results.append(exc.status_code)
        return results

    outcomes = run_threads(32, calls)
    assert {code for result in outcomes for code in result} == {503}
    assert len(wire.to("/token")) <= 2  # 1 unless the machine took 60 s for 320 calls
    assert wire.to("/api") == []


# -- a renewed token survives a store that fails -------------------------------------------------


class _UnwritableStore(MemoryTokenStore):
    """Takes the first token; every later save fails like Redis going away."""

    def __init__(self) -> None:
        super().__init__()
        self.broken = False

    def save(self, token: dict[str, Any]) -> None:
        if self.broken:
            raise TokenStoreError(description="cannot write the Redis key 'grantflow:token'")
        super().save(token)


def test_a_rotated_refresh_token_is_not_lost_when_the_store_cannot_save_it(
    server: TokenServer,
) -> None:
    store = _UnwritableStore()
    session = OAuth2Session(
        "client",
        "secret",
        token_endpoint=server.token_url,
        token=server.issue(),
        token_store=store,
    )
    store.broken = True
    with pytest.warns(RuntimeWarning, match="could not be saved"):
        assert session.get(server.api_url).status_code == 200
    renewed = session.token
    assert renewed is not None
    # The old refresh token is spent (a reuse would revoke the grant); the new one,
    # kept in memory, renews again.
    with session._client.source._lock:
        session._client.source._token = OAuth2Token({**renewed, "expires_at": 1})
    with pytest.warns(RuntimeWarning, match="could not be saved"):
        assert session.get(server.api_url).status_code == 200
    counts = server.snapshot()
    assert counts.refresh_requests == 2
    assert counts.invalid_grant == 0
