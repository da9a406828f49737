"""The front channel for :class:`OAuth2Session`: authorization URLs and their callbacks.

Every authorization request the session creates is remembered by its ``state`` (with
the PKCE verifier, nonce and redirect URI) until a callback with that state arrives;
each record is used once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from .._core._authorization import (
    AuthorizationRequest,
    ValidatedCallback,
    build_authorization_url,
    parse_callback,
    validate_callback,
)
from .._core._params import scope_to_str
from .._core._pkce import create_code_challenge, generate_code_verifier
from .._core._random import constant_time_equal, generate_token
from .._core._transport import check_secure_transport
from ..errors import MismatchingStateError
from ._base import SessionBase
from ._sender import insecure_transport_allowed

__all__ = ["AuthorizationMixin", "AuthorizationRecord"]


class AuthorizationRecord(dict[str, Any]):
    """The JSON-serialisable record of a request, for the process that gets the callback.

    It must carry the PKCE verifier and nonce; its repr hides them, so logging it
    ("stored %r") writes no secret.
    """

    def __repr__(self) -> str:
        shown = {
            k: ("***" if k in ("code_verifier", "nonce") and v is not None else v)
            for k, v in self.items()
        }
        return f"AuthorizationRecord({shown!r})"

    __str__ = __repr__


#: How many outstanding authorization requests a session remembers (oldest dropped first).
MAX_OUTSTANDING_REQUESTS = 64

_AUTHORIZATION_DEFAULTS = ("response_mode", "prompt", "login_hint", "max_age")


class AuthorizationMixin(SessionBase):
    """``create_authorization_url``, the outstanding-request records, callback checks."""

    redirect_uri: str | None
    scope: Any
    state: str | None
    code_challenge_method: str | None

    def _init_authorization(self) -> None:
        self._outstanding: OrderedDict[str, AuthorizationRequest] = OrderedDict()
        self._outstanding_lock = threading.Lock()

    def create_authorization_url(
        self,
        url: str | None = None,
        state: str | None = None,
        code_verifier: str | None = None,
        nonce: str | None = None,
        **kwargs: Any,
    ) -> tuple[str, str]:
        """The authorization URL and its ``state``; the request is remembered by state.

        Generates ``state`` (256 bits), a PKCE S256 verifier for response types with
        ``code`` (RFC 7636), and a ``nonce`` for OpenID requests (OIDC Core §3.1.2.1).
        """
        endpoint = url or self._endpoint("authorization_endpoint")
        check_secure_transport(endpoint, allow_insecure=insecure_transport_allowed())
        response_type = str(kwargs.pop("response_type", self.metadata.get("response_type", "code")))
        redirect_uri = kwargs.pop("redirect_uri", self.redirect_uri)
        scope = scope_to_str(kwargs.pop("scope", self.scope))
        state = state or self.state or generate_token()
        params: dict[str, Any] = {
            "response_type": response_type,
            "client_id": self.client_id,
            "redirect_uri": redirect_uri,
            "scope": scope,
            "state": state,
        }
        verifier = None
        if self.code_challenge_method and "code" in response_type.split():
            verifier = code_verifier or generate_code_verifier()
            params["code_challenge"] = create_code_challenge(verifier, self.code_challenge_method)
            params["code_challenge_method"] = self.code_challenge_method
        wants_nonce = "openid" in (scope or "").split() or "id_token" in response_type.split()
        nonce = nonce or self.metadata.get("nonce") or (generate_token() if wants_nonce else None)
        params["nonce"] = nonce
        for name in _AUTHORIZATION_DEFAULTS:
            if name not in kwargs and self.metadata.get(name) is not None:
                params[name] = self.metadata[name]
        params.update(kwargs)
        max_age = params.get("max_age")
        record = AuthorizationRequest(
            state=state,
            response_type=response_type,
            redirect_uri=redirect_uri,
            code_verifier=verifier,
            nonce=nonce,
            max_age=int(max_age) if max_age is not None else None,
        )
        self._remember(record)
        return build_authorization_url(endpoint, params), state

    def authorization_request(self, state: str) -> dict[str, Any]:
        """The remembered record of the outstanding request with ``state`` (JSON-serialisable)."""
        with self._outstanding_lock:
            record = self._outstanding.get(state)
        if record is None:
            raise MismatchingStateError(
                description="no outstanding authorization request has that state"
            )
        return AuthorizationRecord(record.to_dict())

    def _remember(self, record: AuthorizationRequest) -> None:
        with self._outstanding_lock:
            self._outstanding[record.state] = record
            self._outstanding.move_to_end(record.state)
            while len(self._outstanding) > MAX_OUTSTANDING_REQUESTS:
                self._outstanding.popitem(last=False)

    def _consume(self, state: str | None) -> AuthorizationRequest | None:
        if state is None:
            return None
        with self._outstanding_lock:
            return self._outstanding.pop(state, None)

    def _validate_callback(
        self, authorization_response: Any, state: str | None
    ) -> tuple[ValidatedCallback, AuthorizationRequest | None]:
        params = parse_callback(authorization_response)
        callback_state = params.get("state")
        with self._outstanding_lock:
            nothing_outstanding = not self._outstanding
        if state is None and nothing_outstanding and not self.state:
            raise MismatchingStateError(
                description="this session sent no authorization request that is still "
                "outstanding; pass state= and code_verifier= (and nonce=) of the request "
                "that was sent"
            )
        if state is not None:
            expected: str | None = state
            record = self._consume(state) if constant_time_equal(callback_state, state) else None
        else:
            record = self._consume(callback_state)
            expected = record.state if record is not None else self.state
        self._ensure_metadata()
        callback = validate_callback(
            params,
            expected_state=expected,
            issuer=self.metadata.get("issuer"),
            iss_required=self.metadata.get("authorization_response_iss_parameter_supported")
            is True,
        )
        return callback, record
