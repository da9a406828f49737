"""A token kept in a JSON file that processes on one machine share.

The file is written atomically (a temporary file in the same directory, then
``os.replace``), so a reader sees the old token or the new one, never half of one; it is
created with mode 0600 because it holds a bearer credential (RFC 6750 §5.3), in
directories created with mode 0700. ``lock()`` is an OS lock on a sibling ``.lock``
file, released by the OS when its holder dies.

What the store trusts: neither the token file nor the lock file is reached through a
symbolic link (``O_NOFOLLOW``: a planted link could feed a token or create files
elsewhere), and a token file anyone may write counts as absent. A writer killed
mid-save leaves its temporary file (a full token) behind; the next save removes such
files once no live writer holds them (each writer holds an OS lock on its own).
"""

from __future__ import annotations

import errno
import os
import stat
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from pathlib import Path
from typing import Any

from ..errors import TokenStoreError
from ._base import decode_token, encode_token

__all__ = ["FileTokenStore"]

_POLL_START_S = 0.005
_POLL_MAX_S = 0.1
_TEMP_SUFFIX = ".tmp"
_SAVE_ATTEMPTS = 3
# O_NOFOLLOW and O_CLOEXEC do not exist on Windows (0: no such flag).
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
# A FIFO planted at the path must not block the open.
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


