"""Hybrid ``code id_token`` and implicit ``id_token`` responses from the certified provider.

No statically configured client of the test provider may use these response types
(every one registers ``response_types: ["code"]``), but the provider enables
``code id_token`` and ``id_token`` and its registration endpoint is open (RFC 7591), so
each test registers a native client that may. ``id_token token`` is not enabled there
at all. OpenID Connect Core 1.0 §3.3.2.12 (hybrid: ``nonce`` and ``c_hash`` of the
front-channel ID token before the code is redeemed) and §3.2.2.11 (implicit).
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import requests

from grantflow import InvalidIDTokenError, OAuth2Session
from grantflow.testing import ProviderInfo

from ._browser import follow_to_redirect_uri
from ._oidc import jose_claims, register_client
from ._wire import endpoint_path, record

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.provider_specific(
        "oidc-provider", reason="hybrid and implicit response types (code id_token, id_token)"
    ),
]

_REDIRECT_URI = "http://127.0.0.1:8080/cb"


def _fragment(url: str) -> dict[str, str]:
    """The parameters of a URL's fragment (one value each)."""
    return dict(parse_qsl(urlsplit(url).fragment))


def _hybrid_session(provider: ProviderInfo) -> OAuth2Session:
    """A session for a freshly registered client allowed ``code id_token`` and ``id_token``."""
    client_id, client_secret = register_client(
        provider.issuer,
        application_type="native",
        redirect_uris=[_REDIRECT_URI],
        response_types=["code id_token", "id_token", "code"],
        grant_types=["authorization_code", "implicit", "refresh_token"],
        token_endpoint_auth_method="client_secret_basic",
    )
    return OAuth2Session(
        client_id,
        client_secret,
        scope="openid",
        redirect_uri=_REDIRECT_URI,
        server_metadata_url=provider.discovery_url,
        default_timeout=10,
    )


def test_hybrid_code_id_token_is_validated_then_redeemed(
    provider: ProviderInfo, browser: requests.Session
) -> None:
    with _hybrid_session(provider) as session:
        url, state = session.create_authorization_url(response_type="code id_token")
        callback = follow_to_redirect_uri(browser, url, _REDIRECT_URI)
        front = _fragment(callback)
        assert front["state"] == state
        assert {"code", "id_token"} <= set(front)
        assert "c_hash" in jose_claims(front["id_token"])

        token = session.fetch_token(authorization_response=callback)

        assert token["access_token"]
        assert token["userinfo"]["sub"] == jose_claims(front["id_token"])["sub"] == "alice"
        assert token["userinfo"]["iss"] == provider.issuer
        assert session.userinfo()["sub"] == "alice"


def test_hybrid_callback_with_another_code_is_refused_before_the_token_endpoint(
    provider: ProviderInfo, browser: requests.Session
) -> None:
    with _hybrid_session(provider) as session:
        # The ID token's c_hash binds it to its own code (OIDC Core §3.3.2.11).
        swapped = _callback_with_the_others(session, browser, "code id_token", "code")
        token_path = endpoint_path(session.load_server_metadata(), "token_endpoint")
        wire = record(session, provider.issuer)

        with pytest.raises(InvalidIDTokenError) as raised:
            session.fetch_token(authorization_response=swapped)

        assert raised.value.claim == "c_hash"
        assert token_path not in wire.paths()


def test_implicit_id_token_response_yields_the_validated_id_token(
    provider: ProviderInfo, browser: requests.Session
) -> None:
    with _hybrid_session(provider) as session:
        url, state = session.create_authorization_url(response_type="id_token")
        callback = follow_to_redirect_uri(browser, url, _REDIRECT_URI)
        assert _fragment(callback)["state"] == state

        token = session.token_from_fragment(callback)

        assert "access_token" not in token
        assert token["id_token"] == _fragment(callback)["id_token"]
        assert token["userinfo"]["sub"] == "alice"
        assert token["userinfo"]["nonce"] == jose_claims(token["id_token"])["nonce"]


def test_implicit_id_token_issued_for_another_request_is_refused(
    provider: ProviderInfo, browser: requests.Session
) -> None:
    with _hybrid_session(provider) as session:
        # The other request's ID token, delivered under this request's state: its nonce
        # is not the one this request sent (OIDC Core §3.2.2.11).
        replayed = _callback_with_the_others(session, browser, "id_token", "id_token")

        with pytest.raises(InvalidIDTokenError) as raised:
            session.token_from_fragment(replayed)

        assert raised.value.claim == "nonce"


def _callback_with_the_others(
    session: OAuth2Session, browser: requests.Session, response_type: str, name: str
) -> str:
    """Run two authorization requests; return the first's callback with the second's ``name``."""
    callbacks = []
    for _ in range(2):
        url, _ = session.create_authorization_url(response_type=response_type)
        callbacks.append(follow_to_redirect_uri(browser, url, _REDIRECT_URI))
    first, second = callbacks
    head, _, _ = first.partition("#")
    mixed = {**_fragment(first), name: _fragment(second)[name]}
    return f"{head}#{urlencode(mixed)}"
