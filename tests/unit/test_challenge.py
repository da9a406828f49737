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


def _parse_in_child(header_expr: str) -> None:
    """Parse a header built by ``header_expr`` in a child process, which a watchdog ends.

    Not a timing goal: the watchdog only tells a hang (the quadratic parser took minutes
    on these inputs) from an answer; a correct parser needs a few milliseconds.
    """
    import subprocess
    import sys

    code = (
        "from grantflow._core._challenge import parse_challenges\n"
        f"header = {header_expr}\n"
        "parse_challenges(header, max_length=None)\n"
    )
    try:
        subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail(f"parsing {header_expr} did not finish: the parser is not linear")


HOSTILE_HEADERS = [
    # A long token that neither "=" nor a separator follows (one failed match per char).
    "'Bearer ' + 'a' * 200_000 + '\"'",
    # Line breaks are whitespace to the regex but not separators to the scanner.
    "'\\n' * 200_000 + 'x'",
    # Escaped quotes that never close a quoted-string.
    "'Bearer x=' + '\"\\\\' * 100_000",
    "'Bearer ' + 'a=\"\\\\' * 50_000",
]


@pytest.mark.parametrize("header_expr", HOSTILE_HEADERS)
def test_hostile_200_kb_headers_are_parsed_in_linear_time(header_expr: str) -> None:
    _parse_in_child(header_expr)


def test_a_header_longer_than_the_cap_yields_no_challenge() -> None:
    from grantflow._core._challenge import MAX_CHALLENGE_LENGTH

    tail = ', realm="' + "r" * MAX_CHALLENGE_LENGTH + '"'
    header = 'Bearer error="invalid_token"' + tail
    assert parse_challenges(header) == []
    assert is_invalid_token_challenge(header) is False
    # Just under the cap it is read as usual.
    fits = 'Bearer error="invalid_token", realm="' + "r" * (MAX_CHALLENGE_LENGTH - 40) + '"'
    assert len(fits) <= MAX_CHALLENGE_LENGTH
    assert is_invalid_token_challenge(fits) is True


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        # An unterminated quoted-string gives its parameter no value, and what follows it
        # is part of the unterminated string.
        ('Bearer realm="r", error="invalid_token', [("bearer", {"realm": "r"})]),
        ('Bearer error="a\\', [("bearer", {})]),
        ("Bearer\nerror=invalid_token", [("bearer", {"error": "invalid_token"})]),
        ('Bearer error = "x" , Basic', [("bearer", {"error": "x"}), ("basic", {})]),
        ("Negotiate abc==", [("negotiate", {"abc": "="})]),
        ('="x", Bearer error=y', [("bearer", {"error": "y"})]),
        ("Bearer error=", [("bearer", {"error": ""})]),
        ("\x00Bearer", [("bearer", {})]),
    ],
)
def test_malformed_parts_are_skipped_and_the_rest_is_read(
    header: str, expected: list[tuple[str, dict[str, str]]]
) -> None:
    assert parse_challenges(header) == expected
