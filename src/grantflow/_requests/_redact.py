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
from collections.abc import Iterable

import requests

from .._core._secrets import MASK as _MASK
from .._core._secrets import record_sent, redact_text, redacting, sensitive_values
from .._core._token import SENSITIVE_PARAMETERS

__all__ = [
    "SENSITIVE_PARAMETERS",
    "QueryRedactingFilter",
    "record_sent",
    "redact_exception",
    "redact_text",
    "redacting",
    "sensitive_values",
]


def redact_exception(
    exc: requests.RequestException, secrets: Iterable[str]
) -> requests.RequestException:
    """``exc``, or a copy of the same type whose message shows none of ``secrets``."""
    original = str(exc)
    message = redact_text(original, secrets)
    if message == original:
        return exc
    return type(exc)(message, response=exc.response)


class QueryRedactingFilter(logging.Filter):
    """Masks sensitive query parameters in urllib3's DEBUG request lines.

    urllib3 logs ``"GET /token?password=… HTTP/1.1"``; with ``method="GET"`` token
    requests or ``token_placement="uri"`` that line would carry secrets.
    """

    _PARAM = re.compile(
        r"([?&](?:\w*_(?:token|secret)|" + "|".join(sorted(SENSITIVE_PARAMETERS)) + r")=)[^&\s\"']*"
    )

    def _masked(self, arg: object) -> object:
        if type(arg).__name__ == "URL":
            arg = str(arg)  # httpx logs its URL objects: "HTTP Request: GET <url> ..."
        return self._PARAM.sub(r"\1" + _MASK, arg) if isinstance(arg, str) else arg

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args and isinstance(record.args, tuple):
            record.args = tuple(self._masked(arg) for arg in record.args)
        if isinstance(record.msg, str) and "=" in record.msg:
            record.msg = self._PARAM.sub(r"\1" + _MASK, record.msg)
        return True


_FILTER = QueryRedactingFilter()


#: urllib3's and httpx's loggers that write request URLs (a logger's filters apply to its
#: own records).
_URL_LOGGERS = ("urllib3.connectionpool", "urllib3.util.retry", "urllib3.poolmanager", "httpx")


def install_log_filter() -> None:
    """Add the filter, once, to every urllib3 logger that writes request URLs."""
    for name in _URL_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


install_log_filter()
