"""``OAuth2Auth``: a requests auth that puts an OAuth 2.0 access token on each request."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import requests
from requests.auth import AuthBase
from requests.structures import CaseInsensitiveDict

from .._client._dpop import is_dpop_token, resource_proof
from .._core._bearer import HeaderCache, add_token, check_placement
from .._core._log_filter import install_log_filter
from .._core._token import OAuth2Token
from .._sources._source import TokenSource
from .._stores._base import TokenStore
from ..errors import MissingTokenError
from ._retry import ARMED, Snapshot, armed_request, replay

if TYPE_CHECKING:
    from .._core._dpop import DPoPKey
    from ._session import OAuth2Session

__all__ = ["OAuth2Auth"]

#: The empty header cache: no access token is ever identical to this sentinel.


class OAuth2Auth(AuthBase):
    """Adds the access token as ``Authorization: Bearer`` (or DPoP), a body or a query parameter.

    Without a ``client`` the token is sent as given, expired or not: nothing can renew it.
    With a ``client`` (an :class:`OAuth2Session`) a token that is due is renewed first,
    once for any number of threads, and the client's ``protected_request`` hooks run.
    A ``401`` with ``error="invalid_token"`` then makes it renew the token and replay the
    request once (``retry_on_invalid_token=False`` turns that off). The auth keeps no
    per-request state, so one instance may serve many threads.

    Args:
        token: The token to send (a dict such as ``fetch_token`` returns).
        token_placement: ``"header"``, ``"body"`` or ``"uri"`` (RFC 6750 §2).
        client: The session that renews the token and whose hooks run, or None.
        dpop_key: The :class:`DPoPKey` that signs the proof a ``DPoP`` token travels
            with (RFC 9449 §7.1); without it, the client's key.
        token_store: A store to load the token from and save renewals to.
        retry_on_invalid_token: Whether an ``invalid_token`` 401 renews the token and
            replays the request once (with a ``client``).

    Raises:
        ValueError: ``token_placement`` is none of the three. Sending a request then
            raises :class:`MissingTokenError` when there is no token,
            :class:`UnsupportedTokenTypeError` for a token type other than Bearer or for
            a ``DPoP`` token with no key to prove it, and the session's errors when a
            renewal fails.
    """

    def __init__(
        self,
        token: dict[str, Any] | None = None,
        token_placement: str = "header",
        client: OAuth2Session | None = None,
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
        self._replay_by_hook = True
        # A token may go in the query (token_placement="uri"): urllib3's DEBUG lines
        # must not show it, whether or not a session was ever built.
        install_log_filter()
        self._headers = HeaderCache()

    @classmethod
    def _sharing(
        cls, client: OAuth2Session, source: TokenSource, *, replay_by_hook: bool = True
    ) -> OAuth2Auth:
        """An auth on ``client``'s own token source. With ``replay_by_hook=False`` it only
        arms requests; the session then replays them itself, without a response hook."""
        auth = cls.__new__(cls)
        auth.token_placement = client.token_placement
        auth.client = client
        auth.retry_on_invalid_token = client.retry_on_invalid_token
        auth.dpop_key = None  # the client's own key proves its tokens
        auth._source = source
        auth._replay_by_hook = replay_by_hook
        auth._headers = HeaderCache()
        return auth

    @property
    def token(self) -> OAuth2Token | None:
        """The token this auth sends."""
        return self._source.token

    @token.setter
    def token(self, value: dict[str, Any] | None) -> None:
        self._source.set(value)

    def ensure_active_token(self) -> bool:
        """Renew the token when it is due; True when a usable token is there afterwards.

        Without a ``client`` nothing can be renewed: the answer is whether a token is
        there at all.

        Returns:
            Whether a token is there to send: False too when it is expired and can be
            neither refreshed nor fetched again.

        Raises:
            OAuthError: The renewal was refused (the old token is kept).
        """
        client = self.client
        if client is None:
            return self.token is not None
        return client._run(client._client.ensure_active_token(source=self._source))

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        client = self.client
        source = self._source
        token = source._token  # the attribute behind .token: this runs on every request
        # A fresh token is read without a lock or any call into the session (leeway
        # from the client itself: the session's forwarding descriptor costs more).
        if client is not None and not source.is_fresh(token, client._client.leeway):
            token = client._current_token(source)
        if token is None:
            raise MissingTokenError(
                description="no access token: fetch one first (fetch_token) or give token="
            )
        fast = self._header_only()
        if client is not None and (self.retry_on_invalid_token or client._client.dpop_key):
            # Armed for one replay (_retry). The header case only overwrites
            # Authorization, so the request is its own snapshot; otherwise keep what it
            # was before the token went on.
            r.__dict__[ARMED] = (token, None if fast else Snapshot(r), self._replay_by_hook)
            if self._replay_by_hook:
                # What register_hook does, without its per-call Callable check.
                r.hooks["response"].append(self._on_response)
        if fast:
            value = r.headers["Authorization"] = self._headers.value(token)
            if value[0] == "D":  # "DPoP ...": a proof goes with it (RFC 9449 §7.1)
                self._add_proof(r, token)
        else:
            self._apply(r, token)
        return r

    def _on_response(self, response: requests.Response, **kwargs: Any) -> requests.Response:
        """The response hook: one replay after an ``invalid_token`` 401 (``_retry``)."""
        if response.status_code != 401:
            client = self.client
            # Only a DPoP nonce (RFC 9449 §9) makes another answer the replay flow's.
            if client is None or client._client.dpop_key is None:
                return response
            if "DPoP-Nonce" not in response.headers:
                return response
        # Inside requests' send: a redirected request is a copy, never armed.
        request = armed_request(response, by_hook=True)
        client = self.client
        if request is None or client is None:
            return response
        connection = response.connection
        return replay(
            response,
            request,
            lambda again: connection.send(again, **kwargs),
            client,
            self._source,
            self._apply,
        )

    def _header_only(self) -> bool:
        """Whether the token goes in the header and no ``protected_request`` hook runs:
        the common case, which costs one header write (bench/bench_request_overhead.py)."""
        client = self.client
        return self.token_placement == "header" and (
            client is None or not client._client.hooks.protected_request
        )

    def _apply(self, r: requests.PreparedRequest, token: OAuth2Token) -> None:
        """Put ``token`` on ``r`` (RFC 6750 §2), then run the client's protected_request hooks."""
        client = self.client
        dpop = is_dpop_token(token)
        if self._header_only():
            r.headers["Authorization"] = self._headers.value(token)
            if dpop:
                self._add_proof(r, token)
            return
        body = r.body.decode("utf-8") if isinstance(r.body, bytes) else r.body
        # RFC 9449 §7.1: a DPoP token travels in the Authorization header only.
        placement = "header" if dpop else self.token_placement
        url, headers, new_body = add_token(token, placement, r.url or "", dict(r.headers), body)
        if client is not None:
            url, headers, hooked = client._client.hooks.run_request(
                "protected_request", url, headers, new_body or ""
            )
            new_body = None if (hooked == "" and new_body is None) else hooked
        r.url = url
        r.headers = CaseInsensitiveDict(headers)
        if new_body != body and new_body is not None:
            r.body = new_body
            r.headers["Content-Length"] = str(len(new_body.encode("utf-8")))
            if self.token_placement == "body" and "Content-Type" not in r.headers:
                r.headers["Content-Type"] = "application/x-www-form-urlencoded"
        if dpop:
            self._add_proof(r, token)

    def _add_proof(self, r: requests.PreparedRequest, token: OAuth2Token) -> None:
        """The ``DPoP`` header for ``r`` as it is sent; no key is UnsupportedTokenTypeError."""
        client = self.client._client if self.client is not None else None
        r.headers["DPoP"] = resource_proof(
            client, r.method or "", r.url or "", token, key=self.dpop_key
        )

    def __repr__(self) -> str:
        return (
            f"OAuth2Auth(token_placement={self.token_placement!r}, "
            f"has_token={self._source.token is not None}, client={self.client is not None})"
        )
