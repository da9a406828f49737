"""The public token value: the token response as a dict, plus ``expires_at``."""

from __future__ import annotations

import math
import re
import time
import warnings
from collections.abc import Mapping
from typing import Any

from ._secrets import redacted

__all__ = [
    "MAX_EPOCH",
    "OAuth2Token",
    "coerce_expires_in",
    "is_unsendable",
]

#: Latest epoch second accepted as an expiry (the end of the year 9999). Larger values
#: cannot be meant; kept, they would overflow float arithmetic and 64-bit fields.
MAX_EPOCH = 253_402_300_799

#: Characters no ``Authorization`` header can carry: C0 controls and DEL (a header
#: injection), and anything beyond ISO-8859-1, which http.client cannot encode.
_UNSENDABLE = re.compile(r"[\x00-\x1f\x7f]|[^\x00-\xff]")


def coerce_expires_in(value: object) -> int | None:
    """``expires_in`` as whole seconds, or None when it is unusable.

    RFC 6749 §5.1 makes it a number, but at least one widely used provider sends it as a
    numeric string ("3600"); both are accepted. A negative value means the token is
    already expired (0), as ``0`` does. Anything else (garbage, NaN, a bool, a number
    beyond the year 9999) is treated as absent. Both cases warn, naming the type, never
    the token.
    """
    if value is None:
        return None
    number = _number(value)
    if number is None or number > MAX_EPOCH:
        _warn(
            f"ignoring an unusable expires_in of type {type(value).__name__}; "
            "the token is treated as having no expiry"
        )
        return None
    if number < 0:
        _warn("a negative expires_in means the token is already expired")
        return 0
    return int(number)


def is_unsendable(access_token: object) -> bool:
    """Whether ``access_token`` is text that no ``Authorization`` header can carry."""
    return isinstance(access_token, str) and _UNSENDABLE.search(access_token) is not None


def _warn(message: str) -> None:
    # stacklevel 4: the caller of OAuth2Token(...), through __init__ and coerce_expires_in.
    warnings.warn(message, RuntimeWarning, stacklevel=4)


def _number(value: object) -> int | float | None:
    """A finite number from a JSON number or a numeric string, without float overflow.

    Integers stay integers (``float(10**309)`` raises OverflowError); a string that is
    not an integer is read as a float, where ``1e999`` becomes infinity and is refused.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            pass
        try:
            value = float(text)
        except ValueError:
            return None
    if isinstance(value, float) and math.isfinite(value):
        return value
    return None


class OAuth2Token(dict[str, Any]):
    """A token response (RFC 6749 §5.1) with ``expires_at`` (epoch seconds) filled in.

    Building one copies the mapping it is given; the caller's dict is never modified.
    The repr hides ``access_token``, ``refresh_token`` and ``id_token``. An access token
    no ``Authorization`` header can carry is kept here, so building a token never
    fails for it; it is refused when it would be sent, with :class:`InvalidTokenError`.

    Args:
        params: The token response's fields. An ``expires_at`` that is no epoch number
            is dropped; without one, ``expires_at`` is computed from ``expires_in``.
        now: The time ``expires_in`` counts from (epoch seconds); by default now.

    Raises nothing of its own: a value it cannot read is dropped rather than refused.
    """

    def __init__(self, params: Mapping[str, Any] | None = None, *, now: float | None = None):
        super().__init__(params or {})
        expires_at = self.get("expires_at")
        if expires_at is not None:
            coerced = _coerce_epoch(expires_at)
            if coerced is None:
                del self["expires_at"]
            else:
                self["expires_at"] = coerced
        if self.get("expires_at") is None and "expires_in" in self:
            expires_in = coerce_expires_in(self["expires_in"])
            if expires_in is not None:
                issued = time.time() if now is None else now
                self["expires_at"] = int(issued) + expires_in

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> OAuth2Token:
        """The token as an ``OAuth2Token`` (returned as is when it already is one)."""
        if isinstance(d, cls):
            return d
        return cls(d)

    def is_expired(self, leeway: int = 60, *, now: float | None = None) -> bool | None:
        """True when the token expires within ``leeway`` seconds; None when it has no expiry.

        The leeway is capped at half the token's lifetime (its ``expires_in``): a leeway
        as long as the lifetime would make a token due on arrival and every call renew
        it. With the default 60 s, a 60-second token is renewed after 30 s.

        Args:
            leeway: Seconds before ``expires_at`` at which the token counts as expired.
            now: The current time (epoch seconds), for tests; by default the clock's.

        Returns:
            True when due, False when not, None when the token has no expiry.

        It raises nothing: a token without usable expiry information is simply not due.
        """
        expires_at = self.get("expires_at")
        if expires_at is None:
            return None
        remaining = expires_at - (time.time() if now is None else now)
        if remaining > leeway:
            return False
        allowed: float = leeway
        lifetime = _number(self.get("expires_in"))
        # Compared before dividing: a huge integer lifetime divided would overflow.
        if lifetime is not None and lifetime < 2 * leeway:
            allowed = max(lifetime, 0) / 2
        return bool(remaining <= allowed)

    def __repr__(self) -> str:
        return f"OAuth2Token({redacted(self)!r})"

    __str__ = __repr__

    def copy(self) -> OAuth2Token:
        """A shallow copy that is an ``OAuth2Token`` too (``dict.copy`` would give a dict).

        Returns:
            The copy.

        Raises nothing.
        """
        return OAuth2Token(self)


def _coerce_epoch(value: object) -> int | None:
    number = _number(value)
    if number is None or abs(number) > MAX_EPOCH:
        return None
    return int(number)
