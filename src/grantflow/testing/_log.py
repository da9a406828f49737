"""The development provider's request log: one line per request, without a secret."""

from __future__ import annotations

from ._client_auth import client_named
from ._http import Request

__all__ = ["log_line"]


def log_line(request: Request, status: int) -> str:
    """``POST /token 200 client-basic``: never the query, a header or the body.

    Those carry codes, secrets, assertions and tokens; the path and the client id do not.
    """
    client = client_named(request)
    return f"{request.method} {request.path} {status}" + (f" {client}" if client else "")
