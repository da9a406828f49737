"""What the requests and the httpx ``OAuth2Auth`` share, without a transport.

Both hold a token (their own or, built by a driver, the driver's token source), put it
where ``token_placement`` says (RFC 6750 §2) or in the header with a DPoP proof (RFC 9449
§7.1), run the client's ``protected_request`` hooks, and send a response to the replay
flow only when it may need it. The transports' classes add how a request is changed.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from .._core._bearer import HeaderCache, add_token, check_placement
from .._core._log_filter import install_log_filter
from .._core._token import OAuth2Token
from .._sources._source import TokenSource
from .._stores._base import TokenStore
from ._dpop import is_dpop_token
from ._replay import goes_to_replay

if TYPE_CHECKING:
    from .._core._dpop import DPoPKey

__all__ = ["AUTH_ARGS", "TokenAuth"]

#: The constructor's arguments and errors, the same for the requests and the httpx
#: ``OAuth2Auth`` (their constructor is :class:`TokenAuth`'s); ``{client}`` names the
#: drivers that renew the token.
AUTH_ARGS = """
Args:
    token: The token to send (a dict such as ``fetch_token`` returns).
    token_placement: ``"header"``, ``"body"`` or ``"uri"`` (RFC 6750 §2).
    client: The {client} that renews the token and whose hooks run, or None.
    dpop_key: The :class:`DPoPKey` that signs the proof a ``DPoP`` token travels
        with (RFC 9449 §7.1); without it, the client's key.
    token_store: A store to load the token from and save renewals to.
    retry_on_invalid_token: Whether an ``invalid_token`` 401 renews the token and
        replays the request once (with a ``client``).

Raises:
    ValueError: ``token_placement`` is none of the three. Sending a request then
        raises :class:`MissingTokenError` when there is no token,
        :class:`UnsupportedTokenTypeError` for a token type other than Bearer or for
        a ``DPoP`` token with no key to prove it, and the client's errors when a
        renewal fails.
"""

A = TypeVar("A", bound="TokenAuth")


class TokenAuth:
    """The token, its placement and the client that renews it, for one transport's auth.

    ``client`` is the driver (a session or an httpx client), or None: the token is then
    sent as given, and nothing renews it.
    """

    client: Any

    def __init__(
        self,
        token: dict[str, Any] | None = None,
        token_placement: str = "header",
        client: Any = None,
        dpop_key: DPoPKey | None = None,
        *,
        token_store: TokenStore | None = None,
        retry_on_invalid_token: bool = True,
    ) -> None:
        self.token_placement = check_placement(token_placement)
        self.client = client
        #: Proves a DPoP token's possession (RFC 9449); without it, the client's key.
        self.dpop_key = dpop_key
        self.retry_on_invalid_token = retry_on_invalid_token
        self._source = TokenSource(token_store, token)
        self._headers = HeaderCache()
        # A token may go in the query (token_placement="uri"): the transports' DEBUG log
        # lines must not show it, whether or not a session was ever built.
        install_log_filter()

    @classmethod
    def _sharing(cls: type[A], client: Any, source: TokenSource) -> A:
        """An auth on ``client``'s own token source, with its placement and retry switch."""
        auth = cls.__new__(cls)
        auth.token_placement = client.token_placement
        auth.client = client
        auth.retry_on_invalid_token = client.retry_on_invalid_token
        auth.dpop_key = None  # the client's own key proves its tokens
        auth._source = source
        auth._headers = HeaderCache()
        return auth

    @property
    def token(self) -> OAuth2Token | None:
        """The token this auth sends."""
        return self._source.token

    @token.setter
    def token(self, value: dict[str, Any] | None) -> None:
        self._source.set(value)

    def _is_due(self, token: OAuth2Token | None) -> bool:
        """Whether ``token`` is renewed through the client before it is sent (a fresh
        token is read without a lock; without a client nothing is ever renewed)."""
        client = self.client
        return client is not None and not self._source.is_fresh(token, client._client.leeway)

    def _header_only(self) -> bool:
        """Whether the token goes in the header and no ``protected_request`` hook runs:
        the common case, which costs one header write (bench/bench_request_overhead.py)
        and leaves nothing to restore for a replay."""
        client = self.client
        return self.token_placement == "header" and (
            client is None or not client._client.hooks.protected_request
        )

    def _placed(
        self, token: OAuth2Token, url: str, headers: dict[str, str], body: str | None
    ) -> tuple[str, dict[str, str], str | None]:
        """``token`` put on a request as it was before any token (RFC 6750 §2), then the
        client's ``protected_request`` hooks run: its new URL, headers and body."""
        # RFC 9449 §7.1: a DPoP token travels in the Authorization header only.
        placement = "header" if is_dpop_token(token) else self.token_placement
        url, headers, new_body = add_token(token, placement, url, headers, body)
        if self.client is not None:
            url, headers, hooked = self.client._client.hooks.run_request(
                "protected_request", url, headers, new_body or ""
            )
            new_body = None if (hooked == "" and new_body is None) else hooked
        return url, headers, new_body

    def _proof(self, method: str, url: str, token: OAuth2Token) -> str:
        """The ``DPoP`` header for a request as it is sent (RFC 9449 §7.1): bound to the
        token (``ath``), with the newest nonce its server gave, signed with the auth's own
        key, else the client's; with no key, :class:`UnsupportedTokenTypeError`."""
        key = self.dpop_key
        nonce = None
        if self.client is not None:
            client = self.client._client
            if key is None:
                key = client.dpop_key
            nonces = client.dpop_nonces
            if nonces.by_origin:  # no call at all while no server asked for nonces
                nonce = nonces.get(url)
        if key is None:
            from .._core._dpop import check_token_binding

            check_token_binding({"token_type": "DPoP"}, None)
            raise AssertionError("unreachable: a DPoP token without a key is refused above")
        # The Authorization header was made from the token: it has an access token.
        return key.proof(method, url, token["access_token"], nonce)

    #: The transport's fastest ``name in headers`` (requests overrides it).
    _contains: Callable[[Any, str], bool] = staticmethod(operator.contains)

    def _goes_to_replay(self, status_code: int, headers: Mapping[str, str]) -> bool:
        """Whether a response to a request this auth armed goes to the replay flow."""
        client = self.client
        return client is not None and goes_to_replay(
            client._client, status_code, headers, self._contains
        )

    def __repr__(self) -> str:
        return (
            f"OAuth2Auth(token_placement={self.token_placement!r}, "
            f"has_token={self._source.token is not None}, client={self.client is not None})"
        )
