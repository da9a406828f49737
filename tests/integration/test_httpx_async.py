"""httpx specifics: async single flight, cancellation, hooks on httpx responses, and code
written for the best-known library's httpx clients running with imports changed.

The local token server answers after 100 ms and rotates refresh tokens (a reused one
is ``invalid_grant`` and revokes the family), so a second refresh would show both in
the count and as failed calls. Assertions are on counts, never durations.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from grantflow import OAuth2Token
from grantflow.httpx import AsyncOAuth2Client, OAuth2Auth, OAuth2Client

from ._token_server import TokenServer, server_fixture  # noqa: F401

TASKS = 1000


def _async_client(server: TokenServer, **kwargs: Any) -> AsyncOAuth2Client:
    return AsyncOAuth2Client(
        "client", "secret", token_endpoint=server.token_url, token=server.issue(), **kwargs
    )


def test_a_thousand_tasks_with_a_due_token_cause_one_refresh(server: TokenServer) -> None:
    updates: list[dict[str, Any]] = []

    async def main() -> list[int]:
        async with _async_client(server, update_token=lambda t, **kw: updates.append(kw)) as c:
            responses = await asyncio.gather(*(c.get(server.api_url) for _ in range(TASKS)))
            return [r.status_code for r in responses]

    statuses = asyncio.run(main())
    seen = server.snapshot()
    assert seen.refresh_requests == 1
    assert seen.invalid_grant == 0
    assert statuses == [200] * TASKS
    assert len(updates) == 1 and updates[0].get("refresh_token")


def test_an_async_update_token_callback_is_awaited(server: TokenServer) -> None:
    seen: list[str] = []

    async def update(token: OAuth2Token, refresh_token: str | None = None, **kw: Any) -> None:
        await asyncio.sleep(0)
        seen.append(token["access_token"])

    async def main() -> str:
        async with _async_client(server, update_token=update) as client:
            await client.get(server.api_url)
            return str(client.token["access_token"])

    current = asyncio.run(main())
    assert seen == [current]


def test_a_task_cancelled_while_it_refreshes_does_not_lose_the_rotated_token(
    server: TokenServer,
) -> None:
    async def main() -> int:
        async with _async_client(server) as client:
            # The async client types its methods as awaitables: ensure_future schedules one.
            leader = asyncio.ensure_future(client.ensure_active_token())
            await asyncio.sleep(0.03)  # the leader is waiting on the 100 ms token endpoint
            leader.cancel()
            with pytest.raises(asyncio.CancelledError):
                await leader
            # The refresh the leader started was already sent (the server rotated the
            # refresh token): it completes without the leader, and the next task uses it.
            response = await asyncio.wait_for(client.get(server.api_url), timeout=10)
            return response.status_code

    assert asyncio.run(main()) == 200
    seen = server.snapshot()
    assert seen.refresh_requests == 1
    assert seen.invalid_grant == 0


def test_followers_of_a_cancelled_leader_start_over_and_get_a_token(server: TokenServer) -> None:
    async def main() -> list[int]:
        async with _async_client(server) as client:
            leader = asyncio.create_task(client.get(server.api_url))
            await asyncio.sleep(0.01)
            followers = [asyncio.create_task(client.get(server.api_url)) for _ in range(20)]
            await asyncio.sleep(0.02)
            leader.cancel()
            done = await asyncio.gather(*followers)
            return [r.status_code for r in done]

    assert asyncio.run(main()) == [200] * 20


def test_sync_client_threads_share_one_refresh(server: TokenServer) -> None:
    from ._fleet import run_threads

    with OAuth2Client(
        "client", "secret", token_endpoint=server.token_url, token=server.issue()
    ) as client:
        results = run_threads(32, lambda: client.get(server.api_url).status_code)
    assert results == [200] * 32
    assert server.snapshot().refresh_requests == 1


def test_response_hooks_receive_the_httpx_response(server: TokenServer) -> None:
    seen: list[type] = []

    def hook(response: Any) -> Any:
        seen.append(type(response))
        data = response.json()
        data["token_type"] = "Bearer"
        response._content = json.dumps(data).encode()
        return response

    with OAuth2Client("client", "secret", token_endpoint=server.token_url) as client:
        client.register_compliance_hook("access_token_response", hook)
        token = client.fetch_token(grant_type="client_credentials")
    assert seen == [httpx.Response]
    assert token["token_type"] == "Bearer"


def test_a_requests_only_option_on_one_call_is_refused(server: TokenServer) -> None:
    with OAuth2Client("client", "secret", token_endpoint=server.token_url) as client:
        client.fetch_token(grant_type="client_credentials")
        with pytest.raises(TypeError, match="verify"):
            client.refresh_token(verify=False)


def test_a_standalone_auth_without_client_sends_the_token_as_given(server: TokenServer) -> None:
    token = server.issue(expired=False)
    with httpx.Client() as plain:
        response = plain.get(server.api_url, auth=OAuth2Auth(token))
    assert response.status_code == 200
    assert server.snapshot().token_requests == 0


def test_best_known_library_httpx_code_runs_with_its_imports_changed(server: TokenServer) -> None:
    # Written for the best-known library's httpx client; only the import differs.
    saved: list[Any] = []

    def update_token(token: Any, refresh_token: Any = None, access_token: Any = None) -> None:
        saved.append((token, refresh_token, access_token))

    client = OAuth2Client(
        client_id="client",
        client_secret="secret",
        token_endpoint=server.token_url,
        token=server.issue(),
        update_token=update_token,
    )
    resp = client.get(server.api_url)
    assert resp.status_code == 200
    old_refresh = client.token["refresh_token"]
    token = client.refresh_token(server.token_url)
    assert token["access_token"] and token["refresh_token"] != old_refresh
    assert saved and saved[0][1]
    client.close()

    async def async_part() -> OAuth2Token:
        async with AsyncOAuth2Client(
            "client", "secret", token_endpoint=server.token_url
        ) as async_client:
            token = await async_client.fetch_token(
                server.token_url, grant_type="client_credentials"
            )
            await async_client.get(server.api_url)
            return token

    assert asyncio.run(async_part())["access_token"]
