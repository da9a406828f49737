"""Bound a whole exchange of grantflow's own over requests: request, headers and body.

requests (urllib3 over ``http.client``) bounds each read of the socket, not the answer:
a server that sends its status line, headers or body a byte at a time is never idle long
enough to time out. Here the connection the request goes out on becomes known when
``http.client`` announces the first bytes it sends (the audit event
``http.client.send``, whose first argument is the connection); from then on a timer
shuts that socket down once the read timeout has passed, and the read blocked on it
ends at once. Only the thread inside :func:`exchange_deadline` is watched, so the
session's adapters and the user's own requests run exactly as before.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from .._deadline import SocketDeadline

__all__ = ["exchange_deadline"]

_local = threading.local()
_hooked = False
_hook_lock = threading.Lock()


def _on_audit(event: str, args: tuple[Any, ...]) -> None:
    # Runs for every audit event of the process: the common case returns at once.
    if event == "http.client.send":
        watch: SocketDeadline | None = getattr(_local, "watch", None)
        if watch is not None:
            watch.attach(getattr(args[0], "sock", None))


def _ensure_hook() -> None:
    global _hooked
    if _hooked:
        return
    with _hook_lock:
        if not _hooked:
            # A hook cannot be removed; it stays, idle outside a watched exchange. Should
            # another hook refuse it, only the body is bounded (``SocketDeadline.attach_late``).
            with suppress(Exception):
                sys.addaudithook(_on_audit)
            _hooked = True


@contextmanager
def exchange_deadline(within: float | None) -> Iterator[SocketDeadline | None]:
    """Watch this thread's exchange for ``within`` seconds from its first byte sent
    (None: no bound, nothing is watched)."""
    if within is None:
        yield None
        return
    _ensure_hook()
    watch = SocketDeadline(within)
    outer = getattr(_local, "watch", None)
    _local.watch = watch
    try:
        yield watch
    finally:
        _local.watch = outer
        watch.finish()
