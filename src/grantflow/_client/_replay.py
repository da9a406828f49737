"""One replay of a resource request whose token the server rejected as ``invalid_token``,
or whose DPoP proof lacked the resource server's nonce (``use_dpop_nonce``).

A token can die before its ``expires_at`` (revoked, rotated away, the server restarted
with new keys). RFC 6750 §3.1 has the resource server say so with ``401`` and
``WWW-Authenticate: Bearer error="invalid_token"`` (RFC 9449 §7.1: ``DPoP`` for DPoP
tokens). This flow decides whether to renew and send again, once; the driver only
sends what it is told (``resend(token)``, a sync or async callable of the driver).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .._core._challenge import is_invalid_token_challenge
from .._core._http import HttpResponse
from .._core._https import origin
from .._core._token import OAuth2Token
from .._flows._drive import Call, Flow
from .._sources._source import TokenSource
from ._dpop import is_dpop_token, note_resource_nonce
from ._tokens import can_renew, current_token

if TYPE_CHECKING:
    from ._client import Client

__all__ = ["goes_to_replay", "replay_after_401"]


def goes_to_replay(
    client: Client,
    status_code: int,
    headers: Mapping[str, str],
    contains: Callable[[Any, str], bool] = operator.contains,
) -> bool:
    """The drivers' test of every resource response: only a 401, or a DPoP nonce the
    server sent (RFC 9449 §9), goes to :func:`replay_after_401`. ``contains`` is the
    transport's fastest header test (``headers`` holds a name, given lower-cased, in any
    case)."""
    return status_code == 401 or (client.dpop_key is not None and contains(headers, "dpop-nonce"))


def _refused(response: HttpResponse) -> bool:
    return response.status_code == 401 and is_invalid_token_challenge(
        response.header("www-authenticate") or ""
    )


def _answers_nonce(
    client: Client, response: HttpResponse, request_url: str, rewindable: bool
) -> bool:
    """RFC 9449 §9: remember the resource server's nonce; whether a ``use_dpop_nonce``
    401 is answered by one replay with the same token and a proof carrying that nonce
    (the replay's answer then stands, whatever it is: no loop)."""
    nonce = note_resource_nonce(client, response.url or request_url, response)
    if nonce is None or not rewindable:
        return False
    return not (response.url and origin(response.url) != origin(request_url))


def replay_after_401(
    client: Client,
    response: HttpResponse,
    *,
    sent: OAuth2Token,
    request_url: str,
    rewindable: bool,
    resend: Callable[[OAuth2Token], Any],
    source: TokenSource | None = None,
) -> Flow[HttpResponse | None]:
    """The replay's response, or None when ``response`` stands as it is.

    Only a 401 ``invalid_token`` from the origin the token was sent to counts (after a
    redirect to another host the token was not sent there). Renewal happens once however
    many callers saw the same 401 (the token source marks only the token that was sent,
    and only while it is current). A token that cannot be renewed is not disabled by a
    401: the 401 is returned and the token kept (the resource server's word on one
    request is not an expiry). A replay that is refused again is returned as it is, and
    that token's next 401s are not renewed again.
    """
    source = source or client.source
    if (
        client.dpop_key is not None
        and is_dpop_token(sent)
        and _answers_nonce(client, response, request_url, rewindable)
    ):
        replay: HttpResponse = yield Call(resend, sent)
        note_resource_nonce(client, replay.url or response.url or request_url, replay, quietly=True)
        return replay
    if not client.retry_on_invalid_token or not _refused(response):
        return None
    if response.url and origin(response.url) != origin(request_url):
        return None
    access_token = str(sent.get("access_token") or "")
    if access_token and access_token == client.refused_after_replay:
        return None
    if not (yield from can_renew(client, sent)):
        return None
    source.mark_rejected(access_token)
    if not rewindable:
        # A body that cannot be sent again (a generator): the next request renews.
        return None
    token = yield from current_token(client, source)
    if token is None:
        return None
    replayed: HttpResponse = yield Call(resend, token)
    if _refused(replayed):
        client.refused_after_replay = str(token.get("access_token") or "")
    return replayed
