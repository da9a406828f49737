"""grantflow: OAuth 2.0 and OpenID Connect for requests — every grant, secure by default.

The public names live here; everything else is private and may change. The session,
auth and store classes are imported on first use (PEP 562), so ``import grantflow``
stays cheap for programs that only need, say, the errors.
"""

from __future__ import annotations

from importlib import import_module as _import_module
from typing import TYPE_CHECKING, Any

from ._core._token import OAuth2Token
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
    from ._core._dpop import DPoPKey
    from ._core._jwt_auth import ClientSecretJWT, PrivateKeyJWT
    from ._requests._assertion import AssertionSession
    from ._requests._auth import OAuth2Auth
    from ._requests._session import OAuth2Session
    from ._stores._base import TokenStore
    from ._stores._file import FileTokenStore
    from ._stores._memory import MemoryTokenStore
    from ._stores._redis import RedisTokenStore

__version__ = "0.1.0"

__all__ = [
    "AssertionSession",
    "AuthorizationError",
    "ClientSecretJWT",
    "DPoPKey",
    "FileTokenStore",
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
    "RedisTokenStore",
    "TokenStore",
    "TokenStoreError",
    "UnsupportedTokenTypeError",
]

_LAZY = {
    "AssertionSession": "._requests._assertion",
    "ClientSecretJWT": "._core._jwt_auth",
    "DPoPKey": "._core._dpop",
    "FileTokenStore": "._stores._file",
    "MemoryTokenStore": "._stores._memory",
    "OAuth2Auth": "._requests._auth",
    "OAuth2Session": "._requests._session",
    "PrivateKeyJWT": "._core._jwt_auth",
    "RedisTokenStore": "._stores._redis",
    "TokenStore": "._stores._base",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'grantflow' has no attribute {name!r}")
    value = getattr(_import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
