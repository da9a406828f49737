"""Network failures stay requests exceptions, and none of them, nor what they chain, shows a secret.

requests puts the URL in its messages, and a GET token request or a token placed in the
query carries secrets there. The exception grantflow raises must hide them, and so must
the exceptions it hangs on that one: ``__context__`` is walked by error reporters and
printed by ``traceback`` whenever a later handler re-raises. Every server here is real
(or a port on 127.0.0.1 that nothing listens on).
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import Any

import pytest
import requests

from grantflow import OAuth2Auth, OAuth2Session

from ._leaks import assert_absent, exception_texts
from ._wire import WireServer, free_port, json_reply

CLIENT_SECRET = "SECRET-cs-4711"
PASSWORD = "SECRET-pw-4711"
ACCESS_TOKEN = "SECRET-at-4711"
REFRESH_TOKEN = "SECRET-rt-4711"
CODE = "SECRET-code-4711"
VERIFIER = "SECRET-cv-4711-" + "v" * 40
SECRETS = (CLIENT_SECRET, PASSWORD, ACCESS_TOKEN, REFRESH_TOKEN, CODE, VERIFIER)
LIVE = {"access_token": ACCESS_TOKEN, "refresh_token": REFRESH_TOKEN, "token_type": "Bearer"}


def _dead(path: str) -> str:
    return f"http://127.0.0.1:{free_port()}{path}"


def _session(**kwargs: Any) -> OAuth2Session:
    return OAuth2Session(
        "client-1", CLIENT_SECRET, token_endpoint_auth_method="client_secret_post", **kwargs
    )


def _get_password_grant() -> None:
    s = _session(token_endpoint=_dead("/token"))
    s.fetch_token(method="GET", username="alice", password=PASSWORD)


def _get_code_grant() -> None:
    s = _session(token_endpoint=_dead("/token"))
    s.fetch_token(method="GET", code=CODE, code_verifier=VERIFIER)


def _uri_placed_resource_request() -> None:
    _session(token=LIVE, token_placement="uri").get(_dead("/api"))


@pytest.mark.parametrize(
    "send",
    [_get_password_grant, _get_code_grant, _uri_placed_resource_request],
    ids=["get_password_grant", "get_code_grant", "uri_placed_resource_request"],
)
def test_a_network_failure_with_secrets_in_the_query_chains_no_exception_that_shows_them(
    send: Callable[[], None],
) -> None:
    with pytest.raises(requests.ConnectionError) as caught:
        send()
    # The message itself is clean; what hangs on it must be too.
    assert "***" in str(caught.value)
    assert_absent(SECRETS, exception_texts(caught.value), "the exception chain")


def _post_password_grant() -> None:
    _session(token_endpoint=_dead("/token")).fetch_token(username="alice", password=PASSWORD)


def _refresh() -> None:
    _session(token_endpoint=_dead("/token"), token=LIVE).refresh_token()


def _revoke() -> None:
    _session(revocation_endpoint=_dead("/revoke"), token=LIVE).revoke_token()


def _introspect() -> None:
    _session(introspection_endpoint=_dead("/introspect"), token=LIVE).introspect_token()


def _discovery() -> None:
    _session(server_metadata_url=_dead("/.well-known/openid-configuration")).load_server_metadata()


def _jwks() -> None:
    _session(jwks_uri=_dead("/jwks")).fetch_jwk_set()


def _userinfo() -> None:
    s = _session(
        token=LIVE,
        issuer="http://127.0.0.1",
        jwks_uri=_dead("/jwks"),
        userinfo_endpoint=_dead("/ui"),
    )
    s.userinfo()


def _header_resource_request() -> None:
    _session(token=LIVE).get(_dead("/api"))


def _body_resource_request() -> None:
    _session(token=LIVE, token_placement="body").post(_dead("/api"), data={"a": "b"})


CLEAN = {
    "post_password_grant": _post_password_grant,
    "refresh": _refresh,
    "revocation": _revoke,
    "introspection": _introspect,
    "discovery": _discovery,
    "jwks": _jwks,
    "userinfo": _userinfo,
    "header_resource_request": _header_resource_request,
    "body_resource_request": _body_resource_request,
}


@pytest.mark.parametrize("name", list(CLEAN))
def test_a_network_failure_of_any_grantflow_request_shows_no_secret_anywhere_in_its_chain(
    name: str,
) -> None:
    with pytest.raises(requests.ConnectionError) as caught:
        CLEAN[name]()
    assert_absent(SECRETS, exception_texts(caught.value), f"the {name} failure")


def test_an_unparsable_get_token_url_shows_no_secret() -> None:
    s = _session(token_endpoint="http://127.0.0.1:99999/token")
    with pytest.raises(requests.RequestException) as caught:
        s.fetch_token(method="GET", username="alice", password=PASSWORD)
    assert_absent(SECRETS, exception_texts(caught.value), "the invalid-URL error")


def test_an_unparsable_resource_url_shows_no_uri_placed_token() -> None:
    s = _session(token=LIVE, token_placement="uri")
    with pytest.raises(requests.RequestException) as caught:
        s.get("http://127.0.0.1:99999/api")
    assert_absent(SECRETS, exception_texts(caught.value), "the invalid-URL error")


TOKEN_WITH_CRLF = ACCESS_TOKEN + "\r\nX-Injected: 1"


@pytest.mark.parametrize(
    "source",
    ["token_endpoint", "given"],
)
def test_an_access_token_that_cannot_be_a_header_is_refused_without_showing_it(
    wire: WireServer, source: str
) -> None:
    wire.script("/api", json_reply({}))
    wire.script("/token", json_reply({"access_token": TOKEN_WITH_CRLF, "token_type": "Bearer"}))
    s = _session(token_endpoint=wire.url("/token"))
    with pytest.raises(Exception) as caught:
        # Refusing the token response itself is as good as refusing to send it.
        if source == "token_endpoint":
            s.fetch_token(grant_type="client_credentials")
        else:
            s.token = {"access_token": TOKEN_WITH_CRLF, "token_type": "Bearer"}
        s.get(wire.url("/api"))
    assert not wire.to("/api")
    assert_absent([ACCESS_TOKEN], exception_texts(caught.value), "the header error")


def test_oauth2auth_with_a_token_that_cannot_be_a_header_does_not_show_it(
    wire: WireServer,
) -> None:
    wire.script("/api", json_reply({}))
    with pytest.raises(Exception) as caught:
        # Refused when the token is given (OAuth2Token) or, at the latest, when sent.
        auth = OAuth2Auth({"access_token": TOKEN_WITH_CRLF, "token_type": "bearer"})
        requests.get(wire.url("/api"), auth=auth, timeout=10)
    assert not wire.to("/api")
    assert_absent([ACCESS_TOKEN], exception_texts(caught.value), "the header error")


def test_a_redacted_network_error_stays_redacted_through_pickle() -> None:
    with pytest.raises(requests.ConnectionError) as caught:
        _get_password_grant()
    copied = pickle.loads(pickle.dumps(caught.value))  # noqa: S301 - our own bytes
    assert type(copied) is type(caught.value)
    assert "***" in str(copied)
    assert_absent(SECRETS, [str(copied), repr(copied), *map(str, copied.args)], "the copy")
