"""A token kept in a JSON file that processes on one machine share.

The file is written atomically (a temporary file in the same directory, then
``os.replace``), so a reader sees the old token or the new one, never half of one; it is
created with mode 0600 because it holds a bearer credential (RFC 6750 §5.3). ``lock()``
is an OS lock on a sibling ``.lock`` file, released by the OS when its holder dies.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from pathlib import Path
from typing import Any

from ..errors import TokenStoreError
from ._base import decode_token, encode_token

__all__ = ["FileTokenStore"]

_POLL_START_S = 0.005
_POLL_MAX_S = 0.1


class FileTokenStore:
    """Keeps the token in ``path`` (JSON, mode 0600); ``lock()`` is an OS file lock.

    ``lock_timeout`` bounds the wait for another process's lock: past it,
    :class:`~grantflow.errors.TokenStoreError` is raised instead of waiting forever.
    """

    def __init__(self, path: str | os.PathLike[str], *, lock_timeout: float = 60.0) -> None:
        self.path = Path(path)
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.lock_timeout = lock_timeout
        # flock() excludes other open files, so threads of one process exclude each other
        # too; this lock only keeps them from polling the OS lock in a busy crowd.
        self._thread_lock = threading.Lock()

    def load(self) -> dict[str, Any] | None:
        """The stored token; None when there is none or it cannot be parsed (with a warning)."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise TokenStoreError(
                description=f"cannot read the token file {self.path} ({type(exc).__name__})"
            ) from exc
        return decode_token(text, str(self.path))

    def save(self, token: dict[str, Any]) -> None:
        """Write the token atomically, readable by this user only."""
        data = encode_token(token)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # mkstemp creates the file with mode 0600; os.replace keeps that mode.
            fd, temp = tempfile.mkstemp(prefix=self.path.name + ".", dir=self.path.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(temp, self.path)
            except BaseException:
                with suppress(OSError):
                    os.unlink(temp)
                raise
        except OSError as exc:
            raise TokenStoreError(
                description=f"cannot write the token file {self.path} ({type(exc).__name__})"
            ) from exc

    def clear(self) -> None:
        """Remove the token file (nothing happens when there is none)."""
        try:
            self.path.unlink(missing_ok=True)
        except OSError as exc:
            raise TokenStoreError(
                description=f"cannot remove the token file {self.path} ({type(exc).__name__})"
            ) from exc

    def lock(self) -> AbstractContextManager[Any]:
        """An exclusive lock across processes and threads, held around a renewal."""
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
            self.lock_path.parent.mkdir(parents=True, exist_ok=True)
            return os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise TokenStoreError(
                description=f"cannot open the lock file {self.lock_path} ({type(exc).__name__})"
            ) from exc

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
