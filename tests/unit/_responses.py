"""Hand-built responses for the unit tables."""

from __future__ import annotations

import json
from collections.abc import Mapping

from grantflow._core._http import HttpResponse


def json_response(
    status: int, body: object, headers: Mapping[str, str] | None = None
) -> HttpResponse:
    """A response whose body is ``body`` as JSON, labelled ``application/json``."""
    return HttpResponse(
        status, {"Content-Type": "application/json", **(headers or {})}, json.dumps(body).encode()
    )
