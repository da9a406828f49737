"""Refreshed ID tokens (OpenID Connect Core 1.0 §12.2) and signing-key rotation (§10.1.1).

A refresh response may carry a new ID token; its ``iss``, ``sub`` and ``aud`` must be
those of the original authentication. When the provider starts signing with a new key,
the first ID token naming the unknown ``kid`` makes the client fetch the JWK Set once
more, and tokens signed with the old key still verify while the provider publishes it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests

from grantflow import InvalidIDTokenError, OAuth2Session
from grantflow.testing import ProviderInfo

from . import _provider
from ._oidc import PortReplay, jose_header, put_new_signing_key_first, sign_in
from ._wire import Renewals, endpoint_path, record

pytestmark = pytest.mark.e2e

MakeSession = Callable[..., OAuth2Session]

_SAME_AS_ORIGINAL = ("iss", "sub", "aud")


def test_refreshed_id_token_is_validated_against_the_original(
    provider: ProviderInfo, make_session: MakeSession, browser: requests.Session
) -> None:
    client = provider.clients["client-basic"]
    session = make_session("client-basic", scope="openid")
    refresh_bodies: list[dict[str, Any]] = []

    def keep_body(response: requests.Response) -> requests.Response:
        refresh_bodies.append(response.json())
        return response

    session.register_compliance_hook("refresh_token_response", keep_body)
    original = sign_in(session, browser, client.redirect_uri)

    refreshed = session.refresh_token()

    assert len(refresh_bodies) == 1
    assert "id_token" in refresh_bodies[0], "the provider sent no ID token on refresh"
    assert refreshed["id_token"] == refresh_bodies[0]["id_token"]
    for claim in _SAME_AS_ORIGINAL:
        assert refreshed["userinfo"][claim] == original["userinfo"][claim]
    assert refreshed["access_token"] != original["access_token"]
    # The new ID token is the one stored, and it validates on its own.
    assert session.parse_id_token(session.token or {})["sub"] == "alice"


def test_refreshed_id_token_of_another_user_is_refused(
    provider: ProviderInfo, make_session: MakeSession
) -> None:
    client = provider.clients["client-basic"]
    renewals = Renewals()
    session = make_session("client-basic", scope="openid", update_token=renewals)
    other = make_session("client-basic", scope="openid")
    with requests.Session() as bob_browser, requests.Session() as alice_browser:
        bob = sign_in(session, bob_browser, client.redirect_uri, login_hint="bob")
        alice = sign_in(other, alice_browser, client.redirect_uri, login_hint="alice")
    assert bob["userinfo"]["sub"] == "bob"
    # A refresh token that got mixed up in storage: it belongs to alice's grant.
    session.token = {**bob, "refresh_token": alice["refresh_token"]}

    with pytest.raises(InvalidIDTokenError) as raised:
        session.refresh_token()

    assert raised.value.claim == "sub"
    assert renewals.calls == []
    assert session.token is not None
    assert session.token["userinfo"]["sub"] == "bob"
    assert session.token["access_token"] == bob["access_token"]


@pytest.mark.provider_specific(
    "oidc-provider", reason="restartable state directory to rotate its signing key"
)
def test_id_token_signed_with_a_rotated_key_fetches_the_key_set_once(
    provider: ProviderInfo,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A provider of its own: restarting the shared one would end every other test's state.
    client = provider.clients["client-basic"]
    state_dir = tmp_path_factory.mktemp("oidc-provider-rotation")
    ports = PortReplay(_provider.free_port)
    monkeypatch.setattr(_provider, "free_port", ports)
    running = _provider.start(state_dir)
    try:
        issuer = running.info.issuer
        session = OAuth2Session(
            client.client_id,
            client.client_secret,
            scope="openid",
            redirect_uri=client.redirect_uri,
            server_metadata_url=running.info.discovery_url,
            default_timeout=10,
        )
        with requests.Session() as browser:
            before = sign_in(session, browser, client.redirect_uri)
        assert jose_header(before["id_token"])["kid"] == "op-rsa-1"

        _provider.stop(running.process)
        put_new_signing_key_first(state_dir, "op-rsa-2")
        ports.replay()
        running = _provider.start(state_dir)
        assert running.info.issuer == issuer
        wire = record(session, issuer)
        with requests.Session() as browser:
            after = sign_in(session, browser, client.redirect_uri)

        jwks_path = endpoint_path(session.load_server_metadata(), "jwks_uri")
        assert jose_header(after["id_token"])["kid"] == "op-rsa-2"
        assert after["userinfo"]["sub"] == "alice"
        assert wire.paths("GET").count(jwks_path) == 1
        kids = [key["kid"] for key in session.fetch_jwk_set()["keys"]]
        assert kids.index("op-rsa-2") < kids.index("op-rsa-1")
        # The old key is still published: the earlier ID token verifies without a fetch.
        assert session.parse_id_token(before["id_token"])["sub"] == "alice"
        assert wire.paths("GET").count(jwks_path) == 1
        session.close()
    finally:
        _provider.stop(running.process)
