"""The fleet simulation: processes of threads sharing one token through Redis for a minute.

Each process is one client (a requests ``OAuth2Session``, a sync httpx ``OAuth2Client``
or an ``AsyncOAuth2Client``, in turn) over a ``RedisTokenStore`` on a Sentinel-managed
Redis (a master, a replica, three Sentinels, started here). Its threads (tasks for the
async client) call an API in a loop. The local token server (tests/integration/
_token_server.py) issues access tokens that live a few seconds and rotates refresh
tokens: a reused one is ``invalid_grant`` and revokes the grant, so a duplicate renewal
or a token lost in a failover shows as failed calls. Reported: token requests against
expiries, failed calls, and the p99 latency of the calls that found the token due and
so had to wait for its renewal (or for another process's). The second run kills the
Redis master once, halfway.

    .venv/bin/python bench/bench_fleet.py [--processes 32] [--threads 8] [--seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "integration"))

DRIVERS = ("requests", "httpx", "httpx-async")
#: Access tokens live ACCESS_TTL_S and are renewed LEEWAY_S before they expire.
ACCESS_TTL_S = 4
LEEWAY_S = 1


# -- one process of the fleet ------------------------------------------------------------------


def _store(config: dict[str, Any]) -> Any:
    from redis.asyncio.retry import Retry as AsyncRetry
    from redis.asyncio.sentinel import Sentinel as AsyncSentinel
    from redis.backoff import ExponentialBackoff
    from redis.exceptions import ConnectionError, TimeoutError
    from redis.retry import Retry
    from redis.sentinel import Sentinel

    from grantflow import RedisTokenStore

    hosts = [("127.0.0.1", port) for port in config["sentinels"]]
    # Retries that outlast a failover (Sentinel needs a few seconds to promote a replica).
    options: dict[str, Any] = {
        "socket_timeout": 2,
        "socket_connect_timeout": 2,
        "retry_on_error": [ConnectionError, TimeoutError],
    }
    backoff = ExponentialBackoff(cap=0.5, base=0.05)
    client = Sentinel(hosts, socket_timeout=1).master_for(
        config["service"], retry=Retry(backoff, 60), **options
    )
    async_client = None
    if config["driver"] == "httpx-async":
        async_client = AsyncSentinel(hosts, socket_timeout=1).master_for(
            config["service"], retry=AsyncRetry(backoff, 60), **options
        )
    return RedisTokenStore(client, config["key"], lock_expiry=10, async_client=async_client)


class _Record:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls = 0
        self.failures = 0
        self.errors: list[str] = []
        self.latencies: list[float] = []
        self.due_latencies: list[float] = []

    def add(self, started: float, due: bool, status: int | None, error: str | None) -> None:
        elapsed = time.perf_counter() - started
        with self.lock:
            self.calls += 1
            self.latencies.append(elapsed)
            if due:
                self.due_latencies.append(elapsed)
            if error is not None or status != 200:
                self.failures += 1
                if len(self.errors) < 5:
                    self.errors.append(error or f"status {status}")


def _is_due(token: Any) -> bool:
    return token is None or token.get("expires_at", 0) - LEEWAY_S <= time.time()


def _worker(config: dict[str, Any]) -> dict[str, Any]:
    store = _store(config)
    options = {
        "client_id": "client",
        "client_secret": "secret",
        "token_endpoint": config["token_url"],
        "token_store": store,
        "leeway": LEEWAY_S,
        "default_timeout": 30,
    }
    record = _Record()
    url, pause, threads = config["api_url"], config["pause"], config["threads"]
    if config["driver"] == "httpx-async":
        asyncio.run(_async_worker(options, url, pause, threads, record))
        return _summary(record)
    if config["driver"] == "requests":
        from grantflow import OAuth2Session

        client: Any = OAuth2Session(**options)
    else:
        from grantflow.httpx import OAuth2Client

        client = OAuth2Client(**options)
    print("ready", flush=True)
    sys.stdin.readline()
    deadline = time.monotonic() + config["seconds"]

    def loop() -> None:
        while time.monotonic() < deadline:
            due = _is_due(client.token)
            started = time.perf_counter()
            try:
                record.add(started, due, client.get(url).status_code, None)
            except Exception as exc:
                record.add(started, due, None, f"{config['driver']}: {_describe(exc)}")
            time.sleep(pause)

    workers = [threading.Thread(target=loop) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return _summary(record)


async def _async_worker(
    options: dict[str, Any], url: str, pause: float, tasks: int, record: _Record
) -> None:
    from grantflow.httpx import AsyncOAuth2Client

    async with AsyncOAuth2Client(**options) as client:
        print("ready", flush=True)
        sys.stdin.readline()  # nothing else runs on this loop yet
        deadline = time.monotonic() + CONFIG["seconds"]

        async def loop() -> None:
            while time.monotonic() < deadline:
                due = _is_due(client.token)
                started = time.perf_counter()
                try:
                    record.add(started, due, (await client.get(url)).status_code, None)
                except Exception as exc:
                    record.add(started, due, None, f"httpx-async: {_describe(exc)}")
                await asyncio.sleep(pause)

        await asyncio.gather(*(loop() for _ in range(tasks)))


def _describe(error: BaseException) -> str:
    """The error's type, and its description for grantflow's own (which hold no secret)."""
    from grantflow import OAuthError

    if isinstance(error, OAuthError):
        return f"{type(error).__name__}: {error.description}"
    return type(error).__name__


def _summary(record: _Record) -> dict[str, Any]:
    return {
        "calls": record.calls,
        "failures": record.failures,
        "errors": record.errors,
        "p99_all": _percentile(record.latencies, 99),
        "due_latencies": record.due_latencies,
    }


def _percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1)]


CONFIG: dict[str, Any] = {}


# -- the fleet -------------------------------------------------------------------------------


def run_fleet(args: argparse.Namespace, kill_master: bool) -> dict[str, Any]:
    from _redis_ha import SERVICE, start_sentinel_set
    from _token_server import running

    from grantflow import RedisTokenStore

    with (
        tempfile.TemporaryDirectory() as directory,
        running(delay=0.1, access_ttl=ACCESS_TTL_S) as server,
    ):
        sentinels = start_sentinel_set(Path(directory))
        try:
            key = f"fleet-{int(time.time())}"
            master = sentinels.sentinel().master_for(SERVICE, socket_timeout=2)
            RedisTokenStore(master, key).save(server.issue(expired=True))
            base = {
                "sentinels": sentinels.sentinel_ports,
                "service": SERVICE,
                "key": key,
                "token_url": server.token_url,
                "api_url": server.api_url,
                "seconds": args.seconds,
                "threads": args.threads,
                "pause": args.pause,
            }
            processes = [
                subprocess.Popen(
                    [sys.executable, __file__, "--worker", json.dumps({**base, "driver": d})],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                )
                for d in (DRIVERS[i % len(DRIVERS)] for i in range(args.processes))
            ]
            for process in processes:
                assert process.stdout is not None
                line = process.stdout.readline().strip()
                assert line == "ready", f"a worker said {line!r}"
            started = time.monotonic()
            for process in processes:
                assert process.stdin is not None
                process.stdin.write("go\n")
                process.stdin.flush()
            killed_at = None
            if kill_master:
                time.sleep(args.seconds / 2)
                old = sentinels.master_port()
                sentinels.server_on(old).process.kill()
                killed_at = time.monotonic() - started
            results = []
            for process in processes:
                out, _ = process.communicate(timeout=args.seconds + 300)
                results.append(json.loads(out.strip().splitlines()[-1]))
            elapsed = time.monotonic() - started
            if kill_master:
                sentinels.wait_for_new_master(old)
        finally:
            sentinels.stop()
        counts = server.snapshot()
    due = [latency for r in results for latency in r["due_latencies"]]
    return {
        "failover": kill_master,
        "killed_at_s": killed_at,
        "seconds": round(elapsed, 1),
        "callers": f"{args.processes} x {args.threads}",
        "calls": sum(r["calls"] for r in results),
        "failed": sum(r["failures"] for r in results),
        "errors": sorted({e for r in results for e in r["errors"]}),
        "token_requests": counts.token_requests,
        "invalid_grant": counts.invalid_grant,
        "expiries": math.ceil(args.seconds / (ACCESS_TTL_S - LEEWAY_S)),
        "due_calls": len(due),
        "p99_due_ms": round(_percentile(due, 99) * 1000, 1),
        "p99_all_ms": round(max(r["p99_all"] for r in results) * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--processes", type=int, default=32)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--pause", type=float, default=0.25, help="seconds between calls")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        CONFIG.update(json.loads(args.worker))
        print(json.dumps(_worker(CONFIG)), flush=True)
        return
    print(
        "| Redis | callers | seconds | calls | failed | token requests | expiries "
        "| invalid_grant | p99 of due calls | p99 of all calls (worst process) |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for kill in (False, True):
        row = run_fleet(args, kill)
        label = f"master killed at {row['killed_at_s']:.0f} s" if kill else "no failover"
        print(
            f"| {label} | {row['callers']} | {row['seconds']} | {row['calls']} "
            f"| {row['failed']} | {row['token_requests']} | {row['expiries']} "
            f"| {row['invalid_grant']} | {row['p99_due_ms']} ms ({row['due_calls']} calls) "
            f"| {row['p99_all_ms']} ms |",
            flush=True,
        )
        if row["errors"]:
            print(f"errors: {row['errors']}", flush=True)


if __name__ == "__main__":
    main()
