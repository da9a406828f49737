"""The best-known client's documented ``requests`` examples, imports changed, run for real.

Each test is one example of that library's OAuth 2 session, RFC 7523 and compliance-hook
documentation, kept as written except for its import lines (the comment on each says what
it was) and the values the development provider needs. Where grantflow differs on purpose
(api.md §10, README "Moving from another client"), the test asserts the documented, clear
behaviour instead, and says why.
"""

from __future__ import annotations

import secrets
from typing import Any

import pytest
import requests

from grantflow.testing import DevProvider

from ._support import CALLBACK, ProtectedAPI, follow

CLIENT_ID, CLIENT_SECRET = "client-basic", "client-basic-secret"


def _endpoints(op: DevProvider) -> tuple[str, str]:
    return op.metadata["authorization_endpoint"], op.metadata["token_endpoint"]


# -- OAuth2Session: the authorization code flow ---------------------------------------------


def test_authorization_code_flow_then_a_protected_request(
    op: DevProvider, api: ProtectedAPI
) -> None:
    from grantflow import OAuth2Session  # was: ...integrations.requests_client

    authorization_endpoint, token_endpoint = _endpoints(op)
    client_id, client_secret, scope = CLIENT_ID, op.clients[CLIENT_ID]["client_secret"], "profile"
    client = OAuth2Session(
        client_id, client_secret, scope=scope, redirect_uri=CALLBACK, issuer=op.issuer
    )
    uri, state = client.create_authorization_url(authorization_endpoint)
    authorization_response = follow(uri)
    token = client.fetch_token(token_endpoint, authorization_response=authorization_response)

    assert token["access_token"] and state in uri
    resp = client.get(api.url)
    assert resp.status_code == 200 and resp.json()["client_id"] == client_id


def test_openid_scope_without_an_issuer_is_a_clear_error(op: DevProvider) -> None:
    """Deliberate (api.md §10): the ID token is validated, so the issuer must be known;
    the error comes before the user is sent away and says how to give it."""
    from grantflow import OAuth2Session

    authorization_endpoint, _ = _endpoints(op)
    secret = op.clients[CLIENT_ID]["client_secret"]
    client = OAuth2Session(CLIENT_ID, secret, scope="openid profile", redirect_uri=CALLBACK)
    with pytest.raises(ValueError, match="server_metadata_url="):
        client.create_authorization_url(authorization_endpoint)

    # The documented fix: tell the session where the provider's metadata is.
    fixed = OAuth2Session(
        CLIENT_ID,
        secret,
        scope="openid profile",
        redirect_uri=CALLBACK,
        server_metadata_url=op.discovery_url,
    )
    uri, _ = fixed.create_authorization_url()
    token = fixed.fetch_token(authorization_response=follow(uri))
    assert token["userinfo"]["iss"] == op.issuer


def test_an_iss_the_client_cannot_check_needs_the_issuer(op: DevProvider) -> None:
    """Deliberate: a callback's RFC 9207 ``iss`` is compared with the issuer, so a client
    that knows none refuses it (a mix-up would pass unchecked); ``issuer=`` fixes it."""
    from grantflow import InvalidResponseError, OAuth2Session

    authorization_endpoint, token_endpoint = _endpoints(op)
    secret = op.clients[CLIENT_ID]["client_secret"]
    client = OAuth2Session(CLIENT_ID, secret, scope="profile", redirect_uri=CALLBACK)
    uri, _ = client.create_authorization_url(authorization_endpoint)
    with pytest.raises(InvalidResponseError, match="issuer="):
        client.fetch_token(token_endpoint, authorization_response=follow(uri))

    fixed = OAuth2Session(
        CLIENT_ID, secret, scope="profile", redirect_uri=CALLBACK, issuer=op.issuer
    )
    uri, _ = fixed.create_authorization_url(authorization_endpoint)
    token = fixed.fetch_token(token_endpoint, authorization_response=follow(uri))
    assert token["access_token"]


