"""``AssertionSession``: the JWT bearer grant (RFC 7523 §2.1) for service accounts."""

from __future__ import annotations

from .._client._assertion_methods import AssertionMethods
from ._session import OAuth2Session

__all__ = ["AssertionSession"]


class AssertionSession(AssertionMethods, OAuth2Session):
    """A session that pays for its tokens with signed JWT assertions (RFC 7523 §2.1).

    Every token request carries a fresh assertion (new ``iat``, ``exp`` and ``jti``); a
    token is fetched on the first request and again whenever it is due.

    Args:
        token_endpoint: Where tokens are requested.
        issuer: The assertion's ``iss`` (for a service account, its e-mail).
        subject: The assertion's ``sub``, the user to act for; None omits it.
        audience: The assertion's ``aud``; by default the token endpoint.
        grant_type: By default ``urn:ietf:params:oauth:grant-type:jwt-bearer``.
        claims: Further claims of the assertion.
        token_placement: ``"header"``, ``"body"`` or ``"uri"``.
        scope: The scope to request (sent as a parameter).
        default_timeout: Applied to every request that gives no ``timeout``.
        leeway: Seconds before ``expires_at`` at which a token counts as expired.
        key: The signing key: an HMAC secret for HS*, or a private key (PEM, JWK dict,
            key object).
        alg: The signing algorithm (or give ``header={"alg": ...}``).
        header: Further JOSE header values (``kid``, ...).
        client_id: Sent as ``client_id`` when given.
        **kwargs: As for ``OAuth2Session``.

    Raises:
        TypeError: An unknown keyword.
        ValueError: No algorithm (raised when the first assertion is built, before
            anything is sent).
    """
