"""The JWT bearer grant (RFC 7523 §2.1): every token paid for with a fresh assertion."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._core._grants import JWT_BEARER, build_token_request
from .._core._params import scope_to_str
from .._core._token import OAuth2Token
from .._flows._drive import Flow
from ._dpop import token_request
from ._metadata import endpoint

if TYPE_CHECKING:
    from ._client import Client

__all__ = ["AssertionGrant", "no_client_auth"]


def no_client_auth(
    client: Any, method: str, uri: str, headers: dict[str, str], body: str
) -> tuple[str, dict[str, str], str]:
    """The bearer assertion alone authenticates the request (RFC 7523 §3.1)."""
    return uri, headers, body


class AssertionGrant:
    """What an assertion carries (issuer, subject, audience, key); builds one per request."""

    def __init__(
        self,
        issuer: str,
        subject: str | None,
        audience: str | list[str],
        grant_type: str | None = None,
        claims: Mapping[str, Any] | None = None,
        key: Any = None,
        alg: str | None = None,
        header: Mapping[str, Any] | None = None,
    ) -> None:
        self.issuer = issuer
        self.subject = subject
        self.audience = audience
        self.grant_type = grant_type or JWT_BEARER
        self.claims = dict(claims) if claims else None
        self.key = key
        self.alg = alg
        self.header = dict(header) if header else None

    def assertion(self) -> str:
        """A freshly signed assertion: new ``iat``, ``exp`` and ``jti`` (RFC 7523 §3)."""
        from .._core._assertion import build_jwt_bearer_assertion

        return build_jwt_bearer_assertion(
            issuer=self.issuer,
            subject=self.subject,
            audience=self.audience,
            key=self.key,
            alg=self.alg,
            claims=self.claims,
            header=self.header,
            now=time.time,
        )

    def params(self, client: Client, kwargs: dict[str, Any]) -> dict[str, Any]:
        """The grant's form parameters: the assertion, ``scope`` and ``client_id`` when set."""
        params: dict[str, Any] = {"assertion": self.assertion()}
        params["scope"] = scope_to_str(kwargs.pop("scope", client.scope))
        if client.client_id:
            params["client_id"] = client.client_id
        params.update(kwargs)
        return params

    def fetch_params(
        self, client: Client, grant_type: str | None, kwargs: dict[str, Any]
    ) -> tuple[str, dict[str, Any]]:
        """``fetch_token``'s grant and form parameters: by default this grant, with a
        freshly signed assertion unless the caller gave one."""
        grant = grant_type or self.grant_type
        if grant == self.grant_type and "assertion" not in kwargs:
            kwargs = self.params(client, kwargs)
        return grant, kwargs

    def fetch(self, client: Client) -> Flow[OAuth2Token]:
        """A new token for ``client`` by this grant (the renewal of an assertion session)."""
        endpoint_url = yield from endpoint(client, "token_endpoint")
        request = build_token_request(endpoint_url, self.grant_type, self.params(client, {}))
        return (
            yield from token_request(
                client, request, purpose="access_token", client_auth=client.client_auth(None)
            )
        )

    def __repr__(self) -> str:
        return f"AssertionGrant(issuer={self.issuer!r}, subject={self.subject!r})"
