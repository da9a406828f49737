"""grantflow for httpx: ``OAuth2Client``, ``AsyncOAuth2Client`` and their kin (api.md §11).

Install with ``pip install 'grantflow[httpx]'``. The same OAuth parameters and methods as
``grantflow.OAuth2Session`` / ``AssertionSession``, plus every ``httpx.Client`` keyword;
the async client's methods are coroutines. Every protocol rule is the same code as for
requests: only the transport differs.
"""

from __future__ import annotations

try:
    import httpx as _httpx  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError("grantflow.httpx needs httpx: pip install 'grantflow[httpx]'") from exc

from ._httpx._auth import OAuth2Auth
from ._httpx._client import AssertionClient, AsyncAssertionClient, AsyncOAuth2Client, OAuth2Client

__all__ = [
    "AssertionClient",
    "AsyncAssertionClient",
    "AsyncOAuth2Client",
    "OAuth2Auth",
    "OAuth2Client",
]
