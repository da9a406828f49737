"""DPoP (RFC 9449) and PAR (RFC 9126) on the development provider, over plain HTTP.

Proofs are made with :class:`grantflow.DPoPKey` or, for malformed ones, with joserfc
directly; the provider is checked on its own terms, refusal by refusal.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import ECKey

from grantflow import DPoPKey
from grantflow.testing import DevProvider

from ._devprovider import (
    REDIRECT_URI,
    TIMEOUT,
    Clock,
    Pkce,
    exchange,
    follow,
    new_pkce,
    post,
    query_of,
)

# The op, clock and clocked fixtures.
pytest_plugins = ["integration._devprovider"]

DPOP_SECRETS = {
    "client-dpop": "client-dpop-secret",
    "client-dpop-nonce": "client-dpop-nonce-secret",
    "client-par-required": "client-par-required-secret",
}


def _token(op: DevProvider, client_id: str, proof: str | None, **data: str) -> requests.Response:
    headers = {"DPoP": proof} if proof else {}
    secret = DPOP_SECRETS.get(client_id) or op.clients[client_id]["client_secret"]
    return requests.post(
        f"{op.issuer}/token",
        data=data,
        auth=(client_id, secret),
        headers=headers,
        timeout=TIMEOUT,
    )


def _code(op: DevProvider, client_id: str, pkce: Pkce, **extra: str) -> str:
    """The code of a headless authorization request (PKCE S256) for ``client_id``."""
    params = {
        "client_id": client_id,
        "response_type": "code",
        "redirect_uri": REDIRECT_URI,
        "scope": "openid",
        "code_challenge": pkce.challenge,
        "code_challenge_method": "S256",
        **extra,
    }
    url = requests.Request("GET", f"{op.issuer}/auth", params=params).prepare().url
    return query_of(follow(requests.Session(), str(url)))["code"]


def _cc(op: DevProvider, key: DPoPKey, client_id: str = "client-dpop", **kw: Any) -> Any:
    """A client_credentials token bound to ``key``."""
    proof = key.proof("POST", f"{op.issuer}/token", **kw)
    return _token(op, client_id, proof, grant_type="client_credentials", scope="api:read")


def _code_flow(op: DevProvider, key: DPoPKey, client_id: str = "client-dpop") -> dict[str, Any]:
    """A DPoP-bound code flow (dpop_jkt on the authorization request) for alice."""
    pkce = new_pkce()
    code = _code(op, client_id, pkce, scope="openid profile", dpop_jkt=key.thumbprint)
    proof = key.proof("POST", f"{op.issuer}/token")
    response = _token(
        op,
        client_id,
        proof,
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT_URI,
        code_verifier=pkce.verifier,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _userinfo(op: DevProvider, token: str, proof: str | None, scheme: str = "DPoP") -> Any:
    headers = {"Authorization": f"{scheme} {token}"}
    if proof:
        headers["DPoP"] = proof
    return requests.get(f"{op.issuer}/me", headers=headers, timeout=TIMEOUT)


# -- discovery ------------------------------------------------------------------------------


def test_discovery_advertises_dpop_and_par(op: DevProvider) -> None:
    doc = requests.get(op.discovery_url, timeout=TIMEOUT).json()
    assert doc["pushed_authorization_request_endpoint"] == f"{op.issuer}/request"
    assert doc["require_pushed_authorization_requests"] is False
    assert {"ES256", "PS256", "RS256", "EdDSA"} <= set(doc["dpop_signing_alg_values_supported"])


# -- the token endpoint -----------------------------------------------------------------------


@pytest.mark.parametrize("alg", ["ES256", "PS256", "EdDSA"])
def test_a_proof_binds_the_token_to_its_key(op: DevProvider, alg: str) -> None:
    key = DPoPKey.generate(alg)
    body = _cc(op, key).json()
    assert body["token_type"] == "DPoP"
    introspected = post(
        op, "/token/introspection", "client-basic", {"token": body["access_token"]}
    ).json()
    # client-basic may introspect another client's token: it is confidential.
    assert introspected["cnf"] == {"jkt": key.thumbprint}
    assert introspected["token_type"] == "DPoP"


def test_a_jwt_access_token_carries_cnf_jkt(op: DevProvider) -> None:
    key = DPoPKey.generate()
    proof = key.proof("POST", f"{op.issuer}/token")
    body = _token(
        op, "client-dpop", proof, grant_type="client_credentials", resource="urn:test:api:jwt"
    ).json()
    claims = jwt.decode(body["access_token"], _provider_keys(op), algorithms=["RS256"]).claims
    assert claims["cnf"] == {"jkt": key.thumbprint}


def _provider_keys(op: DevProvider) -> Any:
    from joserfc.jwk import KeySet

    return KeySet.import_key_set(requests.get(f"{op.issuer}/jwks", timeout=TIMEOUT).json())


def test_without_a_proof_a_plain_client_gets_a_bearer_token_and_a_dpop_client_nothing(
    op: DevProvider,
) -> None:
    plain = _token(op, "client-basic", None, grant_type="client_credentials")
    assert plain.json()["token_type"] == "Bearer"
    refused = _token(op, "client-dpop", None, grant_type="client_credentials")
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_dpop_proof"


def _bad_proofs(op: DevProvider) -> dict[str, str]:
    key = ECKey.generate_key("P-256")
    public = key.as_dict(private=False)
    url = f"{op.issuer}/token"

    def sign(header: dict[str, Any], **claims: Any) -> str:
        body = {"jti": secrets.token_urlsafe(8), "htm": "POST", "htu": url, "iat": int(time.time())}
        body.update(claims)
        return jwt.encode({"alg": "ES256", **header}, body, key, algorithms=["ES256"])

    good = {"typ": "dpop+jwt", "jwk": public}
    other = ECKey.generate_key("P-256").as_dict(private=False)
    return {
        "not a JWT": "not-a-jwt",
        "wrong typ": sign({"typ": "JWT", "jwk": public}),
        "no jwk": sign({"typ": "dpop+jwt"}),
        "private jwk": sign({"typ": "dpop+jwt", "jwk": key.as_dict(private=True)}),
        "another key's jwk": sign({"typ": "dpop+jwt", "jwk": other}),
        "wrong htm": sign(good, htm="GET"),
        "wrong htu": sign(good, htu=f"{op.issuer}/me"),
        "old iat": sign(good, iat=int(time.time()) - 600),
        "future iat": sign(good, iat=int(time.time()) + 600),
        "no jti": sign(good, jti=None),
    }


@pytest.mark.parametrize(
    "case",
    [
        "not a JWT",
        "wrong typ",
        "no jwk",
        "private jwk",
        "another key's jwk",
        "wrong htm",
        "wrong htu",
        "old iat",
        "future iat",
        "no jti",
    ],
)
def test_a_bad_proof_is_refused_at_the_token_endpoint(op: DevProvider, case: str) -> None:
    response = _token(op, "client-basic", _bad_proofs(op)[case], grant_type="client_credentials")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_dpop_proof"


def test_a_proof_is_used_once(op: DevProvider) -> None:
    key = DPoPKey.generate()
    proof = key.proof("POST", f"{op.issuer}/token")
    first = _token(op, "client-dpop", proof, grant_type="client_credentials")
    again = _token(op, "client-dpop", proof, grant_type="client_credentials")
    assert first.status_code == 200
    assert again.status_code == 400 and "jti" in again.json()["error_description"]


def test_the_nonce_client_is_challenged_then_accepted_with_the_nonce(op: DevProvider) -> None:
    key = DPoPKey.generate()
    challenged = _cc(op, key, "client-dpop-nonce")
    assert challenged.status_code == 400
    assert challenged.json()["error"] == "use_dpop_nonce"
    nonce = challenged.headers["DPoP-Nonce"]
    accepted = _cc(op, key, "client-dpop-nonce", nonce=nonce)
    assert accepted.status_code == 200 and accepted.json()["token_type"] == "DPoP"
    assert accepted.headers["DPoP-Nonce"] == nonce  # the next proof may use it too
    assert _cc(op, key, "client-dpop-nonce", nonce="made-up").json()["error"] == "use_dpop_nonce"


def test_a_nonce_expires_with_its_window(clocked: DevProvider, clock: Clock) -> None:
    key = DPoPKey.generate(now=clock)
    nonce = _cc(clocked, key, "client-dpop-nonce").headers["DPoP-Nonce"]
    clock.advance(300)
    assert _cc(clocked, key, "client-dpop-nonce", nonce=nonce).status_code == 200
    clock.advance(600)
    stale = _cc(clocked, key, "client-dpop-nonce", nonce=nonce)
    assert stale.json()["error"] == "use_dpop_nonce"
    assert stale.headers["DPoP-Nonce"] != nonce


def test_the_code_is_bound_to_dpop_jkt(op: DevProvider) -> None:
    key = DPoPKey.generate()
    pkce = new_pkce()
    code = _code(op, "client-dpop", pkce, dpop_jkt=key.thumbprint)
    _only_its_key_redeems(op, code, pkce, key)


def _only_its_key_redeems(op: DevProvider, code: str, pkce: Pkce, key: DPoPKey) -> None:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "code_verifier": pkce.verifier,
    }
    thief = DPoPKey.generate()
    stolen = _token(op, "client-dpop", thief.proof("POST", f"{op.issuer}/token"), **form)
    assert stolen.status_code == 400 and stolen.json()["error"] == "invalid_grant"
    # The refusal did not burn the code: its owner still redeems it.
    owned = _token(op, "client-dpop", key.proof("POST", f"{op.issuer}/token"), **form)
    assert owned.status_code == 200 and owned.json()["token_type"] == "DPoP"


def test_a_public_clients_refresh_token_is_bound_to_its_key(op: DevProvider) -> None:
    key, thief = DPoPKey.generate(), DPoPKey.generate()
    pkce = new_pkce()
    code = _code(op, "client-public", pkce)

    def public_token(proof: str, **data: str) -> requests.Response:
        return requests.post(
            f"{op.issuer}/token",
            data={"client_id": "client-public", **data},
            headers={"DPoP": proof},
            timeout=TIMEOUT,
        )

    first = public_token(
        key.proof("POST", f"{op.issuer}/token"),
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT_URI,
        code_verifier=pkce.verifier,
    ).json()
    refresh = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    stolen = public_token(thief.proof("POST", f"{op.issuer}/token"), **refresh)
    assert stolen.status_code == 400 and stolen.json()["error"] == "invalid_grant"
    renewed = public_token(key.proof("POST", f"{op.issuer}/token"), **refresh)
    assert renewed.status_code == 200 and renewed.json()["token_type"] == "DPoP"


# -- UserInfo with a DPoP-bound token ------------------------------------------------------------


def test_userinfo_needs_the_tokens_key_and_ath(op: DevProvider) -> None:
    key, thief = DPoPKey.generate(), DPoPKey.generate()
    token = _code_flow(op, key)["access_token"]
    me = f"{op.issuer}/me"

    ok = _userinfo(op, token, key.proof("GET", me, access_token=token))
    assert ok.status_code == 200 and ok.json()["sub"] == "alice"

    as_bearer = _userinfo(op, token, None, scheme="Bearer")
    assert as_bearer.status_code == 401
    assert as_bearer.headers["WWW-Authenticate"].startswith("DPoP ")
    no_proof = _userinfo(op, token, None)
    assert no_proof.status_code == 401 and no_proof.json()["error"] == "invalid_dpop_proof"
    no_ath = _userinfo(op, token, key.proof("GET", me))
    assert no_ath.status_code == 401 and "ath" in no_ath.json()["error_description"]
    other_key = _userinfo(op, token, thief.proof("GET", me, access_token=token))
    assert other_key.status_code == 401 and other_key.json()["error"] == "invalid_token"
    wrong_method = _userinfo(op, token, key.proof("POST", me, access_token=token))
    assert wrong_method.status_code == 401


def test_userinfo_asks_the_nonce_clients_proofs_for_a_nonce(op: DevProvider) -> None:
    key = DPoPKey.generate()
    nonce = _cc(op, key, "client-dpop-nonce").headers["DPoP-Nonce"]
    token = _code_flow_with_nonce(op, key, nonce)
    me = f"{op.issuer}/me"
    challenged = _userinfo(op, token, key.proof("GET", me, access_token=token))
    assert challenged.status_code == 401
    assert 'error="use_dpop_nonce"' in challenged.headers["WWW-Authenticate"]
    nonce = challenged.headers["DPoP-Nonce"]
    answered = _userinfo(op, token, key.proof("GET", me, access_token=token, nonce=nonce))
    assert answered.status_code == 200


def _code_flow_with_nonce(op: DevProvider, key: DPoPKey, nonce: str) -> str:
    pkce = new_pkce()
    code = _code(op, "client-dpop-nonce", pkce)
    response = _token(
        op,
        "client-dpop-nonce",
        key.proof("POST", f"{op.issuer}/token", nonce=nonce),
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT_URI,
        code_verifier=pkce.verifier,
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


# -- PAR ----------------------------------------------------------------------------------------


def _push(op: DevProvider, client: str, proof: str | None = None, **params: str) -> Any:
    pkce = new_pkce()
    form = {
        "response_type": "code",
        "redirect_uri": REDIRECT_URI,
        "scope": "openid",
        "code_challenge": pkce.challenge,
        "code_challenge_method": "S256",
        **params,
    }
    secret = DPOP_SECRETS.get(client) or op.clients[client]["client_secret"]
    response = requests.post(
        f"{op.issuer}/request",
        data=form,
        auth=(client, secret),
        headers={"DPoP": proof} if proof else {},
        timeout=TIMEOUT,
    )
    return response, pkce


def _par_url(op: DevProvider, client_id: str, request_uri: str) -> str:
    prepared = requests.Request(
        "GET", f"{op.issuer}/auth", params={"client_id": client_id, "request_uri": request_uri}
    ).prepare()
    return str(prepared.url)


def test_a_pushed_request_is_used_once(op: DevProvider) -> None:
    pushed, pkce = _push(op, "client-par-required", state="s1")
    assert pushed.status_code == 201
    body = pushed.json()
    assert body["request_uri"].startswith("urn:ietf:params:oauth:request_uri:")
    assert body["expires_in"] == 60
    url = _par_url(op, "client-par-required", body["request_uri"])
    callback = query_of(follow(requests.Session(), url))
    assert callback["state"] == "s1"
    tokens = exchange(op, "client-basic", callback["code"], pkce)
    assert tokens.status_code == 400  # the code is client-par-required's
    again = requests.get(url, allow_redirects=False, timeout=TIMEOUT)
    assert again.status_code == 400 and again.json()["error"] == "invalid_request_uri"


def test_a_pushed_request_expires(clocked: DevProvider, clock: Clock) -> None:
    body = _push(clocked, "client-basic")[0].json()
    clock.advance(61)
    url = _par_url(clocked, "client-basic", body["request_uri"])
    assert requests.get(url, allow_redirects=False, timeout=TIMEOUT).status_code == 400


def test_only_its_client_may_use_a_pushed_request(op: DevProvider) -> None:
    body = _push(op, "client-basic")[0].json()
    theirs = _par_url(op, "client-post", body["request_uri"])
    assert requests.get(theirs, allow_redirects=False, timeout=TIMEOUT).status_code == 400
    # The wrong client did not consume it.
    ours = _par_url(op, "client-basic", body["request_uri"])
    assert "code" in query_of(follow(requests.Session(), ours))


def test_the_par_client_must_push(op: DevProvider) -> None:
    pkce = new_pkce()
    params = {
        "client_id": "client-par-required",
        "response_type": "code",
        "redirect_uri": REDIRECT_URI,
        "code_challenge": pkce.challenge,
        "code_challenge_method": "S256",
    }
    url = requests.Request("GET", f"{op.issuer}/auth", params=params).prepare().url
    refused = query_of(follow(requests.Session(), str(url)))
    assert refused["error"] == "invalid_request"
    assert "Pushed" in refused["error_description"]


@pytest.mark.parametrize(
    ("case", "status", "error"),
    [
        ("no client authentication", 401, "invalid_client"),
        ("a request_uri inside", 400, "invalid_request"),
        ("another client_id", 400, "invalid_request"),
        ("an unregistered redirect_uri", 400, "invalid_redirect_uri"),
        ("a bad response_type", 400, "unsupported_response_type"),
    ],
)
def test_a_bad_push_is_refused(op: DevProvider, case: str, status: int, error: str) -> None:
    if case == "no client authentication":
        response = requests.post(
            f"{op.issuer}/request", data={"client_id": "client-basic"}, timeout=TIMEOUT
        )
    else:
        extra = {
            "a request_uri inside": {"request_uri": "urn:ietf:params:oauth:request_uri:x"},
            "another client_id": {"client_id": "client-post"},
            "an unregistered redirect_uri": {"redirect_uri": "https://evil.example/cb"},
            "a bad response_type": {"response_type": "token"},
        }[case]
        response = _push(op, "client-basic", **extra)[0]
    assert response.status_code == status, response.text
    assert response.json()["error"] == error


def test_a_proof_with_the_push_binds_the_code(op: DevProvider) -> None:
    key = DPoPKey.generate()
    pushed, pkce = _push(op, "client-dpop", key.proof("POST", f"{op.issuer}/request"))
    url = _par_url(op, "client-dpop", pushed.json()["request_uri"])
    code = query_of(follow(requests.Session(), url))["code"]
    _only_its_key_redeems(op, code, pkce, key)


def test_a_push_whose_dpop_jkt_is_not_the_proofs_key_is_refused(op: DevProvider) -> None:
    key = DPoPKey.generate()
    proof = key.proof("POST", f"{op.issuer}/request")
    response = _push(op, "client-dpop", proof, dpop_jkt=DPoPKey.generate().thumbprint)[0]
    assert response.status_code == 400 and response.json()["error"] == "invalid_dpop_proof"
