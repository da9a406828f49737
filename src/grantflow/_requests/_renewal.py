"""Renewing tokens: explicit refresh, and the refresh or re-fetch a due token triggers.

The token source decides *when* (once per expiry, for any number of threads); this
module decides *how*: the refresh grant when there is a refresh token, else the grant
that got the current token when it can be repeated (client credentials), else a typed
error. ``update_token`` hears of every renewal once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .._core._grants import CLIENT_CREDENTIALS, REFRESH_TOKEN, build_token_request
from .._core._params import scope_to_str
from .._core._token import OAuth2Token
from .._flows._basic import token_flow
from .._sources._source import Lookup, TokenSource
from ..errors import InvalidTokenError, MissingTokenError
from ._base import scrubbed, split_request_options
from ._oidc import OpenIDMixin

__all__ = ["RenewalMixin"]


class RenewalMixin(OpenIDMixin):
    """``refresh_token``, ``ensure_active_token`` and the renewal the token source asks for."""

    scope: Any
    update_token: Callable[..., Any] | None
    _refetch: dict[str, Any] | None

    @scrubbed
    def refresh_token(
        self,
        url: str | None = None,
        refresh_token: str | None = None,
        body: str = "",
        auth: Any = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> OAuth2Token:
        """Refresh the token (RFC 6749 §6); the old refresh token is kept if none comes back."""
        previous = self._source.token
        old_refresh = refresh_token or (previous.get("refresh_token") if previous else None)
        if not old_refresh:
            raise MissingTokenError(description="no refresh token to refresh with")
        token = self._refresh(url, old_refresh, body, auth, headers, kwargs, previous)
        self._source.set(token)
        self._notify_update(token, previous, refreshed_with=old_refresh)
        return token

    def _refresh(
        self,
        url: str | None,
        refresh_token: str,
        body: str,
        auth: Any,
        headers: dict[str, str] | None,
        kwargs: dict[str, Any],
        previous: OAuth2Token | None,
    ) -> OAuth2Token:
        kwargs = dict(kwargs)
        options = split_request_options(kwargs)
        endpoint = url or self._endpoint("token_endpoint")
        params = {"refresh_token": refresh_token, **kwargs}
        if "scope" in params:
            params["scope"] = scope_to_str(params["scope"])
        request = build_token_request(endpoint, REFRESH_TOKEN, params, body=body, headers=headers)
        token = self._run(
            token_flow(
                request,
                purpose="refresh_token",
                client_auth=self._token_client_auth(auth),
                previous_refresh_token=refresh_token,
            ),
            options,
        )
        return self._check_token_id_token(token, previous=previous)

    def _can_refetch(self) -> bool:
        if self._refetch is not None:
            return True
        return self.metadata.get("grant_type") == CLIENT_CREDENTIALS and bool(
            self._optional_endpoint("token_endpoint")
        )

    def _refetch_token(self) -> OAuth2Token:
        """A new token by the remembered client-credentials grant (no state is changed)."""
        spec = self._refetch or {
            "url": None,
            "params": {"scope": scope_to_str(self.scope)},
            "body": "",
            "method": "POST",
            "headers": None,
            "auth": None,
            "options": {},
        }
        endpoint = spec["url"] or self._endpoint("token_endpoint")
        request = build_token_request(
            endpoint,
            CLIENT_CREDENTIALS,
            spec["params"],
            body=spec["body"],
            method=spec["method"],
            headers=spec["headers"],
        )
        token = self._run(
            token_flow(
                request, purpose="access_token", client_auth=self._token_client_auth(spec["auth"])
            ),
            spec["options"],
        )
        return self._check_token_id_token(token)

    @scrubbed
    def _renew(self, current: OAuth2Token | None) -> OAuth2Token:
        """A renewed token for ``current``: refresh when possible, else re-fetch."""
        if current is not None and current.get("refresh_token"):
            return self._refresh(None, current["refresh_token"], "", None, None, {}, current)
        if self._can_refetch():
            return self._refetch_token()
        if current is None:
            raise MissingTokenError(
                description="no access token: fetch one first (fetch_token) or give token="
            )
        raise InvalidTokenError(
            description="the access token has expired and there is no refresh token or "
            "client-credentials grant to renew it with"
        )

    def _notify_update(
        self,
        token: OAuth2Token,
        previous: OAuth2Token | None,
        *,
        refreshed_with: str | None = None,
    ) -> None:
        if self.update_token is None:
            return
        if refreshed_with is not None:
            self.update_token(token, refresh_token=refreshed_with)
        else:
            old_access = previous.get("access_token") if previous else None
            self.update_token(token, access_token=old_access)

    def _report(self, lookup: Lookup) -> OAuth2Token | None:
        if lookup.renewed and lookup.token is not None:
            previous = lookup.previous
            refreshed_with = previous.get("refresh_token") if previous else None
            self._notify_update(lookup.token, previous, refreshed_with=refreshed_with)
        return lookup.token

    def _current_token(self, source: TokenSource) -> OAuth2Token | None:
        """The token to send from ``source``, renewed first when it is due."""
        return self._report(source.get(self.leeway, self._renew))

    def _ensure_source_active(self, source: TokenSource) -> bool:
        try:
            return self._current_token(source) is not None
        except (InvalidTokenError, MissingTokenError):
            return False

    def ensure_active_token(self, token: Mapping[str, Any] | None = None) -> bool:
        """Renew the token when it is due: True when valid or renewed, False when it cannot be."""
        if token is not None and token is not self._source.token:
            self._source.set(dict(token))
        return self._ensure_source_active(self._source)
