"""Client authentication methods (RFC 6749 §2.3.1, §3.2.1; RFC 8705 §2) on hand-built requests."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote_plus

import pytest

from grantflow import OAuth2Session
from grantflow._core._client_auth import (
    client_secret_basic,
    client_secret_post,
    public_client,
    tls_client_auth,
)

TOKEN_URL = "https://as.example/token"
BODY = "grant_type=client_credentials&scope=read"
BASE_HEADERS = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}


@dataclass
class Client:
    client_id: str | None
    client_secret: Any


def decode_basic(header: str) -> tuple[str, str]:
    """Decode a Basic header the way RFC 6749 §2.3.1 asks a server to."""
    scheme, _, value = header.partition(" ")
    assert scheme == "Basic"
    raw = base64.b64decode(value).decode("utf-8")
    user, sep, password = raw.partition(":")
    assert sep == ":"
    return unquote_plus(user), unquote_plus(password)


# (name, client_id, client_secret)
CREDENTIAL_ROWS: list[tuple[str, str, str]] = [
    ("plain", "client-1", "s3cret"),
    ("colon_in_id_and_secret", "urn:client:1", "a:b:c"),
    ("plus_and_space", "client+1", "se cret+x"),
    ("percent_and_ampersand", "c%1&2", "50%&off="),
    ("non_ascii", "clïent", "sécret-ü"),
    ("slash_and_question", "a/b?c", "x/y?z#w"),
    ("empty_secret", "client-1", ""),
]


@pytest.mark.parametrize(
    ("client_id", "secret"), [r[1:] for r in CREDENTIAL_ROWS], ids=[r[0] for r in CREDENTIAL_ROWS]
)
def test_basic_form_encodes_id_and_secret_before_base64(client_id: str, secret: str) -> None:
    uri, headers, body = client_secret_basic(
        Client(client_id, secret), "POST", TOKEN_URL, dict(BASE_HEADERS), BODY
    )
    assert uri == TOKEN_URL
    assert body == BODY
    assert decode_basic(headers["Authorization"]) == (client_id, secret)
    # The encoded user name has no bare ':' (it would split the credentials wrongly).
    raw = base64.b64decode(headers["Authorization"].split(" ", 1)[1]).decode()
    assert raw.count(":") == 1
    assert headers["Content-Type"] == BASE_HEADERS["Content-Type"]


def test_basic_with_simple_credentials_is_the_plain_base64_pair() -> None:
    _, headers, _ = client_secret_basic(Client("client-1", "s3cret"), "POST", TOKEN_URL, {}, BODY)
    assert headers["Authorization"] == "Basic " + base64.b64encode(b"client-1:s3cret").decode()


def test_basic_encodes_a_space_as_plus_per_form_encoding() -> None:
    _, headers, _ = client_secret_basic(Client("a b", "c d"), "POST", TOKEN_URL, {}, "")
    raw = base64.b64decode(headers["Authorization"].split(" ", 1)[1]).decode()
    assert raw == "a+b:c+d"


def test_basic_does_not_modify_the_callers_headers() -> None:
    headers = dict(BASE_HEADERS)
    client_secret_basic(Client("id", "secret"), "POST", TOKEN_URL, headers, BODY)
    assert headers == BASE_HEADERS


@pytest.mark.parametrize(
    ("client_id", "secret"), [r[1:] for r in CREDENTIAL_ROWS], ids=[r[0] for r in CREDENTIAL_ROWS]
)
def test_post_puts_id_and_secret_in_the_form(client_id: str, secret: str) -> None:
    uri, headers, body = client_secret_post(
        Client(client_id, secret), "POST", TOKEN_URL, dict(BASE_HEADERS), BODY
    )
    form = parse_qs(body, keep_blank_values=True)
    assert form["client_id"] == [client_id]
    assert form["client_secret"] == [secret]
    assert form["grant_type"] == ["client_credentials"]
    assert form["scope"] == ["read"]
    assert "Authorization" not in headers
    assert uri == TOKEN_URL


@pytest.mark.parametrize(
    "method", [public_client, tls_client_auth], ids=["none", "tls_client_auth"]
)
def test_none_and_tls_send_the_client_id_and_never_the_secret(method: Any) -> None:
    uri, headers, body = method(
        Client("client-1", "must-not-leak"), "POST", TOKEN_URL, dict(BASE_HEADERS), BODY
    )
    form = parse_qs(body)
    assert form["client_id"] == ["client-1"]
    assert "client_secret" not in form
    assert "must-not-leak" not in body
    assert "Authorization" not in headers
    assert "must-not-leak" not in repr(headers)
    assert uri == TOKEN_URL


def test_none_on_an_empty_body_gives_just_the_client_id() -> None:
    _, _, body = public_client(Client("c", None), "POST", TOKEN_URL, {}, "")
    assert body == "client_id=c"


# The session picks its default method from whether it has a secret (api.md §2).
def test_default_method_is_basic_with_a_secret_and_none_without() -> None:
    assert OAuth2Session("id", "secret").token_endpoint_auth_method == "client_secret_basic"
    assert OAuth2Session("id").token_endpoint_auth_method == "none"


def test_session_repr_shows_no_secret() -> None:
    session = OAuth2Session(
        "client-1",
        "SECRET-VALUE-9",
        token={"access_token": "AT-VALUE-9", "refresh_token": "RT-VALUE-9"},
    )
    text = repr(session) + str(session) + repr(session.token) + repr(session.token_auth)
    for secret in ("SECRET-VALUE-9", "AT-VALUE-9", "RT-VALUE-9"):
        assert secret not in text
    session.close()


@pytest.mark.parametrize(
    "method", [public_client, tls_client_auth, client_secret_post], ids=lambda m: m.__name__
)
def test_a_body_that_names_the_client_already_is_not_given_a_second_client_id(
    method: Any,
) -> None:
    # A pushed authorization request carries client_id among its parameters (RFC 9126 §2.1).
    pushed = "response_type=code&client_id=c&state=s"
    _, _, body = method(Client("c", "secret"), "POST", TOKEN_URL, {}, pushed)
    assert parse_qs(body)["client_id"] == ["c"]
