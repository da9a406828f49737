"""Client credentials (RFC 6749 §4.4), with and without an RFC 8707 ``resource``."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import KeySet

from grantflow import OAuth2Session, OAuthError
from grantflow.testing import ProviderInfo

from ._wire import Renewals, expired

pytestmark = pytest.mark.e2e

MakeSession = Callable[..., OAuth2Session]
JWT_RESOURCE = "urn:test:api:jwt"
DEFAULT_RESOURCE = "urn:test:api:opaque"


def test_client_credentials_without_resource_yields_an_active_token(
    make_session: MakeSession,
) -> None:
    session = make_session("client-m2m", scope="api:read")

    token = session.fetch_token()

    assert token["access_token"]
    assert token["expires_at"] > time.time()
    introspection = session.introspect_token().json()
    assert introspection["active"] is True
    assert introspection["client_id"] == "client-m2m"
    assert introspection["aud"] in (DEFAULT_RESOURCE, [DEFAULT_RESOURCE])


def test_client_credentials_with_resource_yields_a_jwt_for_that_audience(
    provider: ProviderInfo, make_session: MakeSession
) -> None:
    session = make_session("client-m2m", scope="api:read")

    token = session.fetch_token(resource=JWT_RESOURCE)

    keys = KeySet.import_key_set(
        requests.get(session.load_server_metadata()["jwks_uri"], timeout=10).json()
    )
    access_token = jwt.decode(token["access_token"], keys)
    assert access_token.header["typ"] == "at+jwt"
    assert access_token.claims["aud"] in (JWT_RESOURCE, [JWT_RESOURCE])
    assert access_token.claims["iss"] == provider.issuer
    assert access_token.claims["client_id"] == "client-m2m"
    assert access_token.claims["scope"] == "api:read"


def test_unknown_resource_is_an_oauth_error_naming_invalid_target(
    make_session: MakeSession,
) -> None:
    session = make_session("client-m2m", scope="api:read")

    with pytest.raises(OAuthError) as raised:
        session.fetch_token(resource="urn:test:api:unknown")

    assert raised.value.error == "invalid_target"
    assert raised.value.status_code == 400


def test_expired_client_credentials_token_is_fetched_again_on_the_next_request(
    provider: ProviderInfo, make_session: MakeSession
) -> None:
    renewals = Renewals()
    session = make_session("client-m2m", scope="api:read", update_token=renewals)
    first = session.fetch_token()
    session.token = expired(first)

    # Any URL under the provider carries the token; discovery simply ignores it.
    response = session.get(provider.discovery_url)

    assert response.status_code == 200
    assert len(renewals.calls) == 1
    assert renewals.calls[0]["access_token"] == first["access_token"]
    assert session.token is not None
    renewed = session.token["access_token"]
    assert renewed != first["access_token"]
    assert response.request.headers["Authorization"] == f"Bearer {renewed}"
    assert session.introspect_token(token=renewed).json()["active"] is True
