"""The development OpenID provider, driven over HTTP with plain ``requests``."""

from __future__ import annotations

import base64
import io
import json
import secrets
import threading
import time
from urllib.parse import urlsplit

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import ECKey, OctKey, RSAKey

from grantflow._cli._dev_provider import describe
from grantflow._core._id_token import compute_token_hash
from grantflow.testing import ClientInfo, DevProvider, main
from grantflow.testing._config import parse_client
from grantflow.testing._state import AccessToken, Store

from ._devprovider import (
    REDIRECT_URI,
    SECRETS,
    TIMEOUT,
    Clock,
    assertion_fields,
    auth_url,
    authorize,
    bearer,
    code_flow_tokens,
    exchange,
    follow,
    new_pkce,
    post,
    query_of,
    token,
    verify,
)

pytest_plugins = ["pytester", "integration._devprovider"]

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def _rsa_client_key(op: DevProvider) -> RSAKey:
    key: RSAKey = RSAKey.import_key(op.private_key_jwt_key)
    return key


# -- discovery and keys -------------------------------------------------------------------


def test_discovery_names_the_issuer_and_the_certified_providers_endpoint_paths(
    op: DevProvider,
) -> None:
    doc = requests.get(op.discovery_url, timeout=TIMEOUT).json()

    assert doc["issuer"] == op.issuer
    assert urlsplit(op.issuer).hostname == "127.0.0.1"
    paths = {k: urlsplit(v).path for k, v in doc.items() if k.endswith(("_endpoint", "_uri"))}
    assert paths == {
        "authorization_endpoint": "/auth",
        "token_endpoint": "/token",
        "device_authorization_endpoint": "/device/auth",
        "registration_endpoint": "/reg",
        "userinfo_endpoint": "/me",
        "jwks_uri": "/jwks",
        "introspection_endpoint": "/token/introspection",
        "revocation_endpoint": "/token/revocation",
        "end_session_endpoint": "/session/end",
        "pushed_authorization_request_endpoint": "/request",
    }
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert doc["authorization_response_iss_parameter_supported"] is True
    assert JWT_BEARER in doc["grant_types_supported"]


def test_jwks_publishes_the_public_rsa_and_ec_signing_keys_only(op: DevProvider) -> None:
    keys = requests.get(f"{op.issuer}/jwks", timeout=TIMEOUT).json()["keys"]

    assert sorted((k["kid"], k["kty"]) for k in keys) == [("op-ec-1", "EC"), ("op-rsa-1", "RSA")]
    assert all("d" not in k and k["use"] == "sig" for k in keys)


# -- authorization ---------------------------------------------------------------------------


def test_headless_walk_lands_on_the_redirect_uri_with_code_state_and_iss(op: DevProvider) -> None:
    with requests.Session() as browser:
        callback = follow(
            browser,
            auth_url(
                op, state="xyz", code_challenge=new_pkce().challenge, code_challenge_method="S256"
            ),
        )

    assert callback.startswith(REDIRECT_URI + "?")
    params = query_of(callback)
    assert params["state"] == "xyz"
    assert params["iss"] == op.issuer
    assert len(params["code"]) >= 43


@pytest.mark.parametrize(
    "client_id", ["client-basic", "client-post", "client-secret-jwt", "client-private-jwt"]
)
def test_code_exchange_authenticates_each_client_by_its_registered_method(
    op: DevProvider, client_id: str
) -> None:
    tokens = code_flow_tokens(op, client_id, scope="openid profile")

    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 3600
    assert tokens["scope"] == "openid profile"
    assert tokens["refresh_token"] != tokens["access_token"]
    assert verify(op, tokens["id_token"], ["RS256"])["aud"] == client_id


def test_public_client_exchanges_with_pkce_and_no_secret(op: DevProvider) -> None:
    tokens = code_flow_tokens(op, "client-public")

    assert verify(op, tokens["id_token"], ["RS256"])["aud"] == "client-public"


def test_private_key_jwt_accepts_the_es256_client_key(op: DevProvider) -> None:
    pkce = new_pkce()
    code = authorize(op, pkce=pkce, client_id="client-private-jwt")["code"]
    key = ECKey.import_key(op.private_key_jwt_keys["keys"][1])
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
    form.update(code_verifier=pkce.verifier)
    form.update(assertion_fields(key, "ES256", "client-private-jwt", op.issuer))

    response = requests.post(f"{op.issuer}/token", data=form, timeout=TIMEOUT)

    assert response.status_code == 200, response.text


