"""Keys shared by the unit tests, made once per run (RSA key generation is slow)."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa


@pytest.fixture(scope="session")
def rsa_native() -> rsa.RSAPrivateKey:
    """A 2048-bit RSA private key (``cryptography``)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def p256() -> ec.EllipticCurvePrivateKey:
    """A P-256 private key (``cryptography``)."""
    return ec.generate_private_key(ec.SECP256R1())
