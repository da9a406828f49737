"""Refresh tokens (RFC 6749 §6): explicit refresh with rotation, and automatic refresh."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests

from grantflow import OAuth2Session, OAuthError
from grantflow.testing import ProviderInfo

from ._login import signed_in
from ._wire import Renewals, expired

pytestmark = pytest.mark.e2e

MakeSession = Callable[..., OAuth2Session]


def test_refresh_rotates_the_token_and_the_provider_rejects_the_old_one(
    provider: ProviderInfo, make_session: MakeSession, browser: requests.Session
) -> None:
    renewals = Renewals()
    session, first = signed_in(provider, make_session, browser, update_token=renewals)

    second = session.refresh_token()

    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert [c["refresh_token"] for c in renewals.calls] == [first["refresh_token"]]
    # The session keeps working on the rotated token ...
    assert session.userinfo()["sub"] == "alice"
    assert session.get(session.load_server_metadata()["userinfo_endpoint"]).status_code == 200
    # ... while the provider no longer knows the old refresh token.
    old = session.introspect_token(token=first["refresh_token"], token_type_hint="refresh_token")
    assert old.json()["active"] is False
    new = session.introspect_token(token=second["refresh_token"], token_type_hint="refresh_token")
    assert new.json()["active"] is True
    # Presenting the old one is refused (and, by reuse detection, ends the grant: do it last).
    with pytest.raises(OAuthError) as raised:
        session.refresh_token(refresh_token=first["refresh_token"])
    assert raised.value.error == "invalid_grant"


def test_expired_access_token_is_refreshed_before_the_request(
    provider: ProviderInfo, make_session: MakeSession, browser: requests.Session
) -> None:
    renewals = Renewals()
    session, first = signed_in(provider, make_session, browser, update_token=renewals)
    session.token = expired(first)

    response = session.get(session.load_server_metadata()["userinfo_endpoint"])

    assert response.status_code == 200
    assert response.json()["sub"] == "alice"
    assert len(renewals.calls) == 1
    assert renewals.calls[0]["refresh_token"] == first["refresh_token"]
    renewed = session.token
    assert renewed is not None
    assert renewals.calls[0]["token"]["access_token"] == renewed["access_token"]
    assert renewed["access_token"] != first["access_token"]
    assert response.request.headers["Authorization"] == f"Bearer {renewed['access_token']}"
    assert renewed.is_expired() is False


def test_ensure_active_token_renews_an_expired_token(
    provider: ProviderInfo, make_session: MakeSession, browser: requests.Session
) -> None:
    session, first = signed_in(provider, make_session, browser)
    session.token = expired(first)

    assert session.ensure_active_token() is True

    assert session.token is not None
    assert session.token["access_token"] != first["access_token"]
    assert session.introspect_token().json()["active"] is True
