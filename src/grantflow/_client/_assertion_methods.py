"""The JWT bearer grant's drivers' shared part: constructor, service-account files, fields.

``AssertionSession`` (requests), ``AssertionClient`` and ``AsyncAssertionClient`` (httpx)
are this mixin over their driver; the grant itself is ``AssertionGrant``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .._core._grants import JWT_BEARER
from .._core._params import scope_to_str
from ._assertion import AssertionGrant, no_client_auth
from ._client import Client

__all__ = ["AssertionMethods"]


class _ViaGrant:
    """An attribute of the session that lives on its assertion grant."""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        if obj is None:
            return self
        return getattr(obj._client.assertion, self._name)

    def __set__(self, obj: Any, value: Any) -> None:
        setattr(obj._client.assertion, self._name, value)


class AssertionMethods:
    """The JWT bearer grant (RFC 7523 §2.1) on a driver: a fresh assertion per token."""

    _client: Client
    grant_type: Any

    JWT_BEARER_GRANT_TYPE = JWT_BEARER

    issuer = _ViaGrant()
    subject = _ViaGrant()
    audience = _ViaGrant()
    grant_type = _ViaGrant()
    claims = _ViaGrant()
    key = _ViaGrant()
    alg = _ViaGrant()
    header = _ViaGrant()

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
        super().__init__(  # type: ignore[call-arg]
            client_id=client_id,
            client_secret=client_secret,
            token_endpoint_auth_method=auth_method if auth_method is not None else no_client_auth,
            scope=scope,
            token_placement=token_placement,
            leeway=leeway,
            default_timeout=default_timeout,
            token_endpoint=token_endpoint,
            **kwargs,
        )
        self._client.assertion = AssertionGrant(
            issuer,
            subject,
            audience if audience is not None else token_endpoint,
            grant_type,
            claims,
            key,
            alg,
            header,
        )

    @classmethod
    def from_service_account_info(
        cls,
        info: Mapping[str, Any],
        scope: Any = None,
        subject: str | None = None,
        **kwargs: Any,
    ) -> Any:
        """A driver for a Google-style service-account key (``client_email``, ...)."""
        from .._core._assertion import parse_service_account_info

        account = parse_service_account_info(info)
        header = {"kid": account.private_key_id} if account.private_key_id else None
        kwargs.setdefault("audience", account.token_uri)
        if scope is not None and "scope" not in (kwargs.get("claims") or {}):
            # Google's server-to-server flow reads the scope from the assertion's claims
            # and ignores a scope form field.
            kwargs["claims"] = {**(kwargs.get("claims") or {}), "scope": scope_to_str(scope)}
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
    ) -> Any:
        """Like :meth:`from_service_account_info`, reading the JSON key file at ``path``."""
        try:
            info = json.loads(Path(path).read_text(encoding="utf-8"))
        except ValueError:
            raise ValueError("the service account file is not valid JSON") from None
        return cls.from_service_account_info(info, scope=scope, subject=subject, **kwargs)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(issuer={self.issuer!r}, subject={self.subject!r})"
