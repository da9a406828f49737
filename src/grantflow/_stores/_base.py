"""The token store protocol every store follows."""

from __future__ import annotations

import json
import warnings
from contextlib import AbstractContextManager
from typing import Any, Protocol, runtime_checkable

from .._core._json import loads

__all__ = ["TokenStore", "decode_token", "encode_token"]


@runtime_checkable
class TokenStore(Protocol):
    """Persistence for one token: load, save, clear, and a lock around a renewal.

    ``lock()`` is held while a token is renewed; stores shared between processes make it
    cross-process, so a fleet whose token is due sends one token request.
    """

    def load(self) -> dict[str, Any] | None: ...

    def save(self, token: dict[str, Any]) -> None: ...

    def clear(self) -> None: ...

    def lock(self) -> AbstractContextManager[Any]: ...


def encode_token(token: dict[str, Any]) -> str:
    """The token as compact JSON, the form every persistent store keeps."""
    return json.dumps(dict(token), separators=(",", ":"))


def decode_token(raw: str | bytes, where: str) -> dict[str, Any] | None:
    """The stored token, or None when ``raw`` is not a JSON object.

    A corrupt value (a crash mid-write by another tool, a stray edit) must not break the
    application: it counts as absent, so the token is fetched again. The warning names
    ``where`` (a path or key) and never shows the value, which may hold a token.
    """
    try:
        value = loads(raw)
    except (ValueError, TypeError):
        # ValueError also covers bytes that are not UTF-8 and values nested too deeply.
        value = None
    if isinstance(value, dict):
        return value
    warnings.warn(
        f"ignoring the unreadable token stored in {where}; it is treated as absent",
        RuntimeWarning,
        stacklevel=3,
    )
    return None
