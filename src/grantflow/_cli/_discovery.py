"""Loading an issuer's metadata, with a failure that says where grantflow looked.

Whatever a server puts in the body of its "not here" answer (an HTML page, a JSON
``{"error": ...}``, nothing), the outcome for a person is the same: there is no usable
metadata at that address. So every such failure has one exit status (3), names the
URLs tried, and hints at the trailing slash when that is the only difference between
the issuer given and the one the provider declares.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import OAuth2Session
from .._core._metadata import discovery_urls
from ..errors import InsecureTransportError, OAuthError
from ._exit import EXIT_INVALID_RESPONSE, CommandFailed, oauth_fields

__all__ = ["load_metadata"]

_LABEL = "  looked at:         "


def load_metadata(
    session: OAuth2Session, issuer: str, transport: Mapping[str, Any]
) -> dict[str, Any]:
    """``session.load_server_metadata()``; a failure becomes :class:`CommandFailed` (exit 3).

    ``transport`` holds the session's ``verify`` and timeout, for the one extra request
    the trailing-slash hint may make.
    """
    try:
        return session.load_server_metadata()
    except InsecureTransportError:
        raise  # a usage error (exit 2), not an absent document
    except OAuthError as exc:
        lines = [f"no usable server metadata for {issuer}", *_tried(issuer, exc)]
        lines += oauth_fields(exc)
        hint = _slash_hint(issuer, exc, transport)
        if hint:
            lines.append(hint)
        raise CommandFailed(EXIT_INVALID_RESPONSE, lines) from None


def _tried(issuer: str, exc: OAuthError) -> list[str]:
    if "/.well-known/" in issuer:
        urls = [issuer]
    else:
        # Only a 404 at the OpenID location sends discovery on to RFC 8414's (§3.1).
        urls = discovery_urls(issuer)
        urls = urls if exc.status_code == 404 else urls[:1]
    return [f"{_LABEL if i == 0 else ' ' * len(_LABEL)}{u}" for i, u in enumerate(urls)]


def _slash_hint(issuer: str, exc: OAuthError, transport: Mapping[str, Any]) -> str | None:
    """A hint when the same issuer with or without its trailing slash loads.

    Issuers are compared character for character (RFC 8414 §3.3, OpenID Connect
    Discovery §4.3), so ``https://idp.example/`` is not ``https://idp.example``.
    """
    if "/.well-known/" in issuer or exc.status_code not in (None, 200):
        return None
    other = issuer[:-1] if issuer.endswith("/") else f"{issuer}/"
    try:
        with OAuth2Session(issuer=other, **transport) as probe:
            probe.load_server_metadata()
    except Exception:
        return None
    change = "without" if issuer.endswith("/") else "with"
    return (
        f"hint: the provider's issuer is {other} — issuers must match exactly, so give "
        f"it {change} the trailing slash"
    )
