"""Griffe extension: a method declared ``@same_parameters(model)`` shows ``model``'s
parameters on the site, as ``help()`` and type checkers show them.

``revoke_token`` and ``introspect_token`` share one typed parameter list
(``src/grantflow/_client/_signature.py``); in the source each takes ``*args, **kwargs``,
which is all griffe would read without this.
"""

from __future__ import annotations

import ast
from typing import Any

import griffe

__all__ = ["SameParameters"]


class SameParameters(griffe.Extension):
    """Copy the model's parameters onto each function that declares them."""

    def on_function_instance(
        self, *, node: ast.AST | griffe.ObjectNode, func: griffe.Function, **kwargs: Any
    ) -> None:
        for decorator in func.decorators:
            call = decorator.value
            if not isinstance(call, griffe.ExprCall) or not call.arguments:
                continue
            if str(call.function).rsplit(".", 1)[-1] != "same_parameters":
                continue
            model = func.parent.members.get(str(call.arguments[0])) if func.parent else None
            if isinstance(model, griffe.Function):
                func.parameters = griffe.Parameters(*model.parameters)
