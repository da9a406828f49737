"""DPoP (RFC 9449), PAR (RFC 9126), JAR (RFC 9101), JARM and the FAPI 2.0 client against
the certified provider (all of it) and the development provider (DPoP and PAR), for
requests, httpx and async httpx.

Each provider binds ``client-dpop`` tokens to the proof's key, demands a nonce from
``client-dpop-nonce``, refuses a plain authorization request from
``client-par-required`` and an unsigned one from ``client-jar-required``, and enforces
the FAPI 2.0 profile for ``client-fapi2``. Using a DPoP token as a bearer token is
refused, which shows the tokens grantflow gets really are bound.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from drivers import DRIVERS, make_client

from grantflow import OAuth2Session, PrivateKeyJWT
from grantflow.testing import ProviderInfo

from ._browser import follow_to_redirect_uri, query_params
from ._oidc import form_post_fields, jose_claims

pytestmark = pytest.mark.e2e
# The development provider has DPoP and PAR too; request objects, JARM and the FAPI 2.0
# profile only the certified provider has.
only_certified = pytest.mark.provider_specific(
    "oidc-provider", reason="request objects, JARM and the FAPI 2.0 profile"
)

MakeSession = Callable[..., OAuth2Session]


def _client_jwk(provider: ProviderInfo, kid: str) -> dict[str, Any]:
    keys = json.loads(provider.files["private_key_jwt_keys"].read_text(encoding="utf-8"))
    return next(k for k in keys["keys"] if k["kid"] == kid)


@pytest.fixture(params=DRIVERS)
def make_keyed(
    provider: ProviderInfo, request: pytest.FixtureRequest
) -> Iterator[Callable[..., OAuth2Session]]:
    """Like ``make_session``, for a ``private_key_jwt`` client given its EC key."""
    made: list[Any] = []

    def make(client_id: str, **kwargs: Any) -> OAuth2Session:
        client = provider.clients[client_id]
        # The name alone signs with RS256 (api.md §5); the profile picks ES256 for an EC key.
        method = "private_key_jwt" if "profile" in kwargs else PrivateKeyJWT(alg="ES256")
        options: dict[str, Any] = {
            "token_endpoint_auth_method": method,
            "server_metadata_url": provider.discovery_url,
            "redirect_uri": client.redirect_uri,
            "default_timeout": 10,
        }
        options.update(kwargs)
        key = _client_jwk(provider, "client-ec-1")
        session = make_client(request.param, client_id, key, **options)
        made.append(session)
        return session  # type: ignore[no-any-return]

    yield make
    for session in made:
        session.close()


def _sign_in(
    session: OAuth2Session, browser: requests.Session, redirect_uri: str, **kw: Any
) -> Any:
    url, _ = session.create_authorization_url(**kw)
    callback = follow_to_redirect_uri(browser, url, redirect_uri)
    return url, session.fetch_token(authorization_response=callback)


def _userinfo_url(session: OAuth2Session) -> str:
    return str(session.load_server_metadata()["userinfo_endpoint"])


@pytest.mark.parametrize("client_id", ["client-dpop", "client-dpop-nonce"])
def test_dpop_code_flow_refresh_and_userinfo(
    provider: ProviderInfo, make_session: MakeSession, browser: requests.Session, client_id: str
) -> None:
    session = make_session(client_id, scope="openid profile", dpop=True)
    redirect_uri = provider.clients[client_id].redirect_uri
    url, token = _sign_in(session, browser, redirect_uri)

    key = session._client.dpop_key
    assert key is not None
    assert query_params(url)["dpop_jkt"] == key.thumbprint
    assert token["token_type"] == "DPoP"
    assert session.userinfo()["sub"] == "alice"
    # A resource request carries the DPoP scheme and a proof with ath.
    response = session.get(_userinfo_url(session))
    assert response.status_code == 200 and response.json()["sub"] == "alice"
    introspected = session.introspect_token().json()
    assert introspected["active"] is True
    assert introspected["cnf"]["jkt"] == key.thumbprint
    # The same token as a bearer token is refused: it is bound to the key.
    stolen = requests.get(
        _userinfo_url(session),
        headers={"Authorization": f"Bearer {token['access_token']}"},
        timeout=10,
    )
    assert stolen.status_code == 401

    refreshed = session.refresh_token()
    assert refreshed["token_type"] == "DPoP"
    assert refreshed["access_token"] != token["access_token"]
    assert session.get(_userinfo_url(session)).status_code == 200


def test_a_nonce_challenge_at_the_token_endpoint_is_answered(
    provider: ProviderInfo, make_session: MakeSession
) -> None:
    session = make_session(
        "client-dpop-nonce", dpop=True, grant_type="client_credentials", scope="api:read"
    )
    token = session.fetch_token()
    assert token["token_type"] == "DPoP"
    token_url = session.load_server_metadata()["token_endpoint"]
    assert session._client.dpop_nonces.get(token_url)  # remembered for the next request
    assert session.fetch_token()["token_type"] == "DPoP"


def test_without_dpop_the_nonce_client_gets_no_bound_token(
    provider: ProviderInfo, make_session: MakeSession
) -> None:
    session = make_session("client-dpop", grant_type="client_credentials", scope="api:read")
    from grantflow import OAuthError

    with pytest.raises(OAuthError):
        session.fetch_token()


@pytest.mark.parametrize("how", ["pushed=True", "required by the provider"])
def test_par_returns_a_url_with_client_id_and_request_uri_only(
    provider: ProviderInfo, make_session: MakeSession, browser: requests.Session, how: str
) -> None:
    client_id = "client-basic" if how == "pushed=True" else "client-par-required"
    if how == "pushed=True":
        session = make_session(client_id, scope="openid")
        url, state = session.create_authorization_url(pushed=True)
    else:
        # The client's registration says so (RFC 9126 §6); the provider's metadata does
        # not, as the requirement is per client here.
        session = make_session(
            client_id, scope="openid", require_pushed_authorization_requests=True
        )
        url, state = session.create_authorization_url()
    query = parse_qs(urlsplit(url).query)
    assert set(query) == {"client_id", "request_uri"}
    assert query["request_uri"][0].startswith("urn:ietf:params:oauth:request_uri:")
    assert session.authorization_request(state)["code_verifier"]
    callback = follow_to_redirect_uri(browser, url, provider.clients[client_id].redirect_uri)
    token = session.fetch_token(authorization_response=callback)
    assert token["userinfo"]["sub"] == "alice"


def test_par_with_dpop_binds_the_code_and_the_token(
    provider: ProviderInfo, make_session: MakeSession, browser: requests.Session
) -> None:
    session = make_session(
        "client-dpop-nonce", scope="openid", dpop=True, pushed_authorization=True
    )
    url, token = _sign_in(session, browser, provider.clients["client-dpop-nonce"].redirect_uri)
    assert set(query_params(url)) == {"client_id", "request_uri"}
    assert token["token_type"] == "DPoP"
    assert session.userinfo()["sub"] == "alice"


@only_certified
@pytest.mark.parametrize("pushed", [False, True])
def test_signed_request_objects_by_value_and_inside_par(
    provider: ProviderInfo, make_keyed: MakeSession, browser: requests.Session, pushed: bool
) -> None:
    session = make_keyed(
        "client-jar-required",
        request_object_signing_alg="ES256",
        scope="openid",
    )
    url, state = session.create_authorization_url(pushed=pushed)
    query = query_params(url)
    if pushed:
        assert set(query) == {"client_id", "request_uri"}
    else:
        assert jose_claims(query["request"])["state"] == state
    callback = follow_to_redirect_uri(
        browser, url, provider.clients["client-jar-required"].redirect_uri
    )
    assert session.fetch_token(authorization_response=callback)["userinfo"]["sub"] == "alice"


@only_certified
def test_an_unsigned_request_is_refused_for_the_jar_client(
    provider: ProviderInfo, make_keyed: MakeSession, browser: requests.Session
) -> None:
    session = make_keyed("client-jar-required", scope="openid")
    url, _ = session.create_authorization_url()
    callback = follow_to_redirect_uri(
        browser, url, provider.clients["client-jar-required"].redirect_uri
    )
    assert "error" in query_params(callback)


@only_certified
@pytest.mark.parametrize("mode", ["jwt", "query.jwt", "fragment.jwt", "form_post.jwt"])
def test_jarm_responses_are_verified_before_the_code_is_redeemed(
    provider: ProviderInfo, make_session: MakeSession, browser: requests.Session, mode: str
) -> None:
    session = make_session("client-es256", scope="openid", response_mode=mode)
    redirect_uri = provider.clients["client-es256"].redirect_uri
    url, state = session.create_authorization_url()
    if mode == "form_post.jwt":
        callback: Any = form_post_fields(browser, url, redirect_uri)
        assert set(callback) == {"response"}
    else:
        callback = follow_to_redirect_uri(browser, url, redirect_uri)
        where = urlsplit(callback).fragment if mode == "fragment.jwt" else urlsplit(callback).query
        assert set(parse_qs(where)) == {"response"}
        assert jose_claims(parse_qs(where)["response"][0])["state"] == state
    token = session.fetch_token(authorization_response=callback)
    assert token["userinfo"]["sub"] == "alice"


@only_certified
def test_a_tampered_jarm_response_is_refused_before_any_token_request(
    provider: ProviderInfo, make_session: MakeSession, browser: requests.Session
) -> None:
    from grantflow.errors import InvalidResponseError

    session = make_session("client-es256", scope="openid", response_mode="query.jwt")
    url, _ = session.create_authorization_url()
    callback = follow_to_redirect_uri(browser, url, provider.clients["client-es256"].redirect_uri)
    response = query_params(callback)["response"]
    head, body, signature = response.split(".")
    tampered = f"{head}.{body}.{signature[:-4]}AAAA"
    with pytest.raises(InvalidResponseError, match="signature"):
        session.fetch_token(authorization_response=callback.replace(response, tampered))


@only_certified
def test_the_fapi2_client_end_to_end(
    provider: ProviderInfo, make_keyed: MakeSession, browser: requests.Session
) -> None:
    session = make_keyed("client-fapi2", scope="openid profile", profile="fapi2")
    url, token = _sign_in(session, browser, provider.clients["client-fapi2"].redirect_uri)
    assert set(query_params(url)) == {"client_id", "request_uri"}
    assert token["token_type"] == "DPoP"
    assert session.userinfo()["sub"] == "alice"
    assert session.get(_userinfo_url(session)).status_code == 200
    refreshed = session.refresh_token()
    assert refreshed["token_type"] == "DPoP"
    assert session.get(_userinfo_url(session)).status_code == 200
