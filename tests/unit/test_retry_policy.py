"""The retry policy of token requests: Retry-After, back-off bounds, and what is retried.

Tables of hand-built responses and errors, with a fixed random source; the flow is
driven by hand, so each wait shows as the ``Sleep`` step it yields.
"""

from __future__ import annotations

from datetime import datetime, timezone
from email.utils import format_datetime
from typing import Any

import pytest

from grantflow import OAuthError, RetryPolicy
from grantflow._client._client import Client
from grantflow._core._http import HttpRequest, HttpResponse
from grantflow._core._retry_policy import (
    grant_of,
    mark_transport_failure,
    parse_retry_after,
    resolve_retry_policy,
)
from grantflow._flows._drive import Send, Sleep

NOW = 1_700_000_000.0
TOKEN_URL = "https://as.example/token"
TOKEN = b'{"access_token": "at-1", "token_type": "Bearer", "expires_in": 3600}'


def http_date(seconds_from_now: float) -> str:
    return format_datetime(
        datetime.fromtimestamp(NOW + seconds_from_now, tz=timezone.utc), usegmt=True
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("5", 5.0),
        (" 7 ", 7.0),
        ("0", 0.0),
        ("120", 120.0),
        ("99999999999999999999999999", 99999999999999999999.0),
        (http_date(30), 30.0),
        (http_date(-30), 0.0),  # a date in the past means now
        ("Wed, 21 Oct 2015 07:28:00", None),  # no zone: not an HTTP-date
        ("-1", None),
        ("1.5", None),
        ("soon", None),
        ("٣", None),  # a digit, but not an ASCII one
        ("", None),
        (None, None),
    ],
)
def test_retry_after_is_read_as_seconds_or_an_http_date(
    value: str | None, expected: float | None
) -> None:
    assert parse_retry_after(value, NOW) == expected


@pytest.mark.parametrize("draw", [0.0, 0.25, 0.5, 0.999999])
@pytest.mark.parametrize("retry", [0, 1, 2, 3, 10, 100])
def test_full_jitter_stays_below_the_capped_exponential_ceiling(draw: float, retry: int) -> None:
    policy = RetryPolicy(5, base_delay=0.5, max_delay=4.0, random=lambda: draw)
    ceiling = min(4.0, 0.5 * 2**retry)
    assert policy.backoff(retry) == pytest.approx(ceiling * draw)
    assert 0.0 <= policy.backoff(retry) < ceiling or ceiling == 0


def test_a_random_source_out_of_range_is_clamped() -> None:
    assert RetryPolicy(random=lambda: 7.0).backoff(0) == 0.5
    assert RetryPolicy(random=lambda: -3.0).backoff(0) == 0.0
    assert RetryPolicy(random=lambda: float("nan")).backoff(0) == 0.0


def response(status: int, retry_after: str | None = None) -> HttpResponse:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return HttpResponse(status, headers, b"{}")


POLICY = RetryPolicy(2, base_delay=0.5, max_delay=10.0, random=lambda: 0.5)


@pytest.mark.parametrize(
    ("status", "retry_after", "grant", "retry", "expected"),
    [
        (503, None, "client_credentials", 0, 0.25),
        (503, None, "refresh_token", 1, 0.5),
        (429, None, "password", 0, 0.25),
        (429, None, None, 0, 0.25),
        (503, "3", "client_credentials", 0, 3.25),  # honoured, plus jitter
        (429, "10", "refresh_token", 0, 10.0),  # capped at max_delay
        (503, "11", "client_credentials", 0, None),  # asks too long: its answer stands
        (503, None, "client_credentials", 2, None),  # retries spent
        (503, None, "authorization_code", 0, None),  # a code is never presented twice
        (429, "1", "authorization_code", 0, None),
        (400, None, "client_credentials", 0, None),  # an OAuth error is an answer
        (401, None, "client_credentials", 0, None),
        (500, None, "client_credentials", 0, None),
        (502, None, "client_credentials", 0, None),
        (200, None, "client_credentials", 0, None),
    ],
)
def test_which_answers_are_retried_and_after_how_long(
    status: int, retry_after: str | None, grant: str | None, retry: int, expected: float | None
) -> None:
    assert POLICY.after_response(response(status, retry_after), retry, grant, NOW) == expected


def transport_error(*, sent: bool | None, timeout: bool = False) -> Exception:
    exc: Exception = TimeoutError("slow") if timeout else ConnectionError("down")
    if sent is not None:
        mark_transport_failure(exc, sent=sent)
    return exc


@pytest.mark.parametrize(
    ("sent", "timeout", "grant", "retried"),
    [
        (False, False, "authorization_code", True),  # never left: safe whatever the grant
        (False, False, "refresh_token", True),
        (False, True, "client_credentials", True),  # a connect timeout sent nothing
        (True, False, "client_credentials", True),  # repeating it only issues a token
        (True, True, "client_credentials", False),  # too slow: not asked again
        (True, False, "refresh_token", False),  # a rotated refresh token may be spent
        (True, False, "authorization_code", False),
        (True, False, None, False),
        (None, False, "client_credentials", False),  # not a transport failure at all
    ],
)
def test_which_transport_failures_are_retried(
    sent: bool | None, timeout: bool, grant: str | None, retried: bool
) -> None:
    delay = POLICY.after_failure(transport_error(sent=sent, timeout=timeout), 0, grant)
    assert (delay is not None) is retried
    if retried:
        assert delay == 0.25


