"""Client authentication as the server sees it (api.md §2, §5, §9 on registered methods)."""

from __future__ import annotations

from typing import Any

import pytest

from grantflow import OAuth2Session

from ._wire import Recorded, WireServer, json_reply

TOKEN = {"access_token": "at", "token_type": "Bearer", "expires_in": 3600}
AuthFunc = Any


def _session(wire: WireServer, **kwargs: Any) -> OAuth2Session:
    wire.script("/token", json_reply(TOKEN))
    wire.script("/revoke", json_reply({}))
    wire.script("/introspect", json_reply({"active": True}))
    return OAuth2Session(
        kwargs.pop("client_id", "client-1"),
        kwargs.pop("client_secret", "secret-1"),
        token_endpoint=wire.url("/token"),
        revocation_endpoint=wire.url("/revoke"),
        introspection_endpoint=wire.url("/introspect"),
        **kwargs,
    )


# (name, client_id, secret)
BASIC_ROWS = [
    ("simple", "client-1", "secret-1"),
    ("colon_and_plus", "urn:client:1", "p+a:s s"),
    ("percent_and_non_ascii", "clïent%1", "sé&cret=%"),
]


@pytest.mark.parametrize(
    ("client_id", "secret"), [r[1:] for r in BASIC_ROWS], ids=[r[0] for r in BASIC_ROWS]
)
def test_basic_credentials_decode_back_to_id_and_secret(
    wire: WireServer, client_id: str, secret: str
) -> None:
    with _session(wire, client_id=client_id, client_secret=secret) as s:
        s.fetch_token()
    sent = wire.last("/token")
    assert sent.basic == (client_id, secret)
    assert sent.field("client_secret") is None


def test_client_secret_post_sends_both_in_the_form(wire: WireServer) -> None:
    with _session(wire, token_endpoint_auth_method="client_secret_post") as s:
        s.fetch_token()
    sent = wire.last("/token")
    assert sent.field("client_id") == "client-1"
    assert sent.field("client_secret") == "secret-1"
    assert sent.header("Authorization") is None


def test_none_sends_the_client_id_only(wire: WireServer) -> None:
    with _session(wire, token_endpoint_auth_method="none") as s:
        s.fetch_token()
    sent = wire.last("/token")
    assert sent.field("client_id") == "client-1"
    assert sent.field("client_secret") is None
    assert sent.header("Authorization") is None
    assert b"secret-1" not in sent.body


def test_public_client_defaults_to_none(wire: WireServer) -> None:
    with _session(wire, client_secret=None) as s:
        s.fetch_token()
    sent = wire.last("/token")
    assert sent.field("client_id") == "client-1"
    assert sent.header("Authorization") is None


def _stamp(client: Any, method: str, uri: str, headers: dict[str, str], body: str) -> Any:
    headers = {**headers, "X-Client": str(client.client_id), "X-Method": method}
    return uri, headers, body + "&stamped=1"


def test_callable_method_gets_client_method_uri_headers_body(wire: WireServer) -> None:
    with _session(wire, token_endpoint_auth_method=_stamp) as s:
        s.fetch_token()
    sent = wire.last("/token")
    assert sent.header("X-Client") == "client-1"
    assert sent.header("X-Method") == "POST"
    assert sent.field("stamped") == "1"
    assert sent.field("grant_type") == "client_credentials"


def test_registered_name_tuple_selected_by_name_after_construction(wire: WireServer) -> None:
    with _session(wire, token_endpoint_auth_method="stamp") as s:
        s.register_client_auth_method(("stamp", _stamp))
        s.fetch_token()
    assert wire.last("/token").field("stamped") == "1"


