"""Response types and response modes (OIDC Core §3.1-§3.3, OAuth 2.0 Form Post Response Mode).

Implicit (``id_token``, ``id_token token``) and hybrid (``code id_token``, ``code token``,
``code id_token token``) responses, in the query, the fragment or a ``form_post`` body.
The front-channel ID token is checked (nonce, ``c_hash``, ``at_hash``) before a code is
redeemed: a failure there sends nothing to the token endpoint.
"""

from __future__ import annotations

from typing import Any

import pytest

from grantflow import (
    AuthorizationError,
    InvalidIDTokenError,
    MismatchingStateError,
    OAuth2Session,
    OAuthError,
)

from ._mock_op import (
    OMIT,
    SUBJECT,
    MockOP,
    json_reply,
    op_fixture,  # noqa: F401
    rejected,
    rp_session,
    token_hash,
)

BEFORE_TOKEN = ["/.well-known/openid-configuration", "/jwks"]


def _start(op: MockOP, response_type: str, **kwargs: Any) -> tuple[OAuth2Session, str, str]:
    session = rp_session(op)
    url, state = session.create_authorization_url(response_type=response_type, **kwargs)
    nonce = session.authorization_request(state)["nonce"]
    return session, url, nonce


# -- rp-response_type-* --------------------------------------------------------------------


def test_response_type_code_uses_the_query_and_pkce(op: MockOP) -> None:
    session, url, nonce = _start(op, "code")
    assert "code_challenge=" in url
    callback = op.authorize(url)
    assert callback.mode == "query"
    token = session.fetch_token(authorization_response=callback.url)
    assert token["userinfo"]["nonce"] == nonce
    assert op.requests_to("/token")[0].form["code_verifier"]


def test_response_type_id_token_returns_the_id_token_and_no_access_token(op: MockOP) -> None:
    session, url, nonce = _start(op, "id_token")
    assert "code_challenge" not in url
    callback = op.authorize(url)
    token = session.token_from_fragment(callback.url)
    assert token["id_token"] == callback.params["id_token"]
    assert "access_token" not in token
    assert token["userinfo"]["sub"] == SUBJECT
    assert token["userinfo"]["nonce"] == nonce
    assert "/token" not in op.paths()


def test_response_type_id_token_token_checks_at_hash_and_keeps_the_token(op: MockOP) -> None:
    session, url, _ = _start(op, "id_token token")
    callback = op.authorize(url)
    token = session.token_from_fragment(callback.url)
    assert token["access_token"] == callback.params["access_token"]
    assert token["userinfo"]["at_hash"] == token_hash(callback.params["access_token"], "RS256")
    assert session.token is not None
    assert session.token["access_token"] == callback.params["access_token"]


def test_response_type_code_id_token_validates_the_front_channel_then_redeems(
    op: MockOP,
) -> None:
    session, url, nonce = _start(op, "code id_token")
    callback = op.authorize(url)
    assert callback.mode == "fragment"
    token = session.fetch_token(authorization_response=callback.url)
    assert token["userinfo"]["nonce"] == nonce
    assert op.paths() == [*BEFORE_TOKEN, "/token"]
    assert op.requests_to("/token")[0].form["code"] == callback.params["code"]


def test_response_type_code_token_redeems_the_code(op: MockOP) -> None:
    session, url, nonce = _start(op, "code token")
    callback = op.authorize(url)
    assert "id_token" not in callback.params
    token = session.fetch_token(authorization_response=callback.url)
    assert token["userinfo"]["nonce"] == nonce
    assert op.count("/token") == 1


def test_response_type_code_id_token_token_checks_both_hashes(op: MockOP) -> None:
    session, url, _ = _start(op, "code id_token token")
    callback = op.authorize(url)
    token = session.fetch_token(authorization_response=callback.url)
    assert token["userinfo"]["sub"] == SUBJECT
    assert op.paths() == [*BEFORE_TOKEN, "/token"]


# -- rp-response_mode-form_post --------------------------------------------------------------


@pytest.mark.parametrize("shape", ["dict", "string"])
def test_form_post_body_is_accepted_as_the_authorization_response(op: MockOP, shape: str) -> None:
    session, url, nonce = _start(op, "code id_token", response_mode="form_post")
    assert "response_mode=form_post" in url
    callback = op.authorize(url)
    assert callback.mode == "form_post"
    body: Any = callback.form if shape == "dict" else callback.form_string
    token = session.fetch_token(authorization_response=body)
    assert token["userinfo"]["nonce"] == nonce
    assert op.count("/token") == 1


