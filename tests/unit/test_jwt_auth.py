"""client_secret_jwt and private_key_jwt (RFC 7523 §2.2): what is signed, how, and where."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from joserfc import jwt
from joserfc.jwk import ECKey, Key, OctKey, OKPKey, RSAKey

from grantflow._core import _keys
from grantflow._core._jwt_auth import (
    JWT_BEARER_CLIENT_ASSERTION_TYPE,
    ClientSecretJWT,
    PrivateKeyJWT,
    add_assertion_to_body,
)

pytestmark = pytest.mark.filterwarnings("ignore:EdDSA is deprecated")

TOKEN_ENDPOINT = "https://as.example/oauth/token"
SECRET = "client-secret-that-is-32-bytes!!"
NOW = 1_700_000_000


@dataclass
class Client:
    client_id: str | None = "client-1"
    client_secret: Any = SECRET
    metadata: dict[str, Any] = field(default_factory=dict)


def clock(value: float = NOW) -> Callable[[], float]:
    return lambda: value


def _pem(native: Any, password: str | None = None) -> str:
    """PKCS#8 PEM of a private key, exported by joserfc (encrypted when a password is given)."""
    key = ECKey.import_key(native) if isinstance(native, ec.EllipticCurvePrivateKey) else None
    if isinstance(native, rsa.RSAPrivateKey):
        key = RSAKey.import_key(native)
    exported: bytes = (key or OKPKey.import_key(native)).as_pem(private=True, password=password)
    return exported.decode("ascii")


def _b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _segments(assertion: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    header, payload, signature = assertion.split(".")
    return (
        json.loads(_b64decode(header)),
        json.loads(_b64decode(payload)),
        f"{header}.{payload}".encode("ascii"),
        _b64decode(signature),
    )


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def signing_keys(rsa_key: rsa.RSAPrivateKey) -> dict[str, Any]:
    """One private key per algorithm family, by alg."""
    p256, p384, p521 = (
        ec.generate_private_key(c) for c in (ec.SECP256R1(), ec.SECP384R1(), ec.SECP521R1())
    )
    ed = ed25519.Ed25519PrivateKey.generate()
    keys: dict[str, Any] = {"ES256": p256, "ES384": p384, "ES512": p521, "EdDSA": ed, "Ed25519": ed}
    keys["Ed448"] = ed448.Ed448PrivateKey.generate()
    for alg in ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512"):
        keys[alg] = rsa_key
    return keys


def _public(alg: str, native: Any) -> Key:
    public = native.public_key()
    key: Key
    if alg.startswith(("RS", "PS")):
        key = RSAKey.import_key(public)
    elif alg.startswith("ES"):
        key = ECKey.import_key(public)
    else:
        key = OKPKey.import_key(public)
    return key


# --- every algorithm signs what the server can verify ---------------------------------


@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512"])
def test_client_secret_jwt_verifies_with_the_secret(alg: str) -> None:
    auth = ClientSecretJWT(TOKEN_ENDPOINT, alg=alg, now=clock())
    assertion = auth.sign(Client(), TOKEN_ENDPOINT)
    token = jwt.decode(assertion, OctKey.import_key(SECRET.encode()), algorithms=[alg])
    assert token.header == {"alg": alg, "typ": "JWT"}
    assert token.claims["iss"] == token.claims["sub"] == "client-1"
    assert token.claims["aud"] == TOKEN_ENDPOINT


@pytest.mark.parametrize(
    "alg",
    [
        *("RS256", "RS384", "RS512", "PS256", "PS384", "PS512"),
        *("ES256", "ES384", "ES512", "EdDSA", "Ed25519", "Ed448"),
    ],
)
def test_private_key_jwt_verifies_with_the_public_key(
    alg: str, signing_keys: dict[str, Any]
) -> None:
    native = signing_keys[alg]
    auth = PrivateKeyJWT(TOKEN_ENDPOINT, alg=alg, now=clock())
    assertion = auth.sign(Client(client_secret=_pem(native)), TOKEN_ENDPOINT)
    token = jwt.decode(assertion, _public(alg, native), algorithms=[alg])
    assert token.header == {"alg": alg, "typ": "JWT"}
    assert token.claims["iss"] == "client-1"
    assert token.claims["exp"] == NOW + 3600


def test_hs256_signature_is_the_hmac_of_the_signing_input() -> None:
    assertion = ClientSecretJWT(TOKEN_ENDPOINT).sign(Client(), None)
    _, _, signing_input, signature = _segments(assertion)
    expected = hmac.new(SECRET.encode(), signing_input, hashlib.sha256).digest()
    assert hmac.compare_digest(signature, expected)


def test_rs256_signature_verifies_with_cryptography(rsa_key: rsa.RSAPrivateKey) -> None:
    assertion = PrivateKeyJWT(TOKEN_ENDPOINT).sign(Client(client_secret=rsa_key), None)
    header, _, signing_input, signature = _segments(assertion)
    assert header["alg"] == "RS256"
    rsa_key.public_key().verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())


