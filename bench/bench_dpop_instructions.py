"""Machine instructions a DPoP session runs per request beyond a Bearer session, counted.

The times of ``bench_dpop.py`` move by ±0.5 µs from run to run on a shared machine;
counts do not. Under valgrind's cachegrind, each GET of ``bench_dpop.session_cases`` runs
in a child process 200 and then 1,200 times, and the difference over 1,000 is one GET:
the native instructions executed (C included: the interpreter, requests, httpx,
base64, ...) and the misses of a simulated L1 instruction cache, which is where a
request's extra code costs more than the same code in a loop (``bench_dpop.py``'s
first-touch table). ``PYTHONHASHSEED=0`` makes the counts repeat exactly.

A second table counts the misses of a simulated L2-sized cache for a GET with a real
ES256 signature, one with the constant signature, and a proof alone in a loop: where
the signature's extra time inside a request goes.

Run ``python bench/bench_dpop_instructions.py`` (needs ``valgrind``; about five minutes).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

DRIVERS = {"requests": "requests OAuth2Session", "httpx": "httpx OAuth2Client"}
KINDS = ("bearer", "unsigned")
#: A last-level cache the size of this machine's per-core L2 (1 MB, 8-way, 64-byte lines).
L2 = "--LL=1048576,8,64"
_COUNTS = {
    "instructions": re.compile(r"I\s+refs:\s+([\d,]+)"),
    "l1i_misses": re.compile(r"I1\s+misses:\s+([\d,]+)"),
    "ll_misses": re.compile(r"LL misses:\s+([\d,]+)"),
}


def _child(driver: str, kind: str, calls: int) -> None:
    """Make ``calls`` calls of one kind after 50 to warm up (in the counted process):
    GETs, or with ``kind`` "proof" the resource request's proof alone, in a loop."""
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_dpop import session_cases

    proof, drivers = session_cases()
    call = proof if kind == "proof" else drivers[DRIVERS[driver]][kind]
    for _ in range(50 + calls):
        call()


def _counted(driver: str, kind: str, calls: int, *options: str) -> dict[str, int]:
    """What cachegrind counted in a child process making ``calls`` calls."""
    command = [
        "valgrind",
        "--tool=cachegrind",
        "--cache-sim=yes",
        "--cachegrind-out-file=/dev/null",
        *options,
        sys.executable,
        __file__,
        "--child",
        driver,
        kind,
        str(calls),
    ]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    return {name: _number(pattern, done.stderr) for name, pattern in _COUNTS.items()}


def _number(pattern: re.Pattern[str], report: str) -> int:
    match = pattern.search(report)
    if match is None:
        raise RuntimeError(f"cachegrind printed no {pattern.pattern!r}:\n{report}")
    return int(match.group(1).replace(",", ""))


def per_call(driver: str, kind: str, *options: str) -> dict[str, float]:
    """The counts of one call: 1,200 calls minus 200, over 1,000."""
    few, many = _counted(driver, kind, 200, *options), _counted(driver, kind, 1_200, *options)
    return {name: (many[name] - few[name]) / 1_000 for name in _COUNTS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--child", nargs=3, metavar=("DRIVER", "KIND", "CALLS"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        driver, kind, calls = args.child
        _child(driver, kind, int(calls))
        return
    if shutil.which("valgrind") is None:
        sys.exit("needs valgrind (apt-get install valgrind)")
    print("Per GET, counted under cachegrind (PYTHONHASHSEED=0; 1,200 GETs minus 200):\n")
    print(
        "| driver | Bearer instructions | DPoP, constant signature | beyond | L1i misses beyond |"
    )
    print("|---|---:|---:|---:|---:|")
    for driver, label in DRIVERS.items():
        bearer, dpop = (per_call(driver, kind) for kind in KINDS)
        print(
            f"| {label} | {bearer['instructions']:,.0f} | {dpop['instructions']:,.0f} | "
            f"{dpop['instructions'] - bearer['instructions']:+,.0f} | "
            f"{dpop['l1i_misses'] - bearer['l1i_misses']:+,.0f} |"
        )
    # Why a signature costs more inside a request than alone: misses of a simulated
    # L2-sized cache with the real ES256 signature and with the constant one.
    signed, unsigned = (per_call("requests", kind, L2) for kind in ("dpop", "unsigned"))
    alone = per_call("requests", "proof", L2)
    print(
        "\nMisses of a simulated 1 MB last-level cache (1 MB, 8-way: this machine's "
        "per-core L2), requests:\n"
    )
    print("| per call | misses |")
    print("|---|---:|")
    print(f"| GET with a DPoP key | {signed['ll_misses']:,.0f} |")
    print(f"| GET with a constant-signature key | {unsigned['ll_misses']:,.0f} |")
    print(
        f"| the signature inside a request | {signed['ll_misses'] - unsigned['ll_misses']:+,.0f} |"
    )
    print(f"| a proof alone, in a loop | {alone['ll_misses']:,.0f} |")


if __name__ == "__main__":
    main()