def test_form_post_code_flow_with_a_dict_body(op: MockOP) -> None:
    session, url, _ = _start(op, "code", response_mode="form_post")
    token = session.fetch_token(authorization_response=op.authorize(url).form)
    assert token["userinfo"]["sub"] == SUBJECT


def test_form_post_implicit_with_a_string_body(op: MockOP) -> None:
    session, url, _ = _start(op, "id_token token", response_mode="form_post")
    token = session.token_from_fragment(op.authorize(url).form_string)
    assert token["userinfo"]["sub"] == SUBJECT


def test_form_post_body_with_a_wrong_state_sends_nothing(op: MockOP) -> None:
    session, url, _ = _start(op, "code id_token", response_mode="form_post")
    body = op.authorize(url, params={"state": "forged-state-0123456789abc"}).form
    with pytest.raises(MismatchingStateError):
        session.fetch_token(authorization_response=body)
    assert "/token" not in op.paths()


def test_response_mode_query_for_a_hybrid_response(op: MockOP) -> None:
    session, url, _ = _start(op, "code id_token", response_mode="query")
    callback = op.authorize(url)
    assert callback.mode == "query"
    token = session.fetch_token(authorization_response=callback.url)
    assert token["userinfo"]["sub"] == SUBJECT


# -- nonce in the front channel (rp-nonce-unless-code-flow, rp-nonce-invalid) ----------------


@pytest.mark.parametrize("response_type", ["id_token", "id_token token"])
def test_implicit_id_token_without_the_nonce_is_rejected(op: MockOP, response_type: str) -> None:
    session, url, _ = _start(op, response_type)
    with rejected("nonce"):
        session.token_from_fragment(op.authorize(url, claims={"nonce": OMIT}).url)
    assert session.token is None


@pytest.mark.parametrize("response_type", ["id_token", "id_token token"])
def test_implicit_id_token_with_another_nonce_is_rejected(op: MockOP, response_type: str) -> None:
    session, url, _ = _start(op, response_type)
    with rejected("nonce"):
        session.token_from_fragment(op.authorize(url, claims={"nonce": "replayed-nonce"}).url)


def test_implicit_request_always_carries_a_nonce(op: MockOP) -> None:
    session = rp_session(op, scope="profile")
    url, state = session.create_authorization_url(response_type="id_token")
    assert session.authorization_request(state)["nonce"]
    assert "nonce=" in url


@pytest.mark.parametrize("response_type", ["code id_token", "code id_token token"])
def test_hybrid_front_channel_without_the_nonce_sends_nothing(
    op: MockOP, response_type: str
) -> None:
    session, url, _ = _start(op, response_type)
    with rejected("nonce"):
        session.fetch_token(authorization_response=op.authorize(url, claims={"nonce": OMIT}).url)
    assert "/token" not in op.paths()
    assert session.token is None


# -- at_hash and c_hash (rp-id_token-bad-at_hash, -bad-c_hash, -missing-c_hash) -------------


def test_implicit_bad_at_hash_is_rejected(op: MockOP) -> None:
    session, url, _ = _start(op, "id_token token")
    callback = op.authorize(url, params={"access_token": "substituted-access-token"})
    with rejected("at_hash"):
        session.token_from_fragment(callback.url)
    assert session.token is None


def test_implicit_missing_at_hash_is_rejected(op: MockOP) -> None:
    session, url, _ = _start(op, "id_token token")
    with rejected("at_hash"):
        session.token_from_fragment(op.authorize(url, claims={"at_hash": OMIT}).url)


@pytest.mark.parametrize("response_type", ["code id_token", "code id_token token"])
def test_hybrid_bad_c_hash_sends_nothing_to_the_token_endpoint(
    op: MockOP, response_type: str
) -> None:
    session, url, _ = _start(op, response_type)
    callback = op.authorize(url, claims={"c_hash": "AAAAAAAAAAAAAAAAAAAAAA"})
    with rejected("c_hash"):
        session.fetch_token(authorization_response=callback.url)
    assert op.paths() == BEFORE_TOKEN


