"""Cost of a DPoP proof (RFC 9449 §4.2) against signing the same claims directly, ES256.

Times, in one run, interleaved round by round:

- ``grantflow``: ``DPoPKey.proof(method, url)`` as for a token request, and with
  ``access_token`` as for a resource request (adds ``ath``, a SHA-256);
- ``joserfc``: ``joserfc.jwt.encode`` of the same header (``typ``, ``alg``, ``jwk``) and
  claims, prepared once, with a registry built once (the ratios' base);
- ``cryptography``: the same compact JWS assembled by hand over cryptography primitives,
  the header encoded once (here only, as a floor).

Run ``python bench/bench_dpop.py`` (``--quick`` for a short run). Prints median
microseconds per proof and the ratios as a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable

from bench_client_assertion import _b64, _es256_signer, measure
from cryptography.hazmat.primitives.asymmetric import ec
from joserfc import jwt
from joserfc.jwk import ECKey
from joserfc.jws import JWSRegistry

from grantflow import DPoPKey

URL = "https://as.example/oauth/token?ignored=1"
HTU = "https://as.example/oauth/token"
ACCESS_TOKEN = "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"
BASE = "joserfc jwt.encode, prepared registry"


def cases() -> dict[str, Callable[[], object]]:
    """The operations timed, by row label."""
    native = ec.generate_private_key(ec.SECP256R1())
    key = DPoPKey(native)
    jose_key = ECKey.import_key(native)
    header = {"typ": "dpop+jwt", "alg": "ES256", "jwk": key.public_jwk}
    claims = {
        "jti": "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0",
        "htm": "POST",
        "htu": HTU,
        "iat": int(time.time()),
    }
    registry = JWSRegistry(algorithms=["ES256"])
    sign = _es256_signer(native)
    header_segment = _b64(json.dumps(header, separators=(",", ":")).encode())

    def by_hand() -> str:
        payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
        signing_input = header_segment + b"." + payload
        return (signing_input + b"." + _b64(sign(signing_input))).decode("ascii")

    return {
        "grantflow DPoPKey.proof (token request)": lambda: key.proof("POST", URL),
        "grantflow DPoPKey.proof (resource, with ath)": lambda: key.proof(
            "GET", URL, access_token=ACCESS_TOKEN
        ),
        BASE: lambda: jwt.encode(header, claims, jose_key, registry=registry),
        "cryptography by hand": by_hand,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run")
    args = parser.parse_args()
    rounds, number = (3, 300) if args.quick else (15, 3_000)

    ops = cases()
    # Interleave the rows round by round so drift on a shared machine hits all alike.
    samples: dict[str, list[float]] = {label: [] for label in ops}
    for _ in range(rounds):
        for label, op in ops.items():
            samples[label].append(measure(op, number, 1))
    medians = {label: statistics.median(values) for label, values in samples.items()}
    base = medians[BASE]
    print(f"Medians of {rounds} interleaved rounds of {number} proofs, ES256:\n")
    print("| operation | median µs/proof | vs joserfc (prepared registry) |")
    print("|---|---:|---:|")
    for label, value in medians.items():
        print(f"| {label} | {value:.1f} | {value / base:.2f}x |")


if __name__ == "__main__":
    main()
