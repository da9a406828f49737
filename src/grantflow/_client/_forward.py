"""What every driver shares: attributes that live on the client, and options to split off."""

from __future__ import annotations

from typing import Any

__all__ = ["REQUEST_OPTIONS", "SESSION_ATTRIBUTES", "Forward", "split_request_options"]


#: kwargs of fetch_token & co. that are requests options rather than form parameters.
REQUEST_OPTIONS = frozenset(
    {
        "timeout",
        "verify",
        "cert",
        "proxies",
        "allow_redirects",
        "headers",
        "cookies",
        "stream",
        "json",
        "hooks",
        "files",
    }
)

#: Constructor kwargs that are requests.Session attributes.
SESSION_ATTRIBUTES = ("proxies", "hooks", "stream", "verify", "cert", "max_redirects", "trust_env")


def split_request_options(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Remove and return the requests options found in ``kwargs``."""
    return {key: kwargs.pop(key) for key in list(kwargs) if key in REQUEST_OPTIONS}


class Forward:
    """An attribute of the session that lives on its OAuth client."""

    def __init__(self, doc: str, *, drops_auths: bool = False) -> None:
        self.__doc__ = doc
        self._drops_auths = drops_auths

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        if obj is None:
            return self
        return getattr(obj._client, self._name)

    def __set__(self, obj: Any, value: Any) -> None:
        setattr(obj._client, self._name, value)
        if self._drops_auths:
            # The driver's auths copied the placement and the retry switch.
            obj._drop_auths()
