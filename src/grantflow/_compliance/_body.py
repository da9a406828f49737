"""Read and replace a token endpoint response's body, for every transport grantflow drives.

A compliance hook receives the transport's own response object: a ``requests.Response``,
or an ``httpx.Response`` for ``grantflow.httpx``. Both keep the body they have read in
``_content`` (what ``.content`` and ``.json()`` return) and have mutable ``headers``, so
one helper serves both without importing either library.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TypeVar
from urllib.parse import parse_qsl

__all__ = ["read_object", "replace_json"]

R = TypeVar("R")


def read_object(response: Any) -> dict[str, Any] | None:
    """The body as a dict: a JSON object, or form-encoded pairs; None for anything else.

    Some providers answer the token endpoint with ``access_token=...&expires=...`` (often
    labelled ``text/plain``), so form pairs are read too. HTML, a JSON array, or text that
    is neither gives None: the hook then leaves the response alone and grantflow reports
    it as it is.
    """
    raw = getattr(response, "content", b"")
    if not isinstance(raw, bytes):
        return None
    text = raw.decode("utf-8", errors="replace").strip()
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            return None
        return data if isinstance(data, dict) else None
    if not text or text.startswith(("[", "<")):
        return None
    try:
        return dict(parse_qsl(text, keep_blank_values=True, strict_parsing=True))
    except ValueError:
        return None


def replace_json(response: R, data: Mapping[str, Any]) -> R:
    """Make ``data`` (as JSON) the body of ``response``, for requests and httpx alike."""
    # ASCII JSON (non-ASCII escaped): it reads the same whatever charset the response
    # settled on from its old Content-Type.
    body = json.dumps(data).encode("ascii")
    target: Any = response
    target._content = body
    if "_text" in vars(target):
        # httpx caches the decoded text once it has been read: it would outlive the body.
        del target._text
    headers = target.headers
    headers["Content-Type"] = "application/json"
    headers["Content-Length"] = str(len(body))
    # The new body is plain bytes, whatever compression carried the old one.
    headers.pop("Content-Encoding", None)
    return response
