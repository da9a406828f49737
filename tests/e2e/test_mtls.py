"""Mutual-TLS client authentication and certificate-bound tokens (RFC 8705), end to end.

The certified provider serves its token, introspection, revocation and UserInfo
endpoints for mTLS clients on HTTPS aliases (``mtls_endpoint_aliases``, RFC 8705 §5).
``tls_client_auth`` clients present a certificate from the test CA with the registered
subject (§2.1); ``self_signed_tls_client_auth`` clients one whose key is in their
registered JWK Set (§2.2). Their access tokens carry the certificate's SHA-256
thumbprint (``cnf.x5t#S256``, §3) and are good only when the same certificate is
presented with them.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from grantflow import OAuth2Session, OAuthError
from grantflow.testing import ProviderInfo

from ._login import log_in
from ._wire import record

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.provider_specific(
        "oidc-provider",
        reason="mutual-TLS client authentication and certificate-bound tokens (RFC 8705)",
    ),
]

#: auth method -> (client id, certificate file name, key file name) in ``provider.files``
CLIENTS = {
    "tls_client_auth": ("client-tls", "tls_client_cert", "tls_client_key"),
    "self_signed_tls_client_auth": (
        "client-self-signed-tls",
        "self_signed_client_cert",
        "self_signed_client_key",
    ),
}
OTHER = {"tls_client_auth": "self_signed_tls_client_auth"} | {
    "self_signed_tls_client_auth": "tls_client_auth"
}


@pytest.fixture
def aliases(provider: ProviderInfo, discovery: dict[str, Any]) -> dict[str, str]:
    """The discovery document's ``mtls_endpoint_aliases``."""
    found: dict[str, str] = discovery["mtls_endpoint_aliases"]
    assert provider.mtls_base is not None
    assert all(url.startswith(provider.mtls_base + "/") for url in found.values())
    return found


def _cert(provider: ProviderInfo, method: str) -> tuple[str, str]:
    _, cert, key = CLIENTS[method]
    return str(provider.files[cert]), str(provider.files[key])


def _thumbprint(cert_file: str) -> str:
    """RFC 8705 §3.1: base64url SHA-256 of the DER certificate, unpadded."""
    cert = x509.load_pem_x509_certificate(Path(cert_file).read_bytes())
    digest = cert.fingerprint(hashes.SHA256())
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _session(
    provider: ProviderInfo,
    method: str,
    closing: list[requests.Session],
    cert: tuple[str, str] | None = None,
    **kwargs: Any,
) -> OAuth2Session:
    client = provider.clients[CLIENTS[method][0]]
    session = OAuth2Session(
        client.client_id,
        token_endpoint_auth_method=method,
        cert=cert or _cert(provider, method),
        verify=str(provider.files["ca"]),
        server_metadata_url=provider.discovery_url,
        redirect_uri=client.redirect_uri,
        default_timeout=10,
        **kwargs,
    )
    closing.append(session)
    return session


def _paths(urls: dict[str, str], *names: str) -> list[str]:
    return [urlsplit(urls[name]).path for name in names]


@pytest.mark.parametrize("method", list(CLIENTS))
def test_client_credentials_over_the_mtls_aliases_yields_a_certificate_bound_token(
    provider: ProviderInfo, aliases: dict[str, str], closing: list[requests.Session], method: str
) -> None:
    session = _session(provider, method, closing, scope="api:read")
    assert provider.mtls_base is not None
    over_tls = record(session, provider.mtls_base)
    over_http = record(session, provider.issuer)

    token = session.fetch_token()
    introspection = session.introspect_token().json()

    assert token["access_token"]
    assert introspection["active"] is True
    assert introspection["client_id"] == CLIENTS[method][0]
    assert introspection["cnf"] == {"x5t#S256": _thumbprint(_cert(provider, method)[0])}
    assert over_tls.paths() == _paths(aliases, "token_endpoint", "introspection_endpoint")
    assert over_http.paths() == []


@pytest.mark.parametrize("method", list(CLIENTS))
def test_a_certificate_bound_token_works_at_userinfo_only_with_the_same_certificate(
    provider: ProviderInfo,
    aliases: dict[str, str],
    closing: list[requests.Session],
    browser: requests.Session,
    method: str,
) -> None:
    session = _session(provider, method, closing, scope="openid profile")
    redirect_uri = provider.clients[CLIENTS[method][0]].redirect_uri
    callback = log_in(session, browser, redirect_uri, login_hint="bob")
    token = session.fetch_token(authorization_response=callback)
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    ca = str(provider.files["ca"])

    assert session.userinfo()["sub"] == "bob"
    assert session.get(aliases["userinfo_endpoint"]).json()["sub"] == "bob"
    without_cert = requests.get(aliases["userinfo_endpoint"], headers=bearer, verify=ca, timeout=10)
    other_cert = requests.get(
        aliases["userinfo_endpoint"],
        headers=bearer,
        cert=_cert(provider, OTHER[method]),
        verify=ca,
        timeout=10,
    )
    plain_http = requests.get(
        session.load_server_metadata()["userinfo_endpoint"], headers=bearer, timeout=10
    )
    for refused in (without_cert, other_cert, plain_http):
        assert refused.status_code == 401
        assert "invalid_token" in refused.headers["WWW-Authenticate"]


def test_revocation_over_the_mtls_alias_ends_the_token(
    provider: ProviderInfo, aliases: dict[str, str], closing: list[requests.Session]
) -> None:
    session = _session(provider, "tls_client_auth", closing, scope="api:read")
    session.fetch_token()
    assert provider.mtls_base is not None
    over_tls = record(session, provider.mtls_base)

    revoked = session.revoke_token()

    assert revoked.status_code == 200
    assert session.introspect_token().json()["active"] is False
    assert over_tls.paths() == _paths(aliases, "revocation_endpoint", "introspection_endpoint")


@pytest.mark.parametrize("method", list(CLIENTS))
def test_another_clients_certificate_is_invalid_client(
    provider: ProviderInfo, closing: list[requests.Session], method: str
) -> None:
    session = _session(
        provider, method, closing, cert=_cert(provider, OTHER[method]), scope="api:read"
    )

    with pytest.raises(OAuthError) as raised:
        session.fetch_token()

    assert raised.value.error == "invalid_client"
    assert raised.value.status_code == 401
