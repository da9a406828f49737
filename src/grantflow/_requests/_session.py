"""``OAuth2Session``: a ``requests.Session`` that does every OAuth 2.0 grant.

A thin driver: the OAuth client (``_client.Client``) decides everything and returns
flows; each method here runs one with this session as the transport.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import requests

from .._client._client import Client
from .._client._forward import REQUEST_OPTIONS, SESSION_ATTRIBUTES, split_request_options
from .._client._forward import Forward as _Forward
from .._client._prepare import check_client_auth, prepare
from .._core._secrets import redacting
from .._core._token import OAuth2Token
from .._flows._drive import Flow, Send, run
from ._auth import OAuth2Auth
from ._redact import install_log_filter, redact_exception
from ._retry import armed_request, replay
from ._sender import is_requests_auth, send_wire

__all__ = ["REQUEST_OPTIONS", "SESSION_ATTRIBUTES", "OAuth2Session", "split_request_options"]

T = TypeVar("T")


class OAuth2Session(requests.Session):
    """A ``requests.Session`` that obtains, renews and sends OAuth 2.0 tokens.

    State, PKCE (S256) and, for OpenID requests, the nonce are generated and checked by
    default; ID tokens are validated before a token is returned; a token that is due is
    renewed once, however many threads share the session.
    """

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
    token_placement = _Forward("header, body or uri: where the token goes.", drops_auths=True)
    retry_on_invalid_token = _Forward(
        "Whether an invalid_token 401 makes the session renew and replay once.", drops_auths=True
    )

    def __init__(
        self,
        client_id: str | None = None,
        client_secret: Any = None,
        token_endpoint_auth_method: Any = None,
        revocation_endpoint_auth_method: Any = None,
        scope: Any = None,
        state: str | None = None,
        redirect_uri: str | None = None,
        token: Mapping[str, Any] | None = None,
        token_placement: str = "header",
        update_token: Callable[..., Any] | None = None,
        leeway: int = 60,
        default_timeout: float | tuple[float, float] | None = None,
        code_challenge_method: str | None = "S256",
        **kwargs: Any,
    ) -> None:
        super().__init__()
        for name in SESSION_ATTRIBUTES:
            if name in kwargs:
                setattr(self, name, kwargs.pop(name))
        self.default_timeout = default_timeout
        self._token_auth: OAuth2Auth | None = None
        self._resource_auth: OAuth2Auth | None = None
        self._client = Client(
            client_id,
            client_secret,
            token_endpoint_auth_method,
            revocation_endpoint_auth_method,
            scope,
            state,
            redirect_uri,
            token,
            token_placement,
            update_token,
            leeway,
            code_challenge_method,
            known_options=(*SESSION_ATTRIBUTES, "default_timeout"),
            **kwargs,
        )
        check_client_auth(self._client, self, has_certificate=bool(self.cert))
        install_log_filter()

    # -- running flows --------------------------------------------------------------------

    def _run(self, flow: Flow[T], options: Mapping[str, Any] | None = None) -> T:
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

    def _current_token(self, source: Any = None) -> OAuth2Token | None:
        """The token to send from ``source``, renewed first when it is due."""
        return self._run(self._client.current_token(source))

    # -- hooks and client authentication --------------------------------------------------

    def register_compliance_hook(self, hook_type: str, hook: Callable[..., Any]) -> None:
        """Register a hook that fixes a non-standard provider (see the README)."""
        self._client.hooks.register(hook_type, hook)

    def register_client_auth_method(self, auth: Any) -> None:
        """Register a client auth method: an object with ``.name`` or a ``(name, func)``."""
        self._client.auth_methods.register(auth)

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
        """Send a resource request carrying the token (renewed first when it is due)."""
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
            if response.status_code == 401:
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

    # -- the OAuth operations: each runs one flow ------------------------------------------

    def load_server_metadata(self, force: bool = False) -> dict[str, Any]:
        """Load the discovery document once (``force=True`` reloads); explicit values win."""
        return self._run(self._client.load_server_metadata(force))

    def create_authorization_url(
        self,
        url: str | None = None,
        state: str | None = None,
        code_verifier: str | None = None,
        nonce: str | None = None,
        **kwargs: Any,
    ) -> tuple[str, str]:
        """The authorization URL and its ``state``; the request is remembered by state."""
        return self._run(
            self._client.create_authorization_url(url, state, code_verifier, nonce, **kwargs)
        )

    def authorization_request(self, state: str) -> dict[str, Any]:
        """The remembered record of the outstanding request with ``state`` (api.md §9)."""
        return self._client.authorization_request(state)

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
        options = split_request_options(kwargs)
        return self._run(
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
        return self._run(self._client.token_from_fragment(authorization_response, state, nonce))

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
        options = split_request_options(kwargs)
        return self._run(
            self._client.refresh_token(
                url, refresh_token, body, auth, headers, options=options, **kwargs
            )
        )

    def ensure_active_token(self, token: Mapping[str, Any] | None = None) -> bool:
        """Renew the token when it is due: True when valid or renewed, False when it cannot be."""
        return self._run(self._client.ensure_active_token(token))

    def revoke_token(
        self,
        url: str | None = None,
        token: str | None = None,
        token_type_hint: str | None = None,
        body: str | None = None,
        auth: Any = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """Revoke a token (RFC 7009); the session's access token when ``token`` is None."""
        options = split_request_options(kwargs)
        flow = self._client.revoke_token(
            url, token, token_type_hint, body, auth, headers, options=options, **kwargs
        )
        return self._run(flow).raw  # type: ignore[no-any-return]

    def introspect_token(
        self,
        url: str | None = None,
        token: str | None = None,
        token_type_hint: str | None = None,
        body: str | None = None,
        auth: Any = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """Ask whether a token is active (RFC 7662); the answer's JSON has ``active``."""
        options = split_request_options(kwargs)
        flow = self._client.introspect_token(
            url, token, token_type_hint, body, auth, headers, options=options, **kwargs
        )
        return self._run(flow).raw  # type: ignore[no-any-return]

    def fetch_jwk_set(self, force: bool = False) -> dict[str, Any]:
        """The provider's JWK Set from ``jwks_uri``, fetched once (``force=True`` re-fetches)."""
        return self._run(self._client.fetch_jwk_set(force))

    def parse_id_token(
        self, token: Mapping[str, Any] | str, nonce: str | None = None, leeway: int | None = None
    ) -> dict[str, Any]:
        """Validate an ID token (the token dict or the raw JWT) and return its claims."""
        return self._run(self._client.parse_id_token(token, nonce, leeway))

    def userinfo(self, **kwargs: Any) -> dict[str, Any]:
        """The UserInfo claims (OIDC Core §5.3): JSON or a signed JWT; ``sub`` must match."""
        return self._run(self._client.userinfo(options=split_request_options(kwargs)))

    def create_logout_url(
        self,
        post_logout_redirect_uri: str | None = None,
        id_token_hint: str | None = None,
        state: str | None = None,
        **kwargs: Any,
    ) -> str:
        """The RP-Initiated Logout URL (RP-Initiated Logout 1.0 §2)."""
        return self._run(
            self._client.create_logout_url(post_logout_redirect_uri, id_token_hint, state, **kwargs)
        )

    def __getstate__(self) -> dict[str, Any]:
        # Locks, a token store and callbacks do not survive pickling; an unpickled
        # session that half-worked would be worse than this clear refusal.
        raise TypeError(
            f"{type(self).__name__} cannot be pickled; pickle its token (session.token) "
            "and build a new session from it"
        )

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(client_id={self.client_id!r}, "
            f"has_token={self.token is not None})"
        )