def test_es256_signature_verifies_with_cryptography(signing_keys: dict[str, Any]) -> None:
    native = signing_keys["ES256"]
    assertion = PrivateKeyJWT(TOKEN_ENDPOINT, alg="ES256").sign(Client(client_secret=native), None)
    _, _, signing_input, signature = _segments(assertion)
    assert len(signature) == 64  # RFC 7518 §3.4: R || S, 32 bytes each
    der = encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )
    native.public_key().verify(der, signing_input, ec.ECDSA(hashes.SHA256()))


@pytest.mark.parametrize(
    "form",
    [
        "pem_str",
        "pem_bytes",
        "encrypted_pem",
        "jwk",
        "jwks_by_kid",
        "jwks_by_alg",
        "object",
        "joserfc",
    ],
)
def test_every_key_form_signs_a_verifiable_assertion(form: str, rsa_key: rsa.RSAPrivateKey) -> None:
    jwk = RSAKey.import_key(rsa_key).as_dict(private=True, kid="rsa-1")
    secrets: dict[str, Any] = {
        "pem_str": _pem(rsa_key),
        "pem_bytes": _pem(rsa_key).encode(),
        "encrypted_pem": _pem(rsa_key, password="pw"),
        "jwk": jwk,
        "jwks_by_kid": {"keys": [{**jwk, "kid": "other"}, jwk]},
        "jwks_by_alg": {"keys": [{**jwk, "alg": "RS512", "kid": "x"}, {**jwk, "alg": "RS256"}]},
        "object": rsa_key,
        "joserfc": RSAKey.import_key(rsa_key),
    }
    headers = {"kid": "rsa-1"} if form == "jwks_by_kid" else None
    password = "pw" if form == "encrypted_pem" else None
    auth = PrivateKeyJWT(TOKEN_ENDPOINT, headers=headers, key_password=password, now=clock())
    assertion = auth.sign(Client(client_secret=secrets[form]), None)
    token = jwt.decode(assertion, RSAKey.import_key(rsa_key.public_key()), algorithms=["RS256"])
    assert token.claims["sub"] == "client-1"
    assert token.header.get("kid") == (
        "rsa-1" if form in ("jwk", "jwks_by_kid", "jwks_by_alg") else None
    )


# --- claims ---------------------------------------------------------------------------


def test_claims_are_iss_sub_aud_iat_exp_jti() -> None:
    auth = ClientSecretJWT(TOKEN_ENDPOINT, now=clock(NOW + 0.9))
    _, claims, _, _ = _segments(auth.sign(Client(), None))
    assert set(claims) == {"iss", "sub", "aud", "iat", "exp", "jti"}
    assert claims["iat"] == NOW
    assert claims["exp"] == NOW + 3600
    assert len(claims["jti"]) >= 22  # at least 128 bits, URL-safe base64


def test_expires_in_sets_the_lifetime() -> None:
    auth = ClientSecretJWT(TOKEN_ENDPOINT, expires_in=60, now=clock())
    _, claims, _, _ = _segments(auth.sign(Client(), None))
    assert claims["exp"] - claims["iat"] == 60


@pytest.mark.parametrize("expires_in", [0, -5, 1.5, True, "60"])
def test_bad_expires_in_is_value_error(expires_in: Any) -> None:
    with pytest.raises(ValueError, match="expires_in"):
        ClientSecretJWT(TOKEN_ENDPOINT, expires_in=expires_in)


def test_two_assertions_never_share_a_jti() -> None:
    auth = ClientSecretJWT(TOKEN_ENDPOINT, now=clock())
    jtis = {_segments(auth.sign(Client(), None))[1]["jti"] for _ in range(50)}
    assert len(jtis) == 50


def test_jti_and_exp_given_in_claims_are_used_as_given_and_not_mutated() -> None:
    given = {"jti": "fixed-id", "exp": NOW + 30, "purpose": "test"}
    snapshot = dict(given)
    auth = ClientSecretJWT(TOKEN_ENDPOINT, claims=given, now=clock())
    _, claims, _, _ = _segments(auth.sign(Client(), None))
    assert (claims["jti"], claims["exp"], claims["purpose"]) == ("fixed-id", NOW + 30, "test")
    assert claims["iat"] == NOW
    assert given == snapshot


def test_later_changes_to_the_callers_claims_do_not_leak_in() -> None:
    given: dict[str, Any] = {"extra": 1}
    auth = ClientSecretJWT(TOKEN_ENDPOINT, claims=given, now=clock())
    given["extra"] = 2
    assert _segments(auth.sign(Client(), None))[1]["extra"] == 1


