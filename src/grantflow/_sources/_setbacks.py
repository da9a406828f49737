"""What a token source does after a setback: the back-off after a failed renewal, and
the warnings for a store that could not be reached, would not save a renewed token or
would not release its lock."""

from __future__ import annotations

import warnings

from .._core._frozen import Frozen
from .._stores._base import TokenStore
from ..errors import TokenStoreError

__all__ = [
    "FIRST_BACKOFF_S",
    "MAX_BACKOFF_S",
    "MAX_RETRY_AFTER_S",
    "Failure",
    "backoff",
    "describe",
    "warn_lock",
    "warn_store_down",
    "warn_unsaved",
]

#: The back-off after the first failed renewal; it doubles with each failure in a row.
FIRST_BACKOFF_S = 1.0
#: The longest back-off grantflow picks itself.
MAX_BACKOFF_S = 10.0
#: The longest ``Retry-After`` honoured by the back-off (a server asking more is asked
#: again after this long).
MAX_RETRY_AFTER_S = 60.0


class Failure(Frozen):
    """The last failed renewal: its error, and the span in which it is the answer."""

    __slots__ = ("error", "since", "until")
    error: Exception
    since: float
    until: float

    def __init__(self, error: Exception, since: float, until: float) -> None:
        self._set(error=error, since=since, until=until)


def backoff(failures: int, error: BaseException) -> float:
    """The back-off after ``failures`` failed renewals in a row, the last raising ``error``."""
    wait = min(MAX_BACKOFF_S, FIRST_BACKOFF_S * 2.0 ** min(failures - 1, 30))
    asked = getattr(error, "retry_after", None)
    if isinstance(asked, (int, float)) and not isinstance(asked, bool) and asked > wait:
        wait = min(float(asked), MAX_RETRY_AFTER_S)
    return wait


def describe(exc: BaseException) -> str:
    """An error's type, and its message when grantflow wrote it (a store of the
    application's own might put a token in its message)."""
    if isinstance(exc, TokenStoreError):
        return f"{type(exc).__name__}: {exc}"
    return type(exc).__name__


def warn_unsaved(store: TokenStore, exc: BaseException) -> None:
    """Report a renewed token the store would not take (it is kept in memory)."""
    warnings.warn(
        f"the renewed token could not be saved to {store!r} ({describe(exc)}); this "
        "process keeps using it from memory, but other processes sharing the store still "
        "see the previous one",
        RuntimeWarning,
        stacklevel=4,
    )


def warn_store_down(store: TokenStore, exc: BaseException) -> None:
    """Report a store that could not be locked or read before a renewal (the current
    token, not expired yet, is used meanwhile)."""
    warnings.warn(
        f"the token could not be renewed: {store!r} could not be locked or read "
        f"({describe(exc)}); the current token is used until it expires",
        RuntimeWarning,
        stacklevel=4,
    )


def warn_lock(store: TokenStore, exc: BaseException) -> None:
    """Report a lock that could not be released after a renewal (its expiry frees it)."""
    warnings.warn(
        f"the token was renewed, but releasing the lock of {store!r} failed "
        f"({describe(exc)}); other processes wait until the lock expires",
        RuntimeWarning,
        stacklevel=4,
    )
