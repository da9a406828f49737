"""Keep secrets out of exception messages and log lines.

Three leaks are closed here:

- requests puts the URL in its exception messages, and a GET token request or a token
  in the query carries secrets there: :func:`redact_exception` returns a copy of the
  same type that shows none of them (callers raise it outside their ``except`` block,
  so the original does not ride along as ``__context__``);
- a server may echo the request in ``error_description`` ("invalid refresh_token
  …"): :func:`redacting` collects what each request sent and scrubs it, and the
  session's own secrets, from the :class:`OAuthError` raised inside it;
- urllib3 logs request lines, query included, at DEBUG: :class:`QueryRedactingFilter`
  masks the values of sensitive parameters in them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit

import requests

from .._core._token import SENSITIVE_PARAMETERS, is_secret_field
from ..errors import OAuthError

__all__ = [
    "SENSITIVE_PARAMETERS",
    "QueryRedactingFilter",
    "record_sent",
    "redact_exception",
    "redact_text",
    "redacting",
    "sensitive_values",
]


#: Shorter values are not scrubbed from free text: replacing them would garble it.
_MIN_SECRET_LENGTH = 4
_MASK = "***"


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
            text = text.replace(form, _MASK)
    return text


def redact_exception(
    exc: requests.RequestException, secrets: Iterable[str]
) -> requests.RequestException:
    """``exc``, or a copy of the same type whose message shows none of ``secrets``."""
    original = str(exc)
    message = redact_text(original, secrets)
    if message == original:
        return exc
    return type(exc)(message, response=exc.response)


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


class QueryRedactingFilter(logging.Filter):
    """Masks sensitive query parameters in urllib3's DEBUG request lines.

    urllib3 logs ``"GET /token?password=… HTTP/1.1"``; with ``method="GET"`` token
    requests or ``token_placement="uri"`` that line would carry secrets.
    """

    _PARAM = re.compile(
        r"([?&](?:\w*_(?:token|secret)|" + "|".join(sorted(SENSITIVE_PARAMETERS)) + r")=)[^&\s\"']*"
    )

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args and isinstance(record.args, tuple):
            record.args = tuple(
                self._PARAM.sub(r"\1" + _MASK, arg) if isinstance(arg, str) else arg
                for arg in record.args
            )
        if isinstance(record.msg, str) and "=" in record.msg:
            record.msg = self._PARAM.sub(r"\1" + _MASK, record.msg)
        return True


_FILTER = QueryRedactingFilter()


#: urllib3's loggers that write request URLs (a logger's filters apply to its own records).
_URL_LOGGERS = ("urllib3.connectionpool", "urllib3.util.retry", "urllib3.poolmanager")


def install_log_filter() -> None:
    """Add the filter, once, to every urllib3 logger that writes request URLs."""
    for name in _URL_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


install_log_filter()