class Named:
    """A method object with a ``name``, as ``ClientSecretJWT`` is."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.calls = 0

    def __call__(
        self, client: Any, method: str, uri: str, headers: dict[str, str], body: str
    ) -> Any:
        self.calls += 1
        return uri, {**headers, "X-Named": self.name}, body


def test_registered_object_selected_by_its_name(wire: WireServer) -> None:
    method = Named("my_method")
    with _session(wire, token_endpoint_auth_method="my_method") as s:
        s.register_client_auth_method(method)
        s.fetch_token()
    assert wire.last("/token").header("X-Named") == "my_method"
    assert method.calls == 1


def test_method_object_given_directly(wire: WireServer) -> None:
    method = Named("whatever")
    with _session(wire, token_endpoint_auth_method=method) as s:
        s.fetch_token()
    assert wire.last("/token").header("X-Named") == "whatever"


def test_registering_under_a_built_in_name_replaces_it_for_this_session(
    wire: WireServer,
) -> None:
    with _session(wire) as s:
        s.register_client_auth_method(Named("client_secret_basic"))
        s.fetch_token()
    with _session(wire) as other:
        other.fetch_token()
    first, second = wire.to("/token")
    assert first.header("X-Named") == "client_secret_basic"
    assert first.basic is None
    assert second.basic == ("client-1", "secret-1")


def test_per_call_auth_argument_wins(wire: WireServer) -> None:
    with _session(wire) as s:
        s.fetch_token(auth=("other-id", "other-secret"))
    assert wire.last("/token").basic == ("other-id", "other-secret")


def test_refresh_authenticates_like_the_token_request(wire: WireServer) -> None:
    with _session(
        wire,
        token_endpoint_auth_method="client_secret_post",
        token={"access_token": "a", "refresh_token": "rt", "expires_at": 100},
    ) as s:
        s.refresh_token()
    sent = wire.last("/token")
    assert sent.field("grant_type") == "refresh_token"
    assert sent.field("client_secret") == "secret-1"


def test_revocation_uses_its_own_method_when_given(wire: WireServer) -> None:
    with _session(
        wire,
        token_endpoint_auth_method="client_secret_basic",
        revocation_endpoint_auth_method="client_secret_post",
        token={"access_token": "at-1"},
    ) as s:
        s.revoke_token()
    sent = wire.last("/revoke")
    assert sent.field("client_secret") == "secret-1"
    assert sent.basic is None


def test_revocation_defaults_to_the_token_endpoint_method(wire: WireServer) -> None:
    with _session(
        wire, token_endpoint_auth_method="client_secret_post", token={"access_token": "at-1"}
    ) as s:
        s.revoke_token()
    assert wire.last("/revoke").field("client_secret") == "secret-1"


def test_introspection_uses_the_token_endpoint_method(wire: WireServer) -> None:
    with _session(
        wire,
        token_endpoint_auth_method="client_secret_basic",
        revocation_endpoint_auth_method="client_secret_post",
        token={"access_token": "at-1"},
    ) as s:
        s.introspect_token()
    sent = wire.last("/introspect")
    assert sent.basic == ("client-1", "secret-1")
    assert sent.field("client_secret") is None


def test_token_request_never_carries_a_session_auth_or_bearer(wire: WireServer) -> None:
    with _session(wire, token_endpoint_auth_method="none", token={"access_token": "at-old"}) as s:
        s.auth = ("session-user", "session-pw")
        s.fetch_token()
    sent: Recorded = wire.last("/token")
    assert sent.header("Authorization") is None


# -- JWT client authentication on the wire (RFC 7523 §2.2) ------------------------------------

CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
HMAC_SECRET = "a-client-secret-of-more-than-32-bytes!"


def _client_assertion(sent: Recorded, key: Any, alg: str) -> dict[str, Any]:
    from joserfc import jwt

    assert sent.field("client_assertion_type") == CLIENT_ASSERTION_TYPE
    assertion = sent.field("client_assertion")
    assert assertion
    decoded = jwt.decode(assertion, key, algorithms=[alg])
    assert decoded.header["alg"] == alg
    return dict(decoded.claims)


def _check_jwt_claims(claims: dict[str, Any], audience: str) -> None:
    assert claims["iss"] == "client-1"
    assert claims["sub"] == "client-1"
    assert claims["aud"] == audience
    assert claims["exp"] == claims["iat"] + 3600
    assert claims["jti"]


@pytest.mark.parametrize("by_name", [True, False], ids=["by_name", "as_object"])
def test_client_secret_jwt_assertion_verifies_with_the_secret(
    wire: WireServer, by_name: bool
) -> None:
    from joserfc.jwk import OctKey

    from grantflow import ClientSecretJWT

    method: Any = "client_secret_jwt" if by_name else ClientSecretJWT(wire.url("/token"))
    with _session(wire, client_secret=HMAC_SECRET, token_endpoint_auth_method=method) as s:
        s.fetch_token()
        s.fetch_token()
    first, second = wire.to("/token")
    claims = _client_assertion(first, OctKey.import_key(HMAC_SECRET), "HS256")
    _check_jwt_claims(claims, wire.url("/token"))
    again = _client_assertion(second, OctKey.import_key(HMAC_SECRET), "HS256")
    assert again["jti"] != claims["jti"]
    assert first.field("client_secret") is None
    assert first.header("Authorization") is None
    assert HMAC_SECRET.encode() not in first.body


@pytest.mark.parametrize("by_name", [True, False], ids=["by_name", "as_object"])
def test_private_key_jwt_assertion_verifies_with_the_public_key(
    wire: WireServer, by_name: bool, rsa_pem: str
) -> None:
    from joserfc.jwk import RSAKey

    from grantflow import PrivateKeyJWT

    pem = rsa_pem
    method: Any = "private_key_jwt" if by_name else PrivateKeyJWT(wire.url("/token"))
    with _session(wire, client_secret=pem, token_endpoint_auth_method=method) as s:
        s.fetch_token()
    sent = wire.last("/token")
    claims = _client_assertion(sent, RSAKey.import_key(pem), "RS256")
    _check_jwt_claims(claims, wire.url("/token"))
    assert b"PRIVATE" not in sent.body


def test_registering_a_jwt_object_under_its_built_in_name_replaces_the_built_in(
    wire: WireServer,
) -> None:
    from joserfc.jwk import OctKey

    from grantflow import ClientSecretJWT

    with _session(
        wire, client_secret=HMAC_SECRET, token_endpoint_auth_method="client_secret_jwt"
    ) as s:
        s.register_client_auth_method(ClientSecretJWT("https://as.example/audience"))
        s.fetch_token()
    claims = _client_assertion(wire.last("/token"), OctKey.import_key(HMAC_SECRET), "HS256")
    assert claims["aud"] == "https://as.example/audience"
