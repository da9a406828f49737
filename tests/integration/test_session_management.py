"""Revocation (RFC 7009), introspection (RFC 7662), discovery and the session's lifecycle."""

from __future__ import annotations

from typing import Any, cast

import pytest
import requests

from grantflow import (
    InvalidResponseError,
    MissingTokenError,
    OAuth2Session,
    OAuthError,
)

from ._wire import Reply, WireServer, json_reply, text_reply

TOKEN = {"access_token": "at-1", "refresh_token": "rt-1", "token_type": "Bearer"}


def _session(wire: WireServer, **kwargs: Any) -> OAuth2Session:
    kwargs.setdefault("token", TOKEN)
    return OAuth2Session(
        "client-1",
        "secret-1",
        revocation_endpoint=wire.url("/revoke"),
        introspection_endpoint=wire.url("/introspect"),
        **kwargs,
    )


# -- revocation -----------------------------------------------------------------------------


def test_revoke_sends_the_access_token_with_its_hint_by_default(wire: WireServer) -> None:
    wire.script("/revoke", Reply(200))
    with _session(wire) as s:
        response = s.revoke_token()
    assert isinstance(response, requests.Response)
    assert response.status_code == 200
    sent = wire.last("/revoke")
    assert sent.method == "POST"
    assert sent.field("token") == "at-1"
    assert sent.field("token_type_hint") == "access_token"
    assert sent.basic == ("client-1", "secret-1")
    assert "at-1" not in (sent.header("Authorization") or "")


def test_revoke_a_given_token_with_a_hint(wire: WireServer) -> None:
    wire.script("/revoke", Reply(200))
    with _session(wire) as s:
        s.revoke_token(token="rt-1", token_type_hint="refresh_token")
    sent = wire.last("/revoke")
    assert sent.field("token") == "rt-1"
    assert sent.field("token_type_hint") == "refresh_token"


def test_revoke_a_given_token_without_a_hint_sends_no_hint(wire: WireServer) -> None:
    wire.script("/revoke", Reply(200))
    with _session(wire) as s:
        s.revoke_token(token="other-token")
    sent = wire.last("/revoke")
    assert sent.field("token") == "other-token"
    assert sent.field("token_type_hint") is None


def test_revoke_url_argument_and_extra_form_parameters(wire: WireServer) -> None:
    wire.script("/r2", Reply(200))
    with _session(wire) as s:
        s.revoke_token(wire.url("/r2"), token="t", custom="x")
    assert wire.last("/r2").field("custom") == "x"
    assert wire.to("/revoke") == []


def test_revoke_with_an_oauth_error_body_is_oauth_error(wire: WireServer) -> None:
    wire.script("/revoke", json_reply({"error": "unsupported_token_type"}, 400))
    with _session(wire) as s:
        with pytest.raises(OAuthError) as caught:
            s.revoke_token()
        assert s.token is not None
    assert caught.value.error == "unsupported_token_type"
    assert caught.value.status_code == 400


def test_revoke_answered_with_html_is_invalid_response(wire: WireServer) -> None:
    wire.script("/revoke", text_reply("<html>error</html>", 500))
    with _session(wire) as s, pytest.raises(InvalidResponseError) as caught:
        s.revoke_token()
    assert caught.value.status_code == 500


def test_revoke_without_a_token_is_missing_token_error_before_sending(wire: WireServer) -> None:
    with _session(wire, token=None) as s, pytest.raises(MissingTokenError):
        s.revoke_token()
    assert wire.requests == []


def test_revoke_never_follows_a_redirect(wire: WireServer) -> None:
    wire.script("/revoke", Reply(302, b"", {"Location": "/elsewhere"}))
    wire.script("/elsewhere", Reply(200))
    with _session(wire) as s, pytest.raises(OAuthError):
        s.revoke_token()
    assert wire.to("/elsewhere") == []


# -- introspection -------------------------------------------------------------------------


