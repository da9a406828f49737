"""grantflow: OAuth 2.0 and OpenID Connect for requests — every grant, secure by default.

The public names live here; everything else is private and may change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._core._token import OAuth2Token
from ._requests._assertion import AssertionSession
from ._requests._auth import OAuth2Auth
from ._requests._session import OAuth2Session
from ._stores._base import TokenStore
from ._stores._memory import MemoryTokenStore
from .errors import (
    AuthorizationError,
    InsecureTransportError,
    InvalidIDTokenError,
    InvalidResponseError,
    InvalidTokenError,
    MismatchingStateError,
    MissingTokenError,
    OAuthError,
    TokenStoreError,
    UnsupportedTokenTypeError,
)

if TYPE_CHECKING:
    from ._core._jwt_auth import ClientSecretJWT, PrivateKeyJWT

__version__ = "0.1.0"

__all__ = [
    "AssertionSession",
    "AuthorizationError",
    "ClientSecretJWT",
    "InsecureTransportError",
    "InvalidIDTokenError",
    "InvalidResponseError",
    "InvalidTokenError",
    "MemoryTokenStore",
    "MismatchingStateError",
    "MissingTokenError",
    "OAuth2Auth",
    "OAuth2Session",
    "OAuth2Token",
    "OAuthError",
    "PrivateKeyJWT",
    "TokenStore",
    "TokenStoreError",
    "UnsupportedTokenTypeError",
]

_LAZY = {"ClientSecretJWT": "_core._jwt_auth", "PrivateKeyJWT": "_core._jwt_auth"}


def __getattr__(name: str) -> Any:
    # JOSE code is imported on first use, so `import grantflow` stays cheap.
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'grantflow' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
