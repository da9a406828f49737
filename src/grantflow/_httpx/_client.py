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
from .._client._twins import with_sections
from .._core._secrets import redacting
from .._flows._drive import Flow, Send, Step, arun, arun_step, run, run_step
from ._base import HttpxDriver
from ._sender import asend_wire, send_wire

if TYPE_CHECKING:
    from typing import ParamSpec

    from .._client._compat import RequestsOAuthlibNames
    from .._client._delegation_methods import DelegationMethods
    from .._client._methods import OAuthMethods

    P = ParamSpec("P")
    R = TypeVar("R")

    def _awaited(method: Callable[P, R]) -> Callable[P, Awaitable[R]]:
        """The type of ``method`` with its result awaitable: what the async client's
        ``_drive`` makes of every shared method (its parameters stay visible)."""

    def _awaited_response(
        method: Callable[P, Any],
    ) -> Callable[P, Awaitable[httpx.Response]]:
        """The same, for methods answering with the transport's response."""

    def _now_or_awaited(method: Callable[P, Any]) -> Callable[P, Any]:
        """The same, for a result given at once when no I/O is needed, else awaitable."""


__all__ = ["AssertionClient", "AsyncAssertionClient", "AsyncOAuth2Client", "OAuth2Client"]

T = TypeVar("T")

#: The constructor's arguments, the same for both clients (one typed ``Driver.__init__``).
_CLIENT_ARGS = """
Args:
    client_id: The client identifier (RFC 6749 §2.2).
    client_secret: The client secret or, for ``private_key_jwt``, the private key.
    token_endpoint_auth_method: A method name, an object such as ``PrivateKeyJWT``, or
        a callable, as for ``OAuth2Session``.
    revocation_endpoint_auth_method: How the client authenticates for revocation; by
        default as for tokens.
    scope: The default scope.
    state: A state to use instead of a generated one.
    redirect_uri: The default redirect URI.
    token: A token to start with.
    token_placement: ``"header"``, ``"body"`` or ``"uri"``.
    update_token: Called after every renewal the client makes, to save the token.
    leeway: Seconds before ``expires_at`` at which a token counts as expired.
    default_timeout: The client's ``timeout`` when none is given.
    code_challenge_method: ``"S256"`` (the default) or None to send no PKCE.
    server_metadata_url: The discovery document's URL, fetched on first need.
    issuer: The provider's issuer identifier (discovery starts from it; ID tokens and
        callbacks must name it).
    authorization_endpoint: The authorization endpoint, when not discovered.
    token_endpoint: The token endpoint, when not discovered.
    grant_type: The grant ``fetch_token`` uses when its arguments imply none.
    token_store: A ``TokenStore`` the token is loaded from and saved to.
    retry_on_invalid_token: Whether an ``invalid_token`` 401 renews the token and
        replays the request once (default True).
    id_token_signed_response_alg: The ID token algorithm registered for this client;
        ID tokens signed otherwise are refused.
    dpop: True for DPoP proofs with a generated key, or a ``DPoPKey`` (RFC 9449).
    token_retries: A number of retries of token requests after 429, 503 or an unsent
        request, or a ``RetryPolicy``.
    **kwargs: The ``{transport}`` keywords (``verify``, ``cert``, ``timeout``,
        ``transport``, ...; not ``auth``, which is the token), and the other options of
        ``OAuth2Session``: server metadata, authorization defaults, ``profile``,
        ``pushed_authorization``, ...

Raises:
    TypeError: A keyword is neither an httpx nor a grantflow option (the message names
        the closest).
    ValueError: A setting is inconsistent: a TLS method without ``cert``, or one that
        breaks ``profile="fapi2"``.
"""

#: What ``request`` takes, returns and raises, the same for both clients.
_REQUEST_SECTIONS = """
Args:
    method: The HTTP method.
    url: The resource's URL.
    withhold_token: Send the request without the token (and without renewal).
    **kwargs: As for ``{transport}.request`` (``params``, ``json``, ``auth`` to use
        another auth, ...).

Returns:
    The response (after a replay, the replay's).

Raises:
    MissingTokenError: The client has no token and no way to get one.
    OAuthError: Renewing a due token failed (the old token is kept).
    httpx.HTTPError: The transport failed.
"""

#: The constructor's arguments, the same for both assertion clients.
_ASSERTION_ARGS = """
Args:
    token_endpoint: Where tokens are requested.
    issuer: The assertion's ``iss`` (for a service account, its e-mail).
    subject: The assertion's ``sub``, or None.
    audience: The assertion's ``aud`` (the token endpoint by default).
    grant_type: The JWT bearer grant by default.
    claims: Further claims of the assertion.
    token_placement: Where the token goes: ``"header"``, ``"body"`` or ``"uri"``.
    scope: The scope to request.
    default_timeout: The client's ``timeout`` when none is given.
    leeway: Seconds before expiry at which a token is renewed.
    key: The signing key: an HMAC secret for HS*, or a private key.
    alg: The signing algorithm.
    header: Further JOSE header values.
    client_id: Sent as ``client_id`` when given.
    **kwargs: As for :class:`{client}` (httpx keywords included).

Raises:
    TypeError: An unknown keyword.
    ValueError: No algorithm (raised when the first assertion is built, before
        anything is sent).
"""


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


