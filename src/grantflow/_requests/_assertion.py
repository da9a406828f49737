"""``AssertionSession``: the JWT bearer grant (RFC 7523 §2.1) for service accounts."""

from __future__ import annotations

from .._client._assertion_methods import AssertionMethods
from ._session import OAuth2Session

__all__ = ["AssertionSession"]


class AssertionSession(AssertionMethods, OAuth2Session):
    """A session that pays for its tokens with signed JWT assertions (RFC 7523 §2.1).

    Every token request carries a fresh assertion (new ``iat``, ``exp`` and ``jti``); a
    token is fetched on the first request and again whenever it is due.
    """
