"""The token store protocol every store follows."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any, Protocol, runtime_checkable

__all__ = ["TokenStore"]


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
