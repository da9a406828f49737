"""Keep secrets out of requests' exception messages.

requests puts the URL in its exception messages, and a GET token request or a token in
the query carries secrets there: :func:`redact_exception` returns a copy of the same
type that shows none of them (callers raise it outside their ``except`` block, so the
original does not ride along as ``__context__``). Error bodies are redacted by
``_core._secrets.redacting``; log lines by ``_core._log_filter``.
"""

from __future__ import annotations

from collections.abc import Iterable

import requests

from .._core._secrets import redact_text

__all__ = ["redact_exception"]


def redact_exception(
    exc: requests.RequestException, secrets: Iterable[str]
) -> requests.RequestException:
    """``exc``, or a copy of the same type whose message shows none of ``secrets``."""
    original = str(exc)
    message = redact_text(original, secrets)
    if message == original:
        return exc
    return type(exc)(message, response=exc.response)
