"""DPoP over real HTTP on 127.0.0.1, for requests, httpx and async httpx alike.

The server (``_dpop_server``) verifies every proof as a resource server must; nonce
challenges at the token endpoint and at the resource are answered by one retry, and
a second refusal comes back as it came. A token taken without its key is refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests
from drivers import DRIVERS, make_client

from grantflow import DPoPKey, FileTokenStore, OAuthError
from grantflow.errors import UnsupportedTokenTypeError

from ._dpop_server import DPoPServer, stolen_request
from ._redis import RedisServer, redis_server_fixture  # noqa: F401
from ._wire import Reply, WireServer, json_reply

pytestmark = pytest.mark.parametrize("driver", DRIVERS)


def _client(driver: str, server: DPoPServer, **kwargs: Any) -> Any:
    options: dict[str, Any] = {
        "token_endpoint": server.token_url,
        "introspection_endpoint": server.wire.url("/introspect"),
        "grant_type": "client_credentials",
        "dpop": True,
    }
    options.update(kwargs)
    return make_client(driver, "app", "secret", **options)


def _proof_nonces(wire: WireServer, path: str) -> list[str | None]:
    import base64
    import json

    nonces = []
    for rec in wire.to(path):
        payload = (rec.header("DPoP") or "..").split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        nonces.append(claims.get("nonce"))
    return nonces


def test_a_dpop_session_is_accepted_by_a_verifying_resource_server(
    driver: str, wire: WireServer
) -> None:
    server = DPoPServer(wire)
    with _client(driver, server) as client:
        response = client.get(server.api_url)
        assert response.status_code == 200, server.refusals
        assert client.get(server.api_url).status_code == 200  # a fresh jti each time
        token = client.token
    assert token["token_type"] == "DPoP"
    api = wire.to("/api")
    assert [r.header("Authorization") for r in api] == [f"DPoP {token['access_token']}"] * 2
    assert server.refusals == []


def test_a_nonce_challenge_at_the_token_endpoint_is_answered_once(
    driver: str, wire: WireServer
) -> None:
    server = DPoPServer(wire, token_nonce=True)
    with _client(driver, server) as client:
        client.fetch_token()
        assert _proof_nonces(wire, "/token") == [None, server.nonce]
        # The nonce is remembered for the server: the next request needs no retry.
        client.fetch_token()
    assert _proof_nonces(wire, "/token") == [None, server.nonce, server.nonce]


def test_a_second_refusal_at_the_token_endpoint_is_raised_as_it_came(
    driver: str, wire: WireServer
) -> None:
    challenge = json_reply({"error": "use_dpop_nonce"}, 400, {"DPoP-Nonce": "n-1"})
    again = json_reply({"error": "use_dpop_nonce"}, 400, {"DPoP-Nonce": "n-2"})
    wire.script("/token", challenge, again)
    with (
        make_client(
            driver, "app", "secret", token_endpoint=wire.url("/token"), dpop=True
        ) as client,
        pytest.raises(OAuthError) as raised,
    ):
        client.fetch_token(grant_type="client_credentials")
    assert raised.value.error == "use_dpop_nonce"
    assert len(wire.to("/token")) == 2  # no loop


def test_a_nonce_challenge_at_the_resource_server_is_replayed_once(
    driver: str, wire: WireServer
) -> None:
    server = DPoPServer(wire, api_nonce=True)
    with _client(driver, server) as client:
        assert client.get(server.api_url).status_code == 200, server.refusals
        assert _proof_nonces(wire, "/api") == [None, server.nonce]
        assert client.get(server.api_url).status_code == 200
        assert len(wire.to("/api")) == 3  # the remembered nonce needed no retry
        server.rotate_nonce()
        assert client.get(server.api_url).status_code == 200
    assert _proof_nonces(wire, "/api")[-2:] == ["nonce-0", server.nonce]


def test_a_second_refusal_at_the_resource_server_is_returned_as_it_came(
    driver: str, wire: WireServer
) -> None:
    server = DPoPServer(wire)
    refusals = [
        Reply(401, b"", {"WWW-Authenticate": 'DPoP error="use_dpop_nonce"', "DPoP-Nonce": f"n-{i}"})
        for i in (1, 2)
    ]
    wire.script("/api", *refusals, refusals[-1])
    with _client(driver, server) as client:
        response = client.get(server.api_url)
    assert response.status_code == 401
    assert response.headers["DPoP-Nonce"] == "n-2"
    assert _proof_nonces(wire, "/api") == [None, "n-1"]


def test_a_stolen_token_without_the_key_is_refused(driver: str, wire: WireServer) -> None:
    server = DPoPServer(wire)
    with _client(driver, server) as client:
        assert client.get(server.api_url).status_code == 200
        access_token = client.token["access_token"]
        sent_proof = wire.to("/api")[-1].header("DPoP")
        introspected = client.introspect_token().json()
    assert introspected["cnf"]["jkt"] == server.bindings[access_token]
    thief = DPoPKey.generate()
    attempts = {
        "no proof": stolen_request(server.api_url, access_token),
        "as bearer": {"Authorization": f"Bearer {access_token}"},
        "the thief's own key": stolen_request(
            server.api_url, access_token, thief.proof("GET", server.api_url, access_token)
        ),
        "a replayed proof": stolen_request(server.api_url, access_token, sent_proof),
        "a proof for another URL": stolen_request(
            server.api_url,
            access_token,
            thief.proof("GET", wire.url("/other"), access_token),
        ),
    }
    for what, headers in attempts.items():
        response = requests.get(server.api_url, headers=headers, timeout=10)
        assert response.status_code == 401, what


def test_a_dpop_token_is_refused_by_a_client_without_a_key(driver: str, wire: WireServer) -> None:
    server = DPoPServer(wire)
    # A server that binds the token although the client sent no proof.
    wire.script("/token", json_reply({"access_token": "at-0", "token_type": "DPoP"}))
    with _client(driver, server, dpop=None) as client:
        with pytest.raises(UnsupportedTokenTypeError):
            client.fetch_token()
        client.token = {"access_token": "at-x", "token_type": "DPoP"}
        with pytest.raises(UnsupportedTokenTypeError):
            client.get(server.api_url)
    assert wire.to("/api") == []


def test_a_shared_store_keeps_the_key_with_the_token(
    driver: str, wire: WireServer, tmp_path: Path
) -> None:
    server = DPoPServer(wire)
    path = tmp_path / "token.json"
    with _client(driver, server, token_store=FileTokenStore(path)) as first:
        assert first.get(server.api_url).status_code == 200
        first_key = first._client.dpop_key if hasattr(first, "_client") else None
    # Another process: its own generated key gives way to the one stored with the token.
    with _client(driver, server, token_store=FileTokenStore(path)) as second:
        assert second.get(server.api_url).status_code == 200, server.refusals
        assert "dpop_private_jwk" not in second.token
        assert "d" not in repr(second.token) and "private" not in repr(second)
    if first_key is not None:
        assert first_key.private_jwk()["d"] in path.read_text()
    assert len(wire.to("/token")) == 1


def _counting_async_redis(server: RedisServer) -> Any:
    """A ``redis.asyncio`` client that counts the commands it sends."""
    import redis.asyncio

    class Counting(redis.asyncio.Redis):
        commands = 0

        async def execute_command(self, *args: Any, **options: Any) -> Any:
            Counting.commands += 1
            return await super().execute_command(*args, **options)  # type: ignore[no-untyped-call]

    return Counting(host="127.0.0.1", port=server.port, socket_timeout=5)


def test_a_redis_store_keeps_the_key_with_the_token_on_every_path(
    driver: str, wire: WireServer, redis_server: RedisServer, request: pytest.FixtureRequest
) -> None:
    from grantflow import RedisTokenStore

    server = DPoPServer(wire)
    key = f"dpop-{request.node.name}"
    sync = redis_server.client()
    sync.delete(f"grantflow:token:{key}")

    def store() -> tuple[Any, Any]:
        # The async client renews through redis.asyncio when the store offers it.
        native = _counting_async_redis(redis_server) if driver == "httpx-async" else None
        return RedisTokenStore(sync, key, async_client=native), native

    first_store, first_native = store()
    with _client(driver, server, token_store=first_store) as first:
        assert first.get(server.api_url).status_code == 200, server.refusals
        first_key = first._client.dpop_key
    raw = sync.get(f"grantflow:token:{key}")
    assert raw is not None and first_key.private_jwk()["d"].encode() in raw
    if first_native is not None:
        # The key-keeping layer passes the store's asyncio path through.
        assert type(first_native).commands > 0
    # Another process with a key of its own: the stored key wins, no new token.
    second_store, _ = store()
    with _client(driver, server, token_store=second_store) as second:
        assert second._client.dpop_key == first_key
        assert second.get(server.api_url).status_code == 200, server.refusals
        assert "dpop_private_jwk" not in second.token
        assert first_key.private_jwk()["d"] not in repr(second_store)
    assert len(wire.to("/token")) == 1
