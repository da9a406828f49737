"""Keep secrets out of the messages of the requests exceptions grantflow lets through.

A network failure stays a ``requests`` exception, but requests puts the URL in its
message, and a GET token request or a token in the query carries secrets there.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit

import requests

__all__ = ["SENSITIVE_PARAMETERS", "redact_exception", "sensitive_values"]

SENSITIVE_PARAMETERS = frozenset(
    {
        "access_token",
        "actor_token",
        "assertion",
        "client_assertion",
        "client_secret",
        "code",
        "code_verifier",
        "device_code",
        "id_token",
        "password",
        "refresh_token",
        "subject_token",
        "token",
    }
)


def sensitive_values(url: str, body: str | None = None) -> list[str]:
    """The values of sensitive parameters in ``url``'s query and a form ``body``."""
    pairs = parse_qsl(urlsplit(url).query, keep_blank_values=False)
    if body:
        pairs += parse_qsl(body, keep_blank_values=False)
    return [value for key, value in pairs if key in SENSITIVE_PARAMETERS and value]


def redact_exception(
    exc: requests.RequestException, secrets: Iterable[str]
) -> requests.RequestException:
    """``exc``, or a copy of the same type whose message shows none of ``secrets``."""
    message = str(exc)
    original = message
    for secret in secrets:
        for form in {secret, quote(secret, safe=""), quote_plus(secret)}:
            message = message.replace(form, "***")
    if message == original:
        return exc
    return type(exc)(message, response=exc.response)
