"""The device authorization grant (RFC 8628): the request, its answer, every poll decision."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import pytest

import grantflow
from grantflow._core._device import (
    DEVICE_CODE_GRANT,
    DeviceAuthorization,
    PollAgain,
    PollState,
    build_device_authorization_request,
    build_device_token_request,
    check_poll_deadline,
    decide_poll,
    parse_device_authorization_response,
    start_polling,
)
from grantflow._core._http import HttpResponse
from grantflow._core._token import OAuth2Token
from grantflow.errors import InvalidResponseError, OAuthError

from ._responses import json_response

NOW = 1_700_000_000
DEVICE_CODE = "GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS"
ENDPOINT = "https://as.example/device"
TOKEN_ENDPOINT = "https://as.example/token"

GOOD: dict[str, Any] = {
    "device_code": DEVICE_CODE,
    "user_code": "WDJB-MJHT",
    "verification_uri": "https://as.example/device",
    "verification_uri_complete": "https://as.example/device?user_code=WDJB-MJHT",
    "expires_in": 1800,
    "interval": 5,
}


def answer(**changes: Any) -> HttpResponse:
    body = {**GOOD, **changes}
    return json_response(200, {k: v for k, v in body.items() if v is not None})


# --- the device authorization request and response (§3.1, §3.2) -----------------------


def test_request_is_a_form_post_with_client_id_scope_and_extras() -> None:
    request = build_device_authorization_request(
        ENDPOINT, client_id="c1", scope=["openid", "offline_access"], params={"audience": "api"}
    )
    assert (request.method, request.url) == ("POST", ENDPOINT)
    assert request.body is not None
    assert parse_qsl(request.body.decode()) == [
        ("client_id", "c1"),
        ("scope", "openid offline_access"),
        ("audience", "api"),
    ]


def test_request_without_client_id_or_scope_sends_neither() -> None:
    request = build_device_authorization_request(ENDPOINT)
    assert request.body == b""


def test_full_answer_is_read_with_its_expiry_time() -> None:
    authorization = parse_device_authorization_response(answer(), now=NOW + 0.5)
    assert isinstance(authorization, DeviceAuthorization)
    assert authorization == {**GOOD, "expires_at": NOW + 1800}


GOOD_ROWS: list[tuple[str, HttpResponse, dict[str, Any]]] = [
    ("interval_defaults_to_5", answer(interval=None), {"interval": 5}),
    ("null_interval_is_absent", json_response(200, {**GOOD, "interval": None}), {"interval": 5}),
    ("no_complete_uri", answer(verification_uri_complete=None), {"interval": 5}),
    ("numbers_as_strings", answer(expires_in="600", interval="10"), {"expires_in": 600}),
    ("interval_as_string", answer(interval="10"), {"interval": 10}),
    ("fractional_interval_rounds_up", answer(interval=2.5), {"interval": 3}),
    ("zero_interval_is_one_second", answer(interval=0), {"interval": 1}),
    ("extra_fields_kept", answer(message="Enter WDJB-MJHT"), {"message": "Enter WDJB-MJHT"}),
    (
        "google_verification_url",
        answer(verification_uri=None, verification_url="https://www.google.com/device"),
        {"verification_uri": "https://www.google.com/device"},
    ),
]


@pytest.mark.parametrize(
    ("response", "expected"), [r[1:] for r in GOOD_ROWS], ids=[r[0] for r in GOOD_ROWS]
)
def test_answers_that_servers_send_are_read(
    response: HttpResponse, expected: dict[str, Any]
) -> None:
    authorization = parse_device_authorization_response(response, now=NOW)
    assert {k: authorization[k] for k in expected} == expected
    assert "verification_url" not in authorization


BAD_ROWS: list[tuple[str, HttpResponse, str]] = [
    ("no_device_code", answer(device_code=None), "device_code"),
    ("empty_device_code", answer(device_code=""), "device_code"),
    ("no_user_code", answer(user_code=None), "user_code"),
    ("user_code_not_string", answer(user_code=1234), "user_code"),
    ("no_verification_uri", answer(verification_uri=None), "verification_uri"),
    ("complete_uri_not_string", answer(verification_uri_complete=1), "uri_complete"),
    ("no_expires_in", answer(expires_in=None), "expires_in"),
    ("text_expires_in", answer(expires_in="half an hour"), "expires_in"),
    ("zero_expires_in", answer(expires_in=0), "expires_in"),
    ("bool_expires_in", answer(expires_in=True), "expires_in"),
    ("text_interval", answer(interval="fast"), "interval"),
    ("negative_interval", answer(interval=-5), "interval"),
    ("html", HttpResponse(200, {"Content-Type": "text/html"}, b"<html/>"), "not JSON"),
    ("array", json_response(200, [GOOD]), "not an object"),
]


@pytest.mark.parametrize(
    ("response", "message"), [r[1:] for r in BAD_ROWS], ids=[r[0] for r in BAD_ROWS]
)
def test_an_answer_that_breaks_the_spec_is_invalid_response(
    response: HttpResponse, message: str
) -> None:
    with pytest.raises(InvalidResponseError, match=message) as caught:
        parse_device_authorization_response(response, now=NOW)
    assert caught.value.status_code == 200
    assert DEVICE_CODE not in str(caught.value)


def test_an_error_body_is_the_servers_oauth_error() -> None:
    body = {"error": "invalid_client", "error_description": "unknown client"}
    with pytest.raises(OAuthError) as caught:
        parse_device_authorization_response(json_response(401, body), now=NOW)
    assert (caught.value.error, caught.value.status_code) == ("invalid_client", 401)


def test_repr_hides_the_device_code_and_shows_what_the_user_needs() -> None:
    authorization = parse_device_authorization_response(answer(), now=NOW)
    text = repr(authorization)
    assert DEVICE_CODE not in text
    assert "WDJB-MJHT" in text
    assert authorization["device_code"] == DEVICE_CODE


def test_device_authorization_is_exported_as_the_dict_subclass() -> None:
    assert grantflow.DeviceAuthorization is DeviceAuthorization
    assert issubclass(DeviceAuthorization, dict)


# --- polling (§3.4, §3.5) -------------------------------------------------------------


def test_each_poll_is_the_device_code_grant() -> None:
    request = build_device_token_request(TOKEN_ENDPOINT, GOOD, client_id="c1")
    assert request.body is not None
    assert parse_qsl(request.body.decode()) == [
        ("grant_type", DEVICE_CODE_GRANT),
        ("device_code", DEVICE_CODE),
        ("client_id", "c1"),
    ]
    assert DEVICE_CODE_GRANT == "urn:ietf:params:oauth:grant-type:device_code"


def test_polling_without_a_device_code_is_value_error() -> None:
    with pytest.raises(ValueError, match="device_code"):
        build_device_token_request(TOKEN_ENDPOINT, {"user_code": "X"})


def authorization(expires_in: int = 1800, interval: int = 5) -> DeviceAuthorization:
    return parse_device_authorization_response(
        answer(expires_in=expires_in, interval=interval), now=NOW
    )


START_ROWS: list[tuple[str, dict[str, Any], float, float | None, PollState]] = [
    ("until_the_code_expires", dict(authorization()), NOW + 100, None, PollState(5, NOW + 1800)),
    ("timeout_first", dict(authorization()), NOW, 60, PollState(5, NOW + 60, True)),
    ("expiry_first", dict(authorization()), NOW, 3600, PollState(5, NOW + 1800)),
    ("plain_dict", {**GOOD, "interval": 7}, NOW + 10, None, PollState(7, NOW + 1810)),
    ("no_interval", {"device_code": "d", "expires_in": 60}, NOW, None, PollState(5, NOW + 60)),
]


@pytest.mark.parametrize(
    ("given", "now", "timeout", "state"),
    [r[1:] for r in START_ROWS],
    ids=[r[0] for r in START_ROWS],
)
def test_polling_starts_with_the_interval_and_the_earliest_deadline(
    given: dict[str, Any], now: float, timeout: float | None, state: PollState
) -> None:
    assert start_polling(given, now=now, timeout=timeout) == state


@pytest.mark.parametrize("timeout", [0, -1, True])
def test_a_timeout_that_is_not_positive_is_value_error(timeout: Any) -> None:
    with pytest.raises(ValueError, match="timeout"):
        start_polling(authorization(), now=NOW, timeout=timeout)


def test_an_authorization_without_any_expiry_is_value_error() -> None:
    with pytest.raises(ValueError, match="expires"):
        start_polling({"device_code": "d"}, now=NOW)


def test_past_the_deadline_is_expired_token_before_any_request() -> None:
    state = PollState(5, NOW + 30)
    check_poll_deadline(state, now=NOW + 29.9)
    for now in (NOW + 30, NOW + 31):
        with pytest.raises(OAuthError) as caught:
            check_poll_deadline(state, now=now)
        assert caught.value.error == "expired_token"
        assert caught.value.status_code is None
        assert "expired" in str(caught.value)


def test_past_the_timeout_says_it_was_the_timeout() -> None:
    with pytest.raises(OAuthError, match="timeout") as caught:
        check_poll_deadline(PollState(5, NOW, timed_out=True), now=NOW)
    assert caught.value.error == "expired_token"


def error(code: str, status: int = 400) -> HttpResponse:
    return json_response(status, {"error": code, "error_description": f"the {code}"})


TOKEN = {"access_token": "at-1", "token_type": "Bearer", "expires_in": 3600}


def test_a_token_ends_polling_with_the_token() -> None:
    step = decide_poll(json_response(200, TOKEN), PollState(5, NOW + 600), now=NOW + 40)
    assert isinstance(step, OAuth2Token)
    assert step["access_token"] == "at-1"
    assert step["expires_at"] == NOW + 40 + 3600


# (case, response, interval before, interval after and wait)
AGAIN_ROWS: list[tuple[str, HttpResponse, int, int]] = [
    ("pending_waits_the_interval", error("authorization_pending"), 5, 5),
    ("slow_down_adds_five_seconds", error("slow_down"), 5, 10),
    ("slow_down_again_adds_five_more", error("slow_down"), 10, 15),
    ("pending_keeps_a_slowed_interval", error("authorization_pending"), 15, 15),
    ("pending_in_a_200_body", error("authorization_pending", 200), 5, 5),
]


@pytest.mark.parametrize(
    ("response", "interval", "after"), [r[1:] for r in AGAIN_ROWS], ids=[r[0] for r in AGAIN_ROWS]
)
def test_pending_and_slow_down_poll_again(
    response: HttpResponse, interval: int, after: int
) -> None:
    step = decide_poll(response, PollState(interval, NOW + 600), now=NOW + 100)
    assert step == PollAgain(after, 500, PollState(after, NOW + 600))


@pytest.mark.parametrize(
    "code", ["access_denied", "expired_token", "invalid_grant", "invalid_client", "server_error"]
)
def test_any_other_error_is_raised_as_it_came(code: str) -> None:
    with pytest.raises(OAuthError) as caught:
        decide_poll(error(code), PollState(5, NOW + 600), now=NOW)
    assert type(caught.value) is OAuthError
    assert (caught.value.error, caught.value.description) == (code, f"the {code}")
    assert caught.value.status_code == 400


def test_a_broken_poll_response_is_invalid_response() -> None:
    broken = HttpResponse(502, {"Content-Type": "text/html"}, b"<html>bad gateway</html>")
    with pytest.raises(InvalidResponseError) as caught:
        decide_poll(broken, PollState(5, NOW + 600), now=NOW)
    assert caught.value.status_code == 502


@pytest.mark.parametrize(
    ("code", "now"), [("authorization_pending", NOW + 25), ("slow_down", NOW + 20)]
)
def test_no_wait_is_scheduled_when_the_next_poll_would_be_too_late(code: str, now: float) -> None:
    with pytest.raises(OAuthError) as caught:
        decide_poll(error(code), PollState(5, NOW + 30), now=now)
    assert caught.value.error == "expired_token"


@dataclass
class Poller:
    """Drives the decisions as the device flow does, with a clock that waits instantly."""

    responses: list[HttpResponse]
    now: float = NOW
    sent: int = 0
    waits: list[int] = field(default_factory=list)
    left: list[float] = field(default_factory=list)

    def run(self, authorization: dict[str, Any], timeout: float | None = None) -> OAuth2Token:
        state = start_polling(authorization, now=self.now, timeout=timeout)
        while True:
            check_poll_deadline(state, now=self.now)
            response = self.responses[self.sent]
            self.sent += 1
            step = decide_poll(response, state, now=self.now)
            if isinstance(step, OAuth2Token):
                return step
            self.waits.append(step.wait)
            self.left.append(step.seconds_left)
            self.now += step.wait
            state = step.state


def test_a_whole_poll_with_slow_down_ends_with_the_token() -> None:
    replies = [error("authorization_pending"), error("slow_down"), error("authorization_pending")]
    poller = Poller([*replies, json_response(200, TOKEN)])
    token = poller.run(authorization())
    assert token["access_token"] == "at-1"
    assert (poller.sent, poller.waits) == (4, [5, 10, 10])
    assert poller.left == [1800, 1795, 1785]
    assert poller.now == NOW + 25


def test_polling_stops_at_expiry_without_another_request() -> None:
    poller = Poller([error("authorization_pending")] * 100)
    with pytest.raises(OAuthError) as caught:
        poller.run(authorization(expires_in=30))
    assert caught.value.error == "expired_token"
    # polls at 0, 5, ... 25; one at 30 would be at the expiry
    assert poller.sent == 6
    assert poller.now == NOW + 25


def test_polling_stops_at_the_timeout_without_another_request() -> None:
    poller = Poller([error("authorization_pending")] * 100)
    with pytest.raises(OAuthError, match="timeout"):
        poller.run(authorization(), timeout=12)
    assert poller.sent == 3  # at 0, 5 and 10
