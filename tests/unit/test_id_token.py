"""ID token validation (OpenID Connect Core §3.1.3.7, §3.2.2.11, §3.3.2.12, §12.2).

Tokens are minted here with freshly generated RSA, EC P-256, Ed25519 and HMAC keys; each
row changes one thing and names the claim the validator must blame (None: accepted).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import warnings
from typing import Any

import pytest
from joserfc import errors as jose_errors
from joserfc import jws
from joserfc.jwk import ECKey, OctKey, OKPKey, RSAKey
from joserfc.jws import JWSRegistry

from grantflow._core._id_token import (
    IDTokenRules,
    compute_token_hash,
    unverified_header,
    validate_id_token,
)
from grantflow._core._jwks import needs_refresh, parse_jwks
from grantflow.errors import InvalidIDTokenError, OAuthError

# joserfc's warnings are SecurityWarning (a UserWarning) from 1.1 on, plain UserWarning before.
SecurityWarning: type[Warning] = getattr(jose_errors, "SecurityWarning", UserWarning)

NOW = 1_700_000_000
ISSUER = "https://op.example"
CLIENT = "client-1"
SECRET = "a-client-secret-of-decent-length"
NONCE = "n-0S6_WzA2Mj"
ACCESS_TOKEN = "dNZX1hEZ9wBCzNL40Upu646bdzQA"
CODE = "Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk"

RSA = RSAKey.generate_key(2048, parameters={"kid": "rsa-1", "use": "sig"})
RSA_OTHER = RSAKey.generate_key(2048, parameters={"kid": "rsa-1"})
EC = ECKey.generate_key("P-256", parameters={"kid": "ec-1"})
EC_OTHER = ECKey.generate_key("P-256", parameters={"kid": "ec-1"})
ED = OKPKey.generate_key("Ed25519", parameters={"kid": "ed-1"})
JWKS = parse_jwks({"keys": [k.as_dict(private=False) for k in (RSA, EC, ED)]})

SIGNING_KEYS: dict[str, Any] = {
    "RS256": RSA,
    "ES256": EC,
    "EdDSA": ED,
    "HS256": OctKey.import_key(SECRET),
}


def claims(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "iss": ISSUER,
        "aud": CLIENT,
        "sub": "248289761001",
        "exp": NOW + 300,
        "iat": NOW,
        "nonce": NONCE,
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not DROP}


DROP = object()


def sign(payload: dict[str, Any], alg: str = "RS256", key: Any = None, **header: Any) -> str:
    key = key if key is not None else SIGNING_KEYS[alg]
    if "kid" not in header and alg != "HS256":
        header["kid"] = key.kid
    protected = {"alg": alg, **{k: v for k, v in header.items() if v is not DROP}}
    with warnings.catch_warnings():
        # joserfc warns that "EdDSA" is deprecated in favour of "Ed25519" (RFC 9864);
        # providers still sign with it.
        warnings.simplefilter("ignore", SecurityWarning)
        return jws.serialize_compact(protected, json.dumps(payload), key, algorithms=[alg])


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def raw_token(header: dict[str, Any], payload: Any, key: Any = None) -> str:
    """A compact JWS whose header joserfc's own checks would refuse to produce."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    algorithm = JWSRegistry.algorithms.get(header["alg"])
    signature = algorithm.sign(signing_input.encode(), key) if algorithm and key else b"sig"
    return f"{signing_input}.{b64(signature)}"


def unsigned(payload: dict[str, Any], signature: str = "") -> str:
    header = b64(json.dumps({"alg": "none"}).encode())
    return f"{header}.{b64(json.dumps(payload).encode())}.{signature}"


def rules(**changes: Any) -> IDTokenRules:
    base: dict[str, Any] = {
        "issuer": ISSUER,
        "client_id": CLIENT,
        "client_secret": SECRET,
        "now": NOW,
        "nonce": NONCE,
        "allowed_algs": ("RS256", "ES256", "EdDSA", "HS256"),
    }
    base.update(changes)
    return IDTokenRules(**base)


