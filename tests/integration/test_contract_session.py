"""api.md §2 read literally: constructor kwargs, authorization defaults, and where each
``fetch_token`` kwarg ends up (requests or the form body), proved on the wire.

Complements test_session_options.py and test_session_grants.py, which cover the
options they name; these cover the rest of the lists api.md gives.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from grantflow import OAuth2Session

from ._tls import TLSFiles
from ._wire import WireServer, json_reply
from .test_session_options import METADATA

TOKEN = {"access_token": "at-c", "token_type": "Bearer", "expires_in": 3600}

# The endpoint names test_session_options checks, plus the two it leaves out.
METADATA_NAMES: dict[str, Any] = {
    **METADATA,
    "mtls_endpoint_aliases": {"token_endpoint": "https://mtls.as.example/token"},
    "server_metadata_url": "https://as.example/.well-known/openid-configuration",
}


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_every_metadata_name_of_the_list_is_kept_as_metadata() -> None:
    with OAuth2Session("c", **METADATA_NAMES) as s:
        for name, value in METADATA_NAMES.items():
            assert s.metadata[name] == value, name


def test_requests_attributes_do_not_become_metadata() -> None:
    with OAuth2Session("c", trust_env=False, max_redirects=2, stream=False) as s:
        assert s.trust_env is False
        assert s.max_redirects == 2
        assert s.stream is False
        assert not {"trust_env", "max_redirects", "stream"} & set(s.metadata)


def test_prompt_consent_and_response_mode_from_the_constructor_reach_the_url() -> None:
    with OAuth2Session(
        "c",
        authorization_endpoint="https://as.example/authorize",
        prompt="consent",
        response_mode="query",
    ) as s:
        url, _ = s.create_authorization_url()
    assert _query(url)["prompt"] == ["consent"]
    assert _query(url)["response_mode"] == ["query"]


def test_nonce_from_the_constructor_is_sent_and_remembered() -> None:
    nonce = "n-constructor-0123456789abcdef"
    with OAuth2Session(
        "c",
        scope="openid",
        authorization_endpoint="https://as.example/authorize",
        issuer="https://as.example",
        nonce=nonce,
    ) as s:
        url, state = s.create_authorization_url()
        assert _query(url)["nonce"] == [nonce]
        assert s.authorization_request(state)["nonce"] == nonce


def test_max_age_from_the_constructor_is_remembered_with_the_request() -> None:
    with OAuth2Session(
        "c",
        scope="openid",
        authorization_endpoint="https://as.example/authorize",
        issuer="https://as.example",
        max_age=90,
    ) as s:
        _, state = s.create_authorization_url()
        assert int(s.authorization_request(state)["max_age"]) == 90


def test_login_hint_from_the_constructor_reaches_the_url() -> None:
    with OAuth2Session(
        "c", authorization_endpoint="https://as.example/authorize", login_hint="bob@example"
    ) as s:
        url, _ = s.create_authorization_url()
    assert _query(url)["login_hint"] == ["bob@example"]


def test_grant_type_from_the_constructor_is_the_grant_fetch_token_uses(wire: WireServer) -> None:
    grant = "urn:ietf:params:oauth:grant-type:token-exchange"
    wire.script("/token", json_reply(TOKEN))
    with OAuth2Session("c", "s", token_endpoint=wire.url("/token"), grant_type=grant) as s:
        s.fetch_token(subject_token="st", subject_token_type="urn:x")
    sent = wire.last("/token")
    assert sent.field("grant_type") == grant
    assert sent.field("subject_token") == "st"


@pytest.mark.parametrize("scope", [("a", "b"), ["a", "b"], {"a", "b"}])
def test_scope_as_a_tuple_list_or_set_is_joined_with_spaces(scope: Any) -> None:
    with OAuth2Session("c", scope=scope, authorization_endpoint="https://as.example/a") as s:
        url, _ = s.create_authorization_url()
    assert sorted(_query(url)["scope"][0].split(" ")) == ["a", "b"]


def test_explicit_url_argument_of_create_authorization_url_is_used() -> None:
    with OAuth2Session("c", authorization_endpoint="https://as.example/a") as s:
        url, state = s.create_authorization_url("https://other.example/authz", "s" * 30)
    assert url.startswith("https://other.example/authz?")
    assert state == "s" * 30
    assert _query(url)["state"] == [state]


def test_given_code_verifier_is_the_one_sent_with_the_code(wire: WireServer) -> None:
    verifier = "v" * 50
    wire.script("/token", json_reply(TOKEN))
    with OAuth2Session(
        "c",
        redirect_uri="https://app.example/cb",
        authorization_endpoint="https://as.example/a",
        token_endpoint=wire.url("/token"),
    ) as s:
        _, state = s.create_authorization_url(code_verifier=verifier)
        s.fetch_token(authorization_response=f"https://app.example/cb?code=k&state={state}")
    assert wire.last("/token").field("code_verifier") == verifier


# -- fetch_token: requests options go to requests --------------------------------------------


@pytest.fixture
def token_wire(wire: WireServer) -> WireServer:
    wire.script("/token", json_reply(TOKEN))
    return wire


def _assert_not_in_form(wire: WireServer, *names: str) -> None:
    sent = wire.last("/token")
    for name in names:
        assert name not in sent.form, name
        assert name not in sent.query, name


def test_fetch_token_verify_option_reaches_requests(
    https_wire: WireServer, tls_files: TLSFiles
) -> None:
    https_wire.script("/token", json_reply(TOKEN))
    with OAuth2Session("c", "s", token_endpoint=https_wire.url("/token")) as s:
        with pytest.raises(requests.exceptions.SSLError):
            s.fetch_token()
        token = s.fetch_token(verify=tls_files.ca_file)
    assert token["access_token"] == "at-c"
    _assert_not_in_form(https_wire, "verify")


def test_fetch_token_cert_option_presents_the_client_certificate(
    tls_wire: WireServer, tls_files: TLSFiles
) -> None:
    tls_wire.script("/token", json_reply(TOKEN))
    with OAuth2Session("c", "s", token_endpoint=tls_wire.url("/token")) as s:
        s.fetch_token(verify=tls_files.ca_file, cert=tls_files.client_pair)
    sent = tls_wire.last("/token")
    assert sent.peer_cert is not None
    _assert_not_in_form(tls_wire, "cert", "verify")


def test_fetch_token_proxies_option_sends_through_the_proxy(token_wire: WireServer) -> None:
    with OAuth2Session("c", "s", token_endpoint="http://127.0.0.2:9/token") as s:
        s.fetch_token(proxies={"http": token_wire.base_url})
    assert token_wire.last("/token").field("grant_type") == "client_credentials"
    _assert_not_in_form(token_wire, "proxies")


def test_fetch_token_stream_timeout_and_json_options_are_not_form_fields(
    token_wire: WireServer,
) -> None:
    with OAuth2Session("c", "s", token_endpoint=token_wire.url("/token")) as s:
        token = s.fetch_token(stream=True, timeout=(5, 5), json={"x": 1}, audience="api")
    assert token["access_token"] == "at-c"
    _assert_not_in_form(token_wire, "stream", "timeout", "json", "x")
    assert token_wire.last("/token").field("audience") == "api"


def test_fetch_token_files_option_reaches_requests(token_wire: WireServer) -> None:
    with OAuth2Session("c", "s", token_endpoint=token_wire.url("/token")) as s:
        s.fetch_token(files={"evidence": ("e.txt", b"file-content-7")})
    sent = token_wire.last("/token")
    assert (sent.header("Content-Type") or "").startswith("multipart/form-data")
    assert b"file-content-7" in sent.body
    assert b"client_credentials" in sent.body


def test_fetch_token_other_kwargs_go_into_the_form(token_wire: WireServer) -> None:
    with OAuth2Session("c", "s", token_endpoint=token_wire.url("/token")) as s:
        s.fetch_token(resource="https://api.example", audience="api", custom_param="1")
    sent = token_wire.last("/token")
    assert sent.field("resource") == "https://api.example"
    assert sent.field("audience") == "api"
    assert sent.field("custom_param") == "1"


def test_fetch_token_method_get_with_password_sends_no_body(token_wire: WireServer) -> None:
    with OAuth2Session("c", "s", token_endpoint=token_wire.url("/token")) as s:
        s.fetch_token(method="GET", username="alice", password="pw")
    sent = token_wire.last("/token")
    assert sent.method == "GET"
    assert sent.query["grant_type"] == ["password"]
    assert sent.query["username"] == ["alice"]
    assert sent.body == b""


# -- create_authorization_url: PKCE by response type, entropy ---------------------------------

_UNRESERVED = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_URL_SAFE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@pytest.mark.parametrize(
    ("response_type", "pkce"),
    [("code", True), ("code id_token", True), ("id_token token", False), ("token", False)],
)
def test_pkce_is_added_exactly_when_the_response_type_contains_code(
    response_type: str, pkce: bool
) -> None:
    with OAuth2Session(
        "c",
        scope="openid",
        authorization_endpoint="https://as.example/authorize",
        issuer="https://as.example",
    ) as s:
        url, state = s.create_authorization_url(response_type=response_type)
        record = s.authorization_request(state)
    query = _query(url)
    assert ("code_challenge" in query) is pkce
    assert (query.get("code_challenge_method") == ["S256"]) is pkce
    assert bool(record.get("code_verifier")) is pkce


def test_state_nonce_and_verifier_the_session_generates_meet_the_entropy_rule() -> None:
    with OAuth2Session(
        "c",
        scope="openid",
        authorization_endpoint="https://as.example/authorize",
        issuer="https://as.example",
    ) as s:
        url, state = s.create_authorization_url()
        record = s.authorization_request(state)
    nonce, verifier = _query(url)["nonce"][0], record["code_verifier"]
    for value in (state, nonce):
        assert len(value) >= 22
        assert set(value) <= _URL_SAFE
    assert 43 <= len(verifier) <= 128
    assert set(verifier) <= _UNRESERVED
    assert record["nonce"] == nonce
