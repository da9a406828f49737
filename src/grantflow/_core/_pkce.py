"""Proof Key for Code Exchange (RFC 7636)."""

from __future__ import annotations

import hashlib
import re

from ._b64 import b64url
from ._random import generate_token

__all__ = ["create_code_challenge", "generate_code_verifier", "is_valid_code_verifier"]

_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")


def generate_code_verifier(nbytes: int = 48) -> str:
    """A verifier of 64 characters from the unreserved alphabet (RFC 7636 §4.1)."""
    return generate_token(nbytes)


def is_valid_code_verifier(verifier: str) -> bool:
    """True when ``verifier`` is 43-128 characters from RFC 7636 §4.1's alphabet."""
    return bool(_VERIFIER.match(verifier))


def create_code_challenge(verifier: str, method: str = "S256") -> str:
    """The ``code_challenge`` for ``verifier`` (RFC 7636 §4.2)."""
    if method == "S256":
        digest = hashlib.sha256(verifier.encode("ascii")).digest()
        return b64url(digest).decode("ascii")
    if method == "plain":
        return verifier
    raise ValueError(f"unknown code_challenge_method {method!r}; use 'S256' or 'plain'")
