"""Token endpoint responses (RFC 6749 §5.1, §5.2, §6): tables of good and bad answers."""

from __future__ import annotations

import json
import warnings
from typing import Any

import pytest

from grantflow import InvalidResponseError, OAuth2Token, OAuthError
from grantflow._core._http import HttpResponse
from grantflow._core._token_response import parse_token_response

NOW = 1_700_000_000
SECRET_AT = "AT-very-secret-8f1d"
SECRET_RT = "RT-very-secret-77aa"
JSON = {"Content-Type": "application/json"}


def json_response(
    data: Any, status: int = 200, content_type: str = "application/json"
) -> HttpResponse:
    return HttpResponse(status, {"Content-Type": content_type}, json.dumps(data).encode())


def raw_response(
    body: bytes | str, status: int = 200, content_type: str | None = None
) -> HttpResponse:
    headers = {"Content-Type": content_type} if content_type else {}
    return HttpResponse(status, headers, body.encode() if isinstance(body, str) else body)


# (name, response, expected subset of the token)
GOOD_ROWS: list[tuple[str, HttpResponse, dict[str, Any]]] = [
    (
        "full_json",
        json_response(
            {
                "access_token": SECRET_AT,
                "token_type": "Bearer",
                "expires_in": 3600,
                "refresh_token": SECRET_RT,
                "scope": "read write",
            }
        ),
        {
            "access_token": SECRET_AT,
            "token_type": "Bearer",
            "expires_at": NOW + 3600,
            "refresh_token": SECRET_RT,
            "scope": "read write",
        },
    ),
    (
        "json_with_charset",
        json_response({"access_token": SECRET_AT}, content_type="application/json; charset=utf-8"),
        {"access_token": SECRET_AT},
    ),
    (
        "json_without_content_type",
        raw_response(json.dumps({"access_token": SECRET_AT, "token_type": "bearer"})),
        {"access_token": SECRET_AT, "token_type": "bearer"},
    ),
    (
        "json_labelled_text_plain",
        raw_response(json.dumps({"access_token": SECRET_AT}), content_type="text/plain"),
        {"access_token": SECRET_AT},
    ),
    (
        "expires_in_numeric_string",
        json_response({"access_token": SECRET_AT, "expires_in": "3600"}),
        {"expires_at": NOW + 3600},
    ),
    (
        "no_token_type",
        json_response({"access_token": SECRET_AT, "expires_in": 60}),
        {"access_token": SECRET_AT, "expires_at": NOW + 60},
    ),
    (
        "extra_fields_are_kept",
        json_response({"access_token": SECRET_AT, "custom": {"a": 1}, "issued_token_type": "x"}),
        {"custom": {"a": 1}, "issued_token_type": "x"},
    ),
    (
        "status_201_is_success",
        json_response({"access_token": SECRET_AT}, status=201),
        {"access_token": SECRET_AT},
    ),
    (
        "form_encoded_answer",
        raw_response(
            f"access_token={SECRET_AT}&token_type=bearer&expires_in=3600",
            content_type="application/x-www-form-urlencoded",
        ),
        {"access_token": SECRET_AT, "token_type": "bearer", "expires_at": NOW + 3600},
    ),
]


@pytest.mark.parametrize(
    ("response", "expected"), [r[1:] for r in GOOD_ROWS], ids=[r[0] for r in GOOD_ROWS]
)
def test_good_token_responses_become_tokens(
    response: HttpResponse, expected: dict[str, Any]
) -> None:
    token = parse_token_response(response, now=NOW)
    assert isinstance(token, OAuth2Token)
    for key, value in expected.items():
        assert token[key] == value, key


def test_garbage_expires_in_gives_a_token_without_expiry_and_a_warning() -> None:
    response = json_response({"access_token": SECRET_AT, "expires_in": "tomorrow"})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        token = parse_token_response(response, now=NOW)
    assert token["access_token"] == SECRET_AT
    assert "expires_at" not in token
    assert caught
    assert all(SECRET_AT not in str(w.message) for w in caught)


def test_refresh_response_without_refresh_token_keeps_the_old_one() -> None:
    response = json_response({"access_token": "new-at", "expires_in": 60})
    token = parse_token_response(response, previous_refresh_token=SECRET_RT, now=NOW)
    assert token["refresh_token"] == SECRET_RT
    assert token["access_token"] == "new-at"


def test_refresh_response_with_a_new_refresh_token_uses_the_new_one() -> None:
    response = json_response({"access_token": "new-at", "refresh_token": "rotated"})
    token = parse_token_response(response, previous_refresh_token=SECRET_RT, now=NOW)
    assert token["refresh_token"] == "rotated"


def test_response_without_refresh_token_and_no_previous_has_none() -> None:
    token = parse_token_response(json_response({"access_token": "a"}), now=NOW)
    assert "refresh_token" not in token


HTML = "<html><body><h1>Bad Gateway</h1>" + SECRET_AT + "</body></html>"