@pytest.mark.parametrize("response_type", ["code id_token", "code id_token token"])
def test_hybrid_missing_c_hash_sends_nothing_to_the_token_endpoint(
    op: MockOP, response_type: str
) -> None:
    session, url, _ = _start(op, response_type)
    with rejected("c_hash"):
        session.fetch_token(authorization_response=op.authorize(url, claims={"c_hash": OMIT}).url)
    assert op.paths() == BEFORE_TOKEN


def test_hybrid_code_substituted_after_signing_fails_c_hash(op: MockOP) -> None:
    session, url, _ = _start(op, "code id_token")
    callback = op.authorize(url, params={"code": "code-injected-by-an-attacker"})
    with rejected("c_hash"):
        session.fetch_token(authorization_response=callback.url)
    assert "/token" not in op.paths()


def test_hybrid_bad_at_hash_sends_nothing_to_the_token_endpoint(op: MockOP) -> None:
    session, url, _ = _start(op, "code id_token token")
    callback = op.authorize(url, claims={"at_hash": "AAAAAAAAAAAAAAAAAAAAAA"})
    with rejected("at_hash"):
        session.fetch_token(authorization_response=callback.url)
    assert op.paths() == BEFORE_TOKEN


def test_hybrid_missing_at_hash_with_a_front_channel_token_is_rejected(op: MockOP) -> None:
    session, url, _ = _start(op, "code id_token token")
    with rejected("at_hash"):
        session.fetch_token(authorization_response=op.authorize(url, claims={"at_hash": OMIT}).url)
    assert "/token" not in op.paths()


def test_hybrid_response_without_its_id_token_is_rejected(op: MockOP) -> None:
    session, url, _ = _start(op, "code id_token")
    with pytest.raises(InvalidIDTokenError):
        session.fetch_token(authorization_response=op.authorize(url, params={"id_token": OMIT}).url)
    assert "/token" not in op.paths()


@pytest.mark.parametrize(
    ("claims", "claim"),
    [
        pytest.param({"aud": "another-client"}, "aud", id="aud"),
        pytest.param({"iss": "https://evil.example"}, "iss", id="iss"),
        pytest.param({"exp": 1_000_000_000}, "exp", id="exp"),
    ],
)
def test_hybrid_front_channel_claims_are_validated_before_redeeming(
    op: MockOP, claims: dict[str, Any], claim: str
) -> None:
    session, url, _ = _start(op, "code id_token")
    with rejected(claim):
        session.fetch_token(authorization_response=op.authorize(url, claims=claims).url)
    assert "/token" not in op.paths()


def test_hybrid_front_channel_forged_signature_sends_nothing(op: MockOP) -> None:
    session, url, _ = _start(op, "code id_token")
    with rejected("signature"):
        session.fetch_token(authorization_response=op.authorize(url, mint={"forge": True}).url)
    assert "/token" not in op.paths()


def test_hybrid_back_channel_id_token_of_another_subject_is_rejected(op: MockOP) -> None:
    """OIDC Core §3.3.3.6: iss and sub of both ID tokens must be identical."""
    session, url, _ = _start(op, "code id_token")
    callback = op.authorize(url)
    op.token_claims = {"sub": "mallory-0666"}
    with rejected("sub"):
        session.fetch_token(authorization_response=callback.url)
    assert session.token is None


def test_implicit_id_token_with_an_unknown_state_is_refused_before_validation(
    op: MockOP,
) -> None:
    session, url, _ = _start(op, "id_token")
    callback = op.authorize(url, params={"state": "some-other-state-0123456789"})
    with pytest.raises(MismatchingStateError):
        session.token_from_fragment(callback.url)
    assert "/jwks" not in op.paths()


def test_front_channel_error_is_an_authorization_error(op: MockOP) -> None:
    session, url, _ = _start(op, "code id_token")
    callback = op.authorize(
        url,
        params={
            "code": OMIT,
            "id_token": OMIT,
            "error": "login_required",
            "error_description": "the user is not logged in",
        },
    )
    with pytest.raises(AuthorizationError) as info:
        session.fetch_token(authorization_response=callback.url)
    assert info.value.error == "login_required"
    assert "/token" not in op.paths()


def test_token_endpoint_error_after_a_valid_front_channel_is_an_oauth_error(op: MockOP) -> None:
    session, url, _ = _start(op, "code id_token")
    callback = op.authorize(url)
    op.token_reply = lambda recorded: json_reply({"error": "invalid_grant"}, status=400)
    with pytest.raises(OAuthError) as info:
        session.fetch_token(authorization_response=callback.url)
    assert info.value.error == "invalid_grant"
