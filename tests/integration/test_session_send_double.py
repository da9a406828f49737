"""Token requests go through the session's own ``send``, so a replaced ``send`` sees them."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from grantflow import InvalidResponseError, OAuth2Session

from ._wire import WireServer, json_reply


def _response(prep: requests.PreparedRequest, status: int, body: bytes) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body
    response.headers["Content-Type"] = "application/json"
    response.url = prep.url or ""
    response.request = prep
    return response


def test_a_send_replaced_on_the_session_receives_the_token_request() -> None:
    seen: list[requests.PreparedRequest] = []

    def send(prep: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        seen.append(prep)
        assert kwargs["allow_redirects"] is False
        body = {"access_token": "at-1", "token_type": "bearer", "expires_in": 60}
        return _response(prep, 200, json.dumps(body).encode())

    session = OAuth2Session("c", "s", token_endpoint="https://as.example/token")
    # A fake transport in place of requests' send (narrower parameters, same calls).
    session.send = send  # type: ignore[method-assign,assignment]
    token = session.fetch_token()
    assert token["access_token"] == "at-1"
    assert [p.url for p in seen] == ["https://as.example/token"]
    assert seen[0].headers["Authorization"].startswith("Basic ")


def test_an_in_memory_body_over_one_mebibyte_is_refused() -> None:
    def send(prep: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        return _response(prep, 200, b"{" + b" " * (1024 * 1024) + b"}")

    session = OAuth2Session("c", "s", token_endpoint="https://as.example/token")
    # A fake transport in place of requests' send (narrower parameters, same calls).
    session.send = send  # type: ignore[method-assign,assignment]
    with pytest.raises(InvalidResponseError) as caught:
        session.fetch_token()
    assert "larger than" in str(caught.value)
    assert session.token is None


def test_hooks_given_to_fetch_token_see_the_token_response(wire: WireServer) -> None:
    wire.script("/token", json_reply({"access_token": "at-2", "token_type": "Bearer"}))
    seen: list[int] = []

    def record(response: requests.Response, **kwargs: Any) -> requests.Response:
        seen.append(response.status_code)
        return response

    with OAuth2Session("c", "s", token_endpoint=wire.url("/token")) as session:
        token = session.fetch_token(hooks={"response": [record]})
    assert token["access_token"] == "at-2"
    assert seen == [200]
