"""Values a hostile or broken server sends: each ends in a typed error, never a bare one.

Deeply nested JSON, numbers too large for a float, characters a header cannot carry,
bytes and lone surrogates in a callback: tables of hand-built inputs, one per parser a
server feeds.
"""

from __future__ import annotations

import base64
import json
import warnings
from typing import Any

import pytest
from joserfc import jws
from joserfc.jwk import OctKey

from grantflow import OAuth2Token
from grantflow._core._authorization import parse_callback, validate_callback
from grantflow._core._bearer import authorization_header
from grantflow._core._http import HttpResponse
from grantflow._core._id_token import IDTokenRules, compute_token_hash, validate_id_token
from grantflow._core._jwks import parse_jwks, unverified_header
from grantflow._core._responses import parse_json_object
from grantflow._core._token_response import parse_token_response
from grantflow._core._userinfo import UserInfoRules, parse_userinfo_response
from grantflow.errors import InvalidIDTokenError, InvalidResponseError, InvalidTokenError

NOW = 1_700_000_000
ISSUER = "https://op.example"
CLIENT = "client-1"
SECRET = "a-client-secret-of-decent-length"
HS_KEY = OctKey.import_key(SECRET)

DEEP_ARRAY = "[" * 100_000
DEEP_OBJECT = '{"a":' * 50_000
# Decodes without a RecursionError, but nests deeper than any protocol document does.
NESTED_IN_A_MEMBER = '{"access_token":"at","x":' + "[" * 500 + "]" * 500 + "}"


def b64(data: bytes | str) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def body_response(body: str, content_type: str = "application/json") -> HttpResponse:
    return HttpResponse(200, {"Content-Type": content_type}, body.encode())


def rules(**changes: Any) -> IDTokenRules:
    values: dict[str, Any] = {
        "issuer": ISSUER,
        "client_id": CLIENT,
        "now": NOW,
        "client_secret": SECRET,
        "allowed_algs": ("HS256",),
    }
    values.update(changes)
    return IDTokenRules(**values)


def hs256(payload: str | dict[str, Any], **header: Any) -> str:
    text = payload if isinstance(payload, str) else json.dumps(payload)
    return jws.serialize_compact({"alg": "HS256", **header}, text, HS_KEY)


def claims(**changes: Any) -> dict[str, Any]:
    return {"iss": ISSUER, "aud": CLIENT, "sub": "s", "exp": NOW + 300, "iat": NOW, **changes}


# -- deeply nested JSON ----------------------------------------------------------------


@pytest.mark.parametrize("body", [DEEP_ARRAY, DEEP_OBJECT, NESTED_IN_A_MEMBER])
def test_deep_json_from_the_token_endpoint_is_an_invalid_response(body: str) -> None:
    with pytest.raises(InvalidResponseError) as caught:
        parse_token_response(body_response(body))
    assert caught.value.status_code == 200


@pytest.mark.parametrize("what", ["discovery endpoint", "jwks_uri", "revocation endpoint"])
@pytest.mark.parametrize("body", [DEEP_ARRAY, DEEP_OBJECT])
def test_deep_json_from_discovery_and_key_set_endpoints_is_an_invalid_response(
    what: str, body: str
) -> None:
    with pytest.raises(InvalidResponseError):
        parse_json_object(body_response(body), what)


def test_a_key_set_with_deep_members_parses_to_its_usable_keys() -> None:
    doc = {"keys": [{"kty": "RSA", "n": [[[[[[[[[[[]]]]]]]]]]]}]}
    assert len(parse_jwks(doc)) == 0


@pytest.mark.parametrize("body", [DEEP_ARRAY, DEEP_OBJECT])
def test_deep_json_from_userinfo_is_an_invalid_response(body: str) -> None:
    with pytest.raises(InvalidResponseError):
        parse_userinfo_response(
            body_response(body),
            expected_sub=None,
            jwks=None,
            rules=UserInfoRules(issuer=ISSUER, client_id=CLIENT),
        )


# Under joserfc's 16 KiB header limit once base64url-encoded.
DEEP_HEADERS = ["[" * 11_000, '{"alg":"HS256","x":' + "[" * 11_000]


@pytest.mark.parametrize("header", DEEP_HEADERS)
def test_a_deep_id_token_header_is_an_invalid_id_token(header: str) -> None:
    token = f"{b64(header)}.{b64('{}')}.{b64('sig')}"
    with pytest.raises(InvalidIDTokenError) as caught:
        unverified_header(token)
    assert caught.value.claim == "signature"
    with pytest.raises(InvalidIDTokenError):
        validate_id_token(token, None, rules())


@pytest.mark.parametrize("payload", [DEEP_ARRAY, DEEP_OBJECT, NESTED_IN_A_MEMBER])
def test_a_deep_id_token_payload_is_an_invalid_id_token(payload: str) -> None:
    with pytest.raises(InvalidIDTokenError) as caught:
        validate_id_token(hs256(payload), None, rules())
    assert caught.value.claim == "signature"


def test_a_deep_but_decodable_id_token_header_is_refused_too() -> None:
    nested = "[" * 200 + "]" * 200
    header = '{"alg":"HS256","x":' + nested + "}"
    token = f"{b64(header)}.{b64(json.dumps(claims()))}.{b64('sig')}"
    with pytest.raises(InvalidIDTokenError) as caught:
        unverified_header(token)
    assert caught.value.claim == "signature"


