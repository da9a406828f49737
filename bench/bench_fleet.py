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
        [--failover-only] [--sentinel-stall SECONDS]

``--sentinel-stall`` freezes two of the three Sentinels for that long after the kill, so
the failover takes longer than it would: how long the fleet rides out an unreachable
store is the Redis clients' retry budget (about 29 s here), not grantflow's.
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
# The test helpers are modules of the tests.integration package (relative imports).
sys.path.insert(0, str(HERE.parent / "tests"))

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
        # (wall-clock start, seconds taken, error) of the first failed calls
        self.failed: list[tuple[float, float, str]] = []
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
                if len(self.failed) < 50:
                    self.failed.append((time.time() - elapsed, elapsed, error or str(status)))


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
        "failed": record.failed,
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
    from integration._redis_ha import SERVICE, start_sentinel_set
    from integration._token_server import running

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
            failover: dict[str, float] = {}
            if kill_master:
                time.sleep(args.seconds / 2)
                old = sentinels.master_port()
                sentinels.server_on(old).process.kill()
                killed_at = time.monotonic() - started
                if args.sentinel_stall:
                    _stall(sentinels.sentinels[:2], args.sentinel_stall)
                killed_wall = time.time()
                watcher = threading.Thread(
                    target=_time_failover, args=(sentinels, old, failover), daemon=True
                )
                watcher.start()
            results = []
            for process in processes:
                out, _ = process.communicate(timeout=args.seconds + 300)
                results.append(json.loads(out.strip().splitlines()[-1]))
            elapsed = time.monotonic() - started
            if kill_master:
                watcher.join(300)
                sentinels.wait_for_new_master(old)
            events = _sentinel_events(Path(directory))
        finally:
            sentinels.stop()
        counts = server.snapshot()
    due = [latency for r in results for latency in r["due_latencies"]]
    failed = [f for r in results for f in r["failed"]]
    return {
        "failover_s": round(failover["seconds"], 1) if "seconds" in failover else None,
        "sentinel_events": events,
        # When the failed calls started (seconds after the kill) and how long they took.
        "failed_calls": sorted(
            (round(start - killed_wall, 1), round(took, 1), error) for start, took, error in failed
        )[:10]
        if kill_master
        else [],
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


def _stall(processes: list[subprocess.Popen[bytes]], seconds: float) -> None:
    """Freeze ``processes`` (two Sentinels of three: no quorum) for ``seconds``, as a
    machine that starves them of CPU would, then let them go on."""
    import signal

    for process in processes:
        process.send_signal(signal.SIGSTOP)

    def resume() -> None:
        for process in processes:
            process.send_signal(signal.SIGCONT)

    threading.Timer(seconds, resume).start()


def _time_failover(sentinels: Any, old: int, into: dict[str, float]) -> None:
    """How long after the kill every Sentinel names a new master."""
    start = time.monotonic()
    sentinels.wait_for_new_master(old, deadline_s=300)
    into["seconds"] = time.monotonic() - start


def _sentinel_events(directory: Path) -> dict[str, int]:
    """How often the Sentinels tried, ended and aborted a failover, and entered TILT mode
    (a Sentinel whose timer ran more than 2 s late, as on a starved machine, stands
    still for 30 s), from their logs."""
    counts = {"+try-failover": 0, "+failover-end": 0, "-failover-abort": 0, "+tilt": 0}
    for log in directory.glob("sentinel*.log"):
        for line in log.read_text(errors="replace").splitlines():
            for event in counts:
                if f" {event}" in line:
                    counts[event] += 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--processes", type=int, default=32)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--pause", type=float, default=0.25, help="seconds between calls")
    parser.add_argument(
        "--sentinel-stall",
        type=float,
        default=0.0,
        help="freeze two Sentinels this long after the kill (a failover that takes longer)",
    )
    parser.add_argument(
        "--failover-only", action="store_true", help="skip the run without a failover"
    )
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
    for kill in (True,) if args.failover_only else (False, True):
        row = run_fleet(args, kill)
        label = f"master killed at {row['killed_at_s']:.0f} s" if kill else "no failover"
        print(
            f"| {label} | {row['callers']} | {row['seconds']} | {row['calls']} "
            f"| {row['failed']} | {row['token_requests']} | {row['expiries']} "
            f"| {row['invalid_grant']} | {row['p99_due_ms']} ms ({row['due_calls']} calls) "
            f"| {row['p99_all_ms']} ms |",
            flush=True,
        )
        if kill:
            print(
                f"failover: every Sentinel named the new master {row['failover_s']} s after "
                f"the kill; Sentinel log events {row['sentinel_events']}",
                flush=True,
            )
        if row["errors"]:
            print(f"errors: {row['errors']}", flush=True)
        if row["failed_calls"]:
            print(f"failed calls (s after the kill, s taken, error): {row['failed_calls']}")


if __name__ == "__main__":
    main()