def test_callback_in_a_new_session_with_only_state_names_the_missing_code_verifier(
    op: DevProvider,
) -> None:
    """Deliberate (api.md §10: PKCE by default): the verifier must travel with the state.

    The request is sent as the best-known client sends it; the server's invalid_grant
    then says that no code_verifier went with it, and what to pass.
    """
    from grantflow import OAuth2Session, OAuthError

    authorization_endpoint, token_endpoint = _endpoints(op)
    secret = op.clients[CLIENT_ID]["client_secret"]
    first = OAuth2Session(
        CLIENT_ID, secret, scope="profile", redirect_uri=CALLBACK, issuer=op.issuer
    )
    uri, state = first.create_authorization_url(authorization_endpoint)
    record = first.authorization_request(state)
    authorization_response = follow(uri)

    client = OAuth2Session(CLIENT_ID, secret, state=state, redirect_uri=CALLBACK, issuer=op.issuer)
    with pytest.raises(OAuthError, match="code_verifier=") as info:
        client.fetch_token(token_endpoint, authorization_response=authorization_response)
    assert info.value.error == "invalid_grant"
    assert record["code_verifier"] not in str(info.value)

    # With the verifier, a fresh authorization is redeemed.
    uri, state = first.create_authorization_url(authorization_endpoint)
    record = first.authorization_request(state)
    again = OAuth2Session(CLIENT_ID, secret, state=state, redirect_uri=CALLBACK, issuer=op.issuer)
    token = again.fetch_token(
        token_endpoint,
        authorization_response=follow(uri),
        code_verifier=record["code_verifier"],
    )
    assert token["access_token"]


def test_implicit_grant_reads_the_token_from_the_fragment(
    op: DevProvider, api: ProtectedAPI
) -> None:
    """fetch_token(authorization_response=<URL with a fragment>) is the implicit grant."""
    from grantflow import MismatchingStateError, OAuth2Session

    authorization_endpoint, token_endpoint = _endpoints(op)
    # The development provider has no implicit grant; the fragment carries a token it issued.
    issued = requests.post(
        token_endpoint,
        data={"grant_type": "client_credentials"},
        auth=("client-m2m", op.clients["client-m2m"]["client_secret"]),
        timeout=10,
    ).json()["access_token"]

    client = OAuth2Session(CLIENT_ID, CLIENT_SECRET, redirect_uri=CALLBACK, issuer=op.issuer)
    _, state = client.create_authorization_url(authorization_endpoint, response_type="token")
    authorization_response = (
        f"{CALLBACK}#access_token={issued}&state={state}&token_type=bearer&expires_in=3600"
    )
    token = client.fetch_token(authorization_response=authorization_response)
    assert token["access_token"] == issued
    assert client.get(api.url).status_code == 200

    # The state is checked exactly as for the code flow.
    _, state = client.create_authorization_url(authorization_endpoint, response_type="token")
    forged = f"{CALLBACK}#access_token={issued}&state=not-{state}&token_type=bearer"
    with pytest.raises(MismatchingStateError):
        client.fetch_token(authorization_response=forged)


# -- the other grants -----------------------------------------------------------------------


def test_password_grant(op: DevProvider) -> None:
    from grantflow import OAuth2Session

    _, token_endpoint = _endpoints(op)
    client = OAuth2Session(CLIENT_ID, op.clients[CLIENT_ID]["client_secret"])
    username, password = "alice", op.users["alice"]
    token = client.fetch_token(token_endpoint, username=username, password=password)
    assert token["access_token"]


def test_client_credentials_guessed_and_named(op: DevProvider, api: ProtectedAPI) -> None:
    from grantflow import OAuth2Session

    _, token_endpoint = _endpoints(op)
    client = OAuth2Session("client-m2m", op.clients["client-m2m"]["client_secret"])
    first = client.fetch_token(token_endpoint)
    second = client.fetch_token(token_endpoint, grant_type="client_credentials")
    assert first["access_token"] != second["access_token"]
    assert client.get(api.url).json()["client_id"] == "client-m2m"


def test_client_secret_post_and_a_custom_requests_auth(op: DevProvider) -> None:
    from grantflow import OAuth2Session

    _, token_endpoint = _endpoints(op)
    client = OAuth2Session(
        "client-post",
        op.clients["client-post"]["client_secret"],
        token_endpoint_auth_method="client_secret_post",
    )
    assert client.fetch_token(token_endpoint, grant_type="client_credentials")["access_token"]

    auth = requests.auth.HTTPBasicAuth("client-m2m", op.clients["client-m2m"]["client_secret"])
    client = OAuth2Session()
    assert client.fetch_token(token_endpoint, auth=auth)["access_token"]


