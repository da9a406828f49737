"""Which algorithms a signed ID token or UserInfo response may use (OIDC Core §3.1.3.7)."""

from __future__ import annotations

import pytest

from grantflow._core._metadata import signing_algs


@pytest.mark.parametrize(
    ("registered", "listed", "expected"),
    [
        ("ES256", ["RS256", "PS256"], ("ES256",)),
        ("none", ["RS256"], ("none",)),
        (None, ["RS256", "none", "ES256"], ("RS256", "ES256")),
        (None, ("PS256",), ("PS256",)),
        (None, ["none"], ("RS256",)),
        (None, [], ("RS256",)),
        (None, None, ("RS256",)),
        (None, "RS256", ("RS256",)),
        ("", ["ES256"], ("ES256",)),
    ],
)
def test_registered_then_listed_without_none_then_rs256(
    registered: object, listed: object, expected: tuple[str, ...]
) -> None:
    assert signing_algs(registered, listed) == expected


def test_the_default_is_the_callers_when_nothing_is_listed() -> None:
    assert signing_algs(None, ["none"], default=("ES256", "EdDSA")) == ("ES256", "EdDSA")
