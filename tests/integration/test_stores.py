"""Token stores: memory, file and Redis, with their faults, against real files and a real Redis."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from drivers import DRIVERS, make_client

from grantflow import MemoryTokenStore, OAuth2Session, TokenStore
from grantflow._stores._file import FileTokenStore
from grantflow._stores._redis import RedisTokenStore
from grantflow.errors import OAuthError, TokenStoreError

from ._fleet import spawned
from ._redis import RedisServer, own_redis_fixture, redis_server_fixture  # noqa: F401
from ._token_server import TokenServer, server_fixture  # noqa: F401

SECRET_AT = "at-must-never-show-1234"
# One expiry for the whole module: a token built twice must compare equal even when the
# second build lands in the next second.
EXPIRES_AT = int(time.time()) + 3600


def a_token(**extra: Any) -> dict[str, Any]:
    token = {
        "access_token": SECRET_AT,
        "token_type": "Bearer",
        "refresh_token": "rt-must-never-show",
        "expires_at": EXPIRES_AT,
    }
    token.update(extra)
    return token


def session_over(server: TokenServer, store: TokenStore, **kwargs: Any) -> OAuth2Session:
    return OAuth2Session(
        "client",
        "secret",
        token_endpoint=server.token_url,
        token_store=store,
        default_timeout=30,
        **kwargs,
    )


@pytest.mark.parametrize("make", ["memory", "file", "redis"])
def test_every_store_saves_loads_and_clears_a_token(
    make: str,
    tmp_path: Path,
    redis_server: RedisServer,
) -> None:
    store: TokenStore
    if make == "memory":
        store = MemoryTokenStore()
    elif make == "file":
        store = FileTokenStore(tmp_path / "token.json")
    else:
        store = RedisTokenStore(redis_server.client(), key="round-trip")
    assert isinstance(store, TokenStore)

    assert store.load() is None
    store.save(a_token())
    assert store.load() == a_token()
    with store.lock():
        assert store.load() == a_token()
    store.clear()
    assert store.load() is None
    assert SECRET_AT not in repr(store)


# -- file ------------------------------------------------------------------------------------


def test_the_file_store_writes_json_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "token.json"
    path.write_text("{}", encoding="utf-8")
    path.chmod(0o644)

    FileTokenStore(path).save(a_token())

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text(encoding="utf-8")) == a_token()
    # Written atomically: a temporary file replaced the old one, and none is left over.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["token.json"]


def test_a_corrupt_token_file_counts_as_absent_with_a_warning_naming_the_path(
    tmp_path: Path,
) -> None:
    path = tmp_path / "token.json"
    path.write_text('{"access_token": "' + SECRET_AT, encoding="utf-8")

    with pytest.warns(RuntimeWarning) as caught:
        loaded = FileTokenStore(path).load()

    assert loaded is None
    message = str(caught[0].message)
    assert str(path) in message
    assert SECRET_AT not in message


def test_a_session_over_a_corrupt_file_saves_the_token_it_was_given(
    server: TokenServer, tmp_path: Path
) -> None:
    path = tmp_path / "token.json"
    path.write_text("[not a token", encoding="utf-8")
    token = server.issue(expired=False)

    with pytest.warns(RuntimeWarning):
        session = session_over(server, FileTokenStore(path), token=token)

    assert session.get(server.api_url).status_code == 200
    assert FileTokenStore(path).load() == token


def test_an_unwritable_file_store_raises_token_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("", encoding="utf-8")
    store = FileTokenStore(blocker / "token.json")

    with pytest.raises(TokenStoreError) as raised:
        store.save(a_token())

    assert isinstance(raised.value, OAuthError)
    assert str(blocker) in str(raised.value)
    assert SECRET_AT not in str(raised.value)


def hold_lock(store: dict[str, Any]) -> Any:
    return {"mode": "hold_lock", "store": store}


def test_a_file_lock_held_by_a_live_process_times_out_with_a_typed_error(tmp_path: Path) -> None:
    path = tmp_path / "token.json"
    with spawned([hold_lock({"kind": "file", "path": str(path)})]) as (holder,):
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"

        with (
            pytest.raises(TokenStoreError) as raised,
            FileTokenStore(path, lock_timeout=0.2).lock(),
        ):
            pass

    assert "lock" in str(raised.value)


def test_a_dead_file_lock_holder_does_not_block_the_next_refresh(
    server: TokenServer, tmp_path: Path
) -> None:
    path = tmp_path / "token.json"
    FileTokenStore(path).save(server.issue(expired=True))
    with spawned([hold_lock({"kind": "file", "path": str(path)})]) as (holder,):
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        holder.kill()
        holder.wait(timeout=60)

        session = session_over(server, FileTokenStore(path, lock_timeout=60))
        assert session.get(server.api_url).status_code == 200

    assert server.snapshot().token_requests == 1


# -- token= and token_store= together ----------------------------------------------------------


def test_a_token_already_in_the_store_wins_over_token_given(
    server: TokenServer, tmp_path: Path
) -> None:
    store = FileTokenStore(tmp_path / "token.json")
    stored = server.issue(expired=False)
    store.save(stored)

    session = session_over(server, store, token=server.issue(expired=False))

    assert session.token == stored


def test_a_token_given_to_an_empty_store_is_saved_there(
    server: TokenServer, tmp_path: Path
) -> None:
    store = FileTokenStore(tmp_path / "token.json")
    given = server.issue(expired=False)

    session = session_over(server, store, token=given)

    assert session.token == given
    assert store.load() == given


# -- Redis -----------------------------------------------------------------------------------


def test_redis_keeps_the_token_under_a_namespaced_key_with_a_ttl(
    redis_server: RedisServer,
) -> None:
    client = redis_server.client()
    renewable = RedisTokenStore(client, key="ns-renewable")
    access_only = RedisTokenStore(client, key="ns-access-only")

    renewable.save(a_token())
    access_only.save(a_token(refresh_token=None, expires_at=int(time.time()) + 600))

    assert json.loads(client.get("grantflow:token:ns-renewable")) == a_token()
    assert client.ttl("grantflow:token:ns-renewable") > 24 * 3600
    assert 0 < client.ttl("grantflow:token:ns-access-only") <= 600


def test_a_corrupt_redis_value_counts_as_absent_with_a_warning_naming_the_key(
    redis_server: RedisServer,
) -> None:
    client = redis_server.client()
    client.set("grantflow:token:corrupt", '{"access_token": "' + SECRET_AT)

    with pytest.warns(RuntimeWarning) as caught:
        loaded = RedisTokenStore(client, key="corrupt").load()

    assert loaded is None
    message = str(caught[0].message)
    assert "grantflow:token:corrupt" in message
    assert SECRET_AT not in message


def test_an_unreachable_redis_is_a_typed_error_not_a_hang(
    server: TokenServer,
    own_redis: RedisServer,
) -> None:
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    # The client's own retry policy decides how long "down" takes to show; keep it short.
    client = own_redis.client(retry=Retry(NoBackoff(), 1))
    store = RedisTokenStore(client, key="down")
    store.save(server.issue(expired=True))
    session = session_over(server, store)
    own_redis.stop()

    with pytest.raises(TokenStoreError) as raised:
        session.get(server.api_url)
    with pytest.raises(TokenStoreError):
        RedisTokenStore(client, key="down").load()

    assert "grantflow:token:down" in str(raised.value)
    assert server.snapshot().token_requests == 0


@pytest.mark.parametrize("driver", DRIVERS)
def test_a_stopped_redis_costs_no_call_until_the_token_expires(
    driver: str, server: TokenServer, own_redis: RedisServer
) -> None:
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    store = RedisTokenStore(own_redis.client(retry=Retry(NoBackoff(), 1)), key="stopped")
    token = server.issue(expired=False)
    token["expires_at"] = int(time.time()) + 3  # due (the leeway is 60 s), not expired
    store.save(token)
    with make_client(
        driver, "client", "secret", token_endpoint=server.token_url, token_store=store
    ) as session:
        own_redis.stop()
        with pytest.warns(RuntimeWarning, match="could not be locked or read"):
            assert session.get(server.api_url).status_code == 200
        assert session.get(server.api_url).status_code == 200
        while time.time() <= token["expires_at"] + 1:
            time.sleep(0.1)
        # Expired: renewing without the store's lock could spend the refresh token twice.
        with pytest.raises(TokenStoreError):
            session.get(server.api_url)
    assert server.snapshot().token_requests == 0


def test_a_dead_redis_lock_holder_frees_the_lock_when_it_expires(
    server: TokenServer,
    redis_server: RedisServer,
) -> None:
    spec = {"kind": "redis", "port": redis_server.port, "key": "dead-holder", "lock_expiry": 1}
    RedisTokenStore(redis_server.client(), key="dead-holder").save(server.issue(expired=True))
    with spawned([hold_lock(spec)]) as (holder,):
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        # The holder printed "locked" once it held the lock; it dies holding it.
        holder.kill()
        holder.wait(timeout=60)

        store = RedisTokenStore(redis_server.client(), key="dead-holder", lock_timeout=60)
        session = session_over(server, store)
        assert session.get(server.api_url).status_code == 200

    assert server.snapshot().token_requests == 1


def test_a_redis_lock_held_too_long_times_out_with_a_typed_error(
    redis_server: RedisServer,
) -> None:
    holder = RedisTokenStore(redis_server.client(), key="busy", lock_expiry=60)
    waiter = RedisTokenStore(redis_server.client(), key="busy", lock_timeout=0.2)

    with holder.lock(), pytest.raises(TokenStoreError) as raised, waiter.lock():
        pass

    assert waiter.lock_key in str(raised.value)


def test_importing_grantflow_does_not_import_redis() -> None:
    code = "import sys, grantflow; print('redis' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "False"
