"""Which client-authentication method a session uses, by name, object or callable."""

from __future__ import annotations

from typing import Any

from .._core._client_auth import BUILTIN_METHODS, JWT_METHODS, TLS_METHODS, method_name

__all__ = ["JWT_METHOD_NAMES", "ClientAuthMethods"]

JWT_METHOD_NAMES = tuple(sorted(JWT_METHODS))


def _jwt_method(name: str) -> Any:
    # Imported on first use: JOSE code is not loaded by `import grantflow`.
    from .._core._jwt_auth import ClientSecretJWT, PrivateKeyJWT

    return ClientSecretJWT() if name == "client_secret_jwt" else PrivateKeyJWT()


class ClientAuthMethods:
    """The methods a session knows: the built-ins plus any registered on it."""

    def __init__(self) -> None:
        self._registered: dict[str, Any] = {}

    def register(self, auth: Any) -> None:
        """Register an object with ``.name`` or a ``(name, func)`` tuple."""
        if isinstance(auth, tuple):
            if len(auth) != 2 or not isinstance(auth[0], str) or not callable(auth[1]):
                raise TypeError("register a (name, func) tuple or an object with .name")
            self._registered[auth[0]] = auth[1]
            return
        name = method_name(auth)
        if name is None or not callable(auth):
            raise TypeError("a client auth method object needs a .name and must be callable")
        self._registered[name] = auth

    def known_names(self) -> list[str]:
        return sorted({*BUILTIN_METHODS, *JWT_METHOD_NAMES, *self._registered})

    def resolve(self, spec: Any) -> Any:
        """The callable for ``spec`` (a name, an object or a callable)."""
        if isinstance(spec, str):
            if spec in self._registered:
                return self._registered[spec]
            if spec in BUILTIN_METHODS:
                return BUILTIN_METHODS[spec]
            if spec in JWT_METHOD_NAMES:
                method = _jwt_method(spec)
                self._registered[spec] = method
                return method
            raise ValueError(
                f"unknown client authentication method {spec!r}; known methods: "
                f"{', '.join(self.known_names())} (register others with "
                "register_client_auth_method)"
            )
        if callable(spec):
            return spec
        raise TypeError("token_endpoint_auth_method must be a name, a method object or a callable")

    @staticmethod
    def name_of(spec: Any) -> str | None:
        return spec if isinstance(spec, str) else method_name(spec)

    @staticmethod
    def is_tls(spec: Any) -> bool:
        return ClientAuthMethods.name_of(spec) in TLS_METHODS
