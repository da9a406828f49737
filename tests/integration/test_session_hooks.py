"""The seven compliance hooks fix real provider quirks, in registration order (api.md §2, §9)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

import requests

from grantflow import OAuth2Session

from ._wire import Reply, WireServer, json_reply

FUTURE = 16_725_225_600


def _session(wire: WireServer, **kwargs: Any) -> OAuth2Session:
    return OAuth2Session(
        "client-1",
        "secret-1",
        token_endpoint=wire.url("/token"),
        revocation_endpoint=wire.url("/revoke"),
        introspection_endpoint=wire.url("/introspect"),
        **kwargs,
    )


def test_access_token_response_hook_fixes_a_form_encoded_answer(wire: WireServer) -> None:
    # A provider that answers "access_token=...&expires=3600" as text/html.
    wire.script(
        "/token", Reply(200, b"access_token=at-form&expires=3600", {"Content-Type": "text/html"})
    )

    def fix(resp: requests.Response) -> requests.Response:
        data = dict(parse_qsl(resp.text))
        data["expires_in"] = data.pop("expires")
        data["token_type"] = "Bearer"
        resp._content = json.dumps(data).encode()
        resp.headers["Content-Type"] = "application/json"
        return resp

    with _session(wire) as s:
        s.register_compliance_hook("access_token_response", fix)
        token = s.fetch_token()
    assert token["access_token"] == "at-form"
    assert token["token_type"] == "Bearer"
    assert isinstance(token["expires_at"], int)


def test_access_token_response_hook_adds_a_missing_token_type(wire: WireServer) -> None:
    wire.script("/token", json_reply({"access_token": "at"}))
    seen: list[int] = []

    def add_type(resp: requests.Response) -> requests.Response:
        seen.append(resp.status_code)
        data = resp.json()
        data.setdefault("token_type", "Bearer")
        resp._content = json.dumps(data).encode()
        return resp

    with _session(wire) as s:
        s.register_compliance_hook("access_token_response", add_type)
        assert s.fetch_token()["token_type"] == "Bearer"
    assert seen == [200]


def test_protected_request_hook_moves_the_token_into_the_url(wire: WireServer) -> None:
    # A resource server that wants the token as a query parameter named "oauth_token".
    wire.script("/api", json_reply({}))
    seen_headers: list[dict[str, str]] = []

    def to_query(url: str, headers: dict[str, str], body: Any) -> tuple[str, dict[str, str], Any]:
        seen_headers.append(dict(headers))
        token = headers.pop("Authorization").split(" ", 1)[1]
        separator = "&" if "?" in url else "?"
        return f"{url}{separator}oauth_token={token}", headers, body

    with _session(wire, token={"access_token": "at-q", "expires_at": FUTURE}) as s:
        s.register_compliance_hook("protected_request", to_query)
        s.get(wire.url("/api?x=1"))
    sent = wire.last("/api")
    assert sent.query == {"x": ["1"], "oauth_token": ["at-q"]}
    assert sent.header("Authorization") is None
    # The hook ran after the token was added.
    assert seen_headers[0]["Authorization"] == "Bearer at-q"


def test_hooks_run_in_registration_order(wire: WireServer) -> None:
    wire.script("/token", json_reply({"access_token": "at"}))
    order: list[str] = []

    def make(name: str) -> Any:
        def hook(url: str, headers: dict[str, str], body: str) -> tuple[str, dict[str, str], str]:
            order.append(name)
            return url, {**headers, "X-Order": headers.get("X-Order", "") + name}, body

        return hook

    with _session(wire) as s:
        for name in ("a", "b", "c"):
            s.register_compliance_hook("access_token_request", make(name))
        s.fetch_token()
    assert order == ["a", "b", "c"]
    assert wire.last("/token").header("X-Order") == "abc"


def test_response_hooks_run_in_registration_order(wire: WireServer) -> None:
    wire.script("/token", json_reply({"access_token": "at"}))
    order: list[str] = []

    def make(name: str) -> Any:
        def hook(resp: requests.Response) -> requests.Response:
            order.append(name)
            return resp

        return hook

    with _session(wire) as s:
        for name in ("first", "second", "third"):
            s.register_compliance_hook("access_token_response", make(name))
        s.fetch_token()
    assert order == ["first", "second", "third"]


def test_access_token_request_hook_can_rewrite_the_body(wire: WireServer) -> None:
    wire.script("/token", json_reply({"access_token": "at"}))

    def add_audience(url: str, headers: dict[str, str], body: str) -> Any:
        return url, headers, body + "&audience=https%3A%2F%2Fapi.example"

    with _session(wire) as s:
        s.register_compliance_hook("access_token_request", add_audience)
        s.fetch_token()
    assert wire.last("/token").field("audience") == "https://api.example"


def test_refresh_hooks_run_for_refresh_and_not_for_fetch(wire: WireServer) -> None:
    wire.script("/token", json_reply({"access_token": "new"}))
    calls: list[str] = []

    def request_hook(url: str, headers: dict[str, str], body: str) -> Any:
        calls.append("refresh_request")
        return url, {**headers, "X-Refresh": "1"}, body

    def response_hook(resp: requests.Response) -> requests.Response:
        calls.append("refresh_response")
        return resp

    with _session(
        wire, token={"access_token": "old", "refresh_token": "rt", "expires_at": 100}
    ) as s:
        s.register_compliance_hook("refresh_token_request", request_hook)
        s.register_compliance_hook("refresh_token_response", response_hook)
        s.refresh_token()
        assert calls == ["refresh_request", "refresh_response"]
        s.fetch_token()
        assert calls == ["refresh_request", "refresh_response"]
    first, second = wire.to("/token")
    assert first.header("X-Refresh") == "1"
    assert second.header("X-Refresh") is None


def test_refresh_response_hook_output_is_what_is_parsed(wire: WireServer) -> None:
    wire.script("/token", Reply(200, b"<html>odd</html>", {"Content-Type": "text/html"}))

    def fix(resp: requests.Response) -> requests.Response:
        resp._content = b'{"access_token": "fixed"}'
        resp.headers["Content-Type"] = "application/json"
        return resp

    with _session(
        wire, token={"access_token": "old", "refresh_token": "rt", "expires_at": 100}
    ) as s:
        s.register_compliance_hook("refresh_token_response", fix)
        assert s.refresh_token()["access_token"] == "fixed"


def test_automatic_refresh_runs_the_refresh_hooks(wire: WireServer) -> None:
    wire.script("/token", json_reply({"access_token": "new"}))
    wire.script("/api", json_reply({}))
    calls: list[str] = []

    def hook(url: str, headers: dict[str, str], body: str) -> Any:
        calls.append("refresh")
        return url, headers, body

    with _session(
        wire, token={"access_token": "old", "refresh_token": "rt", "expires_at": 100}
    ) as s:
        s.register_compliance_hook("refresh_token_request", hook)
        s.get(wire.url("/api"))
    assert calls == ["refresh"]


def test_revoke_and_introspect_request_hooks(wire: WireServer) -> None:
    wire.script("/revoke", Reply(200))
    wire.script("/introspect", json_reply({"active": False}))

    def tag(name: str) -> Any:
        def hook(url: str, headers: dict[str, str], body: str) -> Any:
            return url, {**headers, "X-Hook": name}, body

        return hook

    with _session(wire, token={"access_token": "at"}) as s:
        s.register_compliance_hook("revoke_token_request", tag("revoke"))
        s.register_compliance_hook("introspect_token_request", tag("introspect"))
        s.revoke_token()
        s.introspect_token()
    assert wire.last("/revoke").header("X-Hook") == "revoke"
    assert wire.last("/introspect").header("X-Hook") == "introspect"
