"""The JWT bearer grant's assertion (RFC 7523 §2.1) and service-account parsing."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from joserfc import jwt
from joserfc.jwk import ECKey, OctKey, RSAKey

from grantflow._core._assertion import (
    ServiceAccount,
    build_jwt_bearer_assertion,
    parse_service_account_info,
)

TOKEN_URI = "https://oauth2.example/token"
SECRET = b"bearer-grant-secret-of-32-bytes!"
NOW = 1_700_000_000


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def rsa_pem(rsa_key: rsa.RSAPrivateKey) -> str:
    raw = rsa_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return raw.decode("ascii")


@pytest.fixture
def info(rsa_pem: str) -> dict[str, Any]:
    return {
        "type": "service_account",
        "project_id": "demo",
        "private_key_id": "key-123",
        "private_key": rsa_pem,
        "client_email": "svc@demo.iam.example",
        "client_id": "1234",
        "token_uri": TOKEN_URI,
    }


def _build(**overrides: Any) -> str:
    options: dict[str, Any] = {
        "issuer": "svc@example",
        "subject": "user@example",
        "audience": TOKEN_URI,
        "key": SECRET,
        "alg": "HS256",
        "now": NOW,
    }
    options.update(overrides)
    return build_jwt_bearer_assertion(**options)


def _decode(assertion: str, key: Any = None, alg: str = "HS256") -> jwt.Token:
    return jwt.decode(assertion, key or OctKey.import_key(SECRET), algorithms=[alg])


# --- the assertion --------------------------------------------------------------------


def test_bearer_assertion_carries_the_rfc7523_claims() -> None:
    token = _decode(_build())
    assert token.header == {"alg": "HS256", "typ": "JWT"}
    claims = dict(token.claims)
    jti = claims.pop("jti")
    assert len(jti) >= 22
    assert claims == {
        "iss": "svc@example",
        "sub": "user@example",
        "aud": TOKEN_URI,
        "iat": NOW,
        "exp": NOW + 3600,
    }


def test_subject_none_leaves_sub_out() -> None:
    assert "sub" not in _decode(_build(subject=None)).claims


def test_now_may_be_a_clock_and_expires_in_sets_the_lifetime() -> None:
    claims = _decode(_build(now=lambda: NOW + 10.7, expires_in=300)).claims
    assert (claims["iat"], claims["exp"]) == (NOW + 10, NOW + 310)


def test_two_assertions_never_share_a_jti() -> None:
    jtis = {_decode(_build()).claims["jti"] for _ in range(50)}
    assert len(jtis) == 50


def test_extra_claims_are_merged_without_mutating_them() -> None:
    extra = {"scope": "read write", "jti": "given", "exp": NOW + 5}
    snapshot = dict(extra)
    claims = _decode(_build(claims=extra)).claims
    assert (claims["scope"], claims["jti"], claims["exp"]) == ("read write", "given", NOW + 5)
    assert extra == snapshot


def test_alg_may_come_from_the_header_which_is_not_mutated() -> None:
    header = {"alg": "HS384", "kid": "k1"}
    token = _decode(_build(alg=None, header=header), alg="HS384")
    assert token.header == {"alg": "HS384", "typ": "JWT", "kid": "k1"}
    assert header == {"alg": "HS384", "kid": "k1"}


def test_missing_alg_is_value_error() -> None:
    with pytest.raises(ValueError, match="signing algorithm is needed"):
        _build(alg=None)


def test_conflicting_alg_is_value_error() -> None:
    with pytest.raises(ValueError, match="disagree"):
        _build(alg="HS256", header={"alg": "HS512"})


def test_rsa_pem_key_signs_rs256(rsa_key: rsa.RSAPrivateKey, rsa_pem: str) -> None:
    assertion = _build(key=rsa_pem, alg="RS256")
    token = _decode(assertion, RSAKey.import_key(rsa_key.public_key()), "RS256")
    assert token.claims["iss"] == "svc@example"


def test_header_kid_picks_the_key_from_a_jwk_set() -> None:
    natives = [ec.generate_private_key(ec.SECP256R1()) for _ in range(2)]
    jwks = {
        "keys": [
            ECKey.import_key(n).as_dict(private=True, kid=f"k{i}") for i, n in enumerate(natives)
        ]
    }
    assertion = _build(key=jwks, alg="ES256", header={"kid": "k1"})
    token = _decode(assertion, ECKey.import_key(natives[1].public_key()), "ES256")
    assert token.header["kid"] == "k1"


def test_key_that_cannot_sign_is_value_error_without_the_key(rsa_pem: str) -> None:
    with pytest.raises(ValueError, match="ES256 needs an EC key, got an RSA key") as info:
        _build(key=rsa_pem, alg="ES256")
    assert rsa_pem.splitlines()[1][:16] not in str(info.value)


def test_encrypted_pem_key_is_opened_with_key_password(rsa_key: rsa.RSAPrivateKey) -> None:
    pem = rsa_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"pw"),
    )
    assertion = _build(key=pem, alg="PS256", key_password="pw")
    _decode(assertion, RSAKey.import_key(rsa_key.public_key()), "PS256")


# --- service accounts -----------------------------------------------------------------


def test_service_account_info_is_parsed(info: dict[str, Any], rsa_pem: str) -> None:
    account = parse_service_account_info(info)
    assert account == ServiceAccount(
        client_email="svc@demo.iam.example",
        private_key=rsa_pem,
        private_key_id="key-123",
        token_uri=TOKEN_URI,
    )


def test_service_account_repr_hides_the_key(info: dict[str, Any], rsa_pem: str) -> None:
    account = parse_service_account_info(info)
    text = repr(account) + str(account)
    assert "PRIVATE" not in text
    assert rsa_pem.splitlines()[1][:16] not in text
    assert "svc@demo.iam.example" in text


def test_service_account_is_frozen(info: dict[str, Any]) -> None:
    account = parse_service_account_info(info)
    with pytest.raises(dataclasses.FrozenInstanceError):
        account.client_email = "other"  # type: ignore[misc]


def test_private_key_id_is_optional(info: dict[str, Any]) -> None:
    del info["private_key_id"]
    assert parse_service_account_info(info).private_key_id is None


@pytest.mark.parametrize("name", ["client_email", "private_key", "token_uri"])
def test_missing_field_is_value_error_naming_it(info: dict[str, Any], name: str) -> None:
    del info[name]
    with pytest.raises(ValueError, match=f"'{name}' is missing"):
        parse_service_account_info(info)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("client_email", 42, "'client_email' must be a non-empty string"),
        ("client_email", "  ", "'client_email' must be a non-empty string"),
        ("token_uri", "/token", "'token_uri' must be an absolute URL"),
        ("private_key_id", 7, "'private_key_id' must be a string"),
        ("type", "authorized_user", "'type' must be 'service_account'"),
    ],
)
def test_malformed_field_is_value_error_naming_it(
    info: dict[str, Any], name: str, value: Any, message: str
) -> None:
    info[name] = value
    with pytest.raises(ValueError, match=message):
        parse_service_account_info(info)


def test_unusable_private_key_is_value_error_that_does_not_show_it(info: dict[str, Any]) -> None:
    broken = info["private_key"].replace("MII", "XYZ", 1)
    info["private_key"] = broken
    with pytest.raises(ValueError, match="'private_key' is not an RSA private key") as info_err:
        parse_service_account_info(info)
    assert broken.splitlines()[1][:16] not in str(info_err.value)
    assert info_err.value.__cause__ is None


def test_non_mapping_info_is_value_error() -> None:
    with pytest.raises(ValueError, match="JSON object"):
        parse_service_account_info(["not", "a", "mapping"])  # type: ignore[arg-type]
