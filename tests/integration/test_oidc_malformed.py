"""Malformed ID tokens and key sets end in a typed error, never a crash.

Whatever a provider (or an attacker in its place) sends where an ID token or a JWK Set
belongs, the session raises an :class:`OAuthError` subclass, returns no token and stores
none.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from grantflow import InvalidIDTokenError, OAuthError

from ._mock_op import (
    MockOP,
    Recorded,
    Reply,
    code_flow,
    ec_key,
    json_reply,
    op_fixture,  # noqa: F401
    rp_session,
    rsa_key,
)


def _b64(data: object) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


GARBAGE = [
    pytest.param("", id="empty"),
    pytest.param("not-a-jwt", id="one-part"),
    pytest.param("a.b", id="two-parts"),
    pytest.param("a.b.c.d.e", id="jwe-shape"),
    pytest.param("!!!.???.***", id="not-base64"),
    pytest.param(f"{_b64([1, 2])}.{_b64({'sub': 'x'})}.c2ln", id="header-is-an-array"),
    pytest.param(f"{_b64({'alg': 'RS256'})}.{_b64(b'not json')}.c2ln", id="payload-not-json"),
    pytest.param(f"{_b64({'alg': 'RS256'})}.{_b64([1])}.c2ln", id="payload-an-array"),
    pytest.param(f"{_b64({'kid': 'rsa-1'})}.{_b64({'sub': 'x'})}.c2ln", id="no-alg"),
    pytest.param(f"{_b64({'alg': 'XX999'})}.{_b64({'sub': 'x'})}.c2ln", id="unknown-alg"),
    pytest.param(f"{_b64({'alg': 'RS256'})}.{_b64({'sub': 'x'})}.", id="empty-signature"),
]


@pytest.mark.parametrize("raw", GARBAGE)
def test_parse_id_token_of_garbage_is_a_typed_error(op: MockOP, raw: str) -> None:
    with pytest.raises(InvalidIDTokenError):
        rp_session(op).parse_id_token(raw)


@pytest.mark.parametrize("value", ["not-a-jwt", 42, {"alg": "RS256"}, ["a", "b"]])
def test_token_response_with_a_malformed_id_token_is_a_typed_error(op: MockOP, value: Any) -> None:
    def answer(recorded: Recorded) -> Reply:
        return json_reply({**op.token_response(), "id_token": value})

    op.token_reply = answer
    session = rp_session(op)
    with pytest.raises(OAuthError):
        code_flow(session, op)
    assert session.token is None


def test_a_kid_shared_by_keys_of_two_types_picks_the_one_fitting_the_alg(op: MockOP) -> None:
    rsa = {**rsa_key("rsa-1").as_dict(private=False), "kid": "shared"}
    ec = {**ec_key("ec-1").as_dict(private=False), "kid": "shared"}
    op.jwks_document = {"keys": [rsa, ec]}
    op.metadata["id_token_signing_alg_values_supported"] = ["RS256", "ES256"]
    op.token_mint = {"key": ec_key("ec-1"), "header": {"kid": "shared"}}
    session = rp_session(op)
    assert code_flow(session, op)["userinfo"]["sub"]
    op.token_mint = {"key": rsa_key("rsa-1"), "header": {"kid": "shared"}}
    assert code_flow(session, op)["userinfo"]["sub"]


def test_an_rs256_header_over_an_ec_key_is_a_typed_error(op: MockOP) -> None:
    op.jwks_keys = [ec_key("only")]
    op.token_mint = {"key": rsa_key("rsa-1"), "header": {"kid": "only"}}
    with pytest.raises(InvalidIDTokenError) as info:
        code_flow(rp_session(op), op)
    assert info.value.claim in {"kid", "signature"}


@pytest.mark.parametrize(
    "document",
    [
        pytest.param({"keys": "nope"}, id="keys-not-a-list"),
        pytest.param(
            {"keys": [{"kty": "RSA", "n": "!!", "e": "AQAB", "kid": "rsa-1"}]}, id="bad-n"
        ),
        pytest.param({"keys": [{"kty": "XYZ", "kid": "rsa-1"}]}, id="unknown-kty"),
        pytest.param({"keys": [42, None, "x"]}, id="entries-not-objects"),
        pytest.param({"keys": []}, id="empty"),
    ],
)
def test_a_broken_key_set_is_a_typed_error(op: MockOP, document: dict[str, Any]) -> None:
    op.jwks_document = document
    session = rp_session(op)
    with pytest.raises(OAuthError):
        code_flow(session, op)
    assert session.token is None


def test_a_key_set_answer_that_is_not_json_is_a_typed_error(op: MockOP) -> None:
    op.replies["/jwks"] = Reply(200, {"Content-Type": "text/html"}, b"<html></html>")
    session = rp_session(op)
    with pytest.raises(OAuthError):
        code_flow(session, op)
    assert session.token is None
