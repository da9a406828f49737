"""ID token signatures, algorithms and the provider's keys (OIDC Core §3.1.3.7 steps 6-8, §10.1).

The provider signs with RSA, EC or the client secret, forges signatures, leaves out the
``kid``, sends unsigned tokens and rotates its keys; the session must accept exactly the
tokens its registration and the provider's metadata allow, fetch the JWK Set once, and
re-fetch it once when a ``kid`` is new.
"""

from __future__ import annotations

from typing import Any

import pytest
from joserfc.jwk import OctKey

from grantflow import InvalidIDTokenError, OAuthError

from ._mock_op import (
    OMIT,
    SUBJECT,
    MockOP,
    code_flow,
    ec_key,
    op_fixture,  # noqa: F401
    rejected,
    rp_session,
    rsa_key,
)


def _accepts(op: MockOP, **session: Any) -> dict[str, Any]:
    claims: dict[str, Any] = code_flow(rp_session(op, **session), op)["userinfo"]
    assert claims["sub"] == SUBJECT
    return claims


def _publish_ec(op: MockOP) -> None:
    op.jwks_keys = [rsa_key("rsa-1"), ec_key("ec-1")]
    op.metadata["id_token_signing_alg_values_supported"] = ["RS256", "ES256"]


# -- signatures (rp-id_token-bad-sig-*, rp-id_token-sig-*) ----------------------------------


def test_rs256_signature_from_the_published_key_is_accepted(op: MockOP) -> None:
    _accepts(op)


def test_forged_rs256_signature_is_rejected_without_a_key_set_refetch(op: MockOP) -> None:
    op.token_mint = {"forge": True}
    session = rp_session(op)
    with rejected("signature"):
        code_flow(session, op)
    assert session.token is None
    assert op.paths() == [op.oidc_discovery_path, "/token", "/jwks"]


def test_es256_id_token_is_accepted_when_the_metadata_lists_es256(op: MockOP) -> None:
    _publish_ec(op)
    op.token_mint = {"key": ec_key("ec-1")}
    _accepts(op)


def test_forged_es256_signature_is_rejected(op: MockOP) -> None:
    _publish_ec(op)
    op.token_mint = {"key": ec_key("ec-1"), "forge": True}
    session = rp_session(op)
    with rejected("signature"):
        code_flow(session, op)
    assert session.token is None


def test_es256_is_refused_when_the_provider_only_lists_rs256(op: MockOP) -> None:
    op.jwks_keys = [rsa_key("rsa-1"), ec_key("ec-1")]
    op.token_mint = {"key": ec_key("ec-1")}
    with rejected("alg"):
        code_flow(rp_session(op), op)


def test_registered_algorithm_pins_the_id_token_algorithm(op: MockOP) -> None:
    _publish_ec(op)
    # RS256 is listed by the provider, but this client registered ES256.
    with rejected("alg"):
        code_flow(rp_session(op, id_token_signed_response_alg="ES256"), op)
    op.token_mint = {"key": ec_key("ec-1")}
    _accepts(op, id_token_signed_response_alg="ES256")


def test_hs256_id_token_keyed_by_the_client_secret_is_accepted_when_registered(
    op: MockOP,
) -> None:
    op.token_mint = {"alg": "HS256"}
    claims = _accepts(op, id_token_signed_response_alg="HS256")
    assert "at_hash" in claims


def test_hs256_id_token_is_accepted_when_the_metadata_lists_hs256(op: MockOP) -> None:
    op.metadata["id_token_signing_alg_values_supported"] = ["RS256", "HS256"]
    op.token_mint = {"alg": "HS256"}
    _accepts(op)


def test_hs256_id_token_with_a_wrong_mac_is_rejected(op: MockOP) -> None:
    op.token_mint = {"alg": "HS256", "forge": True}
    session = rp_session(op, id_token_signed_response_alg="HS256")
    with rejected("signature"):
        code_flow(session, op)
    assert session.token is None


def test_hs256_id_token_is_refused_by_default(op: MockOP) -> None:
    op.token_mint = {"alg": "HS256"}
    with rejected("alg"):
        code_flow(rp_session(op), op)


def test_hs256_id_token_is_refused_for_a_private_key_jwt_client(op: MockOP) -> None:
    """With private_key_jwt there is no shared secret to key an HMAC with (OIDC Core §10.1)."""
    session = rp_session(
        op,
        client_secret=rsa_key("client-key").as_dict(private=True),
        token_endpoint_auth_method="private_key_jwt",
        id_token_signed_response_alg="HS256",
    )
    raw = op.mint(op.claims(), alg="HS256")
    with rejected("alg"):
        session.parse_id_token(raw)


