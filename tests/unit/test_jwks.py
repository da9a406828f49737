"""JWK Set parsing and key choice by kid / alg / use (RFC 7517, OpenID Connect Core §10.1)."""

from __future__ import annotations

from typing import Any

import pytest
from joserfc.jwk import ECKey, OctKey, OKPKey, RSAKey

from grantflow._core._jwks import needs_refresh, parse_jwks, select_keys
from grantflow.errors import InvalidResponseError

RSA_SIG = RSAKey.generate_key(2048, parameters={"kid": "rsa-sig", "use": "sig"})
RSA_ENC = RSAKey.generate_key(2048, parameters={"kid": "rsa-enc", "use": "enc"})
RSA_PS = RSAKey.generate_key(2048, parameters={"kid": "rsa-ps", "alg": "PS256"})
EC_256 = ECKey.generate_key("P-256", parameters={"kid": "ec-256"})
EC_384 = ECKey.generate_key("P-384", parameters={"kid": "ec-384"})
ED = OKPKey.generate_key("Ed25519", parameters={"kid": "ed"})
X25519 = OKPKey.generate_key("X25519", parameters={"kid": "x"})


def public(*keys: Any) -> list[dict[str, Any]]:
    return [dict(k.as_dict(private=False)) for k in keys]


DOC = {"keys": public(RSA_SIG, RSA_ENC, RSA_PS, EC_256, EC_384, ED, X25519)}
JWKS = parse_jwks(DOC)


def kids(keys: list[Any]) -> list[str]:
    return [k.kid for k in keys]


@pytest.mark.parametrize(
    "doc",
    [[], "keys", {"keys": {}}, {"keys": "a"}, {"jwks": []}, None],
    ids=["list", "string", "keys_object", "keys_string", "no_keys", "none"],
)
def test_a_document_that_is_not_a_key_set_is_an_invalid_response(doc: Any) -> None:
    with pytest.raises(InvalidResponseError, match="keys"):
        parse_jwks(doc)


def test_unusable_keys_are_skipped_not_fatal() -> None:
    doc = {
        "keys": [
            {"kty": "oct", "k": "c2VjcmV0LXNoYXJlZC13aXRoLWV2ZXJ5b25l", "kid": "oct"},
            {"kty": "PQC", "kid": "future"},
            {"kty": "RSA", "kid": "broken", "n": "!!", "e": "AQAB"},
            {"kty": "EC", "kid": "no-curve", "x": "AA", "y": "AA"},
            {"kid": "no-kty"},
            {"kty": ["RSA"]},
            "not-an-object",
            *public(RSA_SIG),
        ]
    }
    jwks = parse_jwks(doc)
    assert kids(list(jwks.keys)) == ["rsa-sig"]


def test_an_empty_key_set_parses_and_asks_for_a_refetch() -> None:
    jwks = parse_jwks({"keys": []})
    assert len(jwks) == 0
    assert needs_refresh(jwks, {"alg": "RS256"}) is True


def test_private_members_in_the_document_are_dropped() -> None:
    jwks = parse_jwks({"keys": [dict(RSA_SIG.as_dict(private=True))]})
    assert not jwks.keys[0].is_private


# (name, header, expected kids)
SELECT_ROWS: list[tuple[str, dict[str, Any], list[str]]] = [
    ("kid_and_alg_fit", {"alg": "RS256", "kid": "rsa-sig"}, ["rsa-sig"]),
    ("kid_of_an_encryption_key", {"alg": "RS256", "kid": "rsa-enc"}, []),
    ("kid_with_a_wrong_kty", {"alg": "ES256", "kid": "rsa-sig"}, []),
    ("kid_of_a_key_pinned_to_another_alg", {"alg": "RS256", "kid": "rsa-ps"}, []),
    ("kid_of_a_key_pinned_to_this_alg", {"alg": "PS256", "kid": "rsa-ps"}, ["rsa-ps"]),
    ("unknown_kid", {"alg": "RS256", "kid": "gone"}, []),
    ("no_kid_rsa_fits_sig_and_unpinned", {"alg": "RS256"}, ["rsa-sig"]),
    ("no_kid_p256_only", {"alg": "ES256"}, ["ec-256"]),
    ("no_kid_p384_only", {"alg": "ES384"}, ["ec-384"]),
    ("no_kid_eddsa_skips_x25519", {"alg": "EdDSA"}, ["ed"]),
    ("no_kid_hmac_never_from_the_set", {"alg": "HS256"}, []),
    ("alg_none", {"alg": "none"}, []),
    ("alg_unknown", {"alg": "XS999"}, []),
    ("kid_not_a_string", {"alg": "RS256", "kid": 3}, []),
]


