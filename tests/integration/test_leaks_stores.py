"""Token stores and the development provider's files: never readable by another user.

A file that holds a bearer credential must be mode 0600 from the moment the first byte
of it is written (RFC 6750 §5.3), not chmod-ed afterwards: between the two, any user can
open it, and an open file descriptor outlives a later chmod. The tests catch the files
at that moment by wrapping the calls that write and rename them. Stores' errors,
warnings and Redis key names show no token either.
"""

from __future__ import annotations

import os
import stat
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from grantflow import FileTokenStore, RedisTokenStore, TokenStoreError
from grantflow.testing import DevProvider

from ._leaks import assert_absent, exception_texts
from ._redis import RedisServer, own_redis_fixture, redis_server_fixture  # noqa: F401

ACCESS_TOKEN = "SECRET-at-4711"
REFRESH_TOKEN = "SECRET-rt-4711"
TOKEN = {
    "access_token": ACCESS_TOKEN,
    "refresh_token": REFRESH_TOKEN,
    "token_type": "Bearer",
    "expires_at": 4_000_000_000,
}


@pytest.fixture
def open_umask() -> Iterator[None]:
    """A permissive umask (0o022): files are world-readable unless created otherwise."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def _others_can_read(path: Path) -> bool:
    return bool(stat.S_IMODE(path.stat().st_mode) & 0o077)


def test_the_file_store_never_has_a_readable_file_holding_the_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, open_umask: None
) -> None:
    seen: list[tuple[str, int, bool]] = []
    real_replace = os.replace

    def replace(src: Any, dst: Any, **kwargs: Any) -> None:
        # The moment before the rename: the temporary file is complete and still private.
        path = Path(src)
        seen.append(
            (path.name, stat.S_IMODE(path.stat().st_mode), ACCESS_TOKEN in path.read_text())
        )
        real_replace(src, dst, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    store = FileTokenStore(tmp_path / "tokens" / "token.json")
    store.save(TOKEN)
    with store.lock():
        pass

    assert seen and seen[0][2], "the token was not written through a temporary file"
    assert all(mode & 0o077 == 0 for _, mode, _ in seen), seen
    assert not _others_can_read(store.path)
    assert not _others_can_read(store.lock_path)
    # No temporary copy of the token is left behind.
    assert sorted(p.name for p in store.path.parent.iterdir()) == ["token.json", "token.json.lock"]


def test_the_file_store_replaces_a_world_readable_token_file_with_a_private_one(
    tmp_path: Path, open_umask: None
) -> None:
    path = tmp_path / "token.json"
    path.write_text("{}")
    path.chmod(0o644)
    FileTokenStore(path).save(TOKEN)
    assert not _others_can_read(path)


def test_a_corrupt_token_file_warns_without_showing_its_content(tmp_path: Path) -> None:
    path = tmp_path / "token.json"
    path.write_text(f'{{"access_token": "{ACCESS_TOKEN}", broken')
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert FileTokenStore(path).load() is None
    assert caught
    assert_absent([ACCESS_TOKEN], [str(w.message) for w in caught], "the corrupt-file warning")


def test_an_unwritable_file_store_error_shows_no_token(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    with pytest.raises(TokenStoreError) as caught:
        FileTokenStore(blocker / "token.json").save(TOKEN)
    assert_absent([ACCESS_TOKEN, REFRESH_TOKEN], exception_texts(caught.value), "the store error")


def test_redis_keys_name_no_token_and_the_lock_holds_none(redis_server: RedisServer) -> None:
    client = redis_server.client()
    store = RedisTokenStore(client, key="leak-names")
    store.save(TOKEN)
    with store.lock():
        names = [k.decode() for k in client.keys("*leak-names*")]
        values = [client.get(k) for k in names if k.endswith(":lock")]
    assert names
    assert_absent([ACCESS_TOKEN, REFRESH_TOKEN], names, "a Redis key name")
    assert_absent([ACCESS_TOKEN, REFRESH_TOKEN], [repr(v) for v in values], "the lock value")
    assert_absent([ACCESS_TOKEN, REFRESH_TOKEN], [repr(store)], "the store's repr")


def test_a_corrupt_redis_value_warns_without_showing_it(redis_server: RedisServer) -> None:
    client = redis_server.client()
    client.set("grantflow:token:leak-corrupt", f"[{ACCESS_TOKEN}")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert RedisTokenStore(client, key="leak-corrupt").load() is None
    assert caught
    assert_absent([ACCESS_TOKEN], [str(w.message) for w in caught], "the corrupt-value warning")


def test_a_redis_failure_while_saving_shows_no_token(own_redis: RedisServer) -> None:
    store = RedisTokenStore(own_redis.client(socket_timeout=2, socket_connect_timeout=2), key="x")
    own_redis.stop()
    with pytest.raises(TokenStoreError) as caught:
        store.save(TOKEN)
    assert_absent([ACCESS_TOKEN, REFRESH_TOKEN], exception_texts(caught.value), "the store error")


def test_the_dev_providers_clients_file_is_private_from_its_first_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, open_umask: None
) -> None:
    state = tmp_path / "state"
    exposed: list[str] = []
    checks = [0]

    def check_state_dir() -> None:
        # After every write, rename or chmod: no file there that holds a secret is open
        # to other users (a temporary file included).
        checks[0] += 1
        for path in state.iterdir() if state.exists() else []:
            if path.is_file() and _others_can_read(path) and "client_secret" in path.read_text():
                exposed.append(f"{path.name} {oct(path.stat().st_mode)}")

    def watched(real: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            result = real(*args, **kwargs)
            check_state_dir()
            return result

        return call

    for owner, name in [
        (Path, "write_text"),
        (Path, "write_bytes"),
        (Path, "chmod"),
        (os, "replace"),
        (os, "rename"),
        (os, "chmod"),
        (os, "close"),
    ]:
        monkeypatch.setattr(owner, name, watched(getattr(owner, name)))
    with DevProvider(state_dir=state) as op:
        secret = op.clients["client-basic"]["client_secret"]
        assert secret in (state / "clients.json").read_text()
    assert checks[0] > 0
    assert not exposed, exposed


def test_the_dev_providers_private_key_files_are_private_even_when_they_existed(
    tmp_path: Path, open_umask: None
) -> None:
    state = tmp_path / "state"
    with DevProvider(state_dir=state) as op:
        files = list(op.files.values())
    for path in files:
        path.chmod(0o644)
    with DevProvider(state_dir=state) as op:
        files = list(op.files.values())
        assert files
        assert all(not _others_can_read(p) for p in files), [oct(p.stat().st_mode) for p in files]
