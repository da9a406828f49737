"""Parse token endpoint responses (RFC 6749 §5.1, §5.2, §6)."""

from __future__ import annotations

import re

from ..errors import InvalidResponseError
from ._http import HttpResponse
from ._responses import parse_object_or_form
from ._token import OAuth2Token

__all__ = ["parse_token_response"]

# RFC 6749 §A.12: access-token = 1*VSCHAR, VSCHAR = %x20-7E.
_NOT_VSCHAR = re.compile(r"[^\x20-\x7e]")


def parse_token_response(
    response: HttpResponse,
    *,
    previous_refresh_token: str | None = None,
    now: float | None = None,
) -> OAuth2Token:
    """The token in a token endpoint response, or a typed error.

    - an ``{"error": ...}`` body at any status (some servers answer 200) is ``OAuthError``;
    - a body that is not a JSON object (HTML, an array) or lacks ``access_token`` is
      ``InvalidResponseError``;
    - a refresh response without ``refresh_token`` keeps the previous one (RFC 6749 §6:
      the server MAY issue a new refresh token).
    """
    data = parse_object_or_form(response, "token endpoint")
    access_token = data.get("access_token")
    if not isinstance(access_token, str) or not access_token:
        raise InvalidResponseError(
            description="the token endpoint response has no access_token",
            status_code=response.status_code,
        )
    if _NOT_VSCHAR.search(access_token):
        # Control characters would inject headers; other characters cannot be sent in
        # an Authorization header at all (http.client encodes ISO-8859-1 only).
        raise InvalidResponseError(
            description="the token endpoint's access_token contains control characters or "
            "characters that are not printable ASCII (RFC 6749 §A.12)",
            status_code=response.status_code,
        )
    token_type = data.get("token_type")
    if token_type is not None and not isinstance(token_type, str):
        raise InvalidResponseError(
            description="the token endpoint response has a token_type that is not a string",
            status_code=response.status_code,
        )
    if previous_refresh_token and not data.get("refresh_token"):
        data["refresh_token"] = previous_refresh_token
    return OAuth2Token(data, now=now)