def test_zero_retries_turns_retrying_off() -> None:
    off = RetryPolicy(0)
    assert off.after_response(response(503, "1"), 0, "client_credentials", NOW) is None
    assert off.after_failure(transport_error(sent=False), 0, "client_credentials") is None


@pytest.mark.parametrize("bad", [-1, True, 1.5, "2"])
def test_a_retry_count_that_is_no_whole_number_is_refused(bad: Any) -> None:
    with pytest.raises((ValueError, TypeError)):
        resolve_retry_policy(bad)


@pytest.mark.parametrize("bad", [-0.1, float("inf"), float("nan"), True])
def test_delays_must_be_finite_seconds(bad: Any) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(base_delay=bad)
    with pytest.raises(ValueError):
        RetryPolicy(max_delay=bad)


def test_token_retries_takes_a_count_or_a_policy() -> None:
    assert resolve_retry_policy(None).retries == 2
    assert resolve_retry_policy(0).retries == 0
    assert resolve_retry_policy(POLICY) is POLICY
    assert Client("c", token_retries=5).token_retries.retries == 5
    with pytest.raises(TypeError, match="did you mean 'token_retries'"):
        Client("c", token_retrys=1)


@pytest.mark.parametrize(
    ("request_", "grant"),
    [
        (HttpRequest("POST", TOKEN_URL, body=b"grant_type=refresh_token&x=1"), "refresh_token"),
        (HttpRequest("GET", TOKEN_URL + "?a=1&grant_type=password"), "password"),
        (HttpRequest("POST", TOKEN_URL, body=b"code=1"), None),
        (HttpRequest("POST", TOKEN_URL, body=b"grant_type=%ff"), "\ufffd"),
    ],
)
def test_the_grant_of_a_token_request_is_read_from_its_form(
    request_: HttpRequest, grant: str | None
) -> None:
    assert grant_of(request_) == grant


# -- the flow: each wait is a Sleep step ---------------------------------------------------


def drive(flow: Any, answers: list[Any]) -> tuple[list[Any], Any]:
    """Run ``flow`` by hand: each Send gets the next answer (an exception is thrown in)."""
    steps: list[Any] = []
    reply: Any = None
    error: BaseException | None = None
    try:
        while True:
            step = flow.throw(error) if error is not None else flow.send(reply)
            steps.append(step)
            reply = error = None
            if isinstance(step, Send):
                answer = answers.pop(0)
                if isinstance(answer, BaseException):
                    error = answer
                else:
                    reply = answer
    except StopIteration as done:
        return steps, done.value


def client(**kwargs: Any) -> Client:
    return Client("c", "s", token_endpoint=TOKEN_URL, **kwargs)


def kinds(steps: list[Any]) -> list[str]:
    return [f"Sleep({s.seconds:g})" if isinstance(s, Sleep) else type(s).__name__ for s in steps]


def test_a_503_with_retry_after_is_waited_out_as_a_sleep_step_then_sent_again() -> None:
    c = client(token_retries=RetryPolicy(2, random=lambda: 0.0))
    flow = c.fetch_token(grant_type="client_credentials")
    steps, token = drive(flow, [response(503, "3"), HttpResponse(200, {}, TOKEN)])
    assert kinds(steps) == ["Send", "Sleep(3)", "Send"]
    assert token["access_token"] == "at-1"
    assert c.token is not None and c.token["access_token"] == "at-1"


def test_retries_end_with_the_last_answer_and_its_retry_after() -> None:
    c = client(token_retries=RetryPolicy(2, random=lambda: 0.0))
    flow = c.fetch_token(grant_type="client_credentials")
    with pytest.raises(OAuthError) as raised:
        drive(flow, [response(429, "1"), response(429, "2"), response(429, "4")])
    assert raised.value.status_code == 429
    assert raised.value.retry_after == 4.0


def test_a_code_exchange_is_not_sent_again_after_a_503() -> None:
    c = client()
    flow = c.fetch_token(code="the-code", grant_type="authorization_code")
    with pytest.raises(OAuthError) as raised:
        drive(flow, [response(503, "1"), HttpResponse(200, {}, TOKEN)])
    assert raised.value.status_code == 503


def test_a_code_exchange_that_never_left_is_sent_again() -> None:
    c = client(token_retries=RetryPolicy(1, random=lambda: 1.0))
    flow = c.fetch_token(code="the-code", grant_type="authorization_code")
    steps, token = drive(flow, [transport_error(sent=False), HttpResponse(200, {}, TOKEN)])
    assert kinds(steps) == ["Send", "Sleep(0.5)", "Send"]
    assert token["access_token"] == "at-1"


def test_an_invalid_grant_is_an_answer_and_is_not_retried() -> None:
    c = client(token=None)
    flow = c.fetch_token(grant_type="client_credentials")
    refusal = HttpResponse(400, {"Retry-After": "1"}, b'{"error": "invalid_client"}')
    with pytest.raises(OAuthError) as raised:
        drive(flow, [refusal])
    assert raised.value.error == "invalid_client"
    assert raised.value.retry_after is None
