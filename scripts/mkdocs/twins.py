"""Griffe extensions for what twin public callables share (src/grantflow/_client/_twins.py).

- ``SameParameters``: a method declared ``@same_parameters(model)`` shows ``model``'s
  parameters, as ``help()`` and type checkers do; in the source it takes
  ``*args, **kwargs``, which is all griffe would read without this.
- ``WithSections``: an object decorated ``@with_sections(...)`` gets the docstring it
  has at run time (its literal summary and the shared Args, Returns or Raises).
"""

from __future__ import annotations

import ast
import inspect
from typing import Any

import griffe

__all__ = ["SameParameters", "WithSections"]


def _decorator_calls(obj: griffe.Class | griffe.Function, name: str) -> list[griffe.ExprCall]:
    calls = []
    for decorator in obj.decorators:
        call = decorator.value
        if isinstance(call, griffe.ExprCall) and str(call.function).rsplit(".", 1)[-1] == name:
            calls.append(call)
    return calls


class SameParameters(griffe.Extension):
    """Copy the model's parameters onto each function that declares them."""

    def on_function_instance(
        self, *, node: ast.AST | griffe.ObjectNode, func: griffe.Function, **kwargs: Any
    ) -> None:
        for call in _decorator_calls(func, "same_parameters"):
            model = func.parent.members.get(str(call.arguments[0])) if func.parent else None
            if isinstance(model, griffe.Function):
                func.parameters = griffe.Parameters(*model.parameters)


class WithSections(griffe.Extension):
    """Take the run-time docstring of each object decorated ``@with_sections``."""

    def _take_runtime_doc(self, obj: griffe.Class | griffe.Function) -> None:
        if not _decorator_calls(obj, "with_sections"):
            return
        runtime = griffe.dynamic_import(obj.path)
        doc = inspect.getdoc(runtime) or ""
        lineno = obj.docstring.lineno if obj.docstring else obj.lineno
        obj.docstring = griffe.Docstring(doc, lineno=lineno, parent=obj)

    def on_class_members(
        self, *, node: ast.AST | griffe.ObjectNode, cls: griffe.Class, **kwargs: Any
    ) -> None:
        self._take_runtime_doc(cls)

    def on_function_instance(
        self, *, node: ast.AST | griffe.ObjectNode, func: griffe.Function, **kwargs: Any
    ) -> None:
        self._take_runtime_doc(func)
