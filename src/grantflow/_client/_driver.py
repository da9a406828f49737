"""What every driver shares: its constructor, and what it gives the shared OAuth methods.

``OAuth2Session``, ``OAuth2Client`` and ``AsyncOAuth2Client`` take the same typed
keywords (api.md §2, §11): they are written once here, build the transport-free
``Client``, and then hand the transport's own keywords to a small per-transport hook.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from .._core._log_filter import install_log_filter
from .._flows._drive import Flow
from ._client import Client
from ._options import given
from ._prepare import check_client_auth

if TYPE_CHECKING:
    from .._core._dpop import DPoPKey
    from .._core._retry_policy import RetryPolicy
    from .._stores._base import TokenStore

__all__ = ["Driver"]

T = TypeVar("T")


class Driver:
    """The constructor of every driver, and the hooks ``OAuthMethods`` and
    ``DelegationMethods`` call; each driver (``OAuth2Session``, ``OAuth2Client``,
    ``AsyncOAuth2Client``) defines them."""

    _client: Client

    #: The transport's own constructor keywords, taken out before the client sees the rest.
    _transport_keywords: ClassVar[frozenset[str]] = frozenset()

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
        default_timeout: float | tuple[float, float] | None = None,
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
        # The public classes document these keywords (help(), IDEs and the reference).
        own = self._transport_keywords
        transport = {key: kwargs.pop(key) for key in list(kwargs) if key in own}
        self._client = Client(
            client_id,
            client_secret,
            token_endpoint_auth_method=token_endpoint_auth_method,
            revocation_endpoint_auth_method=revocation_endpoint_auth_method,
            scope=scope,
            state=state,
            redirect_uri=redirect_uri,
            token=token,
            token_placement=token_placement,
            update_token=update_token,
            leeway=leeway,
            code_challenge_method=code_challenge_method,
            token_store=token_store,
            retry_on_invalid_token=retry_on_invalid_token,
            token_retries=token_retries,
            id_token_signed_response_alg=id_token_signed_response_alg,
            known_options=(*sorted(self._transport_keywords), "default_timeout"),
            # Passed on only when given: metadata and defaults the caller left out stay
            # unset, as a bare **kwargs would have left them.
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
        self._start_transport(transport, default_timeout)
        self._drop_auths()
        check_client_auth(self._client, self, has_certificate=self._has_certificate())
        install_log_filter()

    # -- what each transport defines ------------------------------------------------------

    def _start_transport(self, options: dict[str, Any], default_timeout: Any) -> None:
        """Initialise the transport from its own keywords (``_transport_keywords``) and
        the ``default_timeout`` every request without a ``timeout`` gets."""
        raise NotImplementedError

    def _has_certificate(self) -> bool:
        """Whether the transport holds a client certificate (mutual TLS, RFC 8705)."""
        raise NotImplementedError

    def _drive(self, flow: Flow[T], raw: bool = False) -> T:
        """Run ``flow`` over this driver's transport (``raw``: the native response).

        An async driver returns an awaitable of the result instead."""
        raise NotImplementedError

    def _drive_now(self, flow: Flow[T]) -> T:
        """As :meth:`_drive`; an async driver answers at once when ``flow`` needs no I/O."""
        return self._drive(flow)

    def _split_options(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        """Remove and return the transport options among an OAuth call's ``kwargs``."""
        raise NotImplementedError

    def _drop_auths(self) -> None:
        """Forget auths that copied the token placement or the retry switch."""
