"""JWT client authentication (RFC 7523 §2.2, OpenID Connect Core §9) against real providers.

``client_secret_jwt`` MACs the assertion with the client secret; ``private_key_jwt``
signs it with the client's RSA or EC key (the private halves are in the provider's
state directory). Both are tried with the client-credentials grant and the code flow,
named by string and given as objects; and a replayed assertion (the same ``jti``) is
shown to be refused, which is why every assertion must carry a fresh one (RFC 7523 §3
item 7).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import ECKey, Key, OctKey, RSAKey

from grantflow import ClientSecretJWT, OAuth2Session, OAuthError, PrivateKeyJWT
from grantflow.testing import ProviderInfo

from ._login import log_in
from ._wire import RecordingAdapter, record

pytestmark = pytest.mark.e2e

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
SECRET_CLIENT = "client-secret-jwt"
KEY_CLIENT = "client-private-jwt"


@dataclass(frozen=True)
class Variant:
    """One way to configure JWT client authentication on a session."""

    client_id: str
    credential: str  # "secret", "rsa-pem", "ec-jwk" or "jwks"
    method: str  # "object" or "name"
    alg: str
    kid: str | None  # the kid the assertion header must carry (never invented)


VARIANTS = {
    "client_secret_jwt-object": Variant(SECRET_CLIENT, "secret", "object", "HS256", None),
    "client_secret_jwt-name": Variant(SECRET_CLIENT, "secret", "name", "HS256", None),
    "private_key_jwt-rsa-pem": Variant(KEY_CLIENT, "rsa-pem", "object", "RS256", None),
    "private_key_jwt-ec-jwk": Variant(KEY_CLIENT, "ec-jwk", "object", "ES256", "client-ec-1"),
    "private_key_jwt-name-jwks": Variant(KEY_CLIENT, "jwks", "name", "RS256", "client-rsa-1"),
}


@pytest.fixture
def token_endpoint(discovery: dict[str, Any]) -> str:
    return str(discovery["token_endpoint"])


def _client_jwks(provider: ProviderInfo) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(
        provider.files["private_key_jwt_keys"].read_text(encoding="utf-8")
    )
    return document


def _client_jwk(provider: ProviderInfo, kid: str) -> dict[str, Any]:
    return next(k for k in _client_jwks(provider)["keys"] if k["kid"] == kid)


def _credential(provider: ProviderInfo, variant: Variant) -> Any:
    """What goes into the session's ``client_secret`` for this variant."""
    if variant.credential == "secret":
        return provider.clients[variant.client_id].client_secret
    if variant.credential == "rsa-pem":
        pem: bytes = RSAKey.import_key(_client_jwk(provider, "client-rsa-1")).as_pem(private=True)
        return pem.decode("ascii")
    if variant.credential == "ec-jwk":
        return _client_jwk(provider, "client-ec-1")
    return _client_jwks(provider)


def _method(variant: Variant, token_endpoint: str) -> Any:
    if variant.method == "name":
        return "client_secret_jwt" if variant.credential == "secret" else "private_key_jwt"
    if variant.credential == "secret":
        return ClientSecretJWT(token_endpoint)
    return PrivateKeyJWT(token_endpoint, alg=variant.alg)


def _verification_key(provider: ProviderInfo, variant: Variant) -> Key:
    key: Key
    if variant.credential == "secret":
        key = OctKey.import_key(_credential(provider, variant))
    elif variant.alg == "ES256":
        key = ECKey.import_key(_client_jwk(provider, "client-ec-1"))
    else:
        key = RSAKey.import_key(_client_jwk(provider, "client-rsa-1"))
    return key


def _session(
    provider: ProviderInfo,
    variant: Variant,
    token_endpoint: str,
    closing: list[requests.Session],
    **kwargs: Any,
) -> OAuth2Session:
    client = provider.clients[variant.client_id]
    session = OAuth2Session(
        client.client_id,
        _credential(provider, variant),
        token_endpoint_auth_method=_method(variant, token_endpoint),
        server_metadata_url=provider.discovery_url,
        redirect_uri=client.redirect_uri,
        default_timeout=10,
        **kwargs,
    )
    closing.append(session)
    return session


