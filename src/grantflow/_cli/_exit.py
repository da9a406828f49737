"""Exit statuses of the ``grantflow`` command, and which failure maps to which.

Scripts branch on the status, so each class of failure keeps one number: the server
said no (1), the command line was wrong (2), the answer could not be trusted (3), or no
answer came at all (4). requests is imported only when a failure is described, so
``grantflow --version`` and ``--help`` do not load it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import (
    AuthorizationError,
    InsecureTransportError,
    MissingTokenError,
    OAuthError,
)

if TYPE_CHECKING:
    import requests

__all__ = [
    "EXIT_INTERRUPTED",
    "EXIT_INVALID_RESPONSE",
    "EXIT_NETWORK",
    "EXIT_OAUTH_ERROR",
    "EXIT_OK",
    "EXIT_OUTPUT_CLOSED",
    "EXIT_STATUS_HELP",
    "EXIT_USAGE",
    "CommandFailed",
    "describe_failure",
    "oauth_fields",
]

EXIT_OK = 0
EXIT_OAUTH_ERROR = 1
EXIT_USAGE = 2
EXIT_INVALID_RESPONSE = 3
EXIT_NETWORK = 4
EXIT_INTERRUPTED = 130
#: stdout was closed early (``grantflow demo | head``): 128 + SIGPIPE, as a shell reports
#: a program that a closed pipe ended.
EXIT_OUTPUT_CLOSED = 141

EXIT_STATUS_HELP = """\
exit status:
  0    success
  1    the server answered with an OAuth error (error and error_description on stderr)
  2    usage error: a bad or missing option, an unreadable file, a missing secret
  3    invalid response or failed check: state mismatch, bad ID token, wrong issuer,
       an answer that is not OAuth
  4    network error, or no redirect arrived before --timeout
  130  interrupted (Ctrl-C)
  141  stdout was closed before all was written (a pipe into head)
"""


class CommandFailed(Exception):
    """A failure the command has already put into words: its exit status and stderr lines.

    Raised inside the command and turned into its status by ``main``; it never leaves
    the ``grantflow`` command, so it is no part of the library's error hierarchy.
    """

    def __init__(self, status: int, lines: list[str]) -> None:
        super().__init__(lines[0] if lines else "")
        self.status = status
        self.lines = lines


def describe_failure(exc: BaseException) -> tuple[int, list[str]] | None:
    """The exit status and the stderr lines for an expected failure, else None.

    The lines come from protocol names and the server's own error fields: grantflow's
    errors never carry a secret or a token, and neither do the messages built here.
    """
    import requests

    if isinstance(exc, CommandFailed):
        return exc.status, exc.lines
    if isinstance(exc, OAuthError):
        return _oauth_failure(exc)
    if isinstance(exc, requests.exceptions.RequestException):
        return EXIT_NETWORK, [f"network error: {_network_reason(exc)}"]
    if isinstance(exc, TimeoutError):
        return EXIT_NETWORK, [f"timed out: {exc}"]
    if isinstance(exc, (ValueError, TypeError)):
        return EXIT_USAGE, [str(exc)]
    if isinstance(exc, OSError):
        where = f" ({exc.filename})" if exc.filename else ""
        return EXIT_USAGE, [f"{exc.strerror or exc}{where}"]
    return None


def oauth_fields(exc: OAuthError) -> list[str]:
    """An OAuth error's fields, one aligned line each (only those it has)."""
    fields = [f"  error:             {exc.error}"]
    if exc.description:
        fields.append(f"  error_description: {exc.description}")
    if exc.uri:
        fields.append(f"  error_uri:         {exc.uri}")
    if exc.status_code is not None:
        fields.append(f"  HTTP status:       {exc.status_code}")
    return fields


def _oauth_failure(exc: OAuthError) -> tuple[int, list[str]]:
    fields = oauth_fields(exc)
    if type(exc) is OAuthError or isinstance(exc, AuthorizationError):
        return EXIT_OAUTH_ERROR, ["the server answered with an OAuth error", *fields]
    if isinstance(exc, (InsecureTransportError, MissingTokenError)):
        return EXIT_USAGE, [str(exc)]
    return EXIT_INVALID_RESPONSE, ["a check failed, so nothing from this answer was used", *fields]


def _network_reason(exc: requests.exceptions.RequestException) -> str:
    # requests' messages can be long chains of nested reasons; the class name and the
    # host are what a person needs to see, never the query string (it may hold a code).
    kind = type(exc).__name__
    request = exc.request
    url = getattr(request, "url", None) if request is not None else None
    if isinstance(url, str) and url:
        return f"{kind} while contacting {url.split('?', 1)[0]}"
    return kind
