"""``OAuth2Client`` and ``AsyncOAuth2Client``: httpx clients that do every OAuth 2.0 grant.

Thin drivers over ``_client.Client``: every decision is in its flows; the sync client
runs them with blocking sends, the async one awaits them. Single flight holds across
threads for the sync client and across the tasks of an event loop for the async one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from .._client._assertion_methods import AssertionMethods
from .._client._prepare import prepare
from .._core._secrets import redacting
from .._core._token import OAuth2Token
from .._flows._drive import Flow, Send, Step, arun, arun_step, run, run_step
from ._base import HttpxDriver
from ._sender import asend_wire, is_httpx_auth, send_wire

if TYPE_CHECKING:
    from .._core._device import DeviceAuthorization
    from .._core._registration import RegisteredClient

__all__ = ["AssertionClient", "AsyncAssertionClient", "AsyncOAuth2Client", "OAuth2Client"]

T = TypeVar("T")


class _Ready(tuple):  # type: ignore[type-arg]
    """A result that needed no I/O: usable at once, and awaitable for async code."""

    def __await__(self) -> Generator[Any, None, Any]:
        return self
        yield  # pragma: no cover - makes this a generator


def _resume(flow: Flow[T], first: Step) -> Flow[T]:
    """``flow``, already started at ``first``, as a flow again."""
    step = first
    while True:
        error: BaseException | None = None
        reply: Any = None
        try:
            reply = yield step
        except BaseException as exc:
            error = exc
        try:
            step = flow.send(reply) if error is None else flow.throw(error)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]


class OAuth2Client(HttpxDriver, httpx.Client):
    """An ``httpx.Client`` that obtains, renews and sends OAuth 2.0 tokens (api.md §11)."""

    def request(
        self, method: str, url: Any, *, withhold_token: bool = False, **kwargs: Any
    ) -> httpx.Response:
        """Send a resource request carrying the token (``withhold_token=True``: none)."""
        if withhold_token and "auth" not in kwargs:
            kwargs["auth"] = None
        return super().request(method, url, **kwargs)

    def _send_step(self, step: Send) -> Any:
        wire = prepare(
            step, self._client, self, has_certificate=bool(self._cert), is_native_auth=is_httpx_auth
        )
        return send_wire(
            self,
            wire,
            options=step.options or {},
            purpose=step.purpose,
            run_response_hooks=self._client.hooks.run_response,
        )

    def _run(self, flow: Flow[T]) -> T:
        with redacting(self._client.known_secrets()):
            return run(flow, self._send_step)

    def _run_step(self, step: Step) -> Any:
        return run_step(step, self._send_step)

    def _drive(self, flow: Flow[T], raw: bool = False) -> T:
        result = self._run(flow)
        return result.raw if raw else result  # type: ignore[attr-defined]


class AsyncOAuth2Client(HttpxDriver, httpx.AsyncClient):
    """An ``httpx.AsyncClient`` that obtains, renews and sends OAuth 2.0 tokens (api.md §11).

    Every OAuth method is a coroutine (``await client.fetch_token(...)``), except that
    ``create_authorization_url`` answers at once when it needs no discovery.
    """

    async def request(
        self, method: str, url: Any, *, withhold_token: bool = False, **kwargs: Any
    ) -> httpx.Response:
        """Send a resource request carrying the token (``withhold_token=True``: none)."""
        if withhold_token and "auth" not in kwargs:
            kwargs["auth"] = None
        return await super().request(method, url, **kwargs)

    async def _send_step(self, step: Send) -> Any:
        wire = prepare(
            step, self._client, self, has_certificate=bool(self._cert), is_native_auth=is_httpx_auth
        )
        return await asend_wire(
            self,
            wire,
            options=step.options or {},
            purpose=step.purpose,
            run_response_hooks=self._client.hooks.run_response,
        )

    async def _arun(self, flow: Flow[T]) -> T:
        with redacting(self._client.known_secrets()):
            return await arun(flow, self._send_step)

    async def _arun_step(self, step: Step) -> Any:
        import asyncio

        return await arun_step(step, self._send_step, asyncio.sleep)

    async def _adrive(self, flow: Flow[Any], raw: bool) -> Any:
        result = await self._arun(flow)
        return result.raw if raw else result

    def _drive(self, flow: Flow[T], raw: bool = False) -> Awaitable[T]:  # type: ignore[override]
        return self._adrive(flow, raw)

    if TYPE_CHECKING:
        # The shared methods return what _drive returns: here, awaitables.
        load_server_metadata: Callable[..., Awaitable[dict[str, Any]]]  # type: ignore[assignment]
        fetch_token: Callable[..., Awaitable[OAuth2Token]]  # type: ignore[assignment]
        fetch_access_token: Callable[..., Awaitable[OAuth2Token]]  # type: ignore[assignment]
        token_from_fragment: Callable[..., Awaitable[OAuth2Token]]  # type: ignore[assignment]
        refresh_token: Callable[..., Awaitable[OAuth2Token]]  # type: ignore[assignment]
        ensure_active_token: Callable[..., Awaitable[bool]]  # type: ignore[assignment]
        revoke_token: Callable[..., Awaitable[httpx.Response]]
        introspect_token: Callable[..., Awaitable[httpx.Response]]
        fetch_jwk_set: Callable[..., Awaitable[dict[str, Any]]]  # type: ignore[assignment]
        parse_id_token: Callable[..., Awaitable[dict[str, Any]]]  # type: ignore[assignment]
        userinfo: Callable[..., Awaitable[dict[str, Any]]]  # type: ignore[assignment]
        create_logout_url: Callable[..., Awaitable[str]]  # type: ignore[assignment]
        # api.md §13
        device_authorization: Callable[..., Awaitable[DeviceAuthorization]]  # type: ignore[assignment]
        poll_device_token: Callable[..., Awaitable[OAuth2Token]]  # type: ignore[assignment]
        exchange_token: Callable[..., Awaitable[OAuth2Token]]  # type: ignore[assignment]
        register_client: Callable[..., Awaitable[RegisteredClient]]  # type: ignore[assignment]
        load_resource_metadata: Callable[..., Awaitable[dict[str, Any]]]  # type: ignore[assignment]
        # requests-oauthlib's name: answers like create_authorization_url below.
        authorization_url: Callable[..., Any]

    def create_authorization_url(
        self,
        url: str | None = None,
        state: str | None = None,
        code_verifier: str | None = None,
        nonce: str | None = None,
        **kwargs: Any,
    ) -> Any:
        """The authorization URL and its ``state``: at once when the endpoint is known
        (awaiting the result works too), else a coroutine that discovers it first."""
        flow = self._client.create_authorization_url(url, state, code_verifier, nonce, **kwargs)
        try:
            first = next(flow)
        except StopIteration as done:
            return _Ready(done.value)
        return self._arun(_resume(flow, first))


class AssertionClient(AssertionMethods, OAuth2Client):
    """An :class:`OAuth2Client` that pays for its tokens with signed JWT assertions
    (RFC 7523 §2.1), like ``grantflow.AssertionSession``."""


class AsyncAssertionClient(AssertionMethods, AsyncOAuth2Client):
    """The async twin of :class:`AssertionClient`: ``await client.fetch_token()``."""
