"""Parameter encoding, PKCE (RFC 7636) and the randomness behind state, nonce and jti."""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest

from grantflow._core._params import (
    add_params_to_body,
    add_params_to_uri,
    flatten_params,
    scope_to_str,
)
from grantflow._core._pkce import (
    create_code_challenge,
    generate_code_verifier,
    is_valid_code_verifier,
)
from grantflow._core._random import constant_time_equal, generate_token

UNRESERVED = re.compile(r"^[A-Za-z0-9\-._~]+$")
URL_SAFE = re.compile(r"^[A-Za-z0-9\-_]+$")

# (name, scope, wire form)
SCOPE_ROWS: list[tuple[str, Any, str | None]] = [
    ("none", None, None),
    ("string_kept_as_is", "openid profile", "openid profile"),
    ("list_joined_with_spaces", ["openid", "email"], "openid email"),
    ("tuple_joined_with_spaces", ("a", "b", "c"), "a b c"),
    ("single_item_list", ["read"], "read"),
    ("empty_list", [], ""),
]


@pytest.mark.parametrize(
    ("scope", "expected"), [r[1:] for r in SCOPE_ROWS], ids=[r[0] for r in SCOPE_ROWS]
)
def test_scope_is_sent_space_joined(scope: Any, expected: str | None) -> None:
    assert scope_to_str(scope) == expected


def test_scope_set_is_space_joined_with_every_item_once() -> None:
    wire = scope_to_str({"write", "read", "openid"})
    assert wire is not None
    assert sorted(wire.split(" ")) == ["openid", "read", "write"]


def test_flatten_drops_none_and_repeats_lists() -> None:
    pairs = flatten_params({"a": "1", "b": None, "c": ["x", "y"], "d": 5, "e": True})
    assert pairs == [("a", "1"), ("c", "x"), ("c", "y"), ("d", "5"), ("e", "true")]


def test_add_params_to_uri_keeps_existing_query_and_fragment() -> None:
    uri = add_params_to_uri("https://as.example/auth?tenant=t1#frag", [("state", "s 1&2")])
    parts = urlsplit(uri)
    assert parse_qs(parts.query) == {"tenant": ["t1"], "state": ["s 1&2"]}
    assert parts.fragment == "frag"
    assert parts.path == "/auth"


def test_add_params_to_body_encodes_and_appends() -> None:
    body = add_params_to_body("grant_type=x", [("secret", "a&b=c+d é")])
    assert parse_qsl(body) == [("grant_type", "x"), ("secret", "a&b=c+d é")]
    assert add_params_to_body("", [("a", "1")]) == "a=1"
    assert add_params_to_body("a=1", []) == "a=1"


# RFC 7636 Appendix B.
RFC7636_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
RFC7636_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_s256_challenge_matches_rfc_7636_appendix_b() -> None:
    assert create_code_challenge(RFC7636_VERIFIER, "S256") == RFC7636_CHALLENGE


def test_s256_is_the_default_method() -> None:
    assert create_code_challenge(RFC7636_VERIFIER) == RFC7636_CHALLENGE


def test_plain_challenge_is_the_verifier() -> None:
    assert create_code_challenge(RFC7636_VERIFIER, "plain") == RFC7636_VERIFIER


def test_unknown_challenge_method_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="S256"):
        create_code_challenge(RFC7636_VERIFIER, "S512")


def test_generated_verifier_is_43_to_128_unreserved_characters() -> None:
    for _ in range(50):
        verifier = generate_code_verifier()
        assert 43 <= len(verifier) <= 128
        assert UNRESERVED.match(verifier)
        assert is_valid_code_verifier(verifier)


def test_generated_verifiers_differ() -> None:
    assert len({generate_code_verifier() for _ in range(100)}) == 100


def test_challenge_of_a_generated_verifier_is_its_unpadded_sha256() -> None:
    verifier = generate_code_verifier()
    digest = hashlib.sha256(verifier.encode()).digest()
    expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert create_code_challenge(verifier) == expected
    assert "=" not in create_code_challenge(verifier)


# (name, verifier, valid)
VERIFIER_ROWS: list[tuple[str, str, bool]] = [
    ("rfc_example", RFC7636_VERIFIER, True),
    ("exactly_43", "a" * 43, True),
    ("exactly_128", "a" * 128, True),
    ("too_short", "a" * 42, False),
    ("too_long", "a" * 129, False),
    ("all_unreserved_marks", "-._~" * 11, True),
    ("plus_is_not_allowed", "a" * 42 + "+", False),
    ("slash_is_not_allowed", "a" * 42 + "/", False),
    ("padding_is_not_allowed", "a" * 42 + "=", False),
    ("space_is_not_allowed", "a" * 42 + " ", False),
]


@pytest.mark.parametrize(
    ("verifier", "valid"), [r[1:] for r in VERIFIER_ROWS], ids=[r[0] for r in VERIFIER_ROWS]
)
def test_verifier_validity_follows_rfc_7636_section_4_1(verifier: str, valid: bool) -> None:
    assert is_valid_code_verifier(verifier) is valid


def test_generated_tokens_carry_at_least_128_bits() -> None:
    for _ in range(50):
        token = generate_token()
        assert len(token) >= 22
        assert URL_SAFE.match(token)


def test_generated_tokens_differ() -> None:
    assert len({generate_token() for _ in range(200)}) == 200


# (name, a, b, equal)
COMPARE_ROWS: list[tuple[str, str | None, str | None, bool]] = [
    ("same", "abc", "abc", True),
    ("different", "abc", "abd", False),
    ("prefix", "abc", "abcd", False),
    ("left_none", None, "abc", False),
    ("right_none", "abc", None, False),
    ("both_none", None, None, False),
    ("empty_vs_value", "", "abc", False),
    ("non_ascii_same", "é", "é", True),
]


@pytest.mark.parametrize(
    ("a", "b", "equal"), [r[1:] for r in COMPARE_ROWS], ids=[r[0] for r in COMPARE_ROWS]
)
def test_constant_time_compare(a: str | None, b: str | None, equal: bool) -> None:
    assert constant_time_equal(a, b) is equal
