"""How a token fetched by client credentials (or an assertion) can be fetched again."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._core._frozen import Frozen
from ._call import TokenCall

__all__ = ["RefetchSpec"]


class RefetchSpec(Frozen):
    """How the current token was fetched by client credentials, to fetch it again: the
    call as it was made and the grant's form parameters."""

    __slots__ = ("call", "params")
    call: TokenCall
    params: dict[str, Any]

    def __init__(self, call: TokenCall, params: Mapping[str, Any]) -> None:
        self._set(call=call, params=dict(params))

    def __repr__(self) -> str:
        return f"RefetchSpec(url={self.call.url!r})"
