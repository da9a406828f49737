"""The deadline of one exchange over a blocking socket, for the sync drivers.

A transport's read timeout bounds each read, so a server that sends a byte at a time is
never idle long enough to time out. Once the exchange's socket is known, a timer shuts
it down when the deadline passes: the read blocked on it ends at once, and the driver
reports the transport's own timeout error. How the socket becomes known is the driver's
business (``_requests._deadline``, ``_httpx._deadline``).
"""

from __future__ import annotations

import threading
from contextlib import suppress
from typing import Any

__all__ = ["ExchangeExpired", "SocketDeadline"]


class ExchangeExpired(Exception):
    """Raised inside the transport when it sends again after the deadline (a user's
    adapter retrying, say): nothing more goes out; the caller reports a read timeout."""


class SocketDeadline:
    """The deadline of one exchange: armed by the first send, it shuts the socket down."""

    def __init__(self, within: float) -> None:
        self.within = within
        self.expired = False
        self._done = False
        self._sock: Any = None
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()

    def attach(self, sock: Any) -> None:
        """The exchange is on ``sock`` now; the clock starts with the first one."""
        with self._lock:
            if self._done:
                return
            if self.expired:
                raise ExchangeExpired
            self._sock = sock
            if self._timer is None:
                self._timer = threading.Timer(self.within, self._expire)
                self._timer.daemon = True
                self._timer.start()

    def attach_late(self, sock: Any) -> None:
        """``sock`` carries the body; it bounds the rest when no send was seen (an adapter
        that does not go through ``http.client``, or no audit hook)."""
        if sock is not None and self._timer is None:
            self.attach(sock)

    def _expire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.expired = True
            sock = self._sock
        with suppress(OSError, AttributeError):  # closed already: the read is over anyway
            sock.shutdown(2)  # socket.SHUT_RDWR

    def finish(self) -> bool:
        """Stop watching; whether the deadline passed.

        Called as soon as the body is read. The transport may have handed the connection
        back to its pool with the body's last byte, so a deadline falling in that very
        instant shuts down an idle pooled connection: the pool finds it closed when it
        is next taken, and opens another.
        """
        with self._lock:
            self._done = True
            timer = self._timer
        if timer is not None:
            timer.cancel()
            timer.join()  # a cancelled timer ends at once: no thread outlives the call
        return self.expired