def failing_claim(token: str, rule_set: IDTokenRules, jwks: Any = JWKS) -> str | None:
    try:
        validate_id_token(token, jwks, rule_set)
    except InvalidIDTokenError as err:
        assert f"'{err.claim}'" in str(err)
        return err.claim
    return None


AT_HASH = compute_token_hash(ACCESS_TOKEN, "RS256")
C_HASH = compute_token_hash(CODE, "RS256")
PREVIOUS = claims(auth_time=NOW - 100, iat=NOW - 3000)

# (name, claim changes, rule changes, expected failing claim or None)
CLAIM_ROWS: list[tuple[str, dict[str, Any], dict[str, Any], str | None]] = [
    ("valid", {}, {}, None),
    ("iss_other_issuer", {"iss": "https://evil.example"}, {}, "iss"),
    ("iss_trailing_slash_differs", {"iss": ISSUER + "/"}, {}, "iss"),
    ("iss_missing", {"iss": DROP}, {}, "iss"),
    ("aud_list_with_client_and_azp", {"aud": [CLIENT, "other"], "azp": CLIENT}, {}, None),
    ("aud_without_client", {"aud": "other"}, {}, "aud"),
    ("aud_list_without_client", {"aud": ["other", "third"]}, {}, "aud"),
    ("aud_missing", {"aud": DROP}, {}, "aud"),
    ("aud_not_a_string", {"aud": 7}, {}, "aud"),
    ("several_aud_without_azp", {"aud": [CLIENT, "other"]}, {}, "azp"),
    ("azp_other_party", {"azp": "other"}, {}, "azp"),
    ("azp_single_aud_equal", {"azp": CLIENT}, {}, None),
    ("exp_past_beyond_leeway", {"exp": NOW - 61}, {}, "exp"),
    ("exp_at_leeway_edge", {"exp": NOW - 60}, {}, "exp"),
    ("exp_past_within_leeway", {"exp": NOW - 59}, {}, None),
    ("exp_past_with_zero_leeway", {"exp": NOW - 1}, {"leeway": 0}, "exp"),
    ("exp_missing", {"exp": DROP}, {}, "exp"),
    ("exp_string", {"exp": str(NOW + 300)}, {}, "exp"),
    ("exp_bool", {"exp": True}, {}, "exp"),
    ("exp_float", {"exp": NOW + 300.5}, {}, None),
    ("exp_infinity", {"exp": float("inf")}, {}, "exp"),
    ("iat_nan", {"iat": float("nan")}, {}, "iat"),
    ("iat_future_beyond_leeway", {"iat": NOW + 61}, {}, "iat"),
    ("iat_future_within_leeway", {"iat": NOW + 60}, {}, None),
    ("iat_missing", {"iat": DROP}, {}, "iat"),
    ("iat_bool", {"iat": False}, {}, "iat"),
    ("nbf_future_beyond_leeway", {"nbf": NOW + 120}, {}, "nbf"),
    ("nbf_past", {"nbf": NOW - 10}, {}, None),
    ("sub_missing", {"sub": DROP}, {}, "sub"),
    ("sub_empty", {"sub": ""}, {}, "sub"),
    ("sub_number", {"sub": 42}, {}, "sub"),
    ("nonce_mismatch", {"nonce": "other-nonce"}, {}, "nonce"),
    ("nonce_missing_when_sent", {"nonce": DROP}, {}, "nonce"),
    ("nonce_not_a_string", {"nonce": 12}, {}, "nonce"),
    ("nonce_not_sent_code_flow", {"nonce": DROP}, {"nonce": None}, None),
    ("nonce_required_but_not_sent", {}, {"nonce": None, "nonce_required": True}, "nonce"),
    ("nonce_required_and_equal", {}, {"nonce_required": True}, None),
    ("at_hash_right", {"at_hash": AT_HASH}, {"access_token": ACCESS_TOKEN}, None),
    ("at_hash_wrong", {"at_hash": C_HASH}, {"access_token": ACCESS_TOKEN}, "at_hash"),
    ("at_hash_not_a_string", {"at_hash": 1}, {"access_token": ACCESS_TOKEN}, "at_hash"),
    (
        "at_hash_missing_required",
        {},
        {"access_token": ACCESS_TOKEN, "at_hash_required": True},
        "at_hash",
    ),
    ("at_hash_missing_optional", {}, {"access_token": ACCESS_TOKEN}, None),
    ("at_hash_present_token_unknown", {"at_hash": "x"}, {}, None),
    ("c_hash_right", {"c_hash": C_HASH}, {"code": CODE, "c_hash_required": True}, None),
    ("c_hash_wrong", {"c_hash": AT_HASH}, {"code": CODE}, "c_hash"),
    ("c_hash_missing_required", {}, {"code": CODE, "c_hash_required": True}, "c_hash"),
    ("auth_time_recent_with_max_age", {"auth_time": NOW - 100}, {"max_age": 300}, None),
    ("auth_time_too_old", {"auth_time": NOW - 400}, {"max_age": 300}, "auth_time"),
    ("auth_time_old_within_leeway", {"auth_time": NOW - 350}, {"max_age": 300}, None),
    ("auth_time_missing_with_max_age", {}, {"max_age": 300}, "auth_time"),
    ("auth_time_string_with_max_age", {"auth_time": "recent"}, {"max_age": 300}, "auth_time"),
    ("auth_time_bad_without_max_age", {"auth_time": "recent"}, {}, "auth_time"),
    ("auth_time_missing_without_max_age", {}, {}, None),
    (
        "refreshed_same_authentication",
        {"auth_time": NOW - 100},
        {"previous_claims": PREVIOUS},
        None,
    ),
    (
        "refreshed_without_nonce",
        {"nonce": DROP},
        {"nonce": None, "previous_claims": PREVIOUS},
        None,
    ),
    ("refreshed_other_sub", {"sub": "someone-else"}, {"previous_claims": PREVIOUS}, "sub"),
    (
        "refreshed_other_nonce",
        {"nonce": "x"},
        {"nonce": None, "previous_claims": PREVIOUS},
        "nonce",
    ),
    ("refreshed_other_auth_time", {"auth_time": NOW}, {"previous_claims": PREVIOUS}, "auth_time"),
    ("refreshed_aud_as_list", {"aud": [CLIENT]}, {"previous_claims": PREVIOUS}, None),
    (
        "refreshed_extra_audience",
        {"aud": [CLIENT, "x"], "azp": CLIENT},
        {"previous_claims": PREVIOUS},
        "azp",
    ),
    (
        "refreshed_other_audiences",
        {"aud": [CLIENT, "x"], "azp": CLIENT},
        {"previous_claims": {**PREVIOUS, "azp": CLIENT}},
        "aud",
    ),
    ("refreshed_azp_appears", {"azp": CLIENT}, {"previous_claims": PREVIOUS}, "azp"),
    (
        "refreshed_other_iss",
        {},
        {"previous_claims": {**PREVIOUS, "iss": "https://old.example"}},
        "iss",
    ),
]


