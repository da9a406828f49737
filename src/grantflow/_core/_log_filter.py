"""Keep secrets out of the HTTP libraries' log lines.

urllib3 (under requests) and httpx log request lines, query included: urllib3 at DEBUG
(``"GET /token?password=… HTTP/1.1"``), httpx at INFO (``"HTTP Request: GET <url>"``).
With ``method="GET"`` token requests or ``token_placement="uri"`` those lines would
carry secrets; :class:`QueryRedactingFilter` redacts the values of sensitive parameters.
Neither library is imported here: a filter on a logger name costs nothing until it logs.
"""

from __future__ import annotations

import logging
import re

from ._secrets import REDACTION, is_secret_field

__all__ = ["QueryRedactingFilter", "install_log_filter"]


class QueryRedactingFilter(logging.Filter):
    """Masks the values of credential query parameters (``is_secret_field``) in the
    request lines urllib3 and httpx log."""

    _PARAM = re.compile(r"([?&])([^=&\s\"'#]+)=([^&\s\"'#]*)")

    @staticmethod
    def _redact_match(match: re.Match[str]) -> str:
        if not is_secret_field(match.group(2)):
            return match.group(0)
        return f"{match.group(1)}{match.group(2)}={REDACTION}"

    def _redacted(self, arg: object) -> object:
        if type(arg).__name__ == "URL":
            arg = str(arg)  # httpx logs its URL objects: "HTTP Request: GET <url> ..."
        return self._PARAM.sub(self._redact_match, arg) if isinstance(arg, str) else arg

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args and isinstance(record.args, tuple):
            record.args = tuple(self._redacted(arg) for arg in record.args)
        if isinstance(record.msg, str) and "=" in record.msg:
            record.msg = self._PARAM.sub(self._redact_match, record.msg)
        return True


_FILTER = QueryRedactingFilter()

#: urllib3's and httpx's loggers that write request URLs (a logger's filters apply to its
#: own records).
_URL_LOGGERS = ("urllib3.connectionpool", "urllib3.util.retry", "urllib3.poolmanager", "httpx")


def install_log_filter() -> None:
    """Add the filter, once, to every logger that writes request URLs."""
    for name in _URL_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
