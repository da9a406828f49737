"""The read timeout bounds the whole exchange of every request grantflow makes itself.

A token endpoint that trickles its status line and headers a byte at a time is never
idle long enough for a per-read timeout: the call must still end in the transport's own
timeout error, naming the endpoint and no secret, leaving no thread behind and the
connection closed. The user's own requests keep the per-read timeout they asked for,
and a user's adapter keeps working. Each failure here would show as another error
(the stalling server ends its answer after about 30 s), never as a slow pass.
"""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import requests
from drivers import DRIVERS, make_client

from grantflow import OAuth2Session

from ._leaks import assert_absent, exception_texts
from ._stalling import Stalling, stalling_fixture  # noqa: F401
from ._tls import TLSFiles
from ._wire import WireServer, json_reply

SECRET = "client-secret-3f9a"
TOKEN = {"access_token": "at-1", "token_type": "Bearer", "expires_in": 3600}
READ_TIMEOUTS = {
    "requests": requests.ReadTimeout,
    "httpx": httpx.ReadTimeout,
    "httpx-async": httpx.ReadTimeout,
}


def _wait_for(condition: Callable[[], bool], within: float = 10.0) -> bool:
    """Whether ``condition`` held within ``within`` seconds (polled)."""
    end = time.monotonic() + within
    while not condition():
        if time.monotonic() > end:
            return False
        time.sleep(0.02)
    return True


def bounded_client(driver: str, url: str, **kwargs: Any) -> Any:
    """A client of ``driver`` whose own requests time out after 1 s and are not retried."""
    kwargs.setdefault("default_timeout", 1)
    return make_client(driver, "client", SECRET, token_endpoint=url, token_retries=0, **kwargs)


def _own_threads() -> set[threading.Thread]:
    """The live threads but the stalling servers' own."""
    return {t for t in threading.enumerate() if not t.name.startswith("stalling-")}


@pytest.mark.parametrize("part", ["status", "head", "body"])
@pytest.mark.parametrize("driver", DRIVERS)
def test_a_token_endpoint_trickling_its_answer_ends_in_the_transport_s_read_timeout(
    driver: str, part: str, stalling: Callable[..., Stalling]
) -> None:
    # 150 bytes, one every 0.2 s: about 30 s unbounded, against a 1 s read timeout.
    server = stalling(trickle=0.2, length=150, part=part)
    before = _own_threads()
    with (
        bounded_client(driver, server.url) as client,
        pytest.raises(READ_TIMEOUTS[driver]) as caught,
    ):
        client.fetch_token(grant_type="client_credentials", scope="read")
    assert server.url in str(caught.value)
    assert_absent([SECRET], exception_texts(caught.value), "the timeout error")
    # The connection was closed (the server's next byte met a reset), not left open.
    assert _wait_for(lambda: server.dropped == 1)
    assert _wait_for(lambda: _own_threads() <= before), _own_threads() - before
    assert server.accepted == 1


@pytest.mark.parametrize("driver", DRIVERS)
def test_over_tls_a_trickled_head_ends_in_a_read_timeout_too(
    driver: str, tls_files: TLSFiles, stalling: Callable[..., Stalling]
) -> None:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls_files.ca.issue_cert("127.0.0.1").configure_cert(context)
    server = stalling(trickle=0.2, length=150, part="head", context=context)
    with (
        bounded_client(driver, server.url, verify=tls_files.ca_file) as client,
        pytest.raises(READ_TIMEOUTS[driver]),
    ):
        client.fetch_token(grant_type="client_credentials")
    assert _wait_for(lambda: server.dropped == 1)


@pytest.mark.parametrize("driver", DRIVERS)
def test_a_token_endpoint_that_never_answers_ends_in_a_read_timeout(
    driver: str, stalling: Callable[..., Stalling]
) -> None:
    server = stalling(trickle=None)
    with (
        bounded_client(driver, server.url, default_timeout=0.5) as client,
        pytest.raises(READ_TIMEOUTS[driver]),
    ):
        client.fetch_token(grant_type="client_credentials")


@pytest.mark.parametrize("driver", DRIVERS)
def test_a_slow_answer_within_the_read_timeout_arrives_on_a_reused_connection(
    driver: str, wire: WireServer
) -> None:
    """Two token requests on one kept-alive connection, each well within its bound."""
    wire.script("/token", json_reply(TOKEN), json_reply({**TOKEN, "access_token": "at-2"}))
    with bounded_client(driver, wire.url("/token"), default_timeout=30) as client:
        first = client.fetch_token(grant_type="client_credentials")
        second = client.fetch_token(grant_type="client_credentials")
    assert (first["access_token"], second["access_token"]) == ("at-1", "at-2")


@pytest.mark.parametrize("driver", DRIVERS)
def test_a_kept_alive_connection_trickling_the_next_answer_is_bounded_too(
    driver: str, stalling: Callable[..., Stalling]
) -> None:
    server = stalling(trickle=0.2, length=150, part="head", prompt=1)
    with bounded_client(driver, server.url) as client:
        assert client.fetch_token(grant_type="client_credentials")["access_token"] == "at-1"
        with pytest.raises(READ_TIMEOUTS[driver]):
            client.fetch_token(grant_type="client_credentials")
    assert server.accepted == 1  # the second request went over the first one's connection
    assert _wait_for(lambda: server.dropped == 1)


@pytest.mark.parametrize("driver", ["requests", "httpx"])
def test_the_user_s_own_requests_keep_their_per_read_timeout(
    driver: str, stalling: Callable[..., Stalling]
) -> None:
    """A resource answer trickled over ~3 s with a 2 s timeout: each read is quick, so the
    user's request, which grantflow does not bound as a whole, completes."""
    server = stalling(trickle=0.1, length=30, part="body")
    client: Any = make_client(
        driver, "client", SECRET, token=TOKEN, token_endpoint=server.url, default_timeout=2
    )
    with client:
        response = client.get(server.url.replace("/token", "/api"))
    assert response.status_code == 200
    assert len(response.content) == 30


def test_an_adapter_that_retries_sends_nothing_more_once_the_time_is_up(
    stalling: Callable[..., Stalling],
) -> None:
    """The discovery GET, which urllib3 retries after its status line was cut: the
    retry's connection is refused its request, so the server sees one request."""
    server = stalling(trickle=0.2, length=150, part="status")
    session = OAuth2Session(
        "client", SECRET, server_metadata_url=server.url, default_timeout=1, token_retries=0
    )
    session.mount("http://", requests.adapters.HTTPAdapter(max_retries=3))
    with pytest.raises(requests.ReadTimeout):
        session.fetch_token(grant_type="client_credentials")
    assert server.received == 1
