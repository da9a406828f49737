"""``AssertionSession``: the JWT bearer grant (RFC 7523 §2.1) for service accounts."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .._core._grants import JWT_BEARER, build_token_request
from .._core._params import scope_to_str
from .._core._token import OAuth2Token
from .._flows._basic import token_flow
from ._session import OAuth2Session

__all__ = ["AssertionSession"]


def _no_client_auth(
    client: Any, method: str, uri: str, headers: dict[str, str], body: str
) -> tuple[str, dict[str, str], str]:
    """The bearer assertion alone authenticates the request (RFC 7523 §3.1)."""
    return uri, headers, body


class AssertionSession(OAuth2Session):
    """A session that pays for its tokens with signed JWT assertions (RFC 7523 §2.1).

    Every token request carries a fresh assertion (new ``iat``, ``exp`` and ``jti``); a
    token is fetched on the first request and again whenever it is due.
    """

    JWT_BEARER_GRANT_TYPE = JWT_BEARER

    def __init__(
        self,
        token_endpoint: str,
        issuer: str,
        subject: str | None,
        audience: str | list[str] | None = None,
        grant_type: str | None = None,
        claims: Mapping[str, Any] | None = None,
        token_placement: str = "header",
        scope: Any = None,
        default_timeout: float | tuple[float, float] | None = None,
        leeway: int = 60,
        key: Any = None,
        alg: str | None = None,
        header: Mapping[str, Any] | None = None,
        client_id: str | None = None,
        **kwargs: Any,
    ) -> None:
        auth_method = kwargs.pop("token_endpoint_auth_method", None)
        client_secret = kwargs.pop("client_secret", None)
        super().__init__(
            client_id=client_id,
            client_secret=client_secret,
            token_endpoint_auth_method=auth_method if auth_method is not None else _no_client_auth,
            scope=scope,
            token_placement=token_placement,
            leeway=leeway,
            default_timeout=default_timeout,
            token_endpoint=token_endpoint,
            **kwargs,
        )
        self.issuer = issuer
        self.subject = subject
        self.audience = audience if audience is not None else token_endpoint
        self.grant_type = grant_type or JWT_BEARER
        self.claims = dict(claims) if claims else None
        self.key = key
        self.alg = alg
        self.header = dict(header) if header else None

    @classmethod
    def from_service_account_info(
        cls,
        info: Mapping[str, Any],
        scope: Any = None,
        subject: str | None = None,
        **kwargs: Any,
    ) -> AssertionSession:
        """A session for a Google-style service-account key (``client_email``, ``private_key``)."""
        from .._core._assertion import parse_service_account_info

        account = parse_service_account_info(info)
        header = {"kid": account.private_key_id} if account.private_key_id else None
        kwargs.setdefault("audience", account.token_uri)
        return cls(
            token_endpoint=account.token_uri,
            issuer=account.client_email,
            subject=subject,
            key=account.private_key,
            alg=kwargs.pop("alg", "RS256"),
            header=kwargs.pop("header", header),
            scope=scope,
            **kwargs,
        )

    @classmethod
    def from_service_account_file(
        cls,
        path: str | Path,
        scope: Any = None,
        subject: str | None = None,
        **kwargs: Any,
    ) -> AssertionSession:
        """Like :meth:`from_service_account_info`, reading the JSON key file at ``path``."""
        try:
            info = json.loads(Path(path).read_text(encoding="utf-8"))
        except ValueError:
            raise ValueError("the service account file is not valid JSON") from None
        return cls.from_service_account_info(info, scope=scope, subject=subject, **kwargs)

    def _assertion(self) -> str:
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

    def _assertion_params(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        params: dict[str, Any] = {"assertion": self._assertion()}
        params["scope"] = scope_to_str(kwargs.pop("scope", self.scope))
        if self.client_id:
            params["client_id"] = self.client_id
        params.update(kwargs)
        return params

    def fetch_token(
        self,
        url: str | None = None,
        body: str = "",
        method: str = "POST",
        headers: dict[str, str] | None = None,
        auth: Any = None,
        grant_type: str | None = None,
        state: str | None = None,
        **kwargs: Any,
    ) -> OAuth2Token:
        """Fetch a token with a freshly signed assertion (unless one is given)."""
        grant = grant_type or self.grant_type
        if grant == self.grant_type and "assertion" not in kwargs:
            kwargs = self._assertion_params(kwargs)
        return super().fetch_token(url, body, method, headers, auth, grant, state, **kwargs)

    def _can_refetch(self) -> bool:
        return True

    def _refetch_token(self) -> OAuth2Token:
        endpoint = self._endpoint("token_endpoint")
        request = build_token_request(endpoint, self.grant_type, self._assertion_params({}))
        return self._run(
            token_flow(request, purpose="access_token", client_auth=self._token_client_auth(None))
        )

    def __repr__(self) -> str:
        return f"AssertionSession(issuer={self.issuer!r}, subject={self.subject!r})"
