"""The public token value: the token response as a dict, plus ``expires_at``."""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Mapping
from typing import Any

__all__ = [
    "SECRET_TOKEN_FIELDS",
    "SENSITIVE_PARAMETERS",
    "OAuth2Token",
    "coerce_expires_in",
    "is_secret_field",
    "masked",
]

#: Fields that must never appear in a repr, log line or error message.
SECRET_TOKEN_FIELDS = frozenset({"access_token", "refresh_token", "id_token"})


def coerce_expires_in(value: object) -> int | None:
    """``expires_in`` as whole seconds, or None when it is unusable.

    RFC 6749 §5.1 makes it a number, but at least one widely used provider sends it as a
    numeric string ("3600"); both are accepted. Anything else (garbage, negative, NaN,
    a bool) is treated as absent, with a warning that shows the type, never the token.
    """
    if value is None:
        return None
    number: float | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            number = None
    if number is None or not math.isfinite(number) or number < 0:
        warnings.warn(
            f"ignoring an unusable expires_in of type {type(value).__name__}; "
            "the token is treated as having no expiry",
            RuntimeWarning,
            stacklevel=3,
        )
        return None
    return int(number)


class OAuth2Token(dict[str, Any]):
    """A token response (RFC 6749 §5.1) with ``expires_at`` (epoch seconds) filled in.

    Building one copies the mapping it is given; the caller's dict is never modified.
    The repr hides ``access_token``, ``refresh_token`` and ``id_token``.
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
        """True when the token expires within ``leeway`` seconds; None when it has no expiry."""
        expires_at = self.get("expires_at")
        if expires_at is None:
            return None
        current = time.time() if now is None else now
        return bool(expires_at - leeway < current)

    def __repr__(self) -> str:
        return f"OAuth2Token({masked(self)!r})"

    __str__ = __repr__

    def copy(self) -> OAuth2Token:
        return OAuth2Token(self)


_NOT_SECRET = frozenset({"token_type", "issued_token_type", "requested_token_type"})

#: Parameter and member names that always carry a credential; names ending in
#: ``_token`` or ``_secret`` do too (see :func:`is_secret_field`).
SENSITIVE_PARAMETERS = frozenset(
    {
        *SECRET_TOKEN_FIELDS,
        "actor_token",
        "assertion",
        "client_assertion",
        "client_secret",
        "code",
        "code_verifier",
        "device_code",
        "device_secret",
        "mac_key",
        "password",
        "subject_token",
        "token",
    }
)


def is_secret_field(name: object) -> bool:
    """Whether a form parameter or response member holds a credential.

    Beyond the named ones, any ``*_token`` or ``*_secret``: responses nest a user's token
    in a provider's envelope, OpenID Connect Native SSO returns ``device_secret``.
    """
    if not isinstance(name, str) or name in _NOT_SECRET:
        return False
    return name in SENSITIVE_PARAMETERS or name.endswith(("_token", "_secret"))


def masked(value: Any) -> Any:
    """A copy of ``value`` (dicts and lists, recursively) with credentials replaced by ``***``."""
    if isinstance(value, Mapping):
        return {k: ("***" if is_secret_field(k) else masked(v)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [masked(v) for v in value]
    return value


def _coerce_epoch(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)) and math.isfinite(value):
        return int(value)
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
        return int(number) if math.isfinite(number) else None
    return None
