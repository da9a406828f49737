"""Signing-key import: every key form, the alg/key checks, caching, and no key in messages."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from joserfc.jwk import ECKey, OctKey, OKPKey, RSAKey

from grantflow._core import _keys
from grantflow._core._keys import (
    SUPPORTED_ALGORITHMS,
    SigningKeyCache,
    check_algorithm,
    import_signing_key,
    key_id,
)

SECRET = "a-client-secret-of-thirty-two-by"


def _rsa_numbers(key: object) -> rsa.RSAPrivateNumbers:
    """The private numbers of an imported RSA key (joserfc types ``raw_value`` as any key)."""
    assert isinstance(key, RSAKey)
    native = key.raw_value
    assert isinstance(native, rsa.RSAPrivateKey)
    return native.private_numbers()


def _pem(native: Any, password: bytes | None = None) -> str:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    raw = native.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )
    return str(raw.decode("ascii"))


def _public_pem(native: Any) -> str:
    raw = native.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return str(raw.decode("ascii"))


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def ec_keys() -> dict[str, ec.EllipticCurvePrivateKey]:
    curves = {"P-256": ec.SECP256R1(), "P-384": ec.SECP384R1(), "P-521": ec.SECP521R1()}
    return {name: ec.generate_private_key(curve) for name, curve in curves.items()}


def _secret_in(text: str, pem: str) -> bool:
    """Whether any line of the key's base64 body shows up in ``text``."""
    body = [line for line in pem.splitlines() if line and not line.startswith("-----")]
    return any(line[:20] in text for line in body)


# --- the forms a key can take -------------------------------------------------------


def test_pem_string_and_bytes_import_as_the_same_rsa_key(rsa_key: rsa.RSAPrivateKey) -> None:
    pem = _pem(rsa_key)
    from_str = import_signing_key(pem, "RS256")
    from_bytes = import_signing_key(pem.encode(), "RS256")
    assert isinstance(from_str, RSAKey)
    assert _rsa_numbers(from_str) == rsa_key.private_numbers()
    assert _rsa_numbers(from_bytes) == rsa_key.private_numbers()


def test_encrypted_pem_is_opened_with_its_password(rsa_key: rsa.RSAPrivateKey) -> None:
    pem = _pem(rsa_key, password=b"open sesame")
    key = import_signing_key(pem, "PS256", password="open sesame")
    assert _rsa_numbers(key) == rsa_key.private_numbers()


def test_encrypted_pem_without_password_says_a_password_is_needed(
    rsa_key: rsa.RSAPrivateKey,
) -> None:
    pem = _pem(rsa_key, password=b"open sesame")
    with pytest.raises(ValueError, match="encrypted") as info:
        import_signing_key(pem, "RS256")
    assert not _secret_in(str(info.value), pem)


def test_encrypted_pem_with_wrong_password_is_value_error_without_the_password(
    rsa_key: rsa.RSAPrivateKey,
) -> None:
    pem = _pem(rsa_key, password=b"open sesame")
    with pytest.raises(ValueError, match="could not load") as info:
        import_signing_key(pem, "RS256", password="not-the-password")
    assert "not-the-password" not in str(info.value)
    assert info.value.__cause__ is None


def test_password_for_a_plain_pem_is_value_error(rsa_key: rsa.RSAPrivateKey) -> None:
    with pytest.raises(ValueError, match="not encrypted"):
        import_signing_key(_pem(rsa_key), "RS256", password="stray")


def test_der_bytes_import(rsa_key: rsa.RSAPrivateKey) -> None:
    der = rsa_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    key = import_signing_key(der, "RS256")
    assert _rsa_numbers(key) == rsa_key.private_numbers()


def test_jwk_dict_import_keeps_its_kid(ec_keys: dict[str, ec.EllipticCurvePrivateKey]) -> None:
    jwk = ECKey.import_key(ec_keys["P-256"]).as_dict(private=True, kid="k-1")
    key = import_signing_key(jwk, "ES256")
    assert isinstance(key, ECKey)
    assert key_id(key) == "k-1"


def test_jwks_picks_the_key_named_by_kid(ec_keys: dict[str, ec.EllipticCurvePrivateKey]) -> None:
    first = ECKey.import_key(ec_keys["P-256"]).as_dict(private=True, kid="one")
    second = ECKey.import_key(ec_keys["P-384"]).as_dict(private=True, kid="two")
    key = import_signing_key({"keys": [first, second]}, "ES384", kid="two")
    assert key_id(key) == "two"