def test_id_token_verifies_with_the_jwks_and_carries_nonce_and_at_hash(op: DevProvider) -> None:
    tokens = code_flow_tokens(op, nonce="n-0123456789abcdef")

    claims = verify(op, tokens["id_token"], ["RS256"])

    assert claims["iss"] == op.issuer
    assert claims["sub"] == "alice"
    assert claims["nonce"] == "n-0123456789abcdef"
    assert claims["exp"] - claims["iat"] == 3600
    assert "auth_time" not in claims
    assert claims["at_hash"] == compute_token_hash(tokens["access_token"], "RS256")


def test_max_age_puts_auth_time_in_the_id_token(op: DevProvider) -> None:
    claims = verify(op, code_flow_tokens(op, max_age="300")["id_token"], ["RS256"])

    assert isinstance(claims["auth_time"], int)
    assert claims["auth_time"] <= claims["iat"]


def test_hs256_client_gets_an_id_token_keyed_with_its_secret(op: DevProvider) -> None:
    tokens = code_flow_tokens(op, "client-hs256")

    key = OctKey.import_key(SECRETS["client-hs256"])
    claims = jwt.decode(tokens["id_token"], key, algorithms=["HS256"]).claims
    assert claims["aud"] == "client-hs256"


def test_es256_client_gets_es256_id_tokens_and_signed_userinfo(op: DevProvider) -> None:
    tokens = code_flow_tokens(op, "client-es256", scope="openid email")

    assert verify(op, tokens["id_token"], ["ES256"])["aud"] == "client-es256"
    info = requests.get(f"{op.issuer}/me", headers=bearer(tokens["access_token"]), timeout=10)
    assert info.headers["Content-Type"].startswith("application/jwt")
    claims = verify(op, info.text, ["ES256"])
    assert (claims["email"], claims["aud"], claims["iss"]) == (
        "alice@example.test",
        "client-es256",
        op.issuer,
    )


def test_login_hint_signs_in_that_user(op: DevProvider) -> None:
    tokens = code_flow_tokens(op, login_hint="bob")

    assert verify(op, tokens["id_token"], ["RS256"])["sub"] == "bob"


def test_login_hint_deny_redirects_access_denied_with_state_and_iss(op: DevProvider) -> None:
    params = authorize(op, login_hint="deny", state="s-deny")

    assert params["error"] == "access_denied"
    assert (params["state"], params["iss"]) == ("s-deny", op.issuer)
    assert "code" not in params


def test_public_client_without_pkce_gets_invalid_request_on_the_redirect(op: DevProvider) -> None:
    with requests.Session() as browser:
        params = query_of(follow(browser, auth_url(op, client_id="client-public", state="s1")))

    assert params["error"] == "invalid_request"
    assert "PKCE" in params["error_description"]
    assert (params["state"], params["iss"]) == ("s1", op.issuer)


def test_plain_pkce_is_refused(op: DevProvider) -> None:
    params = authorize(op, code_challenge_method="plain")

    assert params["error"] == "invalid_request"


def test_public_client_may_use_any_port_of_its_loopback_redirect(op: DevProvider) -> None:
    redirect = "http://127.0.0.1:53123/cb"
    pkce = new_pkce()
    code = authorize(op, pkce=pkce, client_id="client-public", redirect_uri=redirect)["code"]

    response = exchange(op, "client-public", code, pkce, redirect)

    assert response.status_code == 200, response.text


def test_unregistered_redirect_uri_is_a_json_400_and_no_redirect(op: DevProvider) -> None:
    url = auth_url(op, redirect_uri="http://127.0.0.1:8080/elsewhere")

    response = requests.get(url, allow_redirects=False, timeout=TIMEOUT)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_redirect_uri"
    assert "Location" not in response.headers


def test_unknown_resource_at_authorization_is_invalid_target(op: DevProvider) -> None:
    assert authorize(op, resource="urn:test:nowhere")["error"] == "invalid_target"


def test_prompt_none_reuses_the_session_and_asks_consent_for_a_new_client(
    op: DevProvider,
) -> None:
    with requests.Session() as browser:
        assert authorize(op, browser, prompt="none")["error"] == "login_required"
        authorize(op, browser)
        silent = authorize(op, browser, prompt="none")
        other = authorize(op, browser, prompt="none", client_id="client-post")

    assert "code" in silent
    assert other["error"] == "consent_required"


