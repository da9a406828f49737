"""Read-only value classes without the ``dataclasses`` module.

grantflow's frozen values are ``@dataclass(frozen=True, slots=True)``, except the ones
``from grantflow import OAuth2Session`` (or ``grantflow.httpx``) loads: flow steps, HTTP
messages, token calls, lookups and the like use this base instead. ``dataclasses``
imports ``inspect``, and each frozen dataclass compiles its methods when its module
loads: about 6 ms for the module and 0.75 ms a class, which for those 18 classes would
take the import past its goal (bench/bench_import_time.py: at most 1.25x requests' or
httpx's own import). ``DPoPKey`` uses it too: its fields are derived from its
constructor's arguments. A value here declares ``__slots__`` and its fields and sets
them once, in ``__init__``, through ``_set``.
"""

from __future__ import annotations

from typing import Any, NoReturn

__all__ = ["Frozen"]


class Frozen:
    """A slotted value whose attributes are set once, in ``__init__``, through ``_set``."""

    __slots__: tuple[str, ...] = ()

    def _set(self, **values: Any) -> None:
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> NoReturn:
        raise AttributeError(f"{type(self).__name__} is read-only: cannot set {name!r}")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"{type(self).__name__} is read-only: cannot delete {name!r}")

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in self.__slots__)

    def __hash__(self) -> int:
        return hash((type(self), *(_hashable(getattr(self, n)) for n in self.__slots__)))


def _hashable(value: Any) -> Any:
    """Mappings hash by their items, so values holding headers can still be hashed."""
    if hasattr(value, "items"):
        return tuple(sorted(value.items()))
    return value
