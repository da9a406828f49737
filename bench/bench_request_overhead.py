"""Per-request cost of grantflow's auth, against a minimal AuthBase with a static header.

Requests go to a fake in-process transport (an adapter that answers 200 at once), so
what is measured is requests' own machinery plus the auth. Goal: grantflow adds at most
3 µs per request with a valid token.

    .venv/bin/python bench/bench_request_overhead.py [--requests 2000] [--repeat 31]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import timeit
from collections.abc import Callable
from types import FrameType
from typing import Any

import requests
from requests.adapters import BaseAdapter
from requests.auth import AuthBase

from grantflow import OAuth2Auth, OAuth2Session

URL = "https://api.example/resource"
TOKEN = {
    "access_token": "a" * 40,
    "token_type": "Bearer",
    "refresh_token": "r" * 40,
    "expires_at": int(time.time()) + 86400,
}


class FakeTransport(BaseAdapter):
    """Answers every request with an empty 200, without any I/O."""

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        response = requests.Response()
        response.status_code = 200
        response._content = b""
        response.request = request
        response.url = request.url or ""
        response.connection = self
        return response

    def close(self) -> None:
        return None


class StaticBearer(AuthBase):
    """The least an auth can do: set one header."""

    def __init__(self, value: str) -> None:
        self.value = f"Bearer {value}"

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = self.value
        return r


def mounted(session: requests.Session) -> requests.Session:
    # No proxy or netrc lookups in the environment: they cost more than any auth and
    # vary with the machine, which would drown the difference being measured.
    session.trust_env = False
    session.mount("https://", FakeTransport())
    return session


def cases() -> dict[str, Callable[[], Any]]:
    plain = mounted(requests.Session())
    static = StaticBearer(TOKEN["access_token"])
    session = mounted(OAuth2Session("client", "secret", token=TOKEN))
    bare = OAuth2Auth(TOKEN)
    renewing = OAuth2Auth(TOKEN, client=session)
    return {
        "requests.Session + static AuthBase (baseline)": lambda: plain.get(URL, auth=static),
        "grantflow OAuth2Session": lambda: session.get(URL),
        "requests.Session + OAuth2Auth(token)": lambda: plain.get(URL, auth=bare),
        "requests.Session + OAuth2Auth(token, client=session)": lambda: plain.get(
            URL, auth=renewing
        ),
    }


def auth_cases() -> dict[str, Callable[[], Any]]:
    """The auth alone, called on one prepared request (its hooks emptied each time)."""
    session = mounted(OAuth2Session("client", "secret", token=TOKEN))
    request = requests.Request("GET", URL).prepare()
    hooks = request.hooks["response"]

    def calling(auth: Callable[[requests.PreparedRequest], Any]) -> Callable[[], Any]:
        def call() -> None:
            auth(request)
            hooks.clear()

        return call

    return {
        "static AuthBase (baseline)": calling(StaticBearer(TOKEN["access_token"])),
        "OAuth2Auth(token)": calling(OAuth2Auth(TOKEN)),
        "OAuth2Session.token_auth (renewing, 401 retry armed)": calling(session.token_auth),
    }


def measure(
    calls: dict[str, Callable[[], Any]], number: int, repeat: int
) -> dict[str, tuple[float, float]]:
    """Per case: the best per-call time, and the median of its paired difference to the
    first case (the baseline), both in microseconds.

    Cases take turns, round after round, so a busy moment of the machine hits them all
    alike. The minimum over rounds is the least noisy single figure; the difference is
    taken within each round and its median over rounds, which cancels a drift of the
    machine's speed between rounds.
    """
    rounds: dict[str, list[float]] = {name: [] for name in calls}
    for call in calls.values():
        call()
    for _ in range(repeat):
        for name, call in calls.items():
            rounds[name].append(timeit.timeit(call, number=number) / number * 1e6)
    baseline = rounds[next(iter(calls))]
    return {
        name: (
            min(values),
            statistics.median(v - b for v, b in zip(values, baseline, strict=True)),
        )
        for name, values in rounds.items()
    }


def instructions(call: Callable[[], Any]) -> int:
    """Bytecode instructions one call executes: a count that does not depend on the
    machine or its load, unlike the times (C code run by those instructions is not
    counted)."""
    call()
    count = 0

    def tracer(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        frame.f_trace_opcodes = True
        if event == "opcode":
            count += 1
        return tracer

    sys.settrace(tracer)
    try:
        call()
    finally:
        sys.settrace(None)
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=31)
    args = parser.parse_args()
    for title, calls, number in (
        ("whole request through the fake transport", cases(), args.requests),
        ("auth alone", auth_cases(), args.requests * 20),
    ):
        results = measure(calls, number, args.repeat)
        print(f"\n{title}\n\n| case | best µs per call | median paired difference |\n|---|---|---|")
        for name, (best, difference) in results.items():
            print(f"| {name} | {best:.2f} | {difference:+.2f} µs |")
    counted = {name: instructions(call) for name, call in cases().items()}
    baseline = next(iter(counted.values()))
    print("\nbytecode instructions per request\n")
    print("| case | instructions | vs baseline |\n|---|---|---|")
    for name, count in counted.items():
        print(f"| {name} | {count} | {count - baseline:+d} |")


if __name__ == "__main__":
    main()
