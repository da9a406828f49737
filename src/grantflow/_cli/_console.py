"""Where the command's words go: machine-readable JSON on stdout, notes on stderr.

stdout carries only what a script consumes (a token, metadata, claims), so it can be
piped into ``jq``; everything addressed to a person goes to stderr. Colour is used only
on a terminal and never when ``NO_COLOR`` is set (https://no-color.org).
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any, ClassVar, TextIO

__all__ = ["Console", "Style", "colour_wanted"]

PROG = "grantflow"


def colour_wanted(stream: TextIO, choice: str = "auto") -> bool:
    """Whether to colour ``stream``: ``always``, ``never``, or ``auto`` (a TTY, no NO_COLOR)."""
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


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
    """Notes, warnings and errors on stderr; JSON results on stdout."""

    def __init__(self, out: TextIO | None = None, err: TextIO | None = None) -> None:
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        isatty = getattr(self.err, "isatty", None)
        self.err_is_tty = bool(isatty and isatty())
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
