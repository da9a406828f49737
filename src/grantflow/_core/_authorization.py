"""The front channel: build the authorization URL, then validate the callback.

A callback is checked in the order RFC 9207 §2.4 and RFC 6749 §10.12 ask: ``iss`` and
``state`` first, then ``error``, then the code. Only a :class:`ValidatedCallback` can be
exchanged for a token, so a callback that failed a check can never reach the token
endpoint.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ..errors import AuthorizationError, InvalidResponseError, MismatchingStateError
from ._frozen import Frozen
from ._params import add_params_to_uri, flatten_params
from ._random import constant_time_equal

__all__ = [
    "AuthorizationRequest",
    "ValidatedCallback",
    "build_authorization_url",
    "callback_state",
    "implied_response_type",
    "parse_callback",
    "validate_callback",
]


class AuthorizationRequest(Frozen):
    """What the client must remember about an authorization request it sent (by ``state``)."""

    # In the order to_dict() gives them.
    __slots__ = _FIELDS = (
        "state",
        "response_type",
        "redirect_uri",
        "code_verifier",
        "nonce",
        "max_age",
    )
    state: str
    response_type: str
    redirect_uri: str | None
    code_verifier: str | None
    nonce: str | None
    max_age: int | None

    def __init__(
        self,
        state: str,
        response_type: str,
        redirect_uri: str | None = None,
        code_verifier: str | None = None,
        nonce: str | None = None,
        max_age: int | None = None,
    ) -> None:
        self._set(
            state=state,
            response_type=response_type,
            redirect_uri=redirect_uri,
            code_verifier=code_verifier,
            nonce=nonce,
            max_age=max_age,
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable copy, for a callback handled by another process."""
        return {name: getattr(self, name) for name in self.__slots__}

    def __repr__(self) -> str:
        # The verifier is a secret until the code is redeemed.
        return (
            f"AuthorizationRequest(state=..., response_type={self.response_type!r}, "
            f"redirect_uri={self.redirect_uri!r})"
        )


class ValidatedCallback(Frozen):
    """A callback whose ``iss``, ``state`` and ``error`` were checked."""

    __slots__ = ("params", "state")
    params: Mapping[str, str]
    state: str | None

    def __init__(self, params: Mapping[str, str], state: str | None) -> None:
        self._set(params=params, state=state)

    @property
    def code(self) -> str | None:
        return self.params.get("code")

    def __repr__(self) -> str:
        return f"ValidatedCallback(keys={sorted(self.params)!r})"


def build_authorization_url(endpoint: str, params: Mapping[str, Any]) -> str:
    """The authorization endpoint URL with ``params`` added (RFC 6749 §4.1.1).

    ``None`` values are left out; list values repeat the parameter.
    """
    return add_params_to_uri(endpoint, flatten_params(params))


def implied_response_type(params: Mapping[str, Any]) -> str:
    """The response type a callback's parameters show, for one whose request was made
    elsewhere (OAuth 2.0 Multiple Response Type Encoding Practices §3)."""
    return " ".join(
        k
        for k in ("code", "id_token", "token")
        if params.get(k) or (k == "token" and params.get("access_token"))
    )


def parse_callback(authorization_response: str | Mapping[str, Any]) -> dict[str, str]:
    """The parameters of an authorization response.

    Accepts the callback URL (query and fragment are both read: query for the code flow,
    fragment for implicit and hybrid), a ``form_post`` body as a dict (values may be
    UTF-8 bytes or lists, whose first item counts), or that body as a form-encoded
    string. A name or value that is not text (bytes that are not UTF-8, a lone
    surrogate) is an :class:`InvalidResponseError`.
    """
    return {_text(key): _text(value) for key, value in _callback_pairs(authorization_response)}


def callback_state(authorization_response: str | Mapping[str, Any]) -> str | None:
    """The callback's ``state`` alone, or None when it has none that is text.

    For a callback that :func:`parse_callback` refuses: the outstanding request it
    answers is still consumed (api.md §9: "whatever happens next"), so that a malformed
    callback cannot be followed by a second try at the same request.
    """
    state: str | None = None
    for key, value in _callback_pairs(authorization_response):
        try:
            if _text(key) == "state":
                state = _text(value)
        except InvalidResponseError:
            continue
    return state


def _callback_pairs(authorization_response: str | Mapping[str, Any]) -> list[tuple[object, object]]:
    """The callback's parameters as pairs, in order, names and values not yet checked."""
    if isinstance(authorization_response, Mapping):
        return [
            (key, (value[0] if value else "") if isinstance(value, (list, tuple)) else value)
            for key, value in authorization_response.items()
        ]
    text = authorization_response.strip()
    if "://" in text or text.startswith(("/", "?", "#")):
        parts = urlsplit(text)
        # Fragment parameters win: implicit and hybrid responses live there (RFC 6749
        # §4.2.2); a later pair replaces an earlier one of the same name.
        return [
            *parse_qsl(parts.query, keep_blank_values=True),
            *parse_qsl(parts.fragment, keep_blank_values=True),
        ]
    return list(parse_qsl(text, keep_blank_values=True))


def _text(value: object) -> str:
    """``value`` as text that encodes to UTF-8, or :class:`InvalidResponseError`.

    A lone surrogate would crash the first encoder it meets (the token request's form,
    a hash); the callback is refused before anything reads it.
    """
    try:
        text = value.decode("utf-8") if isinstance(value, bytes) else str(value)
        text.encode("utf-8")
    except UnicodeError:
        raise InvalidResponseError(
            description="the authorization response has a parameter that is not UTF-8 text"
        ) from None
    return text


def validate_callback(
    params: Mapping[str, str],
    *,
    expected_state: str | None,
    issuer: str | None,
    iss_required: bool,
    unverifiable_iss_ok: bool = False,
) -> ValidatedCallback:
    """Check ``iss`` (RFC 9207) and ``state``, then ``error``; return what may be exchanged.

    An ``iss`` that cannot be checked (no issuer known) is refused unless
    ``unverifiable_iss_ok``: accepting it unchecked would pass a mix-up silently.
    """
    iss = params.get("iss")
    if iss is None and params.get("id_token"):
        # A front-channel ID token names its issuer in a signed claim, which is validated
        # before anything is redeemed; servers omit the iss parameter then (the certified
        # oidc-provider does), and the signed claim defends against mix-up just as well.
        iss_required = False
    if iss is not None or iss_required:
        if iss is None:
            raise InvalidResponseError(
                description="the authorization response has no 'iss' although the server "
                "says it sends one (RFC 9207)"
            )
        if issuer is None and not unverifiable_iss_ok:
            raise InvalidResponseError(
                description="the authorization response names its issuer ('iss', RFC 9207) "
                "but this client knows no issuer to check it against: give issuer= or "
                "server_metadata_url=, or accept_unverifiable_iss=True to skip the check"
            )
        if issuer is not None and iss != issuer:
            raise InvalidResponseError(
                description="the authorization response's 'iss' is not the expected issuer "
                "(RFC 9207): possible mix-up attack"
            )
    state = params.get("state")
    if expected_state is None or not constant_time_equal(state, expected_state):
        raise MismatchingStateError(
            description="the callback's state does not match the state of the request sent "
            "(possible CSRF)"
        )
    if params.get("error"):
        raise AuthorizationError(
            error=params["error"],
            description=params.get("error_description"),
            uri=params.get("error_uri"),
        )
    return ValidatedCallback(params=dict(params), state=state)
