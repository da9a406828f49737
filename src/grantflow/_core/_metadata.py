"""Authorization server metadata: where to find it and whether to trust it.

OpenID Connect Discovery 1.0 §4 and RFC 8414 §3: the document's ``issuer`` must be
identical to the issuer the client expected, or an attacker's document could redirect
the client's token requests (mix-up).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ..errors import InvalidResponseError
from ._issuer import template_matches

__all__ = [
    "ENDPOINT_NAMES",
    "MTLS_ALIASED_ENDPOINTS",
    "OIDC_WELL_KNOWN",
    "RFC8414_WELL_KNOWN",
    "discovery_urls",
    "issuer_from_discovery_url",
    "signing_algs",
    "validate_metadata",
]

OIDC_WELL_KNOWN = "/.well-known/openid-configuration"
RFC8414_WELL_KNOWN = "/.well-known/oauth-authorization-server"

ENDPOINT_NAMES = (
    "authorization_endpoint",
    "token_endpoint",
    "revocation_endpoint",
    "introspection_endpoint",
    "userinfo_endpoint",
    "jwks_uri",
    "end_session_endpoint",
    "device_authorization_endpoint",
    "pushed_authorization_request_endpoint",
)

#: Endpoints that RFC 8705 §5 aliases for mutual-TLS clients.
MTLS_ALIASED_ENDPOINTS = frozenset(
    {
        "token_endpoint",
        "revocation_endpoint",
        "introspection_endpoint",
        "userinfo_endpoint",
        "device_authorization_endpoint",
        "pushed_authorization_request_endpoint",
    }
)


def discovery_urls(issuer: str) -> list[str]:
    """Where an issuer's metadata may live: OpenID first, then RFC 8414 §3.1."""
    trimmed = issuer.rstrip("/")
    parts = urlsplit(trimmed)
    rfc8414 = urlunsplit((parts.scheme, parts.netloc, RFC8414_WELL_KNOWN + parts.path, "", ""))
    return [trimmed + OIDC_WELL_KNOWN, rfc8414]


def issuer_from_discovery_url(url: str) -> str | None:
    """The issuer a well-known URL implies, or None when the URL is not a well-known one."""
    parts = urlsplit(url)
    path = parts.path
    if path.endswith(OIDC_WELL_KNOWN):
        base = path[: -len(OIDC_WELL_KNOWN)]
        return urlunsplit((parts.scheme, parts.netloc, base, "", ""))
    if path.startswith(RFC8414_WELL_KNOWN):
        rest = path[len(RFC8414_WELL_KNOWN) :]
        return urlunsplit((parts.scheme, parts.netloc, rest, "", ""))
    return None


def validate_metadata(
    document: dict[str, Any],
    *,
    url: str,
    expected_issuer: str | None,
    issuer_template: str | None = None,
) -> dict[str, Any]:
    """Check a discovery document: ``issuer`` present and equal to the one expected.

    With ``issuer_template`` (opt-in, multi-tenant providers), a document fetched for one
    tenant or for ``/common`` may name the template itself as its issuer.
    """
    issuer = document.get("issuer")
    if not isinstance(issuer, str) or not issuer:
        raise InvalidResponseError(description="the discovery document has no issuer")
    expected = expected_issuer or issuer_from_discovery_url(url)
    templated = (
        issuer_template is not None
        and issuer == issuer_template
        and (expected is None or template_matches(issuer_template, expected))
    )
    if expected is not None and issuer != expected and not templated:
        raise InvalidResponseError(
            description=f"the discovery document's issuer {issuer!r} is not the expected "
            f"issuer {expected!r}"
        )
    for name in ENDPOINT_NAMES:
        value = document.get(name)
        if value is not None and not isinstance(value, str):
            raise InvalidResponseError(
                description=f"the discovery document's {name} is not a string"
            )
    return document


def signing_algs(
    registered: object, listed: object, default: tuple[str, ...] = ("RS256",)
) -> tuple[str, ...]:
    """The algorithms a signed response (ID token, UserInfo) may use.

    The client's registered algorithm when it has one, even ``none``: only a client that
    registered it accepts unsigned responses. Else the provider's listed algorithms
    without ``none``, else ``default`` (OIDC Core §3.1.3.7 item 7: RS256).
    """
    if registered:
        return (str(registered),)
    if isinstance(listed, (list, tuple)):
        algs = tuple(str(a) for a in listed if a != "none")
        if algs:
            return algs
    return default
