"""One typed parameter list for twin methods (``revoke_token`` and ``introspect_token``).

``@same_parameters(model)`` gives the decorated function ``model``'s parameters for
``help()`` and ``inspect.signature`` (through ``__wrapped__``) and for type checkers (a
``ParamSpec``); the reference site reads them through ``scripts/mkdocs/parameters.py``.
The function itself takes ``*args, **kwargs`` and hands them to ``model`` to bind.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

__all__ = ["same_parameters"]

P = ParamSpec("P")
R = TypeVar("R")


def same_parameters(model: Callable[P, Any]) -> Callable[[Callable[..., R]], Callable[P, R]]:
    """Declare that the decorated function takes ``model``'s parameters."""

    def declare(function: Callable[..., R]) -> Callable[P, R]:
        function.__wrapped__ = model  # type: ignore[attr-defined]
        return function

    return declare
