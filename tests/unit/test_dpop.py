"""DPoP (RFC 9449): the key, its proofs decoded claim by claim, and the nonce rules."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import pickle
import subprocess
import sys
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from hypothesis import given, settings
from hypothesis import strategies as st
from joserfc import jwt
from joserfc.jwk import ECKey, JWKRegistry, OctKey, RSAKey
from joserfc.jws import JWSRegistry

import grantflow
from grantflow._core import _dpop
from grantflow._core._dpop import (
    DPoPKey,
    DPoPNonces,
    add_dpop_jkt,
    add_proof,
    check_token_binding,
    compute_ath,
    is_use_dpop_nonce,
    read_dpop_nonce,
    retry_nonce,
)
from grantflow._core._http import HttpRequest, HttpResponse
from grantflow.errors import InvalidResponseError, UnsupportedTokenTypeError

pytestmark = pytest.mark.filterwarnings("ignore:EdDSA is deprecated")

NOW = 1_700_000_000


def clock(value: float = NOW) -> Callable[[], float]:
    return lambda: value


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def rfc7638_thumbprint(jwk: Mapping[str, Any]) -> str:
    """RFC 7638 §3: SHA-256 over the required members, sorted, without whitespace."""
    required = {
        "RSA": ("e", "kty", "n"),
        "EC": ("crv", "kty", "x", "y"),
        "OKP": ("crv", "kty", "x"),
    }
    members = {name: jwk[name] for name in required[jwk["kty"]]}
    canonical = json.dumps(members, sort_keys=True, separators=(",", ":"))
    return b64url(hashlib.sha256(canonical.encode("utf-8")).digest())


def decode(proof: str, key: DPoPKey) -> tuple[dict[str, Any], dict[str, Any]]:
    """Verify ``proof`` with the public key in its own header, as a server does (§4.3)."""
    header = json.loads(base64.urlsafe_b64decode(proof.split(".")[0] + "=="))
    public = JWKRegistry.import_key(header["jwk"])
    registry = JWSRegistry(algorithms=[key.alg])
    registry.max_header_length = 4096  # an RSA key in the header exceeds joserfc's 512 bytes
    token = jwt.decode(proof, public, registry=registry)
    return dict(token.header), dict(token.claims)


def _pem(native: ec.EllipticCurvePrivateKey) -> str:
    pem: bytes = ECKey.import_key(native).as_pem(private=True)
    return pem.decode("ascii")


# --- the test's own reference is right ------------------------------------------------


def test_reference_thumbprint_matches_rfc_7638_example() -> None:
    # RFC 7638 §3.1
    jwk = {
        "kty": "RSA",
        "e": "AQAB",
        "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFx"
        "uhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6C"
        "f0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91C"
        "bOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csF"
        "Cur-kEgU8awapJzKnqDKgw",
    }
    assert rfc7638_thumbprint(jwk) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


# --- generating and loading keys ------------------------------------------------------

GENERATED = [
    ("ES256", "EC", "P-256"),
    ("ES384", "EC", "P-384"),
    ("ES512", "EC", "P-521"),
    ("PS256", "RSA", None),
    ("RS256", "RSA", None),
    ("EdDSA", "OKP", "Ed25519"),
    ("Ed25519", "OKP", "Ed25519"),
    ("Ed448", "OKP", "Ed448"),
]


@pytest.mark.parametrize(("alg", "kty", "crv"), GENERATED, ids=[g[0] for g in GENERATED])
def test_generated_key_signs_proofs_that_verify_with_the_public_jwk_in_the_header(
    alg: str, kty: str, crv: str | None
) -> None:
    key = DPoPKey.generate(alg, now=clock())
    header, claims = decode(key.proof("POST", "https://as.example/token"), key)
    assert key.alg == alg
    assert header == {"typ": "dpop+jwt", "alg": alg, "jwk": key.public_jwk}
    assert key.public_jwk["kty"] == kty
    assert key.public_jwk.get("crv") == crv
    assert claims["htm"] == "POST"
    assert claims["iat"] == NOW


def test_generate_defaults_to_es256() -> None:
    assert DPoPKey.generate().alg == "ES256"


def test_generate_with_an_unknown_alg_is_value_error_naming_the_known_ones() -> None:
    with pytest.raises(ValueError, match="ES256"):
        DPoPKey.generate("HS256")


def test_public_jwk_holds_only_the_rfc_7638_members_and_no_private_part(
    rsa_native: rsa.RSAPrivateKey, p256: ec.EllipticCurvePrivateKey
) -> None:
    rsa_jwk = {**RSAKey.import_key(rsa_native).as_dict(private=True), "kid": "k1", "use": "sig"}
    assert set(DPoPKey(rsa_jwk).public_jwk) == {"kty", "n", "e"}
    assert set(DPoPKey(p256).public_jwk) == {"kty", "crv", "x", "y"}
    okp = DPoPKey(ed25519.Ed25519PrivateKey.generate())
    assert set(okp.public_jwk) == {"kty", "crv", "x"}


def test_thumbprint_is_rfc_7638_of_the_public_key(p256: ec.EllipticCurvePrivateKey) -> None:
    key = DPoPKey(p256)
    assert key.thumbprint == rfc7638_thumbprint(key.public_jwk)
    assert key.thumbprint == rfc7638_thumbprint(ECKey.import_key(p256).as_dict(private=False))


def test_every_form_of_the_same_key_gives_the_same_thumbprint(
    p256: ec.EllipticCurvePrivateKey,
) -> None:
    jwk = ECKey.import_key(p256).as_dict(private=True)
    forms: list[object] = [
        p256,
        _pem(p256),
        _pem(p256).encode("ascii"),
        jwk,
        ECKey.import_key(p256),
        {"keys": [jwk]},
    ]
    keys = [DPoPKey(form, "ES256") for form in forms]
    assert {k.thumbprint for k in keys} == {keys[0].thumbprint}
    assert all(k == keys[0] for k in keys)


DEFAULT_ALGS: list[tuple[str, Callable[[], object], str]] = [
    ("p256_is_es256", lambda: ec.generate_private_key(ec.SECP256R1()), "ES256"),
    ("p384_is_es384", lambda: ec.generate_private_key(ec.SECP384R1()), "ES384"),
    ("p521_is_es512", lambda: ec.generate_private_key(ec.SECP521R1()), "ES512"),
    ("ed25519_is_eddsa", ed25519.Ed25519PrivateKey.generate, "EdDSA"),
    ("ed448_is_eddsa", ed448.Ed448PrivateKey.generate, "EdDSA"),
    (
        "jwk_alg_wins",
        lambda: {**ECKey.generate_key("P-256").as_dict(private=True), "alg": "ES256"},
        "ES256",
    ),
]


@pytest.mark.parametrize(
    ("make", "alg"), [d[1:] for d in DEFAULT_ALGS], ids=[d[0] for d in DEFAULT_ALGS]
)
def test_alg_defaults_to_the_one_the_key_implies(make: Callable[[], object], alg: str) -> None:
    assert DPoPKey(make()).alg == alg


def test_rsa_key_defaults_to_rs256_and_its_jwk_alg_wins(rsa_native: rsa.RSAPrivateKey) -> None:
    assert DPoPKey(rsa_native).alg == "RS256"
    jwk = {**RSAKey.import_key(rsa_native).as_dict(private=True), "alg": "PS256"}
    assert DPoPKey(jwk).alg == "PS256"


BAD_KEYS: list[tuple[str, Callable[[], object], str | None, type[Exception], str]] = [
    ("hmac_alg", lambda: ec.generate_private_key(ec.SECP256R1()), "HS256", ValueError, "HMAC"),
    ("none_alg", lambda: ec.generate_private_key(ec.SECP256R1()), "none", ValueError, "none"),
    ("hmac_key", lambda: OctKey.import_key(b"s" * 32), None, ValueError, "HMAC"),
    ("alg_for_other_key_type", ed25519.Ed25519PrivateKey.generate, "ES256", ValueError, "EC"),
    (
        "public_key",
        lambda: ECKey.generate_key("P-256").as_dict(private=False),
        None,
        ValueError,
        "private",
    ),
    ("jwk_set_without_alg", lambda: {"keys": []}, None, ValueError, "alg="),
    (
        "curve_without_alg",
        lambda: ec.generate_private_key(ec.SECP256K1()),
        None,
        ValueError,
        "fits",
    ),
    ("none", lambda: None, None, ValueError, "empty"),
    ("empty_pem", lambda: "", None, ValueError, "empty"),
    ("not_a_key", lambda: 42, None, TypeError, "int"),
    ("garbage_pem", lambda: "-----BEGIN PRIVATE KEY-----\nxx\n", None, ValueError, "not PEM"),
]


@pytest.mark.parametrize(
    ("make", "alg", "error", "message"), [b[1:] for b in BAD_KEYS], ids=[b[0] for b in BAD_KEYS]
)
def test_a_key_that_cannot_sign_proofs_is_refused_naming_why(
    make: Callable[[], object], alg: str | None, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        DPoPKey(make(), alg)


# --- proofs, claim by claim -----------------------------------------------------------


@pytest.fixture(scope="module")
def es256() -> DPoPKey:
    return DPoPKey(ec.generate_private_key(ec.SECP256R1()), now=clock())


HTU_ROWS = [
    ("plain", "https://as.example/oauth/token", "https://as.example/oauth/token"),
    ("query_dropped", "https://rs.example/api?a=1&b=2", "https://rs.example/api"),
    ("fragment_dropped", "https://rs.example/api#top", "https://rs.example/api"),
    ("both_dropped", "https://rs.example/api?a=1#top", "https://rs.example/api"),
    ("empty_path_is_slash", "https://rs.example", "https://rs.example/"),
    ("port_kept", "http://127.0.0.1:8080/x", "http://127.0.0.1:8080/x"),
    ("credentials_dropped", "https://user:pw@rs.example/x", "https://rs.example/x"),
    # Characters JSON must escape, and non-ASCII, survive into the claim as given.
    ("quote_and_backslash", 'https://rs.example/a"b\\c', 'https://rs.example/a"b\\c'),
    ("control_character", "https://rs.example/a\x01b", "https://rs.example/a\x01b"),
    # urllib's WHATWG rule: tab, CR and LF inside a URL are dropped, not sent.
    ("tab_and_newline_dropped", "https://rs.example/a\tb\nc", "https://rs.example/abc"),
    ("non_ascii_path", "https://rs.example/café/\U0001d518", "https://rs.example/café/\U0001d518"),
    ("query_with_a_question_mark", "https://rs.example/p?q=?#f?", "https://rs.example/p"),
]


@pytest.mark.parametrize(("url", "htu"), [r[1:] for r in HTU_ROWS], ids=[r[0] for r in HTU_ROWS])
def test_htu_is_the_url_without_query_and_fragment(es256: DPoPKey, url: str, htu: str) -> None:
    _, claims = decode(es256.proof("GET", url), es256)
    assert claims["htu"] == htu


@pytest.mark.parametrize(("given", "sent"), [("get", "GET"), ("Post", "POST"), ("PUT", "PUT")])
def test_htm_is_the_method_as_sent(es256: DPoPKey, given: str, sent: str) -> None:
    _, claims = decode(es256.proof(given, "https://rs.example/"), es256)
    assert claims["htm"] == sent


def test_token_request_proof_has_exactly_jti_htm_htu_iat(es256: DPoPKey) -> None:
    _, claims = decode(es256.proof("POST", "https://as.example/token"), es256)
    assert set(claims) == {"jti", "htm", "htu", "iat"}
    assert claims["iat"] == NOW
    assert len(claims["jti"]) >= 22  # RFC 9449 §11.1: enough entropy not to collide


def test_resource_proof_carries_ath_of_the_access_token(es256: DPoPKey) -> None:
    token = "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"
    _, claims = decode(es256.proof("GET", "https://rs.example/r", access_token=token), es256)
    # RFC 9449 §7.1, the example's ath for this token
    assert claims["ath"] == "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"
    assert claims["ath"] == b64url(hashlib.sha256(token.encode("ascii")).digest())
    assert compute_ath(token) == claims["ath"]


def test_nonce_is_carried_when_given(es256: DPoPKey) -> None:
    _, claims = decode(es256.proof("POST", "https://as.example/t", nonce="eyJ7S_zG.eyJH0-Z"), es256)
    assert claims["nonce"] == "eyJ7S_zG.eyJH0-Z"


@settings(max_examples=200, deadline=None)
@given(
    path=st.text(st.characters(exclude_categories=["Cs"]), max_size=40).map(
        lambda text: text.translate(dict.fromkeys(map(ord, "?#\t\r\n")))
    ),
    nonce=st.from_regex(r"[\x21\x23-\x5b\x5d-\x7e]{1,40}", fullmatch=True),
    token=st.from_regex(r"[\x20-\x7e]{1,60}", fullmatch=True),
)
def test_the_claims_are_json_for_any_path_nonce_and_token(
    es256: DPoPKey, path: str, nonce: str, token: str
) -> None:
    # The claims are written out by hand for speed: whatever a URL path, a nonce or a
    # token holds, they must decode to exactly the values given.
    url = "https://rs.example/" + path
    _, claims = decode(es256.proof("GET", url, access_token=token, nonce=nonce), es256)
    assert claims["htu"] == url
    assert claims["nonce"] == nonce
    assert claims["ath"] == b64url(hashlib.sha256(token.encode("ascii")).digest())
    assert set(claims) == {"jti", "htm", "htu", "iat", "ath", "nonce"}


def test_every_proof_has_a_fresh_jti(es256: DPoPKey) -> None:
    jtis = {decode(es256.proof("GET", "https://rs.example/"), es256)[1]["jti"] for _ in range(50)}
    assert len(jtis) == 50


def test_iat_follows_the_injected_clock() -> None:
    now: list[float] = [NOW]
    key = DPoPKey(ec.generate_private_key(ec.SECP256R1()), now=lambda: now[0])
    first = decode(key.proof("GET", "https://rs.example/"), key)[1]["iat"]
    now[0] = NOW + 90.7
    second = decode(key.proof("GET", "https://rs.example/"), key)[1]["iat"]
    assert (first, second) == (NOW, NOW + 90)


BAD_PROOF_INPUTS: list[tuple[str, dict[str, Any], str]] = [
    ("empty_method", {"method": "", "url": "https://rs.example/"}, "method"),
    ("method_with_space", {"method": "GE T", "url": "https://rs.example/"}, "method"),
    ("relative_url", {"method": "GET", "url": "/api"}, "absolute"),
    ("ftp_url", {"method": "GET", "url": "ftp://rs.example/x"}, "absolute"),
    ("empty_token", {"method": "GET", "url": "https://r.example/", "access_token": ""}, "token"),
    ("non_ascii_token", {"method": "GET", "url": "https://r/", "access_token": "é"}, "ASCII"),
    ("nonce_with_quote", {"method": "GET", "url": "https://r.example/", "nonce": 'a"b'}, "nonce"),
    ("empty_nonce", {"method": "GET", "url": "https://r.example/", "nonce": ""}, "nonce"),
]


@pytest.mark.parametrize(
    ("kwargs", "message"), [b[1:] for b in BAD_PROOF_INPUTS], ids=[b[0] for b in BAD_PROOF_INPUTS]
)
def test_bad_proof_input_is_value_error(
    es256: DPoPKey, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        es256.proof(**kwargs)


def test_proofs_do_not_import_the_key_again(
    monkeypatch: pytest.MonkeyPatch, p256: ec.EllipticCurvePrivateKey
) -> None:
    key = DPoPKey(_pem(p256), now=clock())

    def no_import(*args: object, **kwargs: object) -> None:
        raise AssertionError("the key was imported again")

    monkeypatch.setattr(_dpop, "import_private_key", no_import)
    monkeypatch.setattr(_dpop._REGISTRY, "get_alg", no_import)
    assert decode(key.proof("GET", "https://rs.example/"), key)[1]["htm"] == "GET"


# --- the private key stays private ----------------------------------------------------


def _private_parts(key: DPoPKey) -> list[str]:
    jwk = key.private_jwk()
    return [str(jwk[name]) for name in ("d", "p", "q", "dp", "dq", "qi") if name in jwk]


def test_repr_shows_alg_and_thumbprint_only(rsa_native: rsa.RSAPrivateKey) -> None:
    key = DPoPKey(rsa_native)
    text = repr(key) + str(key)
    assert text.startswith("DPoPKey(alg='RS256', thumbprint=")
    assert not any(part[:16] in text for part in _private_parts(key))


def test_copies_and_pickles_are_the_same_key_and_hide_it_in_repr(
    p256: ec.EllipticCurvePrivateKey,
) -> None:
    key = DPoPKey(p256, "ES256")
    restored = pickle.loads(pickle.dumps(key))  # noqa: S301
    for other in (copy.copy(key), copy.deepcopy(key), restored):
        assert other == key
        assert hash(other) == hash(key)
        assert repr(other) == repr(key)
        assert not any(part[:16] in repr(other) for part in _private_parts(key))
    assert decode(restored.proof("GET", "https://rs.example/"), restored)[1]["htm"] == "GET"


def test_private_jwk_round_trips_with_its_alg(rsa_native: rsa.RSAPrivateKey) -> None:
    key = DPoPKey(rsa_native, "PS256")
    saved = json.loads(json.dumps(key.private_jwk()))
    assert saved["alg"] == "PS256"
    assert "d" in saved
    again = DPoPKey(saved)
    assert (again.alg, again.thumbprint) == ("PS256", key.thumbprint)


def test_key_is_read_only(es256: DPoPKey) -> None:
    with pytest.raises(AttributeError):
        es256.alg = "RS256"


def test_keys_differ_by_key_and_by_alg(rsa_native: rsa.RSAPrivateKey) -> None:
    assert DPoPKey(rsa_native, "RS256") != DPoPKey(rsa_native, "PS256")
    assert DPoPKey.generate() != DPoPKey.generate()


# --- nonces (RFC 9449 §8, §9) ---------------------------------------------------------


def response(
    status: int, headers: dict[str, str] | None = None, body: object = b""
) -> HttpResponse:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return HttpResponse(status, headers, raw)


# RFC 9449 §8.1: every printable ASCII character but '"' and '\\'
NQCHARS = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in '"\\')

NONCE_ROWS: list[tuple[str, dict[str, str], str | None]] = [
    ("absent", {}, None),
    ("plain", {"DPoP-Nonce": "eyJ7S_zG.eyJH0-Z.HX4w-7v"}, "eyJ7S_zG.eyJH0-Z.HX4w-7v"),
    ("lower_case_header", {"dpop-nonce": "n-1"}, "n-1"),
    ("surrounding_space", {"DPoP-Nonce": " n-1 "}, "n-1"),
    ("every_nqchar", {"DPoP-Nonce": NQCHARS}, NQCHARS),
]


@pytest.mark.parametrize(
    ("headers", "nonce"), [r[1:] for r in NONCE_ROWS], ids=[r[0] for r in NONCE_ROWS]
)
def test_dpop_nonce_header_is_read(headers: dict[str, str], nonce: str | None) -> None:
    assert read_dpop_nonce(response(200, headers)) == nonce


@pytest.mark.parametrize(
    "value",
    ["", "a b", 'a"b', "a\\b", "a\tb", "é"],
    ids=["empty", "space", "quote", "bslash", "tab", "non_ascii"],
)
def test_malformed_dpop_nonce_is_invalid_response_with_the_status(value: str) -> None:
    with pytest.raises(InvalidResponseError, match="DPoP-Nonce") as caught:
        read_dpop_nonce(response(400, {"DPoP-Nonce": value}))
    assert caught.value.status_code == 400


def challenge(value: str) -> HttpResponse:
    return response(401, {"WWW-Authenticate": value})


CHALLENGE_ROWS: list[tuple[str, HttpResponse, bool]] = [
    ("token_endpoint_400", response(400, {}, {"error": "use_dpop_nonce"}), True),
    ("token_endpoint_other_error", response(400, {}, {"error": "invalid_dpop_proof"}), False),
    ("token_endpoint_html", response(400, {}, b"<html>use_dpop_nonce</html>"), False),
    ("token_endpoint_json_array", response(400, {}, ["use_dpop_nonce"]), False),
    ("resource_401", challenge('DPoP error="use_dpop_nonce"'), True),
    (
        "resource_401_among",
        challenge('Bearer realm="r", DPoP algs="ES256", error="use_dpop_nonce"'),
        True,
    ),
    ("resource_401_bearer_scheme", challenge('Bearer error="use_dpop_nonce"'), False),
    ("resource_401_invalid_token", challenge('DPoP error="invalid_token"'), False),
    ("resource_401_body_only", response(401, {}, {"error": "use_dpop_nonce"}), False),
    ("success", response(200, {"DPoP-Nonce": "n"}, {"error": "use_dpop_nonce"}), False),
]


@pytest.mark.parametrize(
    ("resp", "expected"), [r[1:] for r in CHALLENGE_ROWS], ids=[r[0] for r in CHALLENGE_ROWS]
)
def test_use_dpop_nonce_challenge_is_recognised(resp: HttpResponse, expected: bool) -> None:
    assert is_use_dpop_nonce(resp) is expected


def test_retry_nonce_is_the_new_nonce_of_a_challenge() -> None:
    challenge = response(400, {"DPoP-Nonce": "n-2"}, {"error": "use_dpop_nonce"})
    assert retry_nonce(challenge) == "n-2"


def test_retry_nonce_is_none_for_a_challenge_without_a_nonce_or_a_plain_error() -> None:
    assert retry_nonce(response(400, {}, {"error": "use_dpop_nonce"})) is None
    assert retry_nonce(response(400, {"DPoP-Nonce": "n"}, {"error": "invalid_grant"})) is None
    assert retry_nonce(response(200, {"DPoP-Nonce": "n"}, {})) is None


def test_retry_nonce_of_a_challenge_with_a_malformed_nonce_is_invalid_response() -> None:
    challenge = response(
        401, {"WWW-Authenticate": 'DPoP error="use_dpop_nonce"', "DPoP-Nonce": "a b"}
    )
    with pytest.raises(InvalidResponseError):
        retry_nonce(challenge)


def test_nonces_are_kept_per_origin_and_the_newest_wins() -> None:
    nonces = DPoPNonces()
    nonces.update("https://as.example/token", response(400, {"DPoP-Nonce": "as-1"}))
    nonces.update("https://rs.example/api", response(401, {"DPoP-Nonce": "rs-1"}))
    assert nonces.get("https://as.example:443/par?x=1") == "as-1"
    assert nonces.get("https://RS.example/other") == "rs-1"
    assert nonces.get("http://as.example/token") is None
    nonces.update("https://as.example/token", response(200, {"DPoP-Nonce": "as-2"}))
    nonces.update("https://as.example/token", response(200, {}))
    assert nonces.get("https://as.example/token") == "as-2"


def test_nonces_keep_a_bounded_number_of_origins_dropping_the_oldest() -> None:
    nonces = DPoPNonces(maxsize=2)
    for i in range(3):
        nonces.update(f"https://s{i}.example/", response(200, {"DPoP-Nonce": f"n{i}"}))
    assert [nonces.get(f"https://s{i}.example/") for i in range(3)] == [None, "n1", "n2"]
    assert "n1" not in repr(nonces)


def test_a_malformed_nonce_is_not_remembered() -> None:
    nonces = DPoPNonces()
    nonces.update("https://as.example/", response(200, {"DPoP-Nonce": "good"}))
    with pytest.raises(InvalidResponseError):
        nonces.update("https://as.example/", response(200, {"DPoP-Nonce": "bad nonce"}))
    assert nonces.get("https://as.example/") == "good"


# --- wiring helpers -------------------------------------------------------------------


def test_add_proof_adds_a_dpop_header_for_the_requests_method_and_url(es256: DPoPKey) -> None:
    request = HttpRequest(
        "post", "https://as.example/token?x=1", {"Accept": "application/json"}, b"a=1"
    )
    sent = add_proof(request, es256, nonce="n-1")
    assert (sent.method, sent.url, sent.body) == (request.method, request.url, request.body)
    assert sent.headers["Accept"] == "application/json"
    _, claims = decode(sent.headers["DPoP"], es256)
    assert (claims["htm"], claims["htu"], claims["nonce"]) == (
        "POST",
        "https://as.example/token",
        "n-1",
    )
    assert "DPoP" not in request.headers


def test_add_proof_for_a_resource_request_carries_ath(es256: DPoPKey) -> None:
    sent = add_proof(HttpRequest("GET", "https://rs.example/me"), es256, access_token="at-1")
    assert decode(sent.headers["DPoP"], es256)[1]["ath"] == compute_ath("at-1")


def test_dpop_jkt_is_the_thumbprint_and_the_params_are_copied(es256: DPoPKey) -> None:
    params = {"response_type": "code", "state": "s"}
    out = add_dpop_jkt(params, es256)
    assert out == {"response_type": "code", "state": "s", "dpop_jkt": es256.thumbprint}
    assert "dpop_jkt" not in params


@pytest.mark.parametrize("token_type", ["DPoP", "dpop", "DPOP"])
def test_a_dpop_token_without_a_key_is_unsupported(token_type: str) -> None:
    with pytest.raises(UnsupportedTokenTypeError, match="DPoP"):
        check_token_binding({"token_type": token_type, "access_token": "secret-at"}, None)


def test_bearer_tokens_and_dpop_tokens_with_a_key_pass(es256: DPoPKey) -> None:
    check_token_binding({"token_type": "Bearer"}, None)
    check_token_binding({"token_type": "Bearer"}, es256)
    check_token_binding({"token_type": "DPoP"}, es256)
    check_token_binding({}, None)


# --- the public name ------------------------------------------------------------------


def test_dpop_key_is_exported_and_loaded_on_first_use() -> None:
    assert grantflow.DPoPKey is DPoPKey
    assert "DPoPKey" in grantflow.__all__
    script = (
        "import sys, grantflow\n"
        "before = 'joserfc' in sys.modules\n"
        "grantflow.DPoPKey\n"
        "print(before, 'joserfc' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "True"]
