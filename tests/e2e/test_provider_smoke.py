"""The test ground itself works: raw HTTP only, no grantflow client code involved.

If these fail, the grantflow tests beside them cannot mean anything; if these pass and
a grantflow test fails, the fault is on the client side.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import urlencode

import pytest
import requests

from grantflow.testing import ProviderInfo

from ._browser import confirm_device, follow_to_redirect_uri, query_params

pytestmark = pytest.mark.e2e

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


def _discovery(provider: ProviderInfo) -> dict[str, object]:
    response = requests.get(provider.discovery_url, timeout=10)
    response.raise_for_status()
    document: dict[str, object] = response.json()
    return document


def test_discovery_names_the_configured_issuer_and_rfc9207_support(provider: ProviderInfo) -> None:
    document = _discovery(provider)
    assert document["issuer"] == provider.issuer
    assert document["authorization_response_iss_parameter_supported"] is True
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert str(document["token_endpoint"]).startswith(provider.issuer + "/")


def test_headless_walk_reaches_the_redirect_uri_with_code_state_and_iss(
    provider: ProviderInfo, browser: requests.Session
) -> None:
    client = provider.clients["client-basic"]
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    state = secrets.token_urlsafe(16)
    query = {
        "client_id": client.client_id,
        "response_type": "code",
        "redirect_uri": client.redirect_uri,
        "scope": "openid",
        "state": state,
        "nonce": secrets.token_urlsafe(16),
        "code_challenge": challenge.rstrip(b"=").decode(),
        "code_challenge_method": "S256",
    }
    authorize = f"{_discovery(provider)['authorization_endpoint']}?{urlencode(query)}"

    callback = follow_to_redirect_uri(browser, authorize, client.redirect_uri)

    assert callback.startswith(client.redirect_uri + "?")
    params = query_params(callback)
    assert params["state"] == state
    assert params["iss"] == provider.issuer
    assert params["code"]


@pytest.mark.provider_specific("oidc-provider", reason="device authorization grant (RFC 8628)")
def test_device_confirmation_pages_lead_to_tokens(
    provider: ProviderInfo, browser: requests.Session
) -> None:
    client = provider.clients["client-basic"]
    assert client.client_secret is not None
    document = _discovery(provider)
    credentials = (client.client_id, client.client_secret)
    started = requests.post(
        str(document["device_authorization_endpoint"]),
        auth=credentials,
        data={"scope": "openid"},
        timeout=10,
    ).json()
    pending = requests.post(
        str(document["token_endpoint"]),
        auth=credentials,
        data={"grant_type": DEVICE_GRANT, "device_code": started["device_code"]},
        timeout=10,
    )
    assert pending.json()["error"] == "authorization_pending"

    page = confirm_device(browser, started["verification_uri_complete"])

    assert "Success" in page
    granted = requests.post(
        str(document["token_endpoint"]),
        auth=credentials,
        data={"grant_type": DEVICE_GRANT, "device_code": started["device_code"]},
        timeout=10,
    )
    assert granted.status_code == 200
    assert granted.json()["access_token"]
    assert granted.json()["id_token"]
