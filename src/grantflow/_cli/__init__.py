"""The ``grantflow`` command: tokens, discovery, JWTs, a development provider and a demo.

This package is the only part of grantflow that prints or exits. It is a client of the
public API like any application, so each check the library makes (state, PKCE, ``iss``,
the ID token) is made here too, and each failure becomes a documented exit status.

:func:`main` runs a command in-process with any streams and environment;
:func:`console_script` is the program, which adds what only a process has: signals
and the final exit.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Mapping, Sequence
from contextlib import redirect_stderr, redirect_stdout
from types import FrameType
from typing import NoReturn, TextIO

from ._args import Parser, resolve_env_defaults
from ._console import Console
from ._exit import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_OUTPUT_CLOSED,
    EXIT_STATUS_HELP,
    EXIT_USAGE,
    describe_failure,
)

__all__ = ["console_script", "main"]

_DESCRIPTION = """\
OAuth 2.0 and OpenID Connect from the command line.

Tokens and documents go to stdout as JSON; notes and errors go to stderr. Secrets are
read from files or environment variables (--client-secret-file, GRANTFLOW_CLIENT_SECRET,
...): a secret on the command line is visible to other users and draws a warning.
"""


def _parser() -> argparse.ArgumentParser:
    from .. import __version__
    from ._delegation import add_delegation_parsers
    from ._demo import add_demo_parser
    from ._dev_provider import add_dev_provider_parser
    from ._inspect import add_inspect_parsers
    from ._manage import add_manage_parsers
    from ._token import add_token_parser

    parser = Parser(
        prog="grantflow",
        description=_DESCRIPTION,
        epilog=EXIT_STATUS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"grantflow {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    add_token_parser(subparsers)
    add_manage_parsers(subparsers)
    add_delegation_parsers(subparsers)
    add_inspect_parsers(subparsers)
    add_dev_provider_parser(subparsers)
    add_demo_parser(subparsers)
    return parser


def _parse(argv: list[str], console: Console) -> argparse.Namespace | int:
    """The parsed arguments, or the exit status when parsing ended the command."""
    try:
        # argparse writes help, --version and usage errors to sys.stdout / sys.stderr.
        with redirect_stdout(console.out), redirect_stderr(console.err):
            args = _parser().parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error already printed
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    resolve_env_defaults(args, console.env)
    return args


def main(
    argv: Sequence[str] | None = None,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    env: Mapping[str, str] | None = None,
    stop: threading.Event | None = None,
) -> int:
    """Run the command with ``argv`` (default: ``sys.argv[1:]``); return the exit status.

    The streams default to the process's and ``env`` to ``os.environ``; pass others to
    run a command in-process. Setting ``stop`` ends ``dev-provider``'s serving.
    """
    args_list = list(sys.argv[1:] if argv is None else argv)
    console = Console(stdout, stderr, stdin=stdin, env=env, stop=stop)
    try:
        if args_list == ["--version"]:
            # Answered before the parser is built: the commands' modules load requests.
            from .. import __version__

            console.out.write(f"grantflow {__version__}\n")
            console.out.flush()
            return EXIT_OK
        args = _parse(args_list, console)
        if isinstance(args, int):
            return args
        status: int = args.run(args, console)
        return status
    except KeyboardInterrupt:
        console.error(["interrupted"])
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # stdout went away (`grantflow demo | head`): the clean-up already ran on the
        # way here; the reader asked for no more, so there is nothing to report.
        return EXIT_OUTPUT_CLOSED
    except Exception as exc:
        failure = describe_failure(exc)
        if failure is None:
            raise
        status, lines = failure
        console.error(lines)
        return status


def _exit_on_signal(signum: int, frame: FrameType | None) -> NoReturn:
    # Raised in the main thread, so every `finally` runs on the way out: the demo's
    # provider stops and a development provider's temporary files are removed.
    raise SystemExit(128 + signum)


def console_script() -> NoReturn:
    """The ``grantflow`` program: :func:`main`, plus SIGTERM/SIGHUP handling and the exit."""
    for name in ("SIGTERM", "SIGHUP"):
        signum = getattr(signal, name, None)
        if signum is not None:
            signal.signal(signum, _exit_on_signal)
    status = main()
    if status == EXIT_OUTPUT_CLOSED:
        # Python flushes stdout once more at exit; into a closed pipe that prints
        # "Exception ignored ... BrokenPipeError". Point stdout at /dev/null instead.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    sys.exit(status)
