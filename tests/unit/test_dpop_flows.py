"""The client's DPoP, PAR, JAR and FAPI 2.0 decisions, driven by hand.

Each flow of ``_client.Client`` is run with a fake transport that answers hand-built
responses and records every step it was asked to send, with the proof each attempt
would carry (made exactly as ``_prepare`` makes it, on the URL sent).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey

from grantflow import DPoPKey, OAuthError
from grantflow._client._client import Client
from grantflow._core._http import HttpResponse
from grantflow._core._token import OAuth2Token
from grantflow._flows._drive import Call, Flow, Send, run
from grantflow.errors import InvalidResponseError, UnsupportedTokenTypeError

from ._responses import json_response

TOKEN_URL = "https://as.example/token"
PAR_URL = "https://as.example/par"
AUTH_URL = "https://as.example/authorize"
TOKEN = {"access_token": "at-1", "token_type": "DPoP", "expires_in": 3600}


class Wire:
    """Answers each Send with the next reply; records (step, proof claims) per attempt."""

    def __init__(self, *replies: HttpResponse) -> None:
        self.replies = list(replies)
        self.sent: list[tuple[Send, dict[str, Any] | None]] = []

    def __call__(self, step: Send) -> HttpResponse:
        claims = None
        if step.proof is not None:
            proof = step.proof.make(step.request.method, step.request.url)
            claims = _claims(proof)
        self.sent.append((step, claims))
        return self.replies.pop(0)

    def run(self, flow: Flow[Any]) -> Any:
        return run(flow, self)


def _claims(compact: str) -> dict[str, Any]:
    payload = compact.split(".")[1]
    claims: dict[str, Any] = json.loads(_b64decode(payload))
    return claims


def _header(compact: str) -> dict[str, Any]:
    header: dict[str, Any] = json.loads(_b64decode(compact.split(".")[0]))
    return header


def _b64decode(segment: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def nonce_challenge(nonce: str, status: int = 400) -> HttpResponse:
    if status == 400:
        return json_response(400, {"error": "use_dpop_nonce"}, {"DPoP-Nonce": nonce})
    return HttpResponse(
        401, {"WWW-Authenticate": 'DPoP error="use_dpop_nonce"', "DPoP-Nonce": nonce}
    )


@pytest.fixture(scope="module")
def key() -> DPoPKey:
    return DPoPKey.generate()


def client(key: DPoPKey | None, **kwargs: Any) -> Client:
    options: dict[str, Any] = {
        "token_endpoint": TOKEN_URL,
        "authorization_endpoint": AUTH_URL,
        "pushed_authorization_request_endpoint": PAR_URL,
        "revocation_endpoint": "https://as.example/revoke",
        "introspection_endpoint": "https://as.example/introspect",
        "redirect_uri": "https://app.example/cb",
    }
    options.update(kwargs)
    return Client("app", "secret", dpop=key if key is not None else None, **options)


# -- token endpoint: proof and nonce retry -------------------------------------------------


def test_a_token_request_carries_a_proof_of_the_client_key(key: DPoPKey) -> None:
    c = client(key)
    wire = Wire(json_response(200, TOKEN))
    token = wire.run(c.fetch_token(grant_type="client_credentials"))
    assert token["token_type"] == "DPoP"
    [(step, claims)] = wire.sent
    assert step.proof is not None and step.proof.key is key
    assert claims is not None
    assert claims["htm"] == "POST" and claims["htu"] == TOKEN_URL
    assert "ath" not in claims and "nonce" not in claims


@pytest.mark.parametrize(
    ("replies", "sends", "outcome"),
    [
        # one challenge: one retry with the nonce given, which succeeds
        ([nonce_challenge("n-1"), json_response(200, TOKEN)], 2, "token"),
        # a second challenge stands: raised as it came, no third request
        ([nonce_challenge("n-1"), nonce_challenge("n-2")], 2, "use_dpop_nonce"),
        # a challenge without a nonce cannot be answered: raised at once
        ([json_response(400, {"error": "use_dpop_nonce"})], 1, "use_dpop_nonce"),
        # another error is not a challenge
        (
            [json_response(400, {"error": "invalid_grant"}, {"DPoP-Nonce": "n-1"})],
            1,
            "invalid_grant",
        ),
    ],
)
def test_use_dpop_nonce_at_the_token_endpoint_is_retried_exactly_once(
    key: DPoPKey, replies: list[HttpResponse], sends: int, outcome: str
) -> None:
    c = client(key)
    wire = Wire(*replies)
    if outcome == "token":
        assert wire.run(c.fetch_token(grant_type="client_credentials"))["access_token"] == "at-1"
    else:
        with pytest.raises(OAuthError) as raised:
            wire.run(c.fetch_token(grant_type="client_credentials"))
        assert raised.value.error == outcome
    assert len(wire.sent) == sends
    if sends == 2:
        first, second = (claims for _, claims in wire.sent)
        assert first is not None and second is not None
        assert "nonce" not in first and second["nonce"] == "n-1"
        assert first["jti"] != second["jti"]  # a fresh proof per attempt


def test_a_malformed_nonce_in_a_challenge_is_an_invalid_response(key: DPoPKey) -> None:
    c = client(key)
    wire = Wire(nonce_challenge('bad"nonce'))
    with pytest.raises(InvalidResponseError):
        wire.run(c.fetch_token(grant_type="client_credentials"))
    assert len(wire.sent) == 1


def test_the_newest_nonce_of_a_server_goes_into_the_next_proof(key: DPoPKey) -> None:
    c = client(key)
    wire = Wire(
        json_response(200, TOKEN, {"DPoP-Nonce": "volunteered"}),
        json_response(200, {**TOKEN, "access_token": "at-2"}),
    )
    wire.run(c.fetch_token(grant_type="client_credentials"))
    wire.run(c.fetch_token(grant_type="client_credentials"))
    assert [claims and claims.get("nonce") for _, claims in wire.sent] == [None, "volunteered"]


def test_refresh_revocation_and_introspection_carry_proofs(key: DPoPKey) -> None:
    c = client(key, token={**TOKEN, "refresh_token": "rt-1"})
    wire = Wire(
        json_response(200, {**TOKEN, "access_token": "at-2"}),
        HttpResponse(200),
        json_response(200, {"active": True}),
    )
    wire.run(c.refresh_token())
    wire.run(c.revoke_token())
    wire.run(c.introspect_token())
    urls = [(claims or {}).get("htu") for _, claims in wire.sent]
    assert urls == [TOKEN_URL, "https://as.example/revoke", "https://as.example/introspect"]


def test_a_dpop_token_without_a_key_is_unsupported() -> None:
    c = client(None)
    wire = Wire(json_response(200, TOKEN))
    with pytest.raises(UnsupportedTokenTypeError):
        wire.run(c.fetch_token(grant_type="client_credentials"))
    assert wire.sent[0][0].proof is None
    assert c.token is None  # never installed


def test_a_bearer_token_with_a_key_is_accepted(key: DPoPKey) -> None:
    c = client(key)
    token = Wire(json_response(200, {"access_token": "b", "token_type": "Bearer"})).run(
        c.fetch_token(grant_type="client_credentials")
    )
    assert token["token_type"] == "Bearer"


def test_no_proof_without_dpop() -> None:
    c = client(None)
    wire = Wire(json_response(200, {"access_token": "b", "token_type": "Bearer"}))
    wire.run(c.fetch_token(grant_type="client_credentials"))
    assert wire.sent[0][0].proof is None


# -- resource server: the nonce replay ----------------------------------------------------


def _replay(c: Client, first: HttpResponse, *answers: HttpResponse) -> tuple[Any, list[Any]]:
    """Drive replay_after_401 for a DPoP token; return its outcome and the resends."""
    resends: list[Any] = []
    queue = list(answers)
    flow = c.replay_after_401(
        first,
        sent=OAuth2Token(TOKEN),
        request_url="https://api.example/data",
        rewindable=True,
        resend=lambda token: None,
    )
    try:
        step = next(flow)
        while True:
            assert isinstance(step, Call)
            resends.append(step.args[0])
            step = flow.send(queue.pop(0))
    except StopIteration as done:
        return done.value, resends


@pytest.mark.parametrize(
    ("first", "answers", "replays", "outcome_status"),
    [
        (nonce_challenge("rs-1", 401), [HttpResponse(200)], 1, 200),
        # the replay refused again stands, as it came
        (nonce_challenge("rs-1", 401), [nonce_challenge("rs-2", 401)], 1, 401),
        # a 401 without the nonce error is not a nonce challenge
        (HttpResponse(401, {"WWW-Authenticate": 'DPoP error="invalid_dpop_proof"'}), [], 0, None),
        # a 200 with a nonce is remembered, not replayed
        (HttpResponse(200, {"DPoP-Nonce": "rs-3"}), [], 0, None),
    ],
)
def test_a_resource_server_nonce_challenge_is_replayed_once(
    key: DPoPKey,
    first: HttpResponse,
    answers: list[HttpResponse],
    replays: int,
    outcome_status: int | None,
) -> None:
    c = client(key, retry_on_invalid_token=False)
    outcome, resends = _replay(c, first, *answers)
    assert len(resends) == replays
    assert (outcome.status_code if outcome is not None else None) == outcome_status
    if replays:
        assert resends[0]["access_token"] == "at-1"  # the same token, a new proof
    expected = first.header("DPoP-Nonce")
    assert c.dpop_nonces.get("https://api.example/other") == (
        answers[-1].header("DPoP-Nonce")
        if answers and answers[-1].header("DPoP-Nonce")
        else expected
    )


# -- PAR and dpop_jkt ---------------------------------------------------------------------


def par_created(request_uri: str = "urn:ietf:params:oauth:request_uri:abc") -> HttpResponse:
    return json_response(201, {"request_uri": request_uri, "expires_in": 60})


def test_an_authorization_url_carries_dpop_jkt(key: DPoPKey) -> None:
    url, _ = Wire().run(client(key).create_authorization_url())
    assert parse_qs(urlsplit(url).query)["dpop_jkt"] == [key.thumbprint]


@pytest.mark.parametrize(
    ("options", "pushed", "pushes"),
    [
        ({}, None, False),
        ({}, True, True),
        ({"pushed_authorization": True}, None, True),
        ({"pushed_authorization": True}, False, False),
        ({"require_pushed_authorization_requests": True}, None, True),
    ],
)
def test_par_is_used_when_asked_configured_or_required(
    key: DPoPKey, options: dict[str, Any], pushed: bool | None, pushes: bool
) -> None:
    c = client(key, **options)
    wire = Wire(par_created())
    url, state = wire.run(c.create_authorization_url(pushed=pushed))
    query = parse_qs(urlsplit(url).query)
    if not pushes:
        assert wire.sent == [] and query["state"] == [state]
        return
    assert query == {
        "client_id": ["app"],
        "request_uri": ["urn:ietf:params:oauth:request_uri:abc"],
    }
    [(step, claims)] = wire.sent
    form = parse_qs((step.request.body or b"").decode())
    assert form["client_id"] == ["app"] and form["state"] == [state]
    assert form["code_challenge_method"] == ["S256"] and form["dpop_jkt"] == [key.thumbprint]
    assert step.client_auth is not None  # authenticated like a token request
    assert claims is not None and claims["htu"] == PAR_URL
    record = c.authorization_request(state)
    assert record["code_verifier"] and record["state"] == state


def test_a_par_nonce_challenge_is_retried_once(key: DPoPKey) -> None:
    c = client(key)
    wire = Wire(nonce_challenge("par-1"), par_created())
    wire.run(c.create_authorization_url(pushed=True))
    assert [(claims or {}).get("nonce") for _, claims in wire.sent] == [None, "par-1"]


def test_a_par_error_is_raised_and_no_url_is_made(key: DPoPKey) -> None:
    c = client(key)
    with pytest.raises(OAuthError) as raised:
        Wire(json_response(400, {"error": "invalid_request"})).run(
            c.create_authorization_url(pushed=True)
        )
    assert raised.value.error == "invalid_request"


# -- JAR --------------------------------------------------------------------------------


def test_a_signed_request_object_carries_the_parameters(key: DPoPKey) -> None:
    signer = ECKey.generate_key("P-256", private=True)
    c = Client(
        "app",
        signer.as_dict(private=True),
        token_endpoint_auth_method="private_key_jwt",
        authorization_endpoint=AUTH_URL,
        issuer="https://as.example",
        redirect_uri="https://app.example/cb",
        request_object_signing_alg="ES256",
        scope="openid",
    )
    url, state = Wire().run(c.create_authorization_url())
    query = parse_qs(urlsplit(url).query)
    assert set(query) == {"client_id", "request", "response_type", "scope"}
    request_object = query["request"][0]
    assert _header(request_object)["typ"] == "oauth-authz-req+jwt"
    claims = jwt.decode(request_object, signer, algorithms=["ES256"]).claims
    assert claims["state"] == state and claims["aud"] == "https://as.example"
    assert claims["iss"] == "app" and claims["code_challenge_method"] == "S256"
    assert claims["exp"] > time.time()


# -- FAPI 2.0 -----------------------------------------------------------------------------


def _fapi(**overrides: Any) -> Callable[[], Client]:
    key = ECKey.generate_key("P-256", private=True).as_dict(private=True)
    options: dict[str, Any] = {
        "client_secret": key,
        "token_endpoint_auth_method": "private_key_jwt",
        "profile": "fapi2",
    }
    options.update(overrides)
    return lambda: Client("app", **options)


def test_fapi2_turns_on_par_dpop_and_pins_client_auth() -> None:
    c = _fapi()()
    assert c.pushed_authorization is True
    assert c.dpop_key is not None and c.dpop_key.alg == "ES256"
    method = c.token_endpoint_auth_method
    assert method.alg == "ES256" and method.issuer_as_audience is True


@pytest.mark.parametrize(
    ("overrides", "rule"),
    [
        ({"pushed_authorization": False}, "pushed authorization requests"),
        ({"dpop": False}, "sender-constrained tokens"),
        ({"code_challenge_method": None}, "PKCE with S256"),
        ({"response_type": "code id_token"}, "response_type=code"),
        ({"token_endpoint_auth_method": "client_secret_basic"}, "private_key_jwt or mutual TLS"),
        ({"dpop": "rs256-key"}, "PS256 or ES256"),
        ({"request_object_signing_alg": "RS256"}, "PS256 or ES256"),
        ({"profile": "fapi3"}, "unknown profile"),
    ],
)
def test_a_configuration_that_breaks_fapi2_is_refused_naming_the_rule(
    overrides: dict[str, Any], rule: str
) -> None:
    if overrides.get("dpop") == "rs256-key":
        overrides["dpop"] = DPoPKey.generate("RS256")
    with pytest.raises(ValueError, match=rule):
        _fapi(**overrides)()
