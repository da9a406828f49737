"""Reading ``WWW-Authenticate`` (RFC 9110 §11.6.1) for the errors of RFC 6750 §3."""

from __future__ import annotations

import pytest

from grantflow._core._challenge import is_invalid_token_challenge, parse_challenges


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("", []),
        ("Bearer", [("bearer", {})]),
        ('Bearer realm="api"', [("bearer", {"realm": "api"})]),
        (
            'Bearer realm="a, b", error="invalid_token", error_description="say \\"no\\""',
            [
                (
                    "bearer",
                    {"realm": "a, b", "error": "invalid_token", "error_description": 'say "no"'},
                )
            ],
        ),
        (
            'Basic realm="x", Bearer error=insufficient_scope, DPoP algs="ES256 PS256"',
            [
                ("basic", {"realm": "x"}),
                ("bearer", {"error": "insufficient_scope"}),
                ("dpop", {"algs": "ES256 PS256"}),
            ],
        ),
        ("Basic, Bearer error=x", [("basic", {}), ("bearer", {"error": "x"})]),
        ("BEARER Error = invalid_token", [("bearer", {"error": "invalid_token"})]),
        ("Bearer error=first, error=second", [("bearer", {"error": "first"})]),
        ('error="orphan", Bearer realm="r"', [("bearer", {"realm": "r"})]),
    ],
)
def test_challenges_and_their_parameters_are_read_in_order(
    header: str, expected: list[tuple[str, dict[str, str]]]
) -> None:
    assert parse_challenges(header) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ('Bearer error="invalid_token"', True),
        ('DPoP algs="ES256", error="invalid_token"', True),
        ('Basic realm="x", Bearer error="invalid_token"', True),
        ('Bearer realm="invalid_token"', False),
        ('Basic error="invalid_token"', False),
        ('Bearer error="invalid_token_type"', False),
        ('Bearer error_description="invalid_token", error="invalid_request"', False),
        ("garbage ,,, = ", False),
        # An unterminated quoted-string is no value at all.
        ('Bearer error="invalid_token', False),
    ],
)
def test_only_a_bearer_or_dpop_invalid_token_error_counts(header: str, expected: bool) -> None:
    assert is_invalid_token_challenge(header) is expected