def test_introspect_sends_the_token_and_returns_the_response(wire: WireServer) -> None:
    wire.script("/introspect", json_reply({"active": True, "scope": "read", "client_id": "c"}))
    with _session(wire) as s:
        response = s.introspect_token()
    assert isinstance(response, requests.Response)
    assert response.json()["active"] is True
    sent = wire.last("/introspect")
    assert sent.field("token") == "at-1"
    assert sent.field("token_type_hint") == "access_token"
    assert sent.basic == ("client-1", "secret-1")


def test_introspect_inactive_token(wire: WireServer) -> None:
    wire.script("/introspect", json_reply({"active": False}))
    with _session(wire) as s:
        assert s.introspect_token(token="x", token_type_hint="refresh_token").json() == {
            "active": False
        }
    assert wire.last("/introspect").field("token_type_hint") == "refresh_token"


@pytest.mark.parametrize(
    ("reply", "error_class", "status"),
    [
        (text_reply("<html>login</html>"), InvalidResponseError, 200),
        (json_reply([{"active": True}]), InvalidResponseError, 200),
        (json_reply({"error": "invalid_client"}, 401), OAuthError, 401),
        (text_reply("gateway", 502, "text/plain"), InvalidResponseError, 502),
    ],
    ids=["html", "json_array", "oauth_error", "text_502"],
)
def test_introspect_bad_answers_are_typed(
    wire: WireServer, reply: Reply, error_class: type[OAuthError], status: int
) -> None:
    wire.script("/introspect", reply)
    with _session(wire) as s, pytest.raises(error_class) as caught:
        s.introspect_token()
    assert caught.value.status_code == status


# -- discovery ------------------------------------------------------------------------------


def _metadata(wire: WireServer, **extra: Any) -> dict[str, Any]:
    return {
        "issuer": wire.base_url,
        "authorization_endpoint": wire.url("/authorize"),
        "token_endpoint": wire.url("/token"),
        "revocation_endpoint": wire.url("/revoke"),
        **extra,
    }


DISCOVERY = "/.well-known/openid-configuration"


def test_discovery_is_not_fetched_at_construction(wire: WireServer) -> None:
    wire.script(DISCOVERY, json_reply(_metadata(wire)))
    with OAuth2Session("c", "s", server_metadata_url=wire.url(DISCOVERY)):
        pass
    assert wire.requests == []


def test_discovery_fills_endpoints_on_first_need_and_is_fetched_once(wire: WireServer) -> None:
    wire.script(DISCOVERY, json_reply(_metadata(wire)))
    wire.script("/token", json_reply({"access_token": "a"}))
    wire.script("/revoke", Reply(200))
    with OAuth2Session("c", "s", server_metadata_url=wire.url(DISCOVERY)) as s:
        url, _ = s.create_authorization_url()
        assert url.startswith(wire.url("/authorize") + "?")
        s.fetch_token()
        s.revoke_token()
        s.fetch_token()
    assert len(wire.to(DISCOVERY)) == 1
    assert len(wire.to("/token")) == 2
    assert len(wire.to("/revoke")) == 1


def test_explicit_endpoints_win_over_discovered_ones(wire: WireServer) -> None:
    wire.script(DISCOVERY, json_reply(_metadata(wire)))
    wire.script("/my-token", json_reply({"access_token": "a"}))
    with OAuth2Session(
        "c", "s", server_metadata_url=wire.url(DISCOVERY), token_endpoint=wire.url("/my-token")
    ) as s:
        s.fetch_token()
        s.create_authorization_url()
    assert len(wire.to("/my-token")) == 1
    assert wire.to("/token") == []


def test_load_server_metadata_returns_the_document_and_force_reloads(wire: WireServer) -> None:
    wire.script(DISCOVERY, json_reply(_metadata(wire, scopes_supported=["openid"])))
    with OAuth2Session("c", server_metadata_url=wire.url(DISCOVERY)) as s:
        metadata = s.load_server_metadata()
        assert metadata["scopes_supported"] == ["openid"]
        assert s.metadata["token_endpoint"] == wire.url("/token")
        s.load_server_metadata()
        assert len(wire.to(DISCOVERY)) == 1
        s.load_server_metadata(force=True)
        assert len(wire.to(DISCOVERY)) == 2


