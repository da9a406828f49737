"""Token stores under hostile files and values, and a file store killed mid-save.

Real files, a real Redis and real processes: symlinks planted at the token and lock
paths, world-writable files, bytes that are not UTF-8, JSON nested past any protocol's
need, and 200 writers killed with SIGKILL while they save.
"""

from __future__ import annotations

import json
import os
import random
import signal
import stat
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from grantflow._stores._file import FileTokenStore
from grantflow._stores._redis import RedisTokenStore
from grantflow.errors import TokenStoreError

from ._redis import RedisServer, redis_server_fixture  # noqa: F401

if TYPE_CHECKING:
    from _typeshed import FileDescriptorLike

SECRET_AT = "at-must-never-show-5678"
HOSTILE_VALUES: dict[str, bytes] = {
    "invalid_utf8": b'{"access_token": "' + SECRET_AT.encode() + b'\xff\xfe"}',
    "deep_array": b"[" * 100_000,
    "deep_object": b'{"a":' * 50_000,
    "unsendable_access_token": b'{"access_token":"' + SECRET_AT.encode() + b'\\r\\nX: 1"}',
    "deep_member": b'{"access_token":"'
    + SECRET_AT.encode()
    + b'","x":'
    + b"[" * 500
    + b"]" * 500
    + b"}",
}


def a_token(n: int = 0) -> dict[str, Any]:
    return {"access_token": f"{SECRET_AT}-{n}", "token_type": "Bearer", "expires_at": 2_000_000_000}


def assert_absent_with_a_warning_naming(where: str, load: Any) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert load() is None
    messages = [str(w.message) for w in caught]
    assert any(where in m for m in messages), messages
    assert not any(SECRET_AT in m for m in messages)


@pytest.mark.parametrize("value", list(HOSTILE_VALUES), ids=list(HOSTILE_VALUES))
def test_a_hostile_token_file_counts_as_absent_with_a_warning_naming_the_path(
    tmp_path: Path, value: str
) -> None:
    path = tmp_path / "token.json"
    path.write_bytes(HOSTILE_VALUES[value])
    path.chmod(0o600)
    assert_absent_with_a_warning_naming(str(path), FileTokenStore(path).load)


@pytest.mark.parametrize("value", list(HOSTILE_VALUES), ids=list(HOSTILE_VALUES))
def test_a_hostile_redis_value_counts_as_absent_with_a_warning_naming_the_key(
    redis_server: RedisServer, value: str
) -> None:
    client = redis_server.client()
    client.set(f"grantflow:token:hostile-{value}", HOSTILE_VALUES[value])
    store = RedisTokenStore(client, key=f"hostile-{value}")
    assert_absent_with_a_warning_naming(f"grantflow:token:hostile-{value}", store.load)


# -- what the file store trusts ------------------------------------------------------------


def test_a_symlinked_token_path_is_not_followed(tmp_path: Path) -> None:
    planted = tmp_path / "planted.json"
    planted.write_text(json.dumps(a_token(1)), encoding="utf-8")
    planted.chmod(0o600)
    path = tmp_path / "token.json"
    path.symlink_to(planted)
    store = FileTokenStore(path)

    with pytest.raises(TokenStoreError) as caught:
        store.load()
    assert "symbolic link" in str(caught.value)

    # Saving replaces the link itself; the file it pointed at is left alone.
    store.save(a_token(2))
    assert not path.is_symlink()
    assert store.load() == a_token(2)
    assert json.loads(planted.read_text(encoding="utf-8")) == a_token(1)


