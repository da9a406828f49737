"""Token requests made by 32 threads sharing one session during a token-endpoint outage.

A local server answers ``503`` with ``Retry-After: 5`` to every token request for the
first ``--outage`` seconds, then issues tokens; its API always answers 200. The session
starts with an expired token, and 32 threads call the API for ``--seconds``. Printed:
token requests during and after the outage, calls that failed, calls that succeeded.

    PYTHONPATH=src python bench/bench_outage_storm.py
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import grantflow


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--outage", type=float, default=3.0)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--retries", type=int, default=None, help="token_retries= (default: 2)")
    args = parser.parse_args()

    start = time.monotonic()
    counts = {"token_in_outage": 0, "token_after": 0}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            down = time.monotonic() - start < args.outage
            with lock:
                counts["token_in_outage" if down else "token_after"] += 1
            if down:
                self._reply(503, {"error": "temporarily_unavailable"}, {"Retry-After": "5"})
            else:
                self._reply(
                    200,
                    {
                        "access_token": "at",
                        "token_type": "Bearer",
                        "expires_in": 3600,
                        "refresh_token": "rt",
                    },
                )

        def do_GET(self) -> None:
            self._reply(200, {"ok": True})

        def _reply(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
            body = json.dumps(data).encode()
            self.send_response(status)
            for key, value in {"Content-Type": "application/json", **(headers or {})}.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    options = {} if args.retries is None else {"token_retries": args.retries}
    session = grantflow.OAuth2Session(
        **options,
        client_id="client",
        client_secret="secret",
        token_endpoint=f"{base}/token",
        token={
            "access_token": "old",
            "token_type": "Bearer",
            "refresh_token": "rt",
            "expires_at": 1,
        },
    )
    outcome = {"ok": 0, "failed": 0}

    def work() -> None:
        while time.monotonic() - start < args.seconds:
            try:
                session.get(f"{base}/api")
                key = "ok"
            except grantflow.OAuthError:
                key = "failed"
            with lock:
                outcome[key] += 1

    threads = [threading.Thread(target=work) for _ in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    server.shutdown()
    print(
        f"threads={args.threads} outage={args.outage:g}s run={args.seconds:g}s "
        f"token_requests_in_outage={counts['token_in_outage']} "
        f"token_requests_after={counts['token_after']} "
        f"failed_calls={outcome['failed']} ok_calls={outcome['ok']}"
    )


if __name__ == "__main__":
    main()