class AssertionRecorder(RecordingAdapter):
    """Also remembers the client assertion of every token request sent through it."""

    def __init__(self, token_endpoint: str) -> None:
        super().__init__()
        self.token_path = urlsplit(token_endpoint).path
        self.assertions: list[str] = []

    def send(  # type: ignore[override]  # requests passes these by keyword
        self, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        if urlsplit(request.url or "").path == self.token_path:
            body = request.body.decode() if isinstance(request.body, bytes) else request.body
            form = parse_qs(body or "")
            assert form["client_assertion_type"] == [ASSERTION_TYPE]
            self.assertions.extend(form["client_assertion"])
        return super().send(request, **kwargs)


def _record_assertions(
    session: OAuth2Session, provider: ProviderInfo, token_endpoint: str
) -> AssertionRecorder:
    recorder = AssertionRecorder(token_endpoint)
    session.mount(provider.issuer.rstrip("/") + "/", recorder)
    return recorder


@pytest.mark.parametrize("variant_id", list(VARIANTS))
def test_client_credentials_with_a_jwt_assertion_yields_the_clients_token(
    provider: ProviderInfo,
    token_endpoint: str,
    closing: list[requests.Session],
    variant_id: str,
) -> None:
    variant = VARIANTS[variant_id]
    session = _session(provider, variant, token_endpoint, closing, scope="api:read")
    wire = _record_assertions(session, provider, token_endpoint)

    token = session.fetch_token()

    assert token["access_token"]
    # Introspection authenticates the same way (a second, fresh assertion).
    introspection = session.introspect_token().json()
    assert introspection["active"] is True
    assert introspection["client_id"] == variant.client_id
    assert len(wire.assertions) == 1
    decoded = jwt.decode(wire.assertions[0], _verification_key(provider, variant), [variant.alg])
    assert decoded.claims["iss"] == decoded.claims["sub"] == variant.client_id
    assert decoded.claims["aud"] == token_endpoint
    assert decoded.header["alg"] == variant.alg
    assert decoded.header.get("kid") == variant.kid


@pytest.mark.parametrize(
    ("variant_id", "user"),
    [
        ("client_secret_jwt-object", "alice"),
        ("private_key_jwt-rsa-pem", "bob"),
        ("private_key_jwt-ec-jwk", "alice"),
    ],
)
def test_code_flow_with_a_jwt_assertion_yields_the_signed_in_users_tokens(
    provider: ProviderInfo,
    token_endpoint: str,
    closing: list[requests.Session],
    browser: requests.Session,
    variant_id: str,
    user: str,
) -> None:
    variant = VARIANTS[variant_id]
    session = _session(provider, variant, token_endpoint, closing, scope="openid profile")
    wire = _record_assertions(session, provider, token_endpoint)
    redirect_uri = provider.clients[variant.client_id].redirect_uri
    callback = log_in(session, browser, redirect_uri, login_hint=user)

    token = session.fetch_token(authorization_response=callback)

    assert token["userinfo"]["sub"] == user
    assert token["userinfo"]["aud"] in (variant.client_id, [variant.client_id])
    assert session.userinfo()["sub"] == user
    assert len(wire.assertions) == 1


@pytest.mark.parametrize("variant_id", ["client_secret_jwt-object", "private_key_jwt-ec-jwk"])
def test_every_token_request_gets_a_fresh_assertion_that_the_provider_accepts(
    provider: ProviderInfo, token_endpoint: str, closing: list[requests.Session], variant_id: str
) -> None:
    variant = VARIANTS[variant_id]
    session = _session(provider, variant, token_endpoint, closing, scope="api:read")
    wire = _record_assertions(session, provider, token_endpoint)

    first = session.fetch_token()
    second = session.fetch_token()

    assert first["access_token"] != second["access_token"]
    key = _verification_key(provider, variant)
    jtis = [jwt.decode(a, key, [variant.alg]).claims["jti"] for a in wire.assertions]
    assert len(jtis) == 2
    assert jtis[0] != jtis[1]


@pytest.mark.parametrize("variant_id", ["client_secret_jwt-object", "private_key_jwt-rsa-pem"])
def test_a_replayed_client_assertion_is_refused_as_invalid_client(
    provider: ProviderInfo, token_endpoint: str, closing: list[requests.Session], variant_id: str
) -> None:
    variant = VARIANTS[variant_id]
    signer = _session(provider, variant, token_endpoint, closing)
    assertion = _method(variant, token_endpoint).sign(signer, token_endpoint)
    assert isinstance(assertion, str)

    def same_assertion(
        client: Any, method: str, uri: str, headers: dict[str, str], body: str
    ) -> tuple[str, dict[str, str], str]:
        pairs = urlencode({"client_assertion_type": ASSERTION_TYPE, "client_assertion": assertion})
        return uri, headers, f"{body}&{pairs}" if body else pairs

    client = provider.clients[variant.client_id]
    replaying = OAuth2Session(
        client.client_id,
        token_endpoint_auth_method="replayed-assertion",
        token_endpoint=token_endpoint,
        scope="api:read",
        default_timeout=10,
    )
    closing.append(replaying)
    replaying.register_client_auth_method(("replayed-assertion", same_assertion))
    wire = record(replaying, provider.issuer)

    assert replaying.fetch_token()["access_token"]
    with pytest.raises(OAuthError) as raised:
        replaying.fetch_token()

    assert raised.value.error == "invalid_client"
    assert raised.value.status_code == 401
    assert assertion not in str(raised.value)
    assert assertion not in repr(raised.value)
    # Both attempts really reached the provider: it, not the client, refused the replay.
    assert wire.paths().count(urlsplit(token_endpoint).path) == 2


def test_an_assertion_signed_with_an_unregistered_key_is_invalid_client(
    provider: ProviderInfo, token_endpoint: str, closing: list[requests.Session]
) -> None:
    stranger = RSAKey.generate_key(2048, parameters={"kid": "client-rsa-1"}, private=True)
    session = OAuth2Session(
        KEY_CLIENT,
        stranger.as_dict(private=True),
        token_endpoint_auth_method=PrivateKeyJWT(token_endpoint),
        token_endpoint=token_endpoint,
        scope="api:read",
        default_timeout=10,
    )
    closing.append(session)

    with pytest.raises(OAuthError) as raised:
        session.fetch_token()

    assert raised.value.error == "invalid_client"
    assert raised.value.status_code == 401
