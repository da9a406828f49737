"""Properties of ID tokens and JWS headers (OpenID Connect Core §3.1.3.7, RFC 7515 §4):
any token, signed or not, with any header (``alg``, ``crit``, ``jku``, ``x5u``, an
embedded ``jwk``, ``kid`` tricks) and any claims, ends in claims or InvalidIDTokenError;
a token the provider did not sign never validates."""

from __future__ import annotations

import base64
import json
import warnings

import pytest
from hypothesis import given
from hypothesis import strategies as st
from joserfc import jws
from joserfc.jwk import ECKey, OctKey

from grantflow._core._id_token import IDTokenRules, validate_id_token
from grantflow._core._jwks import needs_refresh, parse_jwks, unverified_header
from grantflow.errors import InvalidIDTokenError

from ._properties import (
    any_text,
    huge_ints,
    json_values,
    numbers,
    objects_with,
    outcome,
    tricky_text,
)

NOW = 1_700_000_000
ISSUER = "https://op.example"
CLIENT = "client-1"
SECRET = "a-client-secret-of-decent-length"
PROVIDER = ECKey.generate_key("P-256", parameters={"kid": "op-1"})
ATTACKER = ECKey.generate_key("P-256", parameters={"kid": "op-1"})
JWKS = parse_jwks({"keys": [PROVIDER.as_dict(private=False)]})
KEYS = {"HS256": OctKey.import_key(SECRET), "ES256": PROVIDER}

ALGS = ["HS256", "ES256", "RS256", "none", "None", "HS512", "EdDSA", "ES256K", ""]
claim_values = st.one_of(json_values, numbers, huge_ints, st.just(NOW), st.just(CLIENT))

headers = st.fixed_dictionaries(
    {"alg": st.one_of(st.sampled_from(ALGS), json_values)},
    optional={
        "kid": st.one_of(st.just("op-1"), tricky_text, json_values),
        "crit": st.one_of(
            st.lists(st.sampled_from(["b64", "exp", "jku", "x"]), max_size=3), json_values
        ),
        "jku": st.one_of(st.just("https://evil.example/jwks"), tricky_text),
        "x5u": st.one_of(st.just("https://evil.example/cert"), tricky_text),
        "jwk": st.one_of(st.just(ATTACKER.as_dict(private=False)), json_values),
        "b64": json_values,
        "typ": json_values,
        "x5c": json_values,
    },
)
claims = st.fixed_dictionaries(
    {},
    optional={
        "iss": st.one_of(st.just(ISSUER), claim_values),
        "aud": st.one_of(st.just(CLIENT), st.just([CLIENT, "other"]), claim_values),
        "sub": st.one_of(st.just("user-1"), claim_values),
        "exp": st.one_of(st.just(NOW + 300), claim_values),
        "iat": st.one_of(st.just(NOW), claim_values),
        "nbf": claim_values,
        "nonce": claim_values,
        "azp": claim_values,
        "auth_time": claim_values,
        "at_hash": claim_values,
        "c_hash": claim_values,
    },
).flatmap(lambda c: st.just(c) | objects_with(list(c) or ["iss"]).map(lambda o: {**c, **o}))
rules = st.builds(
    IDTokenRules,
    issuer=st.just(ISSUER),
    client_id=st.just(CLIENT),
    now=st.just(NOW),
    client_secret=st.one_of(st.just(SECRET), st.none(), any_text, st.binary(max_size=16)),
    allowed_algs=st.sampled_from([("HS256",), ("ES256",), ("HS256", "ES256", "RS256")]),
    allow_none_alg=st.booleans(),
    nonce=st.one_of(st.none(), tricky_text),
    nonce_required=st.booleans(),
    max_age=st.one_of(st.none(), st.integers(-(10**6), 10**6)),
    access_token=st.one_of(st.none(), tricky_text),
    at_hash_required=st.booleans(),
    code=st.one_of(st.none(), tricky_text),
    c_hash_required=st.booleans(),
    leeway=st.integers(-(10**6), 10**6),
    previous_claims=st.one_of(
        st.none(), objects_with(["iss", "sub", "aud", "azp", "nonce", "auth_time"])
    ),
)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@st.composite
def id_tokens(draw: st.DrawFn, attacker_only: bool = False) -> tuple[str, str]:
    """A compact JWS and who signed it: the provider, the attacker, or no one.

    ``attacker_only``: ES256 tokens signed by a key the provider never published, which
    the header points at itself (an embedded ``jwk``, ``jku``, ``x5u``, the provider's kid).
    """
    header = draw(headers)
    if attacker_only:
        header.update(alg="ES256", jwk=ATTACKER.as_dict(private=False))
    payload = json.dumps(draw(claims), ensure_ascii=True).encode()
    alg = header.get("alg")
    signer = "attacker" if attacker_only else draw(st.sampled_from(["provider", "attacker", "x"]))
    try:
        if signer == "provider" and alg in KEYS:
            key = KEYS[alg]
        elif signer == "attacker" and alg == "ES256":
            key = ATTACKER
        else:
            raise ValueError
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            token = jws.serialize_compact(header, payload, key, algorithms=[alg])
        return token, signer
    except Exception:  # joserfc refuses this header: build the token by hand
        raw = json.dumps(header, ensure_ascii=True).encode()
        signature = draw(st.one_of(st.just(b""), st.binary(max_size=80)))
        return f"{b64(raw)}.{b64(payload)}.{b64(signature)}", "nobody"