def test_jwks_picks_the_key_that_fits_the_alg(
    rsa_key: rsa.RSAPrivateKey, ec_keys: dict[str, ec.EllipticCurvePrivateKey]
) -> None:
    jwks = {
        "keys": [
            RSAKey.import_key(rsa_key).as_dict(private=True, kid="rsa"),
            ECKey.import_key(ec_keys["P-256"]).as_dict(private=False, kid="ec-public"),
            ECKey.import_key(ec_keys["P-256"]).as_dict(private=True, kid="ec", alg="ES256"),
            ECKey.import_key(ec_keys["P-521"]).as_dict(private=True, kid="ec-521"),
        ]
    }
    assert key_id(import_signing_key(jwks, "ES256")) == "ec"
    assert key_id(import_signing_key(jwks, "ES512")) == "ec-521"
    assert key_id(import_signing_key(jwks, "PS384")) == "rsa"


def test_jwks_without_a_fitting_key_is_value_error(
    ec_keys: dict[str, ec.EllipticCurvePrivateKey],
) -> None:
    jwks = {"keys": [ECKey.import_key(ec_keys["P-256"]).as_dict(private=True, kid="one")]}
    with pytest.raises(ValueError, match="kid='other'"):
        import_signing_key(jwks, "ES256", kid="other")
    with pytest.raises(ValueError, match="alg=RS256"):
        import_signing_key(jwks, "RS256")


def test_jwks_skips_keys_meant_for_encryption(
    ec_keys: dict[str, ec.EllipticCurvePrivateKey],
) -> None:
    enc = ECKey.import_key(ec_keys["P-256"]).as_dict(private=True, kid="enc", use="enc")
    with pytest.raises(ValueError, match="no private key"):
        import_signing_key({"keys": [enc]}, "ES256")


@pytest.mark.parametrize(
    ("make", "alg", "joserfc_type"),
    [
        (lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048), "RS512", RSAKey),
        (lambda: ec.generate_private_key(ec.SECP384R1()), "ES384", ECKey),
        (ed25519.Ed25519PrivateKey.generate, "EdDSA", OKPKey),
        (ed25519.Ed25519PrivateKey.generate, "Ed25519", OKPKey),
        (ed448.Ed448PrivateKey.generate, "EdDSA", OKPKey),
        (ed448.Ed448PrivateKey.generate, "Ed448", OKPKey),
    ],
)
def test_cryptography_private_key_objects_import(make: Any, alg: str, joserfc_type: type) -> None:
    native = make()
    key = import_signing_key(native, alg)
    assert isinstance(key, joserfc_type)
    assert key.raw_value is native
    assert key_id(key) is None


def test_joserfc_key_objects_are_used_as_they_are(
    ec_keys: dict[str, ec.EllipticCurvePrivateKey],
) -> None:
    key = ECKey.import_key(ec_keys["P-521"], {"kid": "mine"})
    assert import_signing_key(key, "ES512") is key
    assert key_id(key) == "mine"


@pytest.mark.parametrize("secret", [SECRET, SECRET.encode()])
@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512"])
def test_hmac_secrets_import_from_str_and_bytes(secret: str | bytes, alg: str) -> None:
    key = import_signing_key(secret, alg)
    assert isinstance(key, OctKey)
    assert key.raw_value == SECRET.encode()


def test_hmac_jwk_import() -> None:
    jwk = OctKey.import_key(SECRET.encode()).as_dict(kid="hmac-1")
    key = import_signing_key(jwk, "HS256")
    assert key.raw_value == SECRET.encode()
    assert key_id(key) == "hmac-1"


def test_pem_key_gets_no_invented_kid(rsa_key: rsa.RSAPrivateKey) -> None:
    assert key_id(import_signing_key(_pem(rsa_key), "RS256")) is None
    assert key_id(import_signing_key(SECRET, "HS256")) is None


# --- keys that cannot sign with the algorithm -----------------------------------------


