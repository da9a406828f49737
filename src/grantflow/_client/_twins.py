"""What twin public callables share: one typed parameter list, one docstring section.

- ``@same_parameters(model)`` gives the decorated function ``model``'s parameters for
  ``help()`` and ``inspect.signature`` (through ``__wrapped__``) and for type checkers (a
  ``ParamSpec``); the function itself takes ``*args, **kwargs`` and hands them to
  ``model`` to bind (``revoke_token`` and ``introspect_token``).
- ``@with_sections(text, **fields)`` appends ``text.format(**fields)`` (Args, Returns,
  Raises) to the decorated object's own docstring, for twins that document the same
  constructor or the same result (the requests and httpx ``OAuth2Auth``, the sync and
  async httpx clients). Their summaries stay literal in the source.

The reference site reads both through ``scripts/mkdocs/twins.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

__all__ = ["same_parameters", "with_sections"]

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")


def same_parameters(model: Callable[P, Any]) -> Callable[[Callable[..., R]], Callable[P, R]]:
    """Declare that the decorated function takes ``model``'s parameters."""

    def declare(function: Callable[..., R]) -> Callable[P, R]:
        function.__wrapped__ = model  # type: ignore[attr-defined]
        return function

    return declare


def with_sections(text: str, **fields: str) -> Callable[[T], T]:
    """Append the docstring sections ``text`` (written flush left, formatted with
    ``fields``) to the decorated class's or function's docstring, at its indentation."""

    def append(documented: T) -> T:
        own = (documented.__doc__ or "").rstrip()
        margins = [len(line) - len(line.lstrip()) for line in own.splitlines()[1:] if line.strip()]
        indent = " " * min(margins, default=0)
        lines = text.format(**fields).strip("\n").splitlines()
        sections = "\n".join(indent + line if line.strip() else "" for line in lines)
        documented.__doc__ = f"{own}\n\n{sections}\n{indent}"
        return documented

    return append
