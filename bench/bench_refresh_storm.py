"""The refresh storm: many threads or processes find the shared token expired at once.

A local token endpoint (tests/integration/_token_server.py) answers after 100 ms and
rotates refresh tokens: a reused refresh token is ``invalid_grant`` and revokes the
grant, as real providers do. Every caller then makes one API call. Reported per library:
token requests made and API calls failed (non-200 or an exception).

Peers run from a separate venv (bench/requirements.txt):

    python3 -m venv bench/.venv
    bench/.venv/bin/pip install -r bench/requirements.txt -e .
    bench/.venv/bin/python bench/bench_refresh_storm.py [--threads 32] [--processes 8]

Processes of the peers each hold their own copy of the token (they have no shared
store); grantflow's share a FileTokenStore or a RedisTokenStore (when redis-server is
installed).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "integration"))

from _redis import free_port  # noqa: E402
from _token_server import TokenServer, running  # noqa: E402

# The peers refuse plain-HTTP token endpoints unless told this is a test.
os.environ.setdefault("OAUTHLIB_INSECURE_TRANSPORT", "1")
os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")

CLIENT_ID, CLIENT_SECRET = "client", "secret"
Call = Callable[[], int]


def grantflow_caller(urls: dict[str, str], token: dict[str, Any], store: Any = None) -> Call:
    from grantflow import OAuth2Session

    session = OAuth2Session(
        CLIENT_ID,
        CLIENT_SECRET,
        token=token if store is None else None,
        token_store=store,
        token_endpoint=urls["token"],
        default_timeout=30,
    )
    return lambda: session.get(urls["api"]).status_code


def authlib_caller(urls: dict[str, str], token: dict[str, Any], store: Any = None) -> Call:
    from authlib.integrations.requests_client import OAuth2Session

    session = OAuth2Session(
        CLIENT_ID,
        CLIENT_SECRET,
        token=token,
        token_endpoint=urls["token"],
        update_token=lambda *a, **k: None,
    )
    return lambda: session.get(urls["api"], timeout=30).status_code


def requests_oauthlib_caller(
    urls: dict[str, str], token: dict[str, Any], store: Any = None
) -> Call:
    from requests_oauthlib import OAuth2Session

    session = OAuth2Session(
        CLIENT_ID,
        token=token,
        auto_refresh_url=urls["token"],
        auto_refresh_kwargs={"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
        token_updater=lambda t: None,
    )
    return lambda: session.get(urls["api"], timeout=30).status_code


def requests_oauth2client_caller(
    urls: dict[str, str], token: dict[str, Any], store: Any = None
) -> Call:
    import requests
    from requests_oauth2client import BearerToken, OAuth2AccessTokenAuth, OAuth2Client

    client = OAuth2Client(
        token_endpoint=urls["token"], auth=(CLIENT_ID, CLIENT_SECRET), testing=True
    )
    bearer = BearerToken(
        token["access_token"],
        expires_at=datetime.datetime.fromtimestamp(token["expires_at"], datetime.timezone.utc),
        refresh_token=token["refresh_token"],
    )
    auth = OAuth2AccessTokenAuth(client, token=bearer)
    session = requests.Session()
    return lambda: session.get(urls["api"], auth=auth, timeout=30).status_code


LIBRARIES: dict[str, Callable[..., Call]] = {
    "grantflow": grantflow_caller,
    "authlib": authlib_caller,
    "requests-oauthlib": requests_oauthlib_caller,
    "requests-oauth2client": requests_oauth2client_caller,
}


def safe(call: Call) -> int | str:
    try:
        return call()
    except Exception as exc:
        return type(exc).__name__


REVOKE_ON_REUSE = True


def thread_storm(library: str, count: int) -> dict[str, Any]:
    with running(delay=0.1, revoke_on_reuse=REVOKE_ON_REUSE) as server:
        urls = {"token": server.token_url, "api": server.api_url}
        call = LIBRARIES[library](urls, server.issue(expired=True))
        barrier = threading.Barrier(count)
        results: list[Any] = [None] * count

        def target(index: int) -> None:
            barrier.wait()
            results[index] = safe(call)

        threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(300)
        return summary(server, results)


def summary(server: TokenServer, results: list[Any]) -> dict[str, Any]:
    counts = server.snapshot()
    return {
        "token_requests": counts.token_requests,
        "failed": sum(1 for r in results if r != 200),
        "calls": len(results),
    }


def process_storm(library: str, count: int, store: dict[str, Any] | None) -> dict[str, Any]:
    with running(delay=0.1, revoke_on_reuse=REVOKE_ON_REUSE) as server:
        urls = {"token": server.token_url, "api": server.api_url}
        token = server.issue(expired=True)
        if store is not None:
            seed_store(store, token)
        config = {"library": library, "urls": urls, "token": token, "store": store}
        workers = [
            subprocess.Popen(
                [sys.executable, __file__, "--worker", json.dumps(config)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(count)
        ]
        for worker in workers:
            assert worker.stdout is not None
            assert worker.stdout.readline().strip() == "ready"
        for worker in workers:
            assert worker.stdin is not None
            worker.stdin.write("go\n")
            worker.stdin.flush()
        results = [json.loads(w.communicate(timeout=300)[0].splitlines()[-1]) for w in workers]
        return summary(server, results)


def build_store(spec: dict[str, Any] | None) -> Any:
    if spec is None:
        return None
    from grantflow._stores._file import FileTokenStore
    from grantflow._stores._redis import RedisTokenStore

    if spec["kind"] == "file":
        return FileTokenStore(spec["path"])
    import redis

    return RedisTokenStore(redis.Redis(port=spec["port"], socket_timeout=10), spec["key"])


def seed_store(spec: dict[str, Any], token: dict[str, Any]) -> None:
    store = build_store(spec)
    store.clear()
    store.save(token)


def worker(config: dict[str, Any]) -> None:
    call = LIBRARIES[config["library"]](
        config["urls"], config["token"], build_store(config["store"])
    )
    print("ready", flush=True)
    sys.stdin.readline()
    print(json.dumps(safe(call)), flush=True)


def start_redis(directory: str) -> tuple[subprocess.Popen[bytes], int] | None:
    binary = shutil.which("redis-server")
    if binary is None:
        return None
    port = free_port()
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", directory]
    process = subprocess.Popen(
        [*args, "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL
    )
    import time

    import redis

    probe = redis.Redis(port=port, socket_connect_timeout=1)
    for _ in range(500):
        try:
            if probe.ping():
                return process, port
        except redis.ConnectionError:
            time.sleep(0.02)
    process.kill()
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--processes", type=int, default=8)
    parser.add_argument("--worker")
    parser.add_argument(
        "--no-reuse-revocation",
        action="store_true",
        help="a reused refresh token fails alone, without revoking the tokens issued from it",
    )
    args = parser.parse_args()
    global REVOKE_ON_REUSE
    REVOKE_ON_REUSE = not args.no_reuse_revocation
    if args.worker:
        worker(json.loads(args.worker))
        return
    rows: list[tuple[str, str, dict[str, Any]]] = []
    for library in LIBRARIES:
        rows.append((library, f"{args.threads} threads", thread_storm(library, args.threads)))
    with tempfile.TemporaryDirectory() as directory:
        redis_server = start_redis(directory)
        try:
            stores: list[tuple[str, dict[str, Any] | None]] = [
                ("file store", {"kind": "file", "path": f"{directory}/token.json"})
            ]
            if redis_server is not None:
                stores.append(
                    ("Redis store", {"kind": "redis", "port": redis_server[1], "key": "b"})
                )
            for name, spec in stores:
                result = process_storm("grantflow", args.processes, spec)
                rows.append((f"grantflow ({name})", f"{args.processes} processes", result))
            for library in LIBRARIES:
                if library != "grantflow":
                    result = process_storm(library, args.processes, None)
                    rows.append((library, f"{args.processes} processes", result))
        finally:
            if redis_server is not None:
                redis_server[0].terminate()
                redis_server[0].wait(10)
    print("| library | callers | token requests | API calls failed |")
    print("|---|---|---|---|")
    for library, callers, result in rows:
        print(
            f"| {library} | {callers} | {result['token_requests']} | "
            f"{result['failed']} of {result['calls']} |"
        )


if __name__ == "__main__":
    main()
