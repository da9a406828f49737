"""``grantflow dev-provider`` as a function: the command itself lives in ``grantflow._cli``."""

from __future__ import annotations

import sys
import threading
from collections.abc import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None, *, stop: threading.Event | None = None) -> int:
    """Run ``grantflow dev-provider ARGV``: serve until Ctrl-C (or ``stop`` is set).

    Args:
        argv: The command's arguments (``--port``, ...); by default ``sys.argv[1:]``.
        stop: Set it to stop serving (from another thread).

    Returns:
        The exit status: 0 once stopped, 2 for a usage error, 130 on Ctrl-C.

    Raises nothing: failures become the exit status, described on stderr.
    """
    from .._cli import main as command

    args = list(sys.argv[1:] if argv is None else argv)
    return command(["dev-provider", *args], stop=stop)
