"""``grantflow dev-provider``: run the development provider until interrupted.

The banner on stdout names everything a person needs to point a client at it (issuer,
users, clients with their secrets and registered redirect URIs, key files) and the
command that signs in with it; stderr logs each request it serves, without secrets.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

from ..testing import DevProvider
from ._args import add_command, port_number
from ._console import Console
from ._exit import EXIT_OK

__all__ = ["add_dev_provider_parser", "describe"]

WARNING = "For development and testing only: never use this provider in production."

_DESCRIPTION = f"""\
Serve a small OpenID provider on loopback, with fixed users, clients and secrets,
until Ctrl-C. {WARNING}

  grantflow dev-provider --port 9000
  grantflow token --issuer http://127.0.0.1:9000 --client-id client-public --no-browser
"""


def add_dev_provider_parser(subparsers: Any) -> None:
    """Register ``grantflow dev-provider``."""
    parser = add_command(
        subparsers,
        "dev-provider",
        "run a development OpenID provider on loopback (prints its clients and secrets)",
        _DESCRIPTION,
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="loopback address to listen on: 127.0.0.1, ::1 or localhost (default: 127.0.0.1)",
    )
    parser.add_argument(
        "--port",
        type=port_number,
        default=0,
        help="TCP port, 0 to 65535 (default: 0, any free port)",
    )
    parser.add_argument(
        "--user", default="alice", help="the user signed in without a login hint (default: alice)"
    )
    parser.add_argument(
        "--login-page",
        action="store_true",
        help="ask for a user name and password instead of signing the user in (default: off)",
    )
    parser.add_argument(
        "--state-dir",
        metavar="DIR",
        help="keep the private_key_jwt client's key files (PEM and JWK Set) and clients.json "
        "(every client and secret) in DIR, which is left in place on exit (default: a "
        "temporary directory removed on exit). A DIR that does not exist is created only "
        "inside the current directory or the temporary directory, unless --create-state-dir",
    )
    parser.add_argument(
        "--create-state-dir",
        action="store_true",
        help="create --state-dir wherever it is (default: off)",
    )
    parser.set_defaults(run=run)


def _inside(path: Path, parent: Path) -> bool:
    return path == parent or parent in path.parents


def _state_dir(args: argparse.Namespace) -> Path | None:
    """``--state-dir`` checked: an existing directory, or one it is safe to create."""
    if args.state_dir is None:
        return None
    path = Path(args.state_dir).expanduser().resolve()
    if path.exists():
        if not path.is_dir():
            raise ValueError(f"--state-dir {path} is not a directory")
        return path
    # A mistyped path must not scatter key files over the disk: create only where
    # throw-away files belong, unless asked to.
    temp = Path(tempfile.gettempdir()).resolve()
    if args.create_state_dir or _inside(path, Path.cwd()) or _inside(path, temp):
        return path
    raise ValueError(
        f"--state-dir {path} does not exist; it is created only inside the current "
        f"directory or {temp}: create it, or add --create-state-dir"
    )


def run(args: argparse.Namespace, console: Console) -> int:
    """Start the provider, print how to use it, and serve until interrupted."""
    lock = threading.Lock()

    def log(line: str) -> None:
        with lock:
            console.note(f"{time.strftime('%H:%M:%S')} {line}")

    provider = DevProvider(
        args.host,
        args.port,
        default_user=args.user,
        login_page=args.login_page,
        state_dir=_state_dir(args),
        log=log,
    )
    provider.start()
    try:
        describe(provider, console.out)
        console.note("grantflow dev-provider: serving; each request is logged here. Ctrl-C stops.")
        # Ctrl-C raises KeyboardInterrupt out of the wait (exit 130); ``stop`` ends it
        # for a caller running the command in-process.
        (console.stop or threading.Event()).wait()
    finally:
        provider.stop()
    return EXIT_OK


def _redirect_uris(client: dict[str, Any]) -> str:
    uris: list[str] = list(client.get("redirect_uris") or ())
    native = client.get("application_type") == "native"
    shown = [f"{uri} (any port)" if native and urlsplit(uri).port is None else uri for uri in uris]
    return ", ".join(shown)


def describe(provider: DevProvider, out: TextIO) -> None:
    """Print the issuer, users, clients with their secrets and redirect URIs, key files.

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
        out.write(f"{line} secret {secret}\n" if secret else f"{line.rstrip()}\n")
        redirects = _redirect_uris(client)
        if redirects:
            out.write(f"  {'':<20} redirect URIs: {redirects}\n")
    if provider.files:
        out.write("\nfiles:\n")
        for name, path in provider.files.items():
            out.write(f"  {name:<20} {path}\n")
    out.write(
        "\nSign in from the command line (client-public, a native app):\n"
        f"  grantflow token --issuer {provider.issuer} --client-id client-public --no-browser\n"
    )
    out.flush()
