"""What several commands share: the request options (``--scope``, ``--param``, ...) and
how a token is printed."""

from __future__ import annotations

import argparse
import time
from typing import Any

from .. import OAuth2Token
from ._console import Console
from ._jwt import decode_unverified, looks_like_jwt

__all__ = ["add_grant_options", "emit_token", "grant_params"]


def add_grant_options(parser: argparse.ArgumentParser) -> None:
    """``--scope``, ``--audience``, ``--resource``, ``--param`` and ``--decode``."""
    group = parser.add_argument_group("request")
    group.add_argument("--scope", help="space-separated scopes to ask for")
    group.add_argument("--audience", help="the audience parameter some servers expect")
    group.add_argument(
        "--resource",
        action="append",
        metavar="URI",
        help="an RFC 8707 resource indicator (repeatable)",
    )
    group.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an extra parameter (repeatable); for the code flow it goes into the "
        "authorization request, for the others into the token request",
    )
    group.add_argument(
        "--decode", action="store_true", help="add the decoded claims of JWTs under 'decoded'"
    )


def grant_params(args: argparse.Namespace, *, code_flow: bool = False) -> dict[str, Any]:
    """The extra request parameters the options give (``--param``, audience, resource)."""
    params: dict[str, Any] = {}
    for item in args.param:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise ValueError(f"--param takes NAME=VALUE, got {name or item!r} without '='")
        params.setdefault(name, []).append(value)
    flat: dict[str, Any] = {k: v[0] if len(v) == 1 else v for k, v in params.items()}
    if args.audience and code_flow:
        flat["audience"] = args.audience
    if args.resource:
        flat["resource"] = list(args.resource)
    return flat


def emit_token(token: OAuth2Token, args: argparse.Namespace, console: Console) -> None:
    """Print the token as JSON on stdout and a summary without any token on stderr."""
    output: dict[str, Any] = dict(token)
    if getattr(args, "decode", False):
        decoded: dict[str, Any] = {}
        for name in ("access_token", "id_token", "refresh_token"):
            value = token.get(name)
            if isinstance(value, str) and looks_like_jwt(value):
                decoded[name] = decode_unverified(value)
        output["decoded"] = decoded
    console.note(_summary(token))
    console.result(output)


def _summary(token: OAuth2Token) -> str:
    parts = [f"grantflow: got a {token.get('token_type', 'token')} access token"]
    expires_at = token.get("expires_at")
    if isinstance(expires_at, (int, float)):
        parts.append(f"expiring in {max(0, int(expires_at - time.time()))} s")
    if token.get("scope"):
        parts.append(f"scope {token['scope']!r}")
    parts.append("with a refresh token" if token.get("refresh_token") else "no refresh token")
    claims = token.get("userinfo")
    if isinstance(claims, dict):
        parts.append(f"ID token validated (sub {claims.get('sub')!r})")
    return ", ".join(parts)
