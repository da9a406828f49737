"""Secrets for the command: from a file, an environment variable, or (with a warning) argv.

The command line of a running process is readable by every user of the machine (``ps``)
and lands in shell history, so each secret has a ``--NAME-file`` and a ``--NAME-env``
form and a default environment variable; ``--NAME`` itself still works but warns. No
message built here contains the secret, only the option or variable it came from.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from typing import TextIO

from ._console import Console
from ._files import read_text

__all__ = ["SecretOption", "add_secret_options", "read_secret_file"]

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True, slots=True)
class SecretOption:
    """One secret the command accepts: ``--NAME``, ``--NAME-file``, ``--NAME-env``."""

    name: str  # e.g. "client-secret"
    what: str  # e.g. "the client secret"
    default_env: str  # e.g. "GRANTFLOW_CLIENT_SECRET"

    @property
    def dest(self) -> str:
        return self.name.replace("-", "_")

    def resolve(self, args: argparse.Namespace, console: Console) -> str | None:
        """The secret from whichever source was given, else the default variable, else None."""
        value: str | None = getattr(args, self.dest, None)
        path: str | None = getattr(args, f"{self.dest}_file", None)
        env: str | None = getattr(args, f"{self.dest}_env", None)
        if value is not None:
            console.warn(
                f"--{self.name} on the command line is visible to other users (ps) and "
                f"stays in shell history; prefer --{self.name}-file or {self.default_env}"
            )
            if not value:
                raise ValueError(f"--{self.name} is empty")
            return value
        if path is not None:
            return read_secret_file(path, f"--{self.name}-file", console.stdin)
        if env is not None:
            if not _ENV_NAME.match(env):
                # Not echoed: a value that is no variable name may be the secret itself.
                raise ValueError(f"--{self.name}-env takes the name of an environment variable")
            found = console.env.get(env)
            if not found:
                raise ValueError(f"the environment variable {env} (--{self.name}-env) is not set")
            return found
        return console.env.get(self.default_env) or None


def add_secret_options(group: argparse._ActionsContainer, option: SecretOption) -> None:
    """Add the three mutually exclusive ways of giving ``option`` to ``group``."""
    exclusive = group.add_mutually_exclusive_group()
    exclusive.add_argument(
        f"--{option.name}-file",
        metavar="FILE",
        help=f"read {option.what} from FILE ('-' for stdin)",
    )
    exclusive.add_argument(
        f"--{option.name}-env",
        metavar="VAR",
        help=f"read {option.what} from the environment variable VAR "
        f"(default: {option.default_env})",
    )
    exclusive.add_argument(
        f"--{option.name}",
        metavar="VALUE",
        help=f"{option.what} itself (visible to other users: prefer the two above)",
    )


def read_secret_file(path: str, flag: str, stdin: TextIO) -> str:
    """The content of ``path`` (or ``stdin`` for '-'), without surrounding whitespace."""
    value = read_text(path, flag, secret=True, stdin=stdin).strip()
    if not value:
        raise ValueError(f"the file given to {flag} is empty")
    return value
