"""UserInfo as JSON and as a signed JWT, RP-initiated logout, and the discovery issuer check.

OpenID Connect Core 1.0 §5.3 (UserInfo, §5.3.2 signed responses, §5.3.4 ``sub``),
RP-Initiated Logout 1.0 §2 and §3, and OpenID Connect Discovery 1.0 §4.3: a document whose
``issuer`` is not the URL it was fetched from must not be used.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

import pytest
import requests

from grantflow import AuthorizationError, InvalidResponseError, OAuth2Session
from grantflow.testing import ProviderInfo

from ._browser import query_params
from ._login import log_in
from ._oidc import (
    jose_claims,
    jose_header,
    post_logout_redirect_uri,
    sign_in,
    walk_logout,
    with_host,
)
from ._wire import endpoint_path, record

pytestmark = pytest.mark.e2e

MakeSession = Callable[..., OAuth2Session]


def _raw_userinfo(session: OAuth2Session) -> requests.Response:
    """The UserInfo response as the provider sends it, fetched outside grantflow."""
    assert session.token is not None
    return requests.get(
        session.load_server_metadata()["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {session.token['access_token']}"},
        timeout=10,
    )


def test_userinfo_as_json_returns_the_scopes_claims(
    provider: ProviderInfo, make_session: MakeSession, browser: requests.Session
) -> None:
    client = provider.clients["client-basic"]
    session = make_session("client-basic", scope="openid profile email")
    token = sign_in(session, browser, client.redirect_uri)
    raw = _raw_userinfo(session)
    assert raw.headers["Content-Type"].startswith("application/json")

    claims = session.userinfo()

    assert claims == raw.json()
    assert claims["sub"] == token["userinfo"]["sub"] == "alice"
    assert claims["email"] == "alice@example.test"
    assert claims["email_verified"] is True
    assert claims["given_name"] == "Alice"
    # Scope "phone" was not asked for, so its claims must not be released.
    assert "phone_number" not in claims


def test_userinfo_as_a_signed_jwt_is_verified_and_decoded(
    provider: ProviderInfo, make_session: MakeSession, browser: requests.Session
) -> None:
    client = provider.clients["client-es256"]
    registered = client.metadata["userinfo_signed_response_alg"]
    session = make_session(
        "client-es256",
        scope="openid email",
        id_token_signed_response_alg=client.metadata["id_token_signed_response_alg"],
        userinfo_signed_response_alg=registered,
    )
    sign_in(session, browser, client.redirect_uri)
    raw = _raw_userinfo(session)
    assert raw.headers["Content-Type"].startswith("application/jwt")
    assert jose_header(raw.text.strip())["alg"] == registered

    claims = session.userinfo()

    assert claims["sub"] == "alice"
    assert claims["email"] == "alice@example.test"
    assert claims["iss"] == provider.issuer
    assert claims["aud"] in ("client-es256", ["client-es256"])
    assert claims["email"] == jose_claims(raw.text.strip())["email"]


def test_plain_json_userinfo_is_refused_when_a_signed_one_was_registered(
    provider: ProviderInfo, make_session: MakeSession, browser: requests.Session
) -> None:
    client = provider.clients["client-basic"]
    session = make_session("client-basic", scope="openid", userinfo_signed_response_alg="ES256")
    sign_in(session, browser, client.redirect_uri)
    assert _raw_userinfo(session).headers["Content-Type"].startswith("application/json")

    with pytest.raises(InvalidResponseError) as raised:
        session.userinfo()

    assert raised.value.status_code == 200
    assert session.token is not None
    assert session.token["access_token"] not in str(raised.value)


def test_logout_url_walked_to_the_post_logout_redirect_ends_the_session(
    provider: ProviderInfo, make_session: MakeSession, browser: requests.Session
) -> None:
    client = provider.clients["client-basic"]
    after_logout = post_logout_redirect_uri(provider, "client-basic")
    session = make_session("client-basic", scope="openid")
    token = sign_in(session, browser, client.redirect_uri)
    # Signed in: a silent request succeeds on the provider's session cookie.
    silent = make_session("client-basic", scope="openid")
    assert "code" in query_params(log_in(silent, browser, client.redirect_uri, prompt="none"))
    logout_state = secrets.token_urlsafe(16)

    logout_url = session.create_logout_url(
        post_logout_redirect_uri=after_logout, state=logout_state
    )
    landed = walk_logout(browser, logout_url, after_logout)

    sent = query_params(logout_url)
    assert sent["id_token_hint"] == token["id_token"]
    assert sent["post_logout_redirect_uri"] == after_logout
    assert query_params(landed)["state"] == logout_state
    # Logged out: the same silent request now needs a login (OIDC Core §3.1.2.6).
    later = make_session("client-basic", scope="openid")
    callback = log_in(later, browser, client.redirect_uri, prompt="none")
    with pytest.raises(AuthorizationError) as raised:
        later.fetch_token(authorization_response=callback)
    assert raised.value.error == "login_required"


@pytest.mark.requests_transport
def test_discovery_through_a_host_name_that_mismatches_the_issuer_is_rejected(
    provider: ProviderInfo, make_session: MakeSession
) -> None:
    other_name = with_host(provider.discovery_url, "localhost")
    document = requests.get(other_name, timeout=10)
    # The provider does answer there, naming its configured issuer, not the URL used.
    assert document.status_code == 200
    assert document.json()["issuer"] == provider.issuer
    assert not other_name.startswith(provider.issuer + "/")
    session = make_session("client-basic", scope="openid", server_metadata_url=other_name)
    wire = record(session, with_host(provider.issuer, "localhost"))

    with pytest.raises(InvalidResponseError) as raised:
        session.load_server_metadata()
    with pytest.raises(InvalidResponseError):
        session.create_authorization_url()

    assert "issuer" in str(raised.value)
    # Nothing but discovery was requested from the impostor's endpoints.
    assert set(wire.paths("GET")) == {endpoint_path({"d": other_name}, "d")}
    assert wire.paths("POST") == []
    # The same client with the issuer's own URL is fine.
    trusted = make_session("client-basic", scope="openid")
    assert trusted.load_server_metadata()["issuer"] == provider.issuer
