"""One OAuth client API over three transports, for tests that run on each.

``make_client(driver, *args, **kwargs)`` builds a ``grantflow.OAuth2Session``
(``"requests"``), a ``grantflow.httpx.OAuth2Client`` (``"httpx"``) or an
``AsyncOAuth2Client`` (``"httpx-async"``). The async one is wrapped so a test body calls
it like the others: each coroutine it returns is run to completion on the wrapper's own
event loop, so the single flight and every flow still run as async code.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

DRIVERS = ("requests", "httpx", "httpx-async")


class SyncFacade:
    """Calls an async client's methods and waits for them on a private event loop."""

    def __init__(self, client: Any) -> None:
        object.__setattr__(self, "_target", client)
        object.__setattr__(self, "_loop", asyncio.new_event_loop())

    def wait(self, value: Any) -> Any:
        return self._loop.run_until_complete(value) if inspect.isawaitable(value) else value

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if not callable(value) or inspect.isclass(value):
            return value

        def call(*args: Any, **kwargs: Any) -> Any:
            return self.wait(value(*args, **kwargs))

        return call

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._target, name, value)

    def close(self) -> None:
        self.wait(self._target.aclose())
        self._loop.close()

    def __enter__(self) -> SyncFacade:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def client_class(driver: str, kind: str = "session") -> Any:
    """The class of ``driver`` for ``kind`` (``"session"`` or ``"assertion"``)."""
    if driver == "requests":
        import grantflow

        return grantflow.AssertionSession if kind == "assertion" else grantflow.OAuth2Session
    import grantflow.httpx as gx

    if driver == "httpx":
        return gx.AssertionClient if kind == "assertion" else gx.OAuth2Client
    return gx.AsyncAssertionClient if kind == "assertion" else gx.AsyncOAuth2Client


def make_client(driver: str, *args: Any, kind: str = "session", **kwargs: Any) -> Any:
    """A client of ``driver``; httpx takes ``verify``/``cert`` as its constructor does."""
    if driver != "requests" and kwargs.get("verify") is not None:
        import ssl

        verify = kwargs["verify"]
        if isinstance(verify, str):
            kwargs["verify"] = ssl.create_default_context(cafile=verify)
    client = client_class(driver, kind)(*args, **kwargs)
    return SyncFacade(client) if driver == "httpx-async" else client
