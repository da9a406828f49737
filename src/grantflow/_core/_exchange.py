"""OAuth 2.0 token exchange (RFC 8693): trade a token for another one.

A service holding a user's token asks for a token for another audience, a narrower
scope or another type (delegation and impersonation, §1.1). The request names the
subject token and its type, optionally the acting party's token, and what is wanted
(§2.1); the response says what type of token was issued (§2.2.1).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import InvalidResponseError
from ._grants import build_token_request
from ._http import HttpRequest, HttpResponse
from ._indicators import resource_indicators
from ._params import scope_to_str
from ._token import OAuth2Token
from ._token_response import parse_token_response

__all__ = [
    "ACCESS_TOKEN_TYPE",
    "ID_TOKEN_TYPE",
    "JWT_TOKEN_TYPE",
    "REFRESH_TOKEN_TYPE",
    "SAML1_TOKEN_TYPE",
    "SAML2_TOKEN_TYPE",
    "TOKEN_EXCHANGE_GRANT",
    "build_token_exchange_request",
    "parse_token_exchange_response",
    "token_exchange_params",
]

#: RFC 8693 §2.1
TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"

# RFC 8693 §3: token type identifiers.
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"
REFRESH_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:refresh_token"
ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token"
SAML1_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:saml1"
SAML2_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:saml2"
JWT_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:jwt"


def token_exchange_params(
    subject_token: str,
    subject_token_type: str = ACCESS_TOKEN_TYPE,
    *,
    actor_token: str | None = None,
    actor_token_type: str | None = None,
    requested_token_type: str | None = None,
    audience: str | Iterable[str] | None = None,
    resource: str | Iterable[str] | None = None,
    scope: str | Iterable[str] | None = None,
) -> dict[str, Any]:
    """The parameters of a token exchange request (RFC 8693 §2.1), checked.

    ``subject_token`` and its type are required; ``actor_token_type`` is required with an
    ``actor_token`` and refused without one. ``audience`` and ``resource`` may name
    several targets (repeated parameters); ``scope`` may be a list.
    """
    if not isinstance(subject_token, str) or not subject_token:
        raise ValueError("token exchange needs a subject_token")
    if not isinstance(subject_token_type, str) or not subject_token_type:
        raise ValueError("token exchange needs the subject_token_type")
    if actor_token is not None and not actor_token_type:
        raise ValueError("an actor_token needs its actor_token_type (RFC 8693 §2.1)")
    if actor_token is None and actor_token_type is not None:
        raise ValueError("actor_token_type is only sent with an actor_token (RFC 8693 §2.1)")
    audiences = [audience] if isinstance(audience, str) else audience
    return {
        "subject_token": subject_token,
        "subject_token_type": subject_token_type,
        "actor_token": actor_token,
        "actor_token_type": actor_token_type,
        "requested_token_type": requested_token_type,
        "audience": list(audiences) if audiences is not None else None,
        "resource": resource_indicators(resource),
        "scope": scope_to_str(scope),
    }


def build_token_exchange_request(
    token_endpoint: str, params: Mapping[str, Any], extra: Mapping[str, Any] | None = None
) -> HttpRequest:
    """The token request of the exchange grant with ``params`` from
    :func:`token_exchange_params` and any ``extra`` parameters. Client authentication is
    the caller's to apply (RFC 8693 §2.1)."""
    return build_token_request(token_endpoint, TOKEN_EXCHANGE_GRANT, {**(extra or {}), **params})


def parse_token_exchange_response(
    response: HttpResponse, *, now: float | None = None
) -> OAuth2Token:
    """The issued token, which must say its ``issued_token_type`` (RFC 8693 §2.2.1).

    Errors are as for any token response (:func:`parse_token_response`). The
    ``access_token`` field holds the issued token whatever its type, and ``token_type``
    may be ``N_A`` when it is not an access token (§2.2.1).
    """
    token = parse_token_response(response, now=now)
    issued = token.get("issued_token_type")
    if not isinstance(issued, str) or not issued:
        raise InvalidResponseError(
            description="the token exchange response has no issued_token_type (RFC 8693 §2.2.1)",
            status_code=response.status_code,
        )
    return token
