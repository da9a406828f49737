"""JARM: the authorization response JWT is verified, then read as a plain callback."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from joserfc import jws, jwt
from joserfc.jwk import ECKey, Key, OctKey

from grantflow._core._authorization import validate_callback
from grantflow._core._jarm import (
    is_jwt_response_mode,
    jarm_needs_refresh,
    jwt_response_location,
    validate_jarm_response,
)
from grantflow._core._jwks import JWKSet, parse_jwks
from grantflow.errors import AuthorizationError, InvalidResponseError

NOW = 1_700_000_000
ISSUER = "https://as.example"
CLIENT_ID = "c1"
SECRET = "a-client-secret-of-thirty-two-by"
CODE = "SplxlOBeZQQYbYS6WxSbIA"


@pytest.fixture(scope="module")
def provider_key(p256: ec.EllipticCurvePrivateKey) -> Key:
    key: Key = ECKey.import_key(p256, {"kid": "as-1"})
    return key


@pytest.fixture(scope="module")
def jwks(provider_key: Key) -> JWKSet:
    return parse_jwks({"keys": [provider_key.as_dict(private=False)]})


def claims(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "exp": NOW + 600,
        "iat": NOW,
        "code": CODE,
        "state": "st-1",
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def signed(key: Key, payload: dict[str, Any], alg: str = "ES256", kid: str | None = "as-1") -> str:
    header: dict[str, Any] = {"alg": alg}
    if kid is not None:
        header["kid"] = kid
    return jwt.encode(header, payload, key, algorithms=[alg])


def validate(token: str | None, **kwargs: Any) -> dict[str, str]:
    params = {} if token is None else {"response": token}
    options: dict[str, Any] = {
        "issuer": ISSUER,
        "client_id": CLIENT_ID,
        "now": NOW,
        "allowed_algs": ("ES256",),
    }
    options.update(kwargs)
    return validate_jarm_response(params, **options)


def test_verified_response_gives_the_parameters_for_the_callback_checks(
    provider_key: Key, jwks: JWKSet
) -> None:
    params = validate(signed(provider_key, claims()), jwks=jwks)
    assert params == {"iss": ISSUER, "code": CODE, "state": "st-1"}
    checked = validate_callback(params, expected_state="st-1", issuer=ISSUER, iss_required=True)
    assert checked.code == CODE


def test_an_error_inside_the_jwt_is_an_authorization_error_after_the_checks(
    provider_key: Key, jwks: JWKSet
) -> None:
    token = signed(provider_key, claims(code=None, error="access_denied"))
    params = validate(token, jwks=jwks)
    with pytest.raises(AuthorizationError) as caught:
        validate_callback(params, expected_state="st-1", issuer=ISSUER, iss_required=True)
    assert caught.value.error == "access_denied"


def test_non_string_claims_become_the_strings_a_plain_callback_carries(
    provider_key: Key, jwks: JWKSet
) -> None:
    token = signed(provider_key, claims(expires_in=3600, flag=True, extra={"a": [1]}))
    params = validate(token, jwks=jwks)
    assert (params["expires_in"], params["flag"], params["extra"]) == ("3600", "true", '{"a":[1]}')


def test_audience_list_with_the_client_passes(provider_key: Key, jwks: JWKSet) -> None:
    assert (
        validate(signed(provider_key, claims(aud=["other", CLIENT_ID])), jwks=jwks)["state"]
        == "st-1"
    )


def test_expiry_within_the_leeway_passes(provider_key: Key, jwks: JWKSet) -> None:
    token = signed(provider_key, claims(exp=NOW - 30))
    assert validate(token, jwks=jwks, leeway=60)["code"] == CODE
    with pytest.raises(InvalidResponseError, match="'exp'"):
        validate(token, jwks=jwks, leeway=10)


def test_hs256_response_is_keyed_by_the_client_secret(jwks: JWKSet) -> None:
    token = signed(OctKey.import_key(SECRET), claims(), alg="HS256", kid=None)
    assert validate(token, jwks=jwks, allowed_algs=("HS256",), client_secret=SECRET)["code"] == CODE


Failure = tuple[str | None, dict[str, Any], str]


@pytest.fixture(scope="module")
def failures(provider_key: Key) -> dict[str, Failure]:
    """By case: the ``response`` JWT, options for the validation, what the error names."""
    stranger = ECKey.generate_key("P-256", {"kid": "as-1"})
    unsigned = jws.serialize_compact({"alg": "none"}, b'{"iss":"x"}', None, algorithms=["none"])
    hs256 = signed(OctKey.import_key(SECRET), claims(), "HS256", None)
    rows: list[tuple[str, str | None, dict[str, Any], str]] = [
        ("missing", None, {}, "'response'"),
        ("encrypted", "a.b.c.d.e", {}, "'response'"),
        ("garbage", "not-a-jwt", {}, "'signature'"),
        ("other_key_same_kid", signed(stranger, claims()), {}, "'signature'"),
        ("unknown_kid", signed(provider_key, claims(), kid="as-2"), {}, "'kid'"),
        ("alg_not_allowed", signed(provider_key, claims()), {"allowed_algs": ("RS256",)}, "'alg'"),
        ("unsigned", unsigned, {}, "'alg'"),
        ("hs256_without_secret", hs256, {"allowed_algs": ("HS256",)}, "'alg'"),
        ("wrong_iss", signed(provider_key, claims(iss="https://evil.example")), {}, "'iss'"),
        ("no_iss", signed(provider_key, claims(iss=None)), {}, "'iss'"),
        ("wrong_aud", signed(provider_key, claims(aud="c2")), {}, "'aud'"),
        ("aud_list_without_client", signed(provider_key, claims(aud=["c2", "c3"])), {}, "'aud'"),
        ("no_aud", signed(provider_key, claims(aud=None)), {}, "'aud'"),
        ("no_exp", signed(provider_key, claims(exp=None)), {}, "'exp'"),
        ("exp_not_number", signed(provider_key, claims(exp="tomorrow")), {}, "'exp'"),
        ("exp_bool", signed(provider_key, claims(exp=True)), {}, "'exp'"),
        ("expired", signed(provider_key, claims(exp=NOW - 3600)), {}, "'exp'"),
        ("no_key_set", signed(provider_key, claims()), {"jwks": None}, "'kid'"),
    ]  # fmt: skip
    assert [row[0] for row in rows] == FAILURE_IDS
    return {row[0]: row[1:] for row in rows}


FAILURE_IDS = [
    "missing", "encrypted", "garbage", "other_key_same_kid", "unknown_kid", "alg_not_allowed",
    "unsigned", "hs256_without_secret", "wrong_iss", "no_iss", "wrong_aud",
    "aud_list_without_client", "no_aud", "no_exp", "exp_not_number", "exp_bool", "expired",
    "no_key_set",
]  # fmt: skip


@pytest.mark.filterwarnings('ignore:JWS algorithm "none" is deprecated')
@pytest.mark.parametrize("case", FAILURE_IDS)
def test_every_failure_is_invalid_response_naming_what_failed(
    failures: dict[str, Failure], jwks: JWKSet, case: str
) -> None:
    token, kwargs, named = failures[case]
    with pytest.raises(InvalidResponseError, match=named) as caught:
        validate(token, **{"jwks": jwks, **kwargs})
    message = str(caught.value)
    assert "authorization response JWT" in message
    assert CODE not in message
    assert token is None or token[:20] not in message


MODES = [
    ("jwt", "code", "query"),
    ("jwt", "none", "query"),
    ("jwt", "code id_token", "fragment"),
    ("jwt", "token", "fragment"),
    ("query.jwt", "code", "query"),
    ("fragment.jwt", "code", "fragment"),
    ("form_post.jwt", "code id_token", "form_post"),
]


@pytest.mark.parametrize(("mode", "response_type", "where"), MODES)
def test_jwt_response_modes_say_where_the_response_comes_back(
    mode: str, response_type: str, where: str
) -> None:
    assert is_jwt_response_mode(mode)
    assert jwt_response_location(mode, response_type) == where


@pytest.mark.parametrize("mode", ["query", "fragment", "form_post", None, "JWT", "jwt.query"])
def test_other_response_modes_are_not_jwt_modes(mode: str | None) -> None:
    assert not is_jwt_response_mode(mode)
    if isinstance(mode, str):
        with pytest.raises(ValueError, match="not a JWT response mode"):
            jwt_response_location(mode, "code")


def test_an_unknown_kid_asks_for_the_key_set_again(provider_key: Key, jwks: JWKSet) -> None:
    assert jarm_needs_refresh(jwks, {"response": signed(provider_key, claims(), kid="as-2")})
    assert jarm_needs_refresh(None, {"response": signed(provider_key, claims())})
    assert not jarm_needs_refresh(jwks, {"response": signed(provider_key, claims())})
    assert not jarm_needs_refresh(jwks, {"response": "garbage"})
    assert not jarm_needs_refresh(jwks, {})
