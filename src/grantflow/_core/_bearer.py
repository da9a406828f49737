"""Put an access token on a resource request (RFC 6750 §2, RFC 9449 §7.1)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..errors import InvalidTokenError, MissingTokenError, UnsupportedTokenTypeError
from ._params import add_params_to_body, add_params_to_uri

__all__ = [
    "TOKEN_PLACEMENTS",
    "HeaderCache",
    "add_token",
    "authorization_header",
    "authorization_scheme",
    "check_placement",
]

TOKEN_PLACEMENTS = ("header", "body", "uri")

# Spaces and controls (RFC 6750 §2.1 b64token has none) and anything http.client cannot
# encode as ISO-8859-1, which it would refuse with the whole token in its message.
_UNSENDABLE = re.compile(r"[\x00-\x20\x7f]|[^\x00-\xff]")


def check_placement(placement: str) -> str:
    """``placement`` if it is a known one, else a ValueError listing the known ones."""
    if placement not in TOKEN_PLACEMENTS:
        raise ValueError(
            f"unknown token_placement {placement!r}; use one of {', '.join(TOKEN_PLACEMENTS)}"
        )
    return placement


def authorization_scheme(token: Mapping[str, Any]) -> str:
    """``Bearer`` or ``DPoP`` for the token's ``token_type`` (missing means bearer).

    RFC 6749 §5.1 makes ``token_type`` case-insensitive; several providers send
    "bearer" in lower case.
    """
    token_type = token.get("token_type") or "bearer"
    kind = str(token_type).lower()
    if kind == "bearer":
        return "Bearer"
    if kind == "dpop":
        return "DPoP"
    raise UnsupportedTokenTypeError(
        description=f"token_type {str(token_type)[:40]!r} is not supported (bearer or DPoP)"
    )


def _access_token(token: Mapping[str, Any]) -> str:
    """The token's access token as text; a token without one cannot authorize anything
    (an ID-token-only response, say), and an empty ``Bearer`` would only earn a 401."""
    access_token = token.get("access_token")
    if access_token is None or access_token == "":
        raise MissingTokenError(description="the token has no access_token to send")
    return str(access_token)


def authorization_header(token: Mapping[str, Any]) -> str:
    """The ``Authorization`` value for ``token``: ``Bearer …`` or ``DPoP …``."""
    scheme = authorization_scheme(token)
    access_token = _access_token(token)
    if _UNSENDABLE.search(access_token):
        raise InvalidTokenError(
            description="the access token contains spaces, control characters or characters "
            "beyond ISO-8859-1 and cannot be sent in an Authorization header"
        )
    return f"{scheme} {access_token}"


class HeaderCache:
    """The ``Authorization`` value of the last token seen, rebuilt only when its access
    token or type is another object (the same two objects give the same value). The
    entry is one tuple swapped whole, so threads never see half of it."""

    __slots__ = ("_entry",)

    def __init__(self) -> None:
        self._entry: tuple[Any, Any, str] = (object(), object(), "")

    def value(self, token: Mapping[str, Any]) -> str:
        """``authorization_header(token)``, from the cache when the token is the same."""
        access_token = token.get("access_token")
        token_type = token.get("token_type")
        entry = self._entry
        if entry[0] is access_token and entry[1] is token_type:
            return entry[2]
        value = authorization_header(token)
        self._entry = (access_token, token_type, value)
        return value


def add_token(
    token: Mapping[str, Any],
    placement: str,
    uri: str,
    headers: dict[str, str],
    body: str | None,
) -> tuple[str, dict[str, str], str | None]:
    """Add ``token``'s access token to a request as a header, body or query parameter."""
    if placement == "header":
        headers = {**headers, "Authorization": authorization_header(token)}
        return uri, headers, body
    authorization_scheme(token)  # an unsupported token type is refused in every placement
    access_token = _access_token(token)
    if placement == "body":
        body = add_params_to_body(body or "", [("access_token", access_token)])
    elif placement == "uri":
        uri = add_params_to_uri(uri, [("access_token", access_token)])
    else:
        check_placement(placement)
    return uri, headers, body
