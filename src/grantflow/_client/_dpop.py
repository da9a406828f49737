"""DPoP (RFC 9449) in the client's flows: which requests carry a proof, the nonce retry,
and the key kept with a shared token.

Token-endpoint requests (token, refresh, PAR, revocation, introspection) carry a proof
made when the request goes on the wire (``_prepare``), once per attempt, with the
newest nonce of its server. A ``use_dpop_nonce`` refusal is answered by exactly one
retry with the nonce it gave (§8); the second answer stands, so a nonce loop cannot
happen. Resource requests with a ``DPoP`` token get the ``DPoP`` scheme and a proof
with ``ath`` (§7.1); their nonce replay is decided in ``_replay``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager, AbstractContextManager, suppress
from typing import TYPE_CHECKING, Any

from .._core._http import HttpRequest, HttpResponse
from .._core._retry_policy import RETRY_STATUSES, grant_of, parse_retry_after
from .._core._token import OAuth2Token
from .._core._token_response import parse_token_response
from .._flows._drive import Flow, Send, Sleep
from .._stores._base import TokenStore
from .._stores._memory import MemoryTokenStore
from ..errors import InvalidResponseError, OAuthError

if TYPE_CHECKING:
    from .._core._dpop import DPoPKey, DPoPNonces, ProofFor
    from .._stores._async import AsyncTokenStore
    from ._client import Client

# _core._dpop (and joserfc with it) is imported on first use: ``import grantflow`` stays
# free of JOSE code (bench/bench_import_time.py).

__all__ = [
    "STORED_KEY_FIELD",
    "KeyKeepingStore",
    "is_dpop_token",
    "keeping_key",
    "note_resource_nonce",
    "proof_for",
    "resolve_dpop",
    "send_with_proof",
    "token_request",
]

#: The member of a stored token that holds the DPoP private key (never in the token
#: the application sees).
STORED_KEY_FIELD = "dpop_private_jwk"


def resolve_dpop(value: object) -> DPoPKey | None:
    """The key for ``dpop=``: True generates an ES256 key, a :class:`DPoPKey` is used as
    is, None or False means no DPoP."""
    if value is None or value is False:
        return None
    from .._core._dpop import DPoPKey

    if value is True:
        return DPoPKey.generate()
    if isinstance(value, DPoPKey):
        return value
    raise TypeError("dpop= takes True, False or a grantflow.DPoPKey")


def proof_for(client: Client, access_token: str | None = None) -> ProofFor | None:
    """The proof order for a request of ``client`` (None without a DPoP key)."""
    key = client.dpop_key
    if key is None:
        return None
    from .._core._dpop import ProofFor

    return ProofFor(key, client.dpop_nonces, access_token)


def send_with_proof(client: Client, step: Send, *, add_proof: bool = True) -> Flow[HttpResponse]:
    """Send ``step`` with a proof when the client has a key (``add_proof``, for requests of
    the client itself; a resource request orders its own); one retry on ``use_dpop_nonce``.

    Every answer's ``DPoP-Nonce`` is remembered for its origin (RFC 9449 §8.2), so the
    next request to that server starts with it. A malformed nonce in a challenge is an
    :class:`InvalidResponseError` (§8.1).
    """
    if step.proof is None and add_proof:
        proof = proof_for(client)
        if proof is not None:
            step = Send(step.request, step.purpose, step.client_auth, step.options, proof)
    response: HttpResponse = yield step
    if step.proof is None:
        return response
    from .._core._dpop import retry_nonce

    url = response.url or step.request.url
    if retry_nonce(response) is None:
        _remember_quietly(client.dpop_nonces, url, response)
        return response
    client.dpop_nonces.update(url, response)
    # RFC 9449 §8: one retry with the nonce the server gave; its answer stands.
    retried: HttpResponse = yield step
    _remember_quietly(client.dpop_nonces, retried.url or url, retried)
    return retried


def _remember_quietly(nonces: DPoPNonces, url: str, response: HttpResponse) -> None:
    """Remember a nonce a response volunteered; a malformed one is not used, but a
    response that is otherwise fine is not failed for it."""
    with suppress(InvalidResponseError):
        nonces.update(url, response)


def token_request(
    client: Client,
    request: HttpRequest,
    *,
    purpose: str,
    client_auth: Any,
    previous_refresh_token: str | None = None,
    options: Mapping[str, Any] | None = None,
) -> Flow[OAuth2Token]:
    """One token request (RFC 6749 §5) with DPoP when the client has a key; the token
    must be one the client can send (a ``DPoP`` token needs the key, RFC 9449 §7.1).

    A ``429``/``503`` answer or a request that never left the client is sent again as
    the client's :class:`RetryPolicy` allows; each wait is a :class:`Sleep` step, so the
    followers of a single flight wait for this one retrying leader.
    """
    response = yield from _send_with_retries(
        client, Send(request, purpose, client_auth, options), grant_of(request)
    )
    try:
        token = parse_token_response(response, previous_refresh_token=previous_refresh_token)
    except OAuthError as exc:
        if response.status_code in RETRY_STATUSES:
            # The token source waits this long before the next renewal (one back-off
            # for every caller, not one request each).
            exc.retry_after = parse_retry_after(response.header("retry-after"), time.time())
        raise
    if client.dpop_key is None and is_dpop_token(token):
        from .._core._dpop import check_token_binding

        check_token_binding(token, client.dpop_key)
    return token


def _send_with_retries(client: Client, step: Send, grant: str | None) -> Flow[HttpResponse]:
    """``step`` sent (with its DPoP nonce retry), and sent again while the policy says so."""
    policy = client.token_retries
    retry = 0
    while True:
        try:
            response: HttpResponse = yield from send_with_proof(client, step)
        except Exception as exc:
            delay = policy.after_failure(exc, retry, grant)
            if delay is None:
                raise
        else:
            delay = policy.after_response(response, retry, grant, time.time())
            if delay is None:
                return response
        retry += 1
        yield Sleep(delay)


def is_dpop_token(token: Mapping[str, Any]) -> bool:
    """Whether ``token`` is bound to a DPoP key (``token_type`` ``DPoP``, case-insensitive)."""
    token_type = token.get("token_type")
    return isinstance(token_type, str) and token_type.lower() == "dpop"


def note_resource_nonce(
    client: Client, url: str, response: HttpResponse, *, quietly: bool = False
) -> str | None:
    """Remember the nonce of a resource server's answer; for a ``use_dpop_nonce``
    challenge return it (a replay is then due), a malformed one being an
    :class:`InvalidResponseError` unless ``quietly``."""
    from .._core._dpop import retry_nonce

    if not quietly:
        nonce = retry_nonce(response)
        if nonce is not None:
            return client.dpop_nonces.update(url, response)
    _remember_quietly(client.dpop_nonces, url, response)
    return None


class KeyKeepingStore:
    """A shared token store that keeps the client's DPoP private key with the token.

    A token bound to a key is only usable with that key, so every process sharing the
    token must prove with the same one: each save writes the private JWK next to the
    token, and each load hands the key that came with the token to the client. The key
    never appears in the token the application sees, nor in this store's repr.
    """

    def __init__(self, store: TokenStore, client: Client) -> None:
        self._store = store
        self._client = client

    def load(self) -> dict[str, Any] | None:
        return self.unpack(self._store.load())

    def unpack(self, stored: dict[str, Any] | None) -> dict[str, Any] | None:
        """The token as loaded, its key taken out and handed to the client."""
        if stored is None:
            return None
        stored = dict(stored)
        jwk = stored.pop(STORED_KEY_FIELD, None)
        if isinstance(jwk, dict):
            self._adopt(jwk)
        return stored

    def _adopt(self, jwk: dict[str, Any]) -> None:
        from .._core._dpop import DPoPKey

        try:
            key = DPoPKey(jwk, jwk.get("alg"))
        except (ValueError, TypeError):
            return  # an unreadable key: the token will be refused and fetched again
        if key != self._client.dpop_key:
            self._client.dpop_key = key

    def save(self, token: dict[str, Any]) -> None:
        self._store.save(self.pack(token))

    def pack(self, token: dict[str, Any]) -> dict[str, Any]:
        """The token to save, with the private key that proves it."""
        key = self._client.dpop_key
        kept = dict(token)
        if key is not None:
            kept[STORED_KEY_FIELD] = key.private_jwk()
        return kept

    def asynchronous(self) -> AsyncTokenStore | None:
        """The wrapped store's own asyncio path (``RedisTokenStore`` with an
        ``async_client``), keeping the key the same way; None when it has none."""
        # Imported here: a sync driver never loads asyncio.
        from .._stores._async import AsyncTokenStore

        native = getattr(self._store, "asynchronous", None)
        inner = native() if callable(native) else None
        return _AsyncKeyKeeping(inner, self) if isinstance(inner, AsyncTokenStore) else None

    def clear(self) -> None:
        self._store.clear()

    def lock(self) -> AbstractContextManager[Any]:
        return self._store.lock()

    def __repr__(self) -> str:
        return repr(self._store)


class _AsyncKeyKeeping:
    """:class:`KeyKeepingStore` over a store's asyncio path."""

    def __init__(self, inner: AsyncTokenStore, keeper: KeyKeepingStore) -> None:
        self._inner = inner
        self._keeper = keeper

    async def load(self) -> dict[str, Any] | None:
        return self._keeper.unpack(await self._inner.load())

    async def save(self, token: dict[str, Any]) -> None:
        await self._inner.save(self._keeper.pack(token))

    def lock(self) -> AbstractAsyncContextManager[Any]:
        return self._inner.lock()


def keeping_key(store: TokenStore | None, client: Client) -> TokenStore | None:
    """``store`` wrapped to keep the DPoP key when it is shared (not in memory only)."""
    if store is None or isinstance(store, MemoryTokenStore) or client.dpop_key is None:
        return store
    return KeyKeepingStore(store, client)
