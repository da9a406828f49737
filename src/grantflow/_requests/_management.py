"""Token revocation (RFC 7009) and introspection (RFC 7662)."""

from __future__ import annotations

from typing import Any

import requests

from .._core._grants import build_form_request
from .._core._http import HttpResponse
from .._core._responses import parse_json_object
from .._flows._drive import Send
from ..errors import InvalidResponseError, MissingTokenError
from ._base import SessionBase, scrubbed, split_request_options

__all__ = ["TokenManagementMixin"]


class TokenManagementMixin(SessionBase):
    """``revoke_token`` and ``introspect_token`` for :class:`OAuth2Session`."""

    revocation_endpoint_auth_method: Any
    token_endpoint_auth_method: Any

    def _token_param(self, token: str | None, hint: str | None) -> tuple[str, str | None]:
        if token is not None:
            return token, hint
        current: dict[str, Any] = getattr(self, "token", None) or {}
        field = hint if hint in ("access_token", "refresh_token") else "access_token"
        value = current.get(field)
        if not value:
            raise MissingTokenError(description=f"the session has no {field} to send")
        return str(value), hint or "access_token"

    def _token_endpoint_call(
        self,
        endpoint_name: str,
        purpose: str,
        client_auth: Any,
        url: str | None,
        token: str | None,
        token_type_hint: str | None,
        body: str | None,
        headers: dict[str, str] | None,
        kwargs: dict[str, Any],
    ) -> tuple[HttpResponse, requests.Response]:
        kwargs = dict(kwargs)
        options = split_request_options(kwargs)
        endpoint = url or self._endpoint(endpoint_name)
        value, hint = self._token_param(token, token_type_hint)
        request = build_form_request(
            endpoint,
            {"token": value, "token_type_hint": hint, **kwargs},
            body=body or "",
            headers=headers,
        )
        return self._send_step(Send(request, purpose, client_auth), options)

    @scrubbed
    def revoke_token(
        self,
        url: str | None = None,
        token: str | None = None,
        token_type_hint: str | None = None,
        body: str | None = None,
        auth: Any = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """Revoke a token (RFC 7009); the session's access token when ``token`` is None."""
        client_auth = self._token_client_auth(auth, self.revocation_endpoint_auth_method)
        response, raw = self._token_endpoint_call(
            "revocation_endpoint",
            "revoke_token",
            client_auth,
            url,
            token,
            token_type_hint,
            body,
            headers,
            kwargs,
        )
        if response.status_code != 200:
            # RFC 7009 §2.2.1: errors are RFC 6749 §5.2 bodies; anything else is not OAuth.
            parse_json_object(response, "revocation endpoint")
        return raw

    @scrubbed
    def introspect_token(
        self,
        url: str | None = None,
        token: str | None = None,
        token_type_hint: str | None = None,
        body: str | None = None,
        auth: Any = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """Ask whether a token is active (RFC 7662); the answer's JSON has ``active``."""
        client_auth = self._token_client_auth(auth)
        response, raw = self._token_endpoint_call(
            "introspection_endpoint",
            "introspect_token",
            client_auth,
            url,
            token,
            token_type_hint,
            body,
            headers,
            kwargs,
        )
        data = parse_json_object(response, "introspection endpoint")
        if not isinstance(data.get("active"), bool):
            raise InvalidResponseError(
                description="the introspection response has no boolean 'active' (RFC 7662 §2.2)",
                status_code=response.status_code,
            )
        return raw
