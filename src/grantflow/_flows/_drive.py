"""The flow protocol and its two interpreters.

A flow is a generator: it yields a step, receives what the step produced, and returns
its result (or raises a typed error). Flows hold every protocol decision (what to send
next, whether to retry, how long to wait); a driver only carries steps out, so the
requests driver, the sync httpx driver and the async httpx driver share every line.

The steps:

- :class:`Send`: send an :class:`HttpRequest`; the flow receives an :class:`HttpResponse`.
- :class:`Sleep`: wait ``seconds`` (``time.sleep`` or ``asyncio.sleep``).
- :class:`Join`: join a single flight held in ``_sources`` (a token renewal, a cached
  metadata document); the flow receives its value. Locks live in ``_sources`` alone.
- :class:`Call`: call an application callback (``update_token``); an async driver awaits
  what it returns when that is awaitable.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Generator, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from .._core._frozen import Frozen
from .._core._http import HttpRequest, HttpResponse

if TYPE_CHECKING:
    from .._core._dpop import ProofFor

__all__ = [
    "Call",
    "Flow",
    "Join",
    "Send",
    "Sleep",
    "Step",
    "arun",
    "arun_step",
    "run",
    "run_step",
]

T = TypeVar("T")


class Send(Frozen):
    """Ask the transport to send ``request``.

    ``purpose`` names the compliance hooks that apply (``"access_token"``,
    ``"refresh_token"``, ``"revoke_token"``, ``"introspect_token"``, or None);
    ``client_auth`` is the client-authentication method to apply after those hooks;
    ``options`` are transport options the caller gave (``timeout``, ``verify``, ...),
    opaque to the flow; ``proof`` asks for a DPoP proof (RFC 9449 §4) made when the
    request goes on the wire, so each attempt gets its own with the newest nonce.
    """

    __slots__ = ("client_auth", "options", "proof", "purpose", "request")
    request: HttpRequest
    purpose: str | None
    client_auth: Any
    options: Mapping[str, Any] | None
    proof: ProofFor | None

    def __init__(
        self,
        request: HttpRequest,
        purpose: str | None = None,
        client_auth: Any = None,
        options: Mapping[str, Any] | None = None,
        proof: ProofFor | None = None,
    ) -> None:
        self._set(
            request=request,
            purpose=purpose,
            client_auth=client_auth,
            options=options,
            proof=proof,
        )

    def __repr__(self) -> str:
        return f"Send({self.request!r}, purpose={self.purpose!r})"


class Sleep(Frozen):
    """Ask the driver to wait ``seconds`` before the flow goes on."""

    __slots__ = ("seconds",)
    seconds: float

    def __init__(self, seconds: float) -> None:
        self._set(seconds=max(0.0, float(seconds)))

    def __repr__(self) -> str:
        return f"Sleep({self.seconds:g})"


#: ``runner(flow)`` drives a sub-flow with the same driver and returns its result.
Runner = Callable[[Any], Any]
#: The async twin: ``await arunner(flow)``.
AsyncRunner = Callable[[Any], Awaitable[Any]]


class Join(Frozen):
    """Join a single flight: ``sync(runner)`` for a sync driver, ``await run_async(arunner)``
    for an async one. Both come from ``_sources``, which holds the lock and decides whether
    this caller leads (runs the sub-flow it is handed) or waits for the leader's result."""

    __slots__ = ("run_async", "sync")
    sync: Callable[[Runner], Any]
    run_async: Callable[[AsyncRunner], Awaitable[Any]]

    def __init__(
        self, sync: Callable[[Runner], Any], run_async: Callable[[AsyncRunner], Awaitable[Any]]
    ) -> None:
        self._set(sync=sync, run_async=run_async)

    def __repr__(self) -> str:
        return "Join()"


class Call(Frozen):
    """Call an application callback with ``args`` and ``kwargs``; its result is sent back."""

    __slots__ = ("args", "func", "kwargs")
    func: Callable[..., Any]
    args: tuple[Any, ...]
    kwargs: Mapping[str, Any]

    def __init__(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self._set(func=func, args=args, kwargs=kwargs)

    def __repr__(self) -> str:
        return f"Call({getattr(self.func, '__name__', 'callback')})"


Step = Send | Sleep | Join | Call
Flow = Generator[Step, Any, T]


def run_step(
    step: Step,
    send: Callable[[Send], HttpResponse],
    sleep: Callable[[float], None] | None = None,
) -> Any:
    """Carry out one step with a blocking transport; return what the flow receives.

    ``sleep`` defaults to ``time.sleep``, looked up at each wait (so a test can stand a
    fake clock in for it)."""
    if isinstance(step, Send):
        return send(step)
    if isinstance(step, Join):
        return step.sync(lambda sub: run(sub, send, sleep))
    if isinstance(step, Sleep):
        (sleep or time.sleep)(step.seconds)
        return None
    return step.func(*step.args, **step.kwargs)


async def arun_step(
    step: Step,
    send: Callable[[Send], Awaitable[HttpResponse]],
    sleep: Callable[[float], Awaitable[None]],
) -> Any:
    """The async twin of :func:`run_step`."""
    if isinstance(step, Send):
        return await send(step)
    if isinstance(step, Join):
        return await step.run_async(lambda sub: arun(sub, send, sleep))
    if isinstance(step, Sleep):
        await sleep(step.seconds)
        return None
    reply = step.func(*step.args, **step.kwargs)
    if isinstance(reply, Awaitable):
        reply = await reply
    return reply


async def _async_sleep(seconds: float) -> None:
    # asyncio.sleep looked up at each wait, as time.sleep is for the blocking driver
    # (imported here: a requests program does not load asyncio).
    import asyncio

    await asyncio.sleep(seconds)


def run(
    flow: Flow[T],
    send: Callable[[Send], HttpResponse],
    sleep: Callable[[float], None] | None = None,
) -> T:
    """Drive ``flow`` to completion with a blocking ``send``; return the flow's result."""
    try:
        step = next(flow)
        while True:
            error: BaseException | None = None
            try:
                reply = run_step(step, send, sleep)
            except BaseException as exc:
                error = exc
            # A step's failure is raised inside the flow, where it may be handled; thrown
            # outside the except block, so it carries no extra __context__.
            step = flow.send(reply) if error is None else flow.throw(error)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]


async def arun(
    flow: Flow[T],
    send: Callable[[Send], Awaitable[HttpResponse]],
    sleep: Callable[[float], Awaitable[None]] | None = None,
) -> T:
    """Drive ``flow`` to completion with an async ``send``; return the flow's result."""
    if sleep is None:
        sleep = _async_sleep
    try:
        step = next(flow)
        while True:
            error: BaseException | None = None
            try:
                reply = await arun_step(step, send, sleep)
            except BaseException as exc:
                error = exc
            step = flow.send(reply) if error is None else flow.throw(error)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
