"""Drive an authorization request made by grantflow through the provider's pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests

from grantflow import OAuth2Session
from grantflow.testing import ProviderInfo

from ._browser import follow_to_redirect_uri


def log_in(
    session: OAuth2Session, browser: requests.Session, redirect_uri: str, **params: Any
) -> str:
    """Create an authorization URL with ``session``, play the user, return the callback.

    Extra ``params`` go to ``create_authorization_url`` (``login_hint``, ``code_verifier``).
    """
    url, _ = session.create_authorization_url(**params)
    return follow_to_redirect_uri(browser, url, redirect_uri)


def signed_in(
    provider: ProviderInfo,
    make_session: Callable[..., OAuth2Session],
    browser: requests.Session,
    **kwargs: Any,
) -> tuple[OAuth2Session, dict[str, Any]]:
    """A ``client-basic`` session signed in with ``openid profile``, and its first token."""
    client = provider.clients["client-basic"]
    session = make_session("client-basic", scope="openid profile", **kwargs)
    token = session.fetch_token(
        authorization_response=log_in(session, browser, client.redirect_uri)
    )
    assert token["refresh_token"]
    return session, dict(token)


def with_param(url: str, name: str, value: str | None) -> str:
    """Return ``url`` with query parameter ``name`` set to ``value`` (removed if None)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != name]
    if value is not None:
        query.append((name, value))
    return urlunsplit(parts._replace(query=urlencode(query)))
