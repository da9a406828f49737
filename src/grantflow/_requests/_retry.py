"""One replay of a resource request whose token the server rejected as ``invalid_token``.

A token can die before its ``expires_at`` (revoked, rotated away, the server restarted
with new keys). RFC 6750 §3.1 has the resource server say so with ``401`` and
``WWW-Authenticate: Bearer error="invalid_token"`` (RFC 9449 §7.1: ``DPoP`` for DPoP
tokens). Like requests' digest auth, a response hook consumes that 401, gets a fresh
token, rewinds the body and resends through the same adapter once, keeping the 401 in
``history``. Everything a replay needs is captured in the hook's closure, never on the
auth, so one auth serves any number of threads.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import requests
from requests.cookies import extract_cookies_to_jar

from .._core._token import OAuth2Token

if TYPE_CHECKING:
    from .._sources._source import TokenSource

__all__ = ["Snapshot", "is_invalid_token_challenge", "retry_hook"]

_SCHEMES = ("bearer", "dpop")


@functools.cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The challenge and ``error`` parameter patterns, compiled on the first 401 only."""
    # A challenge starts with a scheme token followed by a space or the end (RFC 9110 §11.2).
    challenge_start = re.compile(
        r"(?:^|,)\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+)(?=\s+[^\s=,]|\s*(?:,|$))"
    )
    error_param = re.compile(r"""(?:^|[\s,])error\s*=\s*(?:"([^"]*)"|([^\s,]+))""", re.IGNORECASE)
    return challenge_start, error_param


def is_invalid_token_challenge(header: str) -> bool:
    """True when a ``Bearer`` or ``DPoP`` challenge in ``header`` has ``error="invalid_token"``.

    ``WWW-Authenticate`` may carry several challenges (RFC 9110 §11.6.1), e.g. ``Basic``
    and ``Bearer``; only the error of a Bearer or DPoP challenge counts.
    """
    if not header:
        return False
    challenge_start, error_param = _patterns()
    starts = [(m.start(1), m.group(1).lower()) for m in challenge_start.finditer(header)]
    for index, (start, scheme) in enumerate(starts):
        if scheme not in _SCHEMES:
            continue
        end = starts[index + 1][0] if index + 1 < len(starts) else len(header)
        params = header[start + len(scheme) : end]
        for match in error_param.finditer(params):
            if (match.group(1) or match.group(2) or "") == "invalid_token":
                return True
    return False


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


def retry_hook(
    source: TokenSource, snapshot: Snapshot, sent: OAuth2Token, current: Current, apply: Apply
) -> Callable[..., requests.Response]:
    """A ``response`` hook that replays the request once after an ``invalid_token`` 401."""

    def on_response(response: requests.Response, **kwargs: Any) -> requests.Response:
        if response.status_code != 401 or not is_invalid_token_challenge(
            response.headers.get("WWW-Authenticate", "")
        ):
            return response
        # Only the token that was sent is marked, and only while it is still current:
        # N threads that hit the same 401 cause one renewal.
        source.mark_rejected(str(sent.get("access_token") or ""))
        if not snapshot.rewind():
            # The body cannot be sent again; the next request gets a fresh token.
            return response
        token = current()
        if token is None:
            return response
        # Read and release the 401 so its connection can carry the replay.
        _ = response.content
        response.close()
        replay = response.request.copy()
        replay.url = snapshot.url
        replay.headers = snapshot.headers.copy()
        replay.body = snapshot.body
        cookies = getattr(replay, "_cookies", None)
        if cookies is not None:
            extract_cookies_to_jar(cookies, response.request, response.raw)  # type: ignore[no-untyped-call]
            replay.prepare_cookies(cookies)
        apply(replay, token)
        retried: requests.Response = response.connection.send(replay, **kwargs)
        retried.history.append(response)
        retried.request = replay
        return retried

    return on_response