def test_a_symlinked_lock_file_is_not_followed_or_created(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere" / "created-through-the-link"
    target.parent.mkdir()
    path = tmp_path / "token.json"
    (tmp_path / "token.json.lock").symlink_to(target)

    with pytest.raises(TokenStoreError) as caught, FileTokenStore(path).lock():
        pass
    assert "symbolic link" in str(caught.value)
    assert not target.exists()


def test_a_world_writable_token_file_counts_as_absent_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "token.json"
    path.write_text(json.dumps(a_token(1)), encoding="utf-8")
    path.chmod(0o666)
    assert_absent_with_a_warning_naming(str(path), FileTokenStore(path).load)

    # The next save replaces it with a file only its owner can write.
    FileTokenStore(path).save(a_token(2))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert FileTokenStore(path).load() == a_token(2)


def test_something_other_than_a_file_at_the_token_path_is_a_typed_error_not_a_hang(
    tmp_path: Path,
) -> None:
    fifo = tmp_path / "token.json"
    os.mkfifo(fifo)
    with pytest.raises(TokenStoreError) as caught:
        FileTokenStore(fifo).load()
    assert "not a regular file" in str(caught.value)


def test_missing_directories_are_created_for_their_owner_only(tmp_path: Path) -> None:
    old_umask = os.umask(0o022)
    try:
        path = tmp_path / "a" / "b" / "token.json"
        FileTokenStore(path).save(a_token())
        with FileTokenStore(tmp_path / "c" / "d" / "token.json").lock():
            pass
    finally:
        os.umask(old_umask)
    for directory in ("a", "a/b", "c", "c/d"):
        assert stat.S_IMODE((tmp_path / directory).stat().st_mode) == 0o700, directory


def test_an_existing_directory_keeps_its_mode(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o755)
    FileTokenStore(shared / "token.json").save(a_token())
    assert stat.S_IMODE(shared.stat().st_mode) == 0o755


# -- temporary files ------------------------------------------------------------------------


def temp_files(directory: Path) -> list[str]:
    """Whatever a save left beside the token file and its lock file."""
    kept = {"token.json", "token.json.lock"}
    return sorted(p.name for p in directory.iterdir() if p.name not in kept)


def test_a_stray_temporary_file_is_removed_by_the_next_save(tmp_path: Path) -> None:
    path = tmp_path / "token.json"
    stray = tmp_path / ".token.json.k2j4h5.tmp"
    stray.write_text(json.dumps(a_token(9)), encoding="utf-8")
    other = tmp_path / ".other.json.k2j4h5.tmp"
    other.write_text("{}", encoding="utf-8")
    with FileTokenStore(path).lock():
        FileTokenStore(path).save(a_token())

    assert not stray.exists()
    # Another store's files, and the lock file, are not ours to remove.
    assert other.exists()
    assert (tmp_path / "token.json.lock").exists()
    assert FileTokenStore(path).load() == a_token()


@pytest.mark.skipif(sys.platform == "win32", reason="flock is POSIX")
def test_a_temporary_file_a_live_writer_holds_is_left_alone(tmp_path: Path) -> None:
    import fcntl

    path = tmp_path / "token.json"
    busy = tmp_path / ".token.json.busy01.tmp"
    fd = os.open(busy, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        FileTokenStore(path).save(a_token())
        assert busy.exists()
    finally:
        os.close(fd)
    FileTokenStore(path).save(a_token(1))
    assert not busy.exists()


# -- killed mid-save ------------------------------------------------------------------------

KILLS = 200
PADDING = "p" * 8192  # several writes' worth, so a kill can land mid-file


def padded(round_: int, n: int) -> dict[str, Any]:
    return {"access_token": f"AT-{round_}-{n}", "padding": PADDING, "expires_at": 2_000_000_000}


def _saving_child(path: Path, round_: int, progress: int, mid_save: bool) -> None:
    """In the forked child: save forever, announcing each save on ``progress`` as it
    starts or, with ``mid_save``, once its temporary file is written and before fsync."""
    try:
        if mid_save:
            fsync = os.fsync

            def announcing_fsync(fd: FileDescriptorLike) -> None:
                os.write(progress, b".")
                fsync(fd)

            os.fsync = announcing_fsync  # this process only: it is a forked child
        store = FileTokenStore(path)
        n = 0
        while True:
            if not mid_save:
                os.write(progress, b".")
            store.save(padded(round_, n))
            n += 1
    finally:
        os._exit(1)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_writer_killed_mid_save_leaves_a_complete_token_and_no_temp_file_past_the_next_save(
    tmp_path: Path,
) -> None:
    path = tmp_path / "token.json"
    store = FileTokenStore(path)
    store.save(padded(-1, 0))
    previous = padded(-1, 0)
    chooser = random.Random(1729)  # noqa: S311 - when to kill, not a secret
    strays_seen = 0
    for round_ in range(KILLS):
        read_end, write_end = os.pipe()
        pid = os.fork()
        mid_save = chooser.random() < 0.75
        if pid == 0:  # pragma: no cover - the child never returns
            os.close(read_end)
            _saving_child(path, round_, write_end, mid_save)
        os.close(write_end)
        try:
            # Kill it right after it announced its k-th save: as the save starts, or
            # with the temporary file written and not yet synced or renamed.
            for _ in range(chooser.randint(1, 4)):
                assert os.read(read_end, 1) == b"."
            os.kill(pid, signal.SIGKILL)
        finally:
            os.waitpid(pid, 0)
            os.close(read_end)

        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a torn file would warn and load as None
            loaded = store.load()
        assert loaded is not None
        assert loaded == previous or (
            loaded["access_token"].startswith(f"AT-{round_}-")
            and loaded == padded(round_, int(loaded["access_token"].rsplit("-", 1)[1]))
        )
        strays_seen += bool(temp_files(tmp_path))

        previous = padded(round_, 10**6)
        store.save(previous)
        assert temp_files(tmp_path) == [], f"round {round_}"
    # The kills did land mid-save (about 3 rounds in 4): otherwise this proves nothing.
    assert strays_seen >= KILLS // 4


@pytest.mark.parametrize(
    "expires_at",
    [10**400, float("inf"), float("nan"), -(10**400), True],
    ids=["huge", "inf", "nan", "huge_negative", "bool"],
)
def test_redis_saves_a_token_whose_expiry_is_no_usable_time_with_the_default_ttl(
    redis_server: RedisServer, expires_at: object
) -> None:
    client = redis_server.client()
    store = RedisTokenStore(client, key="odd-expiry")
    store.save({"access_token": SECRET_AT, "expires_at": expires_at})
    assert client.ttl("grantflow:token:odd-expiry") > 0
