"""Dynamic client registration (RFC 7591): the JSON request and the registered client."""

from __future__ import annotations

import json
from typing import Any

import pytest

from grantflow._core._http import HttpResponse
from grantflow._core._registration import (
    RegisteredClient,
    build_registration_request,
    parse_registration_response,
)
from grantflow.errors import InvalidResponseError, OAuthError

from ._responses import json_response

ENDPOINT = "https://as.example/reg"
SECRET = "cf136dc3c1fc93f31185e5885805d"
RAT = "this.is.a.registration.access.token"
METADATA: dict[str, Any] = {
    "redirect_uris": ["https://app.example/cb"],
    "client_name": "grantflow test",
    "grant_types": ["authorization_code", "refresh_token"],
    "token_endpoint_auth_method": "client_secret_post",
}


def test_registration_posts_the_metadata_as_json() -> None:
    request = build_registration_request(ENDPOINT, METADATA)
    assert (request.method, request.url) == ("POST", ENDPOINT)
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Accept"] == "application/json"
    assert "Authorization" not in request.headers
    assert request.body is not None
    assert json.loads(request.body) == METADATA


def test_no_metadata_is_an_empty_object() -> None:
    request = build_registration_request(ENDPOINT)
    assert request.body == b"{}"


def test_the_initial_access_token_is_a_bearer_token_kept_out_of_repr() -> None:
    request = build_registration_request(ENDPOINT, METADATA, initial_access_token="iat-123")
    assert request.headers["Authorization"] == "Bearer iat-123"
    assert "iat-123" not in repr(request)


BAD_REQUESTS: list[tuple[str, dict[str, Any], str]] = [
    ("metadata_not_a_mapping", {"metadata": ["redirect_uris"]}, "mapping"),
    ("metadata_not_json", {"metadata": {"redirect_uris": {"https://a/"}}}, "JSON"),
    ("empty_initial_token", {"initial_access_token": ""}, "initial access token"),
    ("initial_token_with_space", {"initial_access_token": "a b"}, "initial access token"),
    ("initial_token_with_newline", {"initial_access_token": "a\nb"}, "initial access token"),
]


@pytest.mark.parametrize(
    ("kwargs", "message"), [r[1:] for r in BAD_REQUESTS], ids=[r[0] for r in BAD_REQUESTS]
)
def test_a_request_that_cannot_be_sent_is_value_error(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        build_registration_request(ENDPOINT, **kwargs)
    assert "a\nb" not in str(caught.value)


REGISTERED: dict[str, Any] = {
    "client_id": "s6BhdRkqt3",
    "client_secret": SECRET,
    "client_id_issued_at": 2893256800,
    "client_secret_expires_at": 2893276800,
    "registration_access_token": RAT,
    "registration_client_uri": "https://as.example/reg/s6BhdRkqt3",
    **METADATA,
}


@pytest.mark.parametrize("status", [201, 200])
def test_the_registered_client_is_returned_whole(status: int) -> None:
    client = parse_registration_response(json_response(status, REGISTERED))
    assert isinstance(client, RegisteredClient)
    assert client == REGISTERED
    assert client.token_endpoint_auth_method == "client_secret_post"


def test_repr_hides_the_secret_and_the_registration_access_token() -> None:
    client = parse_registration_response(json_response(201, REGISTERED))
    text = repr(client) + str(client)
    assert SECRET not in text
    assert RAT not in text
    assert "s6BhdRkqt3" in text


def test_a_public_client_without_a_method_uses_the_rfc_default() -> None:
    client = parse_registration_response(json_response(201, {"client_id": "pub-1"}))
    assert client.token_endpoint_auth_method == "client_secret_basic"


BAD_RESPONSES: list[tuple[str, HttpResponse, str]] = [
    ("no_client_id", json_response(201, {"client_secret": SECRET}), "client_id"),
    ("empty_client_id", json_response(201, {"client_id": ""}), "client_id"),
    ("client_id_not_string", json_response(201, {"client_id": 42}), "client_id"),
    ("secret_not_string", json_response(201, {"client_id": "c", "client_secret": 5}), "secret"),
    ("html", HttpResponse(201, {"Content-Type": "text/html"}, b"<html/>"), "not JSON"),
    ("server_error", HttpResponse(500, {}, b"{}"), "500"),
]


@pytest.mark.parametrize(
    ("response", "message"), [r[1:] for r in BAD_RESPONSES], ids=[r[0] for r in BAD_RESPONSES]
)
def test_a_response_without_a_usable_client_is_invalid_response(
    response: HttpResponse, message: str
) -> None:
    with pytest.raises(InvalidResponseError, match=message) as caught:
        parse_registration_response(response)
    assert caught.value.status_code == response.status_code
    assert SECRET not in str(caught.value)


@pytest.mark.parametrize(
    "error", ["invalid_redirect_uri", "invalid_client_metadata", "invalid_software_statement"]
)
def test_a_refusal_is_the_servers_oauth_error(error: str) -> None:
    with pytest.raises(OAuthError) as caught:
        parse_registration_response(json_response(400, {"error": error}))
    assert type(caught.value) is OAuthError
    assert (caught.value.error, caught.value.status_code) == (error, 400)
