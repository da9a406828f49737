"""Authorization code + PKCE against the certified provider, through grantflow's API.

Covers the three ways a client authenticates at the token endpoint, the RFC 9207 ``iss``
check, and that a forged callback is refused before the code ever reaches the token
endpoint (RFC 6749 §10.12, RFC 9207 §2.4, RFC 9700 §4.4).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

import pytest
import requests

from grantflow import AuthorizationError, InvalidResponseError, MismatchingStateError, OAuth2Session
from grantflow.testing import ProviderInfo

from ._browser import follow_to_redirect_uri, query_params
from ._login import log_in, with_param
from ._wire import endpoint_path, record

pytestmark = pytest.mark.e2e

MakeSession = Callable[..., OAuth2Session]


@pytest.mark.parametrize(
    ("client_id", "user"),
    [("client-basic", "alice"), ("client-post", "bob"), ("client-public", "bob")],
    ids=["client_secret_basic", "client_secret_post", "none"],
)
def test_code_flow_with_pkce_yields_tokens_for_the_signed_in_user(
    provider: ProviderInfo,
    make_session: MakeSession,
    browser: requests.Session,
    client_id: str,
    user: str,
) -> None:
    client = provider.clients[client_id]
    session = make_session(client_id, scope="openid profile")
    url, state = session.create_authorization_url(login_hint=user)
    authorize = query_params(url)
    assert authorize["code_challenge_method"] == "S256"
    assert authorize["code_challenge"]

    callback = follow_to_redirect_uri(browser, url, client.redirect_uri)
    assert query_params(callback)["iss"] == provider.issuer
    assert query_params(callback)["state"] == state
    token = session.fetch_token(authorization_response=callback)

    assert token["access_token"]
    assert token["token_type"].lower() == "bearer"
    assert token["userinfo"]["sub"] == user
    assert token["userinfo"]["aud"] in (client_id, [client_id])
    assert session.userinfo()["sub"] == user


@pytest.mark.requests_transport
def test_callback_iss_equal_to_the_issuer_is_accepted(
    provider: ProviderInfo, make_session: MakeSession, browser: requests.Session
) -> None:
    client = provider.clients["client-basic"]
    session = make_session("client-basic", scope="openid")
    wire = record(session, provider.issuer)
    callback = log_in(session, browser, client.redirect_uri)

    token = session.fetch_token(authorization_response=callback)

    token_path = endpoint_path(session.load_server_metadata(), "token_endpoint")
    assert query_params(callback)["iss"] == provider.issuer
    assert wire.paths().count(token_path) == 1
    assert token["userinfo"]["iss"] == provider.issuer


@pytest.mark.requests_transport
@pytest.mark.parametrize(
    "forged_iss",
    ["http://127.0.0.1:9/", "https://attacker.example", None],
    ids=["other-loopback-issuer", "other-issuer", "iss-removed"],
)
def test_callback_with_a_forged_iss_is_refused_before_any_token_request(
    provider: ProviderInfo,
    make_session: MakeSession,
    browser: requests.Session,
    forged_iss: str | None,
) -> None:
    client = provider.clients["client-basic"]
    assert client.client_secret is not None
    session = make_session("client-basic", scope="openid")
    verifier = secrets.token_urlsafe(48)
    callback = log_in(session, browser, client.redirect_uri, code_verifier=verifier)
    metadata = session.load_server_metadata()
    wire = record(session, provider.issuer)

    with pytest.raises(InvalidResponseError):
        session.fetch_token(authorization_response=with_param(callback, "iss", forged_iss))

    assert endpoint_path(metadata, "token_endpoint") not in wire.paths()
    # The code never reached the provider: it can still be redeemed once, by hand.
    redeemed = requests.post(
        metadata["token_endpoint"],
        auth=(client.client_id, client.client_secret),
        data={
            "grant_type": "authorization_code",
            "code": query_params(callback)["code"],
            "redirect_uri": client.redirect_uri,
            "code_verifier": verifier,
        },
        timeout=10,
    )
    assert redeemed.status_code == 200, redeemed.text


@pytest.mark.requests_transport
def test_callback_with_a_forged_state_is_refused_and_the_real_one_still_works(
    provider: ProviderInfo, make_session: MakeSession, browser: requests.Session
) -> None:
    client = provider.clients["client-basic"]
    session = make_session("client-basic", scope="openid")
    callback = log_in(session, browser, client.redirect_uri)
    token_path = endpoint_path(session.load_server_metadata(), "token_endpoint")
    wire = record(session, provider.issuer)
    forged = with_param(callback, "state", secrets.token_urlsafe(32))

    with pytest.raises(MismatchingStateError):
        session.fetch_token(authorization_response=forged)

    assert token_path not in wire.paths()
    # An unknown state consumes nothing: the genuine callback is still redeemable.
    token = session.fetch_token(authorization_response=callback)
    assert token["access_token"]
    assert wire.paths().count(token_path) == 1


@pytest.mark.requests_transport
def test_denied_login_raises_authorization_error_with_access_denied(
    provider: ProviderInfo, make_session: MakeSession, browser: requests.Session
) -> None:
    client = provider.clients["client-basic"]
    session = make_session("client-basic", scope="openid")
    # The test provider's login page refuses the user named "deny".
    callback = log_in(session, browser, client.redirect_uri, login_hint="deny")
    token_path = endpoint_path(session.load_server_metadata(), "token_endpoint")
    wire = record(session, provider.issuer)
    assert query_params(callback)["error"] == "access_denied"

    with pytest.raises(AuthorizationError) as raised:
        session.fetch_token(authorization_response=callback)

    assert raised.value.error == "access_denied"
    assert str(raised.value).startswith("access_denied")
    assert token_path not in wire.paths()
