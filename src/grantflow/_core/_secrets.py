"""Which values are secret in a request, and how they are scrubbed from text."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit

from ..errors import OAuthError
from ._token import is_secret_field

__all__ = ["MASK", "record_sent", "redact_text", "redacting", "sensitive_values"]

#: Shorter values are not scrubbed from free text: replacing them would garble it.
_MIN_SECRET_LENGTH = 4
MASK = "***"


def sensitive_values(url: str, body: str | None = None) -> list[str]:
    """The values of sensitive parameters in ``url``'s query and a form ``body``."""
    pairs = parse_qsl(urlsplit(url).query, keep_blank_values=False)
    if body:
        pairs += parse_qsl(body, keep_blank_values=False)
    return [value for key, value in pairs if is_secret_field(key) and value]


def redact_text(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret (raw, percent- and form-encoded) replaced by ``***``."""
    for secret in sorted(set(secrets), key=len, reverse=True):
        if len(secret) < _MIN_SECRET_LENGTH:
            continue
        for form in {secret, quote(secret, safe=""), quote_plus(secret)}:
            text = text.replace(form, MASK)
    return text


# What the requests sent inside the current `redacting()` block put on the wire.
_SENT: ContextVar[list[str] | None] = ContextVar("grantflow_sent_secrets", default=None)


def record_sent(secrets: Iterable[str]) -> None:
    """Remember secrets a request carried, for the enclosing :func:`redacting` block."""
    sent = _SENT.get()
    if sent is not None:
        sent.extend(s for s in secrets if s)


@contextmanager
def redacting(known: Iterable[str | None]) -> Iterator[None]:
    """Scrub ``known`` secrets and those sent meanwhile from an :class:`OAuthError` raised inside.

    A server's ``error_description`` and ``error_uri`` are its own text and may repeat
    the request (a password, a refresh token, an assertion); api.md §8 promises that
    ``str(e)`` never shows a secret.
    """
    sent: list[str] = []
    marker = _SENT.set(sent)
    try:
        yield
    except OAuthError as exc:
        secrets = [*sent, *(s for s in known if s)]
        exc.error = redact_text(exc.error, secrets)
        exc.description = redact_text(exc.description, secrets) if exc.description else None
        exc.uri = redact_text(exc.uri, secrets) if exc.uri else None
        exc.args = (str(exc),)
        raise
    finally:
        _SENT.reset(marker)
