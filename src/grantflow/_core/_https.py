"""Refuse plain-HTTP endpoints except on loopback (RFC 6749 §3.1, §3.2; RFC 8252 §8.3).

The host is judged as the transport will read it. URL parsers disagree on a few
characters: urllib3 (under requests) ends the authority at a backslash, as browsers do,
while ``urllib.parse`` keeps reading, and ``urllib.parse`` silently drops tabs and line
breaks that the transport keeps. ``http://evil.example\\@127.0.0.1/`` is loopback to one
and ``evil.example`` to the other, so an authority holding such a character is refused
whatever the scheme, before any loopback judgement.
"""

from __future__ import annotations

import functools
import ipaddress
import os
import re
from collections.abc import Callable, Hashable
from typing import TypeVar
from urllib.parse import urlsplit

from ..errors import InsecureTransportError

__all__ = [
    "check_secure_transport",
    "insecure_transport_allowed",
    "is_loopback_host",
    "origin",
    "through_url_cache",
]

T = TypeVar("T")

# What urlsplit strips from both ends (WHATWG "C0 control or space").
_EDGE = "".join(map(chr, range(0x21)))
# scheme "://" authority, the authority read as RFC 3986 §3.2 does (up to / ? #)
_AUTHORITY = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://([^/?#]*)")
# Characters on which the parsers disagree about where the authority ends.
_AMBIGUOUS = re.compile(r"[\\\x00-\x20\x7f]")
_IPV6_LOOPBACK = ipaddress.IPv6Address("::1")
_IPV4_LOOPBACK = ipaddress.IPv4Network("127.0.0.0/8")


def is_loopback_host(host: str | None) -> bool:
    """True for ``localhost``, ``127.0.0.0/8`` and ``::1`` only (api.md §9).

    ``*.localhost`` names are not loopback here: whether they resolve to it depends on
    the resolver, and the contract names ``localhost`` alone.
    """
    if not host:
        return False
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address):
        return address == _IPV6_LOOPBACK
    return address in _IPV4_LOOPBACK


_FALSE_VALUES = frozenset({"", "0", "false", "no", "off"})


def insecure_transport_allowed() -> bool:
    """Whether ``GRANTFLOW_INSECURE_TRANSPORT`` is set (read at every call, api.md §9)."""
    value = os.environ.get("GRANTFLOW_INSECURE_TRANSPORT")
    return value is not None and value.strip().lower() not in _FALSE_VALUES


def check_secure_transport(url: str, *, allow_insecure: bool | None = None) -> None:
    """Raise :class:`InsecureTransportError` for ``http://`` on a non-loopback host, and
    for an authority that parsers read differently (``GRANTFLOW_INSECURE_TRANSPORT``
    does not lift that: it would not say which host is meant). ``allow_insecure=None``
    reads that variable."""
    authority = _AUTHORITY.match(url.strip(_EDGE))
    if authority is not None and _AMBIGUOUS.search(authority.group(1)):
        raise InsecureTransportError(
            description="refusing a URL whose authority holds a backslash, a space or a "
            "control character: URL parsers disagree on which host it names"
        )
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if allow_insecure is None:
        allow_insecure = insecure_transport_allowed()
    if scheme == "https" or allow_insecure:
        return
    if scheme == "http" and is_loopback_host(parts.hostname):
        return
    where = f"{scheme}://{parts.hostname or ''}" if scheme else "a URL without a scheme"
    raise InsecureTransportError(
        description=f"OAuth 2.0 requires https; refusing {where} (set "
        "GRANTFLOW_INSECURE_TRANSPORT=1 to allow it during development)"
    )


def through_url_cache(cached: Callable[..., T], url: str, *args: Hashable) -> T:
    """``cached(url, ...)`` for a function of a URL's scheme, authority and path, memoised
    by ``functools.lru_cache``: the query and fragment are cut first, and a URL holding
    credentials bypasses the cache, so no secret a URL may carry is kept there."""
    if "?" in url or "#" in url:
        url = url.partition("#")[0].partition("?")[0]
    if "@" in url:
        return cached.__wrapped__(url, *args)  # type: ignore[attr-defined, no-any-return]
    return cached(url, *args)


def origin(url: str) -> tuple[str, str, int | None]:
    """The origin of ``url`` (RFC 6454 §4): lower-case scheme and host, and the port with
    the scheme's default filled in."""
    return through_url_cache(_origin_of, url)


@functools.lru_cache(maxsize=512)
def _origin_of(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    default = {"https": 443, "http": 80}.get(scheme)
    return scheme, parts.hostname or "", port if port is not None else default
