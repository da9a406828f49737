"""The public OAuth operations, written once for every driver.

``OAuth2Session`` (requests), ``OAuth2Client`` and ``AsyncOAuth2Client`` (httpx) are
this mixin over their transport. Each method builds one flow of the client without a
transport and hands it to the driver's ``_drive``: a sync driver runs it and returns
the result, the async one returns a coroutine (``await client.fetch_token(...)``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from .._core._token import OAuth2Token
from ._call import TokenCall
from ._compat import RequestsOAuthlibNames
from ._delegation_methods import DelegationMethods
from ._forward import Forward
from ._options import given
from ._twins import same_parameters

__all__ = ["OAuthMethods"]


class OAuthMethods(DelegationMethods, RequestsOAuthlibNames):
    """``fetch_token`` & co. for a driver that defines ``_drive`` and ``_split_options``.

    The return types are those of a sync driver; the async client declares its own.
    """

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

    # -- configuration ----------------------------------------------------------------------

    def register_compliance_hook(self, hook_type: str, hook: Callable[..., Any]) -> None:
        """Register a hook that rewrites requests to, or responses from, a provider.

        Hooks of one type run in registration order. Request hooks see a ``str`` body;
        response hooks get the transport's own response object (``requests.Response``
        or ``httpx.Response``) and return it.

        Args:
            hook_type: ``access_token_request``, ``access_token_response``,
                ``refresh_token_request``, ``refresh_token_response``,
                ``revoke_token_request``, ``introspect_token_request`` or
                ``protected_request``.
            hook: ``hook(url, headers, body) -> (url, headers, body)`` for the request
                types, ``hook(response) -> response`` for the response types.

        Raises:
            ValueError: ``hook_type`` is unknown (the message lists the valid ones).
        """
        self._client.hooks.register(hook_type, hook)

    def register_client_auth_method(self, auth: Any) -> None:
        """Register a client authentication method, selectable by its name.

        Registering an object under a built-in name (``ClientSecretJWT(...)``) replaces
        the built-in method for this session.

        Args:
            auth: An object with a ``.name`` (such as ``ClientSecretJWT``), or a tuple
                ``(name, func)`` where ``func(client, method, uri, headers, body)``
                returns ``(uri, headers, body)``.

        Raises:
            TypeError: ``auth`` is neither an object with ``.name`` nor a pair.
        """
        self._client.auth_methods.register(auth)

    def authorization_request(self, state: str) -> dict[str, Any]:
        """The record of an outstanding authorization request, to hand to another process.

        Web applications whose callback is handled by another worker keep this
        JSON-serialisable dict server-side (it holds the PKCE verifier) and pass its
        values to that worker's ``fetch_token(..., state=, code_verifier=, nonce=)``.

        Args:
            state: The ``state`` returned by ``create_authorization_url``.

        Returns:
            ``state``, ``code_verifier``, ``nonce``, ``redirect_uri``, ``max_age`` and the
            response type of the request.

        Raises:
            MismatchingStateError: No outstanding request has this ``state`` (it was
                never made here, or its callback was already handled).
        """
        return self._client.authorization_request(state)

    # -- the operations: each runs one flow ---------------------------------------------------

    def load_server_metadata(self, force: bool = False) -> dict[str, Any]:
        """Load the provider's discovery document, once per session.

        Values given to the constructor win over the document's. A session without
        ``server_metadata_url`` returns the metadata it was given.

        Args:
            force: Fetch the document again even when it was loaded.

        Returns:
            The session's metadata after the merge.

        Raises:
            InvalidResponseError: The document is not JSON, or its ``issuer`` differs
                from the one expected.
            InsecureTransportError: ``server_metadata_url`` is plain HTTP off loopback.
        """
        return self._drive(self._client.load_server_metadata(force))

    def create_authorization_url(
        self,
        url: str | None = None,
        state: str | None = None,
        code_verifier: str | None = None,
        nonce: str | None = None,
        **kwargs: Any,
    ) -> tuple[str, str]:
        """Build the URL to send the user's browser to (RFC 6749 §4.1.1).

        Generates a ``state`` (and, for a code flow with PKCE on, a verifier; for an
        ``openid`` scope, a nonce) when not given, and remembers the request by its
        state for ``fetch_token``. With PAR (``pushed=True``, the provider's
        requirement or ``pushed_authorization=True``) the parameters are posted first
        and the URL carries ``client_id`` and ``request_uri`` only (RFC 9126).

        Args:
            url: The authorization endpoint; by default the metadata's.
            state: A state to use instead of a generated one.
            code_verifier: A PKCE verifier to use instead of a generated one.
            nonce: A nonce to use instead of a generated one.
            **kwargs: Further query parameters (``prompt``, ``login_hint``,
                ``resource``, ``pushed``, ...); a list value repeats the parameter.

        Returns:
            ``(url, state)``. An async client answers at once too when it needs no
            discovery and no PAR (awaiting the result works as well); otherwise it
            returns an awaitable of ``(url, state)``.

        Raises:
            InsecureTransportError: The endpoint is plain HTTP off loopback.
            ValueError: No authorization endpoint is known, or the request asks for an
                ID token (``openid`` scope, ``id_token`` response type) while no issuer
                is known to validate it against.
            OAuthError: Discovery or the PAR endpoint failed (with an async client:
                when awaited).
        """
        return self._drive_now(
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
        *,
        authorization_response: str | Mapping[str, Any] | None = None,
        code: str | None = None,
        username: str | None = None,
        password: str | None = None,
        code_verifier: str | None = None,
        nonce: str | None = None,
        **kwargs: Any,
    ) -> OAuth2Token:
        """Obtain a token with the grant the arguments name (RFC 6749 §4).

        ``authorization_response=`` (the callback URL, or a ``form_post`` body) or
        ``code=`` is the authorization code grant; ``username=``/``password=`` the
        password grant; otherwise client credentials, or the ``grant_type`` given. The
        callback's ``iss`` and ``state`` are checked before anything is sent, and an ID
        token in the answer is validated before the token is returned; its claims are
        put in ``token["userinfo"]``.

        Args:
            url: The token endpoint; by default the metadata's.
            body: Extra form-encoded parameters.
            method: ``"POST"``, or ``"GET"`` to send the parameters in the query.
            headers: Extra request headers.
            auth: A client authentication to use for this request only.
            grant_type: The grant, when it is not the one the arguments imply (any
                extension grant URI).
            state: The state of the request the callback answers, when this session
                did not make it (with ``code_verifier=`` and ``nonce=``).
            authorization_response: The callback: the URL the provider redirected to,
                or a ``form_post`` body (a dict or a form-encoded string). Its code is
                redeemed after its ``state``, ``iss`` and ``error`` were checked.
            code: An authorization code obtained otherwise (the code grant, RFC 6749
                §4.1.3).
            username: The resource owner's name (the password grant, RFC 6749 §4.3).
            password: The resource owner's password (with ``username``).
            code_verifier: The PKCE verifier of the request, when this session did not
                make it (RFC 7636 §4.5).
            nonce: The nonce the ID token must carry, when this session did not make
                the request.
            **kwargs: ``resource``, ``scope``, other form parameters, and transport
                options (``timeout``, ``verify``, ...).

        Returns:
            The token, also kept as the session's ``token``.

        Raises:
            MismatchingStateError: The callback's state is missing, unknown or wrong.
            AuthorizationError: The callback carries an ``error``.
            InvalidResponseError: The callback's ``iss`` or the token response breaks
                the spec (not JSON, no ``access_token``).
            InvalidIDTokenError: The ID token fails validation (``.claim`` says which).
            InsecureTransportError: The endpoint is plain HTTP off loopback.
            OAuthError: The token endpoint answered with an OAuth error.
            TypeError: ``client_secret=`` or another constructor-only option was given.
        """
        kwargs.update(
            given(
                authorization_response=authorization_response,
                code=code,
                username=username,
                password=password,
                code_verifier=code_verifier,
                nonce=nonce,
            )
        )
        call = TokenCall(url, body, method, headers, auth, self._split_options(kwargs))
        return self._drive(self._client.fetch_token(call, grant_type, state, **kwargs))

    @functools.wraps(fetch_token)
    def fetch_access_token(self, *args: Any, **kwargs: Any) -> OAuth2Token:
        """The same as ``fetch_token``, under requests-oauthlib's name.

        Args:
            *args: As for ``fetch_token``.
            **kwargs: As for ``fetch_token``.

        Returns:
            The token.

        Raises:
            OAuthError: As ``fetch_token`` does.
        """
        return self.fetch_token(*args, **kwargs)

    def token_from_fragment(
        self, authorization_response: Any, state: str | None = None, nonce: str | None = None
    ) -> OAuth2Token:
        """The token of an implicit or ``id_token`` response (a callback with a fragment).

        The same checks as for the code flow are made (``state``, ``iss``, ``error``),
        and an ID token must carry the nonce sent (OpenID Connect Core §3.2.2.11).

        Args:
            authorization_response: The callback URL with its fragment.
            state: The state of the request, when this session did not make it.
            nonce: The nonce of the request, when this session did not make it.

        Returns:
            The token, also kept as the session's ``token``.

        Raises:
            MismatchingStateError: The callback's state is missing, unknown or wrong.
            AuthorizationError: The callback carries an ``error``.
            InvalidIDTokenError: The ID token fails validation.
        """
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
        """Use the refresh token (RFC 6749 §6) and call ``update_token`` with the result.

        The old refresh token is kept when the answer has none; a refreshed ID token
        must name the same ``iss``, ``sub`` and ``aud`` (OpenID Connect Core §12.2).

        Args:
            url: The token endpoint; by default the metadata's.
            refresh_token: The refresh token; by default the session's.
            body: Extra form-encoded parameters.
            auth: A client authentication to use for this request only.
            headers: Extra request headers.
            **kwargs: Form parameters (``scope``, ``resource``) and transport options.

        Returns:
            The new token, also kept as the session's ``token``.

        Raises:
            OAuthError: The token endpoint answered with an error (``invalid_grant``
                for a spent refresh token); the old token is kept.
            InvalidResponseError: The answer breaks the spec.
            InvalidIDTokenError: A refreshed ID token does not match the original.
        """
        call = TokenCall(url, body, "POST", headers, auth, self._split_options(kwargs))
        return self._drive(self._client.refresh_token(call, refresh_token, **kwargs))

    def ensure_active_token(self, token: Mapping[str, Any] | None = None) -> bool:
        """Renew the token when it is due, as a request would.

        Args:
            token: A token to check instead of the session's.

        Returns:
            ``True`` when the token is valid or was renewed, ``False`` when it is
            expired and cannot be renewed (no refresh token and no grant to repeat).

        Raises:
            OAuthError: The renewal was refused; the old token is kept.
        """
        return self._drive(self._client.ensure_active_token(token))

    def _management_call(
        self,
        url: str | None = None,
        token: str | None = None,
        token_type_hint: str | None = None,
        body: str | None = None,
        auth: Any = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Any:
        """The parameters of :meth:`revoke_token` and :meth:`introspect_token` (RFC 7009
        §2.1, RFC 7662 §2.1), bound: how the request is sent, and its form fields."""
        call = TokenCall(url, body, "POST", headers, auth, self._split_options(kwargs))
        return call, {"token": token, "token_type_hint": token_type_hint, **kwargs}

    @same_parameters(_management_call)
    def revoke_token(self, *args: Any, **kwargs: Any) -> Any:
        """Revoke a token (RFC 7009).

        Args:
            url: The revocation endpoint; by default the metadata's.
            token: The token to revoke; by default the session's access token.
            token_type_hint: ``"access_token"`` or ``"refresh_token"``.
            body: Extra form-encoded parameters.
            auth: A client authentication to use for this request only.
            headers: Extra request headers.
            **kwargs: Form parameters and transport options.

        Returns:
            The transport's response (``requests.Response`` or ``httpx.Response``).

        Raises:
            MissingTokenError: No token was given and the session has none.
            InsecureTransportError: The endpoint is plain HTTP off loopback.
            ValueError: No revocation endpoint is known.
        """
        call, form = self._management_call(*args, **kwargs)
        return self._drive(self._client.revoke_token(call, **form), raw=True)

    @same_parameters(_management_call)
    def introspect_token(self, *args: Any, **kwargs: Any) -> Any:
        """Ask the provider whether a token is active (RFC 7662).

        Args:
            url: The introspection endpoint; by default the metadata's.
            token: The token to ask about; by default the session's access token.
            token_type_hint: ``"access_token"`` or ``"refresh_token"``.
            body: Extra form-encoded parameters.
            auth: A client authentication to use for this request only.
            headers: Extra request headers.
            **kwargs: Form parameters and transport options.

        Returns:
            The transport's response; its JSON holds ``active`` and the token's claims.

        Raises:
            MissingTokenError: No token was given and the session has none.
            InsecureTransportError: The endpoint is plain HTTP off loopback.
            ValueError: No introspection endpoint is known.
        """
        call, form = self._management_call(*args, **kwargs)
        return self._drive(self._client.introspect_token(call, **form), raw=True)

    def fetch_jwk_set(self, force: bool = False) -> dict[str, Any]:
        """The provider's public keys, from ``jwks_uri``, fetched once per session.

        Args:
            force: Fetch the set again (an unknown ``kid`` does so by itself, once).

        Returns:
            The JWK Set document.

        Raises:
            InvalidResponseError: The answer is not a JWK Set.
            ValueError: No ``jwks_uri`` is known.
        """
        return self._drive(self._client.fetch_jwk_set(force))

    def parse_id_token(
        self, token: Mapping[str, Any] | str, nonce: str | None = None, leeway: int | None = None
    ) -> dict[str, Any]:
        """Validate an ID token (OpenID Connect Core §3.1.3.7) and return its claims.

        Args:
            token: The token dict holding ``id_token``, or the raw ID token.
            nonce: The nonce the token must carry.
            leeway: Seconds of clock skew allowed; by default the session's.

        Returns:
            The validated claims.

        Raises:
            InvalidIDTokenError: A check failed; ``.claim`` names it (``"signature"``,
                ``"iss"``, ``"aud"``, ``"exp"``, ``"nonce"``, ...).
        """
        return self._drive(self._client.parse_id_token(token, nonce, leeway))

    def userinfo(self, **kwargs: Any) -> dict[str, Any]:
        """The user's claims from the UserInfo endpoint (OpenID Connect Core §5.3).

        A signed answer is verified like an ID token; ``sub`` must equal the ID
        token's.

        Args:
            **kwargs: Transport options (``timeout``, ...).

        Returns:
            The claims.

        Raises:
            MissingTokenError: The session has no token.
            InvalidResponseError: The answer is not JSON or a valid JWT, or its ``sub``
                differs from the ID token's.
            ValueError: No UserInfo endpoint is known.
        """
        return self._drive(self._client.userinfo(options=self._split_options(kwargs)))

    def create_logout_url(
        self,
        post_logout_redirect_uri: str | None = None,
        id_token_hint: str | None = None,
        state: str | None = None,
        **kwargs: Any,
    ) -> str:
        """The URL that signs the user out at the provider (RP-Initiated Logout 1.0 §2).

        Args:
            post_logout_redirect_uri: Where the provider sends the browser afterwards.
            id_token_hint: The ID token; by default the session's.
            state: A value the provider returns with the redirect.
            **kwargs: Further query parameters.

        Returns:
            The logout URL.

        Raises:
            ValueError: The provider has no ``end_session_endpoint``.
            InsecureTransportError: The endpoint is plain HTTP off loopback.
        """
        return self._drive(
            self._client.create_logout_url(post_logout_redirect_uri, id_token_hint, state, **kwargs)
        )

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(client_id={self.client_id!r}, "
            f"has_token={self.token is not None})"
        )