# -- alg none (rp-id_token-sig-none) -------------------------------------------------------


def test_unsigned_id_token_is_rejected_by_default(op: MockOP) -> None:
    op.token_mint = {"alg": "none"}
    session = rp_session(op)
    with rejected("alg"):
        code_flow(session, op)
    assert session.token is None


def test_unsigned_id_token_is_accepted_in_the_code_flow_when_none_was_registered(
    op: MockOP,
) -> None:
    op.token_mint = {"alg": "none"}
    claims = _accepts(op, id_token_signed_response_alg="none")
    assert "at_hash" not in claims


def test_unsigned_id_token_is_rejected_in_the_implicit_flow_even_when_registered(
    op: MockOP,
) -> None:
    session = rp_session(op, id_token_signed_response_alg="none")
    url, _ = session.create_authorization_url(response_type="id_token")
    callback = op.authorize(url, mint={"alg": "none"})
    with rejected("alg"):
        session.token_from_fragment(callback.url)


def test_unsigned_id_token_is_rejected_in_the_hybrid_front_channel_even_when_registered(
    op: MockOP,
) -> None:
    session = rp_session(op, id_token_signed_response_alg="none")
    url, _ = session.create_authorization_url(response_type="code id_token")
    callback = op.authorize(url, mint={"alg": "none"})
    with rejected("alg"):
        session.fetch_token(authorization_response=callback.url)
    assert "/token" not in op.paths()


def test_none_token_with_a_signature_part_is_rejected(op: MockOP) -> None:
    session = rp_session(op, id_token_signed_response_alg="none")
    unsigned = op.mint(op.claims(), alg="none")
    assert session.parse_id_token(unsigned)["sub"] == SUBJECT
    with pytest.raises(InvalidIDTokenError):
        session.parse_id_token(unsigned + "c2lnbmF0dXJl")


# -- kid absent (rp-id_token-kid-absent-single-jwks / -multiple-jwks) ----------------------


def test_kid_absent_with_a_single_key_uses_that_key(op: MockOP) -> None:
    op.token_mint = {"header": {"kid": OMIT}}
    _accepts(op)


def test_kid_absent_with_a_single_key_without_kid_in_the_set(op: MockOP) -> None:
    op.signing_key = rsa_key(None)
    op.jwks_keys = [rsa_key(None)]
    _accepts(op)


def test_kid_absent_picks_the_only_key_that_fits_the_alg(op: MockOP) -> None:
    _publish_ec(op)
    op.token_mint = {"key": ec_key("ec-1"), "header": {"kid": OMIT}}
    _accepts(op)


def test_kid_absent_with_several_fitting_keys_tries_them_or_fails_typed(op: MockOP) -> None:
    op.jwks_keys = [rsa_key("rsa-1"), rsa_key("rsa-2")]
    op.token_mint = {"key": rsa_key("rsa-2"), "header": {"kid": OMIT}}
    session = rp_session(op)
    try:
        token = code_flow(session, op)
    except InvalidIDTokenError as err:
        assert err.claim in {"kid", "signature"}
        assert session.token is None
    else:
        assert token["userinfo"]["sub"] == SUBJECT


def test_kid_absent_forged_with_several_keys_is_a_typed_failure(op: MockOP) -> None:
    op.jwks_keys = [rsa_key("rsa-1"), rsa_key("rsa-2")]
    op.token_mint = {"header": {"kid": OMIT}, "forge": True}
    session = rp_session(op)
    with pytest.raises(InvalidIDTokenError) as info:
        code_flow(session, op)
    assert info.value.claim in {"kid", "signature"}
    assert session.token is None


def test_kid_that_is_not_a_string_is_a_typed_failure(op: MockOP) -> None:
    op.token_mint = {"header": {"kid": 42}}
    with pytest.raises(InvalidIDTokenError) as info:
        code_flow(rp_session(op), op)
    assert info.value.claim in {"kid", "signature"}


# -- the key set: cached, rotated (rp-key-rotation-op-sign-key) ------------------------------


def test_the_key_set_is_fetched_once_for_many_validations(op: MockOP) -> None:
    session = rp_session(op)
    code_flow(session, op)
    code_flow(session, op)
    session.parse_id_token(op.mint(op.claims()))
    assert op.count("/jwks") == 1
    assert op.count(op.oidc_discovery_path) == 1


