"""One process of a fleet: run as a script, it plays a worker sharing a token store.

``python _fleet.py '<json config>'`` builds an ``OAuth2Session`` over the shared store,
prints ``ready``, waits for a line on stdin (the starting gun, so all workers fire
together), makes one API call and prints a JSON line with what happened: the status,
the error (type and OAuth error code, never a token), how many token requests this
process sent and how many renewals it reported through ``update_token``.

With ``"mode": "hold_lock"`` it takes the store's lock instead, prints ``locked`` and
blocks until it is killed: a lock holder that dies.

Config keys: ``store`` (``{"kind": "file", "path": ...}`` or ``{"kind": "redis",
"port": ..., "key": ..., "lock_expiry": ...}``), ``session`` (``OAuth2Session`` kwargs),
``api_url``, ``token_prefix`` (URL prefix of the token endpoint, for counting), and
``driver``: ``"requests"`` (the default), ``"httpx"`` or ``"httpx-async"``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
from requests.adapters import HTTPAdapter

SCRIPT = Path(__file__).resolve()
#: Generous: a loaded 2-core machine starting 8 interpreters is slow, never this slow.
DEADLINE_S = 120.0


class _CountingAdapter(HTTPAdapter):
    def __init__(self) -> None:
        super().__init__()
        self.posts = 0
        self._lock = threading.Lock()

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        if request.method == "POST":
            with self._lock:
                self.posts += 1
        return super().send(request, *args, **kwargs)


def run_threads(count: int, work: Callable[[], Any]) -> list[Any]:
    """Run ``work`` in ``count`` threads released together; results or exceptions, in order.

    Fails when a thread is still running after the deadline: none may be left waiting.
    """
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def target(index: int) -> None:
        barrier.wait(timeout=DEADLINE_S)
        try:
            results[index] = work()
        except Exception as exc:
            results[index] = exc

    threads = [threading.Thread(target=target, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(DEADLINE_S)
    assert not any(t.is_alive() for t in threads), "a thread was left waiting"
    return results


def _store(spec: dict[str, Any]) -> Any:
    from grantflow._stores._file import FileTokenStore
    from grantflow._stores._redis import RedisTokenStore

    if spec["kind"] == "file":
        return FileTokenStore(spec["path"])
    import redis

    client = redis.Redis(
        host="127.0.0.1", port=spec["port"], socket_timeout=5, socket_connect_timeout=5
    )
    return RedisTokenStore(client, spec["key"], lock_expiry=spec.get("lock_expiry", 30.0))


def _worker(config: dict[str, Any]) -> dict[str, Any]:
    from grantflow import OAuthError

    store = _store(config["store"])
    if config.get("mode") == "hold_lock":
        with store.lock():
            print("locked", flush=True)
            threading.Event().wait()
    renewals: list[int] = []
    options = {
        "token_store": store,
        "update_token": lambda *a, **k: renewals.append(1),
        **config["session"],
    }
    driver = config.get("driver", "requests")
    result: dict[str, Any] = {"status": None, "error": None, "driver": driver}
    try:
        if driver == "httpx-async":
            import asyncio

            posts = asyncio.run(_async_call(config, options, result))
        else:
            posts = _call(driver, config, options, result)
    except OAuthError as exc:
        result["error"] = f"{type(exc).__name__}:{exc.error}"
        posts = -1
    except Exception as exc:
        result["error"] = type(exc).__name__
        posts = -1
    result["token_posts"] = posts
    result["renewals"] = len(renewals)
    return result


def _is_token_post(config: dict[str, Any], method: str, url: object) -> bool:
    return method == "POST" and str(url).startswith(config["token_prefix"])


def _call(
    driver: str, config: dict[str, Any], options: dict[str, Any], result: dict[str, Any]
) -> int:
    """One API call from a requests session or a sync httpx client; its token POSTs."""
    if driver == "requests":
        from grantflow import OAuth2Session

        session = OAuth2Session(**options)
        counter = _CountingAdapter()
        session.mount(config["token_prefix"], counter)
        print("ready", flush=True)
        sys.stdin.readline()
        result["status"] = session.get(config["api_url"]).status_code
        return counter.posts
    from grantflow.httpx import OAuth2Client

    seen: list[int] = []

    def count(request: Any) -> None:
        if _is_token_post(config, request.method, request.url):
            seen.append(1)

    with OAuth2Client(event_hooks={"request": [count]}, **options) as client:
        print("ready", flush=True)
        sys.stdin.readline()
        result["status"] = client.get(config["api_url"]).status_code
    return len(seen)


async def _async_call(
    config: dict[str, Any], options: dict[str, Any], result: dict[str, Any]
) -> int:
    """One API call from an ``AsyncOAuth2Client``; its token POSTs."""
    from grantflow.httpx import AsyncOAuth2Client

    seen: list[int] = []

    async def count(request: Any) -> None:
        if _is_token_post(config, request.method, request.url):
            seen.append(1)

    async with AsyncOAuth2Client(event_hooks={"request": [count]}, **options) as client:
        print("ready", flush=True)
        sys.stdin.readline()  # nothing else runs on this loop yet
        result["status"] = (await client.get(config["api_url"])).status_code
    return len(seen)


@contextmanager
def spawned(configs: Sequence[dict[str, Any]]) -> Iterator[list[subprocess.Popen[str]]]:
    """Start one worker per config; kill any still running on exit."""
    processes = [
        subprocess.Popen(
            [sys.executable, str(SCRIPT), json.dumps(config)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for config in configs
    ]
    try:
        yield processes
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=DEADLINE_S)
            for stream in (process.stdin, process.stdout):
                if stream is not None:
                    stream.close()


def expect_line(process: subprocess.Popen[str], line: str) -> None:
    """Read the worker's next line; it must be ``line``."""
    assert process.stdout is not None
    got = process.stdout.readline().strip()
    if got != line:
        process.kill()
        raise AssertionError(f"worker said {got!r}, expected {line!r}")


def storm(configs: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Start the workers, fire them all at once, return their results in order."""
    with spawned(configs) as processes:
        for process in processes:
            expect_line(process, "ready")
        for process in processes:
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        results = []
        for process in processes:
            out, _ = process.communicate(timeout=DEADLINE_S)
            results.append(json.loads(out.strip().splitlines()[-1]))
        return results


if __name__ == "__main__":
    print(json.dumps(_worker(json.loads(sys.argv[1]))), flush=True)
