"""A caching token source with single-flight renewal.

The fast path reads the current token without a lock. A token that is due makes the
caller join the renewal in flight, or start one: the first caller (the leader) takes the
store's lock (cross-process for shared stores), reloads from the store (another process
may have renewed it), and only then renews, once; every caller that joined meanwhile
waits for that one outcome. A failed renewal keeps the old token; callers in the next
moments (a short back-off, longer when the server sent ``Retry-After``) get the old
token while it has not expired, or the same error, without asking the server again, so
a fleet of threads meeting an outage sends a handful of token requests, not hundreds.
A store that cannot be locked or read costs no call while the current token has not
expired: that token is used, and the back-off spaces the next attempts. After the
back-off the next caller starts a new flight, so nothing is left poisoned.

A renewed token is published in memory before it is saved: the server may already
have spent the old refresh token, so a store that cannot be written (Redis down, a
read-only directory) must not lose the new one. The write is tried twice and a failure
is reported as a warning that names the store.
"""

from __future__ import annotations

import copy
import threading
import time
import weakref
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from .._core._frozen import Frozen
from .._core._token import OAuth2Token
from .._stores._base import TokenStore
from .._stores._memory import MemoryTokenStore
from ..errors import TokenStoreError
from ._setbacks import Failure, backoff, warn_lock, warn_store_down, warn_unsaved

if TYPE_CHECKING:
    # asyncio is imported where it runs: a requests user should not pay for it.
    import asyncio

    from .._stores._async import AsyncTokenStore

__all__ = ["AsyncRenewer", "Lookup", "Renewer", "TokenSource"]

#: How many times a renewed token is written to a failing store before a warning.
_SAVE_ATTEMPTS = 2

#: ``renew(current_token_or_None) -> new_token``; raises when it cannot renew.
Renewer = Callable[[OAuth2Token | None], OAuth2Token]
#: The async twin: ``await renew(current_token_or_None)``.
AsyncRenewer = Callable[[OAuth2Token | None], Awaitable[OAuth2Token]]


class Lookup(Frozen):
    """What :meth:`TokenSource.get` found: the token, and whether this call renewed it."""

    __slots__ = ("previous", "renewed", "token")
    token: OAuth2Token | None
    renewed: bool
    previous: OAuth2Token | None

    def __init__(
        self,
        token: OAuth2Token | None,
        renewed: bool = False,
        previous: OAuth2Token | None = None,
    ) -> None:
        self._set(token=token, renewed=renewed, previous=previous)

    def __repr__(self) -> str:
        return f"Lookup(has_token={self.token is not None}, renewed={self.renewed})"


class _Flight:
    """One renewal in progress: its leader fills in the outcome, then sets ``done``."""

    __slots__ = ("done", "error", "leader", "token")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.leader = threading.get_ident()
        self.token: OAuth2Token | None = None
        self.error: BaseException | None = None


