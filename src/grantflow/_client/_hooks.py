"""Compliance hooks: small fixes for providers that bend the spec, run in registration order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["HOOK_TYPES", "ComplianceHooks"]

HOOK_TYPES = (
    "access_token_request",
    "access_token_response",
    "refresh_token_request",
    "refresh_token_response",
    "revoke_token_request",
    "introspect_token_request",
    "protected_request",
)


class ComplianceHooks:
    """The hooks registered on one session, by type."""

    def __init__(self) -> None:
        self._hooks: dict[str, list[Callable[..., Any]]] = {name: [] for name in HOOK_TYPES}
        # Read on every resource request: an attribute, not a lookup by name.
        self.protected_request = self._hooks["protected_request"]

    def register(self, hook_type: str, hook: Callable[..., Any]) -> None:
        """Add ``hook`` for ``hook_type``; an unknown type is a ValueError naming the valid ones."""
        if hook_type not in self._hooks:
            raise ValueError(
                f"unknown compliance hook type {hook_type!r}; valid types: {', '.join(HOOK_TYPES)}"
            )
        if not callable(hook):
            raise TypeError("a compliance hook must be callable")
        self._hooks[hook_type].append(hook)

    def run_request(
        self, purpose: str, url: str, headers: dict[str, str], body: str
    ) -> tuple[str, dict[str, str], str]:
        """Run the ``<purpose>_request`` hooks: each takes and returns (url, headers, body)."""
        hook_type = purpose if purpose.endswith("_request") else f"{purpose}_request"
        for hook in self._hooks.get(hook_type, ()):
            url, headers, body = hook(url, headers, body)
        return url, headers, body

    def run_response(self, purpose: str, response: Any) -> Any:
        """Run the ``<purpose>_response`` hooks on the transport's own response object
        (``requests.Response`` or ``httpx.Response``): each takes and returns it."""
        for hook in self._hooks.get(f"{purpose}_response", ()):
            response = hook(response)
        return response
