"""``grantflow exchange`` (RFC 8693 token exchange) and ``grantflow register`` (RFC 7591
dynamic client registration).

The subject, actor and initial access tokens are taken as every secret of the command
is: a file, an environment variable, or argv with a warning. ``register`` prints the
registered client, secret included, as JSON on stdout and nothing secret on stderr.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from .. import OAuth2Session
from ._args import add_command
from ._console import Console
from ._discovery import load_metadata
from ._exit import EXIT_OK
from ._files import read_text
from ._options import (
    AUTH_METHODS,
    add_client_options,
    add_server_options,
    build_session,
    require_server,
    server_metadata,
    transport,
)
from ._refresh import read_token
from ._request import add_grant_options, emit_token, grant_params
from ._secrets import SecretOption, add_secret_options

__all__ = ["add_delegation_parsers"]

_FROM_JSON = "(bare, or the JSON printed by 'grantflow token')"
SUBJECT_TOKEN = SecretOption(
    "subject-token", f"the subject token {_FROM_JSON}", "GRANTFLOW_SUBJECT_TOKEN"
)
ACTOR_TOKEN = SecretOption("actor-token", f"the actor token {_FROM_JSON}", "GRANTFLOW_ACTOR_TOKEN")
INITIAL_ACCESS_TOKEN = SecretOption(
    "initial-access-token",
    "the initial access token the server requires for registration",
    "GRANTFLOW_INITIAL_ACCESS_TOKEN",
)
#: RFC 8693 §3 token type URIs by their short names; any other URI is taken as given.
TOKEN_TYPES = {
    name: f"urn:ietf:params:oauth:token-type:{name}"
    for name in ("access_token", "refresh_token", "id_token", "jwt", "saml1", "saml2")
}
ACCESS_TOKEN_TYPE = TOKEN_TYPES["access_token"]
_TYPES_HELP = f"a token type URI or one of {', '.join(TOKEN_TYPES)}"


def add_delegation_parsers(subparsers: Any) -> None:
    """Register ``exchange`` and ``register``."""
    _add_exchange_parser(subparsers)
    _add_register_parser(subparsers)


def _token_type(value: str) -> str:
    if value in TOKEN_TYPES:
        return TOKEN_TYPES[value]
    if ":" not in value:
        raise argparse.ArgumentTypeError(f"{value!r} is not {_TYPES_HELP}")
    return value


def _add_exchange_parser(subparsers: Any) -> None:
    text = "exchange a token for another (RFC 8693)"
    parser = add_command(
        subparsers,
        "exchange",
        text,
        "Exchange a subject token (and optionally an actor token) for a new token "
        "(RFC 8693). The new token is printed as JSON with its issued_token_type.",
    )
    add_server_options(parser)
    add_client_options(parser)
    subject = parser.add_argument_group("subject and actor tokens")
    add_secret_options(subject, SUBJECT_TOKEN)
    add_secret_options(subject, ACTOR_TOKEN)
    for flag, what, default in (
        ("subject-token-type", "the subject token's type", ACCESS_TOKEN_TYPE),
        ("actor-token-type", "the actor token's type", None),
        ("requested-token-type", "the type of token wanted", None),
    ):
        shown = " (default: access_token)" if flag != "requested-token-type" else ""
        subject.add_argument(
            f"--{flag}",
            type=_token_type,
            default=default,
            metavar="TYPE",
            help=f"{what}: {_TYPES_HELP}{shown}",
        )
    add_grant_options(parser)
    parser.set_defaults(run=_run_exchange)


def _member(option: SecretOption, token_type: str, args: argparse.Namespace, c: Console) -> str:
    """The token to send: bare as given, or the member of a JSON token its type names."""
    given = read_token(option, args, c)
    if isinstance(given, str):
        return given
    name = next((k for k, v in TOKEN_TYPES.items() if v == token_type), "access_token")
    value = given.get(name)
    if not isinstance(value, str) or not value:
        raise ValueError(f"the JSON given for --{option.name} has no {name}")
    return value


def _has(option: SecretOption, args: argparse.Namespace, console: Console) -> bool:
    given = (getattr(args, option.dest + s, None) for s in ("", "_file", "_env"))
    return any(v is not None for v in given) or bool(console.env.get(option.default_env))


def _run_exchange(args: argparse.Namespace, console: Console) -> int:
    subject = _member(SUBJECT_TOKEN, args.subject_token_type, args, console)
    actor: str | None = None
    actor_type: str | None = None
    if _has(ACTOR_TOKEN, args, console):
        actor_type = args.actor_token_type or ACCESS_TOKEN_TYPE
        actor = _member(ACTOR_TOKEN, actor_type, args, console)
    elif args.actor_token_type:
        raise ValueError("--actor-token-type needs an actor token (--actor-token-file, ...)")
    params = grant_params(args)
    resource = params.pop("resource", None)
    with build_session(args, console, ("token_endpoint",)) as session:
        token = session.exchange_token(
            subject,
            args.subject_token_type,
            actor_token=actor,
            actor_token_type=actor_type,
            requested_token_type=args.requested_token_type,
            audience=args.audience,
            resource=resource,
            scope=args.scope,
            **params,
        )
    emit_token(token, args, console)
    return EXIT_OK


# -- register ----------------------------------------------------------------------------------


def _add_register_parser(subparsers: Any) -> None:
    text = "register a client with the server (RFC 7591)"
    parser = add_command(
        subparsers,
        "register",
        text,
        "Register a client (RFC 7591) from --metadata-file and the options below (the "
        "options win). The registered client, with its secret, is printed as JSON on "
        "stdout: keep it as you would keep the secret.",
    )
    add_server_options(parser)
    group = parser.add_argument_group("client metadata")
    group.add_argument(
        "--metadata-file",
        metavar="FILE",
        help="the client metadata as a JSON object ('-' for stdin)",
    )
    group.add_argument(
        "--redirect-uri", action="append", metavar="URI", help="a redirect URI (repeatable)"
    )
    group.add_argument(
        "--grant-type", action="append", metavar="GRANT", help="a grant type (repeatable)"
    )
    group.add_argument("--auth-method", choices=AUTH_METHODS, help="token_endpoint_auth_method")
    group.add_argument("--client-name", help="a human-readable name for the client")
    group.add_argument("--scope", help="space-separated scopes the client will use")
    group.add_argument(
        "--contact", action="append", metavar="EMAIL", help="a contact address (repeatable)"
    )
    add_secret_options(group, INITIAL_ACCESS_TOKEN)
    parser.set_defaults(run=_run_register)


def _metadata(args: argparse.Namespace, console: Console) -> dict[str, Any]:
    metadata: dict[str, Any] = {}
    if args.metadata_file:
        text = read_text(args.metadata_file, "--metadata-file", secret=False, stdin=console.stdin)
        try:
            loaded = json.loads(text)
        except ValueError:
            raise ValueError("--metadata-file is not JSON") from None
        if not isinstance(loaded, dict):
            raise ValueError("--metadata-file must hold a JSON object")
        metadata.update(loaded)
    given = {
        "redirect_uris": args.redirect_uri,
        "grant_types": args.grant_type,
        "token_endpoint_auth_method": args.auth_method,
        "client_name": args.client_name,
        "scope": args.scope,
        "contacts": args.contact,
    }
    metadata.update({k: v for k, v in given.items() if v})
    return metadata


def _run_register(args: argparse.Namespace, console: Console) -> int:
    metadata = _metadata(args, console)
    initial = INITIAL_ACCESS_TOKEN.resolve(args, console)
    require_server(args, "registration_endpoint")
    how = transport(args)
    with OAuth2Session(None, **server_metadata(args), **how) as session:
        if args.issuer:
            load_metadata(session, args.issuer, how)
        registered = session.register_client(metadata=metadata, initial_access_token=initial)
    console.note(
        f"grantflow: registered client {registered['client_id']!r}"
        f" ({registered.token_endpoint_auth_method})"
    )
    console.result(dict(registered))
    return EXIT_OK
