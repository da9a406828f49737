"""What ``OAuth2Client`` and ``AsyncOAuth2Client`` share: the constructor, which splits
httpx's keywords from the OAuth client's, and the per-call options httpx accepts."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .._client._client import Client
from .._client._forward import REQUEST_OPTIONS
from .._client._methods import OAuthMethods
from .._client._options import given
from .._client._prepare import check_client_auth
from .._core._log_filter import install_log_filter
from ._auth import OAuth2Auth

if TYPE_CHECKING:
    from .._core._dpop import DPoPKey
    from .._core._retry_policy import RetryPolicy
    from .._stores._base import TokenStore

__all__ = ["HTTPX_CLIENT_OPTIONS", "HttpxDriver", "split_options"]

#: Keywords of ``httpx.Client`` / ``httpx.AsyncClient`` (the rest are OAuth options).
HTTPX_CLIENT_OPTIONS = frozenset(
    {
        "auth",
        "params",
        "headers",
        "cookies",
        "verify",
        "cert",
        "http1",
        "http2",
        "proxy",
        "proxies",
        "mounts",
        "timeout",
        "follow_redirects",
        "limits",
        "max_redirects",
        "event_hooks",
        "base_url",
        "transport",
        "app",
        "trust_env",
        "default_encoding",
    }
)


def split_options(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Per-call transport options of an OAuth call; requests-only ones are refused.

    httpx sets ``verify``, ``cert`` and proxies on the client, not per request.
    """
    options = {key: kwargs.pop(key) for key in list(kwargs) if key in REQUEST_OPTIONS}
    misplaced = sorted(set(options) - {"timeout", "cookies"})
    if misplaced:
        raise TypeError(
            f"{', '.join(misplaced)}: give these to the httpx client's constructor, not to one call"
        )
    return options


class HttpxDriver(OAuthMethods):
    """The OAuth operations over an ``httpx.Client`` or ``httpx.AsyncClient`` (the next
    class in the MRO), whose ``auth`` is an ``OAuth2Auth`` on this client's token."""

    _cert: Any
    auth: Any

    def __init__(
        self,
        client_id: str | None = None,
        client_secret: Any = None,
        token_endpoint_auth_method: Any = None,
        revocation_endpoint_auth_method: Any = None,
        scope: Any = None,
        state: str | None = None,
        redirect_uri: str | None = None,
        token: Mapping[str, Any] | None = None,
        token_placement: str = "header",
        update_token: Callable[..., Any] | None = None,
        leeway: int = 60,
        default_timeout: float | None = None,
        code_challenge_method: str | None = "S256",
        *,
        server_metadata_url: str | None = None,
        issuer: str | None = None,
        authorization_endpoint: str | None = None,
        token_endpoint: str | None = None,
        grant_type: str | None = None,
        token_store: TokenStore | None = None,
        retry_on_invalid_token: bool = True,
        id_token_signed_response_alg: str | None = None,
        dpop: bool | DPoPKey | None = None,
        token_retries: int | RetryPolicy | None = None,
        **kwargs: Any,
    ) -> None:
        http = {key: kwargs.pop(key) for key in list(kwargs) if key in HTTPX_CLIENT_OPTIONS}
        http.pop("auth", None)  # the token is this client's auth
        if default_timeout is not None:
            http.setdefault("timeout", default_timeout)
        self._client = Client(
            client_id,
            client_secret,
            token_endpoint_auth_method,
            revocation_endpoint_auth_method,
            scope,
            state,
            redirect_uri,
            token,
            token_placement,
            update_token,
            leeway,
            code_challenge_method,
            token_store=token_store,
            retry_on_invalid_token=retry_on_invalid_token,
            token_retries=token_retries,
            id_token_signed_response_alg=id_token_signed_response_alg,
            known_options=tuple(sorted(HTTPX_CLIENT_OPTIONS)),
            **given(
                server_metadata_url=server_metadata_url,
                issuer=issuer,
                authorization_endpoint=authorization_endpoint,
                token_endpoint=token_endpoint,
                grant_type=grant_type,
                dpop=dpop,
            ),
            **kwargs,
        )
        self._cert = http.get("cert")
        super().__init__(**http)  # httpx.Client or httpx.AsyncClient
        self._drop_auths()
        check_client_auth(self._client, self, has_certificate=bool(self._cert))
        install_log_filter()

    def _split_options(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        return split_options(kwargs)

    def _drop_auths(self) -> None:
        # The auth copies the placement and the retry switch: a new one follows a change.
        self.auth = OAuth2Auth._sharing(self, self._client.source)

    @property
    def token_auth(self) -> Any:
        """The ``OAuth2Auth`` (an ``httpx.Auth``) this client's token travels with."""
        return self.auth
