"""requests-oauthlib's names, kept with their meaning, and its habits answered clearly.

Code written for requests-oauthlib calls ``authorization_url()`` and reads ``authorized``;
both exist here with the same meaning. Its other habits do not fit a session that owns
its credentials: a ``client_secret=`` given to ``fetch_token`` (which a server would answer
with ``invalid_client``) is refused before anything is sent, with a message that says where
the secret goes instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from ._client import Client

__all__ = ["RequestsOAuthlibNames", "check_token_request_keywords"]

#: Keywords requests-oauthlib's ``fetch_token`` / ``refresh_token`` take for credentials,
#: and what grantflow wants instead.
_CREDENTIAL_KEYWORDS: Mapping[str, str] = {
    "client_secret": (
        "the client secret belongs to the constructor, OAuth2Session(client_id, "
        "client_secret), which authenticates every token, refresh, revocation and "
        "introspection request with it (token_endpoint_auth_method= chooses how; "
        '"client_secret_post" sends it in the form body)'
    ),
    "include_client_id": (
        'choose client authentication in the constructor: token_endpoint_auth_method="none" '
        'sends client_id in the body for a public client, "client_secret_post" sends '
        "client_id and client_secret there"
    ),
}


def check_token_request_keywords(operation: str, kwargs: Mapping[str, Any]) -> None:
    """Refuse requests-oauthlib's credential keywords with a TypeError saying what to do.

    Sent as form fields they would give the server two sets of credentials (RFC 6749
    §2.3: a client must not use more than one authentication method per request), and
    the user an ``invalid_client`` that names neither the keyword nor the fix.
    """
    for name, advice in _CREDENTIAL_KEYWORDS.items():
        if name in kwargs:
            raise TypeError(f"{operation}() got {name}=: {advice}")


class RequestsOAuthlibNames:
    """``authorization_url()`` and ``authorized``, as requests-oauthlib's session has them."""

    _client: Client

    if TYPE_CHECKING:
        # OAuthMethods' (or an async driver's own); declared loosely, defined once there.
        create_authorization_url: Callable[..., Any]

    def authorization_url(
        self, url: str | None = None, state: str | None = None, **kwargs: Any
    ) -> tuple[str, str]:
        """Alias of :meth:`create_authorization_url`: returns ``(url, state)``.

        The request is remembered (state, PKCE verifier, nonce) exactly as there.
        """
        return cast("tuple[str, str]", self.create_authorization_url(url, state, **kwargs))

    @property
    def authorized(self) -> bool:
        """Whether the session holds a token with an access token (expired or not)."""
        token = self._client.token
        return bool(token is not None and token.get("access_token"))
