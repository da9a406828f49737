"""``AssertionSession``: the JWT bearer grant (RFC 7523 §2.1) against a recording server.

Every assertion that reaches the server is verified with the public key, so the claims
checked here are the ones a real authorization server would read.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey

from grantflow import AssertionSession, OAuthError

from ._wire import Recorded, WireServer, json_reply

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
PAST = 100


def _verify(assertion: str, key: Any, alg: str = "RS256") -> tuple[dict[str, Any], dict[str, Any]]:
    token = jwt.decode(assertion, key, algorithms=[alg])
    return dict(token.header), dict(token.claims)


def _assertion_of(sent: Recorded) -> str:
    value = sent.field("assertion")
    assert value, "no assertion in the token request"
    return value


def _session(wire: WireServer, key: str, **kwargs: Any) -> AssertionSession:
    wire.script("/token", json_reply({"access_token": "jb-at", "expires_in": 3600}))
    wire.script("/api", json_reply({"ok": True}))
    kwargs.setdefault("alg", "RS256")
    return AssertionSession(
        wire.url("/token"),
        issuer=kwargs.pop("issuer", "svc@example"),
        subject=kwargs.pop("subject", "user@example"),
        key=key,
        **kwargs,
    )


def test_first_request_fetches_a_token_with_a_signed_assertion(
    wire: WireServer, rsa_pem: str
) -> None:
    with _session(wire, rsa_pem, scope="read") as s:
        response = s.get(wire.url("/api"))
    assert response.json() == {"ok": True}
    sent = wire.last("/token")
    assert sent.field("grant_type") == JWT_BEARER
    assert sent.field("scope") == "read"
    header, claims = _verify(_assertion_of(sent), RSAKey.import_key(rsa_pem))
    assert header["alg"] == "RS256"
    assert header.get("typ") == "JWT"
    assert claims["iss"] == "svc@example"
    assert claims["sub"] == "user@example"
    assert claims["aud"] == wire.url("/token")
    assert isinstance(claims["iat"], int)
    assert claims["exp"] > claims["iat"]
    assert claims["jti"]
    assert wire.last("/api").header("Authorization") == "Bearer jb-at"


def test_the_token_is_reused_while_valid(wire: WireServer, rsa_pem: str) -> None:
    with _session(wire, rsa_pem) as s:
        s.get(wire.url("/api"))
        s.get(wire.url("/api"))
    assert len(wire.to("/token")) == 1
    assert len(wire.to("/api")) == 2


def test_an_expired_token_is_reissued_with_a_fresh_assertion(
    wire: WireServer, rsa_pem: str
) -> None:
    updates: list[dict[str, Any]] = []

    def update_token(token: Any, refresh_token: Any = None, access_token: Any = None) -> None:
        updates.append({"access_token": access_token, "new": token["access_token"]})

    with _session(wire, rsa_pem, update_token=update_token) as s:
        wire.script(
            "/token",
            json_reply({"access_token": "first", "expires_at": PAST}),
            json_reply({"access_token": "second", "expires_in": 3600}),
        )
        s.get(wire.url("/api"))
        s.get(wire.url("/api"))
    first, second = (_assertion_of(r) for r in wire.to("/token"))
    key = RSAKey.import_key(rsa_pem)
    assert _verify(first, key)[1]["jti"] != _verify(second, key)[1]["jti"]
    assert [r.header("Authorization") for r in wire.to("/api")] == [
        "Bearer first",
        "Bearer second",
    ]
    # The re-issue is reported with the old access token (the first fetch, made by the
    # session on its own, may be reported too, with no old token).
    assert updates[-1] == {"access_token": "first", "new": "second"}
    assert updates[:-1] in ([], [{"access_token": None, "new": "first"}])


def test_every_explicit_fetch_signs_a_new_assertion(wire: WireServer, rsa_pem: str) -> None:
    with _session(wire, rsa_pem) as s:
        s.fetch_token()
        s.fetch_token()
    first, second = (_assertion_of(r) for r in wire.to("/token"))
    assert first != second


def test_subject_none_omits_sub(wire: WireServer, rsa_pem: str) -> None:
    with _session(wire, rsa_pem, subject=None) as s:
        s.fetch_token()
    _, claims = _verify(_assertion_of(wire.last("/token")), RSAKey.import_key(rsa_pem))
    assert "sub" not in claims
    assert claims["iss"] == "svc@example"


def test_audience_and_extra_claims_are_used(wire: WireServer, rsa_pem: str) -> None:
    with _session(wire, rsa_pem, audience="https://as.example/", claims={"tenant": "t1"}) as s:
        s.fetch_token()
    _, claims = _verify(_assertion_of(wire.last("/token")), RSAKey.import_key(rsa_pem))
    assert claims["aud"] == "https://as.example/"
    assert claims["tenant"] == "t1"


def test_no_scope_and_no_client_id_unless_given(wire: WireServer, rsa_pem: str) -> None:
    with _session(wire, rsa_pem) as s:
        s.fetch_token()
    sent = wire.last("/token")
    assert sent.field("scope") is None
    assert sent.field("client_id") is None
    assert sent.header("Authorization") is None
    assert sent.field("client_secret") is None


def test_client_id_is_sent_when_given_without_client_authentication(
    wire: WireServer, rsa_pem: str
) -> None:
    with _session(wire, rsa_pem, client_id="cid-1") as s:
        s.fetch_token()
    sent = wire.last("/token")
    assert sent.field("client_id") == "cid-1"
    assert sent.header("Authorization") is None


def test_client_authentication_only_when_a_method_is_given(wire: WireServer, rsa_pem: str) -> None:
    with _session(
        wire,
        rsa_pem,
        client_id="cid-1",
        client_secret="csecret",
        token_endpoint_auth_method="client_secret_basic",
    ) as s:
        s.fetch_token()
    assert wire.last("/token").basic == ("cid-1", "csecret")


def test_hmac_key_with_alg_from_the_header(wire: WireServer) -> None:
    secret = "a-shared-secret-of-at-least-32-bytes!!"
    with _session(wire, secret, alg=None, header={"alg": "HS256"}) as s:
        s.fetch_token()
    header, claims = _verify(_assertion_of(wire.last("/token")), OctKey.import_key(secret), "HS256")
    assert header["alg"] == "HS256"
    assert claims["iss"] == "svc@example"


def test_missing_alg_is_a_value_error_before_anything_is_sent(
    wire: WireServer, rsa_pem: str
) -> None:
    with _session(wire, rsa_pem, alg=None) as s, pytest.raises(ValueError, match="alg"):
        s.get(wire.url("/api"))
    assert wire.requests == []


def test_grant_type_class_attribute() -> None:
    assert AssertionSession.JWT_BEARER_GRANT_TYPE == JWT_BEARER


def test_token_endpoint_error_shows_no_assertion_or_key(
    wire: WireServer, rsa_pem: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with _session(wire, rsa_pem) as s:
        wire.script("/token", json_reply({"error": "invalid_grant"}, 400))
        with pytest.raises(OAuthError) as caught:
            s.get(wire.url("/api"))
        text = str(caught.value) + repr(caught.value) + repr(s) + caplog.text
    assertion = _assertion_of(wire.last("/token"))
    assert assertion not in text
    assert assertion.split(".")[2] not in text
    assert "PRIVATE KEY" not in text
    assert caught.value.error == "invalid_grant"


def _service_account(wire: WireServer, rsa_pem: str) -> dict[str, Any]:
    return {
        "type": "service_account",
        "client_email": "robot@project.iam.example",
        "private_key": rsa_pem,
        "private_key_id": "kid-123",
        "token_uri": wire.url("/sa-token"),
        "client_id": "1234567890",
    }


def _check_service_account_request(wire: WireServer, rsa_pem: str) -> None:
    sent = wire.last("/sa-token")
    assert sent.field("grant_type") == JWT_BEARER
    assert sent.field("scope") == "cloud read"
    header, claims = _verify(_assertion_of(sent), RSAKey.import_key(rsa_pem))
    assert header["kid"] == "kid-123"
    assert claims["iss"] == "robot@project.iam.example"
    assert claims["aud"] == wire.url("/sa-token")
    assert claims.get("sub") in (None, "admin@example")


def test_from_service_account_info(wire: WireServer, rsa_pem: str) -> None:
    wire.script("/sa-token", json_reply({"access_token": "sa-at", "expires_in": 3600}))
    wire.script("/api", json_reply({}))
    with AssertionSession.from_service_account_info(
        _service_account(wire, rsa_pem), scope=["cloud", "read"]
    ) as s:
        s.get(wire.url("/api"))
    _check_service_account_request(wire, rsa_pem)
    assert wire.last("/api").header("Authorization") == "Bearer sa-at"


def test_from_service_account_file_with_a_subject(
    wire: WireServer, rsa_pem: str, tmp_path: Path
) -> None:
    wire.script("/sa-token", json_reply({"access_token": "sa-at", "expires_in": 3600}))
    path = tmp_path / "sa.json"
    path.write_text(json.dumps(_service_account(wire, rsa_pem)), encoding="utf-8")
    with AssertionSession.from_service_account_file(
        path, scope="cloud read", subject="admin@example"
    ) as s:
        s.fetch_token()
    _check_service_account_request(wire, rsa_pem)
    _, claims = _verify(_assertion_of(wire.last("/sa-token")), RSAKey.import_key(rsa_pem))
    assert claims["sub"] == "admin@example"
