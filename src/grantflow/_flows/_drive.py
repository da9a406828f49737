"""The flow protocol: a flow yields :class:`Send` and receives :class:`HttpResponse`.

Flows hold all protocol decisions (what to send next, what a response means); a driver
only moves requests and responses, so a sync and an async transport share every line.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any, TypeVar

from .._core._frozen import Frozen
from .._core._http import HttpRequest, HttpResponse

__all__ = ["Flow", "Send", "run"]

T = TypeVar("T")


class Send(Frozen):
    """Ask the transport to send ``request``.

    ``purpose`` names the compliance hooks that apply (``"access_token"``,
    ``"refresh_token"``, ``"revoke_token"``, ``"introspect_token"``, or None), and
    ``client_auth`` is the client-authentication method to apply after those hooks.
    """

    __slots__ = ("client_auth", "purpose", "request")
    request: HttpRequest
    purpose: str | None
    client_auth: Any

    def __init__(
        self, request: HttpRequest, purpose: str | None = None, client_auth: Any = None
    ) -> None:
        self._set(request=request, purpose=purpose, client_auth=client_auth)

    def __repr__(self) -> str:
        return f"Send({self.request!r}, purpose={self.purpose!r})"


Flow = Generator[Send, HttpResponse, T]


def run(flow: Flow[T], send: Callable[[Send], HttpResponse]) -> T:
    """Drive ``flow`` to completion with ``send``; return the flow's result."""
    try:
        step = next(flow)
        while True:
            step = flow.send(send(step))
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
