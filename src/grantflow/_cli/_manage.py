"""``grantflow refresh``, ``revoke`` and ``introspect``: what to do with a token one has.

Each takes the token the way secrets are taken (a file, an environment variable, or
argv with a warning), either bare or as the JSON that ``grantflow token`` printed, so
``grantflow token ... > token.json`` feeds the others.
"""

from __future__ import annotations

import argparse
from typing import Any

from .. import OAuth2Token
from ._args import add_command
from ._console import Console
from ._exit import EXIT_OK
from ._options import (
    add_client_options,
    add_server_options,
    build_session,
    json_object_or_text,
)
from ._secrets import SecretOption, add_secret_options
from ._token import add_grant_options, emit_token, grant_params

__all__ = ["REFRESH_TOKEN", "TOKEN", "add_manage_parsers", "refresh"]

_FROM_JSON = " (bare, or the JSON printed by 'grantflow token')"
REFRESH_TOKEN = SecretOption(
    "refresh-token", f"the refresh token{_FROM_JSON}", "GRANTFLOW_REFRESH_TOKEN"
)
TOKEN = SecretOption("token", f"the token{_FROM_JSON}", "GRANTFLOW_TOKEN")
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


def _read_token(
    option: SecretOption, args: argparse.Namespace, console: Console
) -> dict[str, Any] | str:
    """The token as given: a JSON token document (a dict) or a bare token (a str)."""
    text = option.resolve(args, console)
    if not text:
        raise ValueError(
            f"give {option.what}: --{option.name}-file FILE ('-' for stdin), "
            f"--{option.name}-env VAR or {option.default_env}"
        )
    return json_object_or_text(text, f"--{option.name}")


def _token_value(
    option: SecretOption, args: argparse.Namespace, console: Console, hint: str | None
) -> tuple[str, str | None]:
    """The token and its type hint, from a bare value or a JSON token document."""
    given = _read_token(option, args, console)
    if isinstance(given, str):
        return given, hint
    for name in (hint,) if hint else _HINTS:
        value = given.get(name)
        if isinstance(value, str) and value:
            return value, name
    raise ValueError(f"the JSON token has no {hint or ' or '.join(_HINTS)}")


def refresh(args: argparse.Namespace, console: Console) -> OAuth2Token:
    """A new token for the refresh token given (the old one is kept if none comes back).

    Given the JSON of an earlier token, the session starts from it, so a new ID token
    must name the same issuer, subject and audience (OpenID Connect Core §12.2).
    """
    given = _read_token(REFRESH_TOKEN, args, console)
    previous = given if isinstance(given, dict) else None
    value = given if isinstance(given, str) else given.get("refresh_token")
    if not isinstance(value, str) or not value:
        raise ValueError("the JSON token has no refresh_token")
    params = grant_params(args)
    if args.audience:
        params["audience"] = args.audience
    if args.scope:
        params["scope"] = args.scope
    with build_session(args, console, ("token_endpoint",), token=previous) as session:
        return session.refresh_token(refresh_token=value, **params)


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
