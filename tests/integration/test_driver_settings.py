"""Settings changed on a live client reach the next resource request, on every driver."""

from __future__ import annotations

import pytest
from drivers import DRIVERS, make_client

from ._wire import WireServer, json_reply

TOKEN = {"access_token": "at-1", "token_type": "Bearer", "expires_in": 3600}


@pytest.mark.parametrize("driver", DRIVERS)
def test_a_new_token_placement_applies_to_the_next_request(driver: str, wire: WireServer) -> None:
    wire.script("/api", json_reply({}))
    with make_client(driver, "client-1", token=TOKEN) as client:
        client.get(wire.url("/api"))
        client.token_placement = "uri"
        client.get(wire.url("/api"))
    first, second = wire.to("/api")
    assert first.header("Authorization") == "Bearer at-1"
    assert "access_token" not in first.query
    assert second.header("Authorization") is None
    assert second.query["access_token"] == ["at-1"]


@pytest.mark.parametrize("driver", DRIVERS)
def test_turning_the_replay_off_returns_the_401(driver: str, wire: WireServer) -> None:
    refusal = json_reply(
        {}, status=401, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
    )
    wire.script("/api", refusal, refusal)
    wire.script("/token", json_reply({**TOKEN, "access_token": "at-2"}))
    with make_client(
        driver, "client-1", "secret-1", token=TOKEN, token_endpoint=wire.url("/token")
    ) as client:
        client.retry_on_invalid_token = False
        response = client.get(wire.url("/api"))
    assert response.status_code == 401
    assert len(wire.to("/api")) == 1
    assert wire.to("/token") == []
