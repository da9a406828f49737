"""Provider fixes end to end: each provider's documented answers, served on 127.0.0.1.

Every scenario runs a real ``OAuth2Session`` against a local server that answers as the
provider does (token, refresh, and an API call where the fix touches it) and checks what
grantflow makes of it. The last test runs every scenario again without its fix: each one
fails, which is what the fix is for.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from grantflow import (
    InvalidResponseError,
    InvalidTokenError,
    OAuth2Session,
    OAuthError,
    UnsupportedTokenTypeError,
    compliance,
)

from ._wire import Recorded, Reply, WireServer, json_reply, text_reply

CLIENT_ID, CLIENT_SECRET = "client-1", "secret-1"
FUTURE = 16_725_225_600


def _session(
    wire: WireServer, provider: str | None, *, client: bool = True, **kwargs: Any
) -> OAuth2Session:
    """A session on ``wire``'s /token with the fix for ``provider`` (none when None)."""
    credentials = (CLIENT_ID, CLIENT_SECRET) if client else (None, None)
    kwargs.setdefault("token_endpoint", wire.url("/token"))
    session = OAuth2Session(*credentials, **kwargs)
    return session if provider is None else compliance.fix(session, provider)


def _body_credentials_only(answer: Reply, refusal: Reply) -> Callable[[Recorded], Reply]:
    """A token endpoint that reads the client credentials from the form body alone."""

    def handle(request: Recorded) -> Reply:
        if request.basic is not None or request.field("client_secret") != CLIENT_SECRET:
            return refusal
        return answer if request.field("client_id") == CLIENT_ID else refusal

    return handle


def _expires_at_window(lifetime: int) -> Callable[[], range]:
    start = int(time.time())
    return lambda: range(start + lifetime, int(time.time()) + lifetime + 1)


# --- facebook -----------------------------------------------------------------------------


def facebook_scenario(wire: WireServer, provider: str | None) -> None:
    # Graph API before v2.3: form pairs labelled text/plain, the lifetime named "expires".
    wire.script("/token", text_reply("access_token=fb-at&expires=5183999", 200, "text/plain"))
    window = _expires_at_window(5183999)
    with _session(wire, provider) as session:
        token = session.fetch_token(code="code-1")
    assert token["access_token"] == "fb-at"
    assert token["expires_at"] in window()


def test_facebook_lifetime_named_expires_sets_expires_at(wire: WireServer) -> None:
    facebook_scenario(wire, "facebook")


def facebook_error_scenario(wire: WireServer, provider: str | None) -> None:
    error = {
        "message": "Error validating verification code.",
        "type": "OAuthException",
        "code": 100,
        "error_subcode": 36007,
        "fbtrace_id": "AbC",
    }
    wire.script("/token", json_reply({"error": error}, 400))
    with _session(wire, provider) as session, pytest.raises(OAuthError) as raised:
        session.fetch_token(code="code-1")
    assert raised.value.error == "OAuthException"
    assert raised.value.description == "Error validating verification code."
    assert raised.value.status_code == 400


def test_facebook_graph_error_object_is_an_oauth_error_with_its_message(wire: WireServer) -> None:
    facebook_error_scenario(wire, "facebook")


# --- slack --------------------------------------------------------------------------------

SLACK_V2 = {
    "ok": True,
    "access_token": "xoxb-17653672481-19874698323",
    "token_type": "bot",
    "scope": "commands,chat:write",
    "bot_user_id": "U0KRQLJ9H",
    "app_id": "A0KRD7HC3",
    "team": {"name": "Team", "id": "T9TK3CUKW"},
    "authed_user": {
        "id": "U1234",
        "scope": "chat:write",
        "access_token": "xoxp-1234",
        "token_type": "user",
    },
}


def _slack_api(request: Recorded) -> Reply:
    # The Web API reads the token from a `token` form field or query parameter; with a
    # JSON body, only from the Authorization header.
    header = request.header("Authorization")
    if request.body.startswith(b"{"):
        token = header.removeprefix("Bearer ") if header else None
    else:
        sent = request.query.get("token") or request.form.get("token")
        token = sent[0] if sent else None
    if token is None:
        return json_reply({"ok": False, "error": "not_authed"})
    return json_reply({"ok": True, "token": token, "bearer_header": header is not None})


