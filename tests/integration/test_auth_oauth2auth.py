"""``OAuth2Auth`` with plain ``requests``: header, body and query placement (api.md §3)."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest
import requests
from joserfc import jws
from joserfc.jwk import JWKRegistry

from grantflow import (
    DPoPKey,
    InvalidTokenError,
    MissingTokenError,
    OAuth2Auth,
    OAuth2Session,
    UnsupportedTokenTypeError,
)

from ._wire import WireServer, json_reply

FUTURE = 16_725_225_600


@pytest.fixture
def api(wire: WireServer) -> WireServer:
    wire.script("/api", json_reply({"ok": True}))
    return wire


def test_header_placement_is_the_default(api: WireServer) -> None:
    auth = OAuth2Auth({"token_type": "bearer", "access_token": "at-h"})
    response = requests.get(api.url("/api"), auth=auth, timeout=10)
    assert response.json() == {"ok": True}
    assert api.last("/api").header("Authorization") == "Bearer at-h"


@pytest.mark.parametrize("token_type", ["bearer", "Bearer", "BEARER", None])
def test_bearer_is_case_insensitive_and_the_default(api: WireServer, token_type: Any) -> None:
    token = {"access_token": "at"}
    if token_type is not None:
        token["token_type"] = token_type
    requests.get(api.url("/api"), auth=OAuth2Auth(token), timeout=10)
    assert api.last("/api").header("Authorization") == "Bearer at"


@pytest.mark.parametrize("token_type", ["DPoP", "dpop"])
def test_dpop_tokens_use_the_dpop_scheme_with_a_proof_by_the_key(
    api: WireServer, token_type: str
) -> None:
    key = DPoPKey.generate()
    requests.get(
        api.url("/api?page=2"),
        auth=OAuth2Auth({"access_token": "at-d", "token_type": token_type}, dpop_key=key),
        timeout=10,
    )
    sent = api.last("/api")
    assert sent.header("Authorization") == "DPoP at-d"
    proof = sent.header("DPoP")
    assert proof is not None
    header = jws.extract_compact(proof.encode()).protected
    assert header["typ"] == "dpop+jwt" and header["jwk"] == key.public_jwk
    claims = json.loads(
        jws.deserialize_compact(proof, JWKRegistry.import_key(header["jwk"])).payload
    )
    digest = base64.urlsafe_b64encode(hashlib.sha256(b"at-d").digest()).rstrip(b"=").decode()
    assert (claims["htm"], claims["htu"], claims["ath"]) == ("GET", api.url("/api"), digest)


@pytest.mark.parametrize("token_type", ["DPoP", "dpop"])
def test_a_dpop_token_with_no_key_to_prove_it_is_refused_before_sending(
    api: WireServer, token_type: str
) -> None:
    auth = OAuth2Auth({"access_token": "at-d", "token_type": token_type})
    with pytest.raises(UnsupportedTokenTypeError):
        requests.get(api.url("/api"), auth=auth, timeout=10)
    assert api.to("/api") == []


def test_body_placement_adds_access_token_to_the_form(api: WireServer) -> None:
    auth = OAuth2Auth({"access_token": "at-b", "token_type": "Bearer"}, token_placement="body")
    requests.post(api.url("/api"), data={"a": "1"}, auth=auth, timeout=10)
    sent = api.last("/api")
    assert sent.form == {"a": ["1"], "access_token": ["at-b"]}
    assert sent.header("Authorization") is None
    assert int(sent.header("Content-Length") or 0) == len(sent.body)


def test_body_placement_on_an_empty_post(api: WireServer) -> None:
    auth = OAuth2Auth({"access_token": "at-b"}, token_placement="body")
    requests.post(api.url("/api"), auth=auth, timeout=10)
    sent = api.last("/api")
    assert sent.form == {"access_token": ["at-b"]}
    assert (sent.header("Content-Type") or "").startswith("application/x-www-form-urlencoded")


def test_uri_placement_adds_access_token_to_the_query(api: WireServer) -> None:
    auth = OAuth2Auth({"access_token": "at-u"}, token_placement="uri")
    requests.get(api.url("/api"), params={"x": "1"}, auth=auth, timeout=10)
    sent = api.last("/api")
    assert sent.query == {"x": ["1"], "access_token": ["at-u"]}
    assert sent.header("Authorization") is None


@pytest.mark.parametrize("placement", ["headers", "url", "query", "cookie", ""])
def test_unknown_placement_is_a_value_error(placement: str) -> None:
    with pytest.raises(ValueError, match="header"):
        OAuth2Auth({"access_token": "a"}, token_placement=placement)


@pytest.mark.parametrize("token_type", ["mac", "Basic", "N_A", "bearer2"])
def test_other_token_types_are_unsupported(api: WireServer, token_type: str) -> None:
    auth = OAuth2Auth({"access_token": "at-secret-z", "token_type": token_type})
    with pytest.raises(UnsupportedTokenTypeError) as caught:
        requests.get(api.url("/api"), auth=auth, timeout=10)
    assert "at-secret-z" not in str(caught.value)
    assert api.to("/api") == []


def test_without_a_client_an_expired_token_is_sent_as_is(api: WireServer) -> None:
    auth = OAuth2Auth({"access_token": "stale", "refresh_token": "rt", "expires_at": 100})
    requests.get(api.url("/api"), auth=auth, timeout=10)
    assert api.last("/api").header("Authorization") == "Bearer stale"
    assert len(api.requests) == 1


def test_one_auth_serves_many_requests(api: WireServer) -> None:
    auth = OAuth2Auth({"access_token": "at"})
    with requests.Session() as s:
        for _ in range(3):
            s.get(api.url("/api"), auth=auth, timeout=10)
    assert [r.header("Authorization") for r in api.to("/api")] == ["Bearer at"] * 3


def test_auth_does_not_modify_the_token_it_was_given(api: WireServer) -> None:
    token = {"access_token": "at", "expires_in": 3600}
    requests.get(api.url("/api"), auth=OAuth2Auth(token), timeout=10)
    assert token == {"access_token": "at", "expires_in": 3600}


def test_auth_with_no_token_is_missing_token_error(api: WireServer) -> None:
    with pytest.raises(MissingTokenError):
        requests.get(api.url("/api"), auth=OAuth2Auth(None), timeout=10)
    assert api.to("/api") == []


def test_auth_repr_hides_the_token() -> None:
    auth = OAuth2Auth({"access_token": "AT-REPR-SECRET", "refresh_token": "RT-REPR-SECRET"})
    assert "AT-REPR-SECRET" not in repr(auth)
    assert "RT-REPR-SECRET" not in repr(auth)


def test_auth_with_a_client_refreshes_through_the_client(wire: WireServer) -> None:
    wire.script("/api", json_reply({}))
    wire.script("/token", json_reply({"access_token": "fresh", "expires_in": 3600}))
    with OAuth2Session("c", "s", token_endpoint=wire.url("/token")) as client:
        auth = OAuth2Auth(
            {"access_token": "stale", "refresh_token": "rt", "expires_at": 100}, client=client
        )
        requests.get(wire.url("/api"), auth=auth, timeout=10)
    assert wire.last("/token").field("refresh_token") == "rt"
    assert wire.last("/api").header("Authorization") == "Bearer fresh"


def test_session_token_auth_is_an_oauth2_auth_with_the_session_token(wire: WireServer) -> None:
    wire.script("/api", json_reply({}))
    with OAuth2Session(
        "c", token={"access_token": "sess-at", "expires_at": FUTURE}, token_placement="uri"
    ) as s:
        auth = s.token_auth
        assert isinstance(auth, OAuth2Auth)
        requests.get(wire.url("/api"), auth=auth, timeout=10)
    assert wire.last("/api").query["access_token"] == ["sess-at"]


@pytest.mark.parametrize("placement", ["header", "body", "uri"])
def test_session_token_placement(wire: WireServer, placement: str) -> None:
    wire.script("/api", json_reply({}))
    with OAuth2Session(
        "c", token={"access_token": "p-at", "expires_at": FUTURE}, token_placement=placement
    ) as s:
        s.post(wire.url("/api"), data={"k": "v"})
    sent = wire.last("/api")
    carried = {
        "header": sent.header("Authorization") == "Bearer p-at",
        "body": sent.form.get("access_token") == ["p-at"],
        "uri": sent.query.get("access_token") == ["p-at"],
    }
    assert [k for k, v in carried.items() if v] == [placement]
    assert sent.form.get("k") == ["v"]


def test_setting_the_session_token_converts_it(wire: WireServer) -> None:
    with OAuth2Session("c") as s:
        original = {"access_token": "a", "expires_in": 60}
        s.token = original
        assert type(s.token).__name__ == "OAuth2Token"
        assert s.token is not None
        assert isinstance(s.token["expires_at"], int)
        assert original == {"access_token": "a", "expires_in": 60}
        s.token = None
        assert s.token is None


def test_a_token_changed_in_place_is_sent_as_changed(api: WireServer) -> None:
    # The Authorization value is kept between requests; it must follow the token.
    token = {"access_token": "at-first", "token_type": "Bearer"}
    auth = OAuth2Auth(token)
    requests.get(api.url("/api"), auth=auth, timeout=10)
    assert auth.token is not None

    auth.token["access_token"] = "at-second"
    requests.get(api.url("/api"), auth=auth, timeout=10)
    assert api.last("/api").header("Authorization") == "Bearer at-second"

    auth.token["token_type"] = "DPoP"  # and no key to prove it (api.md §3)
    with pytest.raises(UnsupportedTokenTypeError):
        requests.get(api.url("/api"), auth=auth, timeout=10)
    auth.token["token_type"] = "Bearer"

    auth.token["access_token"] = "at second"
    with pytest.raises(InvalidTokenError) as raised:
        requests.get(api.url("/api"), auth=auth, timeout=10)
    assert "at second" not in str(raised.value)


def test_a_session_follows_a_token_changed_in_place_or_replaced(api: WireServer) -> None:
    with OAuth2Session("c", token={"access_token": "at-1", "expires_at": FUTURE}) as s:
        s.get(api.url("/api"))
        assert s.token is not None
        s.token["access_token"] = "at-2"
        s.get(api.url("/api"))
        assert api.last("/api").header("Authorization") == "Bearer at-2"
        s.token = {"access_token": "at-3", "expires_at": FUTURE}
        s.get(api.url("/api"))
        assert api.last("/api").header("Authorization") == "Bearer at-3"


def test_changing_a_sessions_placement_after_use_takes_effect(api: WireServer) -> None:
    with OAuth2Session("c", token={"access_token": "at-p", "expires_at": FUTURE}) as s:
        s.get(api.url("/api"))
        assert api.last("/api").header("Authorization") == "Bearer at-p"

        s.token_placement = "uri"
        s.get(api.url("/api"))
        sent = api.last("/api")
        assert sent.header("Authorization") is None
        assert sent.query == {"access_token": ["at-p"]}
        assert s.token_auth.token_placement == "uri"

        with pytest.raises(ValueError, match="token_placement"):
            s.token_placement = "cookie"
        assert s.token_placement == "uri"


def test_the_httpx_auth_proves_a_dpop_token_with_its_key_and_refuses_one_without(
    api: WireServer,
) -> None:
    import httpx

    from grantflow.httpx import OAuth2Auth as HttpxAuth

    token = {"access_token": "at-h", "token_type": "DPoP"}
    with httpx.Client() as client:
        client.get(api.url("/api"), auth=HttpxAuth(token, dpop_key=DPoPKey.generate()))
        with pytest.raises(UnsupportedTokenTypeError):
            client.get(api.url("/api"), auth=HttpxAuth(token))
    (sent,) = api.to("/api")
    assert sent.header("Authorization") == "DPoP at-h"
    assert sent.header("DPoP") is not None
