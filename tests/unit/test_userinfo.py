"""UserInfo responses (OpenID Connect Core §5.3.2-§5.3.4): hand-built responses in, claims out."""

from __future__ import annotations

import json
from typing import Any

import pytest
from joserfc import jws
from joserfc.jwk import OctKey, RSAKey

from grantflow._core._http import HttpResponse
from grantflow._core._jwks import needs_refresh, parse_jwks
from grantflow._core._userinfo import (
    UserInfoRules,
    parse_userinfo_response,
    userinfo_jwt_header,
)
from grantflow.errors import InvalidResponseError, OAuthError

ISSUER = "https://op.example"
CLIENT = "client-1"
SECRET = "a-client-secret-of-decent-length"
SUB = "248289761001"
RSA = RSAKey.generate_key(2048, parameters={"kid": "rsa-1"})
STRANGER = RSAKey.generate_key(2048, parameters={"kid": "rsa-1"})
JWKS = parse_jwks({"keys": [RSA.as_dict(private=False)]})
RULES = UserInfoRules(issuer=ISSUER, client_id=CLIENT, client_secret=SECRET)


def json_response(body: Any, status: int = 200, **headers: str) -> HttpResponse:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return HttpResponse(status, {"Content-Type": "application/json", **headers}, raw)


def jwt_response(claims: dict[str, Any], key: Any = RSA, alg: str = "RS256") -> HttpResponse:
    header = {"alg": alg, **({"kid": key.kid} if key.kid else {})}
    token = jws.serialize_compact(header, json.dumps(claims), key, algorithms=[alg])
    return HttpResponse(200, {"Content-Type": "application/jwt; charset=utf-8"}, token.encode())


def parse(response: HttpResponse, expected_sub: str | None = SUB, **rules: Any) -> dict[str, Any]:
    rule_set = UserInfoRules(
        **{"issuer": ISSUER, "client_id": CLIENT, "client_secret": SECRET, **rules}
    )
    return parse_userinfo_response(response, expected_sub=expected_sub, jwks=JWKS, rules=rule_set)


def test_a_json_answer_with_the_id_tokens_sub_is_returned() -> None:
    body = {"sub": SUB, "name": "Jane Doe", "email": "janedoe@example.com"}
    assert parse(json_response(body)) == body


def test_a_json_answer_for_someone_else_is_refused() -> None:
    with pytest.raises(InvalidResponseError, match="'sub'") as info:
        parse(json_response({"sub": "someone-else", "name": "Mallory"}))
    assert info.value.status_code == 200


@pytest.mark.parametrize(
    "body", [{"name": "no sub"}, {"sub": ""}, {"sub": 42}], ids=["missing", "empty", "number"]
)
def test_a_missing_or_malformed_sub_is_refused(body: dict[str, Any]) -> None:
    with pytest.raises(InvalidResponseError, match="'sub'"):
        parse(json_response(body))


def test_without_an_id_token_any_sub_is_accepted_but_one_is_required() -> None:
    assert parse(json_response({"sub": "x"}), expected_sub=None) == {"sub": "x"}
    with pytest.raises(InvalidResponseError, match="'sub'"):
        parse(json_response({"name": "x"}), expected_sub=None)


def test_a_signed_answer_is_verified_and_returned() -> None:
    claims = {"sub": SUB, "iss": ISSUER, "aud": CLIENT, "name": "Jane"}
    assert parse(jwt_response(claims)) == claims


def test_a_signed_answer_without_iss_and_aud_is_accepted() -> None:
    assert parse(jwt_response({"sub": SUB})) == {"sub": SUB}


def test_an_hmac_signed_answer_is_keyed_by_the_client_secret() -> None:
    response = jwt_response({"sub": SUB}, OctKey.import_key(SECRET), "HS256")
    assert parse(response, allowed_algs=("HS256",)) == {"sub": SUB}
    with pytest.raises(InvalidResponseError, match="'signature'"):
        parse(response, allowed_algs=("HS256",), client_secret="another-secret-of-enough-size")


# (name, response, expected fragment of the message)
SIGNED_FAILURES: list[tuple[str, HttpResponse, str]] = [
    ("bad_signature", jwt_response({"sub": SUB}, STRANGER), "'signature'"),
    ("other_issuer", jwt_response({"sub": SUB, "iss": "https://evil.example"}), "'iss'"),
    ("other_audience", jwt_response({"sub": SUB, "aud": "other"}), "'aud'"),
    ("other_sub", jwt_response({"sub": "someone-else"}), "'sub'"),
    ("alg_not_allowed", jwt_response({"sub": SUB}, OctKey.import_key(SECRET), "HS256"), "'alg'"),
    ("not_a_jwt", HttpResponse(200, {"Content-Type": "application/jwt"}, b"<html>"), "'signature'"),
    ("encrypted", HttpResponse(200, {"Content-Type": "application/jwt"}, b"a.b.c.d.e"), "'alg'"),
]


