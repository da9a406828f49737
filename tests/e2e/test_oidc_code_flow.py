"""OpenID Connect code flow against a real provider: ID tokens as grantflow validates them.

OpenID Connect Core 1.0 §3.1.3.7 (ID token validation) with RS256, ES256 and HS256
signatures, the ``claims`` request parameter (§5.5), ``max_age`` and ``auth_time``
(§3.1.2.1), ``parse_id_token`` on the stored token, and ``response_mode=form_post``
(OAuth 2.0 Form Post Response Mode §2).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pytest
import requests

from grantflow import InvalidIDTokenError, OAuth2Session, OAuth2Token
from grantflow.testing import ProviderInfo

from ._browser import follow_to_redirect_uri, query_params
from ._oidc import form_post_fields, jose_claims, jose_header, sign_in
from ._wire import endpoint_path, record

pytestmark = pytest.mark.e2e

MakeSession = Callable[..., OAuth2Session]


def _sign_in_noting_the_nonce(
    provider: ProviderInfo, make_session: MakeSession, browser: requests.Session
) -> tuple[OAuth2Session, OAuth2Token, str]:
    """Sign alice in with client-basic; return the session, its token and the nonce sent."""
    client = provider.clients["client-basic"]
    session = make_session("client-basic", scope="openid")
    url, _ = session.create_authorization_url()
    token = session.fetch_token(
        authorization_response=follow_to_redirect_uri(browser, url, client.redirect_uri)
    )
    return session, token, query_params(url)["nonce"]


def test_code_flow_with_profile_and_email_signs_the_user_in(
    provider: ProviderInfo, make_session: MakeSession, browser: requests.Session
) -> None:
    client = provider.clients["client-basic"]
    session = make_session("client-basic", scope="openid profile email")
    url, state = session.create_authorization_url(login_hint="bob")
    sent = query_params(url)
    assert sent["scope"] == "openid profile email"

    callback = follow_to_redirect_uri(browser, url, client.redirect_uri)
    token = session.fetch_token(authorization_response=callback)

    assert query_params(callback)["state"] == state
    assert token["access_token"]
    assert set(token["scope"].split()) >= {"openid", "profile", "email"}
    assert token["userinfo"]["sub"] == "bob"
    assert session.token is not None
    assert session.token["id_token"] == token["id_token"]
    claims = session.userinfo()
    assert claims["sub"] == "bob"
    assert claims["email"] == "bob@example.test"
    assert claims["email_verified"] is False
    assert claims["name"] == "Bob Builder"


def test_token_userinfo_holds_the_validated_id_token_claims(
    provider: ProviderInfo, make_session: MakeSession, browser: requests.Session
) -> None:
    before = int(time.time())

    _, token, nonce = _sign_in_noting_the_nonce(provider, make_session, browser)

    claims = token["userinfo"]
    assert claims == {**jose_claims(token["id_token"]), **claims}
    assert claims["iss"] == provider.issuer
    assert claims["aud"] in ("client-basic", ["client-basic"])
    assert claims["sub"] == "alice"
    assert claims["nonce"] == nonce
    assert before - 60 <= claims["iat"] <= claims["exp"]
    assert claims["exp"] > before


def test_parse_id_token_validates_the_stored_token_again(
    provider: ProviderInfo, make_session: MakeSession, browser: requests.Session
) -> None:
    session, token, nonce = _sign_in_noting_the_nonce(provider, make_session, browser)
    stored = session.token
    assert stored is not None

    from_dict = session.parse_id_token(stored, nonce=nonce)
    from_string = session.parse_id_token(stored["id_token"], nonce=nonce)

    assert from_dict["sub"] == from_string["sub"] == "alice"
    assert from_dict["nonce"] == nonce
    assert {k: token["userinfo"][k] for k in ("iss", "sub", "aud", "iat")} == {
        k: from_dict[k] for k in ("iss", "sub", "aud", "iat")
    }
    with pytest.raises(InvalidIDTokenError) as wrong_nonce:
        session.parse_id_token(stored, nonce="not-the-nonce-that-was-sent")
    assert wrong_nonce.value.claim == "nonce"
    head, payload, signature = stored["id_token"].split(".")
    forged = ".".join(
        [head, payload, signature[:-4] + ("AAAA" if signature[-4:] != "AAAA" else "BBBB")]
    )
    with pytest.raises(InvalidIDTokenError) as tampered:
        session.parse_id_token(forged)
    assert tampered.value.claim == "signature"


@pytest.mark.requests_transport
@pytest.mark.parametrize(
    ("client_id", "alg", "kty"),
    [
        ("client-basic", "RS256", "RSA"),
        ("client-es256", "ES256", "EC"),
        ("client-hs256", "HS256", None),
    ],
    ids=["RS256", "ES256", "HS256"],
)
def test_id_token_signed_with_the_clients_registered_algorithm_is_accepted(
    provider: ProviderInfo,
    make_session: MakeSession,
    browser: requests.Session,
    client_id: str,
    alg: str,
    kty: str | None,
) -> None:
    client = provider.clients[client_id]
    registered = client.metadata.get("id_token_signed_response_alg", "RS256")
    assert registered == alg
    session = make_session(client_id, scope="openid", id_token_signed_response_alg=registered)
    wire = record(session, provider.issuer)

    token = sign_in(session, browser, client.redirect_uri)

    header = jose_header(token["id_token"])
    assert header["alg"] == alg
    assert token["userinfo"]["aud"] in (client_id, [client_id])
    jwks_path = endpoint_path(session.load_server_metadata(), "jwks_uri")
    if kty is None:
        # HMAC: keyed by the client secret (OIDC Core §10.1), no provider key is needed.
        assert "kid" not in header
        assert jwks_path not in wire.paths("GET")
    else:
        keys = {k["kid"]: k for k in session.fetch_jwk_set()["keys"]}
        assert keys[header["kid"]]["kty"] == kty
        assert wire.paths("GET").count(jwks_path) == 1


def test_es256_id_token_is_refused_by_a_session_pinned_to_rs256(
    provider: ProviderInfo, make_session: MakeSession, browser: requests.Session
) -> None:
    client = provider.clients["client-es256"]
    session = make_session("client-es256", scope="openid", id_token_signed_response_alg="RS256")

    with pytest.raises(InvalidIDTokenError) as raised:
        sign_in(session, browser, client.redirect_uri)

    assert raised.value.claim == "alg"
    assert "alg" in str(raised.value)
    assert session.token is None


def test_hs256_id_token_does_not_verify_under_another_secret(
    provider: ProviderInfo, make_session: MakeSession, browser: requests.Session
) -> None:
    client = provider.clients["client-hs256"]
    session = make_session("client-hs256", scope="openid", id_token_signed_response_alg="HS256")
    token = sign_in(session, browser, client.redirect_uri)
    impostor = OAuth2Session(
        "client-hs256",
        "another-secret-of-the-same-length-0123456",
        server_metadata_url=provider.discovery_url,
        id_token_signed_response_alg="HS256",
    )

    assert session.parse_id_token(token["id_token"])["sub"] == "alice"
    with pytest.raises(InvalidIDTokenError) as raised:
        impostor.parse_id_token(token["id_token"])

    impostor.close()
    assert raised.value.claim == "signature"
    assert token["id_token"] not in str(raised.value)


def test_claims_parameter_puts_email_into_the_id_token(
    provider: ProviderInfo, make_session: MakeSession, browser: requests.Session
) -> None:
    client = provider.clients["client-basic"]
    plain = make_session("client-basic", scope="openid")
    asked = make_session("client-basic", scope="openid")
    claims_request = {"id_token": {"email": {"essential": True}}}

    without = sign_in(plain, browser, client.redirect_uri)
    with_claims = sign_in(asked, browser, client.redirect_uri, claims=json.dumps(claims_request))

    # OIDC Core §5.4: scope values alone leave profile claims to UserInfo ...
    assert "email" not in without["userinfo"]
    # ... while §5.5 asks for a single claim in the ID token itself.
    assert with_claims["userinfo"]["email"] == "alice@example.test"
    assert jose_claims(with_claims["id_token"])["email"] == "alice@example.test"


def test_max_age_yields_a_validated_auth_time(
    provider: ProviderInfo, make_session: MakeSession, browser: requests.Session
) -> None:
    client = provider.clients["client-basic"]
    session = make_session("client-basic", scope="openid")
    before = int(time.time())

    url, state = session.create_authorization_url(max_age=600)
    assert query_params(url)["max_age"] == "600"
    assert session.authorization_request(state)["max_age"] == 600
    token = session.fetch_token(
        authorization_response=follow_to_redirect_uri(browser, url, client.redirect_uri)
    )

    auth_time = token["userinfo"]["auth_time"]
    assert isinstance(auth_time, int)
    # The user signed in during this test: between its start and the ID token's iat.
    assert before - 1 <= auth_time <= token["userinfo"]["iat"]


def test_form_post_response_is_redeemed_from_the_posted_fields(
    provider: ProviderInfo, make_session: MakeSession, browser: requests.Session
) -> None:
    client = provider.clients["client-basic"]
    session = make_session("client-basic", scope="openid")
    url, state = session.create_authorization_url(response_mode="form_post")
    assert query_params(url)["response_mode"] == "form_post"

    fields = form_post_fields(browser, url, client.redirect_uri)
    token = session.fetch_token(authorization_response=fields)

    assert fields["state"] == state
    assert fields["iss"] == provider.issuer
    assert "code" in fields
    assert token["access_token"]
    assert token["userinfo"]["sub"] == "alice"
