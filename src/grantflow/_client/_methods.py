"""The public OAuth operations, written once for every driver.

``OAuth2Session`` (requests), ``OAuth2Client`` and ``AsyncOAuth2Client`` (httpx) are
this mixin over their transport. Each method builds one flow of the client without a
transport and hands it to the driver's ``_drive``: a sync driver runs it and returns
the result, the async one returns a coroutine (``await client.fetch_token(...)``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from .._core._device import DeviceAuthorization
from .._core._exchange import ACCESS_TOKEN_TYPE
from .._core._registration import RegisteredClient
from .._core._token import OAuth2Token
from .._flows._drive import Flow
from ._client import Client
from ._compat import RequestsOAuthlibNames
from ._forward import Forward
from ._registration import challenge_response

__all__ = ["OAuthMethods"]

T = TypeVar("T")


class OAuthMethods(RequestsOAuthlibNames):
    """``fetch_token`` & co. for a driver that defines ``_drive`` and ``_split_options``.

    The return types are those of a sync driver; the async client declares its own.
    """

    _client: Client

    client_id = Forward("The client identifier (RFC 6749 §2.2).")
    client_secret = Forward("The client secret, or the private key for private_key_jwt.")
    token_endpoint_auth_method = Forward("How the client authenticates at the token endpoint.")
    revocation_endpoint_auth_method = Forward("How it authenticates for revocation.")
    scope = Forward("The default scope (a string or a list).")
    state = Forward("A state to use instead of a generated one (good for one callback).")
    redirect_uri = Forward("The default redirect URI.")
    update_token = Forward("Called after every renewal: update_token(token, ...).")
    leeway = Forward("Seconds before expires_at at which a token counts as expired.")
    code_challenge_method = Forward('"S256" (the default) or None to send no PKCE.')
    id_token_signed_response_alg = Forward("The registered ID token algorithm (pins it).")
    metadata = Forward("Server metadata: given values, then the discovery document's.")
    token = Forward("The current token (setting a dict converts it to OAuth2Token).")
    token_placement = Forward("header, body or uri: where the token goes.", drops_auths=True)
    retry_on_invalid_token = Forward(
        "Whether an invalid_token 401 renews the token and replays the request once.",
        drops_auths=True,
    )

    # -- what a driver provides -------------------------------------------------------------

    def _drive(self, flow: Flow[T], raw: bool = False) -> T:
        """Run ``flow`` over this driver's transport (``raw``: the native response).

        An async driver returns an awaitable of the result instead."""
        raise NotImplementedError

    def _split_options(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        """Remove and return the transport options among an OAuth call's ``kwargs``."""
        raise NotImplementedError

    def _drop_auths(self) -> None:
        """Forget auths that copied the token placement or the retry switch."""

    # -- configuration ----------------------------------------------------------------------

    def register_compliance_hook(self, hook_type: str, hook: Callable[..., Any]) -> None:
        """Register a hook that fixes a non-standard provider; response hooks get the
        transport's own response object."""
        self._client.hooks.register(hook_type, hook)

    def register_client_auth_method(self, auth: Any) -> None:
        """Register a client auth method: an object with ``.name`` or a ``(name, func)``."""
        self._client.auth_methods.register(auth)

    def authorization_request(self, state: str) -> dict[str, Any]:
        """The remembered record of the outstanding request with ``state`` (api.md §9)."""
        return self._client.authorization_request(state)

    # -- the operations: each runs one flow ---------------------------------------------------

    def load_server_metadata(self, force: bool = False) -> dict[str, Any]:
        """Load the discovery document once (``force=True`` reloads); explicit values win."""
        return self._drive(self._client.load_server_metadata(force))

    def create_authorization_url(
        self,
        url: str | None = None,
        state: str | None = None,
        code_verifier: str | None = None,
        nonce: str | None = None,
        **kwargs: Any,
    ) -> tuple[str, str]:
        """The authorization URL and its ``state``; the request is remembered by state."""
        return self._drive(
            self._client.create_authorization_url(url, state, code_verifier, nonce, **kwargs)
        )

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
    ) -> OAuth2Token:
        """Obtain a token: code (from a callback or ``code=``), password, client credentials,
        or any extension grant; an ID token in the answer is validated first."""
        options = self._split_options(kwargs)
        return self._drive(
            self._client.fetch_token(
                url, body, method, headers, auth, grant_type, state, options=options, **kwargs
            )
        )

    @functools.wraps(fetch_token)
    def fetch_access_token(self, *args: Any, **kwargs: Any) -> OAuth2Token:
        """Alias of :meth:`fetch_token` (so subclasses' overrides apply to both)."""
        return self.fetch_token(*args, **kwargs)

    def token_from_fragment(
        self, authorization_response: Any, state: str | None = None, nonce: str | None = None
    ) -> OAuth2Token:
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
    ) -> OAuth2Token:
        """Refresh the token (RFC 6749 §6); the old refresh token is kept if none comes back."""
        options = self._split_options(kwargs)
        return self._drive(
            self._client.refresh_token(
                url, refresh_token, body, auth, headers, options=options, **kwargs
            )
        )

    def ensure_active_token(self, token: Mapping[str, Any] | None = None) -> bool:
        """Renew the token when it is due: True when valid or renewed, False when it cannot be."""
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
        """Revoke a token (RFC 7009), the current access token when ``token`` is None;
        returns the transport's response."""
        options = self._split_options(kwargs)
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
        """Ask whether a token is active (RFC 7662); the response's JSON has ``active``."""
        options = self._split_options(kwargs)
        flow = self._client.introspect_token(
            url, token, token_type_hint, body, auth, headers, options=options, **kwargs
        )
        return self._drive(flow, raw=True)

    def fetch_jwk_set(self, force: bool = False) -> dict[str, Any]:
        """The provider's JWK Set from ``jwks_uri``, fetched once (``force=True`` re-fetches)."""
        return self._drive(self._client.fetch_jwk_set(force))

    def parse_id_token(
        self, token: Mapping[str, Any] | str, nonce: str | None = None, leeway: int | None = None
    ) -> dict[str, Any]:
        """Validate an ID token (the token dict or the raw JWT) and return its claims."""
        return self._drive(self._client.parse_id_token(token, nonce, leeway))

    def userinfo(self, **kwargs: Any) -> dict[str, Any]:
        """The UserInfo claims (OIDC Core §5.3): JSON or a signed JWT; ``sub`` must match."""
        return self._drive(self._client.userinfo(options=self._split_options(kwargs)))

    def create_logout_url(
        self,
        post_logout_redirect_uri: str | None = None,
        id_token_hint: str | None = None,
        state: str | None = None,
        **kwargs: Any,
    ) -> str:
        """The RP-Initiated Logout URL (RP-Initiated Logout 1.0 §2)."""
        return self._drive(
            self._client.create_logout_url(post_logout_redirect_uri, id_token_hint, state, **kwargs)
        )

    # -- device flow, token exchange, registration (api.md §13) ------------------------------

    def device_authorization(
        self, url: str | None = None, scope: Any = None, **params: Any
    ) -> DeviceAuthorization:
        """Start the device flow (RFC 8628 §3.1): the device and user codes, where the user
        goes, ``expires_in`` and ``interval``."""
        options = self._split_options(params)
        return self._drive(self._client.device_authorization(url, scope, options=options, **params))

    def poll_device_token(
        self,
        authorization: Mapping[str, Any],
        on_pending: Callable[[float], Any] | None = None,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> OAuth2Token:
        """Poll until the user approves (RFC 8628 §3.4-3.5); the token becomes the session's.

        ``on_pending(seconds_left)`` hears of each poll the user has not answered yet;
        ``slow_down`` adds 5 s to the interval; past ``expires_in`` or ``timeout`` it
        raises ``OAuthError("expired_token")`` without another request.
        """
        options = self._split_options(kwargs)
        return self._drive(
            self._client.poll_device_token(
                authorization, on_pending, timeout, options=options, **kwargs
            )
        )

    def exchange_token(
        self,
        subject_token: str,
        subject_token_type: str = ACCESS_TOKEN_TYPE,
        *,
        actor_token: str | None = None,
        actor_token_type: str | None = None,
        requested_token_type: str | None = None,
        audience: Any = None,
        resource: Any = None,
        scope: Any = None,
        **kwargs: Any,
    ) -> OAuth2Token:
        """Exchange a token (RFC 8693); the result has ``issued_token_type`` and the
        session's own token is not replaced."""
        options = self._split_options(kwargs)
        return self._drive(
            self._client.exchange_token(
                subject_token,
                subject_token_type,
                actor_token=actor_token,
                actor_token_type=actor_token_type,
                requested_token_type=requested_token_type,
                audience=audience,
                resource=resource,
                scope=scope,
                options=options,
                **kwargs,
            )
        )

    def register_client(
        self,
        registration_endpoint: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        initial_access_token: str | None = None,
        **kwargs: Any,
    ) -> RegisteredClient:
        """Register this client (RFC 7591); the registered ``client_id``, secret and auth
        method become the session's."""
        options = self._split_options(kwargs)
        if kwargs:
            raise TypeError(f"unexpected keyword argument {next(iter(kwargs))!r}")
        return self._drive(
            self._client.register_client(
                registration_endpoint, metadata, initial_access_token, options=options
            )
        )

    def load_resource_metadata(
        self, resource: str | None = None, *, response: Any = None, **kwargs: Any
    ) -> dict[str, Any]:
        """Find a protected resource's authorization server (RFC 9728) and load its
        metadata: from the ``resource`` URL, or from a 401 ``response`` whose
        ``WWW-Authenticate`` names its ``resource_metadata``. Returns the resource's
        metadata; the session's issuer becomes its first authorization server."""
        options = self._split_options(kwargs)
        if kwargs:
            raise TypeError(f"unexpected keyword argument {next(iter(kwargs))!r}")
        challenge, request_url = (
            challenge_response(response) if response is not None else (None, None)
        )
        return self._drive(
            self._client.load_resource_metadata(
                resource, challenge=challenge, request_url=request_url, options=options
            )
        )

    # -- end of api.md §13 -------------------------------------------------------------------

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(client_id={self.client_id!r}, "
            f"has_token={self.token is not None})"
        )
