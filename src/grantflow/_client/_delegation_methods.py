"""The public operations of api.md §13, for every driver: the device flow (RFC 8628),
token exchange (RFC 8693), dynamic registration (RFC 7591) and protected resource
metadata (RFC 9728). A mixin of ``OAuthMethods``, which holds the rest."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .._core._device import DeviceAuthorization
from .._core._exchange import ACCESS_TOKEN_TYPE
from .._core._registration import RegisteredClient
from .._core._token import OAuth2Token
from ._driver import Driver
from ._registration import challenge_response

__all__ = ["DelegationMethods"]


class DelegationMethods(Driver):
    """``device_authorization`` & co.; the driver defines ``_drive`` and ``_split_options``."""

    def device_authorization(
        self, url: str | None = None, scope: Any = None, **params: Any
    ) -> DeviceAuthorization:
        """Start the device flow (RFC 8628 §3.1): the device and user codes, where the user
        goes, ``expires_in`` and ``interval``.

        Args:
            url: The device authorization endpoint; by default the provider's
                ``device_authorization_endpoint``.
            scope: The scope to ask for (a string or a list); by default the session's.
            **params: Further form parameters (``resource=``, ``authorization_details=``,
                ``audience=``, ...) and per-call transport options (``timeout=``).

        Returns:
            A :class:`DeviceAuthorization` to show the user and to pass to
            :meth:`poll_device_token`.

        Raises:
            OAuthError: The server refused the request (its ``error`` and description).
            InvalidResponseError: The answer lacks ``device_code``, ``user_code``,
                ``verification_uri`` or ``expires_in``, or its ``interval`` is not a number.
            ValueError: ``resource=`` or ``authorization_details=`` is malformed (nothing
                is sent).
        """
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

        Args:
            authorization: What :meth:`device_authorization` returned.
            on_pending: Called as ``on_pending(seconds_left)`` before each wait while the
                user has not answered yet.
            timeout: Seconds to poll at most (besides the code's ``expires_in``).
            **kwargs: Per-call transport options (``timeout`` of one request is set on
                the client, not here).

        Returns:
            The token (its ID token validated first), now the session's token.

        Raises:
            OAuthError: ``access_denied`` (the user said no), ``expired_token`` (past
                ``expires_in`` or ``timeout``, raised without another request) or any
                other error the token endpoint answers.
            TypeError: ``authorization`` is not a device authorization mapping.
            ValueError: ``timeout`` is not a positive number, or the authorization lacks
                its ``device_code``.
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
        session's own token is not replaced.

        Args:
            subject_token: The token to exchange.
            subject_token_type: Its type URI (``ACCESS_TOKEN_TYPE``, ``ID_TOKEN_TYPE``, ...).
            actor_token: A token of the party acting on the subject's behalf.
            actor_token_type: The actor token's type URI (required with ``actor_token``).
            requested_token_type: The type URI of the token wanted.
            audience: Where the new token will be used (a string or a list).
            resource: A URI or a list of URIs (RFC 8707), sent as repeated parameters.
            scope: The scope to ask for (a string or a list).
            **kwargs: ``authorization_details=`` (RFC 9396), other form parameters and
                per-call transport options.

        Returns:
            The issued token with ``issued_token_type``.

        Raises:
            OAuthError: The token endpoint refused the exchange.
            InvalidResponseError: The answer has no ``access_token`` or no
                ``issued_token_type``.
            ValueError: The arguments break RFC 8693 §2.1 (no subject token or type, an
                actor token without its type) or the indicators are malformed; nothing
                is sent.
        """
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
        method become the session's.

        Args:
            registration_endpoint: The registration endpoint; by default the provider's
                ``registration_endpoint``.
            metadata: The client metadata to register (``redirect_uris``,
                ``token_endpoint_auth_method``, ...); the session's own values fill in
                what is not given.
            initial_access_token: A bearer token the provider requires for registration.
            **kwargs: Per-call transport options.

        Returns:
            The registered client as the provider answered it (``client_id``,
            ``client_secret``, ``registration_access_token``, ...).

        Raises:
            OAuthError: The provider refused the registration; the session is unchanged.
            InvalidResponseError: The answer has no ``client_id`` (nothing is set).
            ValueError: ``metadata`` is not a JSON-serialisable mapping.
            TypeError: An unknown keyword argument.
        """
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
        """Find a protected resource's authorization server (RFC 9728) and load its metadata.

        Args:
            resource: The protected resource's URL (its metadata is at
                ``/.well-known/oauth-protected-resource``).
            response: Instead, a 401 response (requests or httpx) whose
                ``WWW-Authenticate`` names the ``resource_metadata`` URL.
            **kwargs: Per-call transport options.

        Returns:
            The resource's metadata; the session's issuer becomes its first
            authorization server, whose metadata is loaded too.

        Raises:
            InvalidResponseError: The document does not name the resource asked about,
                or names no authorization server (the session's issuer is put back).
            ValueError: Neither ``resource`` nor a usable ``response`` is given.
            TypeError: ``response`` is not a requests or httpx response.
        """
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
