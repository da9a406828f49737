"""requests-oauthlib's documented OAuth 2 workflows, imports changed, run for real.

requests-oauthlib's names that mean the same here (``authorization_url()``,
``authorized``, ``fetch_token(token_url=...)``) work as they do there; its keywords that
have another home here (``token_updater=``, ``auto_refresh_url=``,
``auto_refresh_kwargs=``, ``client=``, and ``client_secret=`` given to ``fetch_token``) are
a ``TypeError`` naming the grantflow equivalent, raised before anything is sent.
"""

from __future__ import annotations

from typing import Any

import pytest
from drivers import DRIVERS, make_client

from grantflow import InvalidTokenError, OAuth2Session
from grantflow.testing import DevProvider

from ._support import CALLBACK, ProtectedAPI, follow

CLIENT_ID = "client-basic"


def _secret(op: DevProvider, client_id: str = CLIENT_ID) -> str:
    return str(op.clients[client_id]["client_secret"])


# -- the web application flow -----------------------------------------------------------------


def test_web_application_flow_with_authorization_url(op: DevProvider, api: ProtectedAPI) -> None:
    authorization_base_url = op.metadata["authorization_endpoint"]
    token_url = op.metadata["token_endpoint"]
    client_id, client_secret = CLIENT_ID, _secret(op)
    scope = ["profile", "offline_access"]

    oauth = OAuth2Session(
        client_id, client_secret, redirect_uri=CALLBACK, scope=scope, issuer=op.issuer
    )
    authorization_url, state = oauth.authorization_url(
        authorization_base_url, access_type="offline", prompt="consent"
    )
    assert "access_type=offline" in authorization_url and f"state={state}" in authorization_url
    assert not oauth.authorized
    token = oauth.fetch_token(token_url, authorization_response=follow(authorization_url))
    assert oauth.authorized and token["access_token"]
    assert oauth.get(api.url).status_code == 200


def test_client_secret_given_to_fetch_token_is_refused_before_the_code_is_spent(
    op: DevProvider,
) -> None:
    token_url = op.metadata["token_endpoint"]
    client_secret = _secret(op)
    oauth = OAuth2Session(CLIENT_ID, redirect_uri=CALLBACK, scope="profile", issuer=op.issuer)
    authorization_url, state = oauth.authorization_url(op.metadata["authorization_endpoint"])
    record = oauth.authorization_request(state)
    callback = follow(authorization_url)

    with pytest.raises(TypeError, match=r"client_secret=.*constructor") as info:
        oauth.fetch_token(token_url, authorization_response=callback, client_secret=client_secret)
    assert client_secret not in str(info.value)

    # Nothing went out: the same code is still good for the session that holds the secret.
    fixed = OAuth2Session(CLIENT_ID, client_secret, redirect_uri=CALLBACK, issuer=op.issuer)
    token = fixed.fetch_token(
        token_url,
        authorization_response=callback,
        state=state,
        code_verifier=record["code_verifier"],
    )
    assert token["access_token"]


# -- the backend and legacy application flows -------------------------------------------------


def test_backend_application_flow_with_token_url_keyword(op: DevProvider) -> None:
    """``token_url=`` names the endpoint; the credentials go to the constructor."""
    client_id, client_secret = "client-m2m", _secret(op, "client-m2m")
    token_url = op.metadata["token_endpoint"]

    with pytest.raises(TypeError, match="client_secret="):
        OAuth2Session().fetch_token(
            token_url=token_url, client_id=client_id, client_secret=client_secret
        )

    oauth = OAuth2Session(client_id, client_secret)
    token = oauth.fetch_token(token_url=token_url)
    assert token["access_token"] and oauth.authorized


def test_oauthlib_client_objects_are_refused_with_the_grantflow_way() -> None:
    """requests-oauthlib's ``client=LegacyApplicationClient(...)``: the grant follows from
    fetch_token's arguments here (username=/password=)."""
    with pytest.raises(TypeError, match=r"'client'.*username=/password="):
        OAuth2Session(client=object())


# -- refreshing tokens --------------------------------------------------------------------------

_EXPIRED = {
    "access_token": "eswfld123kjhn1v5423",
    "refresh_token": "asdfkljh23490sdf",
    "token_type": "Bearer",
    "expires_in": "-30",
}


