"""Helpers for the leak tests (this module holds no tests): every text an error can show.

A secret leaks through an exception not only in ``str(e)``: ``repr``, ``args``, the
chained ``__cause__`` / ``__context__`` (error reporters walk both, whatever
``__suppress_context__`` says) and nested exceptions in ``args`` all end up in logs.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterable

__all__ = ["assert_absent", "exception_texts"]


def exception_texts(error: BaseException) -> list[str]:
    """Every text ``error`` and its chain can show: str, repr, args, causes, contexts."""
    texts: list[str] = []
    seen: set[int] = set()
    todo: list[BaseException] = [error]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        texts += [str(current), repr(current)]
        for arg in current.args:
            texts += [str(arg), repr(arg)]
            if isinstance(arg, BaseException):
                todo.append(arg)
        for attr in ("description", "uri", "reason"):
            value = getattr(current, attr, None)
            if value is not None:
                texts.append(str(value))
                if isinstance(value, BaseException):
                    todo.append(value)
        for linked in (current.__cause__, current.__context__):
            if linked is not None:
                todo.append(linked)
    texts.append("".join(traceback.format_exception(error)))
    return texts


def assert_absent(secrets: Iterable[str], texts: Iterable[str], where: str) -> None:
    """Fail naming the first secret found in any of ``texts``."""
    wanted = [s for s in secrets if s]
    for text in texts:
        for secret in wanted:
            assert secret not in text, f"{secret!r} shows in {where}: {text[:300]!r}"