@pytest.mark.parametrize(
    ("response", "fragment"),
    [row[1:] for row in SIGNED_FAILURES],
    ids=[row[0] for row in SIGNED_FAILURES],
)
def test_a_signed_answer_that_fails_verification_is_an_invalid_response(
    response: HttpResponse, fragment: str
) -> None:
    with pytest.raises(InvalidResponseError) as info:
        parse(response)
    assert fragment in str(info.value)
    assert info.value.status_code == 200


def test_json_is_refused_when_a_signed_answer_was_registered() -> None:
    with pytest.raises(InvalidResponseError, match="signed"):
        parse(json_response({"sub": SUB}), require_signed=True)
    assert parse(jwt_response({"sub": SUB}), require_signed=True) == {"sub": SUB}


def test_the_jwt_header_tells_the_session_when_to_refetch_keys() -> None:
    rotated = RSAKey.generate_key(2048, parameters={"kid": "rsa-2"})
    header = userinfo_jwt_header(jwt_response({"sub": SUB}, rotated))
    assert header == {"alg": "RS256", "kid": "rsa-2"}
    assert needs_refresh(JWKS, header) is True
    assert userinfo_jwt_header(json_response({"sub": SUB})) is None


def test_a_401_with_a_bearer_challenge_is_an_oauth_error() -> None:
    response = HttpResponse(
        401,
        {
            "WWW-Authenticate": 'Bearer realm="example", error="invalid_token", '
            'error_description="The access token \\"expired\\""'
        },
        b"",
    )
    with pytest.raises(OAuthError) as info:
        parse(response)
    assert type(info.value) is OAuthError
    assert info.value.error == "invalid_token"
    assert info.value.description == 'The access token "expired"'
    assert info.value.status_code == 401


def test_the_error_of_a_later_challenge_is_found() -> None:
    response = HttpResponse(
        403, {"WWW-Authenticate": 'DPoP algs="ES256", Bearer error=insufficient_scope'}
    )
    with pytest.raises(OAuthError) as info:
        parse(response)
    assert (info.value.error, info.value.status_code) == ("insufficient_scope", 403)


def test_a_json_error_body_is_an_oauth_error() -> None:
    with pytest.raises(OAuthError) as info:
        parse(json_response({"error": "invalid_request", "error_description": "bad"}, 400))
    assert (info.value.error, info.value.description, info.value.status_code) == (
        "invalid_request",
        "bad",
        400,
    )


# (name, response, status)
NOT_JSON: list[tuple[str, HttpResponse, int]] = [
    ("html_page", HttpResponse(200, {"Content-Type": "text/html"}, b"<html>login</html>"), 200),
    ("json_array", json_response([{"sub": SUB}]), 200),
    ("empty_body", HttpResponse(204, {}, b""), 204),
    (
        "gateway_error",
        HttpResponse(502, {"Content-Type": "text/html"}, b"<h1>Bad gateway</h1>"),
        502,
    ),
    (
        "challenge_without_error",
        HttpResponse(401, {"WWW-Authenticate": 'Bearer realm="x"'}, b"no"),
        401,
    ),
    ("signed_but_not_2xx", HttpResponse(500, {"Content-Type": "application/jwt"}, b"a.b.c"), 500),
    ("json_object_but_500", json_response({"sub": SUB}, 500), 500),
]


@pytest.mark.parametrize(
    ("response", "status"),
    [row[1:] for row in NOT_JSON],
    ids=[row[0] for row in NOT_JSON],
)
def test_an_answer_that_is_not_the_expected_object_is_an_invalid_response(
    response: HttpResponse, status: int
) -> None:
    with pytest.raises(InvalidResponseError) as info:
        parse(response)
    assert info.value.status_code == status


def test_errors_do_not_show_the_body_or_the_secret() -> None:
    body = {"sub": "someone-else", "email": "private@example.com"}
    with pytest.raises(InvalidResponseError) as info:
        parse(json_response(body))
    shown = f"{info.value} {info.value!r} {RULES!r}"
    for value in ("someone-else", "private@example.com", SECRET):
        assert value not in shown
