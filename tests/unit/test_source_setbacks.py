"""The token source after a setback: a failed renewal backs off for every caller, a
renewed token outlives a store that will not save it or release its lock, and a store
that cannot be reached costs no call while the token has not expired.

The clock is injected: no test waits for time to pass.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from grantflow import MemoryTokenStore, OAuth2Token, OAuthError, TokenStoreError
from grantflow._sources._setbacks import FIRST_BACKOFF_S, MAX_BACKOFF_S, MAX_RETRY_AFTER_S
from grantflow._sources._source import Lookup, TokenSource


def access_token(lookup: Lookup) -> object:
    """The access token a lookup found (every lookup here finds one)."""
    assert lookup.token is not None
    return lookup.token["access_token"]


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def token(name: str, expires_at: float) -> dict[str, Any]:
    return {"access_token": name, "token_type": "Bearer", "expires_at": expires_at}


class Renewer:
    """Fails with ``errors`` in order, then renews; counts its calls."""

    def __init__(self, clock: Clock, *errors: Exception) -> None:
        self.clock = clock
        self.errors = list(errors)
        self.calls = 0

    def __call__(self, current: OAuth2Token | None) -> OAuth2Token:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return OAuth2Token(token(f"at-{self.calls}", self.clock.now + 3600))

    async def arenew(self, current: OAuth2Token | None) -> OAuth2Token:
        return self(current)


def expired_source(clock: Clock, store: Any = None) -> TokenSource:
    return TokenSource(store, token("old", clock.now - 10), clock=clock)


def unavailable(retry_after: float | None = None) -> OAuthError:
    error = OAuthError("temporarily_unavailable", status_code=503)
    error.retry_after = retry_after
    return error


def test_callers_within_the_back_off_get_the_failure_without_renewing_again() -> None:
    clock = Clock()
    source = expired_source(clock)
    renew = Renewer(clock, unavailable())
    with pytest.raises(OAuthError):
        source.get(60, renew)
    for _ in range(50):
        with pytest.raises(OAuthError) as raised:
            source.get(60, renew)
        assert raised.value.error == "temporarily_unavailable"
    assert renew.calls == 1
    clock.now += FIRST_BACKOFF_S
    assert access_token(source.get(60, renew)) == "at-2"
    assert renew.calls == 2


def test_a_token_that_has_not_expired_is_used_during_the_back_off() -> None:
    clock = Clock()
    # Within the leeway (due) but not expired: usable while the server is down.
    source = TokenSource(None, token("old", clock.now + 30), clock=clock)
    renew = Renewer(clock, unavailable())
    with pytest.raises(OAuthError):
        source.get(60, renew)
    assert access_token(source.get(60, renew)) == "old"
    assert renew.calls == 1


def test_the_back_off_doubles_with_each_failure_in_a_row_up_to_its_cap() -> None:
    clock = Clock()
    source = expired_source(clock)
    renew = Renewer(clock, *[unavailable() for _ in range(8)])
    waits = []
    for _ in range(8):
        with pytest.raises(OAuthError):
            source.get(60, renew)
        failure = source._failure
        assert failure is not None
        waits.append(failure.until - failure.since)
        clock.now = failure.until
    assert waits == [min(MAX_BACKOFF_S, FIRST_BACKOFF_S * 2**n) for n in range(8)]


@pytest.mark.parametrize(
    ("asked", "wait"), [(5.0, 5.0), (0.5, FIRST_BACKOFF_S), (3600.0, MAX_RETRY_AFTER_S)]
)
def test_the_server_s_retry_after_sets_a_longer_back_off(asked: float, wait: float) -> None:
    clock = Clock()
    source = expired_source(clock)
    renew = Renewer(clock, unavailable(asked))
    with pytest.raises(OAuthError):
        source.get(60, renew)
    clock.now += wait - 0.01
    with pytest.raises(OAuthError):
        source.get(60, renew)
    clock.now += 0.01
    assert access_token(source.get(60, renew)) == "at-2"


def test_a_clock_that_went_back_ends_the_back_off() -> None:
    clock = Clock()
    source = expired_source(clock)
    renew = Renewer(clock, unavailable(30))
    with pytest.raises(OAuthError):
        source.get(60, renew)
    clock.now -= 20  # before the failure: the back-off is not trusted
    assert source.get(60, renew).renewed


def test_a_token_set_by_hand_ends_the_back_off() -> None:
    clock = Clock()
    source = expired_source(clock)
    renew = Renewer(clock, unavailable(30))
    with pytest.raises(OAuthError):
        source.get(60, renew)
    source.set(token("given", clock.now - 1))
    assert access_token(source.get(60, renew)) == "at-2"


def test_async_callers_share_the_back_off() -> None:
    clock = Clock()
    source = expired_source(clock)
    renew = Renewer(clock, unavailable())

    async def main() -> list[Any]:
        results: list[Any] = []
        for _ in range(5):
            try:
                results.append(await source.aget(60, renew.arenew))
            except OAuthError as exc:
                results.append(exc)
        return results

    results = asyncio.run(main())
    assert all(isinstance(r, OAuthError) for r in results)
    assert renew.calls == 1


# -- a renewed token is never lost ---------------------------------------------------------


class FailingStore(MemoryTokenStore):
    """A store whose next ``save_failures`` saves (and, if asked, lock release) fail."""

    def __init__(self, save_failures: int = 0, release_fails: bool = False) -> None:
        super().__init__()
        self.save_failures = save_failures
        self.release_fails = release_fails
        self.saves = 0

    def save(self, token: dict[str, Any]) -> None:
        self.saves += 1
        if self.save_failures:
            self.save_failures -= 1
            raise TokenStoreError(description="cannot write the Redis key 'k'")
        super().save(token)

    @contextmanager
    def _failing_lock(self) -> Iterator[None]:
        yield
        raise TokenStoreError(description="cannot release the Redis lock 'k:lock'")

    def lock(self) -> Any:
        return self._failing_lock() if self.release_fails else super().lock()


def test_a_renewed_token_the_store_refuses_is_kept_in_memory_and_reported() -> None:
    clock = Clock()
    store = FailingStore()
    source = expired_source(clock, store)
    store.save_failures = 2
    with pytest.warns(RuntimeWarning, match="could not be saved") as warned:
        lookup = source.get(60, Renewer(clock))
    assert lookup.renewed and access_token(lookup) == "at-1"
    assert source.token is not None and source.token["access_token"] == "at-1"
    assert store.saves == 3  # the old token once, then the new one tried twice
    assert "cannot write the Redis key" in str(warned[0].message)
    assert "lock" not in str(warned[0].message)


def test_a_write_that_fails_once_is_retried_and_nothing_is_reported(
    recwarn: pytest.WarningsRecorder,
) -> None:
    clock = Clock()
    store = FailingStore()
    source = expired_source(clock, store)
    store.save_failures = 1
    assert source.get(60, Renewer(clock)).renewed
    assert store.load() is not None and store.load()["access_token"] == "at-1"  # type: ignore[index]
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_a_lock_that_cannot_be_released_does_not_fail_a_renewal_that_worked() -> None:
    clock = Clock()
    store = FailingStore(release_fails=True)
    source = expired_source(clock, store)
    with pytest.warns(RuntimeWarning, match="releasing the lock"):
        lookup = source.get(60, Renewer(clock))
    assert lookup.renewed and source.token is not None
    assert source.token["access_token"] == "at-1"


def test_an_async_renewal_the_store_refuses_is_kept_in_memory() -> None:
    clock = Clock()
    store = FailingStore()
    source = expired_source(clock, store)
    store.save_failures = 2
    with pytest.warns(RuntimeWarning, match="could not be saved"):
        lookup = asyncio.run(source.aget(60, Renewer(clock).arenew))
    assert lookup.renewed and source.token is not None
    assert source.token["access_token"] == "at-1"


# -- a store outage while the token still works -----------------------------------------------


class DownStore:
    """A shared store (not the in-memory one, which the async path never locks) that,
    once ``down`` names ``"lock"`` or ``"load"``, fails there like a Redis that went
    away; counts the attempts."""

    def __init__(self) -> None:
        self._memory = MemoryTokenStore()
        self.down: str | None = None
        self.attempts = 0

    def _fail(self, where: str) -> None:
        if self.down == where:
            self.attempts += 1
            raise TokenStoreError(description=f"cannot {where} the Redis key 'k'")

    def lock(self) -> Any:
        self._fail("lock")
        return self._memory.lock()

    def load(self) -> dict[str, Any] | None:
        self._fail("load")
        return self._memory.load()

    def save(self, token: dict[str, Any]) -> None:
        self._memory.save(token)

    def clear(self) -> None:
        self._memory.clear()


def down_source(clock: Clock, where: str, lifetime: float = 30) -> tuple[DownStore, TokenSource]:
    """A source whose token expires in ``lifetime`` s (by default within the leeway of 60:
    due, not expired) over a store that then fails at ``where``."""
    store = DownStore()
    source = TokenSource(store, token("old", clock.now + lifetime), clock=clock)
    store.down = where
    return store, source


@pytest.mark.parametrize("where", ["lock", "load"])
def test_a_store_outage_costs_no_call_while_the_token_has_not_expired(where: str) -> None:
    clock = Clock()
    store, source = down_source(clock, where)
    renew = Renewer(clock)
    with pytest.warns(RuntimeWarning, match="could not be locked or read") as warned:
        assert access_token(source.get(60, renew)) == "old"
    assert f"cannot {where} the Redis key" in str(warned[0].message)
    # The back-off holds the next callers: no store attempt, no renewal.
    for _ in range(20):
        assert access_token(source.get(60, renew)) == "old"
    assert (store.attempts, renew.calls) == (1, 0)
    # The store is back after the back-off: the token is renewed under its lock.
    store.down = None
    clock.now += FIRST_BACKOFF_S
    lookup = source.get(60, renew)
    assert lookup.renewed and access_token(lookup) == "at-1"


def test_a_store_outage_fails_the_call_once_the_token_has_expired() -> None:
    clock = Clock()
    _, source = down_source(clock, "lock")
    renew = Renewer(clock)
    clock.now += 31  # expired: renewing without the store's lock could break rotation
    with pytest.raises(TokenStoreError):
        source.get(60, renew)
    assert renew.calls == 0


def test_a_rejected_token_is_not_used_through_a_store_outage() -> None:
    clock = Clock()
    _, source = down_source(clock, "lock", lifetime=3000)
    assert source.mark_rejected("old")
    with pytest.raises(TokenStoreError):
        source.get(60, Renewer(clock))


def test_async_callers_use_the_token_through_a_store_outage() -> None:
    clock = Clock()
    store, source = down_source(clock, "load")
    renew = Renewer(clock)

    async def main() -> list[Any]:
        return list(await asyncio.gather(*(source.aget(60, renew.arenew) for _ in range(5))))

    with pytest.warns(RuntimeWarning, match="could not be locked or read"):
        lookups = asyncio.run(main())
    assert [access_token(lookup) for lookup in lookups] == ["old"] * 5
    assert (store.attempts, renew.calls) == (1, 0)


def test_the_real_clock_is_the_default() -> None:
    source = TokenSource(None, token("old", time.time() - 10))
    with pytest.raises(OAuthError):
        source.get(60, Renewer(Clock(), unavailable()))
    with pytest.raises(OAuthError):
        source.get(60, Renewer(Clock()))
