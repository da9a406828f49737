"""UserInfo responses: JSON or a signed JWT, whose ``sub`` must be the ID token's.

OpenID Connect Core 1.0 §5.3.2 (successful response), §5.3.3 (error response, RFC 6750
§3 ``WWW-Authenticate``) and §5.3.4 (validation: "the sub Claim in the UserInfo Response
MUST be verified to exactly match the sub Claim in the ID Token"). The session sends the
request with the access token and hands the response here; no I/O happens in this module.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import InvalidIDTokenError, InvalidResponseError, OAuthError
from ._challenge import parse_challenges
from ._http import HttpResponse
from ._jwks import JWKSet, Secret, unverified_header, verify_jws
from ._responses import parse_json_object

__all__ = ["UserInfoRules", "parse_userinfo_response", "userinfo_jwt_header"]

_WHAT = "UserInfo endpoint"
_JWT_TYPE = "application/jwt"


@dataclass(frozen=True, slots=True, kw_only=True)
class UserInfoRules:
    """How a signed UserInfo response is verified (OpenID Connect Core §5.3.2).

    ``allowed_algs`` is the registered ``userinfo_signed_response_alg`` (else the
    provider's ``userinfo_signing_alg_values_supported`` without ``none``, else RS256);
    ``client_secret`` keys HS* responses. ``require_signed`` is set when the client
    registered a signing algorithm, so that a plain JSON answer is not accepted instead.
    """

    issuer: str
    client_id: str
    client_secret: Secret = field(default=None, repr=False)
    allowed_algs: tuple[str, ...] = ("RS256",)
    require_signed: bool = False


def _raise_for_challenge(response: HttpResponse) -> None:
    """An ``error`` in ``WWW-Authenticate`` becomes :class:`OAuthError` (RFC 6750 §3)."""
    if 200 <= response.status_code < 300:
        return
    challenges = parse_challenges(response.header("www-authenticate") or "")
    params = next((p for _, p in challenges if p.get("error")), None)
    if params is not None:
        raise OAuthError(
            error=params["error"],
            description=params.get("error_description"),
            uri=params.get("error_uri"),
            status_code=response.status_code,
        )


def _invalid(response: HttpResponse, description: str) -> InvalidResponseError:
    return InvalidResponseError(description=description, status_code=response.status_code)


def _jwt_text(response: HttpResponse) -> str:
    if not 200 <= response.status_code < 300:
        raise _invalid(response, f"the {_WHAT} answered HTTP {response.status_code}")
    try:
        return response.body.decode("ascii").strip()
    except UnicodeDecodeError:
        raise _invalid(response, f"the {_WHAT} sent a JWT that is not ASCII") from None


def userinfo_jwt_header(response: HttpResponse) -> dict[str, Any] | None:
    """The unverified JOSE header of a signed UserInfo response, None for JSON ones.

    For the session's key-rotation decision (``needs_refresh``) before parsing.
    """
    if response.media_type != _JWT_TYPE:
        return None
    try:
        return unverified_header(_jwt_text(response))
    except (InvalidIDTokenError, InvalidResponseError):
        return None


def _signed_claims(
    response: HttpResponse, jwks: JWKSet | None, rules: UserInfoRules
) -> dict[str, Any]:
    try:
        verified = verify_jws(
            _jwt_text(response),
            jwks,
            allowed_algs=rules.allowed_algs,
            client_secret=rules.client_secret,
        )
    except InvalidIDTokenError as err:
        raise _invalid(
            response, f"the signed UserInfo response is not valid: '{err.claim}'"
        ) from None
    claims = verified.claims
    # §5.3.2: a signed response carries iss and aud; they are checked when present.
    if "iss" in claims and claims["iss"] != rules.issuer:
        raise _invalid(response, "the signed UserInfo response's 'iss' is not the issuer")
    aud = claims.get("aud", rules.client_id)
    audiences = [aud] if isinstance(aud, str) else aud
    if not isinstance(audiences, list) or rules.client_id not in audiences:
        raise _invalid(response, "the signed UserInfo response's 'aud' is not this client")
    return claims


def _check_sub(claims: Mapping[str, Any], expected_sub: str | None, response: HttpResponse) -> None:
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub:
        raise _invalid(response, "the UserInfo response has no 'sub'")
    if expected_sub is not None and sub != expected_sub:
        # §5.3.4: otherwise the answer may be about someone else (token substitution).
        raise _invalid(response, "the UserInfo response's 'sub' is not the ID token's 'sub'")


def parse_userinfo_response(
    response: HttpResponse,
    *,
    expected_sub: str | None,
    jwks: JWKSet | None,
    rules: UserInfoRules,
) -> dict[str, Any]:
    """The UserInfo claims of ``response`` (OpenID Connect Core §5.3.2-§5.3.4).

    ``application/jwt`` is verified with the provider's key set (or the client secret
    for HS*); anything else must be a JSON object. A non-2xx answer with an ``error`` in
    ``WWW-Authenticate`` or a JSON error body is an :class:`OAuthError`; any other
    unexpected body an :class:`InvalidResponseError` with ``status_code`` set.
    ``expected_sub`` is the ID token's ``sub`` (None when there is no ID token).
    """
    _raise_for_challenge(response)
    if response.media_type == _JWT_TYPE:
        claims = _signed_claims(response, jwks, rules)
    elif rules.require_signed:
        raise _invalid(response, f"a signed ({_JWT_TYPE}) UserInfo response was registered")
    else:
        claims = parse_json_object(response, _WHAT)
    _check_sub(claims, expected_sub, response)
    return claims
