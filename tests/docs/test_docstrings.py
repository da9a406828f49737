"""Every public name's docstring says what it does, its parameters and what it raises.

The API reference is generated from these docstrings (Google style, read by
mkdocstrings), so a parameter missing here is missing from the site. For each public
class (its constructor) and each public function or method: a summary line, an
``Args:`` entry for every parameter, and a ``Raises:`` section (or the words "raises
nothing", for the few that raise no error of their own).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import grantflow
import grantflow.compliance
import grantflow.httpx
import grantflow.testing

_SKIP_PARAMS = {"self", "cls", "args"}


def _public_callables() -> Iterator[tuple[str, Callable[..., Any], Any]]:
    modules = [
        ("grantflow", grantflow),
        ("grantflow.httpx", grantflow.httpx),
        ("grantflow.compliance", grantflow.compliance),
        ("grantflow.testing", grantflow.testing),
    ]
    seen: set[int] = set()
    for prefix, module in modules:
        for name in module.__all__:
            value = getattr(module, name)
            if inspect.isclass(value):
                yield f"{prefix}.{name}", value, value
                for attr, member in vars(value).items():
                    if attr.startswith("_") or not inspect.isfunction(member):
                        continue
                    if id(member) not in seen:
                        seen.add(id(member))
                        yield f"{prefix}.{name}.{attr}", member, value
                for base in value.__mro__[1:]:
                    if base.__module__.startswith("grantflow._client._methods"):
                        for attr, member in vars(base).items():
                            public = not attr.startswith("_") and inspect.isfunction(member)
                            if public and id(member) not in seen:
                                seen.add(id(member))
                                yield f"OAuthMethods.{attr}", member, base
            elif inspect.isfunction(value):
                yield f"{prefix}.{name}", value, None


def _parameters(target: Callable[..., Any]) -> list[str]:
    if inspect.isclass(target) and issubclass(target, Exception) and "__init__" not in vars(target):
        return []  # the errors share OAuthError's constructor, documented there
    if inspect.isclass(target) and getattr(target, "_is_protocol", False):
        return []  # a Protocol (TokenStore) is implemented, never instantiated
    function = target.__init__ if inspect.isclass(target) else target
    if function is object.__init__ or not inspect.isfunction(function):
        return []  # a builtin's constructor (dict's, for DeviceAuthorization)
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return []
    names = []
    for parameter in signature.parameters.values():
        if parameter.name in _SKIP_PARAMS:
            continue
        if parameter.kind is inspect.Parameter.VAR_KEYWORD:
            names.append("**" + parameter.name)
        elif parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            names.append("*" + parameter.name)
        else:
            names.append(parameter.name)
    return names


#: Public names whose docstrings do not yet list every parameter and error. Each is
#: expected to fail (strictly: once one is documented, the test says to remove it here).
#: Empty: every public name is documented.
NOT_YET_DOCUMENTED: frozenset[str] = frozenset()

CASES = sorted(_public_callables(), key=lambda case: case[0])


def test_there_are_public_names_to_check() -> None:
    assert len(CASES) > 60


def _case(name: str, target: Any, owner: Any) -> Any:
    if name in NOT_YET_DOCUMENTED:
        return pytest.param(
            name, target, owner, id=name, marks=pytest.mark.xfail(strict=True, reason="to do")
        )
    return pytest.param(name, target, owner, id=name)


@pytest.mark.parametrize(("name", "target", "owner"), [_case(*case) for case in CASES])
def test_docstring_documents_parameters_and_raises(
    name: str, target: Callable[..., Any], owner: Any
) -> None:
    doc = inspect.getdoc(target) or ""
    assert doc.strip(), f"{name} has no docstring"
    params = _parameters(target)
    if params:
        assert "Args:" in doc, f"{name}: no Args section for {params}"
        section = doc.split("Args:", 1)[1]
        for param in params:
            bare = param.lstrip("*")
            assert f"{param}:" in section or f"{bare}:" in section or f"{bare} (" in section, (
                f"{name}: parameter {param} undocumented"
            )
    if inspect.isfunction(target) or params:
        says = "Raises:" in doc or "raises nothing" in doc.lower()
        assert says, f"{name}: neither a Raises section nor 'raises nothing'"
