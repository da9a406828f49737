"""Properties of JWK Sets (RFC 7517 §5), discovery documents (OpenID Discovery §4, RFC 8414
§3) and UserInfo responses (OpenID Connect Core §5.3): any document a provider publishes
ends in keys, metadata or claims, or in an OAuthError."""

from __future__ import annotations

import warnings
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from joserfc.jwk import ECKey, OKPKey, RSAKey

from grantflow._core._http import HttpResponse
from grantflow._core._jwks import JWKSet, needs_refresh, parse_jwks, select_keys
from grantflow._core._metadata import ENDPOINT_NAMES, signing_algs, validate_metadata
from grantflow._core._responses import parse_json_object
from grantflow._core._userinfo import UserInfoRules, parse_userinfo_response
from grantflow.errors import OAuthError

from ._properties import (
    bodies,
    content_types,
    json_values,
    objects_with,
    outcome,
    statuses,
    tricky_text,
)

REAL_KEYS = [
    RSAKey.generate_key(2048, parameters={"kid": "rsa"}).as_dict(private=False),
    ECKey.generate_key("P-256", parameters={"kid": "ec"}).as_dict(private=False),
    OKPKey.generate_key("Ed25519", parameters={"kid": "ed"}).as_dict(private=False),
]
JWK_MEMBERS = ["kty", "kid", "use", "alg", "key_ops", "crv", "x", "y", "n", "e", "d", "k", "x5c"]

jwks = st.one_of(
    st.sampled_from(REAL_KEYS),
    objects_with(JWK_MEMBERS),
    # A real key with members changed: wrong kty, wrong curve, odd use or key_ops.
    st.tuples(st.sampled_from(REAL_KEYS), objects_with(JWK_MEMBERS)).map(
        lambda p: {**p[0], **p[1]}
    ),
)
key_set_documents = st.one_of(
    st.fixed_dictionaries({"keys": st.lists(jwks, max_size=5)}),
    st.fixed_dictionaries({"keys": json_values}),
    objects_with(["keys"]),
    json_values,
)
jws_headers = objects_with(
    ["alg", "kid", "use", "typ"],
    st.one_of(
        tricky_text,
        json_values,
        st.sampled_from(["RS256", "ES256", "EdDSA", "HS256", "none", "rsa", "ec", "ed"]),
    ),
)
METADATA_MEMBERS = [
    "issuer",
    *ENDPOINT_NAMES,
    "id_token_signing_alg_values_supported",
    "authorization_response_iss_parameter_supported",
    "mtls_endpoint_aliases",
]
discovery_documents = st.one_of(
    objects_with(METADATA_MEMBERS),
    objects_with(METADATA_MEMBERS, tricky_text).map(
        lambda d: {**d, "issuer": "https://op.example"}
    ),
)


@given(doc=key_set_documents, header=jws_headers)
def test_any_key_set_document_parses_to_keys_that_can_be_chosen_or_is_an_oauth_error(
    doc: Any, header: dict[str, Any]
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        key_set = outcome(parse_jwks, doc)
    if isinstance(key_set, OAuthError):
        return
    assert isinstance(key_set, JWKSet)
    assert all(not key.is_private for key in key_set.keys)
    chosen = outcome(select_keys, key_set, header)
    assert isinstance(chosen, list)
    assert needs_refresh(key_set, header) in (True, False)


@given(
    doc=discovery_documents,
    url=st.one_of(st.just("https://op.example/.well-known/openid-configuration"), tricky_text),
    expected=st.one_of(st.none(), st.just("https://op.example"), tricky_text),
)
def test_any_discovery_document_is_trusted_metadata_or_an_oauth_error(
    doc: dict[str, Any], url: str, expected: str | None
) -> None:
    result = outcome(validate_metadata, doc, url=url, expected_issuer=expected)
    if isinstance(result, OAuthError):
        return
    assert isinstance(result["issuer"], str) and result["issuer"]
    assert not expected or result["issuer"] == expected  # "" counts as no issuer given
    assert all(isinstance(result[n], str) for n in ENDPOINT_NAMES if result.get(n) is not None)
    algs = signing_algs(None, result.get("id_token_signing_alg_values_supported"))
    assert algs and all(isinstance(a, str) and a != "none" for a in algs)


@given(
    status=statuses,
    content_type=content_types,
    body=bodies(objects_with(["keys", "issuer", "sub", "error", *ENDPOINT_NAMES])),
    what=st.sampled_from(["discovery endpoint", "jwks_uri", "introspection endpoint"]),
)
def test_any_json_endpoint_answer_is_an_object_or_an_oauth_error(
    status: int, content_type: str | None, body: bytes, what: str
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    result = outcome(parse_json_object, HttpResponse(status, headers, body), what)
    if not isinstance(result, OAuthError):
        assert isinstance(result, dict) and 200 <= status < 300


@given(
    status=statuses,
    content_type=content_types,
    body=bodies(objects_with(["sub", "iss", "aud", "error", "name"])),
    challenge=st.one_of(st.none(), tricky_text, st.just('Bearer error="invalid_token"')),
    expected_sub=st.one_of(st.none(), tricky_text),
)
def test_any_userinfo_answer_is_claims_or_an_oauth_error(
    status: int,
    content_type: str | None,
    body: bytes,
    challenge: str | None,
    expected_sub: str | None,
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    if challenge is not None:
        headers["WWW-Authenticate"] = challenge
    rules = UserInfoRules(issuer="https://op.example", client_id="client-1")
    result = outcome(
        parse_userinfo_response,
        HttpResponse(status, headers, body),
        expected_sub=expected_sub,
        jwks=None,
        rules=rules,
    )
    if not isinstance(result, OAuthError):
        assert isinstance(result.get("sub"), str)
        assert expected_sub is None or result["sub"] == expected_sub
