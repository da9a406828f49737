"""grantflow: OAuth 2.0 and OpenID Connect for requests — every grant, secure by default.

The public names live here; everything else is private and may change. The session,
auth, store and JOSE-backed classes (and the protocol constants) are imported on first
use (PEP 562), so ``import grantflow`` stays cheap for programs that only need, say,
the errors.
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
    from ._core._device import DeviceAuthorization
    from ._core._dpop import DPoPKey
    from ._core._exchange import (
        ACCESS_TOKEN_TYPE,
        ID_TOKEN_TYPE,
        JWT_TOKEN_TYPE,
        REFRESH_TOKEN_TYPE,
        SAML1_TOKEN_TYPE,
        SAML2_TOKEN_TYPE,
    )
    from ._core._jwt_auth import ClientSecretJWT, PrivateKeyJWT
    from ._core._retry_policy import RetryPolicy
    from ._requests._assertion import AssertionSession
    from ._requests._auth import OAuth2Auth
    from ._requests._session import OAuth2Session
    from ._stores._base import TokenStore
    from ._stores._file import FileTokenStore
    from ._stores._memory import MemoryTokenStore
    from ._stores._redis import RedisTokenStore

__version__ = "0.1.0"

# Plainly sorted (a test checks it), constants among the classes.
__all__ = [  # noqa: RUF022
    "ACCESS_TOKEN_TYPE",
    "AssertionSession",
    "AuthorizationError",
    "ClientSecretJWT",
    "DPoPKey",
    "DeviceAuthorization",
    "FileTokenStore",
    "ID_TOKEN_TYPE",
    "InsecureTransportError",
    "InvalidIDTokenError",
    "InvalidResponseError",
    "InvalidTokenError",
    "JWT_TOKEN_TYPE",
    "MemoryTokenStore",
    "MismatchingStateError",
    "MissingTokenError",
    "OAuth2Auth",
    "OAuth2Session",
    "OAuth2Token",
    "OAuthError",
    "PrivateKeyJWT",
    "REFRESH_TOKEN_TYPE",
    "RedisTokenStore",
    "RetryPolicy",
    "SAML1_TOKEN_TYPE",
    "SAML2_TOKEN_TYPE",
    "TokenStore",
    "TokenStoreError",
    "UnsupportedTokenTypeError",
]

_LAZY = {
    "ACCESS_TOKEN_TYPE": "._core._exchange",
    "AssertionSession": "._requests._assertion",
    "ClientSecretJWT": "._core._jwt_auth",
    "DPoPKey": "._core._dpop",
    "DeviceAuthorization": "._core._device",
    "FileTokenStore": "._stores._file",
    "ID_TOKEN_TYPE": "._core._exchange",
    "JWT_TOKEN_TYPE": "._core._exchange",
    "MemoryTokenStore": "._stores._memory",
    "OAuth2Auth": "._requests._auth",
    "OAuth2Session": "._requests._session",
    "PrivateKeyJWT": "._core._jwt_auth",
    "REFRESH_TOKEN_TYPE": "._core._exchange",
    "RedisTokenStore": "._stores._redis",
    "RetryPolicy": "._core._retry_policy",
    "SAML1_TOKEN_TYPE": "._core._exchange",
    "SAML2_TOKEN_TYPE": "._core._exchange",
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
