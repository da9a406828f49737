"""No public object shows a secret in its repr or str, nor after copy or pickle.

Error reporters print the locals of every frame with ``repr``, and log lines format
objects with ``%s``/``%r``: each public object is built here with unmistakable secrets,
used for real against a server on 127.0.0.1, and then printed every usual way.
"""

from __future__ import annotations

import base64
import copy
import logging
import pickle
import pprint
from pathlib import Path
from typing import Any

import pytest

from grantflow import (
    AssertionSession,
    ClientSecretJWT,
    FileTokenStore,
    InvalidIDTokenError,
    MemoryTokenStore,
    OAuth2Auth,
    OAuth2Session,
    OAuth2Token,
    OAuthError,
    PrivateKeyJWT,
)
from grantflow.testing import DevProvider

from ._keys import rsa_private_pem
from ._leaks import assert_absent
from ._wire import WireServer, json_reply

CLIENT_SECRET = "SECRET-cs-4711-long-enough-for-hs256-xxxxxx"
ACCESS_TOKEN = "SECRET-at-4711"
REFRESH_TOKEN = "SECRET-rt-4711"
ID_TOKEN = "SECRET-idt-4711"
HMAC_KEY = "SECRET-hmac-4711-long-enough-for-hs256-xxxx"
TOKEN = {
    "access_token": ACCESS_TOKEN,
    "refresh_token": REFRESH_TOKEN,
    "id_token": ID_TOKEN,
    "token_type": "Bearer",
    "expires_in": 3600,
    "userinfo": {"sub": "alice", "email": "alice@example.test"},
}


PEM = rsa_private_pem()
# The part of the PEM that is the key itself (not the BEGIN/END lines).
PEM_BODY = PEM.splitlines()[5]
JWK_K = base64.urlsafe_b64encode(HMAC_KEY.encode()).decode().rstrip("=")
SECRETS = (CLIENT_SECRET, ACCESS_TOKEN, REFRESH_TOKEN, ID_TOKEN, HMAC_KEY, PEM_BODY, JWK_K)


def _shown(obj: object) -> list[str]:
    # What logging's "%s" / "%r" formatting and pprint produce, besides repr and str.
    logged = logging.LogRecord("x", logging.INFO, __file__, 1, "%s %r", (obj, obj), None)
    return [repr(obj), str(obj), f"{obj}", logged.getMessage(), pprint.pformat(obj, width=20)]


def test_a_used_session_shows_no_secret(wire: WireServer) -> None:
    issued = {k: v for k, v in TOKEN.items() if k not in ("userinfo", "id_token")}
    wire.script("/token", json_reply(issued))
    wire.script("/api", json_reply({}))
    s = OAuth2Session(
        "client-1",
        CLIENT_SECRET,
        token_endpoint=wire.url("/token"),
        authorization_endpoint=wire.url("/authorize"),
        redirect_uri="http://127.0.0.1/cb",
    )
    s.create_authorization_url()
    s.fetch_token(grant_type="client_credentials")
    s.get(wire.url("/api"))
    for obj in (s, s.token, s.token_auth, s.metadata):
        assert_absent(SECRETS, _shown(obj), type(obj).__name__)


def test_sessions_with_private_keys_and_jwks_show_no_key(wire: WireServer) -> None:
    jwk = {"kty": "oct", "k": JWK_K, "alg": "HS256"}
    sessions = [
        OAuth2Session("c", PEM, token_endpoint_auth_method=PrivateKeyJWT(wire.url("/token"))),
        OAuth2Session("c", jwk, token_endpoint_auth_method="client_secret_jwt"),
        AssertionSession(wire.url("/token"), issuer="svc", subject="u", key=PEM, alg="RS256"),
        AssertionSession(wire.url("/token"), issuer="svc", subject=None, key=HMAC_KEY, alg="HS256"),
    ]
    for s in sessions:
        assert_absent(SECRETS, _shown(s), type(s).__name__)


