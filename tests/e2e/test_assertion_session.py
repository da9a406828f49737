"""``AssertionSession``: the JWT bearer grant (RFC 7523 §2.1) against the development provider.

The certified provider has no JWT bearer grant; grantflow's development provider
accepts an assertion whose ``iss`` is a registered client, signed with that client's
registered key (``client-private-jwt``) or secret (HMAC, ``client-secret-jwt``), and
whose ``sub`` is the client itself or a known user. A service-account key file is the
same thing in Google's JSON shape: ``client_email`` is the issuer, ``private_key`` the
client's RSA key, ``private_key_id`` its ``kid``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import ECKey, Key, KeySet, OctKey, RSAKey

from grantflow import AssertionSession, OAuthError
from grantflow.testing import ProviderInfo

from ._wire import Renewals, expired, record

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.provider_specific(
        "grantflow-dev-provider", reason="JWT bearer authorization grant (RFC 7523 §2.1)"
    ),
]

KEY_CLIENT = "client-private-jwt"
SECRET_CLIENT = "client-secret-jwt"


def _client_jwk(provider: ProviderInfo, kid: str) -> dict[str, Any]:
    keys = json.loads(provider.files["private_key_jwt_keys"].read_text(encoding="utf-8"))
    found: dict[str, Any] = next(k for k in keys["keys"] if k["kid"] == kid)
    return found


def _rsa_pem(provider: ProviderInfo) -> str:
    pem: bytes = RSAKey.import_key(_client_jwk(provider, "client-rsa-1")).as_pem(private=True)
    return pem.decode("ascii")


def _signing(provider: ProviderInfo, kind: str) -> tuple[str, Any, str, Key]:
    """(issuer, key for the session, alg, key that verifies the assertion) for ``kind``."""
    if kind == "RS256-pem":
        verifier: Key = RSAKey.import_key(_client_jwk(provider, "client-rsa-1"))
        return KEY_CLIENT, _rsa_pem(provider), "RS256", verifier
    if kind == "ES256-jwk":
        jwk = _client_jwk(provider, "client-ec-1")
        return KEY_CLIENT, jwk, "ES256", ECKey.import_key(jwk)
    secret = provider.clients[SECRET_CLIENT].client_secret
    assert secret is not None
    return SECRET_CLIENT, secret, "HS256", OctKey.import_key(secret)


def _record_assertions(session: AssertionSession) -> list[str]:
    """The ``assertion`` of every token request the session sends, in order."""
    seen: list[str] = []

    def hook(url: str, headers: dict[str, str], body: str) -> tuple[str, dict[str, str], str]:
        form = parse_qs(body)
        assert form["grant_type"] == [AssertionSession.JWT_BEARER_GRANT_TYPE]
        seen.extend(form["assertion"])
        return url, headers, body

    session.register_compliance_hook("access_token_request", hook)
    return seen


@pytest.mark.parametrize("kind", ["RS256-pem", "ES256-jwk", "HS256-secret"])
def test_first_request_fetches_a_token_and_an_expired_one_is_fetched_again_freshly_signed(
    provider: ProviderInfo,
    discovery: dict[str, Any],
    closing: list[requests.Session],
    kind: str,
) -> None:
    issuer, key, alg, verifier = _signing(provider, kind)
    renewals = Renewals()
    session = AssertionSession(
        discovery["token_endpoint"],
        issuer=issuer,
        subject="alice",
        key=key,
        alg=alg,
        scope="openid profile",
        update_token=renewals,
        default_timeout=10,
    )
    closing.append(session)
    wire = record(session, provider.issuer)
    assertions = _record_assertions(session)
    token_path = urlsplit(discovery["token_endpoint"]).path

    first = session.get(discovery["userinfo_endpoint"])
    assert first.status_code == 200
    assert first.json()["sub"] == "alice"
    assert wire.paths().count(token_path) == 1
    assert session.token is not None
    first_token = dict(session.token)
    session.token = expired(first_token)

    second = session.get(discovery["userinfo_endpoint"])

    assert second.status_code == 200
    assert second.json()["name"] == "Alice Liddell"
    assert wire.paths().count(token_path) == 2
    renewed = session.token
    assert renewed is not None
    assert renewed["access_token"] != first_token["access_token"]
    # The re-fetch is reported with the token it replaced, so the application can persist it.
    assert renewals.calls[-1]["access_token"] == first_token["access_token"]
    assert renewals.calls[-1]["token"]["access_token"] == renewed["access_token"]
    claims = [jwt.decode(a, verifier, [alg]).claims for a in assertions]
    assert len(claims) == 2
    assert claims[0]["jti"] != claims[1]["jti"]
    for each in claims:
        assert each["iss"] == issuer
        assert each["sub"] == "alice"
        assert each["aud"] == discovery["token_endpoint"]


@pytest.mark.parametrize("source", ["info", "file"])
def test_a_service_account_built_from_the_clients_key_acts_for_the_user(
    provider: ProviderInfo,
    discovery: dict[str, Any],
    closing: list[requests.Session],
    tmp_path: Path,
    source: str,
) -> None:
    account = {
        "type": "service_account",
        "project_id": "grantflow-e2e",
        "client_email": KEY_CLIENT,
        "client_id": KEY_CLIENT,
        "private_key_id": "client-rsa-1",
        "private_key": _rsa_pem(provider),
        "token_uri": discovery["token_endpoint"],
    }
    if source == "info":
        session = AssertionSession.from_service_account_info(
            account, scope="openid profile", subject="bob", default_timeout=10
        )
    else:
        key_file = tmp_path / "service-account.json"
        key_file.write_text(json.dumps(account), encoding="utf-8")
        session = AssertionSession.from_service_account_file(
            key_file, scope="openid profile", subject="bob", default_timeout=10
        )
    closing.append(session)
    assertions = _record_assertions(session)

    response = session.get(discovery["userinfo_endpoint"])

    assert response.status_code == 200
    assert response.json()["sub"] == "bob"
    assert len(assertions) == 1
    verifier = RSAKey.import_key(_client_jwk(provider, "client-rsa-1"))
    decoded = jwt.decode(assertions[0], verifier, ["RS256"])
    assert decoded.header["kid"] == "client-rsa-1"
    assert decoded.claims["iss"] == KEY_CLIENT
    assert decoded.claims["aud"] == discovery["token_endpoint"]
    assert account["private_key"] not in repr(session)


def test_without_a_subject_the_token_is_the_clients_own(
    provider: ProviderInfo, discovery: dict[str, Any], closing: list[requests.Session]
) -> None:
    session = AssertionSession(
        discovery["token_endpoint"],
        issuer=KEY_CLIENT,
        subject=None,
        key=_client_jwk(provider, "client-ec-1"),
        alg="ES256",
        scope="api:read",
        default_timeout=10,
    )
    closing.append(session)
    assertions = _record_assertions(session)

    token = session.fetch_token(resource="urn:test:api:jwt")

    provider_keys = KeySet.import_key_set(requests.get(discovery["jwks_uri"], timeout=10).json())
    access_token = jwt.decode(token["access_token"], provider_keys)
    assert access_token.claims["sub"] == KEY_CLIENT
    assert access_token.claims["aud"] in ("urn:test:api:jwt", ["urn:test:api:jwt"])
    assert access_token.claims["scope"] == "api:read"
    verifier = ECKey.import_key(_client_jwk(provider, "client-ec-1"))
    assert "sub" not in jwt.decode(assertions[0], verifier, ["ES256"]).claims


def test_an_assertion_signed_with_an_unregistered_key_is_invalid_grant(
    discovery: dict[str, Any], closing: list[requests.Session]
) -> None:
    stranger = RSAKey.generate_key(2048, parameters={"kid": "client-rsa-1"}, private=True)
    session = AssertionSession(
        discovery["token_endpoint"],
        issuer=KEY_CLIENT,
        subject="alice",
        key=stranger.as_dict(private=True),
        alg="RS256",
        scope="openid",
        default_timeout=10,
    )
    closing.append(session)
    assertions = _record_assertions(session)

    with pytest.raises(OAuthError) as raised:
        session.get(discovery["userinfo_endpoint"])

    assert raised.value.error == "invalid_grant"
    assert raised.value.status_code == 400
    assert len(assertions) == 1
    assert assertions[0] not in str(raised.value)
    assert assertions[0] not in repr(raised.value)
