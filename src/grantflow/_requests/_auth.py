"""``OAuth2Auth``: a requests auth that puts an OAuth 2.0 access token on each request."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import requests
from requests.auth import AuthBase
from requests.structures import CaseInsensitiveDict

from .._client._dpop import is_dpop_token
from .._client._token_auth import AUTH_ARGS, TokenAuth
from .._client._tokens import NO_TOKEN
from .._client._twins import with_sections
from .._core._token import OAuth2Token
from .._sources._source import TokenSource
from ..errors import MissingTokenError
from ._retry import ARMED, Snapshot, armed_request, has_header, replay

if TYPE_CHECKING:
    from ._session import OAuth2Session

__all__ = ["OAuth2Auth"]


@with_sections(AUTH_ARGS, client=":class:`OAuth2Session`")
class OAuth2Auth(TokenAuth, AuthBase):
    """Adds the access token as ``Authorization: Bearer`` (or DPoP), a body or a query parameter.

    Without a ``client`` the token is sent as given, expired or not: nothing can renew it.
    With a ``client`` (an :class:`OAuth2Session`) a token that is due is renewed first,
    once for any number of threads, and the client's ``protected_request`` hooks run.
    A ``401`` with ``error="invalid_token"`` then makes it renew the token and replay the
    request once (``retry_on_invalid_token=False`` turns that off). The auth keeps no
    per-request state, so one instance may serve many threads.
    """

    client: OAuth2Session | None
    _contains = staticmethod(has_header)
    #: Whether the response hook replays (an auth a session uses only arms requests).
    _replay_by_hook = True

    @classmethod
    def _sharing(
        cls, client: OAuth2Session, source: TokenSource, *, replay_by_hook: bool = True
    ) -> OAuth2Auth:
        """An auth on ``client``'s own token source. With ``replay_by_hook=False`` it only
        arms requests; the session then replays them itself, without a response hook."""
        auth = super()._sharing(client, source)
        auth._replay_by_hook = replay_by_hook
        return auth

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
        token = self._source._token  # the attribute behind .token: this runs on every request
        client = self.client
        if self._is_due(token):
            token = client._current_token(self._source)  # type: ignore[union-attr]
        if token is None:
            raise MissingTokenError(description=NO_TOKEN)
        fast = self._header_only()
        if client is not None and (self.retry_on_invalid_token or client._client.dpop_key):
            # Armed for one replay (_retry). The header case only overwrites
            # Authorization, so the request is its own snapshot; otherwise keep what it
            # was before the token went on.
            # An attribute, not r.__dict__[...]: that would build the instance's dict.
            setattr(r, ARMED, (token, None if fast else Snapshot(r), self._replay_by_hook))
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
        if not self._goes_to_replay(response.status_code, response.headers):
            return response
        # Inside requests' send: a redirected request is a copy, never armed.
        request = armed_request(response, by_hook=True)
        if request is None or self.client is None:
            return response
        connection = response.connection
        return replay(
            response,
            request,
            lambda again: connection.send(again, **kwargs),
            self.client,
            self._source,
            self._apply,
        )

    def _apply(self, r: requests.PreparedRequest, token: OAuth2Token) -> None:
        """Put ``token`` on ``r`` (RFC 6750 §2), then run the client's protected_request hooks."""
        if self._header_only():
            r.headers["Authorization"] = self._headers.value(token)
            if is_dpop_token(token):
                self._add_proof(r, token)
            return
        body = r.body.decode("utf-8") if isinstance(r.body, bytes) else r.body
        url, headers, new_body = self._placed(token, r.url or "", dict(r.headers), body)
        r.url = url
        r.headers = CaseInsensitiveDict(headers)
        if new_body != body and new_body is not None:
            r.body = new_body
            r.headers["Content-Length"] = str(len(new_body.encode("utf-8")))
            if self.token_placement == "body" and "Content-Type" not in r.headers:
                r.headers["Content-Type"] = "application/x-www-form-urlencoded"
        if is_dpop_token(token):
            self._add_proof(r, token)

    def _add_proof(self, r: requests.PreparedRequest, token: OAuth2Token) -> None:
        proof = self._proof(r.method or "", r.url or "", token)
        try:
            # What CaseInsensitiveDict.__setitem__ stores, without lower-casing and
            # hashing the name again on every request.
            r.headers._store["dpop"] = ("DPoP", proof)  # type: ignore[attr-defined]
        except AttributeError:  # headers some hook made a plain mapping
            r.headers["DPoP"] = proof