def slack_scenario(wire: WireServer, provider: str | None) -> None:
    wire.script("/token", json_reply(SLACK_V2))
    wire.script("/api/chat.postMessage", _slack_api)
    wire.script("/api/auth.test", _slack_api)
    with _session(wire, provider) as session:
        token = session.fetch_token(code="code-1")
        posted = session.post(wire.url("/api/chat.postMessage"), data={"text": "hi"}).json()
        assert token["token_type"] == "Bearer"
        tested = session.get(wire.url("/api/auth.test")).json()
        as_json = session.post(wire.url("/api/chat.postMessage"), json={"text": "hi"}).json()
    bot = SLACK_V2["access_token"]
    assert posted == {"ok": True, "token": bot, "bearer_header": False}
    assert tested == {"ok": True, "token": bot, "bearer_header": False}
    assert as_json == {"ok": True, "token": bot, "bearer_header": True}
    assert wire.last("/api/chat.postMessage").header("Authorization") == f"Bearer {bot}"
    assert wire.to("/api/chat.postMessage")[0].field("text") == "hi"


def test_slack_bot_token_is_bearer_and_travels_as_the_token_parameter(wire: WireServer) -> None:
    slack_scenario(wire, "slack")


def slack_user_only_scenario(wire: WireServer, provider: str | None) -> None:
    answer = {
        key: value
        for key, value in SLACK_V2.items()
        if key not in ("access_token", "token_type", "scope", "bot_user_id")
    }
    wire.script("/token", json_reply(answer))
    with _session(wire, provider) as session:
        token = session.fetch_token(code="code-1")
    assert (token["access_token"], token["token_type"]) == ("xoxp-1234", "Bearer")
    assert token["scope"] == "chat:write"


def test_slack_user_only_install_takes_the_token_from_authed_user(wire: WireServer) -> None:
    slack_user_only_scenario(wire, "slack")


# --- instagram ----------------------------------------------------------------------------

INSTAGRAM_MISSING_ID = {
    "error_type": "OAuthException",
    "code": 400,
    "error_message": "Missing required field client_id",
}


def _instagram_me(request: Recorded) -> Reply:
    if request.query.get("access_token") != ["IGQVJ-short"] or request.header("Authorization"):
        return json_reply(
            {
                "error": {
                    "message": "Invalid OAuth access token",
                    "type": "OAuthException",
                    "code": 190,
                }
            },
            400,
        )
    return json_reply({"id": "17841405793187218", "username": "jayposiris"})


def instagram_scenario(wire: WireServer, provider: str | None) -> None:
    granted = {
        "access_token": "IGQVJ-short",
        "user_id": "17841405793187218",
        "permissions": "instagram_business_basic",
    }
    answer = json_reply({"data": [granted]})
    wire.script("/token", _body_credentials_only(answer, json_reply(INSTAGRAM_MISSING_ID, 400)))
    wire.script("/me", _instagram_me)
    with _session(wire, provider) as session:
        token = session.fetch_token(code="code-1")
        assert (token["access_token"], token["user_id"]) == ("IGQVJ-short", "17841405793187218")
        me = session.get(wire.url("/me?fields=id,username"))
    assert me.json()["username"] == "jayposiris"
    assert wire.last("/me").query["fields"] == ["id,username"]


def test_instagram_token_from_data_list_and_sent_as_access_token_query(wire: WireServer) -> None:
    instagram_scenario(wire, "instagram")


def instagram_error_scenario(wire: WireServer, provider: str | None) -> None:
    used = {
        "error_type": "OAuthException",
        "code": 400,
        "error_message": "Matching code was not found or was already used",
    }
    wire.script("/token", json_reply(used, 400))
    with _session(wire, provider) as session, pytest.raises(OAuthError) as raised:
        session.fetch_token(code="code-1")
    assert raised.value.error == "OAuthException"
    assert raised.value.description == "Matching code was not found or was already used"


def test_instagram_error_type_is_an_oauth_error(wire: WireServer) -> None:
    instagram_error_scenario(wire, "instagram")


# --- fitbit -------------------------------------------------------------------------------


def fitbit_scenario(wire: WireServer, provider: str | None) -> None:
    refused = {
        "errors": [
            {
                "errorType": "invalid_grant",
                "message": "Refresh token invalid: rt-fitbit-1. Visit https://dev.fitbit.com/docs/oauth2"
                " for more information on the Fitbit Web API authorization process.",
            }
        ],
        "success": False,
    }
    wire.script("/token", json_reply(refused, 400))
    token = {
        "access_token": "at-fitbit",
        "refresh_token": "rt-fitbit-1",
        "expires_at": 1,
        "token_type": "Bearer",
        "user_id": "26FWFL",
    }
    with _session(wire, provider, token=token) as session, pytest.raises(OAuthError) as raised:
        session.refresh_token()
    error = raised.value
    assert (error.error, error.status_code) == ("invalid_grant", 400)
    assert error.description is not None and error.description.startswith("Refresh token invalid")
    assert "rt-fitbit-1" not in str(error)  # the echoed refresh token is scrubbed
    assert session.token["refresh_token"] == "rt-fitbit-1"  # a failed refresh loses nothing