@pytest.mark.parametrize(
    ("alg", "make", "message"),
    [
        (
            "RS256",
            lambda: ec.generate_private_key(ec.SECP256R1()),
            "needs an RSA key, got an EC key",
        ),
        ("PS256", ed25519.Ed25519PrivateKey.generate, "needs an RSA key, got an OKP key"),
        (
            "ES256",
            lambda: ec.generate_private_key(ec.SECP384R1()),
            "needs a key on P-256, got P-384",
        ),
        (
            "ES384",
            lambda: ec.generate_private_key(ec.SECP521R1()),
            "needs a key on P-384, got P-521",
        ),
        (
            "ES512",
            lambda: ec.generate_private_key(ec.SECP256R1()),
            "needs a key on P-521, got P-256",
        ),
        ("Ed25519", ed448.Ed448PrivateKey.generate, "needs a key on Ed25519, got Ed448"),
        ("EdDSA", lambda: ec.generate_private_key(ec.SECP256R1()), "needs an OKP key"),
        ("HS256", lambda: ec.generate_private_key(ec.SECP256R1()), "needs an HMAC secret"),
    ],
)
def test_key_that_does_not_fit_the_alg_is_value_error_without_the_key(
    alg: str, make: Any, message: str
) -> None:
    native = make()
    with pytest.raises(ValueError, match=message) as info:
        import_signing_key(_pem(native), alg)
    assert not _secret_in(str(info.value), _pem(native))


def test_hmac_secret_cannot_sign_rs256() -> None:
    with pytest.raises(ValueError, match="could not load") as info:
        import_signing_key(SECRET, "RS256")
    assert SECRET not in str(info.value)


def test_public_key_cannot_sign(rsa_key: rsa.RSAPrivateKey) -> None:
    with pytest.raises(ValueError, match="public key"):
        import_signing_key(_public_pem(rsa_key), "RS256")
    public_jwk = RSAKey.import_key(rsa_key).as_dict(private=False)
    with pytest.raises(ValueError, match="private key, got a public key"):
        import_signing_key(public_jwk, "RS256")


def test_public_key_pem_is_refused_as_hmac_secret(rsa_key: rsa.RSAPrivateKey) -> None:
    with pytest.raises(ValueError, match="must not be a public key"):
        import_signing_key(_public_pem(rsa_key), "HS256")


def test_rsa_key_under_2048_bits_is_refused() -> None:
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505
    with pytest.raises(ValueError, match="at least 2048 bits"):
        import_signing_key(small, "RS256")


def test_jwk_alg_or_use_that_forbids_the_alg_is_value_error(
    ec_keys: dict[str, ec.EllipticCurvePrivateKey],
) -> None:
    base = ECKey.import_key(ec_keys["P-256"]).as_dict(private=True)
    for jwk in ({**base, "alg": "ES384"}, {**base, "use": "enc"}, {**base, "key_ops": ["verify"]}):
        with pytest.raises(ValueError, match="do not allow signing with ES256") as info:
            import_signing_key(jwk, "ES256")
        assert str(base["d"]) not in str(info.value)


def test_malformed_jwk_is_value_error_naming_only_the_kty() -> None:
    with pytest.raises(ValueError, match=r"invalid JWK \(kty='RSA'\)") as info:
        import_signing_key({"kty": "RSA", "n": "AQAB", "d": "c2VjcmV0LXZhbHVl"}, "RS256")
    assert "c2VjcmV0LXZhbHVl" not in str(info.value)


@pytest.mark.parametrize("alg", ["none", "HS1", "RS1", "ES256K", None, 256])
def test_unsupported_alg_is_value_error_listing_the_known_ones(alg: Any) -> None:
    with pytest.raises(ValueError, match="RS256"):
        check_algorithm(alg)
    with pytest.raises(ValueError, match="unsupported signing algorithm"):
        import_signing_key(SECRET, alg)


def test_every_supported_alg_is_accepted() -> None:
    assert [check_algorithm(alg) for alg in SUPPORTED_ALGORITHMS] == list(SUPPORTED_ALGORITHMS)


def test_missing_empty_or_odd_key_is_an_error() -> None:
    with pytest.raises(ValueError, match="got None"):
        import_signing_key(None, "RS256")
    with pytest.raises(ValueError, match="empty"):
        import_signing_key("", "HS256")
    with pytest.raises(TypeError, match="unsupported key type int"):
        import_signing_key(12345, "RS256")


# --- caching -------------------------------------------------------------------------


