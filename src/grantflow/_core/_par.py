"""Pushed authorization requests (RFC 9126): post the parameters, send the browser a handle.

The authorization parameters go to the server over the back channel, authenticated
like a token request (§2.1); the server answers with a short-lived ``request_uri``
(§2.2), and the front-channel URL carries only ``client_id`` and that handle (§4), so
nothing in it can be read or altered in the browser.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import InvalidResponseError
from ._authorization import build_authorization_url
from ._frozen import Frozen
from ._grants import build_form_request
from ._http import HttpRequest, HttpResponse
from ._responses import parse_json_object, parse_seconds

__all__ = [
    "PushedAuthorization",
    "build_par_authorization_url",
    "build_par_request",
    "parse_par_response",
]

_WHAT = "pushed authorization request endpoint"


class PushedAuthorization(Frozen):
    """The server's handle for pushed parameters: ``request_uri`` and its lifetime."""

    __slots__ = ("expires_in", "request_uri")
    request_uri: str
    expires_in: int

    def __init__(self, request_uri: str, expires_in: int) -> None:
        self._set(request_uri=request_uri, expires_in=expires_in)

    def __repr__(self) -> str:
        return f"PushedAuthorization(request_uri=..., expires_in={self.expires_in})"


def build_par_request(
    endpoint: str, params: Mapping[str, Any], *, headers: Mapping[str, str] | None = None
) -> HttpRequest:
    """The POST of the authorization parameters to the PAR endpoint (RFC 9126 §2.1).

    The caller applies client authentication (and a DPoP proof) to the result.
    ``request_uri`` is refused: it must not be pushed (§2.1).
    """
    if params.get("request_uri") is not None:
        raise ValueError("a pushed authorization request must not carry request_uri")
    return build_form_request(endpoint, params, headers=headers)


def parse_par_response(response: HttpResponse) -> PushedAuthorization:
    """The ``request_uri`` and ``expires_in`` of a PAR response (RFC 9126 §2.2, §2.3).

    An ``{"error": ...}`` body is :class:`OAuthError`; anything else without a string
    ``request_uri`` and a positive ``expires_in`` is :class:`InvalidResponseError`.
    """
    data = parse_json_object(response, _WHAT)
    # §2.2 says 201 Created; a 200 carrying the same fields means the same thing, so it is
    # read alike rather than failing a request the server accepted.
    if response.status_code not in (200, 201):
        raise _invalid(response, f"answered HTTP {response.status_code}, not 201")
    request_uri = data.get("request_uri")
    if not isinstance(request_uri, str) or not request_uri:
        raise _invalid(response, "has no request_uri")
    expires_in = parse_seconds(data.get("expires_in"))
    if expires_in is None or int(expires_in) <= 0:
        raise _invalid(response, "has no positive expires_in")
    return PushedAuthorization(request_uri, int(expires_in))


def _invalid(response: HttpResponse, what: str) -> InvalidResponseError:
    return InvalidResponseError(
        description=f"the {_WHAT}'s response {what} (RFC 9126 §2.2)",
        status_code=response.status_code,
    )


def build_par_authorization_url(endpoint: str, client_id: str, request_uri: str) -> str:
    """The front-channel URL: the authorization endpoint with ``client_id`` and
    ``request_uri`` only (RFC 9126 §4)."""
    if not client_id or not request_uri:
        raise ValueError(
            "the authorization URL of a pushed request needs client_id and request_uri"
        )
    return build_authorization_url(endpoint, {"client_id": client_id, "request_uri": request_uri})
