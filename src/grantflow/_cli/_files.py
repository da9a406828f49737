"""Reading the files named on the command line, with errors that say which file.

A file that cannot be read is named in the error, so a typo is easy to see. The options
that hold secrets are the exception: a person who pastes the secret where its path
belongs must not see it echoed to a terminal, a log or a CI transcript. So the path
given to such an option is shown only when it is plainly a path: its directory exists
and it has a directory part or a common file extension, and it holds no character that
paths rarely have.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TextIO

__all__ = ["check_file", "path_is_shown", "read_text"]

_PATH_CHARACTERS = re.compile(r"[\w./~\\:-]{1,255}")
_EXTENSIONS = frozenset(
    {
        "cer",
        "cfg",
        "conf",
        "crt",
        "der",
        "env",
        "ini",
        "json",
        "jwk",
        "jwks",
        "jwt",
        "key",
        "p8",
        "pem",
        "secret",
        "token",
        "txt",
    }
)


def path_is_shown(value: str) -> bool:
    """Whether ``value``, given where a secret's file belongs, is plainly a path."""
    if not _PATH_CHARACTERS.fullmatch(value) or value.startswith("eyJ"):
        return False  # whitespace, '=', '+', or a JWT: it may be the secret itself
    path = Path(value).expanduser()
    named = len(path.parts) > 1 or path.suffix[1:].lower() in _EXTENSIONS
    return named and path.parent.is_dir()


def _where(path: str, flag: str, *, secret: bool) -> str:
    if not secret or path_is_shown(path):
        return f"{flag} {path}"
    return f"the file given to {flag} (its name is not shown: it may be the secret itself)"


def read_text(path: str, flag: str, *, secret: bool, stdin: TextIO | None = None) -> str:
    """The text of ``path`` ('-': ``stdin``), or a ValueError naming the file and why."""
    if path == "-" and stdin is not None:
        return stdin.read()
    try:
        return Path(path).expanduser().read_text(encoding="utf-8")
    except UnicodeDecodeError:
        reason = "it is not UTF-8 text"
    except OSError as exc:
        reason = str(exc.strerror or type(exc).__name__)
    except ValueError:  # a NUL byte in the path: certainly not a file name
        reason = "it is not a file name"
    raise ValueError(f"cannot read {_where(path, flag, secret=secret)}: {reason}")


def check_file(path: str, flag: str, *, secret: bool) -> str:
    """``path`` when it names a readable file (read later by another library), else ValueError."""
    try:
        candidate = Path(path).expanduser()
        found = candidate.is_file()
    except (OSError, ValueError):
        found = False
    if not found:
        raise ValueError(f"cannot read {_where(path, flag, secret=secret)}: no such file")
    return str(candidate)