def test_a_new_kid_triggers_one_key_set_refetch_and_is_accepted(op: MockOP) -> None:
    session = rp_session(op)
    code_flow(session, op)
    assert op.count("/jwks") == 1
    # The provider rotates: a new signing key, the old one withdrawn.
    op.signing_key = rsa_key("rsa-2")
    op.jwks_keys = [rsa_key("rsa-2")]
    token = code_flow(session, op)
    assert token["userinfo"]["sub"] == SUBJECT
    assert op.count("/jwks") == 2
    # The rotated set is kept: no fetch for the next token with the new kid.
    code_flow(session, op)
    assert op.count("/jwks") == 2


def test_a_kid_still_unknown_after_one_refetch_fails(op: MockOP) -> None:
    session = rp_session(op)
    code_flow(session, op)
    op.token_mint = {"key": rsa_key("rsa-unpublished")}
    with rejected("kid"):
        code_flow(session, op)
    # One re-fetch for the unknown kid, and nothing after it.
    assert op.count("/jwks") == 2
    assert op.paths()[-2:] == ["/token", "/jwks"]


def test_fetch_jwk_set_returns_the_document_and_force_refetches(op: MockOP) -> None:
    session = rp_session(op)
    document = session.fetch_jwk_set()
    assert [key["kid"] for key in document["keys"]] == ["rsa-1"]
    assert session.fetch_jwk_set() == document
    assert op.count("/jwks") == 1
    op.jwks_keys = [rsa_key("rsa-2")]
    assert [key["kid"] for key in session.fetch_jwk_set(force=True)["keys"]] == ["rsa-2"]
    assert op.count("/jwks") == 2


def test_a_key_set_that_is_not_a_jwks_is_a_typed_error(op: MockOP) -> None:
    op.jwks_document = {"not": "a key set"}
    session = rp_session(op)
    with pytest.raises(OAuthError):
        code_flow(session, op)
    assert session.token is None


def test_a_published_symmetric_key_never_verifies_an_id_token(op: MockOP) -> None:
    """An ``oct`` key at a public jwks_uri would let anyone forge HS256 tokens."""
    published = OctKey.import_key(
        "published-secret-that-anyone-can-read-0123456789", parameters={"kid": "shared"}
    )
    op.metadata["id_token_signing_alg_values_supported"] = ["RS256", "HS256"]
    op.jwks_document = {
        "keys": [rsa_key("rsa-1").as_dict(private=False), published.as_dict(private=True)]
    }
    op.token_mint = {"alg": "HS256", "key": published}
    with rejected("signature"):
        code_flow(rp_session(op), op)


def test_unknown_kid_on_a_fresh_session_fetches_the_key_set_once(op: MockOP) -> None:
    op.token_mint = {"key": rsa_key("rsa-unpublished")}
    with rejected("kid"):
        code_flow(rp_session(op), op)
    # The set fetched for this validation is new: fetching it again could not help.
    assert op.count("/jwks") == 1
    assert op.paths()[-1] == "/jwks"


def test_kid_absent_ignores_encryption_keys_in_the_set(op: MockOP) -> None:
    encryption = {**rsa_key("enc-1").as_dict(private=False), "use": "enc"}
    signing = {**rsa_key("rsa-1").as_dict(private=False), "use": "sig"}
    op.jwks_document = {"keys": [encryption, signing]}
    op.token_mint = {"header": {"kid": OMIT}}
    session = rp_session(op)
    assert code_flow(session, op)["userinfo"]["sub"] == SUBJECT
    # A token made with the encryption key verifies with no signing key.
    op.token_mint = {"key": rsa_key("enc-1"), "header": {"kid": OMIT}}
    with rejected("signature"):
        code_flow(session, op)


def test_a_key_restricted_to_another_alg_is_not_used(op: MockOP) -> None:
    op.jwks_document = {"keys": [{**rsa_key("rsa-1").as_dict(private=False), "alg": "RS512"}]}
    with pytest.raises(InvalidIDTokenError) as info:
        code_flow(rp_session(op), op)
    assert info.value.claim in {"kid", "signature"}


def test_hs256_id_token_for_a_public_client_is_a_typed_error(op: MockOP) -> None:
    session = rp_session(op, client_secret=None, id_token_signed_response_alg="HS256")
    with rejected("alg"):
        session.parse_id_token(op.mint(op.claims(), alg="HS256"))
