"""``OAuth2Session``: a ``requests.Session`` that does every OAuth 2.0 grant.

A thin driver: the OAuth client (``_client.Client``) decides everything and returns
flows; each method here runs one with this session as the transport.
"""

from __future__ import annotations

from typing import Any, TypeVar

import requests

from .._client._forward import REQUEST_OPTIONS, SESSION_ATTRIBUTES, split_request_options
from .._client._methods import OAuthMethods
from .._client._prepare import prepare
from .._client._replay import goes_to_replay
from .._core._secrets import redacting
from .._core._token import OAuth2Token
from .._flows._drive import Flow, Send, run
from ._auth import OAuth2Auth
from ._redact import redact_exception
from ._retry import armed_request, has_header, replay
from ._sender import is_requests_auth, send_wire

__all__ = ["REQUEST_OPTIONS", "SESSION_ATTRIBUTES", "OAuth2Session", "split_request_options"]

T = TypeVar("T")


class OAuth2Session(OAuthMethods, requests.Session):
    """A ``requests.Session`` that obtains, renews and sends OAuth 2.0 tokens.

    State, PKCE (S256) and, for OpenID requests, the nonce are generated and checked by
    default; ID tokens are validated before a token is returned; a token that is due is
    renewed once, however many threads share the session.

    Args:
        client_id: The client identifier (RFC 6749 §2.2).
        client_secret: The client secret or, for ``private_key_jwt``, the private key
            (PEM ``str``/``bytes``, a JWK dict, or a key object).
        token_endpoint_auth_method: A method name (``"client_secret_basic"``,
            ``"client_secret_post"``, ``"none"``, ``"client_secret_jwt"``,
            ``"private_key_jwt"``, ``"tls_client_auth"``,
            ``"self_signed_tls_client_auth"``), an object such as ``ClientSecretJWT``,
            or a callable ``f(client, method, uri, headers, body)``. Default:
            ``client_secret_basic`` with a secret, else ``none``.
        revocation_endpoint_auth_method: The same for revocation; by default the token
            endpoint's.
        scope: The default scope, a string or a list.
        state: A state to use instead of a generated one (good for one callback).
        redirect_uri: The default redirect URI.
        token: A token to start with (a dict).
        token_placement: ``"header"``, ``"body"`` or ``"uri"``: where the token goes.
        update_token: Called as ``update_token(token, refresh_token=..., access_token=...)``
            after every renewal the session makes, so the application can save it.
        leeway: Seconds before ``expires_at`` at which a token counts as expired.
        default_timeout: Applied to every request that gives no ``timeout``.
        code_challenge_method: ``"S256"`` (the default) or None to send no PKCE.
        server_metadata_url: The discovery document's URL, fetched on first need
            (RFC 8414, OpenID Connect Discovery 1.0).
        issuer: The provider's issuer identifier: discovery starts from it when no
            ``server_metadata_url`` is given, and ID tokens and callbacks must name it.
        authorization_endpoint: The authorization endpoint, when not discovered.
        token_endpoint: The token endpoint, when not discovered.
        grant_type: The grant ``fetch_token`` uses when its arguments imply none
            (instead of client credentials).
        token_store: A ``TokenStore`` the token is loaded from and saved to, shared
            with other processes (``FileTokenStore``, ``RedisTokenStore``, ...).
        retry_on_invalid_token: Whether an ``invalid_token`` 401 renews the token and
            replays the request once (default True).
        id_token_signed_response_alg: The ID token algorithm registered for this
            client; ID tokens signed otherwise are refused.
        dpop: True to sign DPoP proofs with a generated key, or a ``DPoPKey``
            (RFC 9449); the tokens are then bound to that key.
        token_retries: How token requests are retried after 429, 503 or an unsent
            request: a number of retries, a ``RetryPolicy``, or 0 for none.
        **kwargs: Further server metadata (any ``*_endpoint``, ``jwks_uri``, ...),
            authorization defaults (``response_type``, ``prompt``, ``max_age``, ...),
            features (``profile``, ``pushed_authorization``,
            ``request_object_signing_alg``, ``accept_unverifiable_iss``,
            ``issuer_template``, ``allow_id_token_without_nonce``), and the
            ``requests.Session`` attributes ``proxies``, ``hooks``, ``stream``,
            ``verify``, ``cert``, ``max_redirects``, ``trust_env``.

    Raises:
        TypeError: A keyword is none of the above (the message names the closest).
        ValueError: A setting is inconsistent: a TLS method without ``cert``, or one
            that breaks ``profile="fapi2"`` (the message names the rule).
    """

    _transport_keywords = frozenset(SESSION_ATTRIBUTES)

    def _start_transport(self, options: dict[str, Any], default_timeout: Any) -> None:
        requests.Session.__init__(self)
        for name, value in options.items():
            setattr(self, name, value)
        self.default_timeout: float | tuple[float, float] | None = default_timeout

    def _has_certificate(self) -> bool:
        return bool(self.cert)

    # -- running flows --------------------------------------------------------------------

    def _run(self, flow: Flow[T]) -> T:
        """Run ``flow`` with this session as the transport; errors show no secret."""
        with redacting(self._client.known_secrets()):
            return run(flow, self._send_step)

    def _send_step(self, step: Send) -> Any:
        options = dict(step.options or {})
        if options.get("timeout") is None:
            options["timeout"] = self.default_timeout
        wire = prepare(
            step,
            self._client,
            self,
            has_certificate=bool(options.get("cert") or self.cert),
            is_native_auth=is_requests_auth,
        )
        return send_wire(
            self,
            wire,
            options=options,
            purpose=step.purpose,
            run_response_hooks=self._client.hooks.run_response,
        )

    def _drive(self, flow: Flow[T], raw: bool = False) -> T:
        result = self._run(flow)
        return result.raw if raw else result  # type: ignore[attr-defined]

    def _split_options(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        return split_request_options(kwargs)

    def _drop_auths(self) -> None:
        self._token_auth: OAuth2Auth | None = None
        self._resource_auth: OAuth2Auth | None = None

    def _current_token(self, source: Any = None) -> OAuth2Token | None:
        """The token to send from ``source``, renewed first when it is due."""
        return self._run(self._client.current_token(source))

    # -- resource requests ----------------------------------------------------------------

    @property
    def token_auth(self) -> OAuth2Auth:
        """The :class:`OAuth2Auth` this session's token travels with.

        It renews through this session and replays an ``invalid_token`` 401 through a
        response hook, so it works as the ``auth`` of a plain ``requests`` call too.
        """
        auth = self._token_auth
        if auth is None:
            auth = self._token_auth = OAuth2Auth._sharing(self, self._client.source)
        return auth

    def request(  # type: ignore[override]
        self,
        method: str,
        url: str,
        withhold_token: bool = False,
        auth: Any = None,
        **kwargs: Any,
    ) -> requests.Response:
        """Send a resource request carrying the token (renewed first when it is due).

        An ``invalid_token`` 401 renews the token and replays the request once (unless
        ``retry_on_invalid_token`` is off); a DPoP nonce the server sends is remembered
        and the request replayed with it (RFC 9449 §9).

        Args:
            method: The HTTP method.
            url: The resource's URL.
            withhold_token: Send the request without the token (and without renewal).
            auth: A ``requests`` auth to use instead of the session's token.
            **kwargs: As for ``requests.Session.request`` (``params``, ``json``,
                ``timeout``, ...); ``default_timeout`` applies when no ``timeout`` is
                given.

        Returns:
            The response (after a replay, the replay's).

        Raises:
            MissingTokenError: The session has no token and no way to get one.
            InvalidTokenError: The token is expired and can be neither refreshed nor
                fetched again, or no header can carry it.
            OAuthError: Renewing a due token failed (the old token is kept).
            requests.RequestException: The transport failed; its message shows no
                token, even with ``token_placement="uri"``.
        """
        # The session's settings are tested first: in the common case they are unset
        # and the kwargs are not looked at (this runs on every request).
        if self.default_timeout is not None and kwargs.get("timeout") is None:
            kwargs["timeout"] = self.default_timeout
        if self.verify is not True and kwargs.get("verify") is None:
            # requests lets REQUESTS_CA_BUNDLE override session.verify; ours must win.
            kwargs["verify"] = self.verify
        if auth is None and not withhold_token:
            # The session's own auth only arms the request; the replay after an
            # invalid_token 401 is decided below, which costs less than a response hook
            # on every request (bench/bench_request_overhead.py).
            auth = self._resource_auth
            if auth is None:
                auth = self._resource_auth = OAuth2Auth._sharing(
                    self, self._client.source, replay_by_hook=False
                )
        redacted: requests.RequestException | None = None
        try:
            response = super().request(method, url, auth=auth, **kwargs)
            if goes_to_replay(self._client, response.status_code, response.headers, has_header):
                response = self._replay(response, kwargs)
            return response
        except requests.RequestException as exc:
            # With token_placement="uri" the URL in requests' message carries the token.
            redacted = redact_exception(exc, self._client.known_secrets())
            if redacted is exc:
                raise
        raise redacted  # outside the except block: no __context__ showing the token

    def _replay(self, response: requests.Response, kwargs: dict[str, Any]) -> requests.Response:
        """Hand a 401 to the replay flow; a replay goes through this session (cookies,
        redirects and response hooks as for any request)."""
        request = armed_request(response, by_hook=False)
        auth = self._resource_auth
        if request is None or auth is None:
            return response

        def resend(again: requests.PreparedRequest) -> requests.Response:
            settings = self.merge_environment_settings(
                again.url,
                kwargs.get("proxies") or {},
                kwargs.get("stream"),
                kwargs.get("verify"),
                kwargs.get("cert"),
            )
            return self.send(
                again,
                timeout=kwargs.get("timeout"),
                allow_redirects=kwargs.get("allow_redirects", True),
                **settings,
            )

        return replay(response, request, resend, self, auth._source, auth._apply)

    def __getstate__(self) -> dict[str, Any]:
        # Locks, a token store and callbacks do not survive pickling; an unpickled
        # session that half-worked would be worse than this clear refusal.
        raise TypeError(
            f"{type(self).__name__} cannot be pickled; pickle its token (session.token) "
            "and build a new session from it"
        )
