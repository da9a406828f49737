"""Provider fixes by hand: each fix on its documented shapes, both transports' responses,
the request rewrites, and ``compliance.fix`` by name."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import requests

from grantflow import compliance
from grantflow._compliance import _fixes
from grantflow._compliance._body import read_object, replace_json
from grantflow._compliance._hooks import add_token_request_params, token_as_parameter

# --- the fixes, on plain dicts -------------------------------------------------------------

FIX_CASES: list[tuple[Callable[[dict[str, Any]], dict[str, Any] | None], dict[str, Any], Any]] = [
    # (fix, body, expected: the fixed body, or None for "not this quirk, left alone")
    (_fixes.expires_in_from_expires, {"access_token": "a", "expires": "5183999"},
     {"access_token": "a", "expires_in": "5183999"}),
    (_fixes.expires_in_from_expires, {"access_token": "a", "expires": 1, "expires_in": 2}, None),
    (_fixes.expires_in_from_expires, {"access_token": "a"}, None),
    (_fixes.error_from_graph_error_object,
     {"error": {"message": "Bad code", "type": "OAuthException", "code": 100}},
     {"error": "OAuthException", "error_description": "Bad code"}),
    (_fixes.error_from_graph_error_object, {"error": {"code": 1}}, {"error": "OAuthException"}),
    (_fixes.error_from_graph_error_object, {"error": "invalid_grant"}, None),
    (_fixes.error_from_instagram_error_type,
     {"error_type": "OAuthException", "code": 400, "error_message": "Used"},
     {"error": "OAuthException", "code": 400, "error_description": "Used"}),
    (_fixes.error_from_instagram_error_type, {"error": "x", "error_type": "y"}, None),
    (_fixes.token_from_data_list,
     {"data": [{"access_token": "IG", "user_id": "1", "permissions": "p"}]},
     {"access_token": "IG", "user_id": "1", "permissions": "p"}),
    (_fixes.token_from_data_list, {"data": [{"access_token": "a"}, {"access_token": "b"}]}, None),
    (_fixes.token_from_data_list, {"access_token": "top", "data": [{"access_token": "x"}]}, None),
    (_fixes.token_from_data_list, {"data": [{"id": "1"}]}, None),
    (_fixes.error_from_first_of_errors,
     {"errors": [{"errorType": "invalid_grant", "message": "Refresh token invalid"},
                 {"errorType": "other"}], "success": False},
     {"error": "invalid_grant", "error_description": "Refresh token invalid"}),
    (_fixes.error_from_first_of_errors, {"errors": [], "success": False}, None),
    (_fixes.error_from_first_of_errors, {"errors": [{"message": "no type"}]}, None),
    (_fixes.no_expiry_for_expires_in_zero,
     {"access_token": "m", "expires_in": 0, "scope": None}, {"access_token": "m"}),
    (_fixes.no_expiry_for_expires_in_zero, {"access_token": "m", "expires_in": "0"},
     {"access_token": "m"}),
    (_fixes.no_expiry_for_expires_in_zero, {"access_token": "m", "expires_in": False}, None),
    (_fixes.no_expiry_for_expires_in_zero, {"access_token": "m", "expires_in": 60}, None),
    (_fixes.snake_case_field_names,
     {"tokenType": "Bearer", "expiresIn": 86400, "accessToken": "e", "refreshToken": "d"},
     {"token_type": "Bearer", "expires_in": 86400, "access_token": "e", "refresh_token": "d"}),
    (_fixes.snake_case_field_names, {"accessToken": "camel", "access_token": "snake"},
     {"access_token": "snake"}),
    (_fixes.snake_case_field_names, {"access_token": "e", "ID": 1}, None),
    (_fixes.bearer_for_ebay_token_types,
     {"access_token": "v^1", "token_type": "Application Access Token"},
     {"access_token": "v^1", "token_type": "Bearer"}),
    (_fixes.bearer_for_ebay_token_types, {"access_token": "v", "token_type": "User Access Token"},
     {"access_token": "v", "token_type": "Bearer"}),
    (_fixes.bearer_for_ebay_token_types, {"access_token": "v", "token_type": "mac"}, None),
    (_fixes.bearer_for_slack_token_types, {"access_token": "xoxb", "token_type": "bot"},
     {"access_token": "xoxb", "token_type": "Bearer"}),
    (_fixes.bearer_for_slack_token_types,
     {"ok": True, "authed_user": {"id": "U1", "access_token": "xoxp", "token_type": "user"}},
     {"ok": True, "authed_user": {"id": "U1", "access_token": "xoxp", "token_type": "user"},
      "access_token": "xoxp", "token_type": "Bearer"}),
    (_fixes.bearer_for_slack_token_types, {"access_token": "a", "token_type": "Bearer"}, None),
    (_fixes.error_from_douban_message, {"msg": "invalid_refresh_token", "code": 119,
     "request": "POST /token"},
     {"error": "invalid_refresh_token", "error_description": "douban error code 119"}),
    (_fixes.error_from_douban_message, {"access_token": "a", "msg": "ok"}, None),
    (_fixes.token_from_withings_body, {"status": 0, "body": {"access_token": "w", "userid": "3"}},
     {"access_token": "w", "userid": "3"}),
    (_fixes.token_from_withings_body, {"status": 503, "body": {}, "error": "Invalid Params"},
     {"error": "withings_status_503", "error_description": "Invalid Params"}),
    (_fixes.token_from_withings_body, {"status": True, "body": {}}, None),
    (_fixes.token_from_withings_body, {"access_token": "a", "status": 0}, None),
]  # fmt: skip


@pytest.mark.parametrize(("fix", "body", "expected"), FIX_CASES)
def test_each_fix_gives_the_standard_body_or_leaves_others_alone(
    fix: Callable[[dict[str, Any]], dict[str, Any] | None], body: dict[str, Any], expected: Any
) -> None:
    before = json.loads(json.dumps(body))
    assert fix(body) == expected
    assert body == before  # the input is never changed


# --- the body helper, for requests and httpx -----------------------------------------------


def _requests_response(body: bytes, content_type: str) -> requests.Response:
    response = requests.Response()
    response.status_code = 200
    response._content = body
    response.headers["Content-Type"] = content_type
    response.encoding = "iso-8859-1"
    return response


def _httpx_response(body: bytes, content_type: str) -> httpx.Response:
    return httpx.Response(200, content=body, headers={"Content-Type": content_type})


MAKERS = [_requests_response, _httpx_response]
MAKER_IDS = ["requests", "httpx"]


@pytest.mark.parametrize("make", MAKERS, ids=MAKER_IDS)
@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (b'{"access_token": "a", "n": 1}', "application/json", {"access_token": "a", "n": 1}),
        (b"access_token=a&expires=60", "text/plain", {"access_token": "a", "expires": "60"}),
        (b"access_token=a&scope=", "application/x-www-form-urlencoded",
         {"access_token": "a", "scope": ""}),
        (b"[1, 2]", "application/json", None),
        (b"{not json", "application/json", None),
        (b"<html><body>Sign in</body></html>", "text/html", None),
        (b"Service unavailable", "text/plain", None),
        (b"", "application/json", None),
    ],
)  # fmt: skip
def test_read_object_reads_json_objects_and_form_pairs_only(
    make: Callable[[bytes, str], Any], body: bytes, content_type: str, expected: Any
) -> None:
    assert read_object(make(body, content_type)) == expected


@pytest.mark.parametrize("make", MAKERS, ids=MAKER_IDS)
def test_replace_json_is_what_json_text_and_content_read(make: Callable[[bytes, str], Any]) -> None:
    response = make(b"access_token=old&expires=60", "text/plain; charset=iso-8859-1")
    assert response.text == "access_token=old&expires=60"  # httpx caches this view
    data = {"access_token": "new-\u00e9", "expires_in": "60"}
    assert replace_json(response, data) is response
    assert response.json() == data
    assert json.loads(response.text) == data
    assert json.loads(response.content) == data
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Content-Length"] == str(len(response.content))


@pytest.mark.parametrize("make", MAKERS, ids=MAKER_IDS)
def test_replace_json_drops_the_old_content_encoding(make: Callable[[bytes, str], Any]) -> None:
    response = make(b"{}", "application/json")
    response.headers["Content-Encoding"] = "gzip"
    replace_json(response, {"access_token": "a"})
    assert "Content-Encoding" not in response.headers
    assert response.json() == {"access_token": "a"}


class Recorder:
    """Stands in for a session: records what a fix registers."""

    def __init__(self) -> None:
        self.hooks: dict[str, list[Callable[..., Any]]] = {}
        self.auth_methods: list[Any] = []

    def register_compliance_hook(self, hook_type: str, hook: Callable[..., Any]) -> None:
        self.hooks.setdefault(hook_type, []).append(hook)

    def register_client_auth_method(self, auth: Any) -> None:
        self.auth_methods.append(auth)

    def respond(self, hook_type: str, response: Any) -> Any:
        for hook in self.hooks[hook_type]:
            response = hook(response)
        return response

    def request(self, url: str, headers: dict[str, str], body: str) -> tuple[Any, ...]:
        for hook in self.hooks["protected_request"]:
            url, headers, body = hook(url, headers, body)
        return url, headers, body


@pytest.mark.parametrize("make", MAKERS, ids=MAKER_IDS)
@pytest.mark.parametrize("hook_type", ["access_token_response", "refresh_token_response"])
def test_a_provider_fix_rewrites_either_transports_response(
    make: Callable[[bytes, str], Any], hook_type: str
) -> None:
    session = compliance.facebook(Recorder())
    response = session.respond(hook_type, make(b"access_token=fb&expires=5183999", "text/plain"))
    assert response.json() == {"access_token": "fb", "expires_in": "5183999"}


@pytest.mark.parametrize("make", MAKERS, ids=MAKER_IDS)
def test_a_response_without_the_quirk_is_left_byte_for_byte(
    make: Callable[[bytes, str], Any],
) -> None:
    body = b'{"access_token":"a","token_type":"Bearer"}'
    response = compliance.ebay(Recorder()).respond("access_token_response", make(body, "x/y"))
    assert (response.content, response.headers["Content-Type"]) == (body, "x/y")


# --- request rewrites ----------------------------------------------------------------------

BEARER = {"Authorization": "Bearer tok-1", "Accept": "application/json"}
FORM = {**BEARER, "Content-Type": "application/x-www-form-urlencoded"}
JSON_BODY = {**BEARER, "Content-Type": "application/json"}


@pytest.mark.parametrize(
    ("in_form_body", "json_keeps_header", "request_", "expected"),
    [
        (True, False, ("https://api/m?x=1", BEARER, ""),
         ("https://api/m?x=1&token=tok-1", {"Accept": "application/json"}, "")),
        (True, False, ("https://api/m", FORM, "text=hi"),
         ("https://api/m", {"Accept": "application/json",
                            "Content-Type": "application/x-www-form-urlencoded"},
          "text=hi&token=tok-1")),
        (False, False, ("https://api/m", FORM, "text=hi"),
         ("https://api/m?token=tok-1", {"Accept": "application/json",
                                        "Content-Type": "application/x-www-form-urlencoded"},
          "text=hi")),
        (True, True, ("https://api/m", JSON_BODY, '{"a": 1}'),
         ("https://api/m", JSON_BODY, '{"a": 1}')),
        (True, False, ("https://api/m", JSON_BODY, '{"a": 1}'),
         ("https://api/m?token=tok-1", {"Accept": "application/json",
                                        "Content-Type": "application/json"}, '{"a": 1}')),
        (True, False, ("https://api/m?access_token=t", {"Accept": "*/*"}, ""),
         ("https://api/m?access_token=t", {"Accept": "*/*"}, "")),
        (True, False, ("https://api/m", {"authorization": "DPoP tok-1"}, ""),
         ("https://api/m", {"authorization": "DPoP tok-1"}, "")),
    ],
    ids=["query", "form-body", "query-not-body", "json-keeps-header", "json-to-query",
         "no-header", "not-bearer"],
)  # fmt: skip
def test_token_as_parameter_moves_the_bearer_token(
    in_form_body: bool, json_keeps_header: bool, request_: tuple[Any, ...], expected: Any
) -> None:
    session = Recorder()
    token_as_parameter(
        session, "token", in_form_body=in_form_body, json_keeps_header=json_keeps_header
    )
    url, headers, body = request_
    assert session.request(url, dict(headers), body) == expected


def test_token_request_params_are_added_once_to_token_and_refresh_requests() -> None:
    session = Recorder()
    add_token_request_params(session, [("action", "requesttoken")])
    for hook_type in ("access_token_request", "refresh_token_request"):
        (hook,) = session.hooks[hook_type]
        assert hook("u", {}, "grant_type=x") == ("u", {}, "grant_type=x&action=requesttoken")
        assert hook("u", {}, "action=requesttoken") == ("u", {}, "action=requesttoken")


@pytest.mark.parametrize("name", ["instagram", "weibo", "douban", "linkedin", "withings"])
def test_body_credential_providers_replace_basic_for_their_session(name: str) -> None:
    session = compliance.fix(Recorder(), name)
    ((method_name, method),) = session.auth_methods
    assert method_name == "client_secret_basic"

    class Client:
        client_id, client_secret = "id 1", "s&2"

    assert method(Client(), "POST", "u", {}, "grant_type=x") == (
        "u",
        {},
        "grant_type=x&client_id=id+1&client_secret=s%262",
    )


# --- fix() by name -------------------------------------------------------------------------

TEN = {"facebook", "slack", "instagram", "fitbit", "mailchimp", "weibo", "douban",
       "plentymarkets", "ebay", "linkedin"}  # fmt: skip


def test_providers_holds_at_least_the_ten_of_the_contract_sorted() -> None:
    assert set(compliance.PROVIDERS) >= TEN
    assert list(compliance.PROVIDERS) == sorted(compliance.PROVIDERS)
    assert all(callable(getattr(compliance, name)) for name in compliance.PROVIDERS)


def test_each_provider_function_documents_what_it_fixes() -> None:
    for name in compliance.PROVIDERS:
        doc = getattr(compliance, name).__doc__ or ""
        assert len(doc.split()) > 20, name


@pytest.mark.parametrize("name", ["fitbit", "FitBit", " fitbit "])
def test_fix_by_name_registers_the_providers_hooks_and_returns_the_session(name: str) -> None:
    session = Recorder()
    assert compliance.fix(session, name) is session
    assert set(session.hooks) == {"access_token_response", "refresh_token_response"}


def test_fix_by_unknown_name_is_a_value_error_listing_the_known_ones() -> None:
    with pytest.raises(ValueError, match="no compliance fix for provider 'myspace'") as raised:
        compliance.fix(Recorder(), "myspace")
    for name in compliance.PROVIDERS:
        assert name in str(raised.value)


def test_fix_by_a_name_that_is_not_a_string_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="string"):
        compliance.fix(Recorder(), None)  # type: ignore[arg-type]


def test_applying_a_fix_twice_changes_nothing_more() -> None:
    session = compliance.mailchimp(compliance.mailchimp(Recorder()))
    response = _requests_response(b'{"access_token": "m", "expires_in": 0}', "application/json")
    assert session.respond("access_token_response", response).json() == {"access_token": "m"}
