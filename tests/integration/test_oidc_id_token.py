"""ID token claim rules in the code flow (OIDC Core §3.1.3.7), against a scripted provider.

Each test runs the flow as an application would (authorization URL, the provider's
callback, ``fetch_token``) while the provider's token endpoint hands out an ID token
that breaks one rule. The failure must name the claim, return no token, store none,
and send nothing after the token request but the key-set fetch validation needs.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from grantflow import InvalidIDTokenError

from ._mock_op import (
    CLIENT_ID,
    OMIT,
    SUBJECT,
    MockOP,
    Recorded,
    Reply,
    code_flow,
    json_reply,
    op_fixture,  # noqa: F401
    rejected,
    rp_session,
)

NOW = int(time.time())

# (scenario, claims the token endpoint's ID token gets, the claim the failure names)
BROKEN_CLAIMS = [
    pytest.param({"aud": "another-client"}, "aud", id="rp-id_token-aud"),
    pytest.param({"aud": ["another-client", "third"]}, "aud", id="aud-list-without-client"),
    pytest.param({"aud": OMIT}, "aud", id="aud-missing"),
    pytest.param({"iat": OMIT}, "iat", id="rp-id_token-iat"),
    pytest.param({"iat": "yesterday"}, "iat", id="iat-not-a-number"),
    pytest.param({"iat": NOW + 3600}, "iat", id="iat-in-the-future"),
    pytest.param({"sub": OMIT}, "sub", id="rp-id_token-sub"),
    pytest.param({"iss": "https://evil.example"}, "iss", id="rp-id_token-issuer-mismatch"),
    pytest.param({"iss": OMIT}, "iss", id="iss-missing"),
    pytest.param({"exp": OMIT}, "exp", id="exp-missing"),
    pytest.param({"exp": NOW - 3600}, "exp", id="exp-in-the-past"),
    pytest.param({"nonce": "not-the-nonce-that-was-sent"}, "nonce", id="rp-nonce-invalid"),
    pytest.param({"nonce": OMIT}, "nonce", id="nonce-missing-although-sent"),
    pytest.param({"aud": [CLIENT_ID, "other"]}, "azp", id="azp-missing-with-several-audiences"),
    pytest.param({"aud": [CLIENT_ID, "other"], "azp": "other"}, "azp", id="azp-other-client"),
    pytest.param({"azp": "other"}, "azp", id="azp-other-client-single-audience"),
    pytest.param({"at_hash": "AAAAAAAAAAAAAAAAAAAAAA"}, "at_hash", id="at_hash-wrong"),
]


@pytest.mark.parametrize(("claims", "claim"), BROKEN_CLAIMS)
def test_code_flow_rejects_an_id_token_that_breaks_a_claim_rule(
    op: MockOP, claims: dict[str, Any], claim: str
) -> None:
    op.token_claims = claims
    session = rp_session(op)
    with rejected(claim):
        code_flow(session, op)
    assert session.token is None
    # Discovery, the token request, the keys to check the signature: nothing after.
    assert op.paths() == [op.oidc_discovery_path, "/token", "/jwks"]


def test_code_flow_puts_the_validated_claims_in_token_userinfo(op: MockOP) -> None:
    op.token_claims = {"email": "alice@example.com", "acr": "urn:mace:incommon:iap:silver"}
    session = rp_session(op)
    token = code_flow(session, op)
    claims = token["userinfo"]
    assert claims["sub"] == SUBJECT
    assert claims["iss"] == op.issuer
    assert claims["aud"] == CLIENT_ID
    assert claims["email"] == "alice@example.com"
    assert claims["acr"] == "urn:mace:incommon:iap:silver"
    assert session.token is not None
    assert session.token["userinfo"] == claims


def test_code_flow_sends_the_nonce_it_remembers_and_the_id_token_must_carry_it(
    op: MockOP,
) -> None:
    session = rp_session(op)
    url, state = session.create_authorization_url()
    sent_nonce = session.authorization_request(state)["nonce"]
    assert sent_nonce and sent_nonce in url
    token = session.fetch_token(authorization_response=op.authorize(url).url)
    assert token["userinfo"]["nonce"] == sent_nonce


def test_several_audiences_are_accepted_when_azp_is_this_client(op: MockOP) -> None:
    op.token_claims = {"aud": [CLIENT_ID, "https://api.example"], "azp": CLIENT_ID}
    token = code_flow(rp_session(op), op)
    assert token["userinfo"]["azp"] == CLIENT_ID


def test_the_failure_message_names_the_claim_and_never_quotes_the_token(op: MockOP) -> None:
    tokens: list[dict[str, Any]] = []

    def token_endpoint(recorded: Recorded) -> Reply:
        response = op.token_response(nonce=None, aud="another-client")
        tokens.append(response)
        return json_reply(response)

    op.token_reply = token_endpoint
    session = rp_session(op)
    with rejected("aud") as info:
        code_flow(session, op)
    issued = tokens[0]
    for secret in (issued["id_token"], issued["access_token"], issued["refresh_token"]):
        assert secret not in str(info.value)
        assert secret not in repr(info.value)


# -- max_age and auth_time (OIDC Core §3.1.2.1, §3.1.3.7 step 13) -------------------------


# (auth_time's age in seconds or OMIT, the session's leeway, claim named or None if accepted)
MAX_AGE_300 = [
    pytest.param(OMIT, 60, "auth_time", id="auth_time-missing"),
    pytest.param(3600, 60, "auth_time", id="authentication-too-old"),
    pytest.param(100, 60, None, id="recent-authentication"),
    pytest.param(400, 60, "auth_time", id="too-old-beyond-leeway"),
    pytest.param(400, 3600, None, id="too-old-within-leeway"),
]


@pytest.mark.parametrize(("age", "leeway", "claim"), MAX_AGE_300)
def test_max_age_requires_a_recent_enough_auth_time(
    op: MockOP, age: Any, leeway: int, claim: str | None
) -> None:
    auth_time = OMIT if age is OMIT else int(time.time()) - age
    op.token_claims = {"auth_time": auth_time}
    session = rp_session(op, leeway=leeway)
    url, _ = session.create_authorization_url(max_age=300)
    assert "max_age=300" in url
    callback = op.authorize(url).url
    if claim is None:
        token = session.fetch_token(authorization_response=callback)
        assert token["userinfo"]["auth_time"] == auth_time
        return
    with rejected(claim):
        session.fetch_token(authorization_response=callback)
    assert session.token is None


def test_max_age_given_to_the_session_is_sent_and_enforced(op: MockOP) -> None:
    op.token_claims = {"auth_time": int(time.time()) - 3600}
    session = rp_session(op, max_age=600)
    url, _ = session.create_authorization_url()
    assert "max_age=600" in url
    with rejected("auth_time"):
        session.fetch_token(authorization_response=op.authorize(url).url)


def test_without_max_age_an_old_auth_time_is_fine(op: MockOP) -> None:
    op.token_claims = {"auth_time": int(time.time()) - 86400}
    token = code_flow(rp_session(op), op)
    assert token["userinfo"]["sub"] == SUBJECT


# -- leeway on exp and iat (api.md §9 "Clock skew") ------------------------------------------


def test_default_leeway_rejects_an_id_token_expired_well_beyond_a_minute(op: MockOP) -> None:
    op.token_claims = {"exp": int(time.time()) - 600}
    with rejected("exp"):
        code_flow(rp_session(op), op)


def test_session_leeway_accepts_an_id_token_expired_within_it(op: MockOP) -> None:
    op.token_claims = {"exp": int(time.time()) - 600}
    token = code_flow(rp_session(op, leeway=3600), op)
    assert token["userinfo"]["exp"] == op.token_claims["exp"]


def test_session_leeway_accepts_an_iat_slightly_in_the_future(op: MockOP) -> None:
    op.token_claims = {"iat": int(time.time()) + 600}
    token = code_flow(rp_session(op, leeway=3600), op)
    assert token["userinfo"]["iat"] == op.token_claims["iat"]


def test_parse_id_token_leeway_overrides_the_sessions(op: MockOP) -> None:
    session = rp_session(op, leeway=0)
    expired = op.mint(op.claims(exp=int(time.time()) - 600))
    with rejected("exp"):
        session.parse_id_token(expired)
    assert session.parse_id_token(expired, leeway=3600)["sub"] == SUBJECT
    generous = rp_session(op, leeway=3600)
    assert generous.parse_id_token(expired)["sub"] == SUBJECT
    with rejected("exp"):
        generous.parse_id_token(expired, leeway=0)


def test_parse_id_token_takes_the_token_dict_and_checks_at_hash(op: MockOP) -> None:
    session = rp_session(op)
    token = code_flow(session, op)
    claims = session.parse_id_token(token)
    assert claims["sub"] == SUBJECT
    with rejected("at_hash"):
        session.parse_id_token({**token, "access_token": "some-other-access-token"})


def test_parse_id_token_checks_the_nonce_given(op: MockOP) -> None:
    session = rp_session(op)
    raw = op.mint(op.claims(nonce="n-0123456789abcdefghijkl"))
    assert session.parse_id_token(raw, nonce="n-0123456789abcdefghijkl")["sub"] == SUBJECT
    with rejected("nonce"):
        session.parse_id_token(raw, nonce="n-a-different-nonce-value")


def test_parse_id_token_without_an_id_token_is_a_typed_error(op: MockOP) -> None:
    session = rp_session(op)
    with pytest.raises(InvalidIDTokenError):
        session.parse_id_token({"access_token": "at", "token_type": "Bearer"})
