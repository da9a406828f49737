"""The token store protocol every store follows."""

from __future__ import annotations

import json
import warnings
from contextlib import AbstractContextManager
from typing import Any, Protocol, runtime_checkable

from .._core._json import loads
from .._core._token import is_unsendable

__all__ = ["TokenStore", "decode_token", "encode_token"]


@runtime_checkable
class TokenStore(Protocol):
    """Persistence for one token: load, save, clear, and a lock around a renewal.

    ``lock()`` is held while a token is renewed; stores shared between processes make it
    cross-process, so a fleet whose token is due sends one token request. Any class
    with these four methods is a store; it need not inherit from this one.
    """

    def load(self) -> dict[str, Any] | None:
        """The stored token, or None when there is none (or it cannot be read as one).

        Returns:
            A copy of the token dict, or None.

        Raises:
            TokenStoreError: The storage cannot be reached or read.
        """
        ...

    def save(self, token: dict[str, Any]) -> None:
        """Store ``token``, replacing the one stored.

        Args:
            token: The token dict (JSON-serialisable).

        Raises:
            TokenStoreError: The storage cannot be reached or written.
        """
        ...

    def clear(self) -> None:
        """Remove the stored token; nothing happens when there is none.

        Raises:
            TokenStoreError: The storage cannot be reached or written.
        """
        ...

    def lock(self) -> AbstractContextManager[Any]:
        """A context manager held while the token is renewed, so one holder renews.

        Returns:
            The lock, entered with ``with``.

        Raises:
            TokenStoreError: On entering it, the lock could not be taken in time or
                the storage cannot be reached.
        """
        ...


def encode_token(token: dict[str, Any]) -> str:
    """The token as compact JSON, the form every persistent store keeps."""
    return json.dumps(dict(token), separators=(",", ":"))


def decode_token(raw: str | bytes, where: str) -> dict[str, Any] | None:
    """The stored token, or None when ``raw`` is not a JSON object.

    A corrupt value (a crash mid-write by another tool, a stray edit) must not break the
    application: it counts as absent, so the token is fetched again. So does a token
    whose access token no header can carry (sending it would only fail).
    The warning names ``where`` (a path or key) and never shows the value, which may
    hold a token.
    """
    try:
        value = loads(raw)
    except (ValueError, TypeError):
        # ValueError also covers bytes that are not UTF-8 and values nested too deeply.
        value = None
    if isinstance(value, dict) and not is_unsendable(value.get("access_token")):
        return value
    warnings.warn(
        f"ignoring the unreadable token stored in {where}; it is treated as absent",
        RuntimeWarning,
        stacklevel=3,
    )
    return None
