"""What a driver gives the shared OAuth methods: its client and how it runs a flow."""

from __future__ import annotations

from typing import Any, TypeVar

from .._flows._drive import Flow
from ._client import Client

__all__ = ["Driver"]

T = TypeVar("T")


class Driver:
    """The hooks ``OAuthMethods`` and ``DelegationMethods`` call; each driver
    (``OAuth2Session``, ``OAuth2Client``, ``AsyncOAuth2Client``) defines them."""

    _client: Client

    def _drive(self, flow: Flow[T], raw: bool = False) -> T:
        """Run ``flow`` over this driver's transport (``raw``: the native response).

        An async driver returns an awaitable of the result instead."""
        raise NotImplementedError

    def _split_options(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        """Remove and return the transport options among an OAuth call's ``kwargs``."""
        raise NotImplementedError

    def _drop_auths(self) -> None:
        """Forget auths that copied the token placement or the retry switch."""
