"""What bad input gets: a typed error a person can act on, the old token kept, no secret shown.

Every row is a real answer from a real server on 127.0.0.1.
"""

from __future__ import annotations

import io
import logging
import warnings
from typing import Any

import pytest
import requests

from grantflow import (
    InsecureTransportError,
    InvalidResponseError,
    OAuth2Session,
    OAuthError,
)

from ._wire import Reply, WireServer, free_port, json_reply, text_reply

PAST = 100
SECRET = "client-secret-XYZ"
OLD = {"access_token": "old-at-SECRET", "refresh_token": "old-rt-SECRET", "expires_at": PAST}
SECRETS = (SECRET, "old-at-SECRET", "old-rt-SECRET", "leaked-at-SECRET")

# (name, reply, error class, status code, error code)
BAD_REPLIES: list[tuple[str, Reply, type[OAuthError], int, str | None]] = [
    ("html_200", text_reply("<html>login page</html>"), InvalidResponseError, 200, None),
    ("html_502", text_reply("<html>Bad Gateway</html>", 502), InvalidResponseError, 502, None),
    (
        "json_array",
        json_reply([{"access_token": "leaked-at-SECRET"}]),
        InvalidResponseError,
        200,
        None,
    ),
    ("no_access_token", json_reply({"token_type": "Bearer"}), InvalidResponseError, 200, None),
    ("error_with_200", json_reply({"error": "invalid_grant"}), OAuthError, 200, "invalid_grant"),
    (
        "error_400",
        json_reply({"error": "invalid_grant", "error_description": "expired"}, 400),
        OAuthError,
        400,
        "invalid_grant",
    ),
    ("error_401", json_reply({"error": "invalid_client"}, 401), OAuthError, 401, "invalid_client"),
    ("error_503", json_reply({"error": "temporarily_unavailable"}, 503), OAuthError, 503, None),
    (
        "plain_500",
        text_reply("Internal Server Error", 500, "text/plain"),
        InvalidResponseError,
        500,
        None,
    ),
    ("empty_500", Reply(500), InvalidResponseError, 500, None),
    ("empty_400", Reply(400), InvalidResponseError, 400, None),
    (
        "json_404_no_error",
        json_reply({"message": "not here"}, 404),
        InvalidResponseError,
        404,
        None,
    ),
    (
        "token_in_a_500",
        json_reply({"access_token": "leaked-at-SECRET"}, 500),
        InvalidResponseError,
        500,
        None,
    ),
]