# -- numbers too large for a float -------------------------------------------------------

HUGE = 10**309


@pytest.mark.parametrize(
    "member",
    [
        {"expires_in": HUGE},
        {"expires_in": str(HUGE)},
        {"expires_in": -HUGE},
        {"expires_at": HUGE},
        {"expires_at": -HUGE},
        {"expires_at": str(HUGE)},
        {"expires_in": 10**20},
        {"expires_at": 10**20},
    ],
    ids=lambda m: f"{next(iter(m))}-{str(next(iter(m.values())))[:6]}",
)
def test_huge_expiry_numbers_give_a_token_without_a_bare_overflow(member: dict[str, Any]) -> None:
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        token = parse_token_response(
            HttpResponse(
                200,
                {"Content-Type": "application/json"},
                json.dumps({"access_token": "at", **member}).encode(),
            ),
            now=NOW,
        )
        expired = token.is_expired(now=NOW)
    expires_at = token.get("expires_at")
    # Either no usable expiry, or a finite one that arithmetic and JSON can carry.
    assert expires_at is None or (type(expires_at) is int and abs(expires_at) < 2**63)
    assert expired in (None, True, False)
    json.dumps(token)


@pytest.mark.parametrize(
    ("name", "value", "blamed"),
    [
        ("exp", 10**400, None),
        ("iat", 10**400, "iat"),
        ("nbf", 10**400, "nbf"),
        ("auth_time", -(10**400), "auth_time"),
        ("exp", -(10**400), "exp"),
    ],
    ids=lambda v: str(v)[:8],
)
def test_huge_integer_times_in_an_id_token_are_compared_exactly(
    name: str, value: int, blamed: str | None
) -> None:
    token = hs256(claims(**{name: value}))
    check = rules(max_age=60) if name == "auth_time" else rules()
    if blamed is None:
        assert validate_id_token(token, None, check)[name] == value
    else:
        with pytest.raises(InvalidIDTokenError) as caught:
            validate_id_token(token, None, check)
        assert caught.value.claim == blamed


# -- access tokens a header cannot carry ---------------------------------------------------

UNSENDABLE_ACCESS_TOKENS = ["é𝔘", "\u2028", "tok\U0001f600en", "a\ud800b", "ab\x85"]


@pytest.mark.parametrize("access_token", UNSENDABLE_ACCESS_TOKENS, ids=ascii)
def test_a_token_response_with_a_non_ascii_access_token_is_refused_on_arrival(
    access_token: str,
) -> None:
    body = json.dumps({"access_token": access_token}, ensure_ascii=True).encode()
    with pytest.raises(InvalidResponseError) as caught:
        parse_token_response(HttpResponse(200, {"Content-Type": "application/json"}, body))
    assert access_token not in str(caught.value)


@pytest.mark.parametrize("access_token", ["é𝔘", "tok\U0001f600en", "a\ud800b", "x\ny"], ids=ascii)
def test_an_access_token_no_header_can_carry_is_kept_but_refused_when_sent(
    access_token: str,
) -> None:
    token = OAuth2Token({"access_token": access_token})
    assert token["access_token"] == access_token
    with pytest.raises(InvalidTokenError) as caught:
        authorization_header(token)
    assert access_token not in str(caught.value)


# -- callbacks -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "callback",
    [
        {"code": b"\xff\xfe", "state": "s"},
        {"code": "c", "state": [b"\xc3"]},
        {"code": "a\ud800b", "state": "s"},
        {"code": "c", "state": "s\udfff"},
        {"co\ud800de": "c", "state": "s"},
        "https://app.example/cb?code=a\ud800b&state=s",
        "code=c&state=s\udc80",
    ],
    ids=ascii,
)
def test_a_callback_that_is_not_text_is_an_invalid_response(callback: Any) -> None:
    with pytest.raises(InvalidResponseError):
        params = parse_callback(callback)
        validate_callback(params, expected_state="s", issuer=None, iss_required=False)


def test_a_callback_with_utf8_bytes_is_read_as_text() -> None:
    assert parse_callback({"code": b"c", "state": "sé".encode()}) == {
        "code": "c",
        "state": "sé",
    }


# -- hashes over values that are not ASCII -------------------------------------------------


@pytest.mark.parametrize("value", ["é", "a\ud800", "\U0001f600"], ids=ascii)
def test_at_hash_over_a_non_ascii_access_token_is_an_invalid_id_token(value: str) -> None:
    at_hash = compute_token_hash("ascii-token", "HS256")
    token = hs256(claims(at_hash=at_hash, c_hash=at_hash))
    with pytest.raises(InvalidIDTokenError) as caught:
        validate_id_token(token, None, rules(access_token=value))
    assert caught.value.claim == "at_hash"
    with pytest.raises(InvalidIDTokenError) as caught:
        validate_id_token(token, None, rules(code=value))
    assert caught.value.claim == "c_hash"


def test_compute_token_hash_refuses_a_value_that_is_not_ascii() -> None:
    with pytest.raises(ValueError, match="ASCII"):
        compute_token_hash("é", "RS256")