@pytest.mark.parametrize("cls", [ClientSecretJWT, PrivateKeyJWT])
def test_claims_and_headers_are_none_when_not_given(cls: type[ClientSecretJWT]) -> None:
    # Code written for the best-known client's auth objects tests `auth.claims is None`.
    auth = cls(TOKEN_ENDPOINT)
    assert auth.claims is None
    assert auth.headers is None


@pytest.mark.parametrize(
    ("claims", "headers"),
    [({"purpose": "test"}, {"x-extra": "1"}), ({}, {})],
    ids=["filled", "empty"],
)
def test_claims_and_headers_given_are_kept_as_copies(
    claims: dict[str, Any], headers: dict[str, Any]
) -> None:
    auth = ClientSecretJWT(TOKEN_ENDPOINT, claims=claims, headers=headers)
    assert auth.claims == claims and auth.claims is not claims
    assert auth.headers == headers and auth.headers is not headers


@pytest.mark.parametrize("given", [None, {}], ids=["none", "empty"])
def test_an_assertion_without_claims_or_headers_is_the_default_one(
    given: dict[str, Any] | None,
) -> None:
    auth = ClientSecretJWT(TOKEN_ENDPOINT, claims=given, headers=given, now=clock())
    header, claims, _, _ = _segments(auth.sign(Client(), None))
    assert header == {"alg": "HS256", "typ": "JWT"}
    assert set(claims) == {"iss", "sub", "aud", "iat", "exp", "jti"}


# --- header ---------------------------------------------------------------------------


def test_custom_headers_are_added_and_not_mutated(rsa_key: rsa.RSAPrivateKey) -> None:
    headers = {"kid": "from-headers", "x5t#S256": "abc", "typ": "client-authentication+jwt"}
    snapshot = dict(headers)
    auth = PrivateKeyJWT(TOKEN_ENDPOINT, headers=headers)
    header, _, _, _ = _segments(auth.sign(Client(client_secret=rsa_key), None))
    assert header == {"alg": "RS256", "typ": "client-authentication+jwt", **snapshot}
    assert headers == snapshot


def test_kid_comes_from_the_jwk_and_headers_win(rsa_key: rsa.RSAPrivateKey) -> None:
    jwk = RSAKey.import_key(rsa_key).as_dict(private=True, kid="jwk-kid")
    plain = PrivateKeyJWT(TOKEN_ENDPOINT).sign(Client(client_secret=jwk), None)
    assert _segments(plain)[0]["kid"] == "jwk-kid"
    named = PrivateKeyJWT(TOKEN_ENDPOINT, headers={"kid": "override"})
    assert _segments(named.sign(Client(client_secret=rsa_key), None))[0]["kid"] == "override"


def test_alg_may_come_from_headers_but_must_agree() -> None:
    assert PrivateKeyJWT(headers={"alg": "ES256"}).alg == "ES256"
    with pytest.raises(ValueError, match="disagree"):
        PrivateKeyJWT(alg="RS256", headers={"alg": "ES256"})


def test_default_algs_and_names() -> None:
    assert (ClientSecretJWT().alg, ClientSecretJWT.name) == ("HS256", "client_secret_jwt")
    assert (PrivateKeyJWT().alg, PrivateKeyJWT.name) == ("RS256", "private_key_jwt")


@pytest.mark.parametrize(
    ("cls", "alg"), [(ClientSecretJWT, "RS256"), (PrivateKeyJWT, "HS256"), (PrivateKeyJWT, "none")]
)
def test_alg_outside_the_method_is_value_error(cls: type[ClientSecretJWT], alg: str) -> None:
    with pytest.raises(ValueError, match=alg):
        cls(TOKEN_ENDPOINT, alg=alg)


# --- the request ----------------------------------------------------------------------


def test_call_adds_assertion_type_and_assertion_to_the_body() -> None:
    auth = ClientSecretJWT(now=clock())
    uri, headers, body = auth(
        Client(), "POST", TOKEN_ENDPOINT + "?tenant=a", {"Accept": "json"}, "grant_type=x"
    )
    assert (uri, headers) == (TOKEN_ENDPOINT + "?tenant=a", {"Accept": "json"})
    form = parse_qs(body)
    assert form["grant_type"] == ["x"]
    assert form["client_assertion_type"] == [JWT_BEARER_CLIENT_ASSERTION_TYPE]
    token = jwt.decode(form["client_assertion"][0], OctKey.import_key(SECRET.encode()))
    assert token.claims["aud"] == TOKEN_ENDPOINT  # the request URL without its query


def test_call_prefers_the_configured_token_endpoint_as_audience() -> None:
    auth = ClientSecretJWT("https://as.example/configured")
    _, _, body = auth(Client(), "POST", TOKEN_ENDPOINT, {}, "")
    assertion = parse_qs(body)["client_assertion"][0]
    assert _segments(assertion)[1]["aud"] == "https://as.example/configured"
    assert body.startswith("client_assertion_type=")


