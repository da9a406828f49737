"""The one home of the secrets rule: which names carry credentials, and how their values
are redacted from reprs and error text (log lines: ``_log_filter``, which asks
:func:`is_secret_field` too). Every helper is named for the one verb: :func:`redacted`,
:func:`redact_text`, :func:`redacting`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit

from ..errors import OAuthError

__all__ = [
    "REDACTION",
    "SECRET_TOKEN_FIELDS",
    "SENSITIVE_PARAMETERS",
    "is_secret_field",
    "record_sent",
    "redact_text",
    "redacted",
    "redacting",
    "sensitive_values",
]

#: Shorter values are not redacted from free text: replacing them would garble it.
_MIN_SECRET_LENGTH = 4
REDACTION = "***"

#: Token fields that must never appear in a repr, log line or error message.
SECRET_TOKEN_FIELDS = frozenset({"access_token", "refresh_token", "id_token"})

_NOT_SECRET = frozenset({"token_type", "issued_token_type", "requested_token_type"})

#: Parameter and member names that always carry a credential; names ending in
#: ``_token`` or ``_secret`` do too (see :func:`is_secret_field`).
SENSITIVE_PARAMETERS = frozenset(
    {
        *SECRET_TOKEN_FIELDS,
        "actor_token",
        "assertion",
        "client_assertion",
        "client_secret",
        "code",
        "code_verifier",
        "device_code",
        "device_secret",
        "mac_key",
        "password",
        "subject_token",
        "token",
    }
)


def is_secret_field(name: object) -> bool:
    """Whether a form parameter or response member holds a credential.

    Beyond the named ones, any ``*_token`` or ``*_secret``: responses nest a user's token
    in a provider's envelope, OpenID Connect Native SSO returns ``device_secret``.
    """
    if not isinstance(name, str) or name in _NOT_SECRET:
        return False
    return name in SENSITIVE_PARAMETERS or name.endswith(("_token", "_secret"))


def redacted(value: Any) -> Any:
    """A copy of ``value`` (dicts and lists, recursively) with credentials replaced by ``***``."""
    if isinstance(value, Mapping):
        return {k: (REDACTION if is_secret_field(k) else redacted(v)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redacted(v) for v in value]
    return value


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
            text = text.replace(form, REDACTION)
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
    """Redact ``known`` secrets and those sent meanwhile in an :class:`OAuthError` raised inside.

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
