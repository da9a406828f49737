"""Defects the engine redesign fixed, each proved against a real local server.

Each test failed on 0.1.0: a discovery document setting the nonce, a constructor state
accepted twice, an implicit response without the ID token asked for, a token that
cannot be renewed disabled by one 401, a replay refused again renewed on every request,
revocation pages at 200, unknown keywords kept silently, bytes bodies, pickled sessions.
"""

from __future__ import annotations

import pickle
from typing import Any, ClassVar

import pytest
import requests

from grantflow import (
    InvalidIDTokenError,
    InvalidResponseError,
    MismatchingStateError,
    OAuth2Session,
    OAuthError,
)

from ._wire import Reply, WireServer, json_reply, text_reply

TOKEN = {"access_token": "at-1", "token_type": "Bearer", "expires_in": 3600}
CHALLENGE = {"WWW-Authenticate": 'Bearer error="invalid_token"'}


def test_a_discovery_document_cannot_set_the_nonce_or_prompt_sent(wire: WireServer) -> None:
    issuer = wire.url("")
    doc = {
        "issuer": issuer,
        "authorization_endpoint": wire.url("/auth"),
        "token_endpoint": wire.url("/token"),
        "nonce": "fixed-by-the-server",
        "prompt": "none",
        "max_age": [1],
    }
    wire.script("/.well-known/openid-configuration", json_reply(doc))
    with OAuth2Session(
        "c",
        scope="openid",
        redirect_uri="http://127.0.0.1/cb",
        server_metadata_url=wire.url("/.well-known/openid-configuration"),
    ) as s:
        url, _ = s.create_authorization_url()
    assert "fixed-by-the-server" not in url
    assert "prompt=" not in url and "max_age=" not in url


def test_a_constructor_state_is_good_for_one_callback(wire: WireServer) -> None:
    wire.script("/token", json_reply(TOKEN), json_reply(TOKEN))
    with OAuth2Session(
        "c", state="s" * 32, token_endpoint=wire.url("/token"), redirect_uri="http://127.0.0.1/cb"
    ) as s:
        callback = f"http://127.0.0.1/cb?code=abc&state={'s' * 32}"
        s.fetch_token(authorization_response=callback)
        with pytest.raises(MismatchingStateError):
            s.fetch_token(authorization_response=callback)
    assert len(wire.to("/token")) == 1


def test_an_implicit_response_without_the_id_token_asked_for_is_refused() -> None:
    with OAuth2Session(
        "c",
        scope="openid",
        redirect_uri="http://127.0.0.1/cb",
        authorization_endpoint="http://127.0.0.1:9/auth",
        issuer="http://127.0.0.1:9",
        jwks_uri="http://127.0.0.1:9/jwks",
    ) as s:
        _, state = s.create_authorization_url(response_type="id_token token")
        with pytest.raises(InvalidIDTokenError) as caught:
            s.token_from_fragment(f"http://127.0.0.1/cb#access_token=at&state={state}")
    assert caught.value.claim == "id_token"
    assert s.token is None


def test_a_401_on_a_token_that_cannot_be_renewed_returns_the_401_and_keeps_the_token(
    wire: WireServer,
) -> None:
    wire.script("/api", Reply(401, headers=CHALLENGE), json_reply({"ok": True}))
    with OAuth2Session(token=TOKEN) as s:
        first = s.get(wire.url("/api"))
        second = s.get(wire.url("/api"))
    assert first.status_code == 401
    assert second.status_code == 200
    assert [r.header("Authorization") for r in wire.to("/api")] == ["Bearer at-1"] * 2


def test_a_replay_refused_again_is_not_renewed_on_the_next_requests(wire: WireServer) -> None:
    # A resource server that refuses every token (a wrong audience, say).
    wire.script("/token", *[json_reply({**TOKEN, "access_token": f"at-{i}"}) for i in range(2, 9)])
    wire.script("/api", *[Reply(401, headers=CHALLENGE) for _ in range(8)])
    with OAuth2Session(
        "c", "s", token_endpoint=wire.url("/token"), grant_type="client_credentials", token=TOKEN
    ) as s:
        statuses = [s.get(wire.url("/api")).status_code for _ in range(3)]
    assert statuses == [401, 401, 401]
    assert len(wire.to("/token")) == 1  # 0.1.0 made four token requests for three GETs


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (text_reply("<html>sign in</html>", 200), InvalidResponseError),
        (json_reply(["revoked"], 200), InvalidResponseError),
        (json_reply({"error": "unsupported_token_type"}, 200), OAuthError),
    ],
)
def test_a_revocation_answer_at_200_that_is_not_oauth_is_an_error(
    wire: WireServer, reply: Reply, error: type[Exception]
) -> None:
    wire.script("/revoke", reply)
    session = OAuth2Session("c", "s", revocation_endpoint=wire.url("/revoke"), token=TOKEN)
    with session as s, pytest.raises(error) as caught:
        s.revoke_token()
    assert getattr(caught.value, "status_code", None) == 200


@pytest.mark.parametrize("reply", [Reply(200), json_reply({}, 200)])
def test_an_empty_or_plain_object_revocation_answer_is_success(
    wire: WireServer, reply: Reply
) -> None:
    wire.script("/revoke", reply)
    with OAuth2Session("c", "s", revocation_endpoint=wire.url("/revoke"), token=TOKEN) as s:
        assert s.revoke_token().status_code == 200


def test_an_unknown_keyword_is_a_type_error_naming_the_closest_option() -> None:
    with pytest.raises(TypeError, match="token_endpoint_auth_method"):
        OAuth2Session("c", token_endpoint_auth_methods="client_secret_post")


def test_metadata_keywords_are_still_accepted() -> None:
    s = OAuth2Session(
        "c",
        token_endpoint="https://idp.example/t",
        userinfo_signing_alg_values_supported=["RS256"],
        jwks_uri="https://idp.example/k",
    )
    assert s.metadata["jwks_uri"] == "https://idp.example/k"


def test_token_requests_reach_a_custom_send_with_a_str_body(wire: WireServer) -> None:
    bodies: list[Any] = []

    class Recording(OAuth2Session):
        def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
            bodies.append(request.body)
            return super().send(request, **kwargs)

    wire.script("/token", json_reply(TOKEN))
    with Recording("c", "s", token_endpoint=wire.url("/token")) as s:
        s.fetch_token(grant_type="client_credentials")
    assert isinstance(bodies[0], str) and "grant_type=client_credentials" in bodies[0]


def test_a_test_double_without_a_body_is_read_through_its_json() -> None:
    class Double:
        status_code = 200
        headers: ClassVar[dict[str, str]] = {"Content-Type": "application/json"}
        url = "https://idp.example/t"

        def json(self) -> dict[str, Any]:
            return dict(TOKEN)

    class Stubbed(OAuth2Session):
        def send(self, request: requests.PreparedRequest, **kwargs: Any) -> Any:
            return Double()

    with Stubbed("c", "s", token_endpoint="https://idp.example/t") as s:
        token = s.fetch_token(grant_type="client_credentials")
    assert token["access_token"] == "at-1"


def test_pickling_a_session_fails_loudly_at_pickling_time() -> None:
    with OAuth2Session("c", "s", token=TOKEN) as s, pytest.raises(TypeError, match="pickle"):
        pickle.dumps(s)
