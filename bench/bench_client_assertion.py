"""Cost of JWT client authentication (RFC 7523 §2.2) against signing the same claims directly.

For HS256, RS256 and ES256 this times, in one run:

- ``grantflow``: the whole ``ClientSecretJWT`` / ``PrivateKeyJWT`` step (claims, sign,
  form body), with the key given as an object and, for RS/ES, as a PEM string;
- ``joserfc``: ``joserfc.jwt.encode`` of prepared claims with a prepared key, as usually
  called (``algorithms=[alg]``) and with a registry built once (the ratios' base);
- ``cryptography``: the same JWS assembled by hand over cryptography primitives (here
  only, as a floor).

Run ``python bench/bench_client_assertion.py`` (``--quick`` for a short run). Prints
median microseconds per operation and the ratios.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from joserfc import jwt
from joserfc.jwk import ECKey, OctKey, RSAKey
from joserfc.jws import JWSRegistry

from grantflow._core._jwt_auth import ClientSecretJWT, PrivateKeyJWT

ENDPOINT = "https://as.example/oauth/token"
HMAC_SECRET = "s3cr3t-value-for-hmac-of-32bytes"
BODY = "grant_type=client_credentials&scope=read"


@dataclass
class Client:
    client_id: str
    client_secret: Any


def _b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def _claims() -> dict[str, Any]:
    now = int(time.time())
    return {
        "iss": "client-1",
        "sub": "client-1",
        "aud": ENDPOINT,
        "iat": now,
        "exp": now + 3600,
        "jti": "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0",
    }


def _hand_jws(alg: str, claims: dict[str, Any], sign: Callable[[bytes], bytes]) -> str:
    header = _b64(json.dumps({"alg": alg, "typ": "JWT"}, separators=(",", ":")).encode())
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = header + b"." + payload
    return (signing_input + b"." + _b64(sign(signing_input))).decode("ascii")


def _hs256_signer(secret: bytes) -> Callable[[bytes], bytes]:
    return lambda data: hmac.new(secret, data, hashlib.sha256).digest()


def _rs256_signer(native: rsa.RSAPrivateKey) -> Callable[[bytes], bytes]:
    return lambda data: native.sign(data, padding.PKCS1v15(), hashes.SHA256())


def _es256_signer(native: ec.EllipticCurvePrivateKey) -> Callable[[bytes], bytes]:
    def sign(data: bytes) -> bytes:
        r, s = decode_dss_signature(native.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    return sign


def _pem(native: Any) -> str:
    raw = native.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return str(raw.decode("ascii"))


def cases(alg: str) -> dict[str, Callable[[], object]]:
    """The operations timed for one algorithm, by row label."""
    claims = _claims()
    if alg == "HS256":
        secret = HMAC_SECRET.encode()
        auth: ClientSecretJWT | PrivateKeyJWT = ClientSecretJWT(ENDPOINT)
        obj_client = Client("client-1", OctKey.import_key(secret))
        text_client = Client("client-1", HMAC_SECRET)
        jose_key: Any = OctKey.import_key(secret)
        signer = _hs256_signer(secret)
    else:
        native: Any
        if alg == "RS256":
            native = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            jose_key = RSAKey.import_key(native)
            signer = _rs256_signer(native)
        else:
            native = ec.generate_private_key(ec.SECP256R1())
            jose_key = ECKey.import_key(native)
            signer = _es256_signer(native)
        auth = PrivateKeyJWT(ENDPOINT, alg=alg)
        obj_client = Client("client-1", native)
        text_client = Client("client-1", _pem(native))
    text_label = "secret str" if alg == "HS256" else "PEM str"
    registry = JWSRegistry(algorithms=[alg])
    return {
        "grantflow (key object)": lambda: auth(obj_client, "POST", ENDPOINT, {}, BODY),
        f"grantflow ({text_label})": lambda: auth(text_client, "POST", ENDPOINT, {}, BODY),
        "joserfc jwt.encode": lambda: jwt.encode({"alg": alg}, claims, jose_key, algorithms=[alg]),
        "joserfc jwt.encode, prepared registry": lambda: jwt.encode(
            {"alg": alg}, claims, jose_key, registry=registry
        ),
        "cryptography by hand": lambda: _hand_jws(alg, claims, signer),
    }


def measure(op: Callable[[], object], number: int, repeats: int) -> float:
    """Median microseconds per call over ``repeats`` runs of ``number`` calls."""
    for _ in range(max(1, number // 10)):
        op()  # warm up: caches, first-use imports
    runs = []
    for _ in range(repeats):
        start = time.perf_counter_ns()
        for _ in range(number):
            op()
        runs.append((time.perf_counter_ns() - start) / number / 1000)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run")
    args = parser.parse_args()
    repeats = 3 if args.quick else 9
    numbers = {"HS256": 20_000, "RS256": 300, "ES256": 3_000}
    if args.quick:
        numbers = {alg: max(30, n // 20) for alg, n in numbers.items()}

    print("| alg | operation | median µs/op | vs joserfc (prepared registry) |")
    print("|---|---|---:|---:|")
    for alg, number in numbers.items():
        ops = cases(alg)
        # Interleave the rows round by round so drift on a shared machine hits all alike.
        samples: dict[str, list[float]] = {label: [] for label in ops}
        for _ in range(repeats):
            for label, op in ops.items():
                samples[label].append(measure(op, number, 1))
        medians = {label: statistics.median(values) for label, values in samples.items()}
        base = medians["joserfc jwt.encode, prepared registry"]
        for label, value in medians.items():
            print(f"| {alg} | {label} | {value:.1f} | {value / base:.2f}x |")
        labels = list(medians)
        print(
            f"| {alg} | text key / key object | | {medians[labels[1]] / medians[labels[0]]:.2f}x |"
        )


if __name__ == "__main__":
    main()
