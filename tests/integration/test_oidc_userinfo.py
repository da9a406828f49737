"""UserInfo (OIDC Core §5.3), the claims request (§5.5) and RP-Initiated Logout 1.0 §2.

UserInfo is called with the access token in a Bearer header; a JSON or signed
(``application/jwt``) answer is accepted only when its ``sub`` is the ID token's, and a
signed one only when it verifies with the provider's keys under the same algorithm rules.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from grantflow import (
    InvalidIDTokenError,
    InvalidResponseError,
    MissingTokenError,
    OAuth2Session,
    OAuthError,
)

from ._mock_op import (
    CLIENT_ID,
    REDIRECT_URI,
    SUBJECT,
    MockOP,
    Reply,
    code_flow,
    json_reply,
    jwt_reply,
    op_fixture,  # noqa: F401
    rp_session,
    rsa_key,
)


def _signed_in(op: MockOP, **session: object) -> OAuth2Session:
    rp = rp_session(op, **session)
    code_flow(rp, op)
    return rp


def _signed_userinfo(op: MockOP, **claims: object) -> dict[str, object]:
    return {"iss": op.issuer, "aud": CLIENT_ID, "sub": SUBJECT, "name": "Alice", **claims}


# -- JSON answers (rp-userinfo-bearer-header, rp-userinfo-bad-sub-claim) -------------------


def test_userinfo_is_a_get_with_the_access_token_in_a_bearer_header(op: MockOP) -> None:
    session = _signed_in(op)
    assert session.userinfo() == {"sub": SUBJECT, "name": "Alice"}
    (request,) = op.requests_to("/userinfo")
    assert request.method == "GET"
    assert session.token is not None
    assert request.headers["authorization"] == f"Bearer {session.token['access_token']}"
    assert "access_token" not in request.query
    assert not request.form


def test_userinfo_of_another_subject_is_rejected(op: MockOP) -> None:
    session = _signed_in(op)
    op.userinfo_reply = json_reply({"sub": "mallory-0666", "name": "Mallory"})
    with pytest.raises(InvalidResponseError) as info:
        session.userinfo()
    assert "sub" in str(info.value)
    assert "Mallory" not in str(info.value)


def test_userinfo_without_sub_is_rejected(op: MockOP) -> None:
    session = _signed_in(op)
    op.userinfo_reply = json_reply({"name": "Alice"})
    with pytest.raises(InvalidResponseError):
        session.userinfo()


def test_userinfo_after_the_implicit_flow_checks_the_sub(op: MockOP) -> None:
    session = rp_session(op)
    url, _ = session.create_authorization_url(response_type="id_token token")
    callback = op.authorize(url)
    session.token_from_fragment(callback.url)
    assert session.userinfo()["sub"] == SUBJECT
    assert op.requests_to("/userinfo")[0].headers["authorization"] == (
        f"Bearer {callback.params['access_token']}"
    )
    op.userinfo_reply = json_reply({"sub": "mallory-0666"})
    with pytest.raises(InvalidResponseError):
        session.userinfo()


def test_userinfo_bearer_error_is_an_oauth_error(op: MockOP) -> None:
    session = _signed_in(op)
    op.userinfo_reply = Reply(
        401, {"WWW-Authenticate": 'Bearer error="invalid_token", error_description="expired"'}
    )
    with pytest.raises(OAuthError) as info:
        session.userinfo()
    assert info.value.error == "invalid_token"
    assert info.value.status_code == 401


def test_userinfo_html_answer_is_an_invalid_response(op: MockOP) -> None:
    session = _signed_in(op)
    op.userinfo_reply = Reply(200, {"Content-Type": "text/html"}, b"<html>login</html>")
    with pytest.raises(InvalidResponseError) as info:
        session.userinfo()
    assert info.value.status_code == 200


def test_userinfo_without_a_token_is_a_missing_token_error(op: MockOP) -> None:
    with pytest.raises(MissingTokenError):
        rp_session(op).userinfo()
    assert "/userinfo" not in op.paths()


# -- signed answers (rp-userinfo-sig) ------------------------------------------------------


def test_signed_userinfo_is_verified_and_its_claims_returned(op: MockOP) -> None:
    session = _signed_in(op)
    op.userinfo_reply = jwt_reply(op.mint(_signed_userinfo(op)))
    claims = session.userinfo()
    assert claims["name"] == "Alice"
    assert claims["sub"] == SUBJECT
    assert op.count("/jwks") == 1


def test_signed_userinfo_with_a_forged_signature_is_rejected(op: MockOP) -> None:
    session = _signed_in(op)
    op.userinfo_reply = jwt_reply(op.mint(_signed_userinfo(op), forge=True))
    with pytest.raises((InvalidResponseError, InvalidIDTokenError)):
        session.userinfo()


def test_signed_userinfo_of_another_subject_is_rejected(op: MockOP) -> None:
    session = _signed_in(op)
    op.userinfo_reply = jwt_reply(op.mint(_signed_userinfo(op, sub="mallory-0666")))
    with pytest.raises(InvalidResponseError):
        session.userinfo()


@pytest.mark.parametrize(
    "claims",
    [
        pytest.param({"iss": "https://evil.example"}, id="iss"),
        pytest.param({"aud": "another-client"}, id="aud"),
    ],
)
def test_signed_userinfo_for_another_issuer_or_audience_is_rejected(
    op: MockOP, claims: dict[str, object]
) -> None:
    session = _signed_in(op)
    op.userinfo_reply = jwt_reply(op.mint(_signed_userinfo(op, **claims)))
    with pytest.raises(InvalidResponseError):
        session.userinfo()


def test_unsigned_userinfo_jwt_is_rejected(op: MockOP) -> None:
    session = _signed_in(op)
    op.userinfo_reply = jwt_reply(op.mint(_signed_userinfo(op), alg="none"))
    with pytest.raises((InvalidResponseError, InvalidIDTokenError)):
        session.userinfo()


def test_signed_userinfo_with_a_rotated_key_refetches_the_key_set_once(op: MockOP) -> None:
    session = _signed_in(op)
    op.jwks_keys = [rsa_key("rsa-1"), rsa_key("rsa-2")]
    op.userinfo_reply = jwt_reply(op.mint(_signed_userinfo(op), key=rsa_key("rsa-2")))
    assert session.userinfo()["sub"] == SUBJECT
    assert op.count("/jwks") == 2


def test_signed_userinfo_hs256_uses_the_client_secret(op: MockOP) -> None:
    op.metadata["userinfo_signing_alg_values_supported"] = ["HS256"]
    session = _signed_in(op)
    op.userinfo_reply = jwt_reply(op.mint(_signed_userinfo(op), alg="HS256"))
    assert session.userinfo()["name"] == "Alice"
    op.userinfo_reply = jwt_reply(op.mint(_signed_userinfo(op), alg="HS256", forge=True))
    with pytest.raises((InvalidResponseError, InvalidIDTokenError)):
        session.userinfo()


# -- the claims request parameter (rp-claims-request) -----------------------------------------


def test_claims_request_is_sent_as_json_and_the_claims_come_back(op: MockOP) -> None:
    requested = {"userinfo": {"email": {"essential": True}}, "id_token": {"acr": None}}
    session = rp_session(op)
    url, _ = session.create_authorization_url(claims=json.dumps(requested))
    sent = parse_qs(urlsplit(url).query)["claims"]
    assert [json.loads(value) for value in sent] == [requested]
    op.token_claims = {"acr": "urn:example:loa:2"}
    token = session.fetch_token(authorization_response=op.authorize(url).url)
    assert token["userinfo"]["acr"] == "urn:example:loa:2"
    op.userinfo_reply = json_reply({"sub": SUBJECT, "email": "alice@example.com"})
    assert session.userinfo()["email"] == "alice@example.com"


def test_claims_request_given_as_a_dict_is_sent_as_json(op: MockOP) -> None:
    requested = {"userinfo": {"email": {"essential": True}}}
    url, _ = rp_session(op).create_authorization_url(claims=requested)
    assert [json.loads(v) for v in parse_qs(urlsplit(url).query)["claims"]] == [requested]


# -- RP-Initiated Logout ---------------------------------------------------------------------


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_logout_url_carries_the_id_token_hint_client_id_redirect_and_state(op: MockOP) -> None:
    session = _signed_in(op)
    assert session.token is not None
    url = session.create_logout_url(
        post_logout_redirect_uri="https://rp.example/signed-out", state="logout-state-1"
    )
    assert url.startswith(op.url("/logout?"))
    assert _query(url) == {
        "tenant": ["t1"],
        "id_token_hint": [session.token["id_token"]],
        "client_id": [CLIENT_ID],
        "post_logout_redirect_uri": ["https://rp.example/signed-out"],
        "state": ["logout-state-1"],
    }
    # Building a URL sends nothing.
    assert "/logout" not in op.paths()


def test_logout_url_with_an_explicit_id_token_hint(op: MockOP) -> None:
    session = _signed_in(op)
    other = op.mint(op.claims())
    assert _query(session.create_logout_url(id_token_hint=other))["id_token_hint"] == [other]


def test_logout_url_without_a_token_names_the_client(op: MockOP) -> None:
    query = _query(rp_session(op).create_logout_url(post_logout_redirect_uri=REDIRECT_URI))
    assert "id_token_hint" not in query
    assert query["client_id"] == [CLIENT_ID]
    assert query["post_logout_redirect_uri"] == [REDIRECT_URI]


def test_logout_url_passes_extra_parameters(op: MockOP) -> None:
    session = _signed_in(op)
    query = _query(session.create_logout_url(custom_flag="1"))
    assert query["custom_flag"] == ["1"]


def test_logout_url_takes_the_other_parameters_logout_defines(op: MockOP) -> None:
    session = _signed_in(op)
    query = _query(session.create_logout_url(logout_hint="alice@example.com", ui_locales="fr"))
    assert query["logout_hint"] == ["alice@example.com"]
    assert query["ui_locales"] == ["fr"]


def test_logout_url_needs_an_end_session_endpoint(op: MockOP) -> None:
    del op.metadata["end_session_endpoint"]
    with pytest.raises(ValueError, match="end_session_endpoint"):
        rp_session(op).create_logout_url()


def test_registered_signed_userinfo_refuses_a_plain_json_answer(op: MockOP) -> None:
    session = _signed_in(op, userinfo_signed_response_alg="RS256")
    with pytest.raises(InvalidResponseError):
        session.userinfo()
    op.userinfo_reply = jwt_reply(op.mint(_signed_userinfo(op)))
    assert session.userinfo()["name"] == "Alice"
