"""The OAuth operations of the httpx clients, written once for sync and async.

Each method hands its flow to ``self._drive``: the sync client runs it and returns the
result; the async client returns a coroutine, so ``await client.fetch_token(...)``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from .._client._client import Client
from .._client._forward import REQUEST_OPTIONS
from .._client._forward import Forward as _Forward
from .._flows._drive import Flow

__all__ = ["HTTPX_CLIENT_OPTIONS", "OAuthMethods", "split_options"]

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


class OAuthMethods:
    """``fetch_token`` & co. for a driver that defines ``_drive(flow, raw=False)``."""

    _client: Client
    _cert: Any
    _drive: Callable[..., Any]
    auth: Any

    client_id = _Forward("The client identifier (RFC 6749 §2.2).")
    client_secret = _Forward("The client secret, or the private key for private_key_jwt.")
    token_endpoint_auth_method = _Forward("How the client authenticates at the token endpoint.")
    revocation_endpoint_auth_method = _Forward("How it authenticates for revocation.")
    scope = _Forward("The default scope (a string or a list).")
    state = _Forward("A state to use instead of a generated one (good for one callback).")
    redirect_uri = _Forward("The default redirect URI.")
    update_token = _Forward("Called after every renewal: update_token(token, ...).")
    leeway = _Forward("Seconds before expires_at at which a token counts as expired.")
    code_challenge_method = _Forward('"S256" (the default) or None to send no PKCE.')
    id_token_signed_response_alg = _Forward("The registered ID token algorithm (pins it).")
    metadata = _Forward("Server metadata: given values, then the discovery document's.")
    token = _Forward("The current token (setting a dict converts it to OAuth2Token).")
    token_placement = _Forward("header, body or uri: where the token goes.")
    retry_on_invalid_token = _Forward("Whether an invalid_token 401 renews and replays once.")

    def _setup(
        self, args: tuple[Any, ...], default_timeout: float | None, kwargs: dict[str, Any]
    ) -> dict[str, Any]:
        """Build the OAuth client from the OAuth keywords; return httpx's keywords."""
        http = {key: kwargs.pop(key) for key in list(kwargs) if key in HTTPX_CLIENT_OPTIONS}
        http.pop("auth", None)  # the token is this client's auth
        if default_timeout is not None:
            http.setdefault("timeout", default_timeout)
        self._client = Client(*args, known_options=tuple(sorted(HTTPX_CLIENT_OPTIONS)), **kwargs)
        self._cert = http.get("cert")
        return http

    def _finish_setup(self) -> None:
        from .._client._prepare import check_client_auth
        from .._requests._redact import install_log_filter
        from ._auth import OAuth2Auth

        self.auth = OAuth2Auth._sharing(self, self._client.source)
        check_client_auth(self._client, self, has_certificate=bool(self._cert))
        install_log_filter()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(client_id={self.client_id!r}, "
            f"has_token={self.token is not None})"
        )

    @property
    def token_auth(self) -> Any:
        """The ``OAuth2Auth`` (an ``httpx.Auth``) this client's token travels with."""
        return self.auth

    def register_compliance_hook(self, hook_type: str, hook: Callable[..., Any]) -> None:
        """Register a hook that fixes a non-standard provider; response hooks get the
        ``httpx.Response``."""
        self._client.hooks.register(hook_type, hook)

    def register_client_auth_method(self, auth: Any) -> None:
        """Register a client auth method: an object with ``.name`` or a ``(name, func)``."""
        self._client.auth_methods.register(auth)

    def authorization_request(self, state: str) -> dict[str, Any]:
        """The remembered record of the outstanding request with ``state`` (api.md §9)."""
        return self._client.authorization_request(state)

    def load_server_metadata(self, force: bool = False) -> Any:
        """Load the discovery document once (``force=True`` reloads)."""
        return self._drive(self._client.load_server_metadata(force))

    def fetch_token(
        self,
        url: str | None = None,
        body: str = "",
        method: str = "POST",
        headers: dict[str, str] | None = None,
        auth: Any = None,
        grant_type: str | None = None,
        state: str | None = None,
        **kwargs: Any,
    ) -> Any:
        """Obtain a token by any grant (api.md §2); an ID token is validated first."""
        options = split_options(kwargs)
        return self._drive(
            self._client.fetch_token(
                url, body, method, headers, auth, grant_type, state, options=options, **kwargs
            )
        )

    @functools.wraps(fetch_token)
    def fetch_access_token(self, *args: Any, **kwargs: Any) -> Any:
        """Alias of :meth:`fetch_token`."""
        return self.fetch_token(*args, **kwargs)

    def token_from_fragment(
        self, authorization_response: Any, state: str | None = None, nonce: str | None = None
    ) -> Any:
        """The token of an implicit (or ``id_token``) response, after the callback checks."""
        return self._drive(self._client.token_from_fragment(authorization_response, state, nonce))

    def refresh_token(
        self,
        url: str | None = None,
        refresh_token: str | None = None,
        body: str = "",
        auth: Any = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Refresh the token (RFC 6749 §6); the old refresh token is kept if none comes back."""
        options = split_options(kwargs)
        return self._drive(
            self._client.refresh_token(
                url, refresh_token, body, auth, headers, options=options, **kwargs
            )
        )

    def ensure_active_token(self, token: Mapping[str, Any] | None = None) -> Any:
        """Renew the token when due: True when valid or renewed, False when it cannot be."""
        return self._drive(self._client.ensure_active_token(token))

    def revoke_token(
        self,
        url: str | None = None,
        token: str | None = None,
        token_type_hint: str | None = None,
        body: str | None = None,
        auth: Any = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Revoke a token (RFC 7009); returns the ``httpx.Response``."""
        options = split_options(kwargs)
        flow = self._client.revoke_token(
            url, token, token_type_hint, body, auth, headers, options=options, **kwargs
        )
        return self._drive(flow, raw=True)

    def introspect_token(
        self,
        url: str | None = None,
        token: str | None = None,
        token_type_hint: str | None = None,
        body: str | None = None,
        auth: Any = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Ask whether a token is active (RFC 7662); returns the ``httpx.Response``."""
        options = split_options(kwargs)
        flow = self._client.introspect_token(
            url, token, token_type_hint, body, auth, headers, options=options, **kwargs
        )
        return self._drive(flow, raw=True)

    def fetch_jwk_set(self, force: bool = False) -> Any:
        """The provider's JWK Set, fetched once (``force=True`` re-fetches)."""
        return self._drive(self._client.fetch_jwk_set(force))

    def parse_id_token(
        self, token: Mapping[str, Any] | str, nonce: str | None = None, leeway: int | None = None
    ) -> Any:
        """Validate an ID token (the token dict or the raw JWT) and return its claims."""
        return self._drive(self._client.parse_id_token(token, nonce, leeway))

    def userinfo(self, **kwargs: Any) -> Any:
        """The UserInfo claims (OIDC Core §5.3): JSON or a signed JWT; ``sub`` must match."""
        return self._drive(self._client.userinfo(options=split_options(kwargs)))

    def create_logout_url(
        self,
        post_logout_redirect_uri: str | None = None,
        id_token_hint: str | None = None,
        state: str | None = None,
        **kwargs: Any,
    ) -> Any:
        """The RP-Initiated Logout URL (RP-Initiated Logout 1.0 §2)."""
        return self._drive(
            self._client.create_logout_url(post_logout_redirect_uri, id_token_hint, state, **kwargs)
        )

    def _flow_create_authorization_url(
        self,
        url: str | None,
        state: str | None,
        code_verifier: str | None,
        nonce: str | None,
        kwargs: dict[str, Any],
    ) -> Flow[tuple[str, str]]:
        return self._client.create_authorization_url(url, state, code_verifier, nonce, **kwargs)