def test_a_token_obtained_elsewhere_makes_protected_requests(
    op: DevProvider, api: ProtectedAPI
) -> None:
    from grantflow import OAuth2Session

    _, token_endpoint = _endpoints(op)
    seed = OAuth2Session("client-m2m", op.clients["client-m2m"]["client_secret"])
    token = dict(seed.fetch_token(token_endpoint))

    client = OAuth2Session(CLIENT_ID, CLIENT_SECRET, token=token)
    resp = client.get(api.url)
    assert resp.status_code == 200


def _code_flow_token(op: DevProvider, client: Any) -> dict[str, Any]:
    authorization_endpoint, token_endpoint = _endpoints(op)
    uri, _ = client.create_authorization_url(authorization_endpoint, prompt="consent")
    return dict(client.fetch_token(token_endpoint, authorization_response=follow(uri)))


def test_refresh_token_by_hand(op: DevProvider) -> None:
    from grantflow import OAuth2Session

    _, token_endpoint = _endpoints(op)
    secret = op.clients[CLIENT_ID]["client_secret"]
    client = OAuth2Session(
        CLIENT_ID, secret, scope="profile offline_access", redirect_uri=CALLBACK, issuer=op.issuer
    )
    token = _code_flow_token(op, client)
    new_token = client.refresh_token(token_endpoint, refresh_token=token["refresh_token"])
    assert new_token["access_token"] != token["access_token"]


def test_auto_update_token_with_a_token_endpoint(op: DevProvider, api: ProtectedAPI) -> None:
    """The documented auto-refresh: an expired token, update_token, a token endpoint."""
    from grantflow import InvalidTokenError, OAuth2Session

    _, token_endpoint = _endpoints(op)
    secret = op.clients[CLIENT_ID]["client_secret"]
    seed = OAuth2Session(
        CLIENT_ID, secret, scope="profile offline_access", redirect_uri=CALLBACK, issuer=op.issuer
    )
    expired = {**_code_flow_token(op, seed), "expires_at": 1}
    expired.pop("expires_in", None)
    calls: list[tuple[dict[str, object], str | None]] = []

    def update_token(token, refresh_token=None, access_token=None):  # type: ignore[no-untyped-def]
        calls.append((token, refresh_token))

    client = OAuth2Session(
        CLIENT_ID, secret, update_token=update_token, token_endpoint=token_endpoint
    )
    client.token = expired
    assert client.get(api.url).status_code == 200
    assert calls and calls[0][1] == expired["refresh_token"]

    # Without a token endpoint there is nowhere to refresh: InvalidTokenError, as there.
    lost = OAuth2Session(CLIENT_ID, secret, update_token=update_token)
    lost.token = {**expired, "access_token": "gone"}
    with pytest.raises(InvalidTokenError, match="token_endpoint="):
        lost.get(api.url)


# -- compliance hooks, OpenID Connect ---------------------------------------------------------


def test_compliance_hook_adds_the_token_as_a_query_parameter(
    op: DevProvider, api: ProtectedAPI
) -> None:
    from grantflow import OAuth2Session
    from grantflow.compliance import add_params_to_uri  # was: ...common.urls

    _, token_endpoint = _endpoints(op)
    session = OAuth2Session("client-m2m", op.clients["client-m2m"]["client_secret"])
    session.fetch_token(token_endpoint)

    def _non_compliant_param_name(url, headers, data):  # type: ignore[no-untyped-def]
        access_token = session.token.get("access_token")
        token = {"oauth2_access_token": access_token}
        url = add_params_to_uri(url, token)
        headers.pop("Authorization", None)  # the API must take the query parameter
        return url, headers, data

    session.register_compliance_hook("protected_request", _non_compliant_param_name)
    assert session.get(api.url).json()["via"] == "oauth2_access_token"


