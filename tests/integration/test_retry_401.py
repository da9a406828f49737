"""One replay after ``401`` ``invalid_token`` (RFC 6750 §3.1), against a real local server.

The server rejects an access token it revoked although the client still thinks it
valid; the client must renew once, replay once when the body allows it, and keep the
401 in ``history``.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from grantflow import OAuth2Auth, OAuth2Session, OAuthError
from grantflow._core._challenge import is_invalid_token_challenge
from grantflow._sources._setbacks import MAX_BACKOFF_S

from ._fleet import run_threads
from ._token_server import TokenServer, server_fixture  # noqa: F401

THREADS = 32


def revoked_session(server: TokenServer, **kwargs: Any) -> tuple[OAuth2Session, dict[str, Any]]:
    """A session whose token is unexpired locally but revoked at the resource server."""
    token = server.issue(expired=False)
    server.revoke(token["access_token"])
    renewals: list[dict[str, Any]] = []
    session = OAuth2Session(
        "client",
        "secret",
        token=token,
        token_endpoint=server.token_url,
        default_timeout=30,
        update_token=lambda t, **k: renewals.append(k),
        **kwargs,
    )
    session.renewals = renewals  # type: ignore[attr-defined]
    return session, token


def test_invalid_token_401_renews_and_replays_once_keeping_the_401_in_history(
    server: TokenServer,
) -> None:
    session, token = revoked_session(server)

    response = session.get(server.api_url)

    assert response.status_code == 200
    assert [r.status_code for r in response.history] == [401]
    assert server.snapshot().token_requests == 1
    assert session.renewals == [{"refresh_token": token["refresh_token"]}]  # type: ignore[attr-defined]
    assert session.token is not None
    assert session.token["access_token"] != token["access_token"]
    assert response.request.headers["Authorization"] == f"Bearer {session.token['access_token']}"


@pytest.mark.parametrize(
    "body",
    [b"a=1&b=two", "a=1&b=two", io.BytesIO(b"a=1&b=two")],
    ids=["bytes", "str", "seekable-file"],
)
def test_a_replayable_body_is_sent_again_unchanged(server: TokenServer, body: Any) -> None:
    session, _ = revoked_session(server)

    response = session.post(server.api_url, data=body)

    assert response.status_code == 200
    assert response.json()["body"] == "a=1&b=two"
    assert len(response.history) == 1
    assert server.snapshot().api_bodies == ["a=1&b=two"]


def test_a_body_that_cannot_be_replayed_returns_the_401_and_the_next_request_renews(
    server: TokenServer,
) -> None:
    session, token = revoked_session(server)

    def stream() -> Iterator[bytes]:
        yield b"part-1;"
        yield b"part-2"

    response = session.post(server.api_url, data=stream())

    assert response.status_code == 401
    assert response.history == []
    assert server.snapshot().token_requests == 0
    # The rejected token is now due: the next request renews before it is sent.
    follow_up = session.post(server.api_url, data=stream())
    assert follow_up.status_code == 200
    assert follow_up.json()["body"] == "part-1;part-2"
    assert follow_up.history == []
    assert server.snapshot().token_requests == 1
    assert session.token is not None
    assert session.token["access_token"] != token["access_token"]


def test_retry_on_invalid_token_false_returns_the_401_untouched(server: TokenServer) -> None:
    session, token = revoked_session(server, retry_on_invalid_token=False)

    response = session.get(server.api_url)

    assert response.status_code == 401
    assert response.history == []
    assert server.snapshot().token_requests == 0
    assert session.token is not None
    assert session.token["access_token"] == token["access_token"]


def test_an_auth_with_retry_off_returns_the_401(server: TokenServer) -> None:
    session, token = revoked_session(server)
    auth = OAuth2Auth(token, client=session, retry_on_invalid_token=False)

    response = requests.get(server.api_url, auth=auth, timeout=30)

    assert response.status_code == 401
    assert server.snapshot().token_requests == 0


def test_a_401_without_invalid_token_is_not_retried(server: TokenServer) -> None:
    session, _ = revoked_session(server)

    response = session.get(f"{server.url}/scoped")

    assert response.status_code == 401
    assert response.history == []
    assert server.snapshot().token_requests == 0


def test_an_auth_without_a_client_cannot_renew_and_returns_the_401(server: TokenServer) -> None:
    token = server.issue(expired=False)
    server.revoke(token["access_token"])

    response = requests.get(server.api_url, auth=OAuth2Auth(token), timeout=30)

    assert response.status_code == 401
    assert server.snapshot().token_requests == 0


def test_threads_hitting_the_same_401_cause_one_renewal(server: TokenServer) -> None:
    session, _ = revoked_session(server)
    statuses = run_threads(THREADS, lambda: session.get(server.api_url).status_code)

    assert statuses == [200] * THREADS
    assert server.snapshot().token_requests == 1
    assert len(session.renewals) == 1  # type: ignore[attr-defined]


@pytest.mark.parametrize("placement", ["uri", "body"])
def test_a_replay_carries_only_the_new_token_in_the_query_or_body(
    server: TokenServer, placement: str
) -> None:
    session, token = revoked_session(server, token_placement=placement)

    response = session.post(server.api_url, data={"x": "1"})

    assert response.status_code == 200
    sent = response.request
    assert sent.url is not None
    where = urlsplit(sent.url).query if placement == "uri" else str(response.json()["body"])
    values = [v for k, v in parse_qsl(where) if k == "access_token"]
    assert session.token is not None
    assert values == [session.token["access_token"]]
    assert token["access_token"] not in str(sent.body) + sent.url


def test_a_failed_renewal_during_the_retry_raises_the_typed_error(server: TokenServer) -> None:
    session, token = revoked_session(server)
    server.fail_token_requests((400, {"error": "invalid_grant"}))

    with pytest.raises(OAuthError) as raised:
        session.get(server.api_url)

    assert raised.value.error == "invalid_grant"
    assert token["access_token"] not in str(raised.value)
    # Within the back-off after a failed renewal the failure stands; after it, the next
    # caller renews.
    with pytest.raises(OAuthError):
        session.get(server.api_url)
    session._client.source._clock = lambda: time.time() + MAX_BACKOFF_S
    assert session.get(server.api_url).status_code == 200


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ('Bearer error="invalid_token"', True),
        ('Bearer realm="api", error="invalid_token", error_description="expired"', True),
        ("bearer error=invalid_token", True),
        ('DPoP algs="ES256", error="invalid_token"', True),
        ('Basic realm="x", Bearer error="invalid_token"', True),
        ('Bearer error="insufficient_scope"', False),
        ('Bearer realm="api"', False),
        ('Basic realm="x", error="invalid_token"', False),
        ('Bearer error_description="not invalid_token", error="invalid_request"', False),
        ("", False),
    ],
)
def test_only_a_bearer_or_dpop_invalid_token_challenge_qualifies(
    header: str, expected: bool
) -> None:
    assert is_invalid_token_challenge(header) is expected


def _by_auth(kind: str, session: OAuth2Session, token: dict[str, Any]) -> requests.auth.AuthBase:
    if kind == "session.token_auth":
        return session.token_auth
    return OAuth2Auth(token, client=session)


@pytest.mark.parametrize("kind", ["session.token_auth", "OAuth2Auth(client=session)"])
def test_an_auth_on_a_plain_requests_call_renews_and_replays_once(
    server: TokenServer, kind: str
) -> None:
    session, token = revoked_session(server)
    auth = _by_auth(kind, session, token)

    response = requests.post(server.api_url, data=b"a=1", auth=auth, timeout=30)

    assert response.status_code == 200
    assert [r.status_code for r in response.history] == [401]
    assert server.snapshot().token_requests == 1
    assert server.snapshot().api_bodies == ["a=1"]
    sent = response.request.headers["Authorization"]
    assert sent != f"Bearer {token['access_token']}"
    assert sent == f"Bearer {auth.token['access_token']}"  # type: ignore[attr-defined]


@pytest.mark.parametrize("how", ["session", "session with token_auth", "requests"])
def test_a_replay_rejected_again_is_not_replayed_a_second_time(
    server: TokenServer, how: str
) -> None:
    session, _ = revoked_session(server)
    url = f"{server.url}/rejecting"
    # A first request through the session itself (renewing the revoked token), so the
    # session's own replay is in place when a token_auth replay comes back 401.
    assert session.get(server.api_url).status_code == 200
    before = server.snapshot()

    if how == "session":
        response = session.get(url)
    elif how == "session with token_auth":
        response = session.get(url, auth=session.token_auth)
    else:
        response = requests.get(url, auth=session.token_auth, timeout=30)

    assert response.status_code == 401
    assert [r.status_code for r in response.history] == [401]
    after = server.snapshot()
    assert after.token_requests - before.token_requests == 1
    assert after.api_calls - before.api_calls == 2


def test_a_401_after_a_redirect_on_the_same_origin_replays_the_first_request(
    server: TokenServer,
) -> None:
    session, token = revoked_session(server)

    response = session.post(f"{server.url}/redirect?to=/api", data=b"a=1")

    assert response.status_code == 200
    assert [r.status_code for r in response.history] == [307, 401, 307]
    assert server.snapshot().token_requests == 1
    assert server.snapshot().api_bodies == ["a=1"]
    assert session.token is not None
    assert session.token["access_token"] != token["access_token"]


def test_a_401_from_another_host_after_a_redirect_renews_nothing(server: TokenServer) -> None:
    session, token = revoked_session(server)
    # requests drops the Authorization header when a redirect changes the host, so the
    # other host's invalid_token says nothing about this token.
    elsewhere = server.api_url.replace("127.0.0.1", "localhost")

    response = session.get(f"{server.url}/redirect?to={elsewhere}")

    assert response.status_code == 401
    assert [r.status_code for r in response.history] == [307]
    assert server.snapshot().token_requests == 0
    assert session.token is not None
    assert session.token["access_token"] == token["access_token"]


def test_turning_the_retry_off_after_use_takes_effect(server: TokenServer) -> None:
    session, _ = revoked_session(server)
    assert session.get(server.api_url).status_code == 200
    server.revoke(session.token["access_token"])

    session.retry_on_invalid_token = False
    response = session.get(server.api_url)

    assert response.status_code == 401
    assert response.history == []
    assert server.snapshot().token_requests == 1