def test_add_assertion_to_body_matches_form_encoding() -> None:
    body = add_assertion_to_body("a=1", "aa.bb-_.cc")
    assert parse_qs(body, strict_parsing=True) == {
        "a": ["1"],
        "client_assertion_type": [JWT_BEARER_CLIENT_ASSERTION_TYPE],
        "client_assertion": ["aa.bb-_.cc"],
    }


def test_issuer_as_audience_uses_the_servers_issuer() -> None:
    auth = ClientSecretJWT(TOKEN_ENDPOINT, issuer_as_audience=True)
    client = Client(metadata={"issuer": "https://as.example"})
    _, _, body = auth(client, "POST", TOKEN_ENDPOINT, {}, "")
    assert _segments(parse_qs(body)["client_assertion"][0])[1]["aud"] == "https://as.example"


def test_issuer_as_audience_without_issuer_is_value_error() -> None:
    auth = ClientSecretJWT(TOKEN_ENDPOINT, issuer_as_audience=True)
    with pytest.raises(ValueError, match="issuer"):
        auth.sign(Client(), TOKEN_ENDPOINT)


def test_sign_without_any_audience_is_value_error() -> None:
    with pytest.raises(ValueError, match="token endpoint"):
        ClientSecretJWT().sign(Client(), None)


# --- early checks and secrecy ---------------------------------------------------------


def test_check_client_accepts_a_key_that_fits(rsa_key: rsa.RSAPrivateKey) -> None:
    PrivateKeyJWT().check_client(Client(client_secret=_pem(rsa_key)))
    ClientSecretJWT().check_client(Client())


@pytest.mark.parametrize(
    ("client", "message"),
    [
        (Client(client_id=None), "client_id"),
        (Client(client_id=""), "client_id"),
        (Client(client_secret=None), "got None"),
        (Client(client_secret="not a key"), "could not load"),
    ],
)
def test_check_client_rejects_missing_id_or_unusable_key(client: Client, message: str) -> None:
    with pytest.raises(ValueError, match=message) as info:
        PrivateKeyJWT().check_client(client)
    assert "not a key" not in str(info.value)


def test_check_client_rejects_a_key_of_the_wrong_type(signing_keys: dict[str, Any]) -> None:
    pem = _pem(signing_keys["ES384"])
    with pytest.raises(ValueError, match="ES256 needs a key on P-256, got P-384") as info:
        PrivateKeyJWT(alg="ES256").check_client(Client(client_secret=pem))
    assert pem.splitlines()[1][:16] not in str(info.value)
    assert pem.splitlines()[1][:16] not in repr(info.value)


def test_private_key_in_client_secret_jwt_is_value_error(rsa_key: rsa.RSAPrivateKey) -> None:
    with pytest.raises(ValueError, match="needs an HMAC secret"):
        ClientSecretJWT().check_client(Client(client_secret=_pem(rsa_key)))


def test_repr_shows_alg_and_endpoint_never_the_key(rsa_key: rsa.RSAPrivateKey) -> None:
    auth = PrivateKeyJWT(TOKEN_ENDPOINT, key_password="pw-secret")
    auth.sign(Client(client_secret=_pem(rsa_key, password="pw-secret")), None)
    text = repr(auth) + str(auth)
    assert repr(auth) == f"PrivateKeyJWT(alg='RS256', token_endpoint='{TOKEN_ENDPOINT}')"
    assert "pw-secret" not in text
    assert "PRIVATE" not in text
    assert SECRET not in repr(ClientSecretJWT(TOKEN_ENDPOINT))


def test_pem_secret_is_parsed_once_across_assertions(
    rsa_key: rsa.RSAPrivateKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    loads: list[int] = []
    load_pem = _keys._load_pem

    def counting_load_pem(*args: Any) -> Any:
        loads.append(1)
        return load_pem(*args)

    monkeypatch.setattr(_keys, "_load_pem", counting_load_pem)
    auth = PrivateKeyJWT(TOKEN_ENDPOINT, alg="PS512")
    pem = _pem(rsa_key)
    for copy in (pem, "".join(pem), pem):  # equal text in other objects too
        auth(Client(client_secret=copy), "POST", TOKEN_ENDPOINT, {}, "")
    assert len(loads) == 1


def test_a_rotated_client_secret_is_used_at_once() -> None:
    auth = ClientSecretJWT(TOKEN_ENDPOINT)
    client = Client()
    auth.sign(client, None)
    client.client_secret = "another-secret-of-32-bytes-long!"
    assertion = auth.sign(client, None)
    jwt.decode(assertion, OctKey.import_key(client.client_secret.encode()))