compact_strings = st.one_of(
    any_text,
    st.lists(st.binary(max_size=40).map(b64), min_size=1, max_size=6).map(".".join),
    st.lists(json_values.map(lambda v: b64(json.dumps(v).encode())), min_size=3, max_size=3).map(
        ".".join
    ),
)


# joserfc warns when a (generated) client secret is short; that is the point here. The
# warning is a SecurityWarning from joserfc 1.1 on, a plain UserWarning before.
@pytest.mark.filterwarnings("ignore::UserWarning")
@given(token=id_tokens(), check=rules)
def test_any_id_token_validates_or_is_an_invalid_id_token(
    token: tuple[str, str], check: IDTokenRules
) -> None:
    raw, signer = token
    result = outcome(validate_id_token, raw, JWKS, check, documented=(InvalidIDTokenError,))
    if not isinstance(result, InvalidIDTokenError):
        assert isinstance(result, dict)
        # Only the provider's key or the client secret sign a valid token, or nothing
        # at all when unsigned tokens were allowed (the code flow with "none" registered).
        assert signer == "provider" or check.allow_none_alg
        assert result.get("iss") == ISSUER


@given(raw=st.one_of(compact_strings, id_tokens().map(lambda t: t[0])))
def test_any_compact_string_has_a_header_or_is_an_invalid_id_token(raw: str) -> None:
    header = outcome(unverified_header, raw, documented=(InvalidIDTokenError,))
    if isinstance(header, dict):
        assert needs_refresh(JWKS, header) in (True, False)
        assert needs_refresh(None, header) in (True, False)
    assert isinstance(
        outcome(
            validate_id_token,
            raw,
            JWKS,
            IDTokenRules(issuer=ISSUER, client_id=CLIENT, now=NOW),
            documented=(InvalidIDTokenError,),
        ),
        (dict, InvalidIDTokenError),
    )


@given(token=id_tokens(attacker_only=True))
def test_a_key_named_by_the_token_itself_is_never_trusted(token: tuple[str, str]) -> None:
    raw, _ = token
    strict = IDTokenRules(issuer=ISSUER, client_id=CLIENT, now=NOW, allowed_algs=("ES256",))
    assert isinstance(
        outcome(validate_id_token, raw, JWKS, strict, documented=(InvalidIDTokenError,)),
        InvalidIDTokenError,
    )
