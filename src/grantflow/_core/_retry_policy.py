"""When a token request is sent again, and how long to wait first.

A busy or failing token endpoint answers ``429 Too Many Requests`` (RFC 6585 §4) or
``503 Service Unavailable`` (RFC 9110 §15.6.4), often with ``Retry-After`` (RFC 9110
§10.2.3). Both say the request was not processed, so a grant whose request may be
repeated is sent again after the time asked, or after a capped exponential back-off with
full jitter when none was given. A request that never left the client (the connection
was refused or timed out before a byte was sent) may be sent again whatever the grant.
An OAuth error (``400``, ``401``) is an answer, never retried; neither is a request that
may have reached the server, unless its grant makes repeating it harmless: an
authorization code is single-use (RFC 6749 §4.1.2), so a code exchange is sent again
only when it was never sent. Pure: the flow asks, sleeps and sends.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from contextlib import suppress
from urllib.parse import parse_qsl

from ._frozen import Frozen
from ._grants import AUTHORIZATION_CODE, CLIENT_CREDENTIALS
from ._http import HttpRequest, HttpResponse

__all__ = [
    "DEFAULT_TOKEN_RETRIES",
    "RETRY_STATUSES",
    "RetryPolicy",
    "grant_of",
    "mark_transport_failure",
    "parse_retry_after",
    "resolve_retry_policy",
]

#: Retries of a token request after the first attempt, unless ``token_retries=`` says.
DEFAULT_TOKEN_RETRIES = 2

#: Answers that say "not now" rather than "no": RFC 6585 §4 and RFC 9110 §15.6.4.
RETRY_STATUSES = frozenset({429, 503})

#: Grants whose request must not be repeated once it may have reached the server.
_SINGLE_USE_GRANTS = frozenset({AUTHORIZATION_CODE})

#: Grants whose request may be repeated even when an earlier one may have been processed:
#: repeating it only issues another token. (A refresh is not one of them: with refresh
#: token rotation a processed first request spends the token, and reuse detection may
#: then revoke the whole grant, RFC 9700 §4.14.2.)
_REPEATABLE_GRANTS = frozenset({CLIENT_CREDENTIALS})

#: The attribute a driver sets on a transport error: ``"unsent"`` when no byte of the
#: request was sent, ``"sent"`` when it may have been. Errors without it (a protocol
#: error raised by the flow itself, a bad argument) are never retried.
_MARK = "_grantflow_transport_failure"


def mark_transport_failure(exc: BaseException, *, sent: bool) -> None:
    """Note on ``exc`` that the transport failed, and whether the request may have left
    the client (for drivers, which alone can tell)."""
    with suppress(AttributeError):  # an exception type with __slots__ stays unmarked
        setattr(exc, _MARK, "sent" if sent else "unsent")


def parse_retry_after(value: str | None, now: float) -> float | None:
    """The seconds ``Retry-After`` asks to wait (RFC 9110 §10.2.3), or None.

    Both forms are read: ``delay-seconds`` (digits only) and an ``HTTP-date`` (a date
    in the past means now). Anything else, negative numbers included, is ignored.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():
        # Digits only: huge values are fine as a float, and are capped by the policy.
        return float(int(text[:20]))
    from email.utils import parsedate_to_datetime  # only when a server sends a date

    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        return None  # RFC 9110 §5.6.7: an HTTP-date is GMT; a date without a zone is not one
    try:
        seconds = when.timestamp() - now
    except (OverflowError, OSError, ValueError):  # pragma: no cover - platform limits
        return None
    return max(0.0, seconds) if math.isfinite(seconds) else None


def grant_of(request: HttpRequest) -> str | None:
    """The ``grant_type`` of a token request (its form body, or its query for ``GET``)."""
    if request.body is not None:
        text = request.body.decode("utf-8", errors="replace")
    else:
        text = request.url.partition("?")[2]
    for name, value in parse_qsl(text, keep_blank_values=True):
        if name == "grant_type":
            return value
    return None


