"""api.md §1, "Usage that must work", run as written against servers on 127.0.0.1.

Each test is one block of §1 with only the placeholders filled in (URLs of the local
servers, a freshly generated key); the calls, their positional arguments and keyword
names are the ones api.md shows.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import requests
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey

from grantflow import (
    AssertionSession,
    ClientSecretJWT,
    OAuth2Auth,
    OAuth2Session,
    OAuth2Token,
    PrivateKeyJWT,
)

from ._mock_op import MockOP, op_fixture  # noqa: F401
from ._wire import WireServer, json_reply

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TOKEN = {"access_token": "at-usage", "token_type": "Bearer", "expires_in": 3600}


def _claims(assertion: str, key: Any, alg: str) -> dict[str, Any]:
    return dict(jwt.decode(assertion, key, algorithms=[alg]).claims)


def test_authorization_code_block(op: MockOP, wire: WireServer) -> None:
    wire.script("/me", json_reply({"me": True}))
    client_id, client_secret = op.client_id, op.client_secret
    with OAuth2Session(
        client_id,
        client_secret,
        scope="openid profile",
        redirect_uri="https://app.example/cb",
        server_metadata_url=op.discovery_url,
    ) as s:
        url, state = s.create_authorization_url()
        callback_url = op.authorize(url).url
        token = s.fetch_token(authorization_response=callback_url)
        response = s.get(wire.url("/me"))
    query = parse_qs(urlsplit(url).query)
    assert url.startswith(op.url("/authorize"))
    assert query["state"] == [state]
    assert query["scope"] == ["openid profile"]
    assert isinstance(token, OAuth2Token)
    assert token["userinfo"]["sub"] == "alice-0001"
    assert response.status_code == 200
    assert wire.last("/me").header("Authorization") == f"Bearer {token['access_token']}"
    sent = op.requests_to("/token")[-1]
    assert sent.form.get("redirect_uri") == "https://app.example/cb"


def test_client_secret_jwt_block(wire: WireServer) -> None:
    wire.script("/token", json_reply(TOKEN))
    token_endpoint = wire.url("/token")
    s = OAuth2Session("id", "secret", token_endpoint_auth_method=ClientSecretJWT(token_endpoint))
    s.fetch_token(token_endpoint)
    s.close()
    sent = wire.last("/token")
    assert sent.field("grant_type") == "client_credentials"
    assert sent.field("client_assertion_type") == ASSERTION_TYPE
    claims = _claims(sent.field("client_assertion") or "", OctKey.import_key("secret"), "HS256")
    assert claims["iss"] == claims["sub"] == "id"
    assert claims["aud"] == token_endpoint


def test_private_key_jwt_block(wire: WireServer, rsa_pem: str) -> None:
    wire.script("/token", json_reply(TOKEN))
    token_endpoint = wire.url("/token")
    s = OAuth2Session("id", rsa_pem, token_endpoint_auth_method=PrivateKeyJWT(token_endpoint))
    s.fetch_token(token_endpoint)
    s.close()
    sent = wire.last("/token")
    assert sent.field("client_secret") is None
    claims = _claims(sent.field("client_assertion") or "", RSAKey.import_key(rsa_pem), "RS256")
    assert claims["iss"] == "id"
    assert claims["aud"] == token_endpoint


def test_password_grant_line(wire: WireServer) -> None:
    wire.script("/token", json_reply(TOKEN))
    token_endpoint = wire.url("/token")
    with OAuth2Session("id", "secret") as s:
        token = s.fetch_token(token_endpoint, username="alice", password="...")
    sent = wire.last("/token")
    assert sent.field("grant_type") == "password"
    assert (sent.field("username"), sent.field("password")) == ("alice", "...")
    assert token["access_token"] == "at-usage"


def test_implicit_grant_line() -> None:
    with OAuth2Session(
        "id", redirect_uri="https://app.example/cb", authorization_endpoint="https://as.example/a"
    ) as s:
        _, state = s.create_authorization_url(response_type="token")
        fragment = urlencode({"access_token": "frag-at", "token_type": "bearer", "state": state})
        callback_url_with_fragment = "https://app.example/cb#" + fragment
        token = s.token_from_fragment(callback_url_with_fragment)
    assert isinstance(token, OAuth2Token)
    assert token["access_token"] == "frag-at"


def test_token_obtained_elsewhere_line(wire: WireServer) -> None:
    wire.script("/data", json_reply({}))
    url = wire.url("/data")
    requests.get(url, auth=OAuth2Auth({"token_type": "bearer", "access_token": "..."}), timeout=10)
    assert wire.last("/data").header("Authorization") == "Bearer ..."


def test_jwt_bearer_block(wire: WireServer, rsa_pem: str) -> None:
    wire.script("/token", json_reply(TOKEN))
    wire.script("/data", json_reply({"data": 1}))
    token_endpoint = wire.url("/token")
    s = AssertionSession(
        token_endpoint,
        issuer="svc@example",
        subject=None,
        audience=token_endpoint,
        key=rsa_pem,
        alg="RS256",
        scope="read",
    )
    response = s.get(wire.url("/data"))
    s.close()
    assert response.json() == {"data": 1}
    sent = wire.last("/token")
    assert sent.field("grant_type") == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    assert sent.field("scope") == "read"
    claims = _claims(sent.field("assertion") or "", RSAKey.import_key(rsa_pem), "RS256")
    assert claims["iss"] == "svc@example"
    assert "sub" not in claims
    assert claims["aud"] == token_endpoint
    assert wire.last("/data").header("Authorization") == "Bearer at-usage"
    assert json.loads(json.dumps(dict(s.token or {})))["access_token"] == "at-usage"
