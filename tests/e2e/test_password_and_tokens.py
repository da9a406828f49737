"""Password grant, revocation (RFC 7009) with introspection (RFC 7662), and OAuth2Auth."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests

from grantflow import OAuth2Auth, OAuth2Session, OAuthError
from grantflow.testing import ProviderInfo

pytestmark = pytest.mark.e2e

MakeSession = Callable[..., OAuth2Session]


def _password_session(
    provider: ProviderInfo, make_session: MakeSession, user: str = "bob"
) -> tuple[OAuth2Session, dict[str, Any]]:
    session = make_session("client-basic", scope="openid profile")
    token = session.fetch_token(username=user, password=provider.users[user])
    return session, dict(token)


def test_password_grant_yields_tokens_for_that_user(
    provider: ProviderInfo, make_session: MakeSession
) -> None:
    session, token = _password_session(provider, make_session, "bob")

    assert token["access_token"]
    assert token["refresh_token"]
    assert token["userinfo"]["sub"] == "bob"
    assert token["userinfo"]["iss"] == provider.issuer
    assert session.userinfo()["name"] == "Bob Builder"


def test_password_grant_with_a_wrong_password_is_invalid_grant_without_the_password(
    make_session: MakeSession,
) -> None:
    session = make_session("client-basic", scope="openid")
    wrong = "not-the-password-of-alice"

    with pytest.raises(OAuthError) as raised:
        session.fetch_token(username="alice", password=wrong)

    assert raised.value.error == "invalid_grant"
    assert raised.value.status_code == 400
    assert wrong not in str(raised.value)
    assert wrong not in repr(raised.value)


def test_revoked_access_token_is_inactive_and_refused_by_userinfo(
    provider: ProviderInfo, make_session: MakeSession
) -> None:
    session, token = _password_session(provider, make_session)
    assert session.introspect_token().json()["active"] is True

    revoked = session.revoke_token()

    assert revoked.status_code == 200
    assert session.introspect_token().json()["active"] is False
    userinfo = requests.get(
        session.load_server_metadata()["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {token['access_token']}"},
        timeout=10,
    )
    assert userinfo.status_code == 401


def test_revoked_refresh_token_is_inactive(
    provider: ProviderInfo, make_session: MakeSession
) -> None:
    session, token = _password_session(provider, make_session)
    hint = "refresh_token"
    assert session.introspect_token(token=token[hint], token_type_hint=hint).json()["active"]

    session.revoke_token(token=token[hint], token_type_hint=hint)

    introspection = session.introspect_token(token=token[hint], token_type_hint=hint)
    assert introspection.json()["active"] is False


@pytest.mark.parametrize(
    ("method", "placement"), [("GET", "header"), ("POST", "header"), ("POST", "body")]
)
def test_oauth2auth_carries_the_token_on_a_plain_requests_call(
    provider: ProviderInfo, make_session: MakeSession, method: str, placement: str
) -> None:
    session, token = _password_session(provider, make_session, "alice")
    auth = OAuth2Auth(
        {"token_type": token["token_type"], "access_token": token["access_token"]},
        token_placement=placement,
    )

    response = requests.request(
        method, session.load_server_metadata()["userinfo_endpoint"], auth=auth, timeout=10
    )

    assert response.status_code == 200
    assert response.json()["sub"] == "alice"


def test_oauth2auth_with_an_unknown_token_is_refused_by_the_provider(
    provider: ProviderInfo, make_session: MakeSession
) -> None:
    session, _ = _password_session(provider, make_session)
    auth = OAuth2Auth({"token_type": "bearer", "access_token": "not-issued-by-this-provider"})

    response = requests.get(
        session.load_server_metadata()["userinfo_endpoint"], auth=auth, timeout=10
    )

    assert response.status_code == 401
    assert response.request.headers["Authorization"] == "Bearer not-issued-by-this-provider"
