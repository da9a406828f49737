"""Password, client credentials, extension grants and refresh, as they arrive on the wire."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from grantflow import MissingTokenError, OAuth2Session, OAuth2Token

from ._wire import Recorded, UpdateRecorder, WireServer, json_reply

TOKEN = {
    "access_token": "at-1",
    "token_type": "Bearer",
    "expires_in": 3600,
    "refresh_token": "rt-1",
}


@pytest.fixture
def session(wire: WireServer) -> Iterator[OAuth2Session]:
    wire.script("/token", json_reply(TOKEN))
    with OAuth2Session("client-1", "secret-1", token_endpoint=wire.url("/token")) as s:
        yield s


def test_password_grant_sends_username_password_and_scope(
    session: OAuth2Session, wire: WireServer
) -> None:
    token = session.fetch_token(username="alice", password="pa ss&word", scope=["read", "write"])
    sent = wire.last("/token")
    assert sent.field("grant_type") == "password"
    assert sent.field("username") == "alice"
    assert sent.field("password") == "pa ss&word"
    assert sent.field("scope") == "read write"
    assert sent.basic == ("client-1", "secret-1")
    assert token["access_token"] == "at-1"


def test_client_credentials_is_the_guess_without_code_or_password(
    session: OAuth2Session, wire: WireServer
) -> None:
    session.fetch_token()
    sent = wire.last("/token")
    assert sent.field("grant_type") == "client_credentials"
    assert sent.field("client_secret") is None
    assert sent.basic == ("client-1", "secret-1")


def test_session_scope_is_sent_with_client_credentials(wire: WireServer) -> None:
    wire.script("/token", json_reply(TOKEN))
    with OAuth2Session("c", "s", scope=["a", "b"], token_endpoint=wire.url("/token")) as s:
        s.fetch_token()
    assert wire.last("/token").field("scope") == "a b"


def test_explicit_url_argument_wins_over_the_endpoint(wire: WireServer) -> None:
    wire.script("/other-token", json_reply(TOKEN))
    with OAuth2Session("c", "s", token_endpoint=wire.url("/token")) as s:
        s.fetch_token(wire.url("/other-token"))
    assert len(wire.to("/other-token")) == 1
    assert wire.to("/token") == []


def test_extension_grant_by_uri_puts_extra_kwargs_in_the_form(
    session: OAuth2Session, wire: WireServer
) -> None:
    grant = "urn:ietf:params:oauth:grant-type:token-exchange"
    session.fetch_token(
        grant_type=grant,
        subject_token="subj-tok",
        subject_token_type="urn:ietf:params:oauth:token-type:access_token",
        resource=["https://api1.example", "https://api2.example"],
    )
    sent = wire.last("/token")
    assert sent.field("grant_type") == grant
    assert sent.field("subject_token") == "subj-tok"
    assert sent.form["resource"] == ["https://api1.example", "https://api2.example"]


def test_requests_options_are_not_put_in_the_form(session: OAuth2Session, wire: WireServer) -> None:
    session.fetch_token(timeout=5, verify=True, allow_redirects=False, audience="api")
    form = wire.last("/token").form
    for option in ("timeout", "verify", "allow_redirects"):
        assert option not in form
    assert form["audience"] == ["api"]


def test_headers_argument_is_sent(session: OAuth2Session, wire: WireServer) -> None:
    session.fetch_token(headers={"X-Request-Id": "r-1"})
    assert wire.last("/token").header("X-Request-Id") == "r-1"


def test_body_argument_is_kept_and_extended(session: OAuth2Session, wire: WireServer) -> None:
    session.fetch_token(body="custom=1")
    form = wire.last("/token").form
    assert form["custom"] == ["1"]
    assert form["grant_type"] == ["client_credentials"]


def test_method_get_sends_the_parameters_in_the_query(
    session: OAuth2Session, wire: WireServer
) -> None:
    session.fetch_token(method="GET", scope="read")
    sent = wire.last("/token")
    assert sent.method == "GET"
    assert sent.query["grant_type"] == ["client_credentials"]
    assert sent.query["scope"] == ["read"]
    assert sent.body == b""


def test_token_endpoint_requests_ask_for_json(session: OAuth2Session, wire: WireServer) -> None:
    session.fetch_token()
    assert "application/json" in (wire.last("/token").header("Accept") or "")


def test_fetch_access_token_does_what_fetch_token_does(
    session: OAuth2Session, wire: WireServer
) -> None:
    # functools.wraps on the method hides its bound self from mypy.
    token = session.fetch_access_token(username="alice", password="pw")  # type: ignore[call-arg]
    sent = wire.last("/token")
    assert sent.field("grant_type") == "password"
    assert sent.field("username") == "alice"
    assert token["access_token"] == "at-1"


def test_fetch_token_returns_an_oauth2_token_and_does_not_call_update_token(
    wire: WireServer,
) -> None:
    wire.script("/token", json_reply(TOKEN))
    updates = UpdateRecorder()
    with OAuth2Session("c", "s", token_endpoint=wire.url("/token"), update_token=updates) as s:
        token = s.fetch_token()
    assert isinstance(token, OAuth2Token)
    assert updates.calls == []


def test_token_endpoint_from_a_keyword_argument_named_token_endpoint(wire: WireServer) -> None:
    wire.script("/t", json_reply(TOKEN))
    with OAuth2Session("c", "s", token_endpoint=wire.url("/t")) as s:
        assert s.metadata["token_endpoint"] == wire.url("/t")
        s.fetch_token()
    assert len(wire.to("/t")) == 1


def test_no_token_endpoint_is_a_value_error_before_any_request(wire: WireServer) -> None:
    with OAuth2Session("c", "s") as s, pytest.raises(ValueError, match="token_endpoint"):
        s.fetch_token()
    assert wire.requests == []


# -- refresh -------------------------------------------------------------------------------------


def _refresh_session(wire: WireServer, updates: UpdateRecorder | None = None) -> OAuth2Session:
    return OAuth2Session(
        "client-1",
        "secret-1",
        token_endpoint=wire.url("/token"),
        token={"access_token": "old-at", "refresh_token": "old-rt", "expires_at": 100},
        update_token=updates,
    )


def test_refresh_sends_the_refresh_token_and_keeps_it_when_none_comes_back(
    wire: WireServer,
) -> None:
    wire.script("/token", json_reply({"access_token": "new-at", "expires_in": 60}))
    with _refresh_session(wire) as s:
        token = s.refresh_token()
        assert token["refresh_token"] == "old-rt"
        assert s.token is not None
        assert s.token["access_token"] == "new-at"
        assert s.token["refresh_token"] == "old-rt"
    sent = wire.last("/token")
    assert sent.field("grant_type") == "refresh_token"
    assert sent.field("refresh_token") == "old-rt"
    assert sent.basic == ("client-1", "secret-1")


def test_refresh_with_a_rotated_refresh_token_uses_the_new_one(wire: WireServer) -> None:
    wire.script("/token", json_reply({"access_token": "new-at", "refresh_token": "new-rt"}))
    with _refresh_session(wire) as s:
        assert s.refresh_token()["refresh_token"] == "new-rt"


def test_explicit_refresh_calls_update_token_with_the_old_refresh_token(wire: WireServer) -> None:
    wire.script("/token", json_reply({"access_token": "new-at"}))
    updates = UpdateRecorder()
    with _refresh_session(wire, updates) as s:
        token = s.refresh_token()
    assert len(updates.calls) == 1
    assert updates.calls[0]["token"] == token
    assert updates.calls[0]["refresh_token"] == "old-rt"


def test_refresh_token_argument_and_scope_are_sent(wire: WireServer) -> None:
    wire.script("/token", json_reply({"access_token": "new-at"}))
    with _refresh_session(wire) as s:
        s.refresh_token(wire.url("/token"), refresh_token="given-rt", scope=["a", "b"])
    sent = wire.last("/token")
    assert sent.field("refresh_token") == "given-rt"
    assert sent.field("scope") == "a b"


def test_refresh_without_a_refresh_token_is_a_typed_error_before_any_request(
    wire: WireServer,
) -> None:
    with (
        OAuth2Session(
            "c", "s", token_endpoint=wire.url("/token"), token={"access_token": "a"}
        ) as s,
        pytest.raises(MissingTokenError),
    ):
        s.refresh_token()
    assert wire.requests == []


def test_refresh_request_carries_no_bearer_token(wire: WireServer) -> None:
    wire.script("/token", json_reply({"access_token": "new-at"}))
    with _refresh_session(wire) as s:
        s.refresh_token()
    sent: Recorded = wire.last("/token")
    assert "old-at" not in (sent.header("Authorization") or "")
    assert "old-at" not in sent.body.decode()