# -- token endpoint: authorization_code -------------------------------------------------------


def test_wrong_code_verifier_is_invalid_grant_and_does_not_burn_the_code(op: DevProvider) -> None:
    pkce = new_pkce()
    code = authorize(op, pkce=pkce)["code"]

    wrong = exchange(op, "client-basic", code, new_pkce())
    right = exchange(op, "client-basic", code, pkce)

    assert (wrong.status_code, wrong.json()["error"]) == (400, "invalid_grant")
    assert right.status_code == 200


def test_code_replay_is_invalid_grant_and_revokes_the_tokens_it_gave(op: DevProvider) -> None:
    pkce = new_pkce()
    code = authorize(op, pkce=pkce)["code"]
    first = exchange(op, "client-basic", code, pkce).json()

    replay = exchange(op, "client-basic", code, pkce)

    assert (replay.status_code, replay.json()["error"]) == (400, "invalid_grant")
    info = requests.get(f"{op.issuer}/me", headers=bearer(first["access_token"]), timeout=10)
    assert info.status_code == 401


def test_code_of_another_client_is_invalid_grant(op: DevProvider) -> None:
    pkce = new_pkce()
    code = authorize(op, pkce=pkce)["code"]

    response = exchange(op, "client-post", code, pkce)

    assert response.json()["error"] == "invalid_grant"


def test_code_expires_after_sixty_seconds(clocked: DevProvider, clock: Clock) -> None:
    pkce, late = new_pkce(), new_pkce()
    code = authorize(clocked, pkce=pkce)["code"]
    late_code = authorize(clocked, pkce=late)["code"]

    clock.advance(59)
    assert exchange(clocked, "client-basic", code, pkce).status_code == 200
    clock.advance(2)
    expired = exchange(clocked, "client-basic", late_code, late)

    assert expired.json()["error"] == "invalid_grant"


def test_concurrent_redemptions_of_one_code_succeed_once(op: DevProvider) -> None:
    pkce = new_pkce()
    code = authorize(op, pkce=pkce)["code"]
    statuses: list[int] = []
    barrier = threading.Barrier(6)

    def redeem() -> None:
        barrier.wait()
        statuses.append(exchange(op, "client-basic", code, pkce).status_code)

    threads = [threading.Thread(target=redeem) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200, 400, 400, 400, 400, 400]


# -- client authentication ---------------------------------------------------------------------


def test_wrong_secret_is_401_invalid_client_with_www_authenticate(op: DevProvider) -> None:
    response = requests.post(
        f"{op.issuer}/token",
        auth=("client-basic", "not-the-secret"),
        data={"grant_type": "client_credentials"},
        timeout=TIMEOUT,
    )

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response.headers["WWW-Authenticate"].startswith("Basic ")
    assert "not-the-secret" not in response.text


def test_a_method_other_than_the_registered_one_is_invalid_client(op: DevProvider) -> None:
    response = requests.post(
        f"{op.issuer}/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "client-basic",
            "client_secret": SECRETS["client-basic"],
        },
        timeout=TIMEOUT,
    )

    assert (response.status_code, response.json()["error"]) == (401, "invalid_client")


def test_client_assertion_jti_cannot_be_replayed(op: DevProvider) -> None:
    fields = assertion_fields(_rsa_client_key(op), "RS256", "client-private-jwt", op.issuer)
    form = {"grant_type": "client_credentials", **fields}

    first = requests.post(f"{op.issuer}/token", data=form, timeout=TIMEOUT)
    second = requests.post(f"{op.issuer}/token", data=form, timeout=TIMEOUT)

    assert first.status_code == 200
    assert (second.status_code, second.json()["error"]) == (401, "invalid_client")


@pytest.mark.parametrize(
    "claims",
    [{"aud": "https://elsewhere.example/token"}, {"exp": 1}, {"iss": "client-basic"}],
    ids=["foreign-aud", "expired", "iss-not-sub"],
)
def test_client_assertion_with_bad_claims_is_invalid_client(
    op: DevProvider, claims: dict[str, object]
) -> None:
    key = OctKey.import_key(SECRETS["client-secret-jwt"])
    fields = assertion_fields(key, "HS256", "client-secret-jwt", op.issuer, **claims)

    response = requests.post(
        f"{op.issuer}/token", data={"grant_type": "client_credentials", **fields}, timeout=10
    )

    assert (response.status_code, response.json()["error"]) == (401, "invalid_client")


