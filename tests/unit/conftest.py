"""Shared by the unit tests: Hypothesis settings for the property tests
(``test_properties_*.py``) and keys made once per run (RSA key generation is slow).

The suite runs a modest number of examples per property so the unit tests stay quick;
``bench/fuzz_parsers.py`` runs the same properties with a large budget. No deadline here:
the machine is shared and slow, and timing goals belong in ``bench/``. No example
database: a run leaves no files behind.
"""

from __future__ import annotations

import os

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from hypothesis import HealthCheck, settings

settings.register_profile(
    "suite",
    max_examples=int(os.environ.get("GRANTFLOW_PROPERTY_EXAMPLES", "60")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("suite")


@pytest.fixture(scope="session")
def rsa_native() -> rsa.RSAPrivateKey:
    """A 2048-bit RSA private key (``cryptography``)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def p256() -> ec.EllipticCurvePrivateKey:
    """A P-256 private key (``cryptography``)."""
    return ec.generate_private_key(ec.SECP256R1())
