"""``OAuth2Auth`` for httpx: puts the access token on each request, sync or async.

One ``httpx.Auth`` serves ``httpx.Client`` and ``httpx.AsyncClient``: the token is read
without a lock when fresh, renewed through the client's flows when due, and an
``invalid_token`` 401 is handed to the replay flow, which decides whether to send again.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from typing import TYPE_CHECKING, Any

import httpx

from .._client._dpop import is_dpop_token, resource_proof
from .._core._bearer import HeaderCache, add_token, check_placement
from .._core._http import HttpResponse
from .._core._log_filter import install_log_filter
from .._core._token import OAuth2Token
from .._flows._drive import Call, Flow, Step
from .._sources._source import TokenSource
from .._stores._base import TokenStore
from ..errors import MissingTokenError

if TYPE_CHECKING:
    from .._core._dpop import DPoPKey

__all__ = ["OAuth2Auth"]

_NO_TOKEN = "no access token: fetch one first (fetch_token) or give token="


def _resend(token: OAuth2Token) -> None:
    """Marks the replay flow's request to send again; the auth flow answers it itself."""


def _advance(flow: Flow[Any], reply: Any, error: BaseException | None) -> Step | None:
    """The replay flow's next step after ``reply`` (or ``error``); None once it is done."""
    try:
        return flow.send(reply) if error is None else flow.throw(error)
    except StopIteration:
        return None


def _view(response: httpx.Response) -> HttpResponse:
    return HttpResponse(response.status_code, dict(response.headers), url=str(response.url))