class RetryPolicy(Frozen):
    """How a token request is retried: ``token_retries=`` takes one, or a number of retries.

    ``retries`` attempts follow the first (0 turns retrying off). Without
    ``Retry-After``, retry ``n`` (from 0) waits a random time in
    ``[0, min(max_delay, base_delay * 2**n))`` ("full jitter", so many clients told no
    at once do not come back in step). ``Retry-After`` is honoured, plus up to
    ``base_delay`` of jitter; a server asking for more than ``max_delay`` is not asked
    again (the caller gets its answer now rather than waiting that long). ``random``
    returns a float in ``[0, 1)``; tests inject a fixed one.

    Args:
        retries: How many times a refused or failed token request is sent again.
        base_delay: Seconds: the first back-off's ceiling, and the jitter added to a
            ``Retry-After``.
        max_delay: Seconds: no wait is longer (a longer ``Retry-After`` is not waited for).
        random: A source of floats in ``[0, 1)``; ``random.random`` when None.

    Raises:
        ValueError: ``retries`` is not a whole number of 0 or more, or a delay is not a
            non-negative number of seconds.
    """

    __slots__ = ("base_delay", "max_delay", "random", "retries")
    retries: int
    base_delay: float
    max_delay: float
    random: Callable[[], float] | None

    def __init__(
        self,
        retries: int = DEFAULT_TOKEN_RETRIES,
        *,
        base_delay: float = 0.5,
        max_delay: float = 10.0,
        random: Callable[[], float] | None = None,
    ) -> None:
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise ValueError("retries must be a whole number, 0 or more")
        for name, value in (("base_delay", base_delay), ("max_delay", max_delay)):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"{name} must be a number of seconds")
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a finite number of seconds, 0 or more")
        self._set(
            retries=retries,
            base_delay=float(base_delay),
            max_delay=float(max_delay),
            random=random,
        )

    def backoff(self, retry: int) -> float:
        """The wait before retry ``retry`` (from 0) when the server named no time.

        Args:
            retry: How many retries came before this one.

        It raises nothing.
        """
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** min(retry, 62))
        return ceiling * self._draw()

    def after_response(
        self, response: HttpResponse, retry: int, grant_type: str | None, now: float
    ) -> float | None:
        """The wait before sending again after ``response``, or None to keep the answer.

        Args:
            response: The token endpoint's answer (429 and 503 may be retried).
            retry: How many retries came before this one.
            grant_type: The grant of the request (an authorization code is never sent
                twice).
            now: The current time (epoch seconds), for an HTTP-date ``Retry-After``.

        It raises nothing.
        """
        if retry >= self.retries or response.status_code not in RETRY_STATUSES:
            return None
        if grant_type in _SINGLE_USE_GRANTS:
            return None  # the request was sent: a code is never presented twice
        asked = parse_retry_after(response.header("retry-after"), now)
        if asked is None:
            return self.backoff(retry)
        if asked > self.max_delay:
            return None
        return min(self.max_delay, asked + self.base_delay * self._draw())

    def after_failure(self, exc: BaseException, retry: int, grant_type: str | None) -> float | None:
        """The wait before sending again after the transport raised ``exc``, or None.

        Args:
            exc: What the transport raised (marked as sent or unsent by the driver).
            retry: How many retries came before this one.
            grant_type: The grant of the request: only a request that never left, or a
                client-credentials one, is sent again.

        It raises nothing.
        """
        if retry >= self.retries:
            return None
        mark = getattr(exc, _MARK, None)
        if mark == "unsent":
            return self.backoff(retry)
        if mark == "sent" and grant_type in _REPEATABLE_GRANTS and not _is_timeout(exc):
            # It may have been processed, but repeating it only issues another token. A
            # server too slow to answer is not asked again: that would multiply the wait.
            return self.backoff(retry)
        return None

    def _draw(self) -> float:
        draw = self.random
        if draw is None:
            import random  # on the first retry only: ``import grantflow`` stays cheap

            draw = random.random
        value = float(draw())
        return min(max(value, 0.0), 1.0) if math.isfinite(value) else 0.0

    def __repr__(self) -> str:
        return (
            f"RetryPolicy(retries={self.retries}, base_delay={self.base_delay:g}, "
            f"max_delay={self.max_delay:g})"
        )


def _is_timeout(exc: BaseException) -> bool:
    """Whether ``exc`` is a transport's timeout (requests', httpx's or the socket's),
    told by the class names along its MRO so this module imports no transport."""
    return isinstance(exc, TimeoutError) or any(
        "Timeout" in cls.__name__ for cls in type(exc).__mro__
    )


def resolve_retry_policy(value: object) -> RetryPolicy:
    """The policy for ``token_retries=``: a number of retries, a policy, or None (default)."""
    if value is None:
        return RetryPolicy()
    if isinstance(value, RetryPolicy):
        return value
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(
            "token_retries= takes a number of retries (0 turns them off) or a RetryPolicy"
        )
    return RetryPolicy(value)
