"""Randomness for state, nonce and jti, and the constant-time compare used to check them."""

from __future__ import annotations

import hmac
import os

from ._b64 import b64url

__all__ = ["constant_time_equal", "generate_token"]


def generate_token(nbytes: int = 32) -> str:
    """A URL-safe random string carrying ``nbytes`` bytes (default 256 bits) of entropy.

    What ``secrets.token_urlsafe`` gives (the OS's CSPRNG, base64url), in C calls only.
    """
    return b64url(os.urandom(nbytes)).decode("ascii")


def constant_time_equal(a: str | None, b: str | None) -> bool:
    """Compare two secrets without leaking where they differ through timing.

    Any two strings compare, lone surrogates included (a JSON ``"\\ud800"`` escape
    decodes to one): "surrogatepass" encodes every string, and distinct strings apart.
    """
    if a is None or b is None:
        return False
    return hmac.compare_digest(
        a.encode("utf-8", "surrogatepass"), b.encode("utf-8", "surrogatepass")
    )
