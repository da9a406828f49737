"""The device, token-exchange, registration and resource-metadata flows, driven by hand.

Each test runs a flow of ``_client.Client`` step by step: it reads what the flow
yields (``Send``, ``Sleep``, ``Call``), answers with hand-built responses, and moves a
fake clock. So every decision of the poller (when to wait, how long, when to stop
without another request) is checked without a network or any real waiting.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import pytest

from grantflow import ACCESS_TOKEN_TYPE, JWT_TOKEN_TYPE
from grantflow._client._client import Client
from grantflow._core._device import DEVICE_CODE_GRANT
from grantflow._core._exchange import TOKEN_EXCHANGE_GRANT
from grantflow._core._http import HttpResponse
from grantflow._flows._drive import Call, Flow, Send, Sleep
from grantflow.errors import InvalidResponseError, OAuthError

from ._responses import json_response

TOKEN = "https://as.example/token"
DEVICE = "https://as.example/device"
REG = "https://as.example/reg"
START = 1_700_000_000.0

AUTHORIZATION = {
    "device_code": "dc-secret",
    "user_code": "WDJB-MJHT",
    "verification_uri": "https://as.example/activate",
    "expires_in": 60,
    "interval": 5,
}


@dataclass
class Clock:
    now: float = START

    def __call__(self) -> float:
        return self.now


@dataclass
class Run:
    """What a flow did: the requests it sent, its waits and callbacks, its result."""

    sent: list[Send] = field(default_factory=list)
    waits: list[float] = field(default_factory=list)
    calls: list[tuple[Any, ...]] = field(default_factory=list)
    result: Any = None
    error: BaseException | None = None


def drive(flow: Flow[Any], replies: list[HttpResponse], clock: Clock, per_send: float = 0) -> Run:
    """Run ``flow``: answer each Send with the next reply, advance the clock on Sleep;
    a Join runs its sub-flow the same way."""
    run = Run()
    queue = list(replies)

    def steps(sub: Flow[Any]) -> Any:
        step = next(sub)
        while True:
            if isinstance(step, Send):
                run.sent.append(step)
                if not queue:
                    raise AssertionError(f"unexpected request to {step.request.url}")
                clock.now += per_send
                reply: Any = queue.pop(0)
            elif isinstance(step, Sleep):
                run.waits.append(step.seconds)
                clock.now += step.seconds
                reply = None
            elif isinstance(step, Call):
                run.calls.append(step.args)
                reply = step.func(*step.args, **step.kwargs)
            else:
                try:
                    reply = step.sync(steps_to_end)
                except Exception as exc:  # a failing step is thrown into the flow
                    step = sub.throw(exc)
                    continue
            step = sub.send(reply)

    def steps_to_end(sub: Flow[Any]) -> Any:
        try:
            steps(sub)
        except StopIteration as done:
            return done.value

    try:
        run.result = steps_to_end(flow)
    except Exception as exc:
        run.error = exc
    return run


def new_client(**kwargs: Any) -> tuple[Client, Clock]:
    options: dict[str, Any] = {"token_endpoint": TOKEN, "device_authorization_endpoint": DEVICE}
    options.update(kwargs)
    client = Client("c1", None, **options)
    clock = Clock()
    client.clock = clock
    return client, clock


def pending() -> HttpResponse:
    return json_response(400, {"error": "authorization_pending"})


def slow_down() -> HttpResponse:
    return json_response(400, {"error": "slow_down"})


def token(**extra: Any) -> HttpResponse:
    return json_response(200, {"access_token": "at-new", "token_type": "Bearer", **extra})


def form(step: Send) -> dict[str, list[str]]:
    assert step.request.body is not None
    return parse_qs(step.request.body.decode())


# --- device_authorization ------------------------------------------------------------


def test_device_authorization_sends_scope_and_returns_the_checked_answer() -> None:
    client, clock = new_client(scope=["openid", "profile"])
    run = drive(client.device_authorization(), [json_response(200, AUTHORIZATION)], clock)
    assert run.error is None
    assert run.sent[0].request.url == DEVICE
    assert form(run.sent[0])["scope"] == ["openid profile"]
    assert run.result["expires_at"] == int(START) + 60
    assert "dc-secret" not in repr(run.result)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({**AUTHORIZATION, "device_code": None}, InvalidResponseError),
        ({**AUTHORIZATION, "interval": "soon"}, InvalidResponseError),
        ({"error": "invalid_client"}, OAuthError),
    ],
    ids=["no-device-code", "non-numeric-interval", "oauth-error"],
)
def test_device_authorization_bad_answers_are_typed_errors(
    body: dict[str, Any], error: type[Exception]
) -> None:
    client, clock = new_client()
    clean = {k: v for k, v in body.items() if v is not None}
    run = drive(client.device_authorization(), [json_response(200, clean)], clock)
    assert type(run.error) is error
    assert client.token is None


def test_device_authorization_sends_resource_and_details_as_the_rfcs_ask() -> None:
    client, clock = new_client()
    details = [{"type": "payment", "amount": 5}]
    flow = client.device_authorization(
        resource=["https://api.one/", "https://api.two/"], authorization_details=details
    )
    run = drive(flow, [json_response(200, AUTHORIZATION)], clock)
    sent = form(run.sent[0])
    assert sent["resource"] == ["https://api.one/", "https://api.two/"]
    assert [json.loads(v) for v in sent["authorization_details"]] == [details]


# --- poll_device_token: one row per decision --------------------------------------------


@dataclass(frozen=True)
class PollCase:
    name: str
    replies: list[Callable[[], HttpResponse]]
    waits: list[float]
    polls: int
    error: str | None = None
    timeout: float | None = None
    authorization: dict[str, Any] = field(default_factory=dict)


POLL_CASES = [
    PollCase("token-at-once", [token], [], 1),
    PollCase("pending-then-token", [pending, pending, token], [5, 5], 3),
    PollCase("slow-down-adds-5s-for-good", [slow_down, pending, token], [10, 10], 3),
    PollCase("two-slow-downs", [slow_down, slow_down, token], [10, 15], 3),
    PollCase(
        "access-denied",
        [pending, lambda: json_response(400, {"error": "access_denied"})],
        [5],
        2,
        "access_denied",
    ),
    PollCase(
        "expired-token-from-server",
        [lambda: json_response(400, {"error": "expired_token"})],
        [],
        1,
        "expired_token",
    ),
    PollCase(
        "unknown-error",
        [lambda: json_response(400, {"error": "server_exploded"})],
        [],
        1,
        "server_exploded",
    ),
    # 60 s code, 5 s interval: polls at 0, 5, ..., 55; after the one at 55 no wait
    # could end before the deadline, so it stops there with no further request.
    PollCase("expires-without-another-request", [pending], [5] * 11, 12, "expired_token"),
    PollCase("timeout-before-expiry", [pending], [5, 5], 3, "expired_token", timeout=12),
    PollCase("default-interval-is-5", [pending, token], [5], 2, authorization={"interval": None}),
]


@pytest.mark.parametrize("case", POLL_CASES, ids=[c.name for c in POLL_CASES])
def test_poll_decisions(case: PollCase) -> None:
    client, clock = new_client()
    authorization = {**AUTHORIZATION, **case.authorization}
    authorization = {k: v for k, v in authorization.items() if v is not None}
    replies = [make() for make in case.replies]
    replies += [replies[-1]] * 20  # the last answer repeats
    seen: list[float] = []
    flow = client.poll_device_token(authorization, seen.append, case.timeout)
    run = drive(flow, replies, clock)
    assert len(run.sent) == case.polls
    assert run.waits == case.waits
    if case.error is None:
        assert run.error is None
        assert run.result["access_token"] == "at-new"
        assert client.token is not None and client.token["access_token"] == "at-new"
    else:
        assert isinstance(run.error, OAuthError)
        assert run.error.error == case.error
        assert client.token is None
    # Every poll after the first came after a wait; every wait was announced.
    assert len(seen) == len(run.waits)


def test_each_poll_is_the_device_code_grant_with_the_device_code() -> None:
    client, clock = new_client()
    run = drive(client.poll_device_token(AUTHORIZATION), [pending(), token()], clock)
    assert run.error is None
    for step in run.sent:
        assert step.request.url == TOKEN
        assert form(step)["grant_type"] == [DEVICE_CODE_GRANT]
        assert form(step)["device_code"] == ["dc-secret"]
        assert step.purpose == "access_token"


def test_on_pending_gets_the_seconds_left() -> None:
    client, clock = new_client()
    seen: list[float] = []
    run = drive(
        client.poll_device_token(AUTHORIZATION, seen.append),
        [pending(), pending(), token()],
        clock,
        per_send=1,
    )
    assert run.error is None
    # Each poll takes 1 s here: answered at 1 s and 7 s of the 60 s.
    assert seen == [59, 53]


def test_an_authorization_already_past_its_expiry_sends_nothing() -> None:
    client, clock = new_client()
    authorization = {**AUTHORIZATION, "expires_at": int(START) - 1}
    run = drive(client.poll_device_token(authorization), [token()], clock)
    assert run.sent == []
    assert isinstance(run.error, OAuthError) and run.error.error == "expired_token"


@pytest.mark.parametrize(
    ("authorization", "timeout"),
    [
        ({k: v for k, v in AUTHORIZATION.items() if k != "device_code"}, None),
        ({k: v for k, v in AUTHORIZATION.items() if k != "expires_in"}, None),
        (AUTHORIZATION, 0),
        (AUTHORIZATION, -3),
    ],
    ids=["no-device-code", "no-expiry", "zero-timeout", "negative-timeout"],
)
def test_bad_poll_input_is_refused_before_any_request(
    authorization: dict[str, Any], timeout: float | None
) -> None:
    client, clock = new_client()
    run = drive(client.poll_device_token(authorization, None, timeout), [token()], clock)
    assert run.sent == []
    assert isinstance(run.error, ValueError)


def test_a_token_response_without_access_token_is_invalid_and_not_kept() -> None:
    client, clock = new_client()
    run = drive(client.poll_device_token(AUTHORIZATION), [json_response(200, {"foo": 1})], clock)
    assert isinstance(run.error, InvalidResponseError)
    assert client.token is None


def test_cancellation_between_polls_stops_the_flow() -> None:
    client, _ = new_client()
    flow = client.poll_device_token(AUTHORIZATION)
    assert isinstance(next(flow), Send)
    assert isinstance(flow.send(pending()), Sleep)
    with pytest.raises(KeyboardInterrupt):
        flow.throw(KeyboardInterrupt())
    with pytest.raises(StopIteration):
        next(flow)
    assert client.token is None


# --- token exchange ------------------------------------------------------------------------


def exchanged() -> HttpResponse:
    return token(issued_token_type=JWT_TOKEN_TYPE, token_type="N_A")


def test_exchange_sends_every_parameter_and_keeps_the_clients_token() -> None:
    client, clock = new_client(token={"access_token": "mine", "token_type": "Bearer"})
    flow = client.exchange_token(
        "subject-secret",
        actor_token="actor-secret",
        actor_token_type=ACCESS_TOKEN_TYPE,
        requested_token_type=JWT_TOKEN_TYPE,
        audience=["svc-a", "svc-b"],
        resource="https://api.example/",
        scope=["read", "write"],
        authorization_details=[{"type": "x"}],
    )
    run = drive(flow, [exchanged()], clock)
    assert run.error is None
    sent = form(run.sent[0])
    assert sent["grant_type"] == [TOKEN_EXCHANGE_GRANT]
    assert sent["subject_token"] == ["subject-secret"]
    assert sent["subject_token_type"] == [ACCESS_TOKEN_TYPE]
    assert sent["actor_token_type"] == [ACCESS_TOKEN_TYPE]
    assert sent["audience"] == ["svc-a", "svc-b"]
    assert sent["scope"] == ["read write"]
    assert sent["authorization_details"] == ['[{"type":"x"}]']
    assert run.result["issued_token_type"] == JWT_TOKEN_TYPE
    assert client.token is not None and client.token["access_token"] == "mine"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"subject_token": ""},
        {"subject_token": "s", "actor_token": "a"},
        {"subject_token": "s", "actor_token_type": ACCESS_TOKEN_TYPE},
        {"subject_token": "s", "resource": "relative/path"},
        {"subject_token": "s", "authorization_details": {"type": "x"}},
    ],
    ids=[
        "empty-subject",
        "actor-without-type",
        "type-without-actor",
        "bad-resource",
        "details-object",
    ],
)
def test_bad_exchange_input_is_refused_before_any_request(kwargs: dict[str, Any]) -> None:
    client, clock = new_client()
    run = drive(client.exchange_token(**kwargs), [exchanged()], clock)
    assert run.sent == []
    assert isinstance(run.error, ValueError)


def test_exchange_response_without_issued_token_type_is_invalid() -> None:
    client, clock = new_client()
    run = drive(client.exchange_token("s"), [token()], clock)
    assert isinstance(run.error, InvalidResponseError)


def test_fetch_token_with_the_exchange_grant_keeps_the_clients_token() -> None:
    client, clock = new_client(token={"access_token": "mine", "token_type": "Bearer"})
    flow = client.fetch_token(
        grant_type=TOKEN_EXCHANGE_GRANT, subject_token="s", subject_token_type=ACCESS_TOKEN_TYPE
    )
    run = drive(flow, [exchanged()], clock)
    assert run.error is None and run.result["access_token"] == "at-new"
    assert client.token is not None and client.token["access_token"] == "mine"


# --- resource indicators on the other calls --------------------------------------------------


def test_fetch_and_refresh_send_repeated_resources_and_one_json_details() -> None:
    details = [{"type": "account_information", "actions": ["read"]}, {"type": "payment"}]
    client, clock = new_client(token={"access_token": "a", "refresh_token": "r"})
    other, _ = new_client(token={"access_token": "a", "refresh_token": "r"})
    for flow in (
        other.fetch_token(
            resource=["https://a.example/", "https://b.example/"], authorization_details=details
        ),
        client.refresh_token(
            resource=["https://a.example/", "https://b.example/"], authorization_details=details
        ),
    ):
        run = drive(flow, [token()], clock)
        assert run.error is None
        sent = form(run.sent[0])
        assert sent["resource"] == ["https://a.example/", "https://b.example/"]
        assert len(sent["authorization_details"]) == 1
        assert json.loads(sent["authorization_details"][0]) == details


@pytest.mark.parametrize(
    "kwargs",
    [
        {"resource": "not a uri"},
        {"resource": "https://a.example/#frag"},
        {"authorization_details": [{"no": "type"}]},
        {"authorization_details": "{not json"},
    ],
)
def test_bad_indicators_are_refused_before_anything_is_sent_or_spent(
    kwargs: dict[str, Any],
) -> None:
    client, clock = new_client(authorization_endpoint="https://as.example/auth")
    url_flow = client.create_authorization_url(**kwargs)
    assert isinstance(drive(url_flow, [], clock).error, ValueError)
    assert not client.outstanding
    run = drive(client.fetch_token(**kwargs), [token()], clock)
    assert run.sent == [] and isinstance(run.error, ValueError)


# --- registration ---------------------------------------------------------------------------


def test_registration_posts_json_and_sets_the_credentials_together() -> None:
    client, clock = new_client(registration_endpoint=REG, redirect_uri="https://app/cb")
    reply = json_response(
        201,
        {
            "client_id": "new-id",
            "client_secret": "new-secret",
            "token_endpoint_auth_method": "client_secret_post",
        },
    )
    run = drive(client.register_client(initial_access_token="iat"), [reply], clock)
    assert run.error is None
    request = run.sent[0].request
    assert request.url == REG
    assert request.headers["Authorization"] == "Bearer iat"
    assert json.loads(request.body or b"") == {"redirect_uris": ["https://app/cb"]}
    assert (client.client_id, client.client_secret) == ("new-id", "new-secret")
    assert client.token_endpoint_auth_method == "client_secret_post"
    assert "new-secret" not in repr(run.result)


@pytest.mark.parametrize(
    "body",
    [
        {"client_secret": "s"},
        {"client_id": 7},
        {"client_id": "x", "token_endpoint_auth_method": "client_secret_basic"},
        {"error": "invalid_client_metadata"},
    ],
    ids=["no-client-id", "numeric-client-id", "secret-method-without-secret", "oauth-error"],
)
def test_a_bad_registration_answer_leaves_the_client_as_it_was(body: dict[str, Any]) -> None:
    client, clock = new_client(registration_endpoint=REG)
    client.client_secret = "old"
    run = drive(
        client.register_client(metadata={}),
        [json_response(400 if "error" in body else 201, body)],
        clock,
    )
    assert isinstance(run.error, OAuthError)
    assert (client.client_id, client.client_secret) == ("c1", "old")


def test_private_key_jwt_registration_keeps_the_clients_key() -> None:
    client, clock = new_client(registration_endpoint=REG)
    client.client_secret = {"kty": "EC"}
    reply = json_response(201, {"client_id": "k", "token_endpoint_auth_method": "private_key_jwt"})
    run = drive(client.register_client(metadata={"jwks": {"keys": []}}), [reply], clock)
    assert run.error is None
    assert client.client_secret == {"kty": "EC"}
    assert client.token_endpoint_auth_method == "private_key_jwt"


# --- protected resource metadata -----------------------------------------------------------


AS = "https://as.example"
RESOURCE = "https://api.example/mcp"


def discovery() -> HttpResponse:
    return json_response(
        200, {"issuer": AS, "token_endpoint": AS + "/token", "registration_endpoint": AS + "/reg"}
    )


def test_resource_metadata_from_a_challenge_sets_the_issuer_and_discovers_it() -> None:
    client = Client("c1")
    clock = Clock()
    challenge = HttpResponse(
        401,
        {
            "WWW-Authenticate": 'Bearer resource_metadata="https://api.example/.well-known/'
            'oauth-protected-resource/mcp"'
        },
    )
    flow = client.load_resource_metadata(challenge=challenge, request_url=RESOURCE)
    prm = json_response(200, {"resource": RESOURCE, "authorization_servers": [AS]})
    run = drive(flow, [prm, discovery()], clock)
    assert run.error is None
    assert run.sent[0].request.url.endswith("/.well-known/oauth-protected-resource/mcp")
    assert run.sent[1].request.url == AS + "/.well-known/openid-configuration"
    assert client.metadata["registration_endpoint"] == AS + "/reg"


def test_resource_metadata_for_another_resource_changes_nothing() -> None:
    client = Client("c1")
    flow = client.load_resource_metadata(RESOURCE)
    prm = json_response(200, {"resource": "https://evil.example/", "authorization_servers": [AS]})
    run = drive(flow, [prm], Clock())
    assert isinstance(run.error, InvalidResponseError)
    assert "issuer" not in client.metadata and len(run.sent) == 1
    assert run.sent[0].request.url == "https://api.example/.well-known/oauth-protected-resource/mcp"


def test_a_failed_discovery_rolls_the_issuer_back() -> None:
    client = Client("c1")
    prm = json_response(200, {"resource": RESOURCE, "authorization_servers": [AS]})
    wrong = json_response(200, {"issuer": "https://other.example"})
    run = drive(client.load_resource_metadata(RESOURCE), [prm, wrong], Clock())
    assert isinstance(run.error, InvalidResponseError)
    assert "issuer" not in client.metadata and "issuer" not in client.explicit_metadata


def test_a_resource_that_does_not_trust_the_clients_issuer_is_refused() -> None:
    client = Client("c1", issuer="https://mine.example")
    prm = json_response(200, {"resource": RESOURCE, "authorization_servers": [AS]})
    run = drive(client.load_resource_metadata(RESOURCE), [prm], Clock())
    assert isinstance(run.error, InvalidResponseError)
    assert client.metadata["issuer"] == "https://mine.example"