def test_discovery_with_a_wrong_issuer_is_invalid_response(wire: WireServer) -> None:
    wire.script(DISCOVERY, json_reply(_metadata(wire, issuer="https://evil.example")))
    wire.script("/token", json_reply({"access_token": "a"}))
    with OAuth2Session("c", "s", server_metadata_url=wire.url(DISCOVERY)) as s:
        with pytest.raises(InvalidResponseError):
            s.fetch_token()
        assert s.token is None
    assert wire.to("/token") == []


@pytest.mark.parametrize(
    "reply",
    [text_reply("<html>portal</html>"), json_reply(["issuer"]), Reply(404)],
    ids=["html", "json_array", "not_found"],
)
def test_discovery_bad_answer_is_invalid_response_with_status(
    wire: WireServer, reply: Reply
) -> None:
    wire.script(DISCOVERY, reply)
    with (
        OAuth2Session("c", server_metadata_url=wire.url(DISCOVERY)) as s,
        pytest.raises(InvalidResponseError) as caught,
    ):
        s.load_server_metadata()
    assert caught.value.status_code == reply.status


def test_discovered_issuer_is_used_for_the_iss_check(wire: WireServer) -> None:
    wire.script(
        DISCOVERY,
        json_reply(_metadata(wire, authorization_response_iss_parameter_supported=True)),
    )
    wire.script("/token", json_reply({"access_token": "a"}))
    redirect = "https://app.example/cb"
    with OAuth2Session("c", redirect_uri=redirect, server_metadata_url=wire.url(DISCOVERY)) as s:
        _, state = s.create_authorization_url()
        with pytest.raises(InvalidResponseError):
            s.fetch_token(authorization_response=f"{redirect}?code=c&state={state}")
        _, state = s.create_authorization_url()
        s.fetch_token(authorization_response=f"{redirect}?code=c&state={state}&iss={wire.base_url}")
    assert len(wire.to("/token")) == 1


def test_discovery_request_carries_no_token(wire: WireServer) -> None:
    wire.script(DISCOVERY, json_reply(_metadata(wire)))
    with OAuth2Session(
        "c", server_metadata_url=wire.url(DISCOVERY), token={"access_token": "at-secret"}
    ) as s:
        s.load_server_metadata()
    assert wire.last(DISCOVERY).header("Authorization") is None


# -- lifecycle ------------------------------------------------------------------------------


def test_context_manager_closes_every_connection(wire: WireServer) -> None:
    wire.script("/token", json_reply({"access_token": "a"}))
    wire.script("/api", json_reply({}))
    with OAuth2Session("c", "s", token_endpoint=wire.url("/token")) as s:
        s.fetch_token()
        s.get(wire.url("/api"))
        # requests mounts an HTTPAdapter (which owns the pool manager) for both schemes.
        adapters = cast("list[requests.adapters.HTTPAdapter]", list(s.adapters.values()))
        assert any(len(a.poolmanager.pools) for a in adapters)
    assert all(len(a.poolmanager.pools) == 0 for a in adapters)


def test_close_is_idempotent(wire: WireServer) -> None:
    wire.script("/api", json_reply({}))
    s = OAuth2Session("c", token={"access_token": "a"})
    s.get(wire.url("/api"))
    s.close()
    s.close()
    with s:
        pass
    s.close()


def test_context_manager_returns_the_session_itself() -> None:
    s = OAuth2Session("c")
    with s as entered:
        assert entered is s


def test_discovery_never_follows_a_redirect(wire: WireServer) -> None:
    wire.script(DISCOVERY, Reply(301, b"", {"Location": "/moved"}))
    wire.script("/moved", json_reply(_metadata(wire)))
    with (
        OAuth2Session("c", server_metadata_url=wire.url(DISCOVERY)) as s,
        pytest.raises(InvalidResponseError) as caught,
    ):
        s.load_server_metadata()
    assert caught.value.status_code == 301
    assert wire.to("/moved") == []


def test_introspection_never_follows_a_redirect(wire: WireServer) -> None:
    wire.script("/introspect", Reply(302, b"", {"Location": "/moved"}))
    wire.script("/moved", json_reply({"active": True}))
    with _session(wire) as s, pytest.raises(OAuthError):
        s.introspect_token()
    assert wire.to("/moved") == []