def test_client_assertion_aud_may_be_the_token_endpoint(op: DevProvider) -> None:
    key = OctKey.import_key(SECRETS["client-secret-jwt"])
    fields = assertion_fields(key, "HS256", "client-secret-jwt", f"{op.issuer}/token")

    response = requests.post(
        f"{op.issuer}/token", data={"grant_type": "client_credentials", **fields}, timeout=10
    )

    assert response.status_code == 200, response.text


# -- refresh -----------------------------------------------------------------------------------


def test_refresh_rotates_and_reuse_of_a_rotated_token_revokes_the_grant(op: DevProvider) -> None:
    first = code_flow_tokens(op, scope="openid profile")
    second = token(
        op, "client-basic", grant_type="refresh_token", refresh_token=first["refresh_token"]
    ).json()
    assert second["refresh_token"] != first["refresh_token"]
    assert verify(op, second["id_token"], ["RS256"])["sub"] == "alice"

    reuse = token(
        op, "client-basic", grant_type="refresh_token", refresh_token=first["refresh_token"]
    )
    newest = token(
        op, "client-basic", grant_type="refresh_token", refresh_token=second["refresh_token"]
    )

    assert (reuse.status_code, reuse.json()["error"]) == (400, "invalid_grant")
    assert newest.json()["error"] == "invalid_grant"
    gone = requests.get(f"{op.issuer}/me", headers=bearer(second["access_token"]), timeout=10)
    assert gone.status_code == 401


def test_refresh_may_narrow_but_not_widen_the_scope(op: DevProvider) -> None:
    refresh = code_flow_tokens(op, scope="openid profile")["refresh_token"]

    wider = token(
        op, "client-basic", grant_type="refresh_token", refresh_token=refresh, scope="openid email"
    )
    narrower = token(
        op, "client-basic", grant_type="refresh_token", refresh_token=refresh, scope="openid"
    )

    assert wider.json()["error"] == "invalid_scope"
    assert narrower.json()["scope"] == "openid"


def test_refresh_token_of_another_client_is_invalid_grant(op: DevProvider) -> None:
    refresh = code_flow_tokens(op)["refresh_token"]

    response = token(op, "client-post", grant_type="refresh_token", refresh_token=refresh)

    assert response.json()["error"] == "invalid_grant"


# -- client credentials, password, JWT bearer -----------------------------------------------------


def test_client_credentials_defaults_to_the_opaque_resource(op: DevProvider) -> None:
    body = token(op, "client-m2m", grant_type="client_credentials", scope="api:read").json()

    assert (body["scope"], body["expires_in"], body["token_type"]) == ("api:read", 3600, "Bearer")
    seen = post(op, "/token/introspection", "rs", {"token": body["access_token"]}).json()
    assert (seen["active"], seen["aud"], seen["client_id"]) == (
        True,
        "urn:test:api:opaque",
        "client-m2m",
    )


def test_client_credentials_for_the_jwt_resource_gives_an_rfc9068_token(op: DevProvider) -> None:
    body = token(
        op,
        "client-m2m",
        grant_type="client_credentials",
        scope="api:write",
        resource="urn:test:api:jwt",
    ).json()

    claims = verify(op, body["access_token"], ["RS256"])
    header = json.loads(base64.urlsafe_b64decode(body["access_token"].split(".")[0] + "=="))
    assert header["typ"] == "at+jwt"
    assert (claims["aud"], claims["client_id"], claims["scope"]) == (
        "urn:test:api:jwt",
        "client-m2m",
        "api:write",
    )


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"resource": "urn:test:api:unknown"}, "invalid_target"),
        ({"scope": "openid"}, "invalid_scope"),
    ],
)
def test_client_credentials_refuses_unknown_resources_and_scopes(
    op: DevProvider, data: dict[str, str], error: str
) -> None:
    response = token(op, "client-m2m", grant_type="client_credentials", **data)

    assert (response.status_code, response.json()["error"]) == (400, error)


def test_a_grant_the_client_may_not_use_is_unauthorized_client(op: DevProvider) -> None:
    response = token(
        op, "client-m2m", grant_type="password", username="alice", password="wonderland"
    )

    assert response.json()["error"] == "unauthorized_client"