# (name, response, error class, expected status_code, expected error code or None)
BAD_ROWS: list[tuple[str, HttpResponse, type[OAuthError], int, str | None]] = [
    ("html_200", raw_response(HTML, 200, "text/html"), InvalidResponseError, 200, None),
    ("html_502", raw_response(HTML, 502, "text/html"), InvalidResponseError, 502, None),
    (
        "plain_text_500",
        raw_response("oops " + SECRET_AT, 500, "text/plain"),
        InvalidResponseError,
        500,
        None,
    ),
    ("empty_body_200", raw_response(b"", 200, "application/json"), InvalidResponseError, 200, None),
    ("empty_body_401", raw_response(b"", 401), InvalidResponseError, 401, None),
    ("json_array", json_response([{"access_token": SECRET_AT}]), InvalidResponseError, 200, None),
    ("json_string", json_response(SECRET_AT), InvalidResponseError, 200, None),
    ("json_number", json_response(42), InvalidResponseError, 200, None),
    ("json_null", json_response(None), InvalidResponseError, 200, None),
    ("no_access_token", json_response({"token_type": "Bearer"}), InvalidResponseError, 200, None),
    ("empty_access_token", json_response({"access_token": ""}), InvalidResponseError, 200, None),
    (
        "access_token_not_a_string",
        json_response({"access_token": 12345}),
        InvalidResponseError,
        200,
        None,
    ),
    (
        "not_utf8",
        raw_response(b"\xff\xfe\x00garbage", 200, "application/json"),
        InvalidResponseError,
        200,
        None,
    ),
    (
        "token_in_a_500_without_error",
        json_response({"access_token": SECRET_AT}, status=500),
        InvalidResponseError,
        500,
        None,
    ),
    (
        "json_object_4xx_without_error",
        json_response({"message": "nope"}, status=403),
        InvalidResponseError,
        403,
        None,
    ),
    (
        "error_body_400",
        json_response({"error": "invalid_grant", "error_description": "code expired"}, 400),
        OAuthError,
        400,
        "invalid_grant",
    ),
    (
        "error_body_401",
        json_response({"error": "invalid_client"}, 401),
        OAuthError,
        401,
        "invalid_client",
    ),
    (
        "error_body_with_200",
        json_response({"error": "slow_down", "error_description": "wait"}, 200),
        OAuthError,
        200,
        "slow_down",
    ),
    (
        "error_body_500",
        json_response({"error": "server_error"}, 500),
        OAuthError,
        500,
        "server_error",
    ),
    (
        "error_body_with_an_access_token",
        json_response({"error": "invalid_scope", "access_token": SECRET_AT}, 200),
        OAuthError,
        200,
        "invalid_scope",
    ),
]


@pytest.mark.parametrize(
    ("response", "error_class", "status", "code"),
    [r[1:] for r in BAD_ROWS],
    ids=[r[0] for r in BAD_ROWS],
)
def test_bad_token_responses_raise_typed_errors_with_status_and_no_token(
    response: HttpResponse, error_class: type[OAuthError], status: int, code: str | None
) -> None:
    with pytest.raises(OAuthError) as caught:
        parse_token_response(response, previous_refresh_token=SECRET_RT, now=NOW)
    error = caught.value
    assert isinstance(error, error_class)
    if error_class is OAuthError:
        # A server's OAuth error is not a protocol breach of ours.
        assert not isinstance(error, InvalidResponseError)
    assert error.status_code == status
    if code is not None:
        assert error.error == code
    for text in (str(error), repr(error), " ".join(map(str, error.args))):
        assert SECRET_AT not in text
        assert SECRET_RT not in text
    assert str(error).strip(), "the message must say what was wrong"


def test_oauth_error_carries_description_and_uri_and_formats_as_error_colon_description() -> None:
    response = json_response(
        {
            "error": "invalid_grant",
            "error_description": "the code was already used",
            "error_uri": "https://as.example/errors/invalid_grant",
        },
        400,
    )
    with pytest.raises(OAuthError) as caught:
        parse_token_response(response)
    error = caught.value
    assert error.error == "invalid_grant"
    assert error.description == "the code was already used"
    assert error.error_description == "the code was already used"
    assert error.uri == "https://as.example/errors/invalid_grant"
    assert str(error) == "invalid_grant: the code was already used"


def test_oauth_error_without_description_formats_as_the_code_alone() -> None:
    with pytest.raises(OAuthError) as caught:
        parse_token_response(json_response({"error": "invalid_client"}, 401))
    assert str(caught.value) == "invalid_client"
    assert caught.value.description is None


def test_invalid_response_message_names_the_status() -> None:
    with pytest.raises(InvalidResponseError) as caught:
        parse_token_response(raw_response(HTML, 503, "text/html"))
    assert "503" in str(caught.value)


def test_missing_access_token_message_says_so() -> None:
    with pytest.raises(InvalidResponseError) as caught:
        parse_token_response(json_response({"token_type": "Bearer"}))
    assert "access_token" in str(caught.value)
