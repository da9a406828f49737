"""The one exception tree of grantflow (every error derives from :class:`OAuthError`).

Each error carries the server's ``error``, ``error_description`` and ``error_uri`` when the
server sent them, and the HTTP ``status_code`` when there was a response. Messages never
contain a token, secret, code or assertion: callers build them from protocol names only.
"""

from __future__ import annotations

__all__ = [
    "AuthorizationError",
    "InsecureTransportError",
    "InvalidIDTokenError",
    "InvalidResponseError",
    "InvalidTokenError",
    "MismatchingStateError",
    "MissingTokenError",
    "OAuthError",
    "TokenStoreError",
    "UnsupportedTokenTypeError",
]


class OAuthError(Exception):
    """An OAuth error: the server's ``{"error": ...}`` answer, or a local protocol failure.

    The root of every grantflow error. ``str(error)`` is ``"{error}: {description}"``
    and never contains a secret or a token.

    Args:
        error: The error code (RFC 6749 §5.2), e.g. ``invalid_grant``; by default the
            class's own.
        description: The human-readable ``error_description``.
        uri: The ``error_uri``.
        status_code: The HTTP status of the answer, or None when there was none.

    Building an error raises nothing: it only stores its fields.
    """

    #: The error code used when none is given (subclasses name their own).
    default_error = "oauth_error"
    #: Seconds the server asked to wait (``Retry-After`` on a 429 or 503 token
    #: response, RFC 9110 §10.2.3), else None.
    retry_after: float | None = None

    def __init__(
        self,
        error: str | None = None,
        description: str | None = None,
        uri: str | None = None,
        status_code: int | None = None,
    ) -> None:
        self.error: str = error or self.default_error
        self.description: str | None = description
        self.uri: str | None = uri
        self.status_code: int | None = status_code
        super().__init__(str(self))

    @property
    def error_description(self) -> str | None:
        """The server's ``error_description`` (same as :attr:`description`)."""
        return self.description

    @property
    def error_uri(self) -> str | None:
        """The server's ``error_uri`` (same as :attr:`uri`)."""
        return self.uri

    def __str__(self) -> str:
        if self.description:
            return f"{self.error}: {self.description}"
        return self.error

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(error={self.error!r}, description={self.description!r}, "
            f"status_code={self.status_code!r})"
        )

    def __reduce__(self) -> tuple[object, ...]:
        # Keep errors picklable (multiprocessing) although __init__ takes keywords.
        return (_rebuild, (type(self), self.__dict__.copy()))


def _rebuild(cls: type[OAuthError], state: dict[str, object]) -> OAuthError:
    err = cls.__new__(cls)
    err.__dict__.update(state)
    Exception.__init__(err, str(err))
    return err


class AuthorizationError(OAuthError):
    """The authorization response (the redirect back to the client) carries ``error``."""

    default_error = "authorization_error"


class MismatchingStateError(OAuthError):
    """The callback's ``state`` is missing, unknown, or differs from the one sent (CSRF)."""

    default_error = "mismatching_state"


class InvalidResponseError(OAuthError):
    """A server response breaks the spec: not JSON, no ``access_token``, wrong issuer."""

    default_error = "invalid_response"


class InvalidIDTokenError(OAuthError):
    """An ID token failed validation; :attr:`claim` names what failed.

    Args:
        claim: What failed: a claim (``"iss"``, ``"aud"``, ``"exp"``, ``"nonce"``,
            ...), ``"signature"``, or ``"id_token"`` for the token as a whole.
        description: What was wrong; prefixed with the claim's name when it does not
            mention it. By default a sentence naming the claim.
        error: The error code; by default ``invalid_id_token``.
        uri: An ``error_uri``.
        status_code: The HTTP status, when an answer carried the ID token.

    Building an error raises nothing: it only stores its fields.
    """

    default_error = "invalid_id_token"

    def __init__(
        self,
        claim: str = "id_token",
        description: str | None = None,
        *,
        error: str | None = None,
        uri: str | None = None,
        status_code: int | None = None,
    ) -> None:
        self.claim: str = claim
        if description is None:
            description = f"the ID token's '{claim}' is not valid"
        elif f"'{claim}'" not in description:
            description = f"'{claim}': {description}"
        super().__init__(error, description, uri, status_code)


class MissingTokenError(OAuthError):
    """A protected request was made with no token and no way to get one."""

    default_error = "missing_token"


class InvalidTokenError(OAuthError):
    """The token is expired and can be neither refreshed nor re-fetched."""

    default_error = "invalid_token"


class UnsupportedTokenTypeError(OAuthError):
    """The token's ``token_type`` is not one grantflow can send (bearer or DPoP)."""

    default_error = "unsupported_token_type"


class InsecureTransportError(OAuthError):
    """An endpoint is plain ``http://`` on a host that is not loopback."""

    default_error = "insecure_transport"


class TokenStoreError(OAuthError):
    """A token store could not be read, written or locked (unreachable, or its lock timed out)."""

    default_error = "token_store_error"
