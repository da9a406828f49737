"""Steps that join a single flight in ``_sources``, for sync and async drivers alike."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from .._core._token import OAuth2Token
from .._flows._drive import Flow, Join
from .._sources._shared import SharedValue
from .._sources._source import TokenSource

__all__ = ["join_renewal", "join_shared"]

V = TypeVar("V")


def join_shared(
    cell: SharedValue[V], make_flow: Callable[[], Flow[V]], newer_than: int | None = None
) -> Join:
    """A step whose value is ``cell``'s, fetched by ``make_flow()`` when no caller has a
    current one (``newer_than``: the version this caller saw and found wanting)."""
    return Join(
        lambda runner: cell.get(lambda: runner(make_flow()), newer_than),
        lambda arunner: cell.aget(lambda: arunner(make_flow()), newer_than),
    )


def join_renewal(
    source: TokenSource,
    leeway: int,
    make_flow: Callable[[OAuth2Token | None], Flow[OAuth2Token]],
) -> Join:
    """A step whose value is ``source``'s :class:`Lookup`: the fresh token, renewed by
    ``make_flow(current)`` once for every caller that finds it due."""

    def renew_sync(runner: Callable[[Flow[Any]], Any]) -> Any:
        return source.get(leeway, lambda current: runner(make_flow(current)))

    def renew_async(arunner: Any) -> Any:
        return source.aget(leeway, lambda current: arunner(make_flow(current)))

    return Join(renew_sync, renew_async)