def test_fitbit_errors_list_is_an_oauth_error_naming_the_first(wire: WireServer) -> None:
    fitbit_scenario(wire, "fitbit")


# --- mailchimp ----------------------------------------------------------------------------


def mailchimp_scenario(wire: WireServer, provider: str | None) -> None:
    wire.script("/token", json_reply({"access_token": "mc-at", "expires_in": 0, "scope": None}))
    wire.script("/3.0/ping", json_reply({"health_status": "Everything's Chimpy!"}))
    with _session(wire, provider) as session:
        token = session.fetch_token(code="code-1")
        assert "expires_at" not in token and "scope" not in token
        assert token.is_expired() is None
        answer = session.get(wire.url("/3.0/ping"))
    assert answer.json()["health_status"] == "Everything's Chimpy!"
    assert wire.last("/3.0/ping").header("Authorization") == "Bearer mc-at"
    assert len(wire.to("/token")) == 1


def test_mailchimp_token_with_expires_in_zero_never_expires(wire: WireServer) -> None:
    mailchimp_scenario(wire, "mailchimp")


# --- weibo --------------------------------------------------------------------------------

WEIBO_TOKEN = {
    "access_token": "2.00abc",
    "remind_in": "157679999",
    "expires_in": 157679999,
    "uid": "1404376560",
}
WEIBO_REFUSED = {"error": "invalid_client", "error_code": 21324, "request": "/oauth2/access_token"}


def _weibo_api(request: Recorded) -> Reply:
    token = (
        request.query.get("access_token", [None])[0] or request.form.get("access_token", [None])[0]
    )
    if token != "2.00abc":
        return json_reply({"error": "expired_token", "error_code": 21327}, 403)
    return json_reply({"id": 1404376560, "screen_name": "zaku"})


def weibo_scenario(wire: WireServer, provider: str | None) -> None:
    answer = _body_credentials_only(json_reply(WEIBO_TOKEN), json_reply(WEIBO_REFUSED, 401))
    wire.script("/token", answer)
    wire.script("/2/users/show.json", _weibo_api)
    wire.script("/2/statuses/share.json", _weibo_api)
    window = _expires_at_window(157679999)
    with _session(wire, provider) as session:
        token = session.fetch_token(code="code-1")
        assert token["expires_at"] in window()
        shown = session.get(wire.url("/2/users/show.json?uid=1404376560"))
        shared = session.post(wire.url("/2/statuses/share.json"), data={"status": "hi"})
    assert shown.json()["screen_name"] == shared.json()["screen_name"] == "zaku"
    assert wire.last("/2/statuses/share.json").form == {
        "status": ["hi"],
        "access_token": ["2.00abc"],
    }
    assert wire.last("/2/users/show.json").query["uid"] == ["1404376560"]


def test_weibo_gets_body_credentials_and_the_access_token_parameter(wire: WireServer) -> None:
    weibo_scenario(wire, "weibo")


# --- douban -------------------------------------------------------------------------------

DOUBAN_TOKEN = {
    "access_token": "a14afef0f66fcffce3e0fcd2e34f6ff4",
    "expires_in": 3920,
    "refresh_token": "5d633d136b6d56a41829b73a424803ec",
    "douban_user_id": "1221",
}


def douban_scenario(wire: WireServer, provider: str | None) -> None:
    refused = json_reply({"msg": "invalid_client", "code": 113, "request": "POST /token"}, 400)
    wire.script("/token", _body_credentials_only(json_reply(DOUBAN_TOKEN), refused))
    with _session(wire, provider) as session:
        token = session.fetch_token(code="code-1")
        assert (token["access_token"], token["douban_user_id"]) == (
            DOUBAN_TOKEN["access_token"],
            "1221",
        )
        wire.script(
            "/token",
            json_reply(
                {"msg": "invalid_refresh_token", "code": 119, "request": "POST /token"}, 400
            ),
        )
        with pytest.raises(OAuthError) as raised:
            session.refresh_token()
    assert raised.value.error == "invalid_refresh_token"
    assert wire.last("/token").field("client_secret") == CLIENT_SECRET


def test_douban_gets_body_credentials_and_its_msg_errors_read(wire: WireServer) -> None:
    douban_scenario(wire, "douban")


# --- plentymarkets ------------------------------------------------------------------------


