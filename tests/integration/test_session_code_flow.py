"""The authorization code flow against a recording server: what goes on the wire, and when
nothing may (api.md §2 ``fetch_token``, §9 outstanding requests and callback order)."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from grantflow import (
    AuthorizationError,
    InvalidResponseError,
    MismatchingStateError,
    OAuth2Session,
    OAuth2Token,
    OAuthError,
)

from ._wire import WireServer, json_reply

REDIRECT = "https://app.example/cb"
TOKEN = {
    "access_token": "at-1",
    "token_type": "Bearer",
    "expires_in": 3600,
    "refresh_token": "rt-1",
}


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def callback(**params: str) -> str:
    return REDIRECT + "?" + urlencode(params)


@pytest.fixture
def session(wire: WireServer) -> Iterator[OAuth2Session]:
    wire.script("/token", json_reply(TOKEN))
    with OAuth2Session(
        "client-1",
        "secret-1",
        redirect_uri=REDIRECT,
        authorization_endpoint=wire.url("/authorize"),
        token_endpoint=wire.url("/token"),
    ) as s:
        yield s


def test_code_exchange_sends_code_redirect_uri_and_the_remembered_verifier(
    session: OAuth2Session, wire: WireServer
) -> None:
    url, state = session.create_authorization_url()
    challenge = parse_qs(urlsplit(url).query)["code_challenge"][0]
    token = session.fetch_token(authorization_response=callback(code="code-1", state=state))
    sent = wire.last("/token")
    assert sent.method == "POST"
    assert sent.field("grant_type") == "authorization_code"
    assert sent.field("code") == "code-1"
    assert sent.field("redirect_uri") == REDIRECT
    verifier = sent.field("code_verifier")
    assert verifier is not None
    assert s256(verifier) == challenge
    assert sent.basic == ("client-1", "secret-1")
    assert (sent.header("Content-Type") or "").startswith("application/x-www-form-urlencoded")
    assert isinstance(token, OAuth2Token)
    assert token["access_token"] == "at-1"
    assert session.token == token


def test_code_exchange_without_pkce_sends_no_verifier(wire: WireServer) -> None:
    wire.script("/token", json_reply(TOKEN))
    with OAuth2Session(
        "client-1",
        redirect_uri=REDIRECT,
        code_challenge_method=None,
        authorization_endpoint=wire.url("/authorize"),
        token_endpoint=wire.url("/token"),
    ) as s:
        _, state = s.create_authorization_url()
        s.fetch_token(authorization_response=callback(code="c", state=state))
    sent = wire.last("/token")
    assert sent.field("code_verifier") is None
    assert sent.field("client_id") == "client-1"
    assert sent.basic is None


# (name, callback parameters with "{state}" for the request's state, error)
REJECTED: list[tuple[str, dict[str, str], type[OAuthError]]] = [
    ("wrong_state", {"code": "c", "state": "forged-state"}, MismatchingStateError),
    ("missing_state", {"code": "c"}, MismatchingStateError),
    ("empty_state", {"code": "c", "state": ""}, MismatchingStateError),
    ("error_with_wrong_state", {"error": "access_denied", "state": "x"}, MismatchingStateError),
    ("error_without_state", {"error": "access_denied"}, MismatchingStateError),
    ("error_with_right_state", {"error": "access_denied", "state": "{state}"}, AuthorizationError),
    ("no_code", {"state": "{state}"}, InvalidResponseError),
    ("empty_code", {"code": "", "state": "{state}"}, InvalidResponseError),
]


@pytest.mark.parametrize(
    ("params", "error"), [r[1:] for r in REJECTED], ids=[r[0] for r in REJECTED]
)
def test_rejected_callback_sends_nothing_to_the_token_endpoint(
    session: OAuth2Session, wire: WireServer, params: dict[str, str], error: type[OAuthError]
) -> None:
    _, state = session.create_authorization_url()
    filled = {k: v.format(state=state) for k, v in params.items()}
    with pytest.raises(error) as caught:
        session.fetch_token(authorization_response=callback(**filled))
    assert type(caught.value) is error
    assert str(caught.value).strip()
    assert state not in str(caught.value)
    assert session.token is None
    assert wire.to("/token") == []


def test_callback_error_is_an_authorization_error_and_nothing_is_sent(
    session: OAuth2Session, wire: WireServer
) -> None:
    _, state = session.create_authorization_url()
    with pytest.raises(AuthorizationError) as caught:
        session.fetch_token(
            authorization_response=callback(
                error="access_denied", error_description="user cancelled", state=state
            )
        )
    assert caught.value.error == "access_denied"
    assert caught.value.description == "user cancelled"
    assert wire.to("/token") == []


def test_callback_to_a_session_with_nothing_outstanding_says_to_pass_state_and_verifier(
    wire: WireServer,
) -> None:
    wire.script("/token", json_reply(TOKEN))
    with (
        OAuth2Session("client-1", token_endpoint=wire.url("/token")) as s,
        pytest.raises(MismatchingStateError) as caught,
    ):
        s.fetch_token(authorization_response=callback(code="c", state="s"))
    text = str(caught.value)
    assert "state" in text
    assert "code_verifier" in text
    assert wire.to("/token") == []


def test_outstanding_request_is_used_once(session: OAuth2Session, wire: WireServer) -> None:
    _, state = session.create_authorization_url()
    session.fetch_token(authorization_response=callback(code="c1", state=state))
    with pytest.raises(MismatchingStateError):
        session.fetch_token(authorization_response=callback(code="c2", state=state))
    assert len(wire.to("/token")) == 1


def test_outstanding_request_is_consumed_even_when_the_callback_carries_an_error(
    session: OAuth2Session, wire: WireServer
) -> None:
    _, state = session.create_authorization_url()
    with pytest.raises(AuthorizationError):
        session.fetch_token(authorization_response=callback(error="access_denied", state=state))
    with pytest.raises(MismatchingStateError):
        session.fetch_token(authorization_response=callback(code="c", state=state))
    assert wire.to("/token") == []


def test_outstanding_request_is_consumed_even_when_the_callback_is_malformed(
    session: OAuth2Session, wire: WireServer
) -> None:
    _, state = session.create_authorization_url()
    _, other = session.create_authorization_url()
    with pytest.raises(InvalidResponseError):
        session.fetch_token(authorization_response={"code": "a\ud800b", "state": state})
    with pytest.raises(MismatchingStateError):
        session.fetch_token(authorization_response=callback(code="c", state=state))
    # Only the request the malformed callback answered is spent.
    session.fetch_token(authorization_response=callback(code="c", state=other))
    assert [r.field("code") for r in wire.to("/token")] == ["c"]


def test_a_callback_with_an_unknown_state_consumes_nothing(
    session: OAuth2Session, wire: WireServer
) -> None:
    _, state = session.create_authorization_url()
    with pytest.raises(MismatchingStateError):
        session.fetch_token(authorization_response=callback(code="c", state="unknown"))
    session.fetch_token(authorization_response=callback(code="c", state=state))
    assert wire.last("/token").field("code") == "c"


def test_each_outstanding_request_keeps_its_own_verifier(
    session: OAuth2Session, wire: WireServer
) -> None:
    first_url, first = session.create_authorization_url()
    second_url, second = session.create_authorization_url()
    session.fetch_token(authorization_response=callback(code="c2", state=second))
    session.fetch_token(authorization_response=callback(code="c1", state=first))
    sent = wire.to("/token")
    second_challenge = parse_qs(urlsplit(second_url).query)["code_challenge"][0]
    first_challenge = parse_qs(urlsplit(first_url).query)["code_challenge"][0]
    assert s256(sent[0].field("code_verifier") or "") == second_challenge
    assert s256(sent[1].field("code_verifier") or "") == first_challenge


def test_state_given_to_fetch_token_must_match_the_callback(
    session: OAuth2Session, wire: WireServer
) -> None:
    with pytest.raises(MismatchingStateError):
        session.fetch_token(
            authorization_response=callback(code="c", state="from-callback"), state="expected"
        )
    assert wire.to("/token") == []


def test_explicit_state_and_verifier_serve_a_callback_handled_by_another_process(
    wire: WireServer,
) -> None:
    wire.script("/token", json_reply(TOKEN))
    with OAuth2Session(
        "client-1",
        redirect_uri=REDIRECT,
        authorization_endpoint=wire.url("/authorize"),
        token_endpoint=wire.url("/token"),
    ) as front:
        _, state = front.create_authorization_url()
        record = front.authorization_request(state)
    with OAuth2Session(
        "client-1", redirect_uri=REDIRECT, token_endpoint=wire.url("/token")
    ) as back:
        back.fetch_token(
            authorization_response=callback(code="c", state=state),
            state=record["state"],
            code_verifier=record["code_verifier"],
        )
    assert wire.last("/token").field("code_verifier") == record["code_verifier"]


def test_code_argument_skips_the_state_check(wire: WireServer) -> None:
    wire.script("/token", json_reply(TOKEN))
    with OAuth2Session("client-1", redirect_uri=REDIRECT, token_endpoint=wire.url("/token")) as s:
        token = s.fetch_token(code="code-9", code_verifier="v" * 43)
    sent = wire.last("/token")
    assert sent.field("grant_type") == "authorization_code"
    assert sent.field("code") == "code-9"
    assert sent.field("code_verifier") == "v" * 43
    assert sent.field("redirect_uri") == REDIRECT
    assert token["access_token"] == "at-1"


def test_code_with_a_state_sends_that_requests_remembered_verifier(
    session: OAuth2Session, wire: WireServer
) -> None:
    _, state = session.create_authorization_url()
    verifier = session.authorization_request(state)["code_verifier"]
    session.fetch_token(code="c", state=state)
    assert wire.last("/token").field("code_verifier") == verifier


# -- RFC 9207 issuer identification ----------------------------------------------------------


def _iss_session(wire: WireServer, *, supported: bool) -> OAuth2Session:
    metadata: dict[str, Any] = {
        "issuer": "https://as.example",
        "authorization_endpoint": wire.url("/authorize"),
        "token_endpoint": wire.url("/token"),
    }
    if supported:
        metadata["authorization_response_iss_parameter_supported"] = True
    wire.script("/token", json_reply(TOKEN))
    return OAuth2Session("client-1", redirect_uri=REDIRECT, **metadata)


@pytest.mark.parametrize("supported", [False, True])
def test_matching_iss_is_accepted(wire: WireServer, supported: bool) -> None:
    with _iss_session(wire, supported=supported) as s:
        _, state = s.create_authorization_url()
        s.fetch_token(
            authorization_response=callback(code="c", state=state, iss="https://as.example")
        )
    assert len(wire.to("/token")) == 1


@pytest.mark.parametrize("supported", [False, True])
def test_wrong_iss_is_an_invalid_response_and_nothing_is_sent(
    wire: WireServer, supported: bool
) -> None:
    with _iss_session(wire, supported=supported) as s:
        _, state = s.create_authorization_url()
        with pytest.raises(InvalidResponseError):
            s.fetch_token(
                authorization_response=callback(code="c", state=state, iss="https://evil.example")
            )
    assert wire.to("/token") == []


def test_missing_iss_when_the_server_supports_it_is_an_invalid_response(wire: WireServer) -> None:
    with _iss_session(wire, supported=True) as s:
        _, state = s.create_authorization_url()
        with pytest.raises(InvalidResponseError):
            s.fetch_token(authorization_response=callback(code="c", state=state))
    assert wire.to("/token") == []


def test_missing_iss_when_the_server_does_not_support_it_is_fine(wire: WireServer) -> None:
    with _iss_session(wire, supported=False) as s:
        _, state = s.create_authorization_url()
        s.fetch_token(authorization_response=callback(code="c", state=state))
    assert len(wire.to("/token")) == 1


def test_an_iss_the_session_cannot_check_is_refused_unless_accepted(wire: WireServer) -> None:
    # No issuer known: the iss cannot be compared, so a mix-up would pass unnoticed.
    wire.script("/token", json_reply(TOKEN))
    endpoints: dict[str, Any] = {
        "authorization_endpoint": wire.url("/authorize"),
        "token_endpoint": wire.url("/token"),
    }
    with OAuth2Session("client-1", redirect_uri=REDIRECT, **endpoints) as s:
        _, state = s.create_authorization_url()
        with pytest.raises(InvalidResponseError) as caught:
            s.fetch_token(
                authorization_response=callback(code="c", state=state, iss="https://as.example")
            )
    assert "issuer=" in str(caught.value)
    assert wire.to("/token") == []
    with OAuth2Session(
        "client-1", redirect_uri=REDIRECT, accept_unverifiable_iss=True, **endpoints
    ) as s:
        _, state = s.create_authorization_url()
        s.fetch_token(
            authorization_response=callback(code="c", state=state, iss="https://as.example")
        )
    assert len(wire.to("/token")) == 1


def test_wrong_iss_is_reported_before_a_wrong_state(wire: WireServer) -> None:
    with _iss_session(wire, supported=True) as s:
        s.create_authorization_url()
        with pytest.raises(InvalidResponseError):
            s.fetch_token(
                authorization_response=callback(code="c", state="bad", iss="https://evil.example")
            )
    assert wire.to("/token") == []


# -- implicit ---------------------------------------------------------------------------------


def test_token_from_fragment_reads_the_implicit_token(wire: WireServer) -> None:
    with OAuth2Session(
        "client-1", redirect_uri=REDIRECT, authorization_endpoint=wire.url("/authorize")
    ) as s:
        _, state = s.create_authorization_url(response_type="token")
        fragment = urlencode(
            {"access_token": "at-frag", "token_type": "Bearer", "expires_in": "60", "state": state}
        )
        token = s.token_from_fragment(REDIRECT + "#" + fragment)
        assert token["access_token"] == "at-frag"
        assert isinstance(token["expires_at"], int)
        assert s.token is not None
        assert s.token["access_token"] == "at-frag"
    assert wire.requests == []


def test_token_from_fragment_checks_state(wire: WireServer) -> None:
    with OAuth2Session(
        "client-1", redirect_uri=REDIRECT, authorization_endpoint=wire.url("/authorize")
    ) as s:
        s.create_authorization_url(response_type="token")
        with pytest.raises(MismatchingStateError):
            s.token_from_fragment(REDIRECT + "#access_token=a&token_type=Bearer&state=forged")
        assert s.token is None


def test_token_from_fragment_turns_error_into_authorization_error(wire: WireServer) -> None:
    with OAuth2Session(
        "client-1", redirect_uri=REDIRECT, authorization_endpoint=wire.url("/authorize")
    ) as s:
        _, state = s.create_authorization_url(response_type="token")
        with pytest.raises(AuthorizationError):
            s.token_from_fragment(REDIRECT + f"#error=access_denied&state={state}")


def test_form_post_callback_given_as_a_dict(session: OAuth2Session, wire: WireServer) -> None:
    _, state = session.create_authorization_url(response_mode="form_post")
    session.fetch_token(authorization_response={"code": "posted", "state": state})
    assert wire.last("/token").field("code") == "posted"


def test_form_post_callback_given_as_a_string(session: OAuth2Session, wire: WireServer) -> None:
    _, state = session.create_authorization_url(response_mode="form_post")
    session.fetch_token(authorization_response=urlencode({"code": "posted", "state": state}))
    assert wire.last("/token").field("code") == "posted"


def test_outstanding_request_is_consumed_even_when_the_token_request_fails(
    session: OAuth2Session, wire: WireServer
) -> None:
    wire.script("/token", json_reply({"error": "invalid_grant"}, 400))
    _, state = session.create_authorization_url()
    with pytest.raises(OAuthError):
        session.fetch_token(authorization_response=callback(code="c", state=state))
    with pytest.raises(MismatchingStateError):
        session.fetch_token(authorization_response=callback(code="c", state=state))
    assert len(wire.to("/token")) == 1


def test_outstanding_request_is_consumed_when_its_callback_fails_the_iss_check(
    wire: WireServer,
) -> None:
    wire.script("/token", json_reply(TOKEN))
    with OAuth2Session(
        "client-1",
        redirect_uri=REDIRECT,
        issuer="https://as.example",
        authorization_endpoint=wire.url("/authorize"),
        token_endpoint=wire.url("/token"),
    ) as s:
        _, state = s.create_authorization_url()
        with pytest.raises(InvalidResponseError):
            s.fetch_token(
                authorization_response=callback(code="c", state=state, iss="https://evil.example")
            )
        with pytest.raises(MismatchingStateError):
            s.fetch_token(
                authorization_response=callback(code="c", state=state, iss="https://as.example")
            )
    assert wire.to("/token") == []


def test_redirect_uri_of_the_request_is_sent_with_the_code(
    session: OAuth2Session, wire: WireServer
) -> None:
    _, state = session.create_authorization_url(redirect_uri="https://app.example/other-cb")
    session.fetch_token(authorization_response=callback(code="c", state=state))
    assert wire.last("/token").field("redirect_uri") == "https://app.example/other-cb"


def test_session_state_given_at_construction_is_used_and_checked(wire: WireServer) -> None:
    wire.script("/token", json_reply(TOKEN))
    with OAuth2Session(
        "client-1",
        redirect_uri=REDIRECT,
        state="fixed-state-0123456789abcdef",
        authorization_endpoint=wire.url("/authorize"),
        token_endpoint=wire.url("/token"),
    ) as s:
        _, state = s.create_authorization_url()
        assert state == "fixed-state-0123456789abcdef"
        with pytest.raises(MismatchingStateError):
            s.fetch_token(authorization_response=callback(code="c", state="other"))
        s.fetch_token(authorization_response=callback(code="c", state=state))
    assert len(wire.to("/token")) == 1


@pytest.mark.parametrize("response_type", ["code", "id_token", "code id_token"])
def test_an_openid_request_without_a_known_issuer_fails_before_the_user_leaves(
    response_type: str,
) -> None:
    # The ID token could not be validated later, after the code was spent: no URL, and
    # nothing remembered for a callback.
    with OAuth2Session("c", scope="openid", authorization_endpoint="https://as.example/a") as s:
        with pytest.raises(ValueError, match="server_metadata_url="):
            s.create_authorization_url(response_type=response_type)
        assert not s._client.outstanding


def test_an_id_token_response_type_without_openid_scope_also_needs_the_issuer() -> None:
    with (
        OAuth2Session("c", authorization_endpoint="https://as.example/authorize") as s,
        pytest.raises(ValueError, match="issuer"),
    ):
        s.create_authorization_url(response_type="id_token token")


@pytest.mark.parametrize(
    "known",
    [{"issuer": "https://as.example"}, {"issuer_template": "https://as.example/{tenantid}"}],
)
def test_an_openid_request_with_a_known_issuer_is_built(known: dict[str, Any]) -> None:
    with OAuth2Session(
        "c", scope="openid", authorization_endpoint="https://as.example/authorize", **known
    ) as s:
        url, state = s.create_authorization_url()
        assert url.startswith("https://as.example/authorize?")
        assert parse_qs(urlsplit(url).query)["nonce"] == [s.authorization_request(state)["nonce"]]
