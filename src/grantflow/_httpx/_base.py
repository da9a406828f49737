"""What ``OAuth2Client`` and ``AsyncOAuth2Client`` share: httpx's constructor keywords
(the rest are the OAuth client's), the auth, and the per-call options httpx accepts."""

from __future__ import annotations

from typing import Any

from .._client._driver import Driver
from .._client._forward import REQUEST_OPTIONS
from .._client._methods import OAuthMethods
from .._client._prepare import WireRequest, prepare
from .._flows._drive import Send
from ._auth import OAuth2Auth
from ._sender import is_httpx_auth

__all__ = ["HTTPX_CLIENT_OPTIONS", "HttpxDriver", "split_options"]

#: Keywords of ``httpx.Client`` / ``httpx.AsyncClient`` (the rest are OAuth options).
HTTPX_CLIENT_OPTIONS = frozenset(
    {
        "auth",
        "params",
        "headers",
        "cookies",
        "verify",
        "cert",
        "http1",
        "http2",
        "proxy",
        "proxies",
        "mounts",
        "timeout",
        "follow_redirects",
        "limits",
        "max_redirects",
        "event_hooks",
        "base_url",
        "transport",
        "app",
        "trust_env",
        "default_encoding",
    }
)


def split_options(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Per-call transport options of an OAuth call; requests-only ones are refused.

    httpx sets ``verify``, ``cert`` and proxies on the client, not per request.
    """
    options = {key: kwargs.pop(key) for key in list(kwargs) if key in REQUEST_OPTIONS}
    misplaced = sorted(set(options) - {"timeout", "cookies"})
    if misplaced:
        raise TypeError(
            f"{', '.join(misplaced)}: give these to the httpx client's constructor, not to one call"
        )
    return options


class HttpxDriver(OAuthMethods):
    """The OAuth operations over an ``httpx.Client`` or ``httpx.AsyncClient`` (the next
    class in the MRO), whose ``auth`` is an ``OAuth2Auth`` on this client's token."""

    _cert: Any
    auth: Any

    _transport_keywords = HTTPX_CLIENT_OPTIONS

    def _start_transport(self, options: dict[str, Any], default_timeout: Any) -> None:
        options.pop("auth", None)  # the token is this client's auth
        if default_timeout is not None:
            options.setdefault("timeout", default_timeout)
        self._cert = options.get("cert")
        # httpx.Client or httpx.AsyncClient: the class after the OAuth mixins in the MRO.
        super(Driver, self).__init__(**options)

    def _has_certificate(self) -> bool:
        return bool(self._cert)

    def _wire(self, step: Send) -> WireRequest:
        """What ``step`` puts on the wire (hooks, client auth), ready to send."""
        return prepare(
            step, self._client, self, has_certificate=bool(self._cert), is_native_auth=is_httpx_auth
        )

    def _split_options(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        return split_options(kwargs)

    def _drop_auths(self) -> None:
        # The auth copies the placement and the retry switch: a new one follows a change.
        self.auth = OAuth2Auth._sharing(self, self._client.source)

    @property
    def token_auth(self) -> Any:
        """The ``OAuth2Auth`` (an ``httpx.Auth``) this client's token travels with."""
        return self.auth
