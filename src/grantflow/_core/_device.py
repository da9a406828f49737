"""The device authorization grant (RFC 8628): get a user code, then poll for the token.

A device without a browser asks for a device code and a user code (§3.1, §3.2), shows
the user where to enter it, and polls the token endpoint (§3.4) until the user approves
or denies, or the code expires. Every decision of the poller lives here, as pure
functions of the response and the clock: poll again after N seconds, stop with the
token, or raise. The flow only waits and sends.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ..errors import InvalidResponseError, OAuthError
from ._frozen import Frozen
from ._grants import build_form_request, build_token_request
from ._http import HttpRequest, HttpResponse
from ._params import scope_to_str
from ._responses import parse_json_object, parse_seconds
from ._token import OAuth2Token
from ._token_response import parse_token_response

__all__ = [
    "DEFAULT_INTERVAL",
    "DEVICE_CODE_GRANT",
    "SLOW_DOWN_STEP",
    "DeviceAuthorization",
    "PollAgain",
    "PollState",
    "build_device_authorization_request",
    "build_device_token_request",
    "check_poll_deadline",
    "decide_poll",
    "parse_device_authorization_response",
    "start_polling",
]

#: RFC 8628 §3.4
DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
#: RFC 8628 §3.2: "If no value is provided, clients MUST use 5 as the default."
DEFAULT_INTERVAL = 5
#: RFC 8628 §3.5: slow_down increases the interval by 5 seconds for all later requests.
SLOW_DOWN_STEP = 5

_WHAT = "device authorization endpoint"


class DeviceAuthorization(dict[str, Any]):
    """The device authorization response (RFC 8628 §3.2) as a dict.

    ``device_code``, ``user_code``, ``verification_uri``, ``verification_uri_complete``
    when the server gave one, ``expires_in``, ``interval`` (5 when absent) and
    ``expires_at`` (epoch seconds), so polling can start later and still stop in time.
    The repr hides ``device_code``, which redeems the token.

    ``device_authorization()`` builds one from the server's checked answer; building one
    by hand (to resume polling from a saved copy) takes what ``dict`` takes and raises
    nothing: it holds what it is given (the answer was checked when parsed).
    """

    def __repr__(self) -> str:
        shown = {k: ("..." if k == "device_code" else v) for k, v in self.items()}
        return f"DeviceAuthorization({shown!r})"


def build_device_authorization_request(
    endpoint: str,
    *,
    client_id: str | None = None,
    scope: str | list[str] | None = None,
    params: Mapping[str, Any] | None = None,
) -> HttpRequest:
    """The device authorization request (RFC 8628 §3.1): ``client_id``, ``scope`` and any
    extra parameters, form-encoded. Client authentication is the caller's to apply."""
    return build_form_request(
        endpoint, {"client_id": client_id, "scope": scope_to_str(scope), **(params or {})}
    )


def parse_device_authorization_response(
    response: HttpResponse, *, now: float
) -> DeviceAuthorization:
    """The server's answer to a device authorization request, checked (RFC 8628 §3.2).

    An ``{"error": ...}`` body is :class:`OAuthError`. A missing ``device_code``,
    ``user_code`` or ``verification_uri``, or an ``expires_in`` or ``interval`` that is not
    a number, is :class:`InvalidResponseError`; numeric strings are read as numbers.
    """
    data = parse_json_object(response, _WHAT)
    if "verification_uri" not in data and "verification_url" in data:
        # Google's device endpoint names the field verification_url (as drafts of the
        # RFC did); it is the same value.
        data["verification_uri"] = data.pop("verification_url")
    for name in ("device_code", "user_code", "verification_uri"):
        if not isinstance(data.get(name), str) or not data[name]:
            raise _invalid(response, f"has no {name}")
    complete = data.get("verification_uri_complete")
    if complete is not None and not isinstance(complete, str):
        raise _invalid(response, "has a verification_uri_complete that is not a string")
    expires_in = parse_seconds(data.get("expires_in"))
    if expires_in is None or expires_in <= 0:
        raise _invalid(response, "has no expires_in that is a positive number")
    raw_interval = data.get("interval")
    interval = DEFAULT_INTERVAL if raw_interval is None else parse_seconds(raw_interval)
    if interval is None:
        raise _invalid(response, "has an interval that is not a number")
    data["expires_in"] = int(expires_in)
    # Never faster than once a second, whatever the server says: 0 would mean a busy loop.
    data["interval"] = max(1, math.ceil(interval))
    data["expires_at"] = int(now) + data["expires_in"]
    return DeviceAuthorization(data)