def test_openid_connect_nonce_and_id_token_are_handled_by_the_session(op: DevProvider) -> None:
    """Deliberate: no JOSE toolkit to decode the ID token by hand; fetch_token validates it
    (signature, iss, aud, exp, the nonce given) and puts its claims in token["userinfo"]."""
    from grantflow import OAuth2Session

    client = OAuth2Session(
        CLIENT_ID,
        op.clients[CLIENT_ID]["client_secret"],
        scope="openid email profile",
        server_metadata_url=op.discovery_url,
    )
    nonce = secrets.token_urlsafe(32)  # was: generate_token() of that library
    uri, _ = client.create_authorization_url(redirect_uri=CALLBACK, nonce=nonce)
    token = client.fetch_token(authorization_response=follow(uri), redirect_uri=CALLBACK)
    claims = client.parse_id_token(token, nonce=nonce)
    assert token["userinfo"]["nonce"] == claims["nonce"] == nonce


# -- AssertionSession, RFC 7523 client authentication, OAuth2Auth ----------------------------


def test_assertion_session_with_a_service_account(op: DevProvider, api: ProtectedAPI) -> None:
    from grantflow import AssertionSession  # was: ...integrations.requests_client

    conf = {
        "token_uri": op.metadata["token_endpoint"],
        "client_email": "client-private-jwt",
        "private_key": op.files["private_key_jwt_pem"].read_text(),
        "private_key_id": "client-rsa-1",
    }
    token_uri = conf["token_uri"]
    header = {"alg": "RS256"}
    key_id = conf.get("private_key_id")
    if key_id:
        header["kid"] = key_id
    claims = {"scope": "api:read"}
    session = AssertionSession(
        token_endpoint=token_uri,
        issuer=conf["client_email"],
        audience=token_uri,
        claims=claims,
        subject=None,
        key=conf["private_key"],
        header=header,
    )
    resp = session.get(api.url)
    assert resp.status_code == 200 and resp.json()["client_id"] == "client-private-jwt"


def test_client_secret_jwt(op: DevProvider) -> None:
    from grantflow import ClientSecretJWT, OAuth2Session  # was: ...oauth2.rfc7523

    token_endpoint = op.metadata["token_endpoint"]
    session = OAuth2Session(
        "client-secret-jwt",
        op.clients["client-secret-jwt"]["client_secret"],
        token_endpoint_auth_method=ClientSecretJWT(token_endpoint),
    )
    assert session.fetch_token(token_endpoint)["access_token"]


def test_private_key_jwt(op: DevProvider) -> None:
    from grantflow import OAuth2Session, PrivateKeyJWT  # was: ...oauth2.rfc7523

    token_endpoint = op.metadata["token_endpoint"]
    with open(op.files["private_key_jwt_pem"], "rb") as f:
        private_key = f.read()
    session = OAuth2Session(
        "client-private-jwt",
        private_key,
        token_endpoint_auth_method=PrivateKeyJWT(token_endpoint),
    )
    assert session.fetch_token(token_endpoint)["access_token"]


def test_oauth2_auth_with_plain_requests(op: DevProvider, api: ProtectedAPI) -> None:
    from grantflow import OAuth2Auth, OAuth2Session  # was: ...integrations.requests_client

    seed = OAuth2Session("client-m2m", op.clients["client-m2m"]["client_secret"])
    access_token = seed.fetch_token(op.metadata["token_endpoint"])["access_token"]
    token = {"token_type": "bearer", "access_token": access_token}
    auth = OAuth2Auth(token)
    assert requests.get(api.url, auth=auth, timeout=10).json()["via"] == "header"


def test_session_without_a_token_is_missing_token_error_and_closes(api: ProtectedAPI) -> None:
    """The "close the session" examples call session.get() on a session with no token:
    MissingTokenError there as here, raised before anything is sent."""
    from grantflow import MissingTokenError, OAuth2Session

    session = OAuth2Session(CLIENT_ID, CLIENT_SECRET)
    with pytest.raises(MissingTokenError):
        session.get(api.url)
    session.close()

    with OAuth2Session(CLIENT_ID, CLIENT_SECRET) as session, pytest.raises(MissingTokenError):
        session.get(api.url)
