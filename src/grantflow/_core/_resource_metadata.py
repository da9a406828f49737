"""OAuth 2.0 Protected Resource Metadata (RFC 9728): from a resource to its server.

A client that meets a protected resource it knows nothing about learns from the
resource's metadata which authorization servers issue tokens for it. The metadata sits
at a well-known URL derived from the resource identifier (§3.1), or the resource names
it in the ``resource_metadata`` parameter of a 401's ``WWW-Authenticate`` (§5.1). The
document must name the resource it was fetched for (§3.3), or an attacker's document
could send the client's credentials to another server.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ..errors import InvalidResponseError
from ._challenge import parse_challenges
from ._http import HttpResponse
from ._responses import parse_json_object

__all__ = [
    "RESOURCE_METADATA_WELL_KNOWN",
    "authorization_servers",
    "parse_resource_metadata_response",
    "resource_metadata_from_challenge",
    "resource_metadata_url",
    "validate_resource_metadata",
]

#: RFC 9728 §3
RESOURCE_METADATA_WELL_KNOWN = "/.well-known/oauth-protected-resource"

_WHAT = "protected resource metadata endpoint"
_CHALLENGE_SCHEMES = ("bearer", "dpop")


def resource_metadata_url(resource: str) -> str:
    """The metadata URL of ``resource`` (RFC 9728 §3.1): the well-known path inserted
    between the host and the resource's path and query; a path that is only the "/"
    after the host is dropped."""
    parts = urlsplit(resource)
    if parts.scheme.lower() not in ("https", "http") or not parts.netloc or parts.fragment:
        raise ValueError("a resource identifier is an http(s) URL without a fragment")
    path = "" if parts.path == "/" else parts.path
    return urlunsplit(
        (parts.scheme, parts.netloc, RESOURCE_METADATA_WELL_KNOWN + path, parts.query, "")
    )


def resource_metadata_from_challenge(response: HttpResponse) -> str | None:
    """The ``resource_metadata`` URL a resource server names in its ``WWW-Authenticate``
    challenge (``Bearer`` or ``DPoP``, RFC 9728 §5.1), or None."""
    header = response.header("www-authenticate")
    if not header:
        return None
    for scheme, params in parse_challenges(header):
        url = params.get("resource_metadata")
        if scheme in _CHALLENGE_SCHEMES and url:
            parts = urlsplit(url)
            if parts.scheme.lower() in ("https", "http") and parts.netloc:
                return url
    return None


def validate_resource_metadata(document: Mapping[str, Any], *, resource: str) -> dict[str, Any]:
    """Check a metadata document against the resource it was fetched for (RFC 9728 §3.3).

    ``resource`` is the identifier the well-known URL was built from or, when the URL came
    from a challenge, the URL of the request that was refused. ``authorization_servers``,
    when present, must be a list of issuer URLs (§2).
    """
    if document.get("resource") != resource:
        raise InvalidResponseError(
            description="the protected resource metadata names another resource than the "
            "one it was fetched for (RFC 9728 §3.3)"
        )
    servers = document.get("authorization_servers")
    if servers is not None and not (isinstance(servers, list) and all(_is_url(s) for s in servers)):
        raise InvalidResponseError(
            description="the protected resource metadata's authorization_servers is not a "
            "list of issuer URLs (RFC 9728 §2)"
        )
    return dict(document)


def parse_resource_metadata_response(response: HttpResponse, *, resource: str) -> dict[str, Any]:
    """The checked metadata document of a metadata response; errors as for discovery."""
    return validate_resource_metadata(parse_json_object(response, _WHAT), resource=resource)


def authorization_servers(document: Mapping[str, Any]) -> list[str]:
    """The issuers of the authorization servers the resource trusts; an error when there
    is none, since the client then has nowhere to get a token."""
    servers = document.get("authorization_servers")
    if not isinstance(servers, list) or not servers:
        raise InvalidResponseError(
            description="the protected resource metadata names no authorization server"
        )
    return [str(s) for s in servers]


def _is_url(value: object) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme.lower() in ("https", "http") and bool(parts.netloc)