class OAuth2Auth(httpx.Auth):
    """Adds the access token as ``Authorization: Bearer``, a body or a query parameter.

    Without a ``client`` the token is sent as given. With a ``client`` (an
    :class:`~grantflow.httpx.OAuth2Client` or ``AsyncOAuth2Client``) a due token is
    renewed first, once for all threads or tasks, and an ``invalid_token`` 401 renews it
    and replays the request once. The auth keeps no per-request state on itself.

    Args:
        token: The token to send (a dict such as ``fetch_token`` returns).
        token_placement: ``"header"``, ``"body"`` or ``"uri"`` (RFC 6750 §2).
        client: The ``OAuth2Client`` or ``AsyncOAuth2Client`` that renews the token
            and whose hooks run, or None.
        dpop_key: The :class:`DPoPKey` that signs the proof a ``DPoP`` token travels
            with (RFC 9449 §7.1); without it, the client's key.
        token_store: A store to load the token from and save renewals to.
        retry_on_invalid_token: Whether an ``invalid_token`` 401 renews the token and
            replays the request once (with a ``client``).

    Raises:
        ValueError: ``token_placement`` is none of the three. Sending a request then
            raises :class:`UnsupportedTokenTypeError` for a token type other than Bearer
            or for a ``DPoP`` token with no key to prove it.
    """

    def __init__(
        self,
        token: dict[str, Any] | None = None,
        token_placement: str = "header",
        client: Any = None,
        dpop_key: DPoPKey | None = None,
        *,
        token_store: TokenStore | None = None,
        retry_on_invalid_token: bool = True,
    ) -> None:
        self.token_placement = check_placement(token_placement)
        self.client = client
        #: Proves a DPoP token's possession (RFC 9449); without it, the client's key.
        self.dpop_key = dpop_key
        self.retry_on_invalid_token = retry_on_invalid_token
        self._source = TokenSource(token_store, token)
        self._headers = HeaderCache()
        install_log_filter()  # httpx logs request URLs, a uri-placed token included

    @classmethod
    def _sharing(cls, client: Any, source: TokenSource) -> OAuth2Auth:
        auth = cls.__new__(cls)
        auth.token_placement = client.token_placement
        auth.client = client
        auth.retry_on_invalid_token = client.retry_on_invalid_token
        auth.dpop_key = None  # the client's own key proves its tokens
        auth._source = source
        auth._headers = HeaderCache()
        return auth

    @property
    def requires_request_body(self) -> bool:  # type: ignore[override]
        # A body-placed token is added to the body, which must be read first.
        return self.token_placement == "body"

    @property
    def token(self) -> OAuth2Token | None:
        """The token this auth sends."""
        return self._source.token

    @token.setter
    def token(self, value: dict[str, Any] | None) -> None:
        self._source.set(value)

    def _header_only(self) -> bool:
        """Whether the token goes in the header and no ``protected_request`` hook runs:
        the common case, one header write and nothing to restore for a replay."""
        client = self.client
        return self.token_placement == "header" and (
            client is None or not client._client.hooks.protected_request
        )

    def _is_dpop(self, token: OAuth2Token) -> bool:
        """Whether ``token`` is a DPoP token, sent with a proof (RFC 9449 §7.1)."""
        return is_dpop_token(token)

    def _put(self, request: httpx.Request, token: OAuth2Token) -> tuple[Any, ...] | None:
        """Put ``token`` on a request that has none yet; return what a replay restores
        first: None or ``()`` when the headers are simply overwritten (``()``: a DPoP
        token, whose responses may bring a nonce to remember)."""
        if self._header_only():
            value = request.headers["Authorization"] = self._headers.value(token)
            if value[0] != "D":  # not "DPoP ..." (RFC 9449 §7.1)
                return None
            self._add_proof(request, token)
            return ()
        original = request.url, request.headers.copy(), getattr(request, "_content", None)
        self._apply(request, token, original)
        return original

    def _apply(
        self, request: httpx.Request, token: OAuth2Token, original: tuple[Any, ...] | None
    ) -> None:
        """Put ``token`` on ``request`` as it was before any token (RFC 6750 §2), then
        run the client's ``protected_request`` hooks."""
        if not original:
            request.headers["Authorization"] = self._headers.value(token)
            if self._is_dpop(token):
                self._add_proof(request, token)
            return
        url, headers, content = original
        hooks = self.client._client.hooks if self.client is not None else None
        dpop = self._is_dpop(token)
        # RFC 9449 §7.1: a DPoP token travels in the Authorization header only.
        placement = "header" if dpop else self.token_placement
        if placement == "header" and not (hooks and hooks.protected_request):
            request.url = url
            request.headers = httpx.Headers(headers)
            request.headers["Authorization"] = self._headers.value(token)
            if dpop:
                self._add_proof(request, token)
            return
        body = content.decode("utf-8") if content else None
        new_url, new_headers, new_body = add_token(token, placement, str(url), dict(headers), body)
        if hooks is not None:
            new_url, new_headers, hooked = hooks.run_request(
                "protected_request", new_url, new_headers, new_body or ""
            )
            new_body = None if (hooked == "" and new_body is None) else hooked
        request.url = httpx.URL(new_url)
        request.headers = httpx.Headers(new_headers)
        if new_body is not None and new_body != body:
            data = new_body.encode("utf-8")
            request.stream = httpx.ByteStream(data)
            request._content = data
            request.headers["Content-Length"] = str(len(data))
            if self.token_placement == "body" and "Content-Type" not in request.headers:
                request.headers["Content-Type"] = "application/x-www-form-urlencoded"
        if dpop:
            self._add_proof(request, token)

    def _add_proof(self, request: httpx.Request, token: OAuth2Token) -> None:
        """The ``DPoP`` header for the request as it is sent (RFC 9449 §7.1)."""
        client = self.client._client if self.client is not None else None
        request.headers["DPoP"] = resource_proof(
            client, request.method, str(request.url), token, key=self.dpop_key
        )

    def _replay_flow(
        self, request: httpx.Request, response: httpx.Response, sent: OAuth2Token
    ) -> Any:
        client = self.client
        if client is None:
            return None
        dpop = client._client.dpop_key is not None and is_dpop_token(sent)
        if response.status_code != 401 and not (dpop and "DPoP-Nonce" in response.headers):
            return None
        if not (self.retry_on_invalid_token or dpop):
            return None
        return client._client.replay_after_401(
            _view(response),
            sent=sent,
            request_url=str(request.url),
            # A streamed body that was never read into memory cannot be sent again.
            rewindable=hasattr(request, "_content"),
            resend=_resend,
            source=self._source,
        )

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        """httpx's auth flow for ``httpx.Client``: put the token on, replay once on a 401.

        Args:
            request: The request httpx is about to send.

        Raises:
            MissingTokenError: There is no token to send.
            OAuthError: Renewing a due token (or one a 401 refused) failed.
        """
        client = self.client
        source = self._source
        token = source._token  # the attribute behind .token: this runs on every request
        if client is not None and not source.is_fresh(token, client._client.leeway):
            token = client._run(client._client.current_token(source))
        if token is None:
            raise MissingTokenError(description=_NO_TOKEN)
        original = self._put(request, token)
        response = yield request
        if response.status_code != 401 and original is None:
            return  # a Bearer token in the header: only a 401 may need the replay flow
        flow = self._replay_flow(request, response, token)
        if flow is None:
            return
        reply: Any = None
        error: BaseException | None = None
        while (step := _advance(flow, reply, error)) is not None:
            reply, error = None, None
            if isinstance(step, Call) and step.func is _resend:
                response.read()
                self._apply(request, step.args[0], original)
                reply = _view((yield request))
                continue
            try:
                reply = client._run_step(step)
            except BaseException as exc:
                error = exc

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """The same as :meth:`sync_auth_flow`, for ``httpx.AsyncClient``.

        Args:
            request: The request httpx is about to send.

        Raises:
            MissingTokenError: There is no token to send.
            OAuthError: Renewing a due token (or one a 401 refused) failed.
        """
        client = self.client
        source = self._source
        token = source._token
        if client is not None and not source.is_fresh(token, client._client.leeway):
            token = await client._arun(client._client.current_token(source))
        if token is None:
            raise MissingTokenError(description=_NO_TOKEN)
        original = self._put(request, token)
        response = yield request
        if response.status_code != 401 and original is None:
            return  # a Bearer token in the header: only a 401 may need the replay flow
        flow = self._replay_flow(request, response, token)
        if flow is None:
            return
        reply: Any = None
        error: BaseException | None = None
        while (step := _advance(flow, reply, error)) is not None:
            reply, error = None, None
            if isinstance(step, Call) and step.func is _resend:
                await response.aread()
                self._apply(request, step.args[0], original)
                reply = _view((yield request))
                continue
            try:
                reply = await client._arun_step(step)
            except BaseException as exc:
                error = exc

    def __repr__(self) -> str:
        return (
            f"OAuth2Auth(token_placement={self.token_placement!r}, "
            f"has_token={self._source.token is not None}, client={self.client is not None})"
        )
