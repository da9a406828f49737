"""The development provider's outstanding device authorizations (RFC 8628), in memory."""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

from ._http import oauth_error

__all__ = ["DeviceRequest", "DeviceRequests"]


@dataclass(frozen=True, slots=True)
class DeviceRequest:
    """One device authorization: who asked, what for, and what the user decided."""

    device_code: str
    user_code: str
    client_id: str
    scope: tuple[str, ...]
    expires_at: int
    interval: int
    status: str = "pending"  # pending, approved, denied, used
    sub: str | None = None
    last_poll: int | None = None

    def __repr__(self) -> str:
        return f"DeviceRequest(client_id={self.client_id!r}, status={self.status!r})"


class DeviceRequests:
    """The outstanding device authorizations, by device code and user code."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_device: dict[str, DeviceRequest] = {}
        self._by_user: dict[str, str] = {}

    def add(self, request: DeviceRequest) -> None:
        with self._lock:
            self._by_device[request.device_code] = request
            self._by_user[request.user_code] = request.device_code

    def decide(self, user_code: str, sub: str | None, now: int) -> DeviceRequest:
        """Approve (``sub`` is the user) or deny (``sub`` None) a pending request."""
        normalised = user_code.upper().replace("-", "").replace(" ", "")
        with self._lock:
            device_code = self._by_user.get(normalised)
            found = self._by_device.get(device_code or "")
            if found is None or found.expires_at <= now:
                raise oauth_error("invalid_request", "unknown or expired user code")
            if found.status != "pending":
                raise oauth_error("invalid_request", "this user code was already used")
            decided = replace(found, status="approved" if sub else "denied", sub=sub)
            self._by_device[found.device_code] = decided
            return decided

    def poll(self, device_code: str, client_id: str, now: int) -> DeviceRequest:
        """Record a poll and return the request as it stood; errors per RFC 8628 §3.5."""
        with self._lock:
            found = self._by_device.get(device_code)
            if found is None or found.client_id != client_id or found.status == "used":
                raise oauth_error("invalid_grant", "device code is invalid or was already used")
            if found.expires_at <= now:
                raise oauth_error("expired_token", "device code is expired")
            if found.status == "denied":
                raise oauth_error("access_denied", "the end-user denied the authorization")
            if found.status == "pending":
                # The client must add 5 s after a slow_down (RFC 8628 §3.5); the server
                # keeps asking for its own interval only.
                too_soon = found.last_poll is not None and now - found.last_poll < found.interval
                self._by_device[device_code] = replace(found, last_poll=now)
                if too_soon:
                    raise oauth_error("slow_down", "polled sooner than the interval allows")
                raise oauth_error("authorization_pending", "the end-user has not decided yet")
            self._by_device[device_code] = replace(found, status="used")
            return found
