"""Client authentication at the token endpoint (RFC 6749 §2.3, RFC 8705 §2).

A method is any callable ``f(client, method, uri, headers, body) -> (uri, headers, body)``:
``client`` is the session (anything with ``client_id`` and ``client_secret``), ``body`` the
form-urlencoded request body. Objects with a ``name`` (``ClientSecretJWT``,
``PrivateKeyJWT``) are methods too. The built-ins below are plain functions.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from typing import Any, Protocol
from urllib.parse import parse_qsl, quote

from ._params import add_params_to_body

__all__ = [
    "BUILTIN_METHODS",
    "JWT_METHODS",
    "METHOD_NAMES",
    "SECRET_METHODS",
    "TLS_METHODS",
    "ClientAuthFunc",
    "ClientLike",
    "client_secret_basic",
    "client_secret_post",
    "method_name",
    "public_client",
    "tls_client_auth",
]


class ClientLike(Protocol):
    """What an authentication method may read from the client (the session)."""

    @property
    def client_id(self) -> str | None: ...

    @property
    def client_secret(self) -> Any: ...


#: ``f(client, method, uri, headers, body) -> (uri, headers, body)``
ClientAuthFunc = Callable[
    [ClientLike, str, str, dict[str, str], str], tuple[str, dict[str, str], str]
]

#: Every client authentication method name grantflow knows (RFC 6749 §2.3, RFC 7523
#: §2.2, RFC 8705 §2), in the order help texts list them; and its families.
METHOD_NAMES = (
    "client_secret_basic",
    "client_secret_post",
    "client_secret_jwt",
    "private_key_jwt",
    "tls_client_auth",
    "self_signed_tls_client_auth",
    "none",
)
SECRET_METHODS = frozenset({"client_secret_basic", "client_secret_post", "client_secret_jwt"})
JWT_METHODS = frozenset({"client_secret_jwt", "private_key_jwt"})
TLS_METHODS = frozenset({"tls_client_auth", "self_signed_tls_client_auth"})


def _form_encode(value: str) -> str:
    # RFC 6749 §2.3.1: id and secret are application/x-www-form-urlencoded before base64,
    # so a secret with ':' or '+' survives servers that decode it (oidc-provider does).
    return quote(value, safe="").replace("%20", "+")


def client_secret_basic(
    client: ClientLike, method: str, uri: str, headers: dict[str, str], body: str
) -> tuple[str, dict[str, str], str]:
    """HTTP Basic with the form-urlencoded client id and secret (RFC 6749 §2.3.1)."""
    user = _form_encode(str(client.client_id or ""))
    password = _form_encode(str(client.client_secret or ""))
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    headers = {**headers, "Authorization": f"Basic {token}"}
    return uri, headers, body


def _with_client_id(body: str, client: ClientLike) -> str:
    """``body`` naming the client once: a request that already carries ``client_id`` (a
    pushed authorization request, RFC 9126 §2.1) must not get a second one."""
    if any(name == "client_id" for name, _ in parse_qsl(body, keep_blank_values=True)):
        return body
    return add_params_to_body(body, [("client_id", str(client.client_id or ""))])


def client_secret_post(
    client: ClientLike, method: str, uri: str, headers: dict[str, str], body: str
) -> tuple[str, dict[str, str], str]:
    """The client id and secret as form parameters (RFC 6749 §2.3.1)."""
    body = _with_client_id(body, client)
    body = add_params_to_body(body, [("client_secret", str(client.client_secret or ""))])
    return uri, headers, body


def public_client(
    client: ClientLike, method: str, uri: str, headers: dict[str, str], body: str
) -> tuple[str, dict[str, str], str]:
    """``none``: a public client identifies itself with ``client_id`` only (RFC 6749 §3.2.1)."""
    return uri, headers, _with_client_id(body, client)


def tls_client_auth(
    client: ClientLike, method: str, uri: str, headers: dict[str, str], body: str
) -> tuple[str, dict[str, str], str]:
    """Mutual TLS: the certificate authenticates; the body names the client (RFC 8705 §2)."""
    return public_client(client, method, uri, headers, body)


BUILTIN_METHODS: Mapping[str, ClientAuthFunc] = {
    "client_secret_basic": client_secret_basic,
    "client_secret_post": client_secret_post,
    "none": public_client,
    "tls_client_auth": tls_client_auth,
    "self_signed_tls_client_auth": tls_client_auth,
}


def method_name(method: object) -> str | None:
    """The registered name of an auth method object, or None for a bare callable."""
    name = getattr(method, "name", None)
    return name if isinstance(name, str) else None
