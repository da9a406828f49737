"""The device authorization grant (RFC 8628) as flows: ask for a user code, then poll.

Every decision (how long to wait, when to stop, what an error means) is the pure
``_core._device``; the poller only reads the client's clock, sends, and yields
``Sleep`` between polls, so the requests, httpx and asyncio drivers wait in their own
way and a cancelled task or a Ctrl-C stops it between two steps with nothing left
running. Polls go through the driver's own client, so they share one connection.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .._core._device import (
    DeviceAuthorization,
    PollAgain,
    build_device_authorization_request,
    build_device_token_request,
    check_poll_deadline,
    decide_poll,
    parse_device_authorization_response,
    start_polling,
)
from .._core._http import HttpResponse
from .._core._indicators import indicator_params
from .._core._token import OAuth2Token
from .._flows._drive import Call, Flow, Send, Sleep
from ._dpop import send_with_proof
from ._metadata import endpoint
from ._oidc import check_token_id_token

if TYPE_CHECKING:
    from ._client import Client

__all__ = ["device_authorization", "poll_device_token"]


def device_authorization(
    client: Client,
    url: str | None = None,
    scope: Any = None,
    *,
    auth: Any = None,
    options: Mapping[str, Any] | None = None,
    **params: Any,
) -> Flow[DeviceAuthorization]:
    """Ask for a device code and a user code (RFC 8628 §3.1-3.2).

    ``scope`` defaults to the client's; ``resource`` and ``authorization_details`` are
    checked and encoded as RFC 8707 / RFC 9396 ask; other ``params`` go as they are.
    The client authenticates as at the token endpoint (§3.1), which also names it.
    """
    params.update(
        indicator_params(params.pop("resource", None), params.pop("authorization_details", None))
    )
    endpoint_url = url or (yield from endpoint(client, "device_authorization_endpoint"))
    request = build_device_authorization_request(
        endpoint_url, scope=client.scope if scope is None else scope, params=params
    )
    response: HttpResponse = yield Send(request, None, client.client_auth(auth), options)
    return parse_device_authorization_response(response, now=client.clock())


def poll_device_token(
    client: Client,
    authorization: Mapping[str, Any],
    on_pending: Callable[[float], Any] | None = None,
    timeout: float | None = None,
    *,
    url: str | None = None,
    auth: Any = None,
    options: Mapping[str, Any] | None = None,
) -> Flow[OAuth2Token]:
    """Poll the token endpoint until the user decides (RFC 8628 §3.4-3.5).

    The first poll goes at once, the next ones ``interval`` seconds apart (5 more after
    each ``slow_down``). While the user has not decided, ``on_pending(seconds_left)`` is
    called before each wait (awaited when it returns an awaitable, on the async client).
    Past the code's expiry, or ``timeout`` seconds, ``OAuthError("expired_token")`` is
    raised without another request. The token becomes the client's, as with
    ``fetch_token``; an ID token in it is validated first.
    """
    if not isinstance(authorization, Mapping):
        raise TypeError("poll_device_token needs the result of device_authorization()")
    state = start_polling(authorization, now=client.clock(), timeout=timeout)
    endpoint_url = url or (yield from endpoint(client, "token_endpoint"))
    request = build_device_token_request(endpoint_url, authorization)
    client_auth = client.client_auth(auth)
    while True:
        check_poll_deadline(state, now=client.clock())
        # A poll is a token request: with a DPoP key it carries a proof (RFC 9449 §5).
        step = Send(request, "access_token", client_auth, options)
        response = yield from send_with_proof(client, step)
        decision = decide_poll(response, state, now=client.clock())
        if not isinstance(decision, PollAgain):
            break
        state = decision.state
        if on_pending is not None:
            yield Call(on_pending, decision.seconds_left)
        yield Sleep(decision.wait)
    token = yield from check_token_id_token(client, decision)
    # The grant cannot be repeated without the user: only a refresh token renews it.
    client.refetch = None
    client.source.set(token)
    return token
