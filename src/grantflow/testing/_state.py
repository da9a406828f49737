"""In-memory, thread-safe state: codes, tokens, grants, sessions and seen ``jti`` values.

One lock guards everything: the server is small and a single lock makes each
check-and-update (one-time codes, refresh rotation, replay caches) atomic. Records
expire by the injected clock, so tests advance time instead of sleeping.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from .._core._random import generate_token

__all__ = ["AccessToken", "AuthCode", "Interaction", "RefreshToken", "Session", "Store"]


def new_handle() -> str:
    """A fresh opaque value (256 bits): codes, tokens, session and grant ids."""
    return generate_token(32)


@dataclass(frozen=True, slots=True)
class Authorization:
    """What the user granted in one authorization (shared by its code and tokens)."""

    client_id: str
    sub: str
    scope: tuple[str, ...]
    auth_time: int
    grant_id: str
    nonce: str | None = None
    acr: str | None = None
    claims: Mapping[str, Any] = field(default_factory=dict)
    resources: tuple[str, ...] = ()
    include_auth_time: bool = False


@dataclass(frozen=True, slots=True)
class AuthCode:
    """An authorization code (RFC 6749 §4.1.2), bound to its client, redirect and PKCE."""

    code: str
    grant: Authorization
    redirect_uri: str | None
    code_challenge: str | None
    expires_at: float
    #: RFC 9449 §10: the thumbprint the token request's DPoP proof must match.
    dpop_jkt: str | None = None

    def __repr__(self) -> str:
        return f"AuthCode(client_id={self.grant.client_id!r}, expires_at={self.expires_at})"


@dataclass(frozen=True, slots=True)
class AccessToken:
    """An issued access token (opaque value or a JWT's ``jti``) and what it allows."""

    token: str
    client_id: str
    sub: str | None
    scope: tuple[str, ...]
    audience: str | None
    issued_at: int
    expires_at: int
    grant_id: str | None
    claims: Mapping[str, Any] = field(default_factory=dict)
    #: The RFC 7638 thumbprint of the DPoP key the token is bound to (RFC 9449 §6).
    jkt: str | None = None

    def __repr__(self) -> str:
        return f"AccessToken(client_id={self.client_id!r}, expires_at={self.expires_at})"


@dataclass(frozen=True, slots=True)
class RefreshToken:
    """A refresh token; ``rotated`` once exchanged (reuse then revokes its grant)."""

    token: str
    grant: Authorization
    scope: tuple[str, ...]
    issued_at: int
    expires_at: int
    rotated: bool = False
    #: A public client's refresh token is bound to its DPoP key (RFC 9449 §5).
    jkt: str | None = None

    def __repr__(self) -> str:
        return f"RefreshToken(client_id={self.grant.client_id!r}, rotated={self.rotated})"


@dataclass(frozen=True, slots=True)
class Session:
    """A logged-in browser (the ``_session`` cookie) and the clients it consented to."""

    sid: str
    sub: str
    auth_time: int
    expires_at: float
    clients: frozenset[str] = frozenset()

    def __repr__(self) -> str:
        return f"Session(sub={self.sub!r}, auth_time={self.auth_time})"


@dataclass(frozen=True, slots=True)
class Interaction:
    """An authorization request waiting on the login page (``login_page=True`` only)."""

    uid: str
    params: Mapping[str, str]
    expires_at: float

    def __repr__(self) -> str:
        return f"Interaction(expires_at={self.expires_at})"


class Store:
    """Every piece of server state, behind one lock; ``clock`` gives epoch seconds."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._codes: dict[str, AuthCode] = {}
        self._used_codes: dict[str, tuple[str, float]] = {}
        self._access: dict[str, AccessToken] = {}
        self._refresh: dict[str, RefreshToken] = {}
        self._revoked_grants: set[str] = set()
        self._sessions: dict[str, Session] = {}
        self._interactions: dict[str, Interaction] = {}
        self._jtis: dict[tuple[str, str], float] = {}
        self._writes = 0

    def __repr__(self) -> str:
        return "Store()"

    def now(self) -> int:
        """The current time in whole epoch seconds (the provider's clock)."""
        return int(self._clock())

    # -- authorization codes -------------------------------------------------------

    def add_code(self, code: AuthCode) -> None:
        """Remember a freshly issued code."""
        with self._lock:
            self._count_write_locked()
            self._codes[code.code] = code

    def redeem_code(self, value: str, check: Callable[[AuthCode], None]) -> AuthCode | None:
        """Take a code for its one use; a second use revokes what the first one issued.

        ``check`` runs under the lock and raises to refuse the request, leaving the code
        unused (a wrong ``code_verifier`` does not burn it). RFC 6749 §4.1.2: on reuse
        the server "SHOULD revoke (when possible) all tokens previously issued based on
        that authorization code". Returns None for unknown, expired or replayed codes.
        """
        now = self._clock()
        with self._lock:
            used = self._used_codes.get(value)
            if used is not None:
                self._revoke_grant_locked(used[0])
                return None
            code = self._codes.get(value)
            if code is None or code.expires_at <= now:
                return None
            check(code)
            del self._codes[value]
            self._used_codes[value] = (code.grant.grant_id, code.expires_at)
            self._purge_locked(now)
            return code

    # -- tokens --------------------------------------------------------------------

    def add_access_token(self, token: AccessToken) -> None:
        """Remember an issued access token (opaque or JWT, by its value)."""
        with self._lock:
            self._count_write_locked()
            self._access[token.token] = token

    def find_access_token(self, value: str) -> AccessToken | None:
        """The live access token with this value, if any."""
        with self._lock:
            token = self._access.get(value)
            if token is None or token.expires_at <= self._clock():
                return None
            if token.grant_id is not None and token.grant_id in self._revoked_grants:
                return None
            return token

    def add_refresh_token(self, token: RefreshToken) -> None:
        """Remember an issued refresh token."""
        with self._lock:
            self._count_write_locked()
            self._refresh[token.token] = token

    def find_refresh_token(self, value: str) -> RefreshToken | None:
        """The live, not yet rotated refresh token with this value, if any."""
        with self._lock:
            token = self._refresh.get(value)
            if token is None or token.rotated or not self._live_locked(token):
                return None
            return token

    def rotate_refresh_token(
        self, value: str, client_id: str, check: Callable[[RefreshToken], None]
    ) -> RefreshToken | None:
        """Consume a refresh token for a rotation; reuse of a rotated one kills its grant.

        RFC 9700 §4.14.2: when a rotated refresh token comes back, one of the two parties
        holding it is an attacker, so the whole grant (every token of it) is revoked.
        ``check`` runs under the lock and raises to refuse without consuming the token.
        """
        with self._lock:
            token = self._refresh.get(value)
            if token is None or token.grant.client_id != client_id:
                return None
            if token.rotated:
                self._revoke_grant_locked(token.grant.grant_id)
                return None
            if not self._live_locked(token):
                return None
            check(token)
            self._refresh[value] = replace(token, rotated=True)
            return token

    def revoke(self, value: str, client_id: str) -> bool:
        """Revoke one token of ``client_id`` (RFC 7009 §2.1); False if it is another's.

        Revoking a refresh token revokes its grant, and with it the access tokens issued
        from the same authorization (RFC 7009 §2.1 allows it; oidc-provider does it).
        """
        with self._lock:
            access = self._access.get(value)
            if access is not None:
                if access.client_id != client_id:
                    return False
                del self._access[value]
                return True
            refresh = self._refresh.get(value)
            if refresh is not None:
                if refresh.grant.client_id != client_id:
                    return False
                self._revoke_grant_locked(refresh.grant.grant_id)
            return True

    def revoke_grant(self, grant_id: str) -> None:
        """Revoke every token issued under one grant."""
        with self._lock:
            self._revoke_grant_locked(grant_id)

    def _revoke_grant_locked(self, grant_id: str) -> None:
        self._revoked_grants.add(grant_id)
        for key in [k for k, t in self._refresh.items() if t.grant.grant_id == grant_id]:
            del self._refresh[key]
        for key in [k for k, t in self._access.items() if t.grant_id == grant_id]:
            del self._access[key]

    def _live_locked(self, token: RefreshToken) -> bool:
        return token.expires_at > self._clock() and token.grant.grant_id not in self._revoked_grants

    # -- replay cache ----------------------------------------------------------------

    def first_use_of_jti(self, issuer: str, jti: str, expires_at: float) -> bool:
        """Record an assertion's ``jti``; False if the same issuer already used it.

        RFC 7523 §3 item 7: the server may refuse a JWT whose ``jti`` it has seen. Kept
        until the assertion expires, after which the ``exp`` check refuses it anyway.
        """
        with self._lock:
            self._purge_locked(self._clock())
            key = (issuer, jti)
            if key in self._jtis:
                return False
            self._jtis[key] = expires_at
            return True

    # -- sessions and interactions ---------------------------------------------------

    def add_session(self, session: Session) -> None:
        """Remember a browser session (keyed by its ``sid``)."""
        with self._lock:
            self._sessions[session.sid] = session

    def find_session(self, sid: str | None) -> Session | None:
        """The live session with this id, if any."""
        if not sid:
            return None
        with self._lock:
            session = self._sessions.get(sid)
            return session if session is not None and session.expires_at > self._clock() else None

    def end_session(self, sid: str | None) -> None:
        """Forget a session (RP-initiated logout)."""
        if sid:
            with self._lock:
                self._sessions.pop(sid, None)

    def add_interaction(self, interaction: Interaction) -> None:
        """Park an authorization request until the login form is submitted."""
        with self._lock:
            self._interactions[interaction.uid] = interaction

    def find_interaction(self, uid: str) -> Interaction | None:
        """The pending interaction with this id, if it has not expired."""
        with self._lock:
            found = self._interactions.get(uid)
            return found if found is not None and found.expires_at > self._clock() else None

    def finish_interaction(self, uid: str) -> Interaction | None:
        """Take a pending interaction for its one completion."""
        with self._lock:
            found = self._interactions.pop(uid, None)
            return found if found is not None and found.expires_at > self._clock() else None

    def _purge_locked(self, now: float) -> None:
        """Drop what has expired, so a long-running server does not grow without end."""
        for jti_key in [k for k, exp in self._jtis.items() if exp + 60 < now]:
            del self._jtis[jti_key]
        for code in [k for k, (_, exp) in self._used_codes.items() if exp + 600 < now]:
            del self._used_codes[code]
        expired: list[tuple[dict[str, Any], list[str]]] = [
            (self._codes, [k for k, c in self._codes.items() if c.expires_at <= now]),
            (self._access, [k for k, t in self._access.items() if t.expires_at <= now]),
            (self._refresh, [k for k, t in self._refresh.items() if t.expires_at <= now]),
            (self._sessions, [k for k, x in self._sessions.items() if x.expires_at <= now]),
            (self._interactions, [k for k, i in self._interactions.items() if i.expires_at <= now]),
        ]
        for table, keys in expired:
            for key in keys:
                del table[key]

    def _count_write_locked(self) -> None:
        # Purging scans every table: do it once per batch of writes, not on each one.
        self._writes += 1
        if self._writes % 256 == 0:
            self._purge_locked(self._clock())