@pytest.mark.parametrize(
    ("change", "rule_change", "expected"),
    [row[1:] for row in CLAIM_ROWS],
    ids=[row[0] for row in CLAIM_ROWS],
)
def test_each_claim_rule_accepts_the_right_value_and_names_the_wrong_one(
    change: dict[str, Any], rule_change: dict[str, Any], expected: str | None
) -> None:
    token = sign(claims(**change))
    assert failing_claim(token, rules(**rule_change)) == expected


def test_a_valid_token_returns_its_claims() -> None:
    payload = claims(email="a@example.com")
    assert validate_id_token(sign(payload), JWKS, rules()) == payload


BAD_RSA = sign(claims(), "RS256", RSA_OTHER)
BAD_EC = sign(claims(), "ES256", EC_OTHER)
BAD_HS = sign(claims(), "HS256", OctKey.import_key("another-secret-of-decent-size"))

# (name, token, rule changes, expected failing claim or None)
SIGNATURE_ROWS: list[tuple[str, str, dict[str, Any], str | None]] = [
    ("rs256", sign(claims(), "RS256"), {}, None),
    ("es256", sign(claims(), "ES256"), {}, None),
    ("eddsa", sign(claims(), "EdDSA"), {}, None),
    ("hs256_keyed_by_client_secret", sign(claims(), "HS256"), {}, None),
    ("rs256_bad_signature", BAD_RSA, {}, "signature"),
    ("es256_bad_signature", BAD_EC, {}, "signature"),
    ("hs256_bad_signature", BAD_HS, {}, "signature"),
    ("hs256_without_client_secret", sign(claims(), "HS256"), {"client_secret": None}, "alg"),
    ("alg_not_registered", sign(claims(), "ES256"), {"allowed_algs": ("RS256",)}, "alg"),
    ("alg_none_refused_by_default", unsigned(claims()), {"allowed_algs": ("none",)}, "alg"),
    ("alg_none_when_allowed", unsigned(claims()), {"allow_none_alg": True}, None),
    ("alg_none_with_signature", unsigned(claims(), "c2ln"), {"allow_none_alg": True}, "signature"),
    ("alg_unknown", raw_token({"alg": "XS256"}, claims()), {"allowed_algs": ("XS256",)}, "alg"),
    ("unknown_kid", sign(claims(), "RS256", kid="rotated-away"), {}, "kid"),
    ("kid_not_a_string", raw_token({"alg": "RS256", "kid": 5}, claims(), RSA), {}, "kid"),
    (
        "crit_not_understood",
        raw_token({"alg": "RS256", "kid": "rsa-1", "crit": ["x"], "x": 1}, claims(), RSA),
        {},
        "signature",
    ),
    (
        "crit_not_a_list",
        raw_token({"alg": "RS256", "kid": "rsa-1", "crit": 5}, claims(), RSA),
        {},
        "signature",
    ),
    (
        "unknown_header_ignored",
        raw_token({"alg": "RS256", "kid": "rsa-1", "x-vendor": 1}, claims(), RSA),
        {},
        None,
    ),
    ("not_a_jws", "not.a-token", {}, "signature"),
    ("jwe_is_refused", "a.b.c.d.e", {}, "alg"),
    (
        "payload_not_an_object",
        raw_token({"alg": "RS256", "kid": "rsa-1"}, [1], RSA),
        {},
        "signature",
    ),
]


