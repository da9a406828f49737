"""``grantflow refresh``, ``revoke`` and ``introspect``: what to do with a token one has.

Each takes the token the way secrets are taken (a file, an environment variable, or
argv with a warning), either bare or as the JSON that ``grantflow token`` printed, so
``grantflow token ... > token.json`` feeds the others.
"""

from __future__ import annotations

import argparse
from typing import Any

from ._args import add_command
from ._console import Console
from ._exit import EXIT_OK
from ._options import (
    add_client_options,
    add_server_options,
    build_session,
)
from ._refresh import REFRESH_TOKEN, TOKEN, read_token, refresh
from ._request import add_grant_options, emit_token
from ._secrets import SecretOption, add_secret_options

__all__ = ["add_manage_parsers"]

_HINTS = ("access_token", "refresh_token")


def add_manage_parsers(subparsers: Any) -> None:
    """Register ``refresh``, ``revoke`` and ``introspect``."""
    refresh_parser = _parser(subparsers, "refresh", "use a refresh token (RFC 6749 §6)")
    add_secret_options(refresh_parser.add_argument_group("refresh token"), REFRESH_TOKEN)
    add_grant_options(refresh_parser)
    refresh_parser.set_defaults(run=_run_refresh)
    for name, text, runner in (
        ("revoke", "revoke a token (RFC 7009)", _run_revoke),
        ("introspect", "ask whether a token is active (RFC 7662)", _run_introspect),
    ):
        parser = _parser(subparsers, name, text)
        group = parser.add_argument_group("token")
        add_secret_options(group, TOKEN)
        group.add_argument(
            "--token-type-hint",
            choices=_HINTS,
            help="which kind of token it is (default: the access token of a JSON token)",
        )
        parser.set_defaults(run=runner)


def _parser(subparsers: Any, name: str, text: str) -> argparse.ArgumentParser:
    parser = add_command(subparsers, name, text, text[0].upper() + text[1:] + ".")
    add_server_options(parser)
    add_client_options(parser)
    return parser


def _token_value(
    option: SecretOption, args: argparse.Namespace, console: Console, hint: str | None
) -> tuple[str, str | None]:
    """The token and its type hint, from a bare value or a JSON token document."""
    given = read_token(option, args, console)
    if isinstance(given, str):
        return given, hint
    for name in (hint,) if hint else _HINTS:
        value = given.get(name)
        if isinstance(value, str) and value:
            return value, name
    raise ValueError(f"the JSON token has no {hint or ' or '.join(_HINTS)}")


def _run_refresh(args: argparse.Namespace, console: Console) -> int:
    emit_token(refresh(args, console), args, console)
    return EXIT_OK


def _run_revoke(args: argparse.Namespace, console: Console) -> int:
    value, hint = _token_value(TOKEN, args, console, args.token_type_hint)
    with build_session(args, console, ("revocation_endpoint",)) as session:
        response = session.revoke_token(token=value, token_type_hint=hint)
    # RFC 7009 §2.2: 200 also answers a token the server did not know; it is not a receipt.
    console.note(f"grantflow: the server accepted the revocation (HTTP {response.status_code})")
    return EXIT_OK


def _run_introspect(args: argparse.Namespace, console: Console) -> int:
    value, hint = _token_value(TOKEN, args, console, args.token_type_hint)
    with build_session(args, console, ("introspection_endpoint",)) as session:
        answer = session.introspect_token(token=value, token_type_hint=hint).json()
    state = "active" if answer.get("active") is True else "not active"
    console.note(f"grantflow: the token is {state}")
    console.result(answer)
    return EXIT_OK
