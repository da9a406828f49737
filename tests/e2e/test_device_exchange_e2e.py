"""Device flow, token exchange and dynamic registration against both providers.

The user is played headlessly: on the certified provider through its device pages
(RFC 8628 §3.3), on the development provider with one POST to its ``/device`` page.
Neither provider sends an ``interval`` shorter than 5 s by default, so the tests
shorten the client's interval to 1 s (a client may always poll less often than
allowed, never more, so this is the slowest a server could tolerate here) and no
test waits longer than a second at a time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
import requests
from drivers import DRIVERS, make_client

from grantflow import ACCESS_TOKEN_TYPE, OAuthError
from grantflow._flows import _drive
from grantflow.testing import DevProvider, ProviderInfo

from ._browser import TIMEOUT_S, BrowserError, confirm_device, forms_of

pytestmark = pytest.mark.e2e

DEVICE_CLIENT = "client-basic"


def decide(provider: ProviderInfo, authorization: dict[str, Any], approve: bool) -> None:
    """Approve or deny the device as the user would."""
    with requests.Session() as browser:
        if provider.name == "grantflow-dev-provider":
            response = browser.post(
                authorization["verification_uri"],
                data={
                    "user_code": authorization["user_code"],
                    "action": "approve" if approve else "deny",
                },
                timeout=TIMEOUT_S,
            )
            assert response.status_code == 200, response.text
            return
        if approve:
            confirm_device(browser, authorization["verification_uri_complete"])
            return
        # oidc-provider: the confirm form's Abort button denies (access_denied).
        page = browser.get(authorization["verification_uri_complete"], timeout=TIMEOUT_S)
        form = forms_of(page.text)[0]
        page = browser.post(page.url, data=form.fields, allow_redirects=False, timeout=TIMEOUT_S)
        confirm = forms_of(page.text)
        if len(confirm) != 1:
            raise BrowserError("expected the device confirmation form")
        data = {**confirm[0].fields, "abort": "yes"}
        data.pop("confirm", None)
        browser.post(page.url, data=data, allow_redirects=True, timeout=TIMEOUT_S)


def start(make_session: Callable[..., Any], scope: str = "openid") -> tuple[Any, dict[str, Any]]:
    session = make_session(DEVICE_CLIENT, scope=scope)
    authorization = dict(session.device_authorization())
    authorization["interval"] = 1
    return session, authorization


def test_device_flow_approved_while_polling(
    provider: ProviderInfo, make_session: Callable[..., Any]
) -> None:
    session, authorization = start(make_session)
    pending: list[float] = []

    def user_acts(seconds_left: float) -> None:
        pending.append(seconds_left)
        if len(pending) == 1:
            decide(provider, authorization, approve=True)

    token = session.poll_device_token(authorization, on_pending=user_acts)
    assert len(pending) == 1 and 0 < pending[0] <= authorization["expires_in"]
    assert token["access_token"] and token["userinfo"]["sub"] in provider.users
    assert session.token["access_token"] == token["access_token"]
    assert session.userinfo()["sub"] == token["userinfo"]["sub"]


def test_device_flow_denied(provider: ProviderInfo, make_session: Callable[..., Any]) -> None:
    session, authorization = start(make_session)
    decide(provider, authorization, approve=False)
    with pytest.raises(OAuthError) as caught:
        session.poll_device_token(authorization)
    assert caught.value.error == "access_denied"
    assert session.token is None


def test_device_flow_expires_without_another_request(
    provider: ProviderInfo, make_session: Callable[..., Any]
) -> None:
    session, authorization = start(make_session)
    # As if the code had been issued with a 2 s lifetime: polls at 0 s and 1 s, then stops.
    authorization["expires_at"] = time.time() + 2
    began = time.monotonic()
    with pytest.raises(OAuthError) as caught:
        session.poll_device_token(authorization)
    assert caught.value.error == "expired_token"
    assert time.monotonic() - began < 2
    assert session.token is None


@pytest.mark.provider_specific(
    "grantflow-dev-provider",
    reason="slow_down (oidc-provider never sends it, tests/provider/NOTES.md)",
)
@pytest.mark.parametrize("driver", DRIVERS)
def test_slow_down_on_a_provider_with_a_shared_fake_clock(
    provider: ProviderInfo, driver: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = SimpleNamespace(now=float(int(time.time())), waits=[])

    def sleep(seconds: float) -> None:
        clock.waits.append(seconds)
        clock.now += seconds

    async def asleep(seconds: float) -> None:
        sleep(seconds)

    monkeypatch.setattr(_drive, "time", SimpleNamespace(sleep=sleep))
    monkeypatch.setattr(_drive, "_async_sleep", asleep)
    op = DevProvider(clock=lambda: clock.now, device_interval=3, write_files=False)
    with op, make_client(driver, "client-public", server_metadata_url=op.discovery_url) as s:
        s._client.clock = lambda: clock.now
        authorization = dict(s.device_authorization(scope="openid"))
        authorization["interval"] = 1  # faster than the server allows
        seen: list[float] = []

        def user_acts(seconds_left: float) -> None:
            seen.append(seconds_left)
            if len(seen) == 3:
                op.approve_device(authorization["user_code"])

        token = s.poll_device_token(authorization, on_pending=user_acts)
    assert token["userinfo"]["sub"] == "alice"
    # 1 s after the first poll is too soon for the server's 3 s: slow_down, so 6 s from
    # then on; the next poll is pending, the one after gets the token.
    assert clock.waits == [1, 6, 6]


def test_token_exchange_keeps_the_sessions_token(
    provider: ProviderInfo, make_session: Callable[..., Any]
) -> None:
    user_session = make_session("client-basic", scope="openid")
    user_token = user_session.fetch_token(username="alice", password=provider.users["alice"])
    service = make_session("client-post")
    own = service.fetch_token(scope="api:read")
    exchanged = service.exchange_token(user_token["access_token"], ACCESS_TOKEN_TYPE)
    assert exchanged["issued_token_type"] == ACCESS_TOKEN_TYPE
    assert exchanged["access_token"] not in (own["access_token"], user_token["access_token"])
    assert service.token["access_token"] == own["access_token"]
    with pytest.raises(OAuthError) as caught:
        service.exchange_token("not-a-token-of-this-provider")
    assert caught.value.error in ("invalid_request", "invalid_grant")
    assert service.token["access_token"] == own["access_token"]


def test_dynamic_registration_then_client_credentials(
    provider: ProviderInfo, make_session: Callable[..., Any]
) -> None:
    session = make_session("client-public")
    registered = session.register_client(
        metadata={
            "redirect_uris": ["http://127.0.0.1:8080/cb"],
            "grant_types": ["client_credentials"],
            "response_types": [],
            "token_endpoint_auth_method": "client_secret_basic",
        }
    )
    assert registered["client_id"] != "client-public"
    assert session.client_id == registered["client_id"]
    assert session.client_secret == registered["client_secret"]
    assert session.token_endpoint_auth_method == "client_secret_basic"
    token = session.fetch_token(scope="api:read")
    assert token["access_token"]


def test_a_refused_registration_changes_nothing(
    provider: ProviderInfo, make_session: Callable[..., Any]
) -> None:
    session = make_session("client-basic")
    with pytest.raises(OAuthError):
        session.register_client(metadata={"redirect_uris": ["not a url"]})
    assert session.client_id == "client-basic"
    assert session.client_secret == provider.clients["client-basic"].client_secret
