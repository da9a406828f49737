"""Resource indicators (RFC 8707) and authorization_details (RFC 9396) on the wire."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest

from grantflow._core._authorization import build_authorization_url
from grantflow._core._grants import build_token_request
from grantflow._core._indicators import (
    authorization_details_value,
    indicator_params,
    resource_indicators,
)
from grantflow._core._params import flatten_params

DETAILS = [
    {"type": "payment_initiation", "instructedAmount": {"currency": "EUR", "amount": "123.50"}},
    {"type": "account_information", "actions": ["read"], "locations": ["https://a.example/"]},
]


# --- the encoder ----------------------------------------------------------------------

ONE_DETAIL_JSON = (
    '[{"type":"payment_initiation","instructedAmount":{"currency":"EUR","amount":"123.50"}}]'
)

FLATTEN_ROWS: list[tuple[str, dict[str, Any], list[tuple[str, str]]]] = [
    (
        "strings_repeat",
        {"r": ["https://a/", "https://b/"]},
        [("r", "https://a/"), ("r", "https://b/")],
    ),
    (
        "object_is_json",
        {"claims": {"id_token": {"acr": None}}},
        [("claims", '{"id_token":{"acr":null}}')],
    ),
    ("objects_are_one_json_array", {"d": DETAILS[:1]}, [("d", ONE_DETAIL_JSON)]),
    ("tuple_of_objects_too", {"d": ({"type": "t"},)}, [("d", '[{"type":"t"}]')]),
    ("none_dropped", {"resource": None, "a": "1"}, [("a", "1")]),
]


@pytest.mark.parametrize(
    ("params", "pairs"), [r[1:] for r in FLATTEN_ROWS], ids=[r[0] for r in FLATTEN_ROWS]
)
def test_lists_of_strings_repeat_and_objects_are_json(
    params: dict[str, Any], pairs: list[tuple[str, str]]
) -> None:
    assert flatten_params(params) == pairs


def test_authorization_details_go_out_as_one_parameter_in_the_authorization_url() -> None:
    url = build_authorization_url(
        "https://as.example/authorize",
        {"response_type": "code", "authorization_details": DETAILS, "resource": ["https://a/"]},
    )
    query = parse_qs(urlsplit(url).query)
    assert len(query["authorization_details"]) == 1
    assert json.loads(query["authorization_details"][0]) == DETAILS
    assert "payment_initiation'" not in url  # no Python repr of a dict


def test_authorization_details_go_out_as_one_parameter_in_a_token_request() -> None:
    request = build_token_request(
        "https://as.example/token",
        "client_credentials",
        indicator_params(["https://a.example/", "https://b.example/"], DETAILS),
    )
    assert request.body is not None
    pairs = parse_qsl(request.body.decode())
    assert [v for k, v in pairs if k == "resource"] == ["https://a.example/", "https://b.example/"]
    details = [v for k, v in pairs if k == "authorization_details"]
    assert len(details) == 1
    assert json.loads(details[0]) == DETAILS


# --- resource (RFC 8707 §2) -----------------------------------------------------------

RESOURCE_ROWS: list[tuple[str, Any, list[str] | None]] = [
    ("none", None, None),
    ("one_uri", "https://api.example/", ["https://api.example/"]),
    ("list", ["https://a.example/", "urn:b"], ["https://a.example/", "urn:b"]),
    ("tuple", ("https://a.example/",), ["https://a.example/"]),
    ("urn_is_absolute", "urn:example:resource", ["urn:example:resource"]),
    ("with_query", "https://a.example/?tenant=1", ["https://a.example/?tenant=1"]),
    ("empty_list", [], None),
]


@pytest.mark.parametrize(
    ("resource", "expected"), [r[1:] for r in RESOURCE_ROWS], ids=[r[0] for r in RESOURCE_ROWS]
)
def test_resource_becomes_a_list_of_uris(resource: Any, expected: list[str] | None) -> None:
    assert resource_indicators(resource) == expected


@pytest.mark.parametrize(
    "resource",
    ["/api", "api.example", "https://a.example/#frag", ["https://a.example/", 5], [""]],
    ids=["relative_path", "no_scheme", "fragment", "not_a_string", "empty"],
)
def test_a_resource_that_is_not_an_absolute_uri_without_fragment_is_value_error(
    resource: Any,
) -> None:
    with pytest.raises(ValueError, match="RFC 8707"):
        resource_indicators(resource)


# --- authorization_details (RFC 9396 §2) ----------------------------------------------


def test_authorization_details_are_checked_and_copied() -> None:
    value = authorization_details_value(DETAILS)
    assert value == DETAILS
    assert value is not None and value[0] is not DETAILS[0]


def test_authorization_details_given_as_json_text_are_read() -> None:
    assert authorization_details_value(json.dumps(DETAILS)) == DETAILS


BAD_DETAILS: list[tuple[str, Any, str]] = [
    ("single_object", {"type": "t"}, "list of objects"),
    ("not_a_list", 5, "list of objects"),
    ("entry_not_object", ["t"], "'type'"),
    ("entry_without_type", [{"actions": ["read"]}], "'type'"),
    ("type_not_string", [{"type": 1}], "'type'"),
    ("not_json", [{"type": "t", "when": {1, 2}}], "JSON"),
    ("json_text_broken", "[{", "not JSON"),
    ("json_text_of_an_object", '{"type": "t"}', "list of objects"),
]


@pytest.mark.parametrize(
    ("details", "message"), [b[1:] for b in BAD_DETAILS], ids=[b[0] for b in BAD_DETAILS]
)
def test_malformed_authorization_details_are_value_error(details: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        authorization_details_value(details)


def test_indicator_params_leave_out_what_is_absent() -> None:
    assert indicator_params() == {}
    assert indicator_params("https://a.example/") == {"resource": ["https://a.example/"]}
    assert indicator_params(authorization_details=DETAILS) == {"authorization_details": DETAILS}
