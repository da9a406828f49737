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
and an ``OAuth2Client`` (httpx, a mock transport), with a Bearer token, with a DPoP token
and key, and with a DPoP token and a key whose ES256 signature is replaced by a constant
64 bytes (everything else of the proof still runs: ``jti``, ``htu``, ``ath``, JSON,
base64url, the headers, the nonce check). Round by round: DPoP minus Bearer minus one
proof timed alone (the first way this was measured), and the constant-signature session
minus Bearer: the work a DPoP session adds beyond the signature (goal: at most +5 µs).
DPoP minus the constant-signature session is what the signature costs inside a request.
Then what a first proof costs in a request against further ones, and httpx's own cost of
a DPoP header, set through ``httpx.Headers`` and appended to the private list behind it.

Run ``python bench/bench_dpop.py`` (``--quick`` for a short run). Prints median
microseconds per proof and the ratios as a Markdown table.
"""

from __future__ import annotations

import argparse
import functools
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

from bench_client_assertion import _b64, _es256_signer, measure
from cryptography.hazmat.primitives.asymmetric import ec
from joserfc import jwt
from joserfc.jwk import ECKey
from joserfc.jws import JWSRegistry

from grantflow import DPoPKey

URL = "https://as.example/oauth/token?ignored=1"
HTU = "https://as.example/oauth/token"
API = "https://api.example/resource"
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
    main_first_touch(rounds, number // 3)
    main_httpx_floor(rounds, number // 3)


class _ConstantSignature:
    """Stands in for the ES256 algorithm: the same 64-byte signature for any input."""

    def __init__(self, signature: bytes) -> None:
        self._signature = signature

    def sign(self, signing_input: bytes, key: object) -> bytes:
        return self._signature


class _MadeAhead(DPoPKey):
    """A key whose every proof is one made ahead: a session's own DPoP work, no proof's."""

    __slots__ = ("_made",)
    _made: str

    def proof(
        self, method: str, url: str, access_token: str | None = None, nonce: str | None = None
    ) -> str:
        return self._made


class _Repeating(_MadeAhead):
    """A key that makes ``times`` proofs with a constant-signature key for each request
    and sends one made ahead: what each further proof in the same request costs."""

    __slots__ = ("_unsigned", "times")
    _unsigned: DPoPKey
    times: int

    def proof(
        self, method: str, url: str, access_token: str | None = None, nonce: str | None = None
    ) -> str:
        make = self._unsigned.proof
        for _ in range(self.times):
            make(method, url, access_token, nonce)
        return self._made


def _prepared_keys() -> tuple[DPoPKey, DPoPKey, str]:
    """An ES256 key, a key whose signature is a constant, and a proof made ahead for a
    resource request to :data:`API`."""
    key = DPoPKey.generate()
    unsigned = DPoPKey.generate()
    # DPoPKey is read-only to its users; the benchmark swaps the algorithm underneath.
    object.__setattr__(unsigned, "_algorithm", _ConstantSignature(bytes(64)))
    return key, unsigned, key.proof("GET", API, access_token=ACCESS_TOKEN)


def _bare_auths(made: str) -> tuple[object, ...]:
    """The transports' own cost of a DPoP request: a minimal requests auth and httpx
    auth that put a Bearer header, or a DPoP header and a proof made ahead and look for
    a DPoP-Nonce in the response, as any DPoP client must."""
    import httpx

    from grantflow._requests._retry import has_header

    def bearer(r: Any) -> Any:
        r.headers["Authorization"] = "Bearer " + ACCESS_TOKEN
        return r

    def dpop(r: Any) -> Any:
        r.headers["Authorization"] = "DPoP " + ACCESS_TOKEN
        r.headers["DPoP"] = made
        return r

    class HttpxBearer(httpx.Auth):
        def auth_flow(self, request: httpx.Request) -> Any:
            request.headers["Authorization"] = "Bearer " + ACCESS_TOKEN
            yield request

    class HttpxDPoP(httpx.Auth):
        def auth_flow(self, request: httpx.Request) -> Any:
            request.headers["Authorization"] = "DPoP " + ACCESS_TOKEN
            request.headers["DPoP"] = made
            response = yield request
            _ = "DPoP-Nonce" in response.headers

    return bearer, dpop, has_header, HttpxBearer(), HttpxDPoP()


def session_cases() -> tuple[Callable[[], object], dict[str, dict[str, Callable[[], object]]]]:
    """The proof alone, and per driver a GET with a Bearer token, with a DPoP token,
    with a DPoP token whose signature is a constant, with a DPoP token whose proof is
    made ahead, and the same GET through the bare transport with a minimal Bearer and
    DPoP auth."""
    import httpx
    import requests
    from bench_request_overhead import mounted

    from grantflow import OAuth2Session
    from grantflow.httpx import OAuth2Client

    key, unsigned, made = _prepared_keys()
    api = API
    ahead = _MadeAhead(key.private_jwk())
    object.__setattr__(ahead, "_made", made)
    expires_at = int(time.time()) + 86_400
    bearer = {"access_token": ACCESS_TOKEN, "token_type": "Bearer", "expires_at": expires_at}
    bound = {**bearer, "token_type": "DPoP"}
    bare_bearer, bare_dpop, has_header, httpx_bearer, httpx_dpop = _bare_auths(made)

    def ok(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200)

    transport = httpx.MockTransport(ok)
    plain = mounted(requests.Session())
    plain_httpx = httpx.Client(transport=transport)

    def session(**kwargs: Any) -> Callable[[], object]:
        return _getter(mounted(OAuth2Session("c", "s", **kwargs)), api)

    def client(**kwargs: Any) -> Callable[[], object]:
        return _getter(OAuth2Client("c", "s", transport=transport, **kwargs), api)

    drivers: dict[str, dict[str, Callable[[], object]]] = {
        "requests OAuth2Session": {
            "bearer": session(token=bearer),
            "dpop": session(token=bound, dpop=key),
            "unsigned": session(token=bound, dpop=unsigned),
            "ahead": session(token=bound, dpop=ahead),
            "bare bearer": lambda: plain.get(api, auth=bare_bearer),
            "bare dpop": lambda: has_header(plain.get(api, auth=bare_dpop).headers, "dpop-nonce"),
        },
        "httpx OAuth2Client": {
            "bearer": client(token=bearer),
            "dpop": client(token=bound, dpop=key),
            "unsigned": client(token=bound, dpop=unsigned),
            "ahead": client(token=bound, dpop=ahead),
            "bare bearer": lambda: plain_httpx.get(api, auth=httpx_bearer),
            "bare dpop": lambda: plain_httpx.get(api, auth=httpx_dpop),
        },
    }
    return (lambda: key.proof("GET", api, access_token=ACCESS_TOKEN)), drivers


def _getter(client: object, url: str) -> Callable[[], object]:
    get = client.get  # type: ignore[attr-defined]
    return lambda: get(url)


def _gap(rows: dict[str, list[float]], low: str, high: str) -> float:
    """The median over rounds of row ``high`` minus row ``low``."""
    return statistics.median(h - lo for lo, h in zip(rows[low], rows[high], strict=True))


def main_sessions(rounds: int, number: int) -> None:
    from bench_request_overhead import instructions

    proof, drivers = session_cases()
    parts: dict[str, tuple[float, float, float]] = {}
    print(f"\nMedians of {rounds} interleaved rounds of {number} GETs (in-process transports):\n")
    print(
        "| driver | Bearer µs | DPoP µs | DPoP, constant signature µs | proof alone µs "
        "| DPoP - Bearer - proof µs | beyond the signature µs | signature in the request µs |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for label, calls in drivers.items():
        rows: dict[str, list[float]] = {name: [] for name in (*calls, "proof")}
        for _ in range(rounds):
            for name, call in calls.items():
                rows[name].append(measure(call, number, 1))
            rows["proof"].append(measure(proof, number, 1))
        per_round = list(
            zip(rows["bearer"], rows["dpop"], rows["unsigned"], rows["proof"], strict=True)
        )
        first_way = statistics.median(d - b - p for b, d, _, p in per_round)
        beyond = statistics.median(u - b for b, _, u, _ in per_round)
        signature = statistics.median(d - u for _, d, u, _ in per_round)
        transport = _gap(rows, "bare bearer", "bare dpop")
        glue = _gap(rows, "bearer", "ahead")
        work = _gap(rows, "ahead", "unsigned")
        parts[label] = (transport, glue - transport, work)
        medians = {name: statistics.median(values) for name, values in rows.items()}
        print(
            f"| {label} | {medians['bearer']:.1f} | {medians['dpop']:.1f} | "
            f"{medians['unsigned']:.1f} | {medians['proof']:.1f} | {first_way:+.1f} | "
            f"{beyond:+.1f} | {signature:.1f} |"
        )
    print(
        "\nBeyond the signature, in parts: the transport's own (a minimal auth putting a "
        "DPoP header and a proof made ahead, and looking for DPoP-Nonce, minus one putting "
        "a Bearer header), the session's other DPoP work (a session whose proofs are made "
        "ahead, minus Bearer, minus the transport's own), and making the proof (constant "
        "signature minus made ahead):\n"
    )
    print("| driver | transport's own µs | session's other work µs | making the proof µs |")
    print("|---|---:|---:|---:|")
    for label, (transport, glue, work) in parts.items():
        print(f"| {label} | {transport:+.1f} | {glue:+.1f} | {work:+.1f} |")
    print("\nBytecode instructions per GET (the same on any machine; C code not counted):\n")
    print("| driver | Bearer | DPoP, constant signature | beyond the signature |")
    print("|---|---:|---:|---:|")
    for label, calls in drivers.items():
        bearer, unsigned = instructions(calls["bearer"]), instructions(calls["unsigned"])
        print(f"| {label} | {bearer:,} | {unsigned:,} | {unsigned - bearer:+,} |")


def main_first_touch(rounds: int, number: int) -> None:
    """A requests GET whose auth makes 0, 1, 2, 4 or 8 constant-signature proofs: the
    first proof in a request costs more than each further one, which finds the CPU
    caches warm."""
    import requests
    from bench_request_overhead import mounted

    from grantflow import OAuth2Session

    key, unsigned, made = _prepared_keys()
    api = API
    repeating = _Repeating(key.private_jwk())
    object.__setattr__(repeating, "_made", made)
    object.__setattr__(repeating, "_unsigned", unsigned)
    token = {"access_token": ACCESS_TOKEN, "token_type": "DPoP", "expires_at": 2**40}
    session: requests.Session = mounted(OAuth2Session("c", "s", token=token, dpop=repeating))
    counts = (0, 1, 2, 4, 8)
    rows: dict[int, list[float]] = {n: [] for n in counts}
    for _ in range(rounds):
        for n in counts:
            object.__setattr__(repeating, "times", n)
            rows[n].append(measure(lambda: session.get(api), number, 1))
    print(
        f"\nA requests GET whose auth makes n constant-signature proofs (medians of {rounds} "
        f"interleaved rounds of {number} GETs), against n = 0:\n"
    )
    print("| proofs per request | added µs | added per proof µs |")
    print("|---:|---:|---:|")
    for n in counts[1:]:
        added = _gap({"0": rows[0], "n": rows[n]}, "0", "n")
        print(f"| {n} | {added:+.1f} | {added / n:.1f} |")


def main_httpx_floor(rounds: int, number: int) -> None:
    """httpx's own cost of a DPoP header, through its public API and appended straight to
    the list behind ``httpx.Headers`` (private): the least any httpx DPoP client pays
    before it makes a proof."""
    import httpx

    _, _, made = _prepared_keys()
    raw = made.encode("ascii")
    *_, bearer, public = _bare_auths(made)

    class Private(httpx.Auth):
        def auth_flow(self, request: httpx.Request) -> Any:
            request.headers["Authorization"] = "DPoP " + ACCESS_TOKEN
            request.headers._list.append((b"DPoP", b"dpop", raw))  # type: ignore[attr-defined]
            response = yield request
            _ = any(key == b"dpop-nonce" for _, key, _ in response.headers._list)  # type: ignore[attr-defined]

    client = httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(200)))
    auths = {"bearer": bearer, "public": public, "private": Private()}
    rows: dict[str, list[float]] = {name: [] for name in auths}
    for _ in range(rounds):
        for name, auth in auths.items():
            rows[name].append(measure(functools.partial(client.get, API, auth=auth), number, 1))
    print(
        f"\nhttpx's own cost of a DPoP header and a DPoP-Nonce check, over a Bearer header "
        f"(ten-line auths, a proof made ahead; medians of {rounds} interleaved rounds of "
        f"{number} GETs):\n"
    )
    print("| the header set through | added µs |")
    print("|---|---:|")
    print(f"| httpx.Headers (public) | {_gap(rows, 'bearer', 'public'):+.1f} |")
    print(f"| the list behind it (private) | {_gap(rows, 'bearer', 'private'):+.1f} |")


if __name__ == "__main__":
    main()