@with_sections(_CLIENT_ARGS, transport="httpx.Client")
class OAuth2Client(HttpxDriver, httpx.Client):
    """An ``httpx.Client`` that obtains, renews and sends OAuth 2.0 tokens (api.md §11).

    The OAuth methods are those of ``OAuth2Session``; the token travels as this
    client's ``auth``, so every request made with the client carries it.
    """

    @with_sections(_REQUEST_SECTIONS, transport="httpx.Client")
    def request(
        self, method: str, url: Any, *, withhold_token: bool = False, **kwargs: Any
    ) -> httpx.Response:
        """Send a resource request carrying the token (``withhold_token=True``: none).

        The token is renewed first when it is due; an ``invalid_token`` 401 renews it
        and replays the request once (unless ``retry_on_invalid_token`` is off).
        """
        if withhold_token and "auth" not in kwargs:
            kwargs["auth"] = None
        return super().request(method, url, **kwargs)

    def _send_step(self, step: Send) -> Any:
        return send_wire(self, self._wire(step), step, self._client.hooks.run_response)

    def _run(self, flow: Flow[T]) -> T:
        with redacting(self._client.known_secrets()):
            return run(flow, self._send_step)

    def _run_step(self, step: Step) -> Any:
        return run_step(step, self._send_step)

    def _drive(self, flow: Flow[T], raw: bool = False) -> T:
        result = self._run(flow)
        return result.raw if raw else result  # type: ignore[attr-defined]


@with_sections(_CLIENT_ARGS, transport="httpx.AsyncClient")
class AsyncOAuth2Client(HttpxDriver, httpx.AsyncClient):
    """An ``httpx.AsyncClient`` that obtains, renews and sends OAuth 2.0 tokens (api.md §11).

    Every OAuth method is a coroutine (``await client.fetch_token(...)``), except that
    ``create_authorization_url`` answers at once when it needs no discovery.
    """

    @with_sections(_REQUEST_SECTIONS, transport="httpx.AsyncClient")
    async def request(
        self, method: str, url: Any, *, withhold_token: bool = False, **kwargs: Any
    ) -> httpx.Response:
        """Send a resource request carrying the token, as :meth:`OAuth2Client.request`
        does, once awaited.
        """
        if withhold_token and "auth" not in kwargs:
            kwargs["auth"] = None
        return await super().request(method, url, **kwargs)

    async def _send_step(self, step: Send) -> Any:
        return await asend_wire(self, self._wire(step), step, self._client.hooks.run_response)

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

    def _drive_now(self, flow: Flow[T]) -> Any:
        """The flow's result at once when it needs no I/O (usable as it is, and awaitable
        for async code), else an awaitable of it."""
        try:
            first = next(flow)
        except StopIteration as done:
            return _Ready(done.value)
        return self._arun(_resume(flow, first))

    if TYPE_CHECKING:
        # The shared methods return what _drive returns: here, awaitables.
        load_server_metadata = _awaited(OAuthMethods.load_server_metadata)  # type: ignore[assignment]
        fetch_token = _awaited(OAuthMethods.fetch_token)  # type: ignore[assignment]
        fetch_access_token = _awaited(OAuthMethods.fetch_access_token)  # type: ignore[assignment]
        token_from_fragment = _awaited(OAuthMethods.token_from_fragment)  # type: ignore[assignment]
        refresh_token = _awaited(OAuthMethods.refresh_token)  # type: ignore[assignment]
        ensure_active_token = _awaited(OAuthMethods.ensure_active_token)  # type: ignore[assignment]
        revoke_token = _awaited_response(OAuthMethods.revoke_token)
        introspect_token = _awaited_response(OAuthMethods.introspect_token)
        fetch_jwk_set = _awaited(OAuthMethods.fetch_jwk_set)  # type: ignore[assignment]
        parse_id_token = _awaited(OAuthMethods.parse_id_token)  # type: ignore[assignment]
        userinfo = _awaited(OAuthMethods.userinfo)  # type: ignore[assignment]
        create_logout_url = _awaited(OAuthMethods.create_logout_url)  # type: ignore[assignment]
        # api.md §13
        device_authorization = _awaited(DelegationMethods.device_authorization)  # type: ignore[assignment]
        poll_device_token = _awaited(DelegationMethods.poll_device_token)  # type: ignore[assignment]
        exchange_token = _awaited(DelegationMethods.exchange_token)  # type: ignore[assignment]
        register_client = _awaited(DelegationMethods.register_client)  # type: ignore[assignment]
        load_resource_metadata = _awaited(DelegationMethods.load_resource_metadata)  # type: ignore[assignment]
        # At once when no discovery or PAR is needed (see _drive_now), else awaitable.
        create_authorization_url = _now_or_awaited(OAuthMethods.create_authorization_url)
        authorization_url = _now_or_awaited(RequestsOAuthlibNames.authorization_url)


@with_sections(_ASSERTION_ARGS, client="OAuth2Client")
class AssertionClient(AssertionMethods, OAuth2Client):
    """An :class:`OAuth2Client` that pays for its tokens with signed JWT assertions
    (RFC 7523 §2.1), like ``grantflow.AssertionSession``.
    """


@with_sections(_ASSERTION_ARGS, client="AsyncOAuth2Client")
class AsyncAssertionClient(AssertionMethods, AsyncOAuth2Client):
    """The async twin of :class:`AssertionClient`: ``await client.fetch_token()``."""