def test_password_grant_issues_tokens_for_the_right_password_only(op: DevProvider) -> None:
    good = token(
        op,
        "client-basic",
        grant_type="password",
        username="alice",
        password="wonderland",
        scope="openid email",
    )
    bad = token(op, "client-basic", grant_type="password", username="alice", password="nope")

    assert good.status_code == 200
    assert {"access_token", "refresh_token", "id_token"} <= good.json().keys()
    assert verify(op, good.json()["id_token"], ["RS256"])["sub"] == "alice"
    assert (bad.status_code, bad.json()["error"]) == (400, "invalid_grant")


def test_jwt_bearer_grant_issues_a_token_for_the_assertions_user(op: DevProvider) -> None:
    key = _rsa_client_key(op)
    claims: dict[str, object] = {
        "iss": "client-private-jwt",
        "sub": "bob",
        "aud": f"{op.issuer}/token",
    }
    assertion = _assertion(key, "RS256", claims)

    body = token(op, None, grant_type=JWT_BEARER, assertion=assertion, scope="openid").json()
    replay = token(op, None, grant_type=JWT_BEARER, assertion=assertion)

    info = requests.get(f"{op.issuer}/me", headers=bearer(body["access_token"]), timeout=10)
    assert info.json()["sub"] == "bob"
    assert replay.json()["error"] == "invalid_grant"


def test_jwt_bearer_grant_refuses_a_forged_or_foreign_assertion(op: DevProvider) -> None:
    forged = _assertion(
        RSAKey.generate_key(2048), "RS256", {"iss": "client-private-jwt", "aud": op.issuer}
    )
    foreign = _assertion(
        OctKey.import_key(SECRETS["client-basic"] + "-padding"),
        "HS256",
        {"iss": "client-basic", "aud": "https://other.example"},
    )

    for assertion in (forged, foreign):
        response = token(op, None, grant_type=JWT_BEARER, assertion=assertion)
        assert (response.status_code, response.json()["error"]) == (400, "invalid_grant")


def _assertion(key: RSAKey | OctKey, alg: str, claims: dict[str, object]) -> str:
    now = int(time.time())
    body = {"iat": now, "exp": now + 60, "jti": secrets.token_urlsafe(12), **claims}
    return jwt.encode({"alg": alg}, body, key, algorithms=[alg])


# -- userinfo, revocation, introspection -----------------------------------------------------------


def test_userinfo_releases_claims_by_scope(op: DevProvider) -> None:
    tokens = code_flow_tokens(op, scope="openid email address phone")

    info = requests.get(f"{op.issuer}/me", headers=bearer(tokens["access_token"]), timeout=10)
    by_post = requests.post(
        f"{op.issuer}/me", data={"access_token": tokens["access_token"]}, timeout=TIMEOUT
    )

    assert info.json()["email_verified"] is True
    assert info.json()["address"]["locality"] == "Oxford"
    assert info.json()["phone_number"] == "+44 20 7946 0000"
    assert "name" not in info.json()
    assert by_post.json() == info.json()


def test_userinfo_refuses_query_tokens_missing_tokens_and_resource_tokens(op: DevProvider) -> None:
    tokens = code_flow_tokens(op)
    machine = token(op, "client-m2m", grant_type="client_credentials").json()["access_token"]

    in_query = requests.get(
        f"{op.issuer}/me", params={"access_token": tokens["access_token"]}, timeout=TIMEOUT
    )
    missing = requests.get(f"{op.issuer}/me", timeout=TIMEOUT)
    for_api = requests.get(f"{op.issuer}/me", headers=bearer(machine), timeout=TIMEOUT)

    assert (in_query.status_code, in_query.json()["error"]) == (400, "invalid_request")
    assert (missing.status_code, missing.json()["error"]) == (401, "invalid_token")
    assert missing.headers["WWW-Authenticate"].startswith("Bearer ")
    assert for_api.status_code == 401


def test_revoked_access_token_introspects_inactive(op: DevProvider) -> None:
    access = code_flow_tokens(op)["access_token"]
    before = post(op, "/token/introspection", "client-basic", {"token": access}).json()

    revoked = post(op, "/token/revocation", "client-basic", {"token": access})
    after = post(op, "/token/introspection", "client-basic", {"token": access}).json()

    assert (before["active"], before["sub"], before["token_type"]) == (True, "alice", "Bearer")
    assert revoked.status_code == 200
    assert after == {"active": False}