@pytest.mark.parametrize(
    ("header", "expected"),
    [row[1:] for row in SELECT_ROWS],
    ids=[row[0] for row in SELECT_ROWS],
)
def test_keys_are_chosen_by_kid_then_alg_and_use(
    header: dict[str, Any], expected: list[str]
) -> None:
    assert kids(select_keys(JWKS, header)) == expected


def test_several_keys_may_share_a_kid_and_are_told_apart_by_alg() -> None:
    rsa = RSAKey.generate_key(2048, parameters={"kid": "shared"})
    ec = ECKey.generate_key("P-256", parameters={"kid": "shared"})
    jwks = parse_jwks({"keys": public(rsa, ec)})
    assert select_keys(jwks, {"alg": "ES256", "kid": "shared"})[0].key_type == "EC"
    assert select_keys(jwks, {"alg": "RS256", "kid": "shared"})[0].key_type == "RSA"


def test_keys_are_imported_once_and_reused_across_selections() -> None:
    jwks = parse_jwks(DOC)
    first = select_keys(jwks, {"alg": "RS256", "kid": "rsa-sig"})
    again = select_keys(jwks, {"alg": "RS256", "kid": "rsa-sig"})
    assert first[0] is again[0] is jwks.keys[0]


def test_a_key_without_kid_is_not_given_an_invented_one() -> None:
    bare = RSAKey.generate_key(2048)
    jwks = parse_jwks({"keys": public(bare)})
    assert jwks.kids() == frozenset()
    assert len(select_keys(jwks, {"alg": "RS256"})) == 1
    assert select_keys(jwks, {"alg": "RS256", "kid": bare.thumbprint()}) == []


# (name, key set, header, refresh?)
REFRESH_ROWS: list[tuple[str, Any, dict[str, Any], bool]] = [
    ("known_kid", JWKS, {"alg": "RS256", "kid": "rsa-sig"}, False),
    ("unknown_kid", JWKS, {"alg": "RS256", "kid": "rotated"}, True),
    ("known_kid_that_does_not_fit", JWKS, {"alg": "ES256", "kid": "rsa-sig"}, True),
    ("no_kid_and_a_key_fits", JWKS, {"alg": "ES256"}, False),
    ("no_kid_and_nothing_fits", JWKS, {"alg": "ES512"}, True),
    ("nothing_loaded_yet", None, {"alg": "RS256"}, True),
    ("hmac_never_uses_the_set", None, {"alg": "HS256", "kid": "x"}, False),
    ("unsigned_never_uses_the_set", None, {"alg": "none"}, False),
    ("unknown_alg_cannot_be_helped", JWKS, {"alg": "XS999"}, False),
]


@pytest.mark.parametrize(
    ("jwks", "header", "expected"),
    [row[1:] for row in REFRESH_ROWS],
    ids=[row[0] for row in REFRESH_ROWS],
)
def test_a_refetch_is_asked_for_only_when_it_could_help(
    jwks: Any, header: dict[str, Any], expected: bool
) -> None:
    assert needs_refresh(jwks, header) is expected


def test_the_key_set_repr_shows_kids_not_key_material() -> None:
    secretish = OctKey.generate_key(256)
    text = repr(parse_jwks({"keys": public(RSA_SIG)}))
    assert "rsa-sig" in text
    assert str(RSA_SIG.as_dict()["n"]) not in text
    assert str(secretish.as_dict(private=True)["k"]) not in text


def test_unknown_kids_from_tokens_do_not_grow_the_selection_memo() -> None:
    jwks = parse_jwks(DOC)
    select_keys(jwks, {"alg": "RS256", "kid": "rsa-sig"})
    remembered = len(jwks._choices)
    for n in range(50):
        assert select_keys(jwks, {"alg": "RS256", "kid": f"made-up-{n}"}) == []
    assert len(jwks._choices) == remembered
