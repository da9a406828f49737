"""Pushed authorization requests (RFC 9126): the push, its answer, the front-channel URL."""

from __future__ import annotations

from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest

from grantflow._core._http import HttpResponse
from grantflow._core._par import (
    PushedAuthorization,
    build_par_authorization_url,
    build_par_request,
    parse_par_response,
)
from grantflow.errors import InvalidResponseError, OAuthError

from ._responses import json_response

ENDPOINT = "https://as.example/par"
REQUEST_URI = "urn:ietf:params:oauth:request_uri:6esc_11ACC5bwc014ltc14eY22c"


def test_push_is_a_form_post_of_every_authorization_parameter() -> None:
    params = {
        "response_type": "code",
        "client_id": "c1",
        "redirect_uri": "https://app.example/cb",
        "scope": "openid",
        "state": "s" * 43,
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        "code_challenge_method": "S256",
        "resource": ["https://a.example/", "https://b.example/"],
        "authorization_details": [{"type": "t"}],
        "prompt": None,
    }
    request = build_par_request(ENDPOINT, params, headers={"X-Trace": "1"})
    assert (request.method, request.url) == ("POST", ENDPOINT)
    assert request.headers["Content-Type"].startswith("application/x-www-form-urlencoded")
    assert request.headers["X-Trace"] == "1"
    assert request.body is not None
    pairs = parse_qsl(request.body.decode())
    assert dict(pairs)["code_challenge_method"] == "S256"
    assert [v for k, v in pairs if k == "resource"] == params["resource"]
    assert [v for k, v in pairs if k == "authorization_details"] == ['[{"type":"t"}]']
    assert "prompt" not in dict(pairs)


def test_push_with_a_request_uri_is_value_error() -> None:
    with pytest.raises(ValueError, match="request_uri"):
        build_par_request(ENDPOINT, {"client_id": "c1", "request_uri": REQUEST_URI})


def pushed(status: int = 201, **fields: object) -> HttpResponse:
    return json_response(status, {"request_uri": REQUEST_URI, **fields})


GOOD_ROWS: list[tuple[str, HttpResponse, int]] = [
    ("created", pushed(expires_in=60), 60),
    ("ok_status", pushed(200, expires_in=90), 90),
    ("string_expiry", pushed(expires_in="30"), 30),
]


@pytest.mark.parametrize(
    ("response", "expires_in"), [r[1:] for r in GOOD_ROWS], ids=[r[0] for r in GOOD_ROWS]
)
def test_push_response_gives_the_request_uri_and_its_lifetime(
    response: HttpResponse, expires_in: int
) -> None:
    assert parse_par_response(response) == PushedAuthorization(REQUEST_URI, expires_in)


BAD_ROWS: list[tuple[str, HttpResponse, str]] = [
    ("no_request_uri", json_response(201, {"expires_in": 60}), "request_uri"),
    ("request_uri_not_string", pushed(request_uri=5, expires_in=60), "request_uri"),
    ("no_expires_in", pushed(), "expires_in"),
    ("zero_expires_in", pushed(expires_in=0), "expires_in"),
    ("negative_expires_in", pushed(expires_in=-5), "expires_in"),
    ("text_expires_in", pushed(expires_in="soon"), "expires_in"),
    ("bool_expires_in", pushed(expires_in=True), "expires_in"),
    ("accepted_status", pushed(202, expires_in=60), "202"),
    ("html", HttpResponse(201, {"Content-Type": "text/html"}, b"<html></html>"), "not JSON"),
    ("server_error_page", HttpResponse(500, {}, b"oops"), "not JSON"),
]


@pytest.mark.parametrize(
    ("response", "message"), [r[1:] for r in BAD_ROWS], ids=[r[0] for r in BAD_ROWS]
)
def test_a_push_response_that_breaks_the_spec_is_invalid_response(
    response: HttpResponse, message: str
) -> None:
    with pytest.raises(InvalidResponseError, match=message) as caught:
        parse_par_response(response)
    assert caught.value.status_code == response.status_code
    assert REQUEST_URI not in str(caught.value)


@pytest.mark.parametrize(
    ("status", "error"), [(400, "invalid_request"), (401, "invalid_client"), (400, "invalid_scope")]
)
def test_an_error_body_is_the_servers_oauth_error(status: int, error: str) -> None:
    body = {"error": error, "error_description": "no"}
    with pytest.raises(OAuthError) as caught:
        parse_par_response(json_response(status, body))
    assert type(caught.value) is OAuthError
    assert (caught.value.error, caught.value.description) == (error, "no")
    assert caught.value.status_code == status


def test_the_pushed_handle_does_not_show_in_repr() -> None:
    assert REQUEST_URI not in repr(PushedAuthorization(REQUEST_URI, 60))


def test_the_authorization_url_carries_only_client_id_and_request_uri() -> None:
    url = build_par_authorization_url("https://as.example/authorize", "c1", REQUEST_URI)
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "as.example", "/authorize")
    assert parse_qs(parts.query) == {"client_id": ["c1"], "request_uri": [REQUEST_URI]}


def test_the_authorization_url_keeps_the_endpoints_own_query() -> None:
    url = build_par_authorization_url("https://as.example/authorize?tenant=t1", "c1", REQUEST_URI)
    assert parse_qs(urlsplit(url).query) == {
        "tenant": ["t1"],
        "client_id": ["c1"],
        "request_uri": [REQUEST_URI],
    }


@pytest.mark.parametrize(("client_id", "request_uri"), [("", REQUEST_URI), ("c1", "")])
def test_the_authorization_url_needs_both_values(client_id: str, request_uri: str) -> None:
    with pytest.raises(ValueError, match="client_id and request_uri"):
        build_par_authorization_url("https://as.example/authorize", client_id, request_uri)
