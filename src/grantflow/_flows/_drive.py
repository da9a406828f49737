"""The flow protocol: a flow yields :class:`Send` and receives :class:`HttpResponse`.

Flows hold all protocol decisions (what to send next, what a response means); a driver
only moves requests and responses, so a sync and an async transport share every line.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, TypeVar

from .._core._http import HttpRequest, HttpResponse

__all__ = ["Flow", "Send", "run"]

T = TypeVar("T")


@dataclass(frozen=True)
class Send:
    """Ask the transport to send ``request``.

    ``purpose`` names the compliance hooks that apply (``"access_token"``,
    ``"refresh_token"``, ``"revoke_token"``, ``"introspect_token"``, or None), and
    ``client_auth`` is the client-authentication method to apply after those hooks.
    """

    request: HttpRequest
    purpose: str | None = None
    client_auth: Any = None


Flow = Generator[Send, HttpResponse, T]


def run(flow: Flow[T], send: Callable[[Send], HttpResponse]) -> T:
    """Drive ``flow`` to completion with ``send``; return the flow's result."""
    try:
        step = next(flow)
        while True:
            step = flow.send(send(step))
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