def _plenty_login(access: str, refresh: str) -> Reply:
    return json_reply(
        {"tokenType": "Bearer", "expiresIn": 86400, "accessToken": access, "refreshToken": refresh}
    )


def plentymarkets_scenario(wire: WireServer, provider: str | None) -> None:
    wire.script("/rest/login", _plenty_login("eyJ-login", "def502-login"))
    wire.script("/rest/login/refresh", _plenty_login("eyJ-refreshed", "def502-refreshed"))
    wire.script("/rest/orders", json_reply({"page": 1, "entries": []}))
    login = wire.url("/rest/login")
    window = _expires_at_window(86400)
    with _session(wire, provider, client=False, token_endpoint=login) as session:
        token = session.fetch_token(username="rest-user", password="pw-1")
        assert (token["access_token"], token["refresh_token"]) == ("eyJ-login", "def502-login")
        assert token["expires_at"] in window()
        refreshed = session.refresh_token(wire.url("/rest/login/refresh"))
        orders = session.get(wire.url("/rest/orders"))
    assert refreshed["access_token"] == "eyJ-refreshed"
    assert wire.last("/rest/login/refresh").field("refresh_token") == "def502-login"
    assert orders.json() == {"page": 1, "entries": []}
    assert wire.last("/rest/orders").header("Authorization") == "Bearer eyJ-refreshed"


def test_plentymarkets_camel_case_login_and_refresh_give_a_token(wire: WireServer) -> None:
    plentymarkets_scenario(wire, "plentymarkets")


# --- ebay ---------------------------------------------------------------------------------

EBAY_APP = {
    "access_token": "v^1.1#i^1#p^1#I^3#r^0#f^0#t^H4sIAAAA",
    "expires_in": 7200,
    "token_type": "Application Access Token",
}
EBAY_USER = {
    "access_token": "v^1.1#i^1#f^0#p^3#I^3#r^1#t^Ul4xMF8",
    "expires_in": 7200,
    "refresh_token": "v^1.1#i^1#r^1#I^3#p^3#f^0#t^Ul4xMF8",
    "refresh_token_expires_in": 47304000,
    "token_type": "User Access Token",
}


def ebay_scenario(wire: WireServer, provider: str | None) -> None:
    wire.script("/token", json_reply(EBAY_APP), json_reply(EBAY_USER))
    wire.script("/buy/browse/v1/item_summary/search", json_reply({"total": 0}))
    with _session(wire, provider) as session:
        token = session.fetch_token(scope="https://api.ebay.com/oauth/api_scope")
        session.get(wire.url("/buy/browse/v1/item_summary/search?q=drone"))
        assert token["token_type"] == "Bearer"
        assert session.refresh_token(refresh_token="rt-old")["token_type"] == "Bearer"
    sent = wire.last("/buy/browse/v1/item_summary/search").header("Authorization")
    assert sent == f"Bearer {EBAY_APP['access_token']}"


def test_ebay_application_and_user_token_types_are_bearer(wire: WireServer) -> None:
    ebay_scenario(wire, "ebay")


# --- linkedin -----------------------------------------------------------------------------

LINKEDIN_MISSING = {
    "error": "invalid_request",
    "error_description": 'A required parameter "client_secret" is missing',
}
LINKEDIN_TOKEN = {
    "access_token": "AQUvlL_DYEzvT2wz1QJiEPeLioeA",
    "expires_in": 5184000,
    "refresh_token": "AQWAft_WjYZKwuWXLC5hQlghgTam",
    "refresh_token_expires_in": 525600000,
    "scope": "r_basicprofile",
}


def linkedin_scenario(wire: WireServer, provider: str | None) -> None:
    refusal = json_reply(LINKEDIN_MISSING, 400)
    wire.script("/token", _body_credentials_only(json_reply(LINKEDIN_TOKEN), refusal))
    wire.script("/revoke", _body_credentials_only(Reply(200), refusal))
    with _session(wire, provider, revocation_endpoint=wire.url("/revoke")) as session:
        assert session.fetch_token(code="code-1")["access_token"] == LINKEDIN_TOKEN["access_token"]
        assert session.refresh_token()["refresh_token"] == LINKEDIN_TOKEN["refresh_token"]
        assert session.revoke_token().status_code == 200
    assert wire.last("/revoke").field("token") == LINKEDIN_TOKEN["access_token"]


def test_linkedin_client_credentials_travel_in_the_body(wire: WireServer) -> None:
    linkedin_scenario(wire, "linkedin")


