"""``OAuth2Session``: a ``requests.Session`` that does every OAuth 2.0 grant."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import requests

from .._core._authorization import (
    AuthorizationRequest,
    ValidatedCallback,
    implied_response_type,
)
from .._core._bearer import check_placement
from .._core._grants import (
    AUTHORIZATION_CODE,
    CLIENT_CREDENTIALS,
    PASSWORD,
    build_token_request,
    guess_grant,
)
from .._core._params import scope_to_str
from .._core._token import OAuth2Token
from .._flows._basic import token_flow
from .._sources._source import TokenSource
from ..errors import (
    InvalidResponseError,
)
from ._auth import OAuth2Auth
from ._authorize import AuthorizationMixin
from ._base import SESSION_ATTRIBUTES, scrubbed, split_request_options
from ._client_auth import JWT_METHOD_NAMES, ClientAuthMethods
from ._management import TokenManagementMixin
from ._redact import redact_exception
from ._renewal import RenewalMixin
from ._retry import armed_request, replay_once

__all__ = ["OAuth2Session"]


class OAuth2Session(AuthorizationMixin, RenewalMixin, TokenManagementMixin):
    """A ``requests.Session`` that obtains, renews and sends OAuth 2.0 tokens.

    State, PKCE (S256) and, for OpenID requests, the nonce are generated and checked by
    default; ID tokens are validated before a token is returned; a token that is due is
    renewed once, however many threads share the session.
    """

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
        token_store = kwargs.pop("token_store", None)
        self.retry_on_invalid_token = kwargs.pop("retry_on_invalid_token", True)
        self.id_token_signed_response_alg: str | None = kwargs.pop(
            "id_token_signed_response_alg", None
        )
        self._init_base(kwargs)
        self.client_id = client_id
        self.client_secret = client_secret
        if token_endpoint_auth_method is None:
            token_endpoint_auth_method = "client_secret_basic" if client_secret else "none"
        self.token_endpoint_auth_method = token_endpoint_auth_method
        self.revocation_endpoint_auth_method = revocation_endpoint_auth_method
        self.scope = scope
        self.state = state
        self.redirect_uri = redirect_uri
        self.token_placement = token_placement
        self.update_token = update_token
        self.leeway = leeway
        self.default_timeout = default_timeout
        self.code_challenge_method = code_challenge_method
        self._init_authorization()
        self._refetch: dict[str, Any] | None = None
        self._source = TokenSource(token_store, dict(token) if token is not None else None)
        self._init_oidc()
        self._check_auth_method_at_construction(token_endpoint_auth_method)

    def _check_auth_method_at_construction(self, spec: Any) -> None:
        # RFC 8705 §2: a mutual-TLS method without a certificate can never work.
        if ClientAuthMethods.is_tls(spec) and not self.cert:
            self._check_tls_cert()
        # A JWT method whose key cannot sign with its algorithm fails here, not mid-request.
        # Other names may still be registered later, so they are resolved on first use.
        if isinstance(spec, str) and spec in JWT_METHOD_NAMES:
            spec = self._auth_methods.resolve(spec)
        check = getattr(spec, "check_client", None)
        if callable(check):
            check(self)

    # -- the token --------------------------------------------------------------------------

    @property
    def token(self) -> OAuth2Token | None:
        """The current token (setting a dict converts it to :class:`OAuth2Token`)."""
        return self._source.token

    @token.setter
    def token(self, value: Mapping[str, Any] | None) -> None:
        self._source.set(dict(value) if value is not None else None)

    @property
    def token_placement(self) -> str:
        """Where resource requests carry the token: ``header``, ``body`` or ``uri``."""
        return self._token_placement

    @token_placement.setter
    def token_placement(self, value: str) -> None:
        self._token_placement = check_placement(value)
        self._forget_auths()

    @property
    def retry_on_invalid_token(self) -> bool:
        """Whether an ``invalid_token`` 401 makes the session renew and replay once."""
        return self._retry_on_invalid_token

    @retry_on_invalid_token.setter
    def retry_on_invalid_token(self, value: bool) -> None:
        self._retry_on_invalid_token = bool(value)
        self._forget_auths()

    def _forget_auths(self) -> None:
        """Drop the shared auths, which copied the placement and retry switch."""
        self._token_auth: OAuth2Auth | None = None
        self._resource_auth: OAuth2Auth | None = None

    @property
    def token_auth(self) -> OAuth2Auth:
        """The :class:`OAuth2Auth` this session puts on resource requests.

        It renews through this session and replays an ``invalid_token`` 401 through a
        response hook, so it works as the ``auth`` of a plain ``requests`` call too.
        """
        auth = self._token_auth
        if auth is None:
            auth = self._token_auth = OAuth2Auth._sharing(self, self._source)
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
            # invalid_token 401 happens below, which costs less than a response hook
            # on every request (bench/bench_request_overhead.py).
            auth = self._resource_auth
            if auth is None:
                auth = self._resource_auth = OAuth2Auth._sharing(
                    self, self._source, replay_by_hook=False
                )
        redacted: requests.RequestException | None = None
        try:
            response = super().request(method, url, auth=auth, **kwargs)
            if response.status_code == 401:
                response = self._replay(response, kwargs)
            return response
        except requests.RequestException as exc:
            # With token_placement="uri" the URL in requests' message carries the token.
            redacted = redact_exception(exc, self._known_secrets())
            if redacted is exc:
                raise
        raise redacted  # outside the except block: no __context__ showing the token

    def _replay(self, response: requests.Response, kwargs: dict[str, Any]) -> requests.Response:
        """Renew and send the request of an ``invalid_token`` 401 again, once, through
        this session (cookies, redirects and response hooks as for any request)."""
        request = armed_request(response, by_hook=False)
        auth = self._resource_auth
        if request is None or auth is None:
            return response

        def resend(replay: requests.PreparedRequest) -> requests.Response:
            settings = self.merge_environment_settings(
                replay.url,
                kwargs.get("proxies") or {},
                kwargs.get("stream"),
                kwargs.get("verify"),
                kwargs.get("cert"),
            )
            return self.send(
                replay,
                timeout=kwargs.get("timeout"),
                allow_redirects=kwargs.get("allow_redirects", True),
                **settings,
            )

        return replay_once(response, request, resend, auth._source, auth._current, auth._apply)

    # -- token requests -----------------------------------------------------------------------

    @scrubbed
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
        authorization_response = kwargs.pop("authorization_response", None)
        code = kwargs.pop("code", None)
        code_verifier = kwargs.pop("code_verifier", None)
        nonce = kwargs.pop("nonce", None)
        record: AuthorizationRequest | None = None
        callback: ValidatedCallback | None = None
        if authorization_response is not None:
            callback, record = self._validate_callback(authorization_response, state)
            code = callback.code
            if not code:
                raise InvalidResponseError(description="the authorization response has no code")
        elif code is not None and state is not None:
            record = self._consume(state)
        grant = grant_type or guess_grant(kwargs, code, self.metadata.get("grant_type"))
        params: dict[str, Any] = {}
        front_claims = None
        if grant == AUTHORIZATION_CODE:
            if callback is not None:
                front_claims = self._check_front_channel_id_token(callback, record, nonce)
            params = {
                "code": code,
                "redirect_uri": kwargs.pop("redirect_uri", None)
                or (record.redirect_uri if record else None)
                or self.redirect_uri,
                "code_verifier": code_verifier or (record.code_verifier if record else None),
            }
        elif grant == PASSWORD:
            params = {
                "username": kwargs.pop("username", None),
                "password": kwargs.pop("password", None),
                "scope": scope_to_str(kwargs.pop("scope", self.scope)),
            }
        elif grant == CLIENT_CREDENTIALS:
            params = {"scope": scope_to_str(kwargs.pop("scope", self.scope))}
        params.update(kwargs)
        if "scope" in params:
            params["scope"] = scope_to_str(params["scope"])
        endpoint = url or self._endpoint("token_endpoint")
        request = build_token_request(
            endpoint, grant, params, body=body, method=method, headers=headers
        )
        client_auth = self._token_client_auth(auth)
        token = self._run(
            token_flow(request, purpose="access_token", client_auth=client_auth), options
        )
        expected_nonce = nonce or (record.nonce if record else None)
        token = self._check_token_id_token(
            token,
            nonce=expected_nonce,
            max_age=record.max_age if record else None,
            response_type=record.response_type if record else None,
            bound_to=front_claims,
        )
        # Only the grant of the current token may renew it: a password token must never be
        # replaced by a client-credentials one (another identity).
        self._refetch = None
        if grant == CLIENT_CREDENTIALS:
            self._refetch = {
                "url": url,
                "params": params,
                "body": body,
                "method": method,
                "headers": headers,
                "auth": auth,
                "options": options,
            }
        self._source.set(token)
        return token

    @functools.wraps(fetch_token)
    def fetch_access_token(self, *args: Any, **kwargs: Any) -> OAuth2Token:
        """Alias of :meth:`fetch_token` (so subclasses' overrides apply to both)."""
        return self.fetch_token(*args, **kwargs)

    @scrubbed
    def token_from_fragment(
        self, authorization_response: Any, state: str | None = None, nonce: str | None = None
    ) -> OAuth2Token:
        """The token of an implicit (or ``id_token``) response, after the callback checks.

        ``nonce`` is for a callback completed by another process than the one that made
        the authorization URL (see :meth:`authorization_request`).
        """
        callback, record = self._validate_callback(authorization_response, state)
        params = dict(callback.params)
        if not params.get("access_token") and not params.get("id_token"):
            raise InvalidResponseError(
                description="the authorization response has neither access_token nor id_token"
            )
        token = OAuth2Token(params)
        token = self._check_token_id_token(
            token,
            nonce=nonce or (record.nonce if record else None),
            nonce_required=True,
            max_age=record.max_age if record else None,
            response_type=record.response_type if record else implied_response_type(params),
            front_channel=True,
        )
        if token.get("access_token"):
            self._source.set(token)
        return token

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(client_id={self.client_id!r}, "
            f"has_token={self.token is not None})"
        )