class TokenSource:
    """Holds the current token and renews it at most once per expiry, for any number of threads."""

    def __init__(
        self,
        store: TokenStore | None = None,
        token: dict[str, Any] | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store: TokenStore = store if store is not None else MemoryTokenStore()
        self._lock = threading.Lock()
        self._clock = clock
        self._flight: _Flight | None = None
        # One renewal in flight per event loop for async callers (asyncio futures belong
        # to one loop); threads use _flight above.
        self._async_flights: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, asyncio.Future[Lookup]
        ] = weakref.WeakKeyDictionary()
        # The access token a resource server rejected (RFC 6750 §3.1 invalid_token):
        # treated as due even though its expiry says otherwise.
        self._rejected: str | None = None
        # The last failed renewal while its back-off lasts, and the failures in a row.
        self._failure: Failure | None = None
        self._failures = 0
        # A renewed token the store would not take: newer than the stored one.
        self._unsaved: OAuth2Token | None = None
        stored = self._store.load()
        if stored is not None:
            self._token: OAuth2Token | None = OAuth2Token(stored)
        elif token is not None:
            self._token = OAuth2Token.from_dict(token)
            self._store.save(self._token)
        else:
            self._token = None

    @property
    def store(self) -> TokenStore:
        return self._store

    @property
    def token(self) -> OAuth2Token | None:
        """The current token, as last seen by this process (no lock taken)."""
        return self._token

    def set(self, token: dict[str, Any] | None) -> OAuth2Token | None:
        """Replace the current token (and the stored one); None clears both."""
        self._failure = None
        self._failures = 0
        self._unsaved = None
        if token is None:
            self._token = None
            self._store.clear()
            return None
        new = OAuth2Token.from_dict(token)
        self._token = new
        self._rejected = None
        self._store.save(new)
        return new

    def is_fresh(self, token: OAuth2Token | None, leeway: int) -> bool:
        """True when ``token`` exists, was not rejected, and is not within ``leeway`` of expiry."""
        if token is None or token.is_expired(leeway, now=self._clock()):
            return False
        rejected = self._rejected
        return rejected is None or token.get("access_token") != rejected

    def mark_rejected(self, access_token: str) -> bool:
        """Treat the current token as due when ``access_token`` is still its access token.

        A resource server answered ``invalid_token`` (RFC 6750 §3.1) to a request that
        carried ``access_token``. When the current token has moved on already (another
        thread renewed it), nothing changes, so N threads hitting the same 401 cause one
        renewal. Returns whether the token was marked.
        """
        with self._lock:
            current = self._token
            if current is None or current.get("access_token") != access_token:
                return False
            self._rejected = access_token
            return True

    def get(self, leeway: int, renew: Renewer | None) -> Lookup:
        """A fresh token, renewing it when due.

        Exactly one caller sees ``renewed=True`` for each renewal, so the application's
        ``update_token`` callback runs once. Callers that arrive while a renewal is in
        flight wait for it and share its outcome, success or error. Without ``renew`` the
        current token is returned as is, expired or not.
        """
        current = self._token
        if renew is None or self.is_fresh(current, leeway):
            return Lookup(current)
        with self._lock:
            current = self._token
            if self.is_fresh(current, leeway):
                return Lookup(current)
            flight = self._flight
            if flight is not None and flight.leader == threading.get_ident():
                # Renewing code asked for the token again (a hook, say): waiting for
                # our own flight would deadlock, so it gets the token as it is.
                return Lookup(current)
            leading = flight is None
            if flight is None:
                held = self._held_back(current)
                if held is not None:
                    return held
                flight = self._flight = _Flight()
        if not leading:
            return self._follow(flight)
        try:
            lookup = self._renew(current, leeway, renew)
            flight.token = lookup.token
            self._note_outcome(None)
            return lookup
        except BaseException as exc:
            self._note_outcome(exc)
            spare = self._despite_store(exc)
            if spare is None:
                flight.error = exc
                raise
            flight.token = spare.token
            return spare
        finally:
            with self._lock:
                self._flight = None
            flight.done.set()

    def _follow(self, flight: _Flight) -> Lookup:
        flight.done.wait()
        error = flight.error
        if error is not None:
            clone = _copy_error(error)
            if clone is error:
                raise error
            raise clone from error
        return Lookup(flight.token)

    def _held_back(self, current: OAuth2Token | None) -> Lookup | None:
        """During the back-off after a failed renewal: the current token while it has not
        expired (leeway aside), else the failure again; None once the back-off is over."""
        failure = self._failure
        if failure is None:
            return None
        now = self._clock()
        if not failure.since <= now < failure.until:
            return None  # over (or the clock went back: no back-off is trusted then)
        if self._usable(current, now):
            return Lookup(current)
        clone = _copy_error(failure.error)
        if clone is failure.error:
            raise clone
        raise clone from failure.error

    def _usable(self, token: OAuth2Token | None, now: float) -> bool:
        """Whether ``token`` may still be sent: not expired (the leeway aside), not rejected."""
        return (
            token is not None
            and not token.is_expired(0, now=now)
            and token.get("access_token") != self._rejected
        )

    def _despite_store(self, error: BaseException) -> Lookup | None:
        """The current token when ``error`` is the store failing (its lock or its load,
        before any renewal) and that token has not expired yet: a store outage then costs
        no call, and the back-off spaces the next attempts. None otherwise: an expired
        token is not renewed without the store's lock, or two processes could both spend
        the refresh token and the grant's rotation would revoke it."""
        current = self._token
        if not isinstance(error, TokenStoreError) or not self._usable(current, self._clock()):
            return None
        warn_store_down(self._store, error)
        return Lookup(current)

    def _note_outcome(self, error: BaseException | None) -> None:
        """Start a back-off after a failed renewal (not after a cancellation); end it
        after a good one."""
        if error is None:
            self._failure = None
            self._failures = 0
        elif isinstance(error, Exception):
            self._failures += 1
            now = self._clock()
            self._failure = Failure(error, now, now + backoff(self._failures, error))

    def _renew(self, current: OAuth2Token | None, leeway: int, renew: Renewer) -> Lookup:
        """Under the store's lock: take a fresh stored token, else renew and save."""
        renewed: Lookup | None = None
        try:
            with self._store.lock():
                fresh, current = self._adopt(self._store.load(), current, leeway)
                if fresh is not None:
                    return fresh
                new = renew(current)
                renewed = self._publish(current, new)
                self._save_renewed(new)
                return renewed
        except Exception as exc:
            if renewed is None:
                raise
            # Only releasing the lock failed, after the renewal: the lock's expiry frees it.
            warn_lock(self._store, exc)
            return renewed

    async def aget(self, leeway: int, renew: AsyncRenewer | None) -> Lookup:
        """The async twin of :meth:`get`: the tasks of one event loop share one renewal.

        The renewal runs as a task of its own, which the caller that started it awaits
        like every other: cancelling that caller does not cancel the renewal (a server
        that rotates refresh tokens has already spent the old one), so the followers
        still get its token and no lock stays held.
        """
        import asyncio

        while True:
            current = self._token
            if renew is None or self.is_fresh(current, leeway):
                return Lookup(current)
            loop = asyncio.get_running_loop()
            flight = self._async_flights.get(loop)
            leading = flight is None
            if flight is None:
                held = self._held_back(current)
                if held is not None:
                    return held
                flight = self._start_async_flight(loop, self._arenew(current, leeway, renew))
            try:
                lookup = await asyncio.shield(flight)
            except _Abandoned:
                continue
            except BaseException as exc:
                if isinstance(exc, asyncio.CancelledError) and not flight.done():
                    raise  # this caller was cancelled, not the flight
                if leading:
                    raise
                clone = _copy_error(exc)
                if clone is exc:
                    raise
                raise clone from exc
            return lookup if leading else Lookup(lookup.token)

    def _start_async_flight(
        self, loop: asyncio.AbstractEventLoop, renewal: Awaitable[Lookup]
    ) -> asyncio.Future[Lookup]:
        import asyncio

        flight: asyncio.Future[Lookup] = loop.create_future()
        # Nobody may be waiting when it fails: keep an unread failure from being logged.
        flight.add_done_callback(_retrieve)
        self._async_flights[loop] = flight
        task = asyncio.ensure_future(renewal)

        def finish(done: asyncio.Future[Lookup]) -> None:
            if self._async_flights.get(loop) is flight:
                del self._async_flights[loop]
            if done.cancelled():
                flight.set_exception(_Abandoned())
            elif (error := done.exception()) is not None:
                self._note_outcome(error)
                spare = self._despite_store(error)
                if spare is None:
                    flight.set_exception(error)
                else:
                    flight.set_result(spare)
            else:
                self._note_outcome(None)
                flight.set_result(done.result())

        task.add_done_callback(finish)
        return flight

    async def _arenew(
        self, current: OAuth2Token | None, leeway: int, renew: AsyncRenewer
    ) -> Lookup:
        """:meth:`_renew` for async callers: the store's lock and I/O are awaited (through
        the store's asyncio path, or in threads), the renewal itself runs on the event loop."""
        from .._stores._async import asynchronous

        if isinstance(self._store, MemoryTokenStore):
            # One process: the flight above already serialises this loop's tasks.
            new = await renew(current)
            renewed = self._publish(current, new)
            self._save_renewed(new)  # in memory: nothing to wait for
            return renewed
        store = asynchronous(self._store)
        lock = store.lock()
        await lock.__aenter__()
        renewed_async: Lookup | None = None
        try:
            fresh, current = self._adopt(await store.load(), current, leeway)
            if fresh is not None:
                return fresh
            new = await renew(current)
            renewed_async = self._publish(current, new)
            await self._asave_renewed(store, new)
            return renewed_async
        finally:
            # Released even when this task is cancelled meanwhile (the store shields it).
            try:
                await lock.__aexit__(None, None, None)
            except Exception as exc:
                if renewed_async is None:
                    raise
                warn_lock(self._store, exc)  # the renewal stands; the lock's expiry frees it

    def _publish(self, previous: OAuth2Token | None, new: OAuth2Token) -> Lookup:
        """Make ``new`` the current token, in memory first (see :meth:`_save_renewed`)."""
        self._token = new
        self._rejected = None
        return Lookup(new, renewed=True, previous=previous)

    def _adopt(
        self, stored: dict[str, Any] | None, current: OAuth2Token | None, leeway: int
    ) -> tuple[Lookup | None, OAuth2Token | None]:
        """Under the store's lock: a fresh stored token is taken as it is (the lookup to
        return); otherwise the token to renew from comes second."""
        if stored is None:
            return None, current
        candidate = OAuth2Token(stored)
        if self.is_fresh(candidate, leeway):
            self._token = candidate
            return Lookup(candidate), current
        # A token this process renewed but could not save is newer.
        return None, self._unsaved or candidate

    def _save_renewed(self, new: OAuth2Token) -> None:
        """Save a renewed token, trying twice; a store that still fails is reported
        with a warning, and the token stays current in memory (issue: a rotated refresh
        token lost with a failed write could never be used again)."""
        for attempt in range(_SAVE_ATTEMPTS):
            try:
                self._store.save(new)
            except Exception as exc:
                self._save_failed(new, exc, attempt)
            else:
                self._unsaved = None
                return

    async def _asave_renewed(self, store: AsyncTokenStore, new: OAuth2Token) -> None:
        """:meth:`_save_renewed` through the store's asyncio path (or a thread)."""
        for attempt in range(_SAVE_ATTEMPTS):
            try:
                await store.save(new)
            except Exception as exc:
                self._save_failed(new, exc, attempt)
            else:
                self._unsaved = None
                return

    def _save_failed(self, new: OAuth2Token, error: Exception, attempt: int) -> None:
        """After the last failed attempt, keep ``new`` as unsaved and warn."""
        if attempt == _SAVE_ATTEMPTS - 1:
            self._unsaved = new
            warn_unsaved(self._store, error)

    def __repr__(self) -> str:
        return f"TokenSource(store={self._store!r}, has_token={self._token is not None})"


class _Abandoned(Exception):
    """The leader of an async renewal was cancelled: its followers start over."""


def _retrieve(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()


def _copy_error(error: BaseException) -> BaseException:
    """A copy of the leader's error for one follower (a shared instance's traceback would mix)."""
    try:
        clone = copy.copy(error)
    except Exception:
        return error
    return clone.with_traceback(None)