def _assert_no_secret(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


def _error_texts(error: BaseException) -> list[str]:
    return [str(error), repr(error), *map(str, error.args)]


@pytest.mark.parametrize(
    ("reply", "error_class", "status", "code"),
    [r[1:] for r in BAD_REPLIES],
    ids=[r[0] for r in BAD_REPLIES],
)
def test_bad_refresh_answer_is_typed_and_the_old_token_is_kept(
    wire: WireServer,
    reply: Reply,
    error_class: type[OAuthError],
    status: int,
    code: str | None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    wire.script("/token", reply)
    wire.script("/api", json_reply({}))
    caplog.set_level(logging.DEBUG)
    with OAuth2Session("client-1", SECRET, token_endpoint=wire.url("/token"), token=OLD) as s:
        with pytest.raises(OAuthError) as caught:
            s.get(wire.url("/api"))
        assert s.token is not None
        assert s.token["access_token"] == "old-at-SECRET"
        assert s.token["refresh_token"] == "old-rt-SECRET"
    error = caught.value
    assert isinstance(error, error_class)
    if error_class is OAuthError:
        assert not isinstance(error, InvalidResponseError)
    assert error.status_code == status
    if code is not None:
        assert error.error == code
    _assert_no_secret(*_error_texts(error), caplog.text)
    assert wire.to("/api") == []


@pytest.mark.parametrize(
    ("reply", "error_class", "status"),
    [r[1:4] for r in BAD_REPLIES],
    ids=[r[0] for r in BAD_REPLIES],
)
def test_bad_fetch_answer_is_typed_and_the_old_token_is_kept(
    wire: WireServer, reply: Reply, error_class: type[OAuthError], status: int
) -> None:
    wire.script("/token", reply)
    with OAuth2Session("client-1", SECRET, token_endpoint=wire.url("/token"), token=OLD) as s:
        with pytest.raises(error_class) as caught:
            s.fetch_token(username="alice", password="pw-SECRET")
        assert s.token is not None
        assert s.token["access_token"] == "old-at-SECRET"
    assert caught.value.status_code == status
    _assert_no_secret(*_error_texts(caught.value), "pw-SECRET")
    assert "pw-SECRET" not in str(caught.value)


def test_oauth_error_message_is_error_colon_description(wire: WireServer) -> None:
    wire.script(
        "/token",
        json_reply({"error": "invalid_grant", "error_description": "code was used"}, 400),
    )
    with (
        OAuth2Session("c", "s", token_endpoint=wire.url("/token")) as s,
        pytest.raises(OAuthError) as caught,
    ):
        s.fetch_token(code="c")
    assert str(caught.value) == "invalid_grant: code was used"
    assert caught.value.error_description == "code was used"


@pytest.mark.parametrize(
    ("expires_in", "has_expiry"), [("3600", True), (3600, True), ("garbage", False), ("", False)]
)
def test_expires_in_as_string_or_garbage(
    wire: WireServer, expires_in: Any, has_expiry: bool
) -> None:
    wire.script(
        "/token", json_reply({"access_token": "leaked-at-SECRET", "expires_in": expires_in})
    )
    with (
        OAuth2Session("c", "s", token_endpoint=wire.url("/token")) as s,
        warnings.catch_warnings(record=True) as caught,
    ):
        warnings.simplefilter("always")
        token = s.fetch_token()
    assert ("expires_at" in token) is has_expiry
    if has_expiry:
        assert isinstance(token["expires_at"], int)
    else:
        assert caught
    _assert_no_secret(*(str(w.message) for w in caught))


def test_token_endpoint_redirect_is_not_followed(wire: WireServer) -> None:
    wire.script("/token", Reply(302, b"", {"Location": "/elsewhere"}))
    wire.script("/elsewhere", json_reply({"access_token": "leaked-at-SECRET"}))
    with OAuth2Session("c", SECRET, token_endpoint=wire.url("/token")) as s:
        with pytest.raises(OAuthError) as caught:
            s.fetch_token()
        assert s.token is None
    assert caught.value.status_code == 302
    assert wire.to("/elsewhere") == []


def test_token_endpoint_redirect_is_not_followed_even_when_asked(wire: WireServer) -> None:
    wire.script("/token", Reply(307, b"", {"Location": "/elsewhere"}))
    wire.script("/elsewhere", json_reply({"access_token": "x"}))
    with (
        OAuth2Session("c", SECRET, token_endpoint=wire.url("/token")) as s,
        pytest.raises(OAuthError),
    ):
        s.fetch_token(allow_redirects=True)
    assert wire.to("/elsewhere") == []


@pytest.mark.parametrize(
    ("size", "accepted"),
    [(1024 * 1024 - 100, True), (1024 * 1024 + 10, False)],
    ids=["just_under_one_mebibyte", "just_over_one_mebibyte"],
)
def test_token_endpoint_body_is_read_up_to_one_mebibyte(
    wire: WireServer, size: int, accepted: bool
) -> None:
    body = f'{{"access_token":"a","pad":"{"x" * size}"}}'.encode()
    wire.script("/token", Reply(200, body, {"Content-Type": "application/json"}))
    with OAuth2Session("c", "s", token_endpoint=wire.url("/token")) as s:
        if accepted:
            assert s.fetch_token()["access_token"] == "a"
        else:
            with pytest.raises(InvalidResponseError):
                s.fetch_token()
            assert s.token is None


def test_connection_refused_stays_a_requests_exception() -> None:
    url = f"http://127.0.0.1:{free_port()}/token"
    with OAuth2Session("c", "s", token_endpoint=url) as s:
        with pytest.raises(requests.ConnectionError):
            s.fetch_token()
        assert s.token is None


# -- insecure transport -----------------------------------------------------------------------


class Canned(requests.adapters.HTTPAdapter):
    """An adapter that answers locally: plain-HTTP hosts without a network."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        self.urls.append(request.url or "")
        response = requests.Response()
        response.status_code = 200
        response.headers["Content-Type"] = "application/json"
        response.raw = io.BytesIO(b'{"access_token": "a", "token_type": "Bearer"}')
        response.url = request.url or ""
        response.request = request
        return response


@pytest.mark.parametrize(
    "url", ["http://as.example/token", "http://10.1.2.3/token", "http://[2001:db8::1]/token"]
)
def test_plain_http_token_endpoint_off_loopback_is_refused_before_sending(url: str) -> None:
    adapter = Canned()
    with OAuth2Session("c", SECRET, token_endpoint=url) as s:
        s.mount("http://", adapter)
        with pytest.raises(InsecureTransportError) as caught:
            s.fetch_token()
    assert adapter.urls == []
    assert "GRANTFLOW_INSECURE_TRANSPORT" in str(caught.value)
    _assert_no_secret(str(caught.value))


def test_insecure_transport_switch_is_read_at_request_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    adapter = Canned()
    with OAuth2Session("c", SECRET, token_endpoint="http://as.example/token") as s:
        s.mount("http://", adapter)
        monkeypatch.setenv("GRANTFLOW_INSECURE_TRANSPORT", "1")
        assert s.fetch_token()["access_token"] == "a"
        monkeypatch.delenv("GRANTFLOW_INSECURE_TRANSPORT")
        with pytest.raises(InsecureTransportError):
            s.fetch_token()
    assert adapter.urls == ["http://as.example/token"]


@pytest.mark.parametrize("name", ["revoke_token", "introspect_token"])
def test_plain_http_revocation_and_introspection_are_refused(name: str) -> None:
    adapter = Canned()
    with OAuth2Session(
        "c",
        SECRET,
        token={"access_token": "at"},
        revocation_endpoint="http://as.example/revoke",
        introspection_endpoint="http://as.example/introspect",
    ) as s:
        s.mount("http://", adapter)
        with pytest.raises(InsecureTransportError):
            getattr(s, name)()
    assert adapter.urls == []


def test_plain_http_resource_url_is_the_callers_business() -> None:
    adapter = Canned()
    with OAuth2Session("c", token={"access_token": "at"}) as s:
        s.mount("http://", adapter)
        s.get("http://api.example/data")
    assert adapter.urls == ["http://api.example/data"]


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
def test_plain_http_on_loopback_is_allowed(wire: WireServer, host: str) -> None:
    wire.script("/token", json_reply({"access_token": "a"}))
    url = f"http://{host}:{wire.port}/token"
    with OAuth2Session("c", "s", token_endpoint=url) as s:
        assert s.fetch_token()["access_token"] == "a"


# -- programming mistakes ----------------------------------------------------------------------


def test_unknown_auth_method_name_is_a_value_error_listing_known_names_before_sending(
    wire: WireServer,
) -> None:
    wire.script("/token", json_reply({"access_token": "a"}))
    with (
        OAuth2Session(
            "c",
            "s",
            token_endpoint=wire.url("/token"),
            token_endpoint_auth_method="client_secret_bogus",
        ) as s,
        pytest.raises(ValueError) as caught,
    ):
        s.fetch_token()
    text = str(caught.value)
    for known in ("client_secret_basic", "client_secret_post", "none", "private_key_jwt"):
        assert known in text
    assert "client_secret_bogus" in text
    assert wire.requests == []


def test_unknown_revocation_auth_method_is_a_value_error_before_sending(wire: WireServer) -> None:
    with (
        OAuth2Session(
            "c",
            "s",
            token={"access_token": "a"},
            revocation_endpoint=wire.url("/revoke"),
            revocation_endpoint_auth_method="nope",
        ) as s,
        pytest.raises(ValueError, match="client_secret_basic"),
    ):
        s.revoke_token()
    assert wire.requests == []


@pytest.mark.parametrize("placement", ["headers", "query", "", "HEADER"])
def test_unknown_token_placement_is_a_value_error(placement: str) -> None:
    with pytest.raises(ValueError, match="header"):
        OAuth2Session("c", token_placement=placement)


def test_unknown_hook_type_is_a_value_error_naming_the_valid_ones() -> None:
    with OAuth2Session("c") as s, pytest.raises(ValueError) as caught:
        s.register_compliance_hook("access_token_reponse", lambda r: r)
    for valid in (
        "access_token_request",
        "access_token_response",
        "refresh_token_request",
        "refresh_token_response",
        "revoke_token_request",
        "introspect_token_request",
        "protected_request",
    ):
        assert valid in str(caught.value)


def test_no_secret_in_logs_of_a_whole_session(
    wire: WireServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wire.script(
        "/token",
        json_reply(
            {
                "access_token": "leaked-at-SECRET",
                "refresh_token": "old-rt-SECRET",
                "expires_in": 3600,
            }
        ),
    )
    wire.script("/api", json_reply({}))
    with OAuth2Session("c", SECRET, token_endpoint=wire.url("/token")) as s:
        s.fetch_token(username="u", password="pw-SECRET")
        s.get(wire.url("/api"))
        text = repr(s) + repr(s.token) + repr(s.token_auth) + caplog.text
    _assert_no_secret(text)
    assert "pw-SECRET" not in text


def test_network_error_on_a_get_token_request_shows_no_secret() -> None:
    url = f"http://127.0.0.1:{free_port()}/token"
    with (
        OAuth2Session(
            "c", SECRET, token_endpoint=url, token_endpoint_auth_method="client_secret_post"
        ) as s,
        pytest.raises(requests.ConnectionError) as caught,
    ):
        s.fetch_token(method="GET", username="u", password="pw-SECRET")
    _assert_no_secret(*_error_texts(caught.value))
    assert "pw-SECRET" not in str(caught.value)


def test_network_error_on_a_resource_request_with_the_token_in_the_uri_shows_no_token() -> None:
    url = f"http://127.0.0.1:{free_port()}/api"
    with (
        OAuth2Session("c", token={"access_token": "leaked-at-SECRET"}, token_placement="uri") as s,
        pytest.raises(requests.ConnectionError) as caught,
    ):
        s.get(url)
    _assert_no_secret(*_error_texts(caught.value))


def test_network_error_on_a_post_token_request_shows_no_secret() -> None:
    url = f"http://127.0.0.1:{free_port()}/token"
    with (
        OAuth2Session(
            "c", SECRET, token_endpoint=url, token_endpoint_auth_method="client_secret_post"
        ) as s,
        pytest.raises(requests.ConnectionError) as caught,
    ):
        s.fetch_token(username="u", password="pw-SECRET")
    _assert_no_secret(*_error_texts(caught.value))
    assert "pw-SECRET" not in str(caught.value)


def test_plain_http_discovery_url_is_refused_before_sending() -> None:
    adapter = Canned()
    with OAuth2Session(
        "c", server_metadata_url="http://as.example/.well-known/openid-configuration"
    ) as s:
        s.mount("http://", adapter)
        with pytest.raises(InsecureTransportError):
            s.load_server_metadata()
    assert adapter.urls == []


def test_token_request_drops_an_authorization_header_set_on_the_session(wire: WireServer) -> None:
    wire.script("/token", json_reply({"access_token": "a"}))
    with OAuth2Session(
        "c", token_endpoint=wire.url("/token"), token_endpoint_auth_method="none"
    ) as s:
        s.headers["Authorization"] = "Bearer leaked-at-SECRET"
        s.fetch_token()
    assert wire.last("/token").header("Authorization") is None