@pytest.mark.parametrize(
    ("token", "rule_change", "expected"),
    [row[1:] for row in SIGNATURE_ROWS],
    ids=[row[0] for row in SIGNATURE_ROWS],
)
def test_signature_alg_and_key_rules(
    token: str, rule_change: dict[str, Any], expected: str | None
) -> None:
    assert failing_claim(token, rules(**rule_change)) == expected


def test_a_non_string_token_is_a_signature_failure() -> None:
    assert failing_claim(12345, rules()) == "signature"  # type: ignore[arg-type]


def _hmac_token(secret: bytes, alg: str = "HS256", **header: Any) -> str:
    # The forgery is built by hand on purpose: joserfc refuses to key an HMAC with a
    # public key, which is exactly what an attacker does not care about.
    signing_input = (
        f"{b64(json.dumps({'alg': alg, **header}).encode())}.{b64(json.dumps(claims()).encode())}"
    )
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(mac)}"


def test_hs256_signed_with_the_providers_public_key_is_refused() -> None:
    public_pem = RSA.as_pem(private=False)
    forged = _hmac_token(public_pem, kid="rsa-1")
    # RSA only: the HMAC alg is not allowed at all.
    assert failing_claim(forged, rules(allowed_algs=("RS256",))) == "alg"
    # HS256 allowed: the key is the client secret, never a key from the set.
    assert failing_claim(forged, rules()) == "signature"
    # Even a client secret that is a public key is refused as an HMAC key.
    assert failing_claim(forged, rules(client_secret=public_pem)) == "alg"


def test_kid_absent_with_a_single_key_uses_it() -> None:
    single = parse_jwks({"keys": [RSA.as_dict(private=False)]})
    token = sign(claims(), "RS256", kid=DROP)
    assert "kid" not in unverified_header(token)
    assert failing_claim(token, rules(), single) is None


