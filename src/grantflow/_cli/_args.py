"""The command line's grammar: a parser whose usage errors fit on one line, and value checks.

argparse prints its whole usage block above a usage error; a person needs the one
thing that was wrong and where to read more, so :class:`Parser` prints just that. Values
that argparse would accept and a later step would choke on (a port of 99999, a negative
timeout, an issuer without a scheme) are refused here, with the fix in the message.
"""

from __future__ import annotations

import argparse
import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn
from urllib.parse import urlsplit

from ._exit import EXIT_STATUS_HELP, EXIT_USAGE

__all__ = [
    "FromEnv",
    "Parser",
    "add_command",
    "non_negative_seconds",
    "port_number",
    "positive_seconds",
    "resolve_env_defaults",
    "url",
]


class Parser(argparse.ArgumentParser):
    """An :class:`argparse.ArgumentParser` whose usage errors are one line and a hint.

    Subcommand parsers are made from the parser's own class, so every command of the
    program answers a mistake the same way.
    """

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message}\nTry '{self.prog} --help'.\n")


def add_command(subparsers: Any, name: str, summary: str, description: str) -> Parser:
    """A subcommand: ``summary`` in the list of commands; ``description`` and exit statuses
    in its own help."""
    parser: Parser = subparsers.add_parser(
        name,
        help=summary,
        description=description,
        epilog=EXIT_STATUS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return parser


@dataclass(frozen=True, slots=True)
class FromEnv:
    """An option's default read from an environment variable once the arguments are parsed.

    The environment is the command's (given to ``main``), not the process's, and the
    value goes through ``check`` as a value given on the command line would.
    """

    variable: str
    check: Callable[[str], str] | None = None

    def __str__(self) -> str:
        return f"${self.variable}"


def resolve_env_defaults(args: argparse.Namespace, env: Mapping[str, str]) -> None:
    """Replace each :class:`FromEnv` default left in ``args`` by the variable's value."""
    for dest, value in vars(args).items():
        if not isinstance(value, FromEnv):
            continue
        found = env.get(value.variable) or None
        if found is not None and value.check is not None:
            try:
                found = value.check(found)
            except argparse.ArgumentTypeError as exc:
                raise ValueError(f"{value.variable}: {exc}") from None
        setattr(args, dest, found)


def _suggest_url(value: str) -> str:
    """The URL a scheme-less ``host[:port][/path]`` most likely meant."""
    host = urlsplit(f"//{value}").hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    # http is only allowed on loopback (RFC 6749 §3.1 asks for TLS everywhere else).
    return f"{'http' if loopback else 'https'}://{value}"


def url(value: str) -> str:
    """An absolute http(s) URL; anything else is refused with the URL it probably meant."""
    parts = urlsplit(value)
    if parts.scheme in ("http", "https") and parts.netloc:
        return value
    if "://" in value:
        raise argparse.ArgumentTypeError(f"{value!r} is not an http:// or https:// URL")
    raise argparse.ArgumentTypeError(
        f"{value!r} is not a URL (no scheme); did you mean {_suggest_url(value)}?"
    )


def port_number(value: str) -> int:
    """A TCP port, 0 to 65535 (0: the system picks a free one)."""
    try:
        port = int(value)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a TCP port: give 0 to 65535 (0: any free port)"
        )
    return port


def _seconds(value: str, *, zero_ok: bool) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = float("nan")
    if not (seconds >= 0 if zero_ok else seconds > 0) or seconds == float("inf"):
        least = "0 or more" if zero_ok else "more than 0"
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds ({least})")
    return seconds


def positive_seconds(value: str) -> float:
    """A duration in seconds, more than 0 (an HTTP timeout)."""
    return _seconds(value, zero_ok=False)


def non_negative_seconds(value: str) -> float:
    """A duration in seconds, 0 or more (0: do not wait at all)."""
    return _seconds(value, zero_ok=True)
