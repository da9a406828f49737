"""Where the command's words go, and what it reads: its streams and its environment.

stdout carries only what a script consumes (a token, metadata, claims), so it can be
piped into ``jq``; everything addressed to a person goes to stderr. Colour is used only
on a terminal and never when ``NO_COLOR`` is set (https://no-color.org). The streams and
the environment are given to the console rather than read from :mod:`sys` and
:mod:`os`, so the whole command runs in-process with any of them replaced.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Mapping
from typing import Any, ClassVar, TextIO

__all__ = ["PROG", "Console", "Style", "colour_wanted", "is_terminal", "terminal_width"]

PROG = "grantflow"
#: Prose is wrapped to the terminal, but never wider than this, nor narrower than MIN_WIDTH.
MAX_WIDTH = 92
MIN_WIDTH = 60
_DEFAULT_WIDTH = 80


def is_terminal(stream: object) -> bool:
    """Whether ``stream`` is a terminal (a stream without ``isatty`` is not)."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def colour_wanted(
    stream: TextIO, choice: str = "auto", env: Mapping[str, str] | None = None
) -> bool:
    """Whether to colour ``stream``: ``always``, ``never``, or ``auto`` (a TTY, no NO_COLOR)."""
    if choice == "always":
        return True
    environ = os.environ if env is None else env
    if choice == "never" or environ.get("NO_COLOR"):
        return False
    return is_terminal(stream)


def terminal_width(stream: TextIO, env: Mapping[str, str]) -> int:
    """Columns to wrap prose to: ``COLUMNS``, else the terminal's width, else 80.

    The result stays between MIN_WIDTH and MAX_WIDTH: long lines are hard to read.
    """
    width = _DEFAULT_WIDTH
    columns = env.get("COLUMNS", "")
    if columns.isdigit():
        width = int(columns)
    elif is_terminal(stream):
        try:
            width = os.get_terminal_size(stream.fileno()).columns
        except (OSError, ValueError, AttributeError):
            width = _DEFAULT_WIDTH
    return max(MIN_WIDTH, min(MAX_WIDTH, width))


class Style:
    """ANSI styling that disappears when colour is off."""

    _CODES: ClassVar[dict[str, str]] = {
        "bold": "1",
        "dim": "2",
        "red": "31",
        "green": "32",
        "yellow": "33",
        "blue": "34",
        "magenta": "35",
        "cyan": "36",
    }

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, *names: str) -> str:
        if not self.enabled or not names:
            return text
        codes = ";".join(self._CODES[name] for name in names)
        return f"\033[{codes}m{text}\033[0m"


class Console:
    """Notes, warnings and errors on stderr; JSON results on stdout; stdin and environment.

    Each stream defaults to the process's own; ``env`` defaults to ``os.environ``.
    ``stop``, once set, ends a command that serves until interrupted (``dev-provider``).
    """

    def __init__(
        self,
        out: TextIO | None = None,
        err: TextIO | None = None,
        *,
        stdin: TextIO | None = None,
        env: Mapping[str, str] | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.stdin = stdin or sys.stdin
        self.env: Mapping[str, str] = os.environ if env is None else env
        self.stop = stop
        self.err_is_tty = is_terminal(self.err)
        self._countdown_shown = False

    def note(self, text: str = "") -> None:
        """A line for the person at the terminal (stderr)."""
        self._end_countdown()
        self.err.write(f"{text}\n")
        self.err.flush()

    def warn(self, text: str) -> None:
        self.note(f"{PROG}: warning: {text}")

    def error(self, lines: list[str]) -> None:
        """An error: the first line prefixed with the program name, the rest as given."""
        if not lines:
            return
        self.note(f"{PROG}: {lines[0]}")
        for line in lines[1:]:
            self.note(line)

    def result(self, value: Any) -> None:
        """The machine-readable result: one JSON document on stdout."""
        self.out.write(json.dumps(value, indent=2, sort_keys=False, default=str) + "\n")
        self.out.flush()

    def countdown(self, remaining: float, total: float) -> None:
        """Show how long the loopback listener keeps waiting.

        On a terminal the line is rewritten in place every second; elsewhere (a log, a
        pipe read by a test) a line is written every 30 seconds so the log stays short.
        """
        seconds = max(0, int(remaining + 0.5))
        text = f"Waiting for the browser to come back: {seconds // 60}:{seconds % 60:02d} left"
        if self.err_is_tty:
            self.err.write(f"\r{text} (Ctrl-C to cancel) ")
            self._countdown_shown = True
        elif seconds % 30 == 0 and int(total) != seconds:
            self.err.write(f"{text}\n")
        self.err.flush()

    def _end_countdown(self) -> None:
        if self._countdown_shown:
            self.err.write("\n")
            self._countdown_shown = False