def test_a_pem_string_is_parsed_once(
    rsa_key: rsa.RSAPrivateKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = _keys._import

    def counting(*args: Any) -> Any:
        calls.append(args[1])
        return real(*args)

    monkeypatch.setattr(_keys, "_import", counting)
    cache = SigningKeyCache()
    pem = _pem(rsa_key)
    first = cache.get(pem, "RS256")
    again = cache.get("".join(pem), "RS256")  # equal text, another object
    assert first is again
    assert calls == ["RS256"]
    cache.get(pem, "PS256")
    assert calls == ["RS256", "PS256"]


def test_a_changed_jwk_dict_is_imported_again(
    ec_keys: dict[str, ec.EllipticCurvePrivateKey],
) -> None:
    cache = SigningKeyCache()
    jwk = ECKey.import_key(ec_keys["P-256"]).as_dict(private=True, kid="before")
    assert key_id(cache.get(jwk, "ES256")) == "before"
    jwk["kid"] = "after"
    assert key_id(cache.get(jwk, "ES256")) == "after"


def test_cache_is_bounded_and_its_repr_shows_no_key() -> None:
    cache = SigningKeyCache(maxsize=2)
    for n in range(5):
        cache.get(f"{SECRET}-{n}", "HS256")
    assert repr(cache) == "SigningKeyCache(size=2, maxsize=2)"


def test_a_failed_import_is_not_cached() -> None:
    cache = SigningKeyCache()
    with pytest.raises(ValueError):
        cache.get("", "HS256")
    assert repr(cache) == "SigningKeyCache(size=0, maxsize=16)"


def _public_forms(rsa_key: rsa.RSAPrivateKey) -> dict[str, bytes]:
    """A public key as PEM, DER, OpenSSH and in a self-signed certificate."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID

    public = rsa_key.public_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "op.example")])
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(rsa_key, hashes.SHA256())
    )
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    return {
        "pem": public.public_bytes(serialization.Encoding.PEM, spki),
        "pem_after_blank_line": b"\n" + public.public_bytes(serialization.Encoding.PEM, spki),
        "der": public.public_bytes(serialization.Encoding.DER, spki),
        "openssh": public.public_bytes(
            serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
        ),
        "certificate_pem": certificate.public_bytes(serialization.Encoding.PEM),
        "certificate_der": certificate.public_bytes(serialization.Encoding.DER),
    }


@pytest.fixture
def joserfc_that_only_warns(monkeypatch: pytest.MonkeyPatch) -> None:
    """joserfc 1.1 to 1.5: a key-looking HMAC secret earns a warning and is accepted."""
    import warnings

    from joserfc.jwk import OctKey

    def import_from_bytes(cls: Any, value: bytes, password: Any = None) -> bytes:
        if value.startswith((b"-----BEGIN ", b"ssh-rsa ")):
            warnings.warn("This key may not be safe to import", stacklevel=2)
        return value

    monkeypatch.setattr(OctKey.binding, "import_from_bytes", classmethod(import_from_bytes))


@pytest.mark.parametrize("joserfc", ["installed", "only_warns"])
@pytest.mark.parametrize(
    "form", ["pem", "pem_after_blank_line", "der", "openssh", "certificate_pem", "certificate_der"]
)
def test_a_public_key_is_never_an_hmac_secret_whatever_joserfc_does(
    rsa_key: rsa.RSAPrivateKey, form: str, joserfc: str, request: pytest.FixtureRequest
) -> None:
    import warnings

    from grantflow._core._jwks import verify_jws
    from grantflow.errors import InvalidIDTokenError

    if joserfc == "only_warns":
        request.getfixturevalue("joserfc_that_only_warns")
    material = _public_forms(rsa_key)[form]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match="must not be a public key"):
            _keys.import_hmac_secret(material)
        with pytest.raises(ValueError, match="must not be a public key"):
            _keys.SigningKeyCache().get(material, "HS256")
        # The same refusal keys no HS256 ID token with a client secret that is a public key.
        with pytest.raises(InvalidIDTokenError) as caught:
            verify_jws(
                "eyJhbGciOiJIUzI1NiJ9.e30.c2ln",
                None,
                allowed_algs=("HS256",),
                client_secret=material,
            )
    assert caught.value.claim == "alg"


def test_an_ordinary_secret_is_still_an_hmac_key() -> None:
    assert _keys.import_hmac_secret(SECRET).key_type == "oct"
    assert _keys.import_hmac_secret(bytes(range(256))).key_type == "oct"
