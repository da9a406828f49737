"""The requests side of the ``invalid_token`` replay: arming a request, sending it again.

Whether to renew and replay is the flow ``_client._replay.replay_after_401``'s decision;
this module keeps what requests needs to act on it. Like requests' digest auth, the
replay rewinds the body, releases the 401's connection and resends once, keeping the
401 in ``history``. What a replay needs rides on the request (:data:`ARMED`), never on
the auth, so one auth serves any number of threads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import requests
from requests.cookies import extract_cookies_to_jar

from .._core._frozen import Frozen
from .._core._http import HttpResponse
from .._core._token import OAuth2Token

if TYPE_CHECKING:
    from .._sources._source import TokenSource
    from ._session import OAuth2Session

__all__ = ["ARMED", "Snapshot", "armed_request", "has_header", "replay"]


def has_header(headers: Any, lower_name: str) -> bool:
    """Whether ``headers`` holds ``lower_name`` (given lower-cased), case-insensitively.
    requests' ``CaseInsensitiveDict`` keeps its keys lower-cased in ``_store``: one dict
    look-up there, where ``in`` on the mapping lower-cases and hashes the name again and
    raises and catches a ``KeyError`` for every absent one (this runs on every response
    of a DPoP session)."""
    try:
        return lower_name in headers._store
    except AttributeError:  # another mapping: its own test
        return lower_name in headers


class Snapshot(Frozen):
    """A resource request as it was before the token was put on it.

    No copy is made: the auth either replaces ``r.headers`` with a new mapping or, in
    the header case, only overwrites ``Authorization``, which a replay sets again.
    """

    __slots__ = ("body", "body_position", "headers", "url")
    url: str
    headers: Any
    body: Any
    body_position: Any

    def __init__(self, r: requests.PreparedRequest) -> None:
        self._set(
            url=r.url or "",
            headers=r.headers,
            body=r.body,
            body_position=getattr(r, "_body_position", None),
        )

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
    """The request this auth armed behind ``response`` (after redirects, the first one)."""
    history = response.history
    request = history[0].request if history else response.request
    marker = getattr(request, ARMED, None)
    if request is None or marker is None or marker[2] is not by_hook:
        return None
    return request


def replay(
    response: requests.Response,
    request: requests.PreparedRequest,
    resend: Resend,
    client: OAuth2Session,
    source: TokenSource,
    apply: Apply,
) -> requests.Response:
    """Let the replay flow decide on ``response`` (a 401); the replay's response or
    ``response`` itself, with what led to a replay first in its ``history``."""
    sent, snapshot, _ = getattr(request, ARMED)
    if snapshot is None:
        snapshot = Snapshot(request)

    def send_again(token: OAuth2Token) -> HttpResponse:
        # Read and release the 401 so its connection can carry the replay.
        _ = response.content
        response.close()
        again = request.copy()
        again.url = snapshot.url
        again.headers = snapshot.headers.copy()
        again.body = snapshot.body
        cookies = getattr(again, "_cookies", None)
        if cookies is not None:
            extract_cookies_to_jar(cookies, response.request, response.raw)  # type: ignore[no-untyped-call]
            again.prepare_cookies(cookies)
        apply(again, token)
        retried = resend(again)
        retried.history = [*response.history, response, *retried.history]
        return _view(retried)

    outcome = client._run(
        client._client.replay_after_401(
            _view(response),
            sent=sent,
            request_url=request.url or "",
            rewindable=snapshot.rewind(),
            resend=send_again,
            source=source,
        )
    )
    return response if outcome is None else outcome.raw


def _view(response: requests.Response) -> HttpResponse:
    """Status, headers and URL of ``response`` for the flow (the body is not read)."""
    return HttpResponse(
        response.status_code, response.headers, url=response.url or "", raw=response
    )
