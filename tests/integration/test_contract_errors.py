"""api.md §4 and §8 read literally, plus the §9 bullets on errors and insecure transport
that the session tests leave out: every error's attributes and message as a server or a
callback produces them, ``expires_at`` always an int, loopback in all its spellings.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest

from grantflow import (
    AuthorizationError,
    InsecureTransportError,
    InvalidResponseError,
    InvalidTokenError,
    MismatchingStateError,
    MissingTokenError,
    OAuth2Session,
    OAuth2Token,
    OAuthError,
    UnsupportedTokenTypeError,
)

from ._wire import WireServer, json_reply, text_reply
from .test_session_errors import Canned

REDIRECT = "https://app.example/cb"
SECRET = "contract-secret-5f1e"


@pytest.fixture
def session(wire: WireServer) -> Iterator[OAuth2Session]:
    with OAuth2Session(
        "c",
        SECRET,
        redirect_uri=REDIRECT,
        authorization_endpoint="https://as.example/authorize",
        token_endpoint=wire.url("/token"),
    ) as s:
        yield s


def _assert_message(error: OAuthError) -> None:
    """``str(e)`` is "{error}: {description}", or the error alone without a description."""
    assert error.error
    if error.description:
        assert str(error) == f"{error.error}: {error.description}"
    else:
        assert str(error) == error.error
    assert error.error_description == error.description


# -- §8: attributes as the server sets them ---------------------------------------------------


@pytest.mark.parametrize("status", [200, 400, 401, 500])
def test_oauth_error_body_at_any_status_carries_every_attribute(
    session: OAuth2Session, wire: WireServer, status: int
) -> None:
    body = {"error": "invalid_client", "error_description": "no such client", "error_uri": "u:e"}
    wire.script("/token", json_reply(body, status))
    with pytest.raises(OAuthError) as caught:
        session.fetch_token()
    error = caught.value
    assert type(error) is OAuthError
    assert (error.error, error.description, error.uri) == (
        "invalid_client",
        "no such client",
        "u:e",
    )
    assert error.status_code == status
    assert str(error) == "invalid_client: no such client"
    assert SECRET not in str(error)


def test_oauth_error_without_description_prints_the_error_alone(
    session: OAuth2Session, wire: WireServer
) -> None:
    wire.script("/token", json_reply({"error": "invalid_scope"}, 400))
    with pytest.raises(OAuthError) as caught:
        session.fetch_token()
    assert str(caught.value) == "invalid_scope"
    assert caught.value.description is None
    assert caught.value.error_description is None
    assert caught.value.uri is None


@pytest.mark.parametrize(
    "reply",
    [
        text_reply("<html>bad gateway</html>", 502),
        text_reply("<html>ok</html>", 200),
        json_reply(["not", "an", "object"], 200),
        json_reply({"token_type": "Bearer"}, 200),
    ],
    ids=["html-502", "html-200", "json-array", "no-access-token"],
)
def test_a_token_answer_that_breaks_the_spec_is_invalid_response_with_status(
    session: OAuth2Session, wire: WireServer, reply: Any
) -> None:
    wire.script("/token", reply)
    with pytest.raises(InvalidResponseError) as caught:
        session.fetch_token()
    assert caught.value.status_code == reply.status
    _assert_message(caught.value)


def test_callback_error_is_an_authorization_error_with_description_and_uri(
    session: OAuth2Session,
) -> None:
    _, state = session.create_authorization_url()
    params = {
        "error": "access_denied",
        "error_description": "user said no",
        "error_uri": "https://as.example/why",
        "state": state,
    }
    with pytest.raises(AuthorizationError) as caught:
        session.fetch_token(authorization_response=REDIRECT + "?" + urlencode(params))
    error = caught.value
    assert (error.error, error.description, error.uri) == (
        "access_denied",
        "user said no",
        "https://as.example/why",
    )
    assert error.status_code is None
    assert str(error) == "access_denied: user said no"


def test_mismatching_state_has_no_status_and_the_documented_message_shape(
    session: OAuth2Session,
) -> None:
    session.create_authorization_url()
    with pytest.raises(MismatchingStateError) as caught:
        session.fetch_token(authorization_response=REDIRECT + "?code=k&state=" + "x" * 30)
    assert caught.value.status_code is None
    _assert_message(caught.value)


def test_unsupported_token_type_from_a_session_token(wire: WireServer) -> None:
    wire.script("/api", json_reply({}))
    with (
        OAuth2Session("c", token={"access_token": "mac-at", "token_type": "MAC"}) as s,
        pytest.raises(UnsupportedTokenTypeError) as caught,
    ):
        s.get(wire.url("/api"))
    assert caught.value.status_code is None
    assert "mac-at" not in str(caught.value)
    _assert_message(caught.value)
    assert wire.to("/api") == []


def test_expired_token_without_renewal_is_invalid_token_with_no_status(wire: WireServer) -> None:
    expired = {"access_token": "old-at", "token_type": "Bearer", "expires_at": 1000}
    with (
        OAuth2Session("c", token=expired) as s,
        pytest.raises(InvalidTokenError) as caught,
    ):
        s.get(wire.url("/api"))
    assert caught.value.status_code is None
    assert "old-at" not in str(caught.value)
    _assert_message(caught.value)


def test_no_token_is_missing_token_with_no_status(wire: WireServer) -> None:
    with OAuth2Session("c") as s, pytest.raises(MissingTokenError) as caught:
        s.get(wire.url("/api"))
    assert caught.value.status_code is None
    _assert_message(caught.value)


# -- §4: OAuth2Token ----------------------------------------------------------------------------


@pytest.mark.parametrize("given", [1_900_000_000.75, "1900000000", 1_900_000_000])
def test_expires_at_is_always_an_int(given: Any) -> None:
    token = OAuth2Token({"access_token": "a", "expires_at": given})
    assert token["expires_at"] == 1_900_000_000
    assert type(token["expires_at"]) is int
    assert token.is_expired() is False


def test_expires_in_with_a_fraction_gives_an_int_expires_at() -> None:
    issued = 1_700_000_000
    token = OAuth2Token({"access_token": "a", "expires_in": 30.5}, now=issued)
    assert type(token["expires_at"]) is int
    # The default 60 s leeway is capped at half the token's life (issue 18.7): a 30.5 s
    # token is not due on arrival, and is due once half its life has passed.
    assert token.is_expired(now=issued) is False
    assert token.is_expired(now=issued + 16) is True
    assert token.is_expired(0, now=issued + 16) is False


def test_is_expired_is_none_for_a_token_from_dict_without_expiry() -> None:
    assert OAuth2Token.from_dict({"access_token": "a"}).is_expired() is None


# -- §9: insecure transport -------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/token",
        "http://127.8.9.10/token",
        "http://localhost/token",
        "http://[::1]:9/token",
    ],
)
def test_plain_http_to_any_loopback_spelling_is_allowed(url: str) -> None:
    adapter = Canned()
    with OAuth2Session("c", "s", token_endpoint=url) as s:
        s.mount("http://", adapter)
        assert s.fetch_token()["access_token"] == "a"
    assert adapter.urls == [url]


@pytest.mark.parametrize("endpoint", ["userinfo_endpoint", "jwks_uri"])
def test_plain_http_userinfo_and_jwks_are_refused_before_sending(endpoint: str) -> None:
    adapter = Canned()
    metadata: dict[str, Any] = {
        "userinfo_endpoint": "https://as.example/userinfo",
        "jwks_uri": "https://as.example/jwks",
        endpoint: "http://as.example/plain",
    }
    with OAuth2Session(
        "c",
        token={"access_token": "at", "token_type": "Bearer"},
        issuer="https://as.example",
        **metadata,
    ) as s:
        s.mount("http://", adapter)
        with pytest.raises(InsecureTransportError) as caught:
            if endpoint == "jwks_uri":
                s.fetch_jwk_set()
            else:
                s.userinfo()
    assert adapter.urls == []
    assert caught.value.status_code is None
    assert "GRANTFLOW_INSECURE_TRANSPORT" in str(caught.value)
