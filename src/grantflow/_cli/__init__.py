"""The ``grantflow`` command: tokens, discovery, JWTs, a development provider and a demo.

This package is the only part of grantflow that prints or exits. It is a client of the
public API like any application, so each check the library makes (state, PKCE, ``iss``,
the ID token) is made here too, and each failure becomes a documented exit status.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ._console import Console
from ._exit import (
    EXIT_INTERRUPTED,
    EXIT_STATUS_HELP,
    EXIT_USAGE,
    describe_failure,
)

__all__ = ["main"]

_DESCRIPTION = """\
OAuth 2.0 and OpenID Connect from the command line.

Tokens and documents go to stdout as JSON; notes and errors go to stderr. Secrets are
read from files or environment variables (--client-secret-file, GRANTFLOW_CLIENT_SECRET,
...): a secret on the command line is visible to other users and draws a warning.
"""


def _parser() -> argparse.ArgumentParser:
    from .. import __version__
    from ._demo import add_demo_parser
    from ._inspect import add_inspect_parsers
    from ._manage import add_manage_parsers
    from ._token import add_token_parser

    parser = argparse.ArgumentParser(
        prog="grantflow",
        description=_DESCRIPTION,
        epilog=EXIT_STATUS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"grantflow {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    add_token_parser(subparsers)
    add_manage_parsers(subparsers)
    add_inspect_parsers(subparsers)
    # Listed for --help; main() hands its arguments to grantflow.testing untouched.
    subparsers.add_parser(
        "dev-provider",
        help="run a development OpenID provider on loopback (prints its clients and secrets)",
        add_help=False,
    )
    add_demo_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    console = Console()
    try:
        if args_list[:1] == ["dev-provider"]:
            from ..testing import main as dev_provider_main

            return dev_provider_main(args_list[1:])
        try:
            args = _parser().parse_args(args_list)
        except SystemExit as exc:  # --help, --version, or a usage error already printed
            return exc.code if isinstance(exc.code, int) else EXIT_USAGE
        status: int = args.run(args, console)
        return status
    except KeyboardInterrupt:
        console.error(["interrupted"])
        return EXIT_INTERRUPTED
    except Exception as exc:
        failure = describe_failure(exc)
        if failure is None:
            raise
        status, lines = failure
        console.error(lines)
        return status
