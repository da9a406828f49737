"""Refuse plain-HTTP endpoints except on loopback (RFC 6749 §3.1, §3.2; RFC 8252 §8.3)."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from ..errors import InsecureTransportError

__all__ = ["check_secure_transport", "is_loopback_host"]


def is_loopback_host(host: str | None) -> bool:
    """True for ``localhost``, ``127.0.0.0/8`` and ``::1``."""
    if not host:
        return False
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_secure_transport(url: str, *, allow_insecure: bool) -> None:
    """Raise :class:`InsecureTransportError` for ``http://`` on a non-loopback host."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "https" or allow_insecure:
        return
    if scheme == "http" and is_loopback_host(parts.hostname):
        return
    where = f"{scheme}://{parts.hostname or ''}" if scheme else "a URL without a scheme"
    raise InsecureTransportError(
        description=f"OAuth 2.0 requires https; refusing {where} (set "
        "GRANTFLOW_INSECURE_TRANSPORT=1 to allow it during development)"
    )