def test_revoking_a_refresh_token_revokes_its_grant(op: DevProvider) -> None:
    tokens = code_flow_tokens(op)
    refresh = post(op, "/token/introspection", "rs", {"token": tokens["refresh_token"]}).json()

    post(op, "/token/revocation", "client-basic", {"token": tokens["refresh_token"]})

    assert refresh["active"] is True and "token_type" not in refresh
    for value in (tokens["refresh_token"], tokens["access_token"]):
        assert post(op, "/token/introspection", "rs", {"token": value}).json() == {"active": False}


def test_revoking_another_clients_token_is_refused(op: DevProvider) -> None:
    access = code_flow_tokens(op)["access_token"]

    response = post(op, "/token/revocation", "client-post", {"token": access})

    assert response.json()["error"] == "invalid_request"
    seen = post(op, "/token/introspection", "rs", {"token": access}).json()
    assert seen["active"] is True


def test_access_tokens_expire_after_an_hour(clocked: DevProvider, clock: Clock) -> None:
    access = token(clocked, "client-m2m", grant_type="client_credentials").json()["access_token"]

    clock.advance(3601)

    assert post(clocked, "/token/introspection", "rs", {"token": access}).json() == {
        "active": False
    }


# -- logout and the login page -----------------------------------------------------------


def test_logout_redirects_with_state_and_ends_the_session(op: DevProvider) -> None:
    with requests.Session() as browser:
        pkce = new_pkce()
        code = authorize(op, browser, pkce=pkce)["code"]
        id_token = exchange(op, "client-basic", code, pkce).json()["id_token"]
        response = browser.get(
            f"{op.issuer}/session/end",
            params={
                "id_token_hint": id_token,
                "post_logout_redirect_uri": "http://127.0.0.1:8080/logged-out",
                "state": "bye",
            },
            allow_redirects=False,
            timeout=TIMEOUT,
        )
        after = authorize(op, browser, prompt="none")

    assert response.status_code == 303
    assert response.headers["Location"] == "http://127.0.0.1:8080/logged-out?state=bye"
    assert after["error"] == "login_required"


def test_logout_refuses_an_unregistered_post_logout_redirect_uri(op: DevProvider) -> None:
    response = requests.get(
        f"{op.issuer}/session/end",
        params={"client_id": "client-basic", "post_logout_redirect_uri": "https://evil.example/"},
        allow_redirects=False,
        timeout=TIMEOUT,
    )

    assert (response.status_code, response.json()["error"]) == (400, "invalid_request")


def test_login_page_asks_for_the_password_before_issuing_a_code() -> None:
    with DevProvider(login_page=True) as op, requests.Session() as browser:
        first = browser.get(
            auth_url(
                op,
                login_hint="bob",
                code_challenge=new_pkce().challenge,
                code_challenge_method="S256",
            ),
            allow_redirects=False,
            timeout=TIMEOUT,
        )
        page_url = f"{op.issuer}{first.headers['Location'][len(op.issuer) :]}"
        page = browser.get(page_url, timeout=TIMEOUT)
        wrong = browser.post(page_url, data={"login": "bob", "password": "x"}, timeout=TIMEOUT)
        right = browser.post(
            page_url,
            data={"login": "bob", "password": "builder"},
            allow_redirects=False,
            timeout=TIMEOUT,
        )

    assert first.status_code == 303
    assert "value='bob'" in page.text and "password" in page.text
    assert "Invalid user name or password" in wrong.text
    assert query_of(right.headers["Location"])["code"]


# -- the server itself -------------------------------------------------------------------


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "::", "example.com"])
def test_binding_to_a_non_loopback_address_is_refused(host: str) -> None:
    with pytest.raises(ValueError, match="loopback only"):
        DevProvider(host=host)


def test_stop_closes_the_port() -> None:
    provider = DevProvider().start()
    url = provider.discovery_url
    assert requests.get(url, timeout=TIMEOUT).status_code == 200

    provider.stop()

    with pytest.raises(requests.ConnectionError):
        requests.get(url, timeout=TIMEOUT)


