"""``OAuth2Auth`` for httpx: puts the access token on each request, sync or async.

One ``httpx.Auth`` serves ``httpx.Client`` and ``httpx.AsyncClient``: the token is read
without a lock when fresh, renewed through the client's flows when due, and an
``invalid_token`` 401 is handed to the replay flow, which decides whether to send again.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from typing import Any

import httpx

from .._client._dpop import is_dpop_token
from .._client._token_auth import AUTH_ARGS, TokenAuth
from .._client._tokens import NO_TOKEN
from .._client._twins import with_sections
from .._core._http import HttpResponse
from .._core._token import OAuth2Token
from .._flows._drive import Call, Flow, Step
from ..errors import MissingTokenError

__all__ = ["OAuth2Auth"]


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


def _meet(client: Any, need: Any) -> tuple[Any, BaseException | None]:
    """Read a response body or run a flow step of ``client``, blocking; the outcome goes
    back into the replay's needs (a failed step is raised inside the flow)."""
    try:
        if isinstance(need, httpx.Response):
            return need.read(), None
        return client._run_step(need), None
    except BaseException as exc:
        return None, exc


async def _ameet(client: Any, need: Any) -> tuple[Any, BaseException | None]:
    """The async twin of :func:`_meet`."""
    try:
        if isinstance(need, httpx.Response):
            return await need.aread(), None
        return await client._arun_step(need), None
    except BaseException as exc:
        return None, exc


def _sync(needs: Generator[Any, Any, None], client: Any) -> Generator[httpx.Request, Any, None]:
    """Meet the replay's ``needs`` with blocking I/O, yielding each request to httpx."""
    reply: Any = None
    while (need := _advance(needs, reply, None)) is not None:
        reply = (yield need) if isinstance(need, httpx.Request) else _meet(client, need)


@with_sections(AUTH_ARGS, client="``OAuth2Client`` or ``AsyncOAuth2Client``")
class OAuth2Auth(TokenAuth, httpx.Auth):
    """Adds the access token as ``Authorization: Bearer``, a body or a query parameter.

    Without a ``client`` the token is sent as given. With a ``client`` (an
    :class:`~grantflow.httpx.OAuth2Client` or ``AsyncOAuth2Client``) a due token is
    renewed first, once for all threads or tasks, and an ``invalid_token`` 401 renews it
    and replays the request once. The auth keeps no per-request state on itself.
    """

    @property
    def requires_request_body(self) -> bool:  # type: ignore[override]
        # A body-placed token is added to the body, which must be read first.
        return self.token_placement == "body"

    def _put(self, request: httpx.Request, token: OAuth2Token | None) -> tuple[Any, ...] | None:
        """Put ``token`` on a request that has none yet; return what a replay restores
        first: None or ``()`` when the headers are simply overwritten (``()``: a DPoP
        token, whose responses may bring a nonce to remember)."""
        if token is None:
            raise MissingTokenError(description=NO_TOKEN)
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
            if is_dpop_token(token):
                self._add_proof(request, token)
            return
        url, headers, content = original
        hooks = self.client._client.hooks if self.client is not None else None
        dpop = is_dpop_token(token)
        # RFC 9449 §7.1: a DPoP token travels in the Authorization header only.
        if (dpop or self.token_placement == "header") and not (hooks and hooks.protected_request):
            request.url = url
            request.headers = httpx.Headers(headers)
            request.headers["Authorization"] = self._headers.value(token)
            if dpop:
                self._add_proof(request, token)
            return
        body = content.decode("utf-8") if content else None
        new_url, new_headers, new_body = self._placed(token, str(url), dict(headers), body)
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
        request.headers["DPoP"] = self._proof(request.method, str(request.url), token)

    def _may_replay(self, response: httpx.Response, original: tuple[Any, ...] | None) -> bool:
        """Whether ``response`` goes to the replay flow: a 401, or (for a token not simply
        a Bearer header) a DPoP nonce; the common answer costs no flow at all."""
        if response.status_code != 401 and original is None:
            return False  # a Bearer token in the header: only a 401 may need the replay
        return self._goes_to_replay(response.status_code, response.headers)

    def _replay_flow(
        self, request: httpx.Request, response: httpx.Response, sent: OAuth2Token
    ) -> Any:
        client = self.client._client
        if not (
            self.retry_on_invalid_token or (client.dpop_key is not None and is_dpop_token(sent))
        ):
            return None
        return client.replay_after_401(
            _view(response),
            sent=sent,
            request_url=str(request.url),
            # A streamed body that was never read into memory cannot be sent again.
            rewindable=hasattr(request, "_content"),
            resend=_resend,
            source=self._source,
        )

    def _replay_needs(
        self,
        request: httpx.Request,
        response: httpx.Response,
        sent: OAuth2Token | None,
        original: tuple[Any, ...] | None,
    ) -> Generator[Any, Any, None]:
        """What the replay flow needs after ``response``, for either auth flow to meet:
        an ``httpx.Request`` to send (answered with its response), else a response body
        to read or a flow step to run (answered with ``(result, error)``, see
        :func:`_meet`)."""
        # ``sent`` is None only when _put refused to send (MissingTokenError).
        flow = self._replay_flow(request, response, sent) if sent is not None else None
        if flow is None:
            return
        reply: Any = None
        error: BaseException | None = None
        while (step := _advance(flow, reply, error)) is not None:
            if isinstance(step, Call) and step.func is _resend:
                _, failed = yield response  # read the 401 before the request goes again
                if failed is not None:
                    raise failed
                self._apply(request, step.args[0], original)
                reply, error = _view((yield request)), None
            else:
                reply, error = yield step

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
        token = self._source._token  # the attribute behind .token: this runs on every request
        if self._is_due(token):
            token = self.client._run(self.client._client.current_token(self._source))
        original = self._put(request, token)
        response = yield request
        if self._may_replay(response, original):
            yield from _sync(self._replay_needs(request, response, token, original), self.client)

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
        token = self._source._token
        if self._is_due(token):
            token = await self.client._arun(self.client._client.current_token(self._source))
        original = self._put(request, token)
        response = yield request
        if self._may_replay(response, original):
            needs = self._replay_needs(request, response, token, original)
            reply: Any = None
            while (need := _advance(needs, reply, None)) is not None:
                if isinstance(need, httpx.Request):
                    reply = yield need
                else:
                    reply = await _ameet(self.client, need)
