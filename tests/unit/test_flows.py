"""The flow interpreters and the client's flows, driven by hand: no transport, no server.

A flow yields steps and receives replies. Here the replies are hand-built
``HttpResponse`` objects, so each protocol decision is checked without any I/O: which
request goes out, in what order, and what the flow makes of each answer.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import pytest

from grantflow import InvalidResponseError, OAuthError
from grantflow._client._client import Client
from grantflow._core._http import HttpRequest, HttpResponse
from grantflow._flows._drive import Call, Flow, Send, Sleep, arun, run

TOKEN_URL = "https://op.example/token"


def reply(status: int = 200, body: Any = None, **headers: str) -> HttpResponse:
    """A JSON answer (or an empty one when ``body`` is None)."""
    if body is None:
        return HttpResponse(status, headers)
    data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    kind = "text/html" if isinstance(body, str) else "application/json"
    return HttpResponse(status, {"Content-Type": kind, **headers}, data)


class Script:
    """Answers each ``Send`` with the next scripted response; records what was sent."""

    def __init__(self, *answers: HttpResponse | Callable[[HttpRequest], HttpResponse]) -> None:
        self.answers = list(answers)
        self.sent: list[Send] = []
        self.slept: list[float] = []

    def send(self, step: Send) -> HttpResponse:
        self.sent.append(step)
        assert self.answers, f"unexpected request: {step.request!r}"
        answer = self.answers.pop(0)
        return answer(step.request) if callable(answer) else answer

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)

    def run(self, flow: Flow[Any]) -> Any:
        result = run(flow, self.send, self.sleep)
        assert not self.answers, f"{len(self.answers)} scripted answers left unused"
        return result

    def urls(self) -> list[str]:
        return [step.request.url for step in self.sent]

    def form(self, index: int = -1) -> dict[str, list[str]]:
        return parse_qs((self.sent[index].request.body or b"").decode())


# -- the interpreters ------------------------------------------------------------------------


def _every_step() -> Flow[list[Any]]:
    got: list[Any] = []
    got.append((yield Send(HttpRequest("GET", "https://a.example/"))))
    got.append((yield Sleep(2.5)))
    got.append((yield Call(lambda x, y=0: x + y, 40, y=2)))
    try:
        yield Send(HttpRequest("GET", "https://a.example/fails"))
    except ConnectionError as exc:
        got.append(f"handled {exc}")
    return got


def test_run_carries_out_each_step_and_throws_a_failing_one_into_the_flow() -> None:
    def send(step: Send) -> HttpResponse:
        if step.request.url.endswith("/fails"):
            raise ConnectionError("down")
        return HttpResponse(204)

    slept: list[float] = []
    got = run(_every_step(), send, slept.append)
    assert [getattr(g, "status_code", g) for g in got] == [204, None, 42, "handled down"]
    assert slept == [2.5]


def test_arun_does_the_same_and_awaits_an_awaitable_callback() -> None:
    async def send(step: Send) -> HttpResponse:
        if step.request.url.endswith("/fails"):
            raise ConnectionError("down")
        return HttpResponse(204)

    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    async def later(value: int) -> int:
        return value * 2

    def flow() -> Flow[list[Any]]:
        first = yield from _every_step()
        return [*first, (yield Call(later, 21))]

    got = asyncio.run(arun(flow(), send, sleep))
    assert [getattr(g, "status_code", g) for g in got] == [204, None, 42, "handled down", 42]
    assert slept == [2.5]


def test_an_error_the_flow_does_not_handle_reaches_the_caller() -> None:
    def flow() -> Flow[None]:
        yield Send(HttpRequest("GET", "https://a.example/"))

    def send(step: Send) -> HttpResponse:
        raise TimeoutError("slow")

    with pytest.raises(TimeoutError, match="slow"):
        run(flow(), send)


def test_a_negative_sleep_is_no_sleep() -> None:
    assert Sleep(-3).seconds == 0.0


# -- the client's flows ------------------------------------------------------------------------


def client(**kwargs: Any) -> Client:
    return Client("client-1", "secret-1", token_endpoint=TOKEN_URL, **kwargs)


def test_client_credentials_send_one_form_post_with_basic_auth_and_keep_the_token() -> None:
    oauth = client()
    script = Script(reply(body={"access_token": "at-1", "token_type": "Bearer"}))
    token = script.run(oauth.fetch_token(grant_type="client_credentials"))
    (sent,) = script.sent
    assert (sent.request.method, sent.request.url) == ("POST", TOKEN_URL)
    assert sent.purpose == "access_token"
    assert script.form() == {"grant_type": ["client_credentials"]}
    assert token["access_token"] == "at-1"
    assert oauth.source.token == token


def test_a_refresh_without_a_new_refresh_token_keeps_the_old_one() -> None:
    oauth = client(token={"access_token": "at-1", "refresh_token": "rt-1", "expires_at": 1})
    script = Script(reply(body={"access_token": "at-2", "token_type": "Bearer"}))
    token = script.run(oauth.refresh_token())
    assert script.form()["grant_type"] == ["refresh_token"]
    assert script.form()["refresh_token"] == ["rt-1"]
    assert (token["access_token"], token["refresh_token"]) == ("at-2", "rt-1")


def test_a_token_error_is_raised_and_the_token_is_kept() -> None:
    kept = {"access_token": "at-1", "refresh_token": "rt-1", "expires_at": 1}
    oauth = client(token=kept)
    script = Script(reply(400, {"error": "invalid_grant", "error_description": "spent"}))
    with pytest.raises(OAuthError) as caught:
        script.run(oauth.refresh_token())
    assert (caught.value.error, caught.value.status_code) == ("invalid_grant", 400)
    assert oauth.source.token is not None
    assert oauth.source.token["access_token"] == "at-1"


def test_discovery_falls_back_to_rfc_8414_only_after_a_404() -> None:
    document = {"issuer": "https://op.example", "token_endpoint": TOKEN_URL}
    oauth = Client("client-1", issuer="https://op.example")
    script = Script(reply(404, {}), reply(body=document))
    metadata = script.run(oauth.load_server_metadata())
    assert script.urls() == [
        "https://op.example/.well-known/openid-configuration",
        "https://op.example/.well-known/oauth-authorization-server",
    ]
    assert metadata["token_endpoint"] == TOKEN_URL


def test_discovery_stops_at_a_server_error() -> None:
    oauth = Client("client-1", issuer="https://op.example")
    script = Script(reply(500, {}))
    with pytest.raises(OAuthError) as caught:
        script.run(oauth.load_server_metadata())
    assert caught.value.status_code == 500
    assert len(script.sent) == 1


def test_a_discovery_document_for_another_issuer_is_refused() -> None:
    oauth = Client("client-1", issuer="https://op.example")
    script = Script(reply(body={"issuer": "https://evil.example", "token_endpoint": TOKEN_URL}))
    with pytest.raises(InvalidResponseError):
        script.run(oauth.load_server_metadata())


def test_discovery_happens_once_for_many_operations() -> None:
    document = {"issuer": "https://op.example", "token_endpoint": TOKEN_URL}
    oauth = Client("client-1", "secret-1", issuer="https://op.example")
    token = {"access_token": "at", "token_type": "Bearer"}
    script = Script(reply(body=document), reply(body=token), reply(body=token))
    run(oauth.fetch_token(grant_type="client_credentials"), script.send)
    script.run(oauth.fetch_token(grant_type="client_credentials"))
    assert script.urls() == [
        "https://op.example/.well-known/openid-configuration",
        TOKEN_URL,
        TOKEN_URL,
    ]


@pytest.mark.parametrize(
    ("answer", "outcome"),
    [
        (reply(200), "ok"),
        (reply(200, {}), "ok"),
        (reply(200, "<html>sign in</html>"), InvalidResponseError),
        (reply(200, {"error": "invalid_token"}), OAuthError),
        (reply(400, {"error": "unsupported_token_type"}), OAuthError),
    ],
    ids=["empty", "object", "html", "error-at-200", "error-at-400"],
)
def test_revocation_answers(answer: HttpResponse, outcome: Any) -> None:
    oauth = client(revocation_endpoint="https://op.example/revoke")
    script = Script(answer)
    flow = oauth.revoke_token(token="at-1", token_type_hint="access_token")
    if outcome == "ok":
        assert script.run(flow).status_code == 200
        assert script.form() == {"token": ["at-1"], "token_type_hint": ["access_token"]}
    else:
        with pytest.raises(outcome):
            script.run(flow)


# -- the 401 replay ------------------------------------------------------------------------


def _refusal(challenge: str, url: str = "https://api.example/r") -> HttpResponse:
    return HttpResponse(401, {"WWW-Authenticate": challenge}, url=url)


def _replay(oauth: Client, response: HttpResponse) -> tuple[Flow[Any], list[Any]]:
    resent: list[Any] = []

    def resend(token: Any) -> HttpResponse:
        resent.append(token["access_token"])
        return HttpResponse(200)

    sent = oauth.source.token
    assert sent is not None
    flow = oauth.replay_after_401(
        response, sent=sent, request_url="https://api.example/r", rewindable=True, resend=resend
    )
    return flow, resent


def test_an_invalid_token_401_renews_once_and_resends_with_the_new_token() -> None:
    oauth = client(token={"access_token": "at-1", "refresh_token": "rt-1", "expires_in": 3600})
    flow, resent = _replay(oauth, _refusal('Bearer error="invalid_token"'))
    script = Script(reply(body={"access_token": "at-2", "token_type": "Bearer"}))
    answer = script.run(flow)
    assert answer is not None and answer.status_code == 200
    assert resent == ["at-2"]
    assert script.form()["refresh_token"] == ["rt-1"]


@pytest.mark.parametrize(
    "response",
    [
        _refusal('Bearer error="insufficient_scope"'),
        _refusal("Basic realm=x"),
        _refusal('Bearer error="invalid_token"', url="https://elsewhere.example/r"),
        HttpResponse(403, {"WWW-Authenticate": 'Bearer error="invalid_token"'}),
    ],
    ids=["insufficient-scope", "other-scheme", "other-origin", "403"],
)
def test_other_refusals_stand_as_they_are(response: HttpResponse) -> None:
    oauth = client(token={"access_token": "at-1", "refresh_token": "rt-1", "expires_in": 3600})
    flow, resent = _replay(oauth, response)
    assert Script().run(flow) is None
    assert resent == []


def test_a_token_that_cannot_be_renewed_is_kept_and_the_401_stands() -> None:
    oauth = Client("client-1", token={"access_token": "at-1", "expires_in": 3600})
    flow, resent = _replay(oauth, _refusal('Bearer error="invalid_token"'))
    assert Script().run(flow) is None
    assert resent == []
    assert oauth.source.token is not None
    assert oauth.source.token["access_token"] == "at-1"
