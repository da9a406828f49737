"""Constructor keyword arguments (api.md §2): requests attributes, metadata, defaults."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from grantflow import (
    AuthorizationError,
    InsecureTransportError,
    InvalidTokenError,
    MismatchingStateError,
    MissingTokenError,
    OAuth2Session,
    OAuthError,
)

from ._wire import WireServer, json_reply

TOKEN = {"access_token": "at", "token_type": "Bearer", "expires_in": 3600}


def test_requests_attributes_are_set_on_the_session() -> None:
    def hook(response: Any, **kwargs: Any) -> Any:
        return response

    proxies = {"https": "http://proxy.example:3128"}
    with OAuth2Session(
        "c",
        proxies=proxies,
        hooks={"response": [hook]},
        stream=True,
        verify="/path/to/ca.pem",
        cert=("/c.pem", "/k.pem"),
        max_redirects=3,
        trust_env=False,
    ) as s:
        assert s.proxies == proxies
        assert s.hooks["response"] == [hook]
        assert s.stream is True
        assert s.verify == "/path/to/ca.pem"
        assert s.cert == ("/c.pem", "/k.pem")
        assert s.max_redirects == 3
        assert s.trust_env is False
        for name in ("proxies", "hooks", "stream", "verify", "cert", "max_redirects"):
            assert name not in s.metadata


METADATA: dict[str, Any] = {
    "issuer": "https://as.example",
    "authorization_endpoint": "https://as.example/authorize",
    "token_endpoint": "https://as.example/token",
    "revocation_endpoint": "https://as.example/revoke",
    "introspection_endpoint": "https://as.example/introspect",
    "userinfo_endpoint": "https://as.example/userinfo",
    "jwks_uri": "https://as.example/jwks",
    "end_session_endpoint": "https://as.example/logout",
    "device_authorization_endpoint": "https://as.example/device",
    "pushed_authorization_request_endpoint": "https://as.example/par",
}


def test_every_other_keyword_is_server_metadata() -> None:
    with OAuth2Session("c", **METADATA) as s:
        for key, value in METADATA.items():
            assert s.metadata[key] == value


def test_authorization_defaults_from_the_constructor_go_into_the_url() -> None:
    with OAuth2Session(
        "c",
        redirect_uri="https://app.example/cb",
        authorization_endpoint="https://as.example/authorize",
        response_mode="form_post",
        prompt="login",
        login_hint="alice@example",
        max_age=120,
    ) as s:
        url, _ = s.create_authorization_url()
    q = parse_qs(urlsplit(url).query)
    assert q["response_mode"] == ["form_post"]
    assert q["prompt"] == ["login"]
    assert q["login_hint"] == ["alice@example"]
    assert q["max_age"] == ["120"]


def test_response_type_default_from_the_constructor() -> None:
    with OAuth2Session(
        "c", authorization_endpoint="https://as.example/authorize", response_type="token"
    ) as s:
        url, _ = s.create_authorization_url()
    q = parse_qs(urlsplit(url).query)
    assert q["response_type"] == ["token"]
    assert "code_challenge" not in q


def test_call_arguments_win_over_constructor_defaults() -> None:
    with OAuth2Session(
        "c", authorization_endpoint="https://as.example/authorize", prompt="login"
    ) as s:
        url, _ = s.create_authorization_url(prompt="none")
    assert parse_qs(urlsplit(url).query)["prompt"] == ["none"]


def test_cookies_option_is_sent_with_the_token_request(wire: WireServer) -> None:
    wire.script("/token", json_reply(TOKEN))
    with OAuth2Session("c", "s", token_endpoint=wire.url("/token")) as s:
        s.fetch_token(cookies={"affinity": "node-7"})
    sent = wire.last("/token")
    assert "affinity=node-7" in (sent.header("Cookie") or "")
    assert sent.field("cookies") is None


def test_session_proxies_apply_to_token_requests(wire: WireServer) -> None:
    # The recording server plays the proxy: an absolute-form request line arrives there.
    wire.script("/token", json_reply(TOKEN))
    with OAuth2Session(
        "c", "s", token_endpoint="http://127.0.0.2:9/token", proxies={"http": wire.base_url}
    ) as s:
        s.fetch_token()
    assert wire.last("/token").field("grant_type") == "client_credentials"


def test_session_requests_hooks_see_token_responses(wire: WireServer) -> None:
    wire.script("/token", json_reply(TOKEN))
    statuses: list[int] = []

    def hook(response: Any, **kwargs: Any) -> Any:
        statuses.append(response.status_code)
        return response

    with OAuth2Session(
        "c", "s", token_endpoint=wire.url("/token"), hooks={"response": [hook]}
    ) as s:
        s.fetch_token()
    assert statuses == [200]


def test_refresh_token_headers_argument_is_sent(wire: WireServer) -> None:
    wire.script("/token", json_reply(TOKEN))
    with OAuth2Session(
        "c",
        "s",
        token_endpoint=wire.url("/token"),
        token={"access_token": "a", "refresh_token": "rt"},
    ) as s:
        s.refresh_token(headers={"X-Trace": "t-1"})
    assert wire.last("/token").header("X-Trace") == "t-1"


# -- errors without a response -------------------------------------------------------------


@pytest.mark.parametrize(
    ("cls", "code"),
    [
        (MismatchingStateError, "mismatching_state"),
        (MissingTokenError, "missing_token"),
        (InvalidTokenError, "invalid_token"),
        (InsecureTransportError, "insecure_transport"),
    ],
)
def test_local_errors_have_no_status_and_print_their_code_alone(
    cls: type[OAuthError], code: str
) -> None:
    error = cls()
    assert error.status_code is None
    assert error.error == code
    assert str(error) == code
    assert error.description is None
    assert error.uri is None


def test_error_with_a_description_prints_code_colon_description() -> None:
    error = AuthorizationError("access_denied", "user said no", "https://as.example/e", 302)
    assert str(error) == "access_denied: user said no"
    assert error.error_description == "user said no"
    assert error.uri == "https://as.example/e"
    assert error.status_code == 302