def test_client_auth_objects_show_no_key_after_signing() -> None:
    class Client:
        client_id = "client-1"
        client_secret = CLIENT_SECRET

    class KeyClient:
        client_id = "client-1"
        client_secret = PEM

    secret_jwt = ClientSecretJWT("https://idp.example/token", claims={"extra": "x"})
    key_jwt = PrivateKeyJWT("https://idp.example/token", headers={"kid": "k1"})
    assertions = [secret_jwt.sign(Client(), "x"), key_jwt.sign(KeyClient(), "x")]
    for obj in (secret_jwt, key_jwt):
        assert_absent([*SECRETS, *assertions], _shown(obj), type(obj).__name__)


def test_oauth2auth_shows_no_token_in_any_placement() -> None:
    for placement in ("header", "body", "uri"):
        auth = OAuth2Auth(TOKEN, token_placement=placement)
        assert_absent(SECRETS, _shown(auth), f"OAuth2Auth({placement})")


def test_a_token_keeps_its_secrets_hidden_through_copy_and_pickle() -> None:
    token = OAuth2Token(TOKEN)
    copies = [
        token,
        token.copy(),
        copy.copy(token),
        copy.deepcopy(token),
        pickle.loads(pickle.dumps(token)),  # noqa: S301 - our own bytes
        OAuth2Token.from_dict(token),
    ]
    for each in copies:
        assert isinstance(each, OAuth2Token)
        assert each["access_token"] == ACCESS_TOKEN
        assert_absent(SECRETS, _shown(each), "a copied OAuth2Token")
        assert "alice@example.test" in repr(each), "userinfo claims are no secret"


@pytest.mark.parametrize(
    "response",
    [
        # Slack-style: the user's token nested in the response.
        {"access_token": "xoxb", "authed_user": {"id": "U1", "access_token": ACCESS_TOKEN}},
        # OpenID Connect Native SSO: the device_secret comes with the tokens.
        {"access_token": "at", "token_type": "Bearer", "device_secret": REFRESH_TOKEN},
    ],
    ids=["nested_access_token", "device_secret"],
)
def test_a_token_hides_secrets_it_carries_besides_the_three_known_fields(
    response: dict[str, Any],
) -> None:
    assert_absent(SECRETS, _shown(OAuth2Token(response)), "OAuth2Token")


def test_stores_show_no_token(tmp_path: Path) -> None:
    memory = MemoryTokenStore()
    memory.save(TOKEN)
    files = FileTokenStore(tmp_path / "token.json")
    files.save(TOKEN)
    for store in (memory, files):
        assert_absent(SECRETS, _shown(store), type(store).__name__)


def test_the_dev_provider_and_its_descriptions_show_no_secret() -> None:
    with DevProvider() as op:
        secrets = [c["client_secret"] for c in op.clients.values() if c.get("client_secret")]
        secrets += list(op.users.values())
        assert secrets
        info = op.info()
        shown = [*_shown(op), *_shown(info)]
        shown += [text for client in info.clients.values() for text in _shown(client)]
    assert_absent(secrets, shown, "the provider's repr")


def test_errors_show_the_same_text_after_copy_and_pickle() -> None:
    errors = [
        OAuthError("invalid_grant", "the code was used", "https://idp.example/e", 400),
        InvalidIDTokenError("nonce"),
    ]
    for error in errors:
        for each in (copy.copy(error), copy.deepcopy(error), pickle.loads(pickle.dumps(error))):  # noqa: S301
            assert type(each) is type(error)
            assert str(each) == str(error)
            assert each.args == error.args


def test_the_handed_over_authorization_request_hides_the_verifier_in_its_repr(
    wire: WireServer,
) -> None:
    s = OAuth2Session(
        "client-1",
        authorization_endpoint=wire.url("/authorize"),
        redirect_uri="http://127.0.0.1/cb",
        scope="openid",
        issuer=wire.url(""),
    )
    _, state = s.create_authorization_url()
    record = s.authorization_request(state)
    verifier = record["code_verifier"]
    # Handing over must keep working: the value is there, and the record is JSON.
    assert isinstance(record, dict) and len(verifier) >= 43
    assert_absent([verifier], _shown(record), "the authorization request record")
