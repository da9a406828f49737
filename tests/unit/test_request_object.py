"""Signed request objects (RFC 9101): header, claims and parameters, decoded and checked."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from joserfc import jwt
from joserfc.jwk import ECKey, Key, OctKey, RSAKey

from grantflow._core._request_object import (
    build_request_object,
    request_object_claims,
    request_object_params,
)

NOW = 1_700_000_000
ISSUER = "https://as.example"
PARAMS: dict[str, Any] = {
    "response_type": "code",
    "client_id": "c1",
    "redirect_uri": "https://app.example/cb",
    "scope": "openid profile",
    "state": "st-1",
    "nonce": "n-1",
    "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    "code_challenge_method": "S256",
    "max_age": 300,
    "prompt": None,
}


def decode(token: str, key: Key, alg: str) -> tuple[dict[str, Any], dict[str, Any]]:
    verified = jwt.decode(token, key, algorithms=[alg])
    return dict(verified.header), dict(verified.claims)


def sign(key: object, alg: str, params: dict[str, Any] | None = None, **kwargs: Any) -> str:
    return build_request_object(
        PARAMS if params is None else params,
        client_id="c1",
        audience=ISSUER,
        key=key,
        alg=alg,
        now=kwargs.pop("now", NOW),
        **kwargs,
    )


def test_es256_request_object_verifies_and_carries_the_parameters_and_jwt_claims(
    p256: ec.EllipticCurvePrivateKey,
) -> None:
    header, claims = decode(sign(p256, "ES256"), ECKey.import_key(p256), "ES256")
    assert header == {"alg": "ES256", "typ": "oauth-authz-req+jwt"}
    expected = {k: v for k, v in PARAMS.items() if v is not None}
    assert {k: claims[k] for k in expected} == expected
    assert "prompt" not in claims
    assert (claims["iss"], claims["aud"], claims["client_id"]) == ("c1", ISSUER, "c1")
    assert (claims["iat"], claims["nbf"], claims["exp"]) == (NOW, NOW, NOW + 300)
    assert len(claims["jti"]) >= 22


def test_ps256_with_a_pem_key_and_the_jwk_kid_in_the_header(rsa_native: rsa.RSAPrivateKey) -> None:
    jwk = {**RSAKey.import_key(rsa_native).as_dict(private=True), "kid": "rsa-1"}
    header, claims = decode(sign(jwk, "PS256"), RSAKey.import_key(rsa_native), "PS256")
    assert header == {"alg": "PS256", "typ": "oauth-authz-req+jwt", "kid": "rsa-1"}
    assert claims["state"] == "st-1"


def test_kid_given_names_the_key_in_a_jwk_set(p256: ec.EllipticCurvePrivateKey) -> None:
    other = ECKey.generate_key("P-256").as_dict(private=True)
    mine = ECKey.import_key(p256).as_dict(private=True)
    jwks = {"keys": [{**other, "kid": "a"}, {**mine, "kid": "b"}]}
    header, _ = decode(sign(jwks, "ES256", kid="b"), ECKey.import_key(p256), "ES256")
    assert header["kid"] == "b"


def test_hs256_request_object_is_keyed_by_the_client_secret() -> None:
    secret = "a-client-secret-of-thirty-two-by"
    _, claims = decode(sign(secret, "HS256"), OctKey.import_key(secret), "HS256")
    assert claims["iss"] == "c1"


def test_clock_and_lifetime_set_iat_nbf_exp(p256: ec.EllipticCurvePrivateKey) -> None:
    token = sign(p256, "ES256", now=lambda: NOW + 0.9, expires_in=60)
    _, claims = decode(token, ECKey.import_key(p256), "ES256")
    assert (claims["iat"], claims["nbf"], claims["exp"]) == (NOW, NOW, NOW + 60)


def test_every_request_object_has_its_own_jti(p256: ec.EllipticCurvePrivateKey) -> None:
    key = ECKey.import_key(p256)
    jtis = {decode(sign(p256, "ES256"), key, "ES256")[1]["jti"] for _ in range(20)}
    assert len(jtis) == 20


def claims_of(params: dict[str, Any]) -> dict[str, Any]:
    return request_object_claims(params, client_id="c1", audience=ISSUER, issued_at=NOW)


def test_json_parameters_are_json_values_in_the_claims() -> None:
    details = [{"type": "payment_initiation", "amount": "1.00"}]
    claims = claims_of(
        {
            "claims": '{"id_token": {"acr": {"essential": true}}}',
            "authorization_details": details,
            "scope": ["openid", "email"],
            "resource": ("https://a.example/", "https://b.example/"),
        }
    )
    assert claims["claims"] == {"id_token": {"acr": {"essential": True}}}
    assert claims["authorization_details"] == details
    assert claims["scope"] == "openid email"
    assert claims["resource"] == ["https://a.example/", "https://b.example/"]


def test_parameters_cannot_override_the_jwt_claims() -> None:
    forged = {"iss": "attacker", "aud": "elsewhere", "exp": NOW * 2, "jti": "fixed", "nbf": 0}
    claims = claims_of(forged)
    assert (claims["iss"], claims["aud"], claims["exp"], claims["nbf"]) == (
        "c1",
        ISSUER,
        NOW + 300,
        NOW,
    )
    assert claims["jti"] != "fixed"


BAD_ROWS: list[tuple[str, dict[str, Any], str]] = [
    ("other_client_id", {"params": {"client_id": "c2"}}, "client_id"),
    ("nested_request", {"params": {"request": "eyJ..."}}, "request"),
    ("nested_request_uri", {"params": {"request_uri": "urn:x"}}, "request"),
    ("no_audience", {"audience": ""}, "issuer"),
    ("no_client_id", {"client_id": ""}, "client_id"),
    ("zero_lifetime", {"expires_in": 0}, "positive"),
    ("claims_not_json", {"params": {"claims": "{"}}, "not JSON"),
]


@pytest.mark.parametrize(
    ("kwargs", "message"), [r[1:] for r in BAD_ROWS], ids=[r[0] for r in BAD_ROWS]
)
def test_a_request_object_that_cannot_be_right_is_value_error(
    kwargs: dict[str, Any], message: str
) -> None:
    arguments: dict[str, Any] = {"client_id": "c1", "audience": ISSUER, "issued_at": NOW}
    params = kwargs.pop("params", {})
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=message):
        request_object_claims(params, **arguments)


def test_unsigned_request_objects_are_refused(p256: ec.EllipticCurvePrivateKey) -> None:
    with pytest.raises(ValueError, match="none"):
        sign(p256, "none")


def test_a_key_that_does_not_fit_the_alg_is_value_error(p256: ec.EllipticCurvePrivateKey) -> None:
    with pytest.raises(ValueError, match="PS256"):
        sign(p256, "PS256")


def test_front_channel_params_are_client_id_request_and_the_oidc_duplicates() -> None:
    out = request_object_params("eyJ.x.y", "c1", PARAMS)
    assert out == {
        "client_id": "c1",
        "request": "eyJ.x.y",
        "response_type": "code",
        "scope": "openid profile",
    }
    assert request_object_params("eyJ.x.y", "c1") == {"client_id": "c1", "request": "eyJ.x.y"}
