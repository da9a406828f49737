"""What goes on the wire for a request grantflow makes itself, whatever the transport.

Order (api.md §2, §9): the secure-transport check, then the request compliance hooks,
then client authentication (so a hook that moves the endpoint also moves a JWT
assertion's audience), then a GET's form moves into the query, then a DPoP proof for
the URL that is sent. The values the request
carries that are secret are collected, so error messages can be redacted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from .._core._client_auth import tls_client_auth
from .._core._frozen import Frozen
from .._core._https import check_secure_transport
from .._core._params import add_params_to_uri
from .._core._secrets import sensitive_values
from .._flows._drive import Send
from ._auth_methods import JWT_METHOD_NAMES, ClientAuthMethods

if TYPE_CHECKING:
    from ._client import Client

__all__ = [
    "WireRequest",
    "check_client_auth",
    "needs_certificate",
    "prepare",
]

_NO_CERTIFICATE = (
    "tls_client_auth / self_signed_tls_client_auth need a client certificate: "
    "pass cert=(cert_file, key_file) (RFC 8705 §2)"
)


class WireRequest(Frozen):
    """A request ready for a transport: ``native_auth`` is a transport's own auth object
    (a ``requests`` ``AuthBase``, say) that the transport applies itself, else None."""

    __slots__ = ("body", "headers", "method", "native_auth", "secrets", "url")
    method: str
    url: str
    headers: dict[str, str]
    body: str
    secrets: list[str]
    native_auth: Any

    def __init__(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        body: str,
        secrets: list[str],
        native_auth: Any = None,
    ) -> None:
        self._set(
            method=method,
            url=url,
            headers=headers,
            body=body,
            secrets=secrets,
            native_auth=native_auth,
        )

    @property
    def sets_authorization(self) -> bool:
        return any(name.lower() == "authorization" for name in self.headers)

    def __repr__(self) -> str:
        return f"WireRequest({self.method} {self.url.split('?', 1)[0]})"


def needs_certificate(client_auth: Any) -> bool:
    """Whether ``client_auth`` is mutual TLS, which needs the transport's client cert."""
    return client_auth is tls_client_auth or ClientAuthMethods.is_tls(client_auth)


def prepare(
    step: Send,
    client: Client,
    owner: Any,
    *,
    has_certificate: bool,
    is_native_auth: Any = None,
) -> WireRequest:
    """The wire form of ``step``; ``owner`` is what client-auth callables receive as
    their ``client`` (the session or httpx client, as in api.md §2)."""
    req = step.request
    check_secure_transport(req.url)
    if step.client_auth is not None and needs_certificate(step.client_auth) and not has_certificate:
        raise ValueError(_NO_CERTIFICATE)
    url, headers = req.url, dict(req.headers)
    body = req.body.decode("utf-8") if req.body is not None else ""
    if step.purpose is not None:
        url, headers, body = client.hooks.run_request(step.purpose, url, headers, body)
    native = None
    if is_native_auth is not None and is_native_auth(step.client_auth):
        native = step.client_auth
    elif step.client_auth is not None:
        url, headers, body = step.client_auth(owner, req.method, url, headers, body)
    if req.method == "GET" and body:
        url, body = add_params_to_uri(url, parse_qsl(body, keep_blank_values=True)), ""
    if step.proof is not None:
        # RFC 9449 §4: made last, on the URL that is sent, once per attempt (so a retry
        # after use_dpop_nonce carries the new nonce and a fresh jti).
        headers["DPoP"] = step.proof.make(req.method, url)
    secrets = sensitive_values(url, body)
    for name, field in headers.items():
        if name.lower() == "authorization" and " " in field:
            # Basic's base64 (id:secret) or a bearer value: as secret as the form's.
            secrets.append(field.split(" ", 1)[1].strip())
    return WireRequest(req.method, url, headers, body, secrets, native)


def check_client_auth(client: Client, owner: Any, *, has_certificate: bool) -> None:
    """Refuse at construction a client authentication that can never work.

    A mutual-TLS method without a certificate (RFC 8705 §2), a JWT method whose key
    cannot sign with its algorithm. Other names may still be registered later, so an
    unknown name is resolved on first use (api.md §2).
    """
    spec = client.token_endpoint_auth_method
    if ClientAuthMethods.is_tls(spec) and not has_certificate:
        raise ValueError(_NO_CERTIFICATE)
    if isinstance(spec, str) and spec in JWT_METHOD_NAMES:
        spec = client.auth_methods.resolve(spec)
    check = getattr(spec, "check_client", None)
    if callable(check):
        check(owner)
