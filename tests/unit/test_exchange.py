"""OAuth 2.0 token exchange (RFC 8693): the request's parameters and the issued token."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import pytest

import grantflow
from grantflow._core import _exchange
from grantflow._core._exchange import (
    ACCESS_TOKEN_TYPE,
    ID_TOKEN_TYPE,
    JWT_TOKEN_TYPE,
    REFRESH_TOKEN_TYPE,
    SAML1_TOKEN_TYPE,
    SAML2_TOKEN_TYPE,
    TOKEN_EXCHANGE_GRANT,
    build_token_exchange_request,
    parse_token_exchange_response,
    token_exchange_params,
)
from grantflow.errors import InvalidResponseError, OAuthError

from ._responses import json_response

TOKEN_ENDPOINT = "https://as.example/token"
NOW = 1_700_000_000


@pytest.mark.parametrize(
    ("uri", "suffix"),
    [
        (ACCESS_TOKEN_TYPE, "access_token"),
        (REFRESH_TOKEN_TYPE, "refresh_token"),
        (ID_TOKEN_TYPE, "id_token"),
        (SAML1_TOKEN_TYPE, "saml1"),
        (SAML2_TOKEN_TYPE, "saml2"),
        (JWT_TOKEN_TYPE, "jwt"),
    ],
)
def test_token_type_uris_are_rfc_8693_section_3s(uri: str, suffix: str) -> None:
    assert uri == "urn:ietf:params:oauth:token-type:" + suffix


def test_the_grant_type_is_rfc_8693_section_2_1s() -> None:
    grant = TOKEN_EXCHANGE_GRANT
    assert grant == "urn:ietf:params:oauth:grant-type:token-exchange"


@pytest.mark.parametrize("name", [n for n in _exchange.__all__ if n.endswith("_TOKEN_TYPE")])
def test_token_type_constants_are_exported(name: str) -> None:
    assert getattr(grantflow, name) is getattr(_exchange, name)
    assert name in grantflow.__all__


def body_pairs(
    params: dict[str, Any], extra: dict[str, Any] | None = None
) -> list[tuple[str, str]]:
    request = build_token_exchange_request(TOKEN_ENDPOINT, params, extra)
    assert (request.method, request.url) == ("POST", TOKEN_ENDPOINT)
    assert request.body is not None
    return parse_qsl(request.body.decode())


def test_the_smallest_exchange_sends_the_subject_token_as_an_access_token() -> None:
    assert body_pairs(token_exchange_params("subject-at")) == [
        ("grant_type", TOKEN_EXCHANGE_GRANT),
        ("subject_token", "subject-at"),
        ("subject_token_type", ACCESS_TOKEN_TYPE),
    ]


def test_every_parameter_goes_out_with_audiences_and_resources_repeated() -> None:
    params = token_exchange_params(
        "subject-jwt",
        JWT_TOKEN_TYPE,
        actor_token="actor-at",
        actor_token_type=ACCESS_TOKEN_TYPE,
        requested_token_type=ID_TOKEN_TYPE,
        audience=["svc-a", "svc-b"],
        resource=["https://a.example/", "https://b.example/"],
        scope=["read", "write"],
    )
    pairs = body_pairs(params, {"client_id": "c1"})
    assert dict(pairs)["subject_token_type"] == JWT_TOKEN_TYPE
    assert dict(pairs)["actor_token"] == "actor-at"
    assert dict(pairs)["actor_token_type"] == ACCESS_TOKEN_TYPE
    assert dict(pairs)["requested_token_type"] == ID_TOKEN_TYPE
    assert dict(pairs)["scope"] == "read write"
    assert dict(pairs)["client_id"] == "c1"
    assert [v for k, v in pairs if k == "audience"] == ["svc-a", "svc-b"]
    assert [v for k, v in pairs if k == "resource"] == ["https://a.example/", "https://b.example/"]


def test_one_audience_and_one_resource_are_sent_once() -> None:
    params = token_exchange_params("at", audience="svc", resource="https://a.example/")
    pairs = body_pairs(params)
    assert [v for k, v in pairs if k in ("audience", "resource")] == ["svc", "https://a.example/"]


def test_extra_parameters_cannot_replace_the_subject_token() -> None:
    pairs = body_pairs(token_exchange_params("mine"), {"subject_token": "other", "x": "1"})
    assert [v for k, v in pairs if k == "subject_token"] == ["mine"]
    assert ("x", "1") in pairs


BAD_ROWS: list[tuple[str, dict[str, Any], str]] = [
    ("no_subject_token", {"subject_token": ""}, "subject_token"),
    ("no_subject_token_type", {"subject_token_type": ""}, "subject_token_type"),
    ("actor_without_type", {"actor_token": "act"}, "actor_token_type"),
    ("actor_type_without_actor", {"actor_token_type": JWT_TOKEN_TYPE}, "only sent"),
    ("relative_resource", {"resource": "/api"}, "RFC 8707"),
]


@pytest.mark.parametrize(
    ("kwargs", "message"), [r[1:] for r in BAD_ROWS], ids=[r[0] for r in BAD_ROWS]
)
def test_an_exchange_the_rfc_forbids_is_value_error(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        token_exchange_params(**{"subject_token": "at", **kwargs})


def test_the_issued_token_carries_its_type() -> None:
    body = {
        "access_token": "issued-jwt",
        "issued_token_type": JWT_TOKEN_TYPE,
        "token_type": "N_A",
        "expires_in": 60,
    }
    token = parse_token_exchange_response(json_response(200, body), now=NOW)
    assert token["issued_token_type"] == JWT_TOKEN_TYPE
    assert token["token_type"] == "N_A"
    assert token["expires_at"] == NOW + 60
    assert "issued-jwt" not in repr(token)


@pytest.mark.parametrize("issued", [None, "", 5])
def test_a_response_without_issued_token_type_is_invalid_response(issued: object) -> None:
    body: dict[str, Any] = {"access_token": "at-2", "token_type": "Bearer"}
    if issued is not None:
        body["issued_token_type"] = issued
    with pytest.raises(InvalidResponseError, match="issued_token_type") as caught:
        parse_token_exchange_response(json_response(200, body))
    assert caught.value.status_code == 200
    assert "at-2" not in str(caught.value)


def test_an_error_is_the_servers_oauth_error() -> None:
    body = {"error": "invalid_target", "error_description": "unknown audience"}
    with pytest.raises(OAuthError) as caught:
        parse_token_exchange_response(json_response(400, body))
    assert (caught.value.error, caught.value.status_code) == ("invalid_target", 400)
