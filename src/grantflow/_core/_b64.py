"""base64url without padding (RFC 7515 §2, RFC 7636 §3), in C calls only.

JOSE, PKCE and the random values all use it; a DPoP proof encodes three values per
request, so it avoids ``base64``'s Python wrappers.
"""

from __future__ import annotations

import binascii

__all__ = ["b64url"]

_URL_SAFE = bytes.maketrans(b"+/", b"-_")


def b64url(data: bytes) -> bytes:
    """``data`` in base64url, without ``=`` padding."""
    # "=" appears in base64 only as padding, and the newline only at the end: translate
    # drops both in the same pass (no keyword argument to parse, on every DPoP proof).
    return binascii.b2a_base64(data).translate(_URL_SAFE, b"=\n")