def test_linkedin_fix_keeps_a_method_chosen_explicitly(wire: WireServer) -> None:
    wire.script("/token", json_reply(LINKEDIN_TOKEN))
    with _session(wire, "linkedin", token_endpoint_auth_method="none") as session:
        session.fetch_token(code="code-1")
    sent = wire.last("/token")
    assert (sent.field("client_id"), sent.field("client_secret"), sent.basic) == (
        CLIENT_ID,
        None,
        None,
    )


# --- withings -----------------------------------------------------------------------------

WITHINGS_BODY = {
    "userid": "363",
    "access_token": "a075f8c14fb8df40b08ebc8508533dc332a6910a",
    "refresh_token": "f631236f02b991810feb774765b6ae8e6c6839ca",
    "expires_in": 10800,
    "scope": "user.info,user.metrics",
    "csrf_token": "PACnnxwHTaBQOzF7bQqwFUUotIuvtzSM",
    "token_type": "Bearer",
}


def _withings_token(request: Recorded) -> Reply:
    if request.field("action") != "requesttoken":
        return json_reply({"status": 503, "body": {}, "error": "Invalid Params: invalid action"})
    if request.basic is not None or request.field("client_secret") != CLIENT_SECRET:
        return json_reply({"status": 503, "body": {}, "error": "Invalid Params: invalid client"})
    if request.field("grant_type") == "refresh_token" and request.field("refresh_token") == "old":
        return json_reply({"status": 401, "body": {}, "error": "Invalid refresh_token"})
    return json_reply({"status": 0, "body": WITHINGS_BODY})


def withings_scenario(wire: WireServer, provider: str | None) -> None:
    wire.script("/token", _withings_token)
    window = _expires_at_window(10800)
    with _session(wire, provider) as session:
        token = session.fetch_token(code="code-1")
        assert (token["access_token"], token["userid"]) == (WITHINGS_BODY["access_token"], "363")
        assert token["expires_at"] in window()
        assert session.refresh_token()["access_token"] == WITHINGS_BODY["access_token"]
        with pytest.raises(OAuthError) as raised:
            session.refresh_token(refresh_token="old")
    assert (raised.value.error, raised.value.description) == (
        "withings_status_401",
        "Invalid refresh_token",
    )
    assert [r.field("action") for r in wire.to("/token")] == ["requesttoken"] * 3


def test_withings_envelope_action_and_body_credentials(wire: WireServer) -> None:
    withings_scenario(wire, "withings")


# --- every scenario needs its fix ----------------------------------------------------------

SCENARIOS: Mapping[str, tuple[str, Callable[[WireServer, str | None], None], type[Exception]]] = {
    # name: (provider, scenario, how it fails without the fix). AssertionError: a wrong
    # result (no expiry, the error code "invalid_response" instead of the provider's).
    "facebook expires": ("facebook", facebook_scenario, KeyError),
    "facebook error": ("facebook", facebook_error_scenario, AssertionError),
    "slack bot token": ("slack", slack_scenario, UnsupportedTokenTypeError),
    "slack user-only": ("slack", slack_user_only_scenario, InvalidResponseError),
    "instagram token": ("instagram", instagram_scenario, InvalidResponseError),
    "instagram error": ("instagram", instagram_error_scenario, AssertionError),
    "fitbit": ("fitbit", fitbit_scenario, AssertionError),
    "mailchimp": ("mailchimp", mailchimp_scenario, AssertionError),
    "weibo": ("weibo", weibo_scenario, OAuthError),
    "douban": ("douban", douban_scenario, InvalidResponseError),
    "plentymarkets": ("plentymarkets", plentymarkets_scenario, InvalidResponseError),
    "ebay": ("ebay", ebay_scenario, UnsupportedTokenTypeError),
    "linkedin": ("linkedin", linkedin_scenario, OAuthError),
    "withings": ("withings", withings_scenario, OAuthError),
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_each_scenario_fails_without_its_fix(wire: WireServer, name: str) -> None:
    _, scenario, failure = SCENARIOS[name]
    with pytest.raises(failure):
        scenario(wire, None)


def test_every_provider_has_a_scenario() -> None:
    assert {provider for provider, _, _ in SCENARIOS.values()} == set(compliance.PROVIDERS)


def test_mailchimp_without_the_fix_cannot_use_its_token(wire: WireServer) -> None:
    # What the issue measured: expires_in 0 expires the token at once.
    wire.script("/token", json_reply({"access_token": "mc-at", "expires_in": 0}))
    with _session(wire, None) as session:
        session.fetch_token(code="code-1")
        with pytest.raises(InvalidTokenError):
            session.get(wire.url("/3.0/ping"))