def _invalid(response: HttpResponse, what: str) -> InvalidResponseError:
    return InvalidResponseError(
        description=f"the {_WHAT}'s response {what} (RFC 8628 §3.2)",
        status_code=response.status_code,
    )


def build_device_token_request(
    token_endpoint: str, authorization: Mapping[str, Any], *, client_id: str | None = None
) -> HttpRequest:
    """One poll of the token endpoint (RFC 8628 §3.4): the device code grant with the
    ``device_code`` and, for a client that does not authenticate, its ``client_id``."""
    device_code = authorization.get("device_code")
    if not isinstance(device_code, str) or not device_code:
        raise ValueError("the device authorization has no device_code to poll with")
    return build_token_request(
        token_endpoint, DEVICE_CODE_GRANT, {"device_code": device_code, "client_id": client_id}
    )


class PollState(Frozen):
    """Where polling stands: the current interval and the moment it must stop."""

    __slots__ = ("deadline", "interval", "timed_out")
    interval: int
    deadline: float
    timed_out: bool

    def __init__(self, interval: int, deadline: float, timed_out: bool = False) -> None:
        self._set(interval=interval, deadline=deadline, timed_out=timed_out)

    def __repr__(self) -> str:
        return f"PollState(interval={self.interval}, deadline={self.deadline})"


class PollAgain(Frozen):
    """The decision to wait ``wait`` seconds and poll again, with the updated state."""

    __slots__ = ("seconds_left", "state", "wait")
    wait: int
    seconds_left: float
    state: PollState

    def __init__(self, wait: int, seconds_left: float, state: PollState) -> None:
        self._set(wait=wait, seconds_left=seconds_left, state=state)

    def __repr__(self) -> str:
        return f"PollAgain(wait={self.wait}, seconds_left={self.seconds_left})"


def start_polling(
    authorization: Mapping[str, Any], *, now: float, timeout: float | None = None
) -> PollState:
    """The state before the first poll: the server's interval, and a deadline at the
    code's expiry or after ``timeout`` seconds, whichever comes first."""
    if timeout is not None and (isinstance(timeout, bool) or not timeout > 0):
        raise ValueError("timeout must be a positive number of seconds")
    interval = parse_seconds(authorization.get("interval", DEFAULT_INTERVAL))
    expires_at = parse_seconds(authorization.get("expires_at"))
    if expires_at is None:
        expires_in = parse_seconds(authorization.get("expires_in"))
        if expires_in is None:
            raise ValueError("the device authorization has neither expires_at nor expires_in")
        expires_at = now + expires_in
    deadline, timed_out = expires_at, False
    if timeout is not None and now + timeout < expires_at:
        deadline, timed_out = now + timeout, True
    return PollState(max(1, math.ceil(interval or DEFAULT_INTERVAL)), deadline, timed_out)


def check_poll_deadline(state: PollState, *, now: float) -> None:
    """Raise ``OAuthError("expired_token")`` when polling must stop, before any request:
    the device code has expired (RFC 8628 §3.5) or the caller's timeout has passed."""
    if now >= state.deadline:
        raise _expired(state)


def _expired(state: PollState) -> OAuthError:
    if state.timed_out:
        reason = "the user did not approve the device before the timeout"
    else:
        reason = "the device code expired before the user approved it (RFC 8628 §3.5)"
    return OAuthError("expired_token", reason)


def decide_poll(response: HttpResponse, state: PollState, *, now: float) -> OAuth2Token | PollAgain:
    """What a poll's response means (RFC 8628 §3.5).

    - a token: done, return it;
    - ``authorization_pending``: poll again after the interval;
    - ``slow_down``: the interval grows by 5 seconds, now and for every later poll;
    - ``access_denied``, ``expired_token`` or any other error: raise it as it came.

    When the next poll could only come at or after the deadline, the expiry is raised
    now rather than after a wait that cannot end in a poll.
    """
    try:
        return parse_token_response(response, now=now)
    except InvalidResponseError:
        raise
    except OAuthError as error:
        if error.error == "slow_down":
            state = PollState(state.interval + SLOW_DOWN_STEP, state.deadline, state.timed_out)
        elif error.error != "authorization_pending":
            raise
    if now + state.interval >= state.deadline:
        raise _expired(state)
    return PollAgain(state.interval, state.deadline - now, state)
