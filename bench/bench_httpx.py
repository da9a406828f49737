"""grantflow's httpx clients against Authlib's and a minimal static ``httpx.Auth``.

Two measurements, in one run:

1. Per-request overhead with a valid token, sync and async: requests go to an
   ``httpx.MockTransport`` that answers 200 at once, so what is measured is httpx's own
   machinery plus the auth. Goal: grantflow adds at most 3 µs per request to the static
   auth. Bytecode instructions per request are counted too (a figure load does not move).
2. The 1000-task refresh storm: one async client whose token is due, 1000 tasks make one
   API call each against a local token endpoint that answers after 100 ms and rotates
   refresh tokens (tests/integration/_token_server.py). Reported: token requests and
   failed calls.

Authlib runs from the benchmark venv (bench/requirements.txt):

    bench/.venv/bin/python bench/bench_httpx.py [--requests 2000] [--repeat 21] [--tasks 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

import httpx
from bench_request_overhead import instructions, measure

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "integration"))
from _token_server import running

from grantflow.httpx import AsyncOAuth2Client, OAuth2Auth, OAuth2Client

os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")

URL = "https://api.example/resource"
TOKEN = {
    "access_token": "a" * 40,
    "token_type": "Bearer",
    "refresh_token": "r" * 40,
    "expires_at": int(time.time()) + 86400,
}


def answer(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200)


class StaticBearer(httpx.Auth):
    """The least an auth can do: set one header."""

    def __init__(self, value: str) -> None:
        self.value = f"Bearer {value}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self.value
        yield request


def _authlib() -> Any:
    try:
        from authlib.integrations import httpx_client
    except ImportError:
        return None
    return httpx_client


def sync_cases() -> dict[str, Callable[[], Any]]:
    mock = httpx.MockTransport(answer)
    plain = httpx.Client(transport=mock)
    static = StaticBearer(TOKEN["access_token"])
    ours = OAuth2Client("client", "secret", token=TOKEN, transport=mock)
    bare = OAuth2Auth(TOKEN)
    cases: dict[str, Callable[[], Any]] = {
        "httpx.Client + static httpx.Auth (baseline)": lambda: plain.get(URL, auth=static),
        "grantflow OAuth2Client": lambda: ours.get(URL),
        "httpx.Client + grantflow OAuth2Auth(token)": lambda: plain.get(URL, auth=bare),
    }
    authlib = _authlib()
    if authlib is not None:
        theirs = authlib.OAuth2Client("client", "secret", token=TOKEN, transport=mock)
        cases["Authlib OAuth2Client"] = lambda: theirs.get(URL)
    return cases


def async_cases(loop: asyncio.AbstractEventLoop, batch: int) -> dict[str, Callable[[], Any]]:
    """Each call runs ``batch`` requests one after another on ``loop``; ``measure``
    divides by the batch through ``number``."""
    mock = httpx.MockTransport(answer)
    plain = httpx.AsyncClient(transport=mock)
    static = StaticBearer(TOKEN["access_token"])
    ours = AsyncOAuth2Client("client", "secret", token=TOKEN, transport=mock)
    clients: dict[str, Callable[[], Any]] = {
        "httpx.AsyncClient + static httpx.Auth (baseline)": lambda: plain.get(URL, auth=static),
        "grantflow AsyncOAuth2Client": lambda: ours.get(URL),
    }
    authlib = _authlib()
    if authlib is not None:
        theirs = authlib.AsyncOAuth2Client("client", "secret", token=TOKEN, transport=mock)
        clients["Authlib AsyncOAuth2Client"] = lambda: theirs.get(URL)

    def batched(request: Callable[[], Any]) -> Callable[[], Any]:
        async def many() -> None:
            for _ in range(batch):
                await request()

        return lambda: loop.run_until_complete(many())

    return {name: batched(request) for name, request in clients.items()}


async def _storm(client: Any, api_url: str, tasks: int) -> list[Any]:
    async def one() -> Any:
        try:
            return (await client.get(api_url)).status_code
        except Exception as exc:
            return type(exc).__name__

    return await asyncio.gather(*(one() for _ in range(tasks)))


def storm(library: str, tasks: int) -> dict[str, int]:
    """``tasks`` tasks on one async client whose token is due; token requests and failures."""
    with running(delay=0.1) as server:
        token = server.issue(expired=True)
        limits = httpx.Limits(max_connections=100)

        async def go() -> list[Any]:
            if library == "grantflow":
                client: Any = AsyncOAuth2Client(
                    "client",
                    "secret",
                    token=token,
                    token_endpoint=server.token_url,
                    timeout=60,
                    limits=limits,
                )
            else:
                client = _authlib().AsyncOAuth2Client(
                    "client",
                    "secret",
                    token=token,
                    token_endpoint=server.token_url,
                    update_token=_ignore,
                    timeout=60,
                    limits=limits,
                )
            async with client:
                return await _storm(client, server.api_url, tasks)

        results = asyncio.run(go())
        return {
            "token_requests": server.snapshot().token_requests,
            "failed": sum(1 for r in results if r != 200),
            "calls": len(results),
        }


async def _ignore(*args: Any, **kwargs: Any) -> None:
    return None


def _table(title: str, results: dict[str, tuple[float, float]]) -> None:
    print(f"\n{title}\n\n| case | best µs per request | median paired difference |")
    print("|---|---|---|")
    for name, (best, difference) in results.items():
        print(f"| {name} | {best:.2f} | {difference:+.2f} µs |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--tasks", type=int, default=1000)
    args = parser.parse_args()

    _table("sync, whole request", measure(sync_cases(), args.requests, args.repeat))
    loop = asyncio.new_event_loop()
    batch = 200
    timed = measure(async_cases(loop, batch), max(1, args.requests // batch), args.repeat)
    per_request = {name: (best / batch, diff / batch) for name, (best, diff) in timed.items()}
    _table("async, whole request", per_request)

    counted = {name: instructions(call) for name, call in sync_cases().items()}
    counted.update({name: instructions(call) for name, call in async_cases(loop, 1).items()})
    loop.close()
    print("\nbytecode instructions per request\n\n| case | instructions |\n|---|---|")
    for name, count in counted.items():
        print(f"| {name} | {count} |")

    print(f"\n{args.tasks}-task refresh storm\n")
    print("| library | token requests | API calls failed |\n|---|---|---|")
    for library in ("grantflow", "authlib") if _authlib() else ("grantflow",):
        result = storm(library, args.tasks)
        print(
            f"| {library} | {result['token_requests']} | {result['failed']} of {result['calls']} |"
        )


if __name__ == "__main__":
    main()
