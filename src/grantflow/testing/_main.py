"""``grantflow dev-provider``: run the development provider until interrupted."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from typing import TextIO

from ._server import DevProvider

__all__ = ["main"]

WARNING = "For development and testing only: never use this provider in production."


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="grantflow dev-provider",
        description=f"Serve a small OpenID provider on loopback. {WARNING}",
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind")
    parser.add_argument("--port", type=int, default=0, help="TCP port (0: any free port)")
    parser.add_argument("--user", default="alice", help="the user signed in without a hint")
    parser.add_argument(
        "--login-page", action="store_true", help="ask for a user name and password"
    )
    parser.add_argument("--state-dir", default=None, help="where to write key files")
    return parser


def describe(provider: DevProvider, out: TextIO) -> None:
    """Print the issuer, users, clients with their secrets, and key files.

    The secrets are the fixed test values of this provider, printed on purpose.
    """
    out.write(f"{WARNING}\n\nissuer:    {provider.issuer}\n")
    out.write(f"discovery: {provider.discovery_url}\n\nusers:\n")
    for name, password in provider.users.items():
        out.write(f"  {name:<20} password {password}\n")
    out.write("\nclients:\n")
    for client_id, client in provider.clients.items():
        method = client.get("token_endpoint_auth_method", "client_secret_basic")
        secret = client.get("client_secret")
        line = f"  {client_id:<20} {method:<20}"
        out.write(f"{line} secret {secret}\n" if secret else f"{line}\n")
    out.write("\nfiles:\n")
    for name, path in provider.files.items():
        out.write(f"  {name:<20} {path}\n")
    out.flush()


def main(argv: Sequence[str] | None = None, *, stop: threading.Event | None = None) -> int:
    """Start the provider, print how to use it, and serve until Ctrl-C (or ``stop``)."""
    args = _parser().parse_args(argv)
    try:
        provider = DevProvider(
            args.host,
            args.port,
            default_user=args.user,
            login_page=args.login_page,
            state_dir=args.state_dir,
        )
        provider.start()
    except (ValueError, OSError) as exc:
        sys.stderr.write(f"grantflow dev-provider: {exc}\n")
        return 2
    if stop is None:
        stop = threading.Event()
        if threading.current_thread() is threading.main_thread():
            # SIGTERM (a process manager, `kill`) ends the server as cleanly as Ctrl-C.
            signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    try:
        describe(provider, sys.stdout)
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        provider.stop()
    return 0
