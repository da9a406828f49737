"""base64url without padding (RFC 7515 §2), the one encoder JOSE, PKCE and DPoP use."""

from __future__ import annotations

import base64

from hypothesis import given
from hypothesis import strategies as st

from grantflow._core._b64 import b64url


@given(st.binary(max_size=300))
def test_b64url_is_the_standard_url_safe_alphabet_without_padding(data: bytes) -> None:
    encoded = b64url(data)
    assert encoded == base64.urlsafe_b64encode(data).rstrip(b"=")
    assert b"=" not in encoded
    assert base64.urlsafe_b64decode(encoded + b"=" * (-len(encoded) % 4)) == data


def test_b64url_of_rfc_4648_test_vectors() -> None:
    # RFC 4648 §10, with the padding dropped.
    vectors = {b"": b"", b"f": b"Zg", b"fo": b"Zm8", b"foo": b"Zm9v", b"foob": b"Zm9vYg"}
    for data, expected in vectors.items():
        assert b64url(data) == expected
    assert b64url(b"\xfb\xff") == b"-_8"  # the two URL-safe characters