def test_info_describes_the_running_provider_like_the_certified_ones_clients_json(
    op: DevProvider,
) -> None:
    info = op.info()
    written = json.loads((info.files["private_key_jwt_keys"].parent / "clients.json").read_text())

    assert isinstance(info.clients["client-basic"], ClientInfo)
    assert written["issuer"] == info.issuer
    assert {c["client_id"] for c in written["clients"]} == set(info.clients)
    assert info.mtls_base is None
    assert info.resources["urn:test:api:jwt"] == {"scope": "api:read api:write", "format": "jwt"}
    assert info.issuer == op.issuer
    assert info.users == {"alice": "wonderland", "bob": "builder"}
    assert info.clients["client-public"].auth_method == "none"
    assert info.clients["client-basic"].redirect_uri == REDIRECT_URI
    keys = json.loads(info.files["private_key_jwt_keys"].read_text())
    assert [k["kid"] for k in keys["keys"]] == ["client-rsa-1", "client-ec-1"]
    assert info.files["private_key_jwt_pem"].stat().st_mode & 0o077 == 0


def test_reprs_show_no_secret(op: DevProvider) -> None:
    texts = [repr(op), repr(op.info()), repr(op.info().clients["client-basic"])]
    texts.append(repr(parse_client(op.clients["client-basic"])))

    for text in texts:
        assert "client-basic-secret" not in text
        assert "wonderland" not in text


def test_main_prints_issuer_clients_and_secrets_then_stops(
    capsys: pytest.CaptureFixture[str],
) -> None:
    stop = threading.Event()
    stop.set()

    status = main(["--port", "0"], stop=stop)

    out = capsys.readouterr().out
    assert status == 0
    assert "never use this provider in production" in out
    assert "issuer:    http://127.0.0.1:" in out
    assert "client-basic" in out and "client-basic-secret" in out


def test_main_refuses_a_non_loopback_host(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--host", "0.0.0.0"]) == 2
    assert "loopback only" in capsys.readouterr().err


def test_describe_lists_every_client(op: DevProvider) -> None:
    out = io.StringIO()

    describe(op, out)

    for client_id in op.clients:
        assert f"  {client_id} " in out.getvalue()


@pytest.mark.parametrize(
    ("conftest", "args"),
    [
        ("", ("-p", "grantflow.testing")),
        ('pytest_plugins = ["grantflow.testing"]\n', ()),
        ("from grantflow.testing import oauth_provider\n", ()),
    ],
    ids=["-p", "pytest_plugins", "imported-fixture"],
)
def test_the_oauth_provider_fixture_serves_discovery(
    pytester: pytest.Pytester, conftest: str, args: tuple[str, ...]
) -> None:
    pytester.makeconftest(conftest)
    pytester.makepyfile(
        """
        import requests

        def test_fixture(oauth_provider):
            doc = requests.get(oauth_provider.discovery_url, timeout=10).json()
            assert doc["issuer"] == oauth_provider.issuer
            assert oauth_provider.clients["client-basic"]["client_secret"]

        def test_same_provider_for_the_session(oauth_provider):
            assert oauth_provider.running
        """
    )

    result = pytester.runpytest_inprocess(*args)

    result.assert_outcomes(passed=2)


def test_failed_requests_echo_no_token_and_the_server_logs_nothing(
    op: DevProvider, capfd: pytest.CaptureFixture[str]
) -> None:
    tokens = code_flow_tokens(op)
    stale = "stale-" + tokens["refresh_token"]

    refused = token(op, "client-basic", grant_type="refresh_token", refresh_token=stale)
    requests.get(
        f"{op.issuer}/session/end", params={"id_token_hint": tokens["id_token"]}, timeout=TIMEOUT
    )

    assert refused.json()["error"] == "invalid_grant"
    assert tokens["refresh_token"] not in refused.text
    captured = capfd.readouterr()
    assert tokens["id_token"] not in captured.err + captured.out
    assert "/session/end" not in captured.err


def test_expired_records_are_dropped_as_new_ones_are_written(clock: Clock) -> None:
    store = Store(clock)

    def add(value: str) -> None:
        now = store.now()
        store.add_access_token(AccessToken(value, "c", None, (), None, now, now + 60, None))

    for i in range(200):
        add(f"old-{i}")
    clock.advance(61)
    for i in range(100):
        add(f"new-{i}")

    assert store.find_access_token("new-0") is not None
    # The 256th write purged the 200 expired tokens; only the 100 live ones are left.
    assert sorted(store._access) == sorted(f"new-{i}" for i in range(100))
