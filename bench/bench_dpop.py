"""Cost of a DPoP proof (RFC 9449 §4.2) against signing the same claims directly, ES256.

Times, in one run, interleaved round by round:

- ``grantflow``: ``DPoPKey.proof(method, url)`` as for a token request, and with
  ``access_token`` as for a resource request (adds ``ath``, a SHA-256);
- ``joserfc``: ``joserfc.jwt.encode`` of the same header (``typ``, ``alg``, ``jwk``) and
  claims, prepared once, with a registry built once (the ratios' base);
- ``cryptography``: the same compact JWS assembled by hand over cryptography primitives,
  the header encoded once (here only, as a floor).

Then the per-request overhead of a DPoP session over a Bearer session beyond that
signature: the same GET through an ``OAuth2Session`` (requests, an in-process adapter)
and an ``OAuth2Client`` (httpx, a mock transport), once with a Bearer token and once
with a DPoP token and key; the overhead is, round by round, DPoP minus Bearer minus
one resource proof, and its median is reported (goal: at most +5 µs).

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
    main_sessions(rounds, number // 3)


def session_cases() -> tuple[
    Callable[[], object], dict[str, tuple[Callable[[], object], Callable[[], object]]]
]:
    """The proof alone, and per driver a (Bearer request, DPoP request) pair."""
    import httpx
    from bench_request_overhead import mounted

    from grantflow import OAuth2Session
    from grantflow.httpx import OAuth2Client

    key = DPoPKey.generate()
    expires_at = int(time.time()) + 86_400
    bearer = {"access_token": ACCESS_TOKEN, "token_type": "Bearer", "expires_at": expires_at}
    bound = {**bearer, "token_type": "DPoP"}
    api = "https://api.example/resource"

    def ok(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200)

    transport = httpx.MockTransport(ok)
    pairs: dict[str, tuple[Callable[[], object], Callable[[], object]]] = {
        "requests OAuth2Session": (
            _getter(mounted(OAuth2Session("c", "s", token=bearer)), api),
            _getter(mounted(OAuth2Session("c", "s", token=bound, dpop=key)), api),
        ),
        "httpx OAuth2Client": (
            _getter(OAuth2Client("c", "s", token=bearer, transport=transport), api),
            _getter(OAuth2Client("c", "s", token=bound, dpop=key, transport=transport), api),
        ),
    }
    return (lambda: key.proof("GET", api, access_token=ACCESS_TOKEN)), pairs


def _getter(client: object, url: str) -> Callable[[], object]:
    get = client.get  # type: ignore[attr-defined]
    return lambda: get(url)


def main_sessions(rounds: int, number: int) -> None:
    proof, pairs = session_cases()
    print(f"\nMedians of {rounds} interleaved rounds of {number} GETs (in-process transports):\n")
    print("| driver | Bearer µs | DPoP µs | proof µs | DPoP - Bearer - proof µs |")
    print("|---|---:|---:|---:|---:|")
    for label, (plain, dpop) in pairs.items():
        rows: dict[str, list[float]] = {"plain": [], "dpop": [], "proof": []}
        for _ in range(rounds):
            rows["plain"].append(measure(plain, number, 1))
            rows["dpop"].append(measure(dpop, number, 1))
            rows["proof"].append(measure(proof, number, 1))
        extra = [
            d - p - s for d, p, s in zip(rows["dpop"], rows["plain"], rows["proof"], strict=True)
        ]
        medians = {name: statistics.median(values) for name, values in rows.items()}
        print(
            f"| {label} | {medians['plain']:.1f} | {medians['dpop']:.1f} | "
            f"{medians['proof']:.1f} | {statistics.median(extra):+.1f} |"
        )


if __name__ == "__main__":
    main()
