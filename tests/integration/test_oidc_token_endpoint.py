"""The code redemption as the provider sees it, and callbacks handled by another process.

Covers the Basic and Config RP scenarios about the token request
(rp-token_endpoint-client_secret_basic / -client_secret_post / -client_secret_jwt /
-private_key_jwt) and api.md §9's hand-over of an outstanding request to another session.
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import quote

import pytest
from joserfc import jwt
from joserfc.jwk import OctKey

from grantflow import MismatchingStateError

from ._mock_op import (
    CLIENT_ID,
    CLIENT_SECRET,
    OMIT,
    REDIRECT_URI,
    SUBJECT,
    MockOP,
    code_flow,
    op_fixture,  # noqa: F401
    rejected,
    rp_session,
    rsa_key,
)


def test_token_request_uses_client_secret_basic_pkce_and_the_redirect_uri(op: MockOP) -> None:
    code_flow(rp_session(op), op)
    (request,) = op.requests_to("/token")
    credentials = f"{quote(CLIENT_ID, safe='')}:{quote(CLIENT_SECRET, safe='')}"
    expected = "Basic " + base64.b64encode(credentials.encode()).decode()
    assert request.headers["authorization"] == expected
    assert request.form["grant_type"] == "authorization_code"
    assert request.form["redirect_uri"] == REDIRECT_URI
    assert len(request.form["code_verifier"]) >= 43
    assert "client_secret" not in request.form


def test_token_request_with_client_secret_post(op: MockOP) -> None:
    code_flow(rp_session(op, token_endpoint_auth_method="client_secret_post"), op)
    (request,) = op.requests_to("/token")
    assert "authorization" not in request.headers
    assert request.form["client_id"] == CLIENT_ID
    assert request.form["client_secret"] == CLIENT_SECRET


def test_token_request_with_client_secret_jwt(op: MockOP) -> None:
    code_flow(rp_session(op, token_endpoint_auth_method="client_secret_jwt"), op)
    (request,) = op.requests_to("/token")
    assertion = request.form["client_assertion"]
    claims = jwt.decode(assertion, OctKey.import_key(CLIENT_SECRET)).claims
    assert claims["iss"] == claims["sub"] == CLIENT_ID
    assert claims["aud"] == op.url("/token")
    assert "authorization" not in request.headers


def test_token_request_with_private_key_jwt_and_an_rs256_id_token(op: MockOP) -> None:
    client_key = rsa_key("client-key")
    session = rp_session(
        op,
        client_secret=client_key.as_dict(private=True),
        token_endpoint_auth_method="private_key_jwt",
    )
    token = code_flow(session, op)
    assert token["userinfo"]["sub"] == SUBJECT
    (request,) = op.requests_to("/token")
    claims = jwt.decode(request.form["client_assertion"], client_key).claims
    assert claims["iss"] == CLIENT_ID
    assert claims["aud"] == op.url("/token")


# -- a callback handled by another process (api.md §9) --------------------------------------


def _hand_over(op: MockOP, response_type: str, **authorize: object) -> tuple[dict[str, Any], str]:
    """Start a request in one session; return its record and the provider's callback URL."""
    first = rp_session(op)
    url, state = first.create_authorization_url(response_type=response_type)
    record = first.authorization_request(state)
    json.dumps(record)  # what is stored between processes must be JSON
    return record, op.authorize(url, **authorize).url  # type: ignore[arg-type]


def _redeem_elsewhere(op: MockOP, record: dict[str, Any], callback: str) -> dict[str, Any]:
    second = rp_session(op)
    return second.fetch_token(
        authorization_response=callback,
        state=record["state"],
        code_verifier=record["code_verifier"],
        nonce=record["nonce"],
    )


def test_code_flow_completed_by_another_session_checks_the_nonce(op: MockOP) -> None:
    record, callback = _hand_over(op, "code")
    token = _redeem_elsewhere(op, record, callback)
    assert token["userinfo"]["nonce"] == record["nonce"]
    assert op.requests_to("/token")[0].form["code_verifier"] == record["code_verifier"]
    record, callback = _hand_over(op, "code")
    op.token_claims = {"nonce": "not-the-nonce-that-was-sent"}
    with rejected("nonce"):
        _redeem_elsewhere(op, record, callback)


def test_hybrid_completed_by_another_session_checks_the_front_channel(op: MockOP) -> None:
    record, callback = _hand_over(op, "code id_token", claims={"nonce": "replayed-nonce"})
    with rejected("nonce"):
        _redeem_elsewhere(op, record, callback)
    assert "/token" not in op.paths()


def test_hybrid_with_token_completed_by_another_session_requires_at_hash(op: MockOP) -> None:
    record, callback = _hand_over(op, "code id_token token", claims={"at_hash": OMIT})
    with rejected("at_hash"):
        _redeem_elsewhere(op, record, callback)
    assert "/token" not in op.paths()


def test_hybrid_completed_by_another_session_requires_c_hash(op: MockOP) -> None:
    record, callback = _hand_over(op, "code id_token", claims={"c_hash": OMIT})
    with rejected("c_hash"):
        _redeem_elsewhere(op, record, callback)
    assert "/token" not in op.paths()


@pytest.mark.parametrize(
    "response_type",
    ["id_token", "id_token token"],
)
def test_implicit_completed_by_another_session_with_the_nonce(
    op: MockOP, response_type: str
) -> None:
    record, callback = _hand_over(op, response_type)
    second = rp_session(op)
    token = second.token_from_fragment(callback, state=record["state"], nonce=record["nonce"])
    assert token["userinfo"]["nonce"] == record["nonce"]
    record, callback = _hand_over(op, response_type)
    with rejected("nonce"):
        rp_session(op).token_from_fragment(
            callback, state=record["state"], nonce="a-nonce-this-request-never-sent"
        )


def test_callback_for_a_session_that_sent_nothing_is_refused(op: MockOP) -> None:
    _record, callback = _hand_over(op, "code")
    with pytest.raises(MismatchingStateError, match="state"):
        rp_session(op).fetch_token(authorization_response=callback)
    assert "/token" not in op.paths()


def test_outstanding_request_is_used_once(op: MockOP) -> None:
    session = rp_session(op)
    url, _ = session.create_authorization_url()
    callback = op.authorize(url).url
    session.fetch_token(authorization_response=callback)
    with pytest.raises(MismatchingStateError):
        session.fetch_token(authorization_response=callback)
    assert op.count("/token") == 1
