"""Device flow, token exchange, registration and resource metadata over a real socket,
for every driver (requests, httpx, httpx async).

The local server plays the authorization server; a fake clock stands in for the
drivers' ``time.sleep`` / ``asyncio.sleep`` and for the client's clock, so the
poller's waits are checked exactly and no test waits for real.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from drivers import DRIVERS, make_client

import grantflow
from grantflow import ACCESS_TOKEN_TYPE, JWT_TOKEN_TYPE, InvalidResponseError, OAuthError
from grantflow._flows import _drive
from grantflow.httpx import AsyncOAuth2Client

from ._wire import Recorded, Reply, WireServer, json_reply

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"


class FakeTime:
    """A clock that starts at the real time (tokens' ``expires_at`` stays meaningful)
    and then moves only when the flow sleeps; records every wait."""

    def __init__(self) -> None:
        self.now = float(int(time.time()))
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)
        await asyncio.sleep(0)


@pytest.fixture
def fake_time(monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    clock = FakeTime()
    monkeypatch.setattr(_drive, "time", SimpleNamespace(sleep=clock.sleep))
    monkeypatch.setattr(_drive, "_async_sleep", clock.asleep)
    return clock


@pytest.fixture(params=DRIVERS)
def driver(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def session_for(wire: WireServer, driver: str, fake_time: FakeTime) -> Iterator[Any]:
    made: list[Any] = []

    def make(*args: Any, **kwargs: Any) -> Any:
        options: dict[str, Any] = {
            "token_endpoint": wire.url("/token"),
            "device_authorization_endpoint": wire.url("/device"),
            "registration_endpoint": wire.url("/reg"),
        }
        options.update(kwargs)
        session = make_client(driver, *(args or ("dev-client",)), **options)
        session._client.clock = fake_time
        made.append(session)
        return session

    yield make
    for session in made:
        session.close()


AUTHORIZATION = {
    "device_code": "device-code-secret",
    "user_code": "WDJB-MJHT",
    "verification_uri": "https://as.example/activate",
    "verification_uri_complete": "https://as.example/activate?user_code=WDJB-MJHT",
    "expires_in": 30,
    "interval": 2,
}


def pending() -> Reply:
    return json_reply({"error": "authorization_pending"}, 400)


def issued(value: str = "device-token", **extra: Any) -> Reply:
    return json_reply({"access_token": value, "token_type": "Bearer", "expires_in": 300, **extra})


# --- device flow ---------------------------------------------------------------------------


def test_device_flow_polls_with_waits_and_the_token_becomes_the_sessions(
    wire: WireServer, session_for: Any, fake_time: FakeTime
) -> None:
    wire.script("/device", json_reply(AUTHORIZATION))
    wire.script("/token", pending(), json_reply({"error": "slow_down"}, 400), pending(), issued())
    wire.script("/api", json_reply({"ok": True}))
    session = session_for(scope="openid profile")
    authorization = session.device_authorization()
    assert isinstance(authorization, grantflow.DeviceAuthorization)
    assert authorization["user_code"] == "WDJB-MJHT"
    assert wire.last("/device").field("scope") == "openid profile"
    assert wire.last("/device").field("client_id") == "dev-client"
    seen: list[float] = []
    token = session.poll_device_token(authorization, on_pending=seen.append)
    assert token["access_token"] == "device-token"
    polls = wire.to("/token")
    assert [p.field("grant_type") for p in polls] == [DEVICE_GRANT] * 4
    assert {p.field("device_code") for p in polls} == {"device-code-secret"}
    # interval 2; slow_down makes it 7 for this and every later wait (RFC 8628 §3.5).
    assert fake_time.waits == [2, 7, 7]
    assert seen == [30, 28, 21]
    # Every poll (and the device request) went over one kept-alive connection.
    assert len({r.peer_port for r in wire.requests}) == 1
    session.get(wire.url("/api"))
    assert wire.last("/api").header("Authorization") == "Bearer device-token"


def test_polling_stops_at_expiry_without_another_request(
    wire: WireServer, session_for: Any, fake_time: FakeTime
) -> None:
    wire.script("/device", json_reply({**AUTHORIZATION, "expires_in": 9, "interval": 3}))
    wire.script("/token", pending())
    session = session_for(token={"access_token": "old", "token_type": "Bearer"})
    authorization = session.device_authorization()
    with pytest.raises(OAuthError) as caught:
        session.poll_device_token(authorization)
    assert caught.value.error == "expired_token"
    # Polls at 0 and 3 s; after the one at 6 s no wait could end before 9 s.
    assert len(wire.to("/token")) == 3
    assert fake_time.waits == [3, 3]
    assert session.token["access_token"] == "old"


def test_a_timeout_stops_polling_before_the_code_expires(
    wire: WireServer, session_for: Any, fake_time: FakeTime
) -> None:
    wire.script("/token", pending())
    session = session_for()
    authorization = {**AUTHORIZATION, "expires_at": fake_time.now + 600}
    with pytest.raises(OAuthError) as caught:
        session.poll_device_token(authorization, timeout=5)
    assert caught.value.error == "expired_token"
    assert "timeout" in str(caught.value)
    assert len(wire.to("/token")) == 3


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (json_reply({"error": "access_denied"}, 400), "access_denied"),
        (json_reply({"error": "expired_token"}, 400), "expired_token"),
        (json_reply({"error": "something_new", "error_description": "?"}, 400), "something_new"),
    ],
    ids=["denied", "expired", "unknown-error"],
)
def test_polling_errors_are_raised_and_the_token_is_kept(
    wire: WireServer, session_for: Any, reply: Reply, error: str
) -> None:
    wire.script("/token", pending(), reply)
    session = session_for(token={"access_token": "old", "token_type": "Bearer"})
    with pytest.raises(OAuthError) as caught:
        session.poll_device_token(AUTHORIZATION)
    assert caught.value.error == error
    assert len(wire.to("/token")) == 2
    assert session.token["access_token"] == "old"


@pytest.mark.parametrize(
    "body",
    [
        {k: v for k, v in AUTHORIZATION.items() if k != "device_code"},
        {**AUTHORIZATION, "interval": "fast"},
        {**AUTHORIZATION, "expires_in": "never"},
    ],
    ids=["no-device-code", "non-numeric-interval", "non-numeric-expiry"],
)
def test_a_broken_device_answer_is_invalid_and_changes_nothing(
    wire: WireServer, session_for: Any, body: dict[str, Any]
) -> None:
    wire.script("/device", json_reply(body))
    session = session_for(token={"access_token": "old", "token_type": "Bearer"})
    with pytest.raises(InvalidResponseError):
        session.device_authorization()
    assert session.token["access_token"] == "old"
    assert wire.to("/token") == []


def test_device_request_of_a_confidential_client_is_authenticated(
    wire: WireServer, session_for: Any
) -> None:
    wire.script("/device", json_reply(AUTHORIZATION))
    session = session_for("conf", "conf-secret")
    session.device_authorization(scope="read", audience="api")
    sent = wire.last("/device")
    assert sent.basic == ("conf", "conf-secret")
    assert sent.field("audience") == "api"
    assert sent.field("client_secret") is None


@pytest.mark.parametrize("driver", ["requests", "httpx"])  # async: task cancellation, below
def test_ctrl_c_while_waiting_stops_polling(
    wire: WireServer, monkeypatch: pytest.MonkeyPatch, session_for: Any
) -> None:
    def interrupted(seconds: float) -> None:
        raise KeyboardInterrupt

    wire.script("/token", pending())
    session = session_for(token={"access_token": "old", "token_type": "Bearer"})
    monkeypatch.setattr(_drive, "time", SimpleNamespace(sleep=interrupted))
    with pytest.raises(KeyboardInterrupt):
        session.poll_device_token(AUTHORIZATION)
    assert len(wire.to("/token")) == 1
    assert session.token["access_token"] == "old"


def test_cancelling_the_async_poll_leaves_nothing_running(
    wire: WireServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    wire.script("/token", pending())

    async def scenario() -> tuple[int, set[asyncio.Task[Any]]]:
        waiting = asyncio.Event()

        async def wait_forever(seconds: float) -> None:
            waiting.set()
            await asyncio.Event().wait()

        monkeypatch.setattr(_drive, "_async_sleep", wait_forever)
        async with AsyncOAuth2Client("dev-client", token_endpoint=wire.url("/token")) as client:
            task = asyncio.ensure_future(client.poll_device_token(AUTHORIZATION))
            await waiting.wait()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            for _ in range(5):
                await asyncio.sleep(0)
            polls = len(wire.to("/token"))
            others = asyncio.all_tasks() - {asyncio.current_task()}
            assert client.token is None
        return polls, others

    polls, others = asyncio.run(scenario())
    assert polls == 1
    assert others == set()
    assert threading.active_count() >= 1


# --- token exchange ---------------------------------------------------------------------------


def test_exchange_token_keeps_the_sessions_token(wire: WireServer, session_for: Any) -> None:
    wire.script("/token", issued("exchanged", issued_token_type=JWT_TOKEN_TYPE))
    wire.script("/api", json_reply({"ok": True}))
    session = session_for(
        "svc", "svc-secret", token={"access_token": "own", "token_type": "Bearer"}
    )
    result = session.exchange_token(
        "user-token",
        actor_token="actor",
        actor_token_type=ACCESS_TOKEN_TYPE,
        requested_token_type=JWT_TOKEN_TYPE,
        audience="downstream",
        resource=["https://a.example/", "https://b.example/"],
        scope=["read"],
    )
    assert result["issued_token_type"] == JWT_TOKEN_TYPE
    assert result["access_token"] == "exchanged"
    sent = wire.last("/token")
    assert sent.basic == ("svc", "svc-secret")
    assert sent.field("grant_type") == EXCHANGE_GRANT
    assert sent.field("subject_token") == "user-token"
    assert sent.field("subject_token_type") == ACCESS_TOKEN_TYPE
    assert sent.field("actor_token") == "actor"
    assert sent.field("audience") == "downstream"
    assert sent.form["resource"] == ["https://a.example/", "https://b.example/"]
    assert session.token["access_token"] == "own"
    session.get(wire.url("/api"))
    assert wire.last("/api").header("Authorization") == "Bearer own"


def test_exchange_grant_through_fetch_token_keeps_the_sessions_token(
    wire: WireServer, session_for: Any
) -> None:
    wire.script("/token", issued("exchanged", issued_token_type=ACCESS_TOKEN_TYPE))
    session = session_for(token={"access_token": "own", "token_type": "Bearer"})
    result = session.fetch_token(
        grant_type=EXCHANGE_GRANT, subject_token="s", subject_token_type=ACCESS_TOKEN_TYPE
    )
    assert result["access_token"] == "exchanged"
    assert session.token["access_token"] == "own"


# --- resource indicators and authorization_details --------------------------------------------


def test_authorization_details_go_as_one_json_parameter_everywhere(
    wire: WireServer, session_for: Any
) -> None:
    details = [{"type": "payment_initiation", "amount": "12.00"}, {"type": "account_info"}]
    wire.script("/token", issued(refresh_token="r1"))
    session = session_for(authorization_endpoint="https://as.example/auth")
    url, _ = session.create_authorization_url(
        resource=["https://a.example/", "https://b.example/"], authorization_details=details
    )
    from urllib.parse import parse_qs, urlsplit

    query = parse_qs(urlsplit(url).query)
    assert query["resource"] == ["https://a.example/", "https://b.example/"]
    assert [json.loads(v) for v in query["authorization_details"]] == [details]
    session.fetch_token(resource="https://a.example/", authorization_details=details)
    session.refresh_token(resource="https://a.example/", authorization_details=details)
    for sent in wire.to("/token"):
        assert json.loads(sent.field("authorization_details") or "") == details
        assert sent.form["resource"] == ["https://a.example/"]


# --- registration and protected resource metadata ---------------------------------------------


def registered(recorded: Recorded) -> Reply:
    metadata = json.loads(recorded.body)
    return json_reply(
        {
            **metadata,
            "client_id": "dyn-1",
            "client_secret": "dyn-secret",
            "registration_access_token": "rat",
        },
        201,
    )


def test_register_client_then_use_the_new_credentials(wire: WireServer, session_for: Any) -> None:
    wire.script("/reg", registered)
    wire.script("/token", issued())
    session = session_for(None, redirect_uri="http://127.0.0.1:9/cb")
    client = session.register_client(
        metadata={
            "redirect_uris": ["http://127.0.0.1:9/cb"],
            "grant_types": ["client_credentials"],
        },
        initial_access_token="initial",
    )
    assert client["client_id"] == "dyn-1"
    assert "dyn-secret" not in repr(client)
    assert wire.last("/reg").header("Authorization") == "Bearer initial"
    assert (session.client_id, session.client_secret) == ("dyn-1", "dyn-secret")
    session.fetch_token()
    assert wire.last("/token").basic == ("dyn-1", "dyn-secret")


def test_a_registration_without_client_id_sets_nothing(wire: WireServer, session_for: Any) -> None:
    wire.script("/reg", json_reply({"client_secret": "orphan"}, 201))
    session = session_for("before", "before-secret")
    with pytest.raises(InvalidResponseError):
        session.register_client(metadata={})
    assert (session.client_id, session.client_secret) == ("before", "before-secret")
    assert session.token_endpoint_auth_method == "client_secret_basic"


def test_from_a_401_to_discovery_registration_and_sign_in(wire: WireServer, driver: str) -> None:
    """The path a client takes with a resource it has never seen (RFC 9728 §5)."""
    resource = wire.url("/mcp")
    prm = "/.well-known/oauth-protected-resource/mcp"
    wire.script(
        "/mcp",
        Reply(401, b"", {"WWW-Authenticate": f'Bearer resource_metadata="{wire.url(prm)}"'}),
    )
    wire.script(prm, json_reply({"resource": resource, "authorization_servers": [wire.base_url]}))
    wire.script(
        "/.well-known/openid-configuration",
        json_reply(
            {
                "issuer": wire.base_url,
                "authorization_endpoint": wire.url("/authorize"),
                "token_endpoint": wire.url("/token"),
                "registration_endpoint": wire.url("/reg"),
            }
        ),
    )
    wire.script("/reg", registered)
    with make_client(driver, redirect_uri="http://127.0.0.1:9/cb") as session:
        refused = session.request("GET", resource, withhold_token=True)
        assert refused.status_code == 401
        document = session.load_resource_metadata(response=refused)
        assert document["authorization_servers"] == [wire.base_url]
        assert session.metadata["token_endpoint"] == wire.url("/token")
        session.register_client()
        assert json.loads(wire.last("/reg").body) == {"redirect_uris": ["http://127.0.0.1:9/cb"]}
        url, _ = session.create_authorization_url(resource=resource)
        assert url.startswith(wire.url("/authorize"))
        assert "client_id=dyn-1" in url