class FileTokenStore:
    """Keeps the token in ``path`` (JSON, mode 0600); ``lock()`` is an OS file lock.

    ``lock_timeout`` bounds the wait for another process's lock: past it,
    :class:`~grantflow.errors.TokenStoreError` is raised instead of waiting forever.

    Args:
        path: The token file; missing directories are created (mode 0700) on the
            first save. The lock is ``path`` + ``.lock`` beside it.
        lock_timeout: Seconds to wait for the lock before giving up.

    Raises nothing: the file is first touched by ``load``, ``save``, ``clear`` or
    ``lock``, whose failures are :class:`~grantflow.errors.TokenStoreError`.
    """

    def __init__(self, path: str | os.PathLike[str], *, lock_timeout: float = 60.0) -> None:
        self.path = Path(path)
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.lock_timeout = lock_timeout
        # flock() excludes other open files, so threads of one process exclude each other
        # too; this lock only keeps them from polling the OS lock in a busy crowd.
        self._thread_lock = threading.Lock()

    def load(self) -> dict[str, Any] | None:
        """The stored token; None when there is none or it cannot be trusted or parsed
        (with a warning that names the path, never the token).

        A file anyone may write, or one whose JSON is not a token, counts as absent.

        Returns:
            The token dict, or None.

        Raises:
            TokenStoreError: The path is a symbolic link or not a regular file, or
                it cannot be read (permissions, I/O error).
        """
        try:
            fd = os.open(self.path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise self._error("read", exc) from exc
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise TokenStoreError(
                    description=f"the token file {self.path} is not a regular file"
                )
            if info.st_mode & stat.S_IWOTH:
                warnings.warn(
                    f"ignoring the token file {self.path}: anyone may write it; it is treated "
                    "as absent and replaced by the next save",
                    RuntimeWarning,
                    stacklevel=2,
                )
                return None
            with os.fdopen(os.dup(fd), "rb") as handle:
                raw = handle.read()
        except OSError as exc:
            raise self._error("read", exc) from exc
        finally:
            os.close(fd)
        return decode_token(raw, str(self.path))

    def save(self, token: dict[str, Any]) -> None:
        """Write the token atomically, readable by this user only.

        Args:
            token: The token dict (JSON-serialisable).

        Raises:
            TokenStoreError: The directory cannot be created or the file written or
                renamed into place (permissions, a full disk, a symbolic link).
        """
        data = encode_token(token).encode("utf-8")
        try:
            _make_private_dirs(self.path.parent)
            self._remove_stray_temp_files()
            for _ in range(_SAVE_ATTEMPTS):
                if self._write(data):
                    return
            raise FileNotFoundError(errno.ENOENT, "the temporary file kept disappearing")
        except OSError as exc:
            raise self._error("write", exc) from exc

    def _write(self, data: bytes) -> bool:
        """One atomic write; False when the temporary file was removed before the rename
        (another process's cleanup took it for a dead writer's: try again)."""
        # mkstemp creates the file with mode 0600; os.replace keeps that mode.
        fd, temp = tempfile.mkstemp(
            prefix=self._temp_prefix, suffix=_TEMP_SUFFIX, dir=self.path.parent
        )
        try:
            _hold(fd)
            with os.fdopen(os.dup(fd), "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, self.path)
        except FileNotFoundError:
            return False
        except BaseException as exc:
            with suppress(OSError):
                os.unlink(temp)
            if isinstance(exc, BlockingIOError):
                return False  # a cleanup held it for a moment, about to remove it
            raise
        finally:
            os.close(fd)
        return True

    @property
    def _temp_prefix(self) -> str:
        return f".{self.path.name}."

    def _remove_stray_temp_files(self) -> None:
        """Remove temporary files that writers killed mid-save left (each holds a token)."""
        prefix = self._temp_prefix
        with suppress(OSError):
            for entry in os.scandir(self.path.parent):
                if entry.name.startswith(prefix) and entry.name.endswith(_TEMP_SUFFIX):
                    _remove_if_abandoned(entry.path)

    def _error(self, action: str, exc: OSError) -> TokenStoreError:
        what = self.lock_path if action == "open the lock file" else self.path
        if exc.errno == errno.ELOOP:
            reason = "it is a symbolic link, which the store does not follow"
        else:
            reason = type(exc).__name__
        noun = "" if action == "open the lock file" else " the token file"
        return TokenStoreError(description=f"cannot {action}{noun} {what} ({reason})")

    def clear(self) -> None:
        """Remove the token file (nothing happens when there is none).

        Raises:
            TokenStoreError: The file exists but cannot be removed.
        """
        try:
            self.path.unlink(missing_ok=True)
        except OSError as exc:
            raise self._error("remove", exc) from exc

    def lock(self) -> AbstractContextManager[Any]:
        """An exclusive lock across processes and threads, held around a renewal.

        Returns:
            A context manager; the OS releases the lock if its holder dies.

        Raises:
            TokenStoreError: On entering it, the lock was not acquired within
                ``lock_timeout`` seconds, or the lock file cannot be opened or locked.
        """
        return self._locked()

    @contextmanager
    def _locked(self) -> Iterator[None]:
        deadline = time.monotonic() + self.lock_timeout
        if not self._thread_lock.acquire(timeout=max(self.lock_timeout, 0.0)):
            raise self._timeout_error()
        try:
            fd = self._open_lock_file()
            try:
                self._acquire(fd, deadline)
                try:
                    yield
                finally:
                    _unlock(fd)
            finally:
                os.close(fd)
        finally:
            self._thread_lock.release()

    def _open_lock_file(self) -> int:
        try:
            _make_private_dirs(self.lock_path.parent)
            return os.open(self.lock_path, os.O_RDWR | os.O_CREAT | _NOFOLLOW | _CLOEXEC, 0o600)
        except OSError as exc:
            raise self._error("open the lock file", exc) from exc

    def _acquire(self, fd: int, deadline: float) -> None:
        pause = _POLL_START_S
        while not _try_lock(fd):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise self._timeout_error()
            time.sleep(min(pause, remaining))
            pause = min(pause * 2, _POLL_MAX_S)

    def _timeout_error(self) -> TokenStoreError:
        return TokenStoreError(
            description=f"timed out after {self.lock_timeout:g} s waiting for the lock "
            f"on {self.lock_path}"
        )

    def __repr__(self) -> str:
        return f"FileTokenStore(path={str(self.path)!r})"


def _make_private_dirs(directory: Path) -> None:
    """Create ``directory`` and its missing parents with mode 0700; existing ones are kept
    as they are (``mkdir -p`` would give the parents the default mode)."""
    missing: list[Path] = []
    while not directory.is_dir():
        missing.append(directory)
        if directory.parent == directory:
            break
        directory = directory.parent
    for path in reversed(missing):
        with suppress(FileExistsError):
            path.mkdir(mode=0o700)


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

    def _hold(fd: int) -> None:
        """Windows refuses to delete an open file: an open temporary file is safe as is."""

    def _remove_if_abandoned(path: str) -> None:
        with suppress(OSError):
            os.unlink(path)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        except OSError as exc:
            raise TokenStoreError(
                description=f"cannot lock the token store's lock file ({type(exc).__name__})"
            ) from exc
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)

    def _hold(fd: int) -> None:
        """Mark a temporary file as a live writer's: the OS drops the lock when it dies."""
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _remove_if_abandoned(path: str) -> None:
        """Remove a temporary file unless a live writer holds its lock."""
        try:
            fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC)
        except OSError:
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return  # a live writer holds it
        else:
            # Removed by name: had its writer renamed it into place meanwhile, the
            # name is gone and the token file is untouched.
            with suppress(OSError):
                os.unlink(path)
        finally:
            os.close(fd)
