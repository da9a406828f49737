"""The front channel: authorization URLs (RFC 6749 §4.1.1, RFC 7636) and callback checks.

Callbacks are checked ``iss`` and ``state`` first, then ``error``, then the code (api.md §9);
the tables below pair a callback with the error it must get.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from grantflow import (
    AuthorizationError,
    InsecureTransportError,
    InvalidResponseError,
    MismatchingStateError,
    OAuth2Session,
    OAuthError,
)
from grantflow._core._authorization import (
    build_authorization_url,
    implied_response_type,
    parse_callback,
    validate_callback,
)

AUTH_URL = "https://as.example/authorize"
REDIRECT = "https://app.example/cb"
ISSUER = "https://as.example"
UNRESERVED = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
URL_SAFE_22 = re.compile(r"^[A-Za-z0-9\-._~]{22,}$")


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query, keep_blank_values=True)


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@pytest.fixture
def session() -> Iterator[OAuth2Session]:
    s = OAuth2Session(
        "client-1", "secret", redirect_uri=REDIRECT, authorization_endpoint=AUTH_URL, issuer=ISSUER
    )
    yield s
    s.close()


# -- building the URL -------------------------------------------------------------------


def test_url_has_response_type_client_id_redirect_uri_and_state(session: OAuth2Session) -> None:
    url, state = session.create_authorization_url()
    q = query(url)
    assert url.startswith(AUTH_URL + "?")
    assert q["response_type"] == ["code"]
    assert q["client_id"] == ["client-1"]
    assert q["redirect_uri"] == [REDIRECT]
    assert q["state"] == [state]


def test_generated_state_has_at_least_128_bits(session: OAuth2Session) -> None:
    states = {session.create_authorization_url()[1] for _ in range(20)}
    assert len(states) == 20
    for state in states:
        assert URL_SAFE_22.match(state), state


def test_pkce_s256_is_on_by_default_and_the_verifier_is_remembered(
    session: OAuth2Session,
) -> None:
    url, state = session.create_authorization_url()
    q = query(url)
    record = session.authorization_request(state)
    verifier = record["code_verifier"]
    assert UNRESERVED.match(verifier)
    assert q["code_challenge_method"] == ["S256"]
    assert q["code_challenge"] == [s256(verifier)]
    assert verifier not in url


def test_code_challenge_method_none_turns_pkce_off() -> None:
    with OAuth2Session(
        "client-1",
        redirect_uri=REDIRECT,
        code_challenge_method=None,
        authorization_endpoint=AUTH_URL,
    ) as s:
        url, state = s.create_authorization_url()
        q = query(url)
        assert "code_challenge" not in q
        assert "code_challenge_method" not in q
        assert not s.authorization_request(state).get("code_verifier")


def test_given_verifier_is_used_and_remembered(session: OAuth2Session) -> None:
    verifier = "v" * 50
    url, state = session.create_authorization_url(code_verifier=verifier)
    assert query(url)["code_challenge"] == [s256(verifier)]
    assert session.authorization_request(state)["code_verifier"] == verifier


@pytest.mark.parametrize("response_type", ["token", "id_token", "id_token token"])
def test_no_pkce_for_response_types_without_code(
    session: OAuth2Session, response_type: str
) -> None:
    url, _ = session.create_authorization_url(response_type=response_type, scope="openid")
    assert "code_challenge" not in query(url)
    assert query(url)["response_type"] == [response_type]


@pytest.mark.parametrize("response_type", ["code", "code id_token", "code token"])
def test_pkce_for_response_types_with_code(session: OAuth2Session, response_type: str) -> None:
    url, _ = session.create_authorization_url(response_type=response_type, scope="openid")
    assert query(url)["code_challenge_method"] == ["S256"]


def test_given_state_is_used_and_remembered(session: OAuth2Session) -> None:
    url, state = session.create_authorization_url(state="my-state-value")
    assert state == "my-state-value"
    assert query(url)["state"] == ["my-state-value"]
    assert session.authorization_request("my-state-value")["state"] == "my-state-value"


def test_openid_scope_gets_a_remembered_nonce(session: OAuth2Session) -> None:
    url, state = session.create_authorization_url(scope="openid profile")
    nonce = query(url)["nonce"][0]
    assert URL_SAFE_22.match(nonce)
    assert session.authorization_request(state)["nonce"] == nonce


def test_openid_scope_given_as_a_list_gets_a_nonce() -> None:
    with OAuth2Session(
        "c",
        scope=["openid", "email"],
        redirect_uri=REDIRECT,
        authorization_endpoint=AUTH_URL,
        issuer=ISSUER,
    ) as s:
        url, _ = s.create_authorization_url()
        q = query(url)
        assert q["scope"] == ["openid email"]
        assert "nonce" in q


def test_plain_oauth_scope_gets_no_nonce(session: OAuth2Session) -> None:
    url, _ = session.create_authorization_url(scope="read write")
    assert "nonce" not in query(url)


def test_given_nonce_is_used(session: OAuth2Session) -> None:
    url, state = session.create_authorization_url(scope="openid", nonce="n-0123456789abcdefghijkl")
    assert query(url)["nonce"] == ["n-0123456789abcdefghijkl"]
    assert session.authorization_request(state)["nonce"] == "n-0123456789abcdefghijkl"


def test_nonces_and_states_differ_between_requests(session: OAuth2Session) -> None:
    first, _ = session.create_authorization_url(scope="openid")
    second, _ = session.create_authorization_url(scope="openid")
    assert query(first)["nonce"] != query(second)["nonce"]
    assert query(first)["state"] != query(second)["state"]


def test_extra_kwargs_become_query_parameters_and_lists_repeat(session: OAuth2Session) -> None:
    url, _ = session.create_authorization_url(
        prompt="consent", resource=["https://api1.example", "https://api2.example"]
    )
    q = query(url)
    assert q["prompt"] == ["consent"]
    assert q["resource"] == ["https://api1.example", "https://api2.example"]


def test_explicit_url_argument_wins_and_keeps_its_query() -> None:
    with OAuth2Session("c", redirect_uri=REDIRECT) as s:
        url, _ = s.create_authorization_url("https://other.example/auth?tenant=t1")
        assert url.startswith("https://other.example/auth?")
        assert query(url)["tenant"] == ["t1"]


def test_scope_list_is_space_joined_in_the_url() -> None:
    with OAuth2Session("c", scope=("a", "b"), authorization_endpoint=AUTH_URL) as s:
        url, _ = s.create_authorization_url()
        assert query(url)["scope"] == ["a b"]


def test_record_is_json_serialisable_and_complete(session: OAuth2Session) -> None:
    url, state = session.create_authorization_url(scope="openid", max_age=300)
    record = session.authorization_request(state)
    again = json.loads(json.dumps(record))
    assert again["redirect_uri"] == REDIRECT
    assert again["max_age"] == 300
    assert "code" in again["response_type"]
    assert again["nonce"] == query(url)["nonce"][0]
    assert again["code_verifier"]


def test_authorization_url_on_plain_http_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GRANTFLOW_INSECURE_TRANSPORT", raising=False)
    with OAuth2Session("c") as s, pytest.raises(InsecureTransportError):
        s.create_authorization_url("http://as.example/authorize")


def test_insecure_switch_allows_a_plain_http_authorization_url(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GRANTFLOW_INSECURE_TRANSPORT", "1")
    with OAuth2Session("c") as s:
        url, _ = s.create_authorization_url("http://as.example/authorize")
        assert url.startswith("http://as.example/authorize?")


def test_loopback_http_authorization_url_is_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GRANTFLOW_INSECURE_TRANSPORT", raising=False)
    with OAuth2Session("c") as s:
        url, _ = s.create_authorization_url("http://127.0.0.1:9/authorize")
        assert url.startswith("http://127.0.0.1:9/authorize?")


def test_no_authorization_endpoint_is_a_value_error() -> None:
    with OAuth2Session("c") as s, pytest.raises(ValueError, match="authorization_endpoint"):
        s.create_authorization_url()


def test_build_authorization_url_drops_none_and_repeats_lists() -> None:
    url = build_authorization_url(AUTH_URL, {"a": "1", "b": None, "c": ["x", "y"]})
    assert query(url) == {"a": ["1"], "c": ["x", "y"]}


# -- reading the callback -----------------------------------------------------------------

# (name, authorization response, parameters)
PARSE_ROWS: list[tuple[str, Any, dict[str, str]]] = [
    ("query", REDIRECT + "?code=c1&state=s1", {"code": "c1", "state": "s1"}),
    ("fragment", REDIRECT + "#access_token=a&state=s1", {"access_token": "a", "state": "s1"}),
    (
        "query_and_fragment",
        REDIRECT + "?iss=https%3A%2F%2Fas.example#code=c&state=s",
        {"iss": ISSUER, "code": "c", "state": "s"},
    ),
    ("form_post_dict", {"code": "c1", "state": "s1"}, {"code": "c1", "state": "s1"}),
    ("form_post_dict_of_lists", {"code": ["c1"], "state": ["s1"]}, {"code": "c1", "state": "s1"}),
    ("form_post_string", "code=c1&state=s1", {"code": "c1", "state": "s1"}),
    ("encoded_values", REDIRECT + "?code=a%2Bb%20c&state=x", {"code": "a+b c", "state": "x"}),
]


@pytest.mark.parametrize(
    ("response", "expected"), [r[1:] for r in PARSE_ROWS], ids=[r[0] for r in PARSE_ROWS]
)
def test_callback_parameters_come_from_query_fragment_or_form_post(
    response: Any, expected: dict[str, str]
) -> None:
    assert parse_callback(response) == expected


# (name, params, expected state, iss required, error class or None)
CHECK_ROWS: list[tuple[str, dict[str, str], str | None, bool, type[OAuthError] | None]] = [
    ("good", {"code": "c", "state": "s"}, "s", False, None),
    ("good_with_iss", {"code": "c", "state": "s", "iss": ISSUER}, "s", True, None),
    ("wrong_state", {"code": "c", "state": "t"}, "s", False, MismatchingStateError),
    ("missing_state", {"code": "c"}, "s", False, MismatchingStateError),
    ("empty_state", {"code": "c", "state": ""}, "s", False, MismatchingStateError),
    ("nothing_expected", {"code": "c", "state": "s"}, None, False, MismatchingStateError),
    ("state_prefix", {"code": "c", "state": "s"}, "s2", False, MismatchingStateError),
    (
        "error_with_good_state",
        {"error": "access_denied", "state": "s"},
        "s",
        False,
        AuthorizationError,
    ),
    (
        "error_with_wrong_state_is_state_first",
        {"error": "access_denied", "state": "x"},
        "s",
        False,
        MismatchingStateError,
    ),
    ("error_without_state", {"error": "access_denied"}, "s", False, MismatchingStateError),
    (
        "wrong_iss",
        {"code": "c", "state": "s", "iss": "https://evil.example"},
        "s",
        False,
        InvalidResponseError,
    ),
    (
        "wrong_iss_before_wrong_state",
        {"code": "c", "state": "x", "iss": "https://evil.example"},
        "s",
        False,
        InvalidResponseError,
    ),
    (
        "wrong_iss_before_error",
        {"error": "access_denied", "state": "s", "iss": "https://evil.example"},
        "s",
        False,
        InvalidResponseError,
    ),
    ("missing_required_iss", {"code": "c", "state": "s"}, "s", True, InvalidResponseError),
    (
        "present_iss_checked_even_if_not_required",
        {"code": "c", "state": "s", "iss": ISSUER + "/"},
        "s",
        False,
        InvalidResponseError,
    ),
]


@pytest.mark.parametrize(
    ("params", "expected_state", "iss_required", "error"),
    [r[1:] for r in CHECK_ROWS],
    ids=[r[0] for r in CHECK_ROWS],
)
def test_callback_checks_iss_and_state_then_error(
    params: dict[str, str],
    expected_state: str | None,
    iss_required: bool,
    error: type[OAuthError] | None,
) -> None:
    if error is None:
        callback = validate_callback(
            params, expected_state=expected_state, issuer=ISSUER, iss_required=iss_required
        )
        assert callback.code == params["code"]
        return
    with pytest.raises(error) as caught:
        validate_callback(
            params, expected_state=expected_state, issuer=ISSUER, iss_required=iss_required
        )
    assert type(caught.value) is error
    assert str(caught.value).strip()


def test_authorization_error_carries_the_servers_error_fields() -> None:
    params = {
        "error": "access_denied",
        "error_description": "the user said no",
        "error_uri": "https://as.example/e",
        "state": "s",
    }
    with pytest.raises(AuthorizationError) as caught:
        validate_callback(params, expected_state="s", issuer=None, iss_required=False)
    error = caught.value
    assert error.error == "access_denied"
    assert error.description == "the user said no"
    assert error.uri == "https://as.example/e"
    assert str(error) == "access_denied: the user said no"
    assert error.status_code is None


def test_state_error_message_shows_neither_state_nor_code() -> None:
    params = {"code": "C0DE-SECRET", "state": "ATTACKER-STATE"}
    with pytest.raises(MismatchingStateError) as caught:
        validate_callback(params, expected_state="REAL-STATE-1", issuer=None, iss_required=False)
    text = str(caught.value) + repr(caught.value)
    for value in ("C0DE-SECRET", "ATTACKER-STATE", "REAL-STATE-1"):
        assert value not in text


def test_validated_callback_repr_shows_no_code() -> None:
    callback = validate_callback(
        {"code": "C0DE-SECRET", "state": "s"}, expected_state="s", issuer=None, iss_required=False
    )
    assert "C0DE-SECRET" not in repr(callback)


def test_authorization_request_record_repr_shows_no_verifier(session: OAuth2Session) -> None:
    _, state = session.create_authorization_url()
    verifier = session.authorization_request(state)["code_verifier"]
    from grantflow._core._authorization import AuthorizationRequest

    record = AuthorizationRequest(state=state, response_type="code", code_verifier=verifier)
    assert verifier not in repr(record)


def test_unknown_state_record_is_a_grantflow_error_or_value_error(session: OAuth2Session) -> None:
    with pytest.raises((OAuthError, ValueError)) as caught:
        session.authorization_request("never-sent")
    assert "never-sent" not in str(caught.value) or isinstance(caught.value, ValueError)


def test_a_record_is_still_there_until_its_callback_arrives(session: OAuth2Session) -> None:
    _, state = session.create_authorization_url()
    first = session.authorization_request(state)
    assert session.authorization_request(state) == first


def test_missing_iss_is_accepted_when_a_front_channel_id_token_names_the_issuer() -> None:
    """oidc-provider omits iss next to an ID token; the ID token's signed iss is checked."""
    from grantflow._core._authorization import validate_callback

    params = {"state": "s", "code": "c", "id_token": "x.y.z"}
    callback = validate_callback(params, expected_state="s", issuer="https://as", iss_required=True)
    assert callback.code == "c"


def test_wrong_iss_is_refused_even_next_to_an_id_token() -> None:
    from grantflow._core._authorization import validate_callback
    from grantflow.errors import InvalidResponseError

    params = {"state": "s", "code": "c", "id_token": "x.y.z", "iss": "https://evil"}
    with pytest.raises(InvalidResponseError):
        validate_callback(params, expected_state="s", issuer="https://as", iss_required=True)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"code": "c", "state": "s"}, "code"),
        ({"id_token": "x.y.z"}, "id_token"),
        ({"id_token": "x.y.z", "access_token": "at"}, "id_token token"),
        ({"code": "c", "id_token": "x.y.z"}, "code id_token"),
        ({"code": "c", "access_token": "at"}, "code token"),
        ({"code": "c", "id_token": "x.y.z", "access_token": "at"}, "code id_token token"),
        ({"code": "", "state": "s"}, ""),
    ],
)
def test_the_response_type_a_callback_shows(params: dict[str, str], expected: str) -> None:
    assert implied_response_type(params) == expected