def test_expired_token_without_a_refresh_endpoint_is_invalid_token_error(
    api: ProtectedAPI,
) -> None:
    """Their TokenExpiredError: InvalidTokenError here, saying what would renew it."""
    with pytest.warns(RuntimeWarning, match="negative expires_in"):
        client = OAuth2Session("foo", token=_EXPIRED)
    with pytest.raises(InvalidTokenError, match="token_endpoint="):
        client.get(api.url)


@pytest.mark.parametrize(
    ("keyword", "equivalent"),
    [
        ("token_updater", "update_token="),
        ("auto_refresh_url", "token_endpoint="),
        ("auto_refresh_kwargs", "token_endpoint_auth_method="),
    ],
)
@pytest.mark.parametrize("driver", DRIVERS)
def test_refresh_keywords_are_refused_naming_the_equivalent(
    driver: str, keyword: str, equivalent: str
) -> None:
    with pytest.raises(TypeError, match=rf"'{keyword}'.*{equivalent}"):
        make_client(driver, "foo", **{keyword: "x"})


def test_automatic_refresh_the_grantflow_way(op: DevProvider, api: ProtectedAPI) -> None:
    """The "recommended" refresh, renamed: token_endpoint= and update_token=."""
    secret = _secret(op)
    seed = OAuth2Session(
        CLIENT_ID, secret, redirect_uri=CALLBACK, scope="profile offline_access", issuer=op.issuer
    )
    url, _ = seed.authorization_url(op.metadata["authorization_endpoint"], prompt="consent")
    token = dict(
        seed.fetch_token(op.metadata["token_endpoint"], authorization_response=follow(url))
    )
    token["expires_at"] = 1
    saved: list[dict[str, Any]] = []

    def token_saver(token: dict[str, Any], **old: Any) -> None:
        saved.append(token)

    client = OAuth2Session(
        CLIENT_ID,
        secret,
        token=token,
        token_endpoint=op.metadata["token_endpoint"],  # was auto_refresh_url=
        update_token=token_saver,  # was token_updater=
    )
    assert client.get(api.url).status_code == 200
    assert saved and saved[0]["access_token"] != token["access_token"]


def test_refresh_token_with_client_secret_is_refused_before_anything_is_sent(
    op: DevProvider,
) -> None:
    secret = _secret(op)
    seed = OAuth2Session(
        CLIENT_ID, secret, redirect_uri=CALLBACK, scope="profile offline_access", issuer=op.issuer
    )
    url, _ = seed.authorization_url(op.metadata["authorization_endpoint"], prompt="consent")
    token = seed.fetch_token(op.metadata["token_endpoint"], authorization_response=follow(url))
    extra: dict[str, Any] = {"client_id": CLIENT_ID, "client_secret": secret}
    with pytest.raises(TypeError, match="client_secret="):
        seed.refresh_token(op.metadata["token_endpoint"], **extra)
    # The refresh token was not used: it still refreshes.
    again = seed.refresh_token(op.metadata["token_endpoint"])
    assert again["access_token"] != token["access_token"]


# -- the same names on every driver -------------------------------------------------------------


@pytest.mark.parametrize("driver", DRIVERS)
def test_authorization_url_and_authorized_on_every_driver(
    driver: str, op: DevProvider, api: ProtectedAPI
) -> None:
    client = make_client(
        driver, CLIENT_ID, _secret(op), redirect_uri=CALLBACK, scope="profile", issuer=op.issuer
    )
    try:
        url, state = client.authorization_url(op.metadata["authorization_endpoint"])
        assert client.authorization_request(state)["code_verifier"]
        assert client.authorized is False
        client.fetch_token(op.metadata["token_endpoint"], authorization_response=follow(url))
        assert client.authorized is True
        client.token = {"token_type": "bearer", "refresh_token": "r"}
        assert client.authorized is False
    finally:
        client.close()


@pytest.mark.parametrize("driver", DRIVERS)
def test_fetch_token_client_secret_is_refused_on_every_driver(driver: str, op: DevProvider) -> None:
    client = make_client(driver, "client-m2m")
    try:
        with pytest.raises(TypeError, match="client_secret="):
            client.fetch_token(op.metadata["token_endpoint"], client_secret="x")
        with pytest.raises(TypeError, match="include_client_id="):
            client.fetch_token(op.metadata["token_endpoint"], include_client_id=True)
    finally:
        client.close()
