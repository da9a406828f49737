"""The tokens a command is given (a file, a variable or argv; bare or the JSON that
``grantflow token`` printed), and the refresh grant that ``grantflow refresh`` and
``grantflow token --grant refresh_token`` share."""

from __future__ import annotations

import argparse
from typing import Any

from .. import OAuth2Token
from ._console import Console
from ._options import build_session, json_object_or_text
from ._request import grant_params
from ._secrets import SecretOption

__all__ = ["REFRESH_TOKEN", "TOKEN", "read_token", "refresh"]

_FROM_JSON = " (bare, or the JSON printed by 'grantflow token')"
REFRESH_TOKEN = SecretOption(
    "refresh-token", f"the refresh token{_FROM_JSON}", "GRANTFLOW_REFRESH_TOKEN"
)
TOKEN = SecretOption("token", f"the token{_FROM_JSON}", "GRANTFLOW_TOKEN")


def read_token(
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


def refresh(args: argparse.Namespace, console: Console) -> OAuth2Token:
    """A new token for the refresh token given (the old one is kept if none comes back).

    Given the JSON of an earlier token, the session starts from it, so a new ID token
    must name the same issuer, subject and audience (OpenID Connect Core §12.2).
    """
    given = read_token(REFRESH_TOKEN, args, console)
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