def test_kid_absent_with_several_keys_tries_each_that_fits() -> None:
    second = RSAKey.generate_key(2048, parameters={"kid": "rsa-2"})
    several = parse_jwks(
        {
            "keys": [
                RSA_OTHER.as_dict(private=False),
                second.as_dict(private=False),
                EC.as_dict(private=False),
            ]
        }
    )
    token = sign(claims(), "RS256", second, kid=DROP)
    assert failing_claim(token, rules(), several) is None
    stranger = RSAKey.generate_key(2048)
    assert (
        failing_claim(sign(claims(), "RS256", stranger, kid=DROP), rules(), several) == "signature"
    )


def test_unknown_kid_asks_for_a_refetch_and_validates_after_rotation() -> None:
    rotated = RSAKey.generate_key(2048, parameters={"kid": "rsa-2"})
    token = sign(claims(), "RS256", rotated)
    header = unverified_header(token)
    assert needs_refresh(JWKS, header) is True
    assert failing_claim(token, rules()) == "kid"
    fresh = parse_jwks({"keys": [RSA.as_dict(private=False), rotated.as_dict(private=False)]})
    assert needs_refresh(fresh, header) is False
    assert failing_claim(token, rules(), fresh) is None


def test_no_key_set_is_a_kid_failure_for_asymmetric_algorithms() -> None:
    assert failing_claim(sign(claims()), rules(), None) == "kid"
    assert failing_claim(sign(claims(), "HS256"), rules(), None) is None


def test_eddsa_hashes_use_sha512_and_are_checked() -> None:
    good = compute_token_hash(ACCESS_TOKEN, "EdDSA")
    assert good == b64(hashlib.sha512(ACCESS_TOKEN.encode()).digest()[:32])
    token = sign(claims(at_hash=good), "EdDSA")
    assert failing_claim(token, rules(access_token=ACCESS_TOKEN)) is None
    token = sign(claims(at_hash=AT_HASH), "EdDSA")
    assert failing_claim(token, rules(access_token=ACCESS_TOKEN)) == "at_hash"


@pytest.mark.parametrize(
    ("alg", "crv", "hash_bytes"),
    [
        ("RS256", None, 16),
        ("ES384", None, 24),
        ("PS512", None, 32),
        ("HS256", None, 16),
        ("EdDSA", "Ed25519", 32),
        ("EdDSA", "Ed448", 57),
        ("Ed448", None, 57),
    ],
)
def test_token_hash_is_the_left_half_of_the_algs_hash(
    alg: str, crv: str | None, hash_bytes: int
) -> None:
    value = compute_token_hash(ACCESS_TOKEN, alg, crv=crv)
    padded = value + "=" * (-len(value) % 4)
    assert len(base64.urlsafe_b64decode(padded)) == hash_bytes


def test_token_hash_matches_a_published_example() -> None:
    assert compute_token_hash("dNZX1hEZ9wBCzNL40Upu646bdzQA", "RS256") == "wfgvmE9VxjAudsl9lc6TqA"


def test_token_hash_for_an_alg_without_hash_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="none"):
        compute_token_hash(ACCESS_TOKEN, "none")


def test_unverified_header_of_garbage_raises_invalid_id_token() -> None:
    with pytest.raises(InvalidIDTokenError) as info:
        unverified_header("garbage")
    assert info.value.claim == "signature"
    assert isinstance(info.value, OAuthError)


def test_errors_and_rules_never_show_the_token_or_secrets() -> None:
    token = sign(claims(nonce="the-nonce-that-was-sent-xyz", at_hash="wrong"))
    rule_set = rules(nonce="a-different-nonce-value-abc", access_token=ACCESS_TOKEN, code=CODE)
    with pytest.raises(InvalidIDTokenError) as info:
        validate_id_token(token, JWKS, rule_set)
    shown = f"{info.value} {info.value!r} {rule_set!r}"
    for secret in (
        token,
        "the-nonce-that-was-sent-xyz",
        "a-different-nonce-value-abc",
        SECRET,
        ACCESS_TOKEN,
        CODE,
    ):
        assert secret not in shown
