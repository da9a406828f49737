"""One replay of a resource request whose token the server rejected as ``invalid_token``.

A token can die before its ``expires_at`` (revoked, rotated away, the server restarted
with new keys). RFC 6750 §3.1 has the resource server say so with ``401`` and
``WWW-Authenticate: Bearer error="invalid_token"`` (RFC 9449 §7.1: ``DPoP`` for DPoP
tokens). Like requests' digest auth, a response hook consumes that 401, gets a fresh
token, rewinds the body and resends through the same adapter once, keeping the 401 in
``history``. What a replay needs rides on the request (:data:`ARMED`), never on the
auth, so one auth and one hook serve any number of threads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests
from requests.cookies import extract_cookies_to_jar

from .._core._challenge import is_invalid_token_challenge
from .._core._token import OAuth2Token

if TYPE_CHECKING:
    from .._sources._source import TokenSource

__all__ = ["ARMED", "Snapshot", "armed_request", "replay_once"]


class Snapshot:
    """A resource request as it was before the token was put on it.

    No copy is made: the auth either replaces ``r.headers`` with a new mapping or, in
    the header case, only overwrites ``Authorization``, which a replay sets again.
    """

    __slots__ = ("body", "body_position", "headers", "url")

    def __init__(self, r: requests.PreparedRequest) -> None:
        self.url = r.url or ""
        self.headers = r.headers
        self.body: Any = r.body
        self.body_position: Any = getattr(r, "_body_position", None)

    def rewind(self) -> bool:
        """Make the body readable again from its start; False when it cannot be."""
        body = self.body
        if body is None or isinstance(body, (str, bytes, bytearray)):
            return True
        seek = getattr(body, "seek", None)
        if not isinstance(self.body_position, int) or not callable(seek):
            # A generator or a stream without a position is gone once sent.
            return False
        try:
            seek(self.body_position)
        except OSError:
            return False
        return True


#: ``apply(request, token)`` puts ``token`` on ``request`` the way the auth does.
Apply = Callable[[requests.PreparedRequest, OAuth2Token], None]
#: ``current()`` returns the token to send, renewed single-flight when it is due.
Current = Callable[[], "OAuth2Token | None"]
#: ``send(request)`` sends the replay and returns its response.
Resend = Callable[[requests.PreparedRequest], requests.Response]

#: The attribute an auth sets on a request it armed for one replay: ``(sent, snapshot,
#: by_hook)``. ``snapshot`` is None when the request is its own snapshot (header
#: placement only overwrites ``Authorization``); ``by_hook`` says whether the auth's
#: response hook or the session replays it. It lives on the request, not on the auth,
#: so one auth serves many threads; ``PreparedRequest.copy()`` drops it, so a
#: redirected request or a replay is never replayed.
ARMED = "_grantflow_armed"


def armed_request(response: requests.Response, *, by_hook: bool) -> requests.PreparedRequest | None:
    """The armed request behind an ``invalid_token`` 401, or None when none qualifies.

    After redirects the request sent first is the armed one; it qualifies only when the
    401 came from the same origin, since a redirect to another host carries no token
    (requests strips it) and that host's 401 says nothing about ours.
    """
    if response.status_code != 401:
        return None
    history = response.history
    request = history[0].request if history else response.request
    marker = request.__dict__.get(ARMED) if request is not None else None
    if request is None or marker is None or marker[2] is not by_hook:
        return None
    if history and _origin(response.url) != _origin(request.url or ""):
        return None
    if not is_invalid_token_challenge(response.headers.get("WWW-Authenticate", "")):
        return None
    return request


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def replay_once(
    response: requests.Response,
    request: requests.PreparedRequest,
    resend: Resend,
    source: TokenSource,
    current: Current,
    apply: Apply,
) -> requests.Response:
    """Renew the token and send ``request`` (from :func:`armed_request`) again, once.

    ``response`` is returned as is when the body cannot be sent again (the next request
    still gets a fresh token) or no token can be had; otherwise the replay's response,
    with ``response`` and what led to it first in its ``history``.
    """
    sent, snapshot, _ = request.__dict__[ARMED]
    # Only the token that was sent is marked, and only while it is still current:
    # N threads that hit the same 401 cause one renewal.
    source.mark_rejected(str(sent.get("access_token") or ""))
    if snapshot is None:
        snapshot = Snapshot(request)
    if not snapshot.rewind():
        return response
    token = current()
    if token is None:
        return response
    # Read and release the 401 so its connection can carry the replay.
    _ = response.content
    response.close()
    replay = request.copy()
    replay.url = snapshot.url
    replay.headers = snapshot.headers.copy()
    replay.body = snapshot.body
    cookies = getattr(replay, "_cookies", None)
    if cookies is not None:
        extract_cookies_to_jar(cookies, response.request, response.raw)  # type: ignore[no-untyped-call]
        replay.prepare_cookies(cookies)
    apply(replay, token)
    retried = resend(replay)
    retried.history = [*response.history, response, *retried.history]
    return retried
