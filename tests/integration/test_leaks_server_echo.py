"""A server that repeats the request in its error must not make grantflow show a secret.

Servers do echo: "invalid refresh_token <value>", a debugging page that dumps the form,
an ``error_uri`` built from the request. api.md §8 says ``str(e)`` never contains a
secret or a token, so grantflow has to take the values it knows are secret (the
request's sensitive parameters, the session's client secret and tokens) out of the
server-provided text before it becomes the error's message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from grantflow import (
    AssertionSession,
    ClientSecretJWT,
    InvalidResponseError,
    OAuth2Session,
    OAuthError,
)

from ._leaks import assert_absent, exception_texts
from ._wire import Recorded, Reply, WireServer, json_reply, text_reply

CLIENT_SECRET = "SECRET-cs-4711-client-secret-of-32+bytes"
PASSWORD = "SECRET-pw-4711"
ACCESS_TOKEN = "SECRET-at-4711"
REFRESH_TOKEN = "SECRET-rt-4711"
ID_TOKEN = "SECRET-idt-4711"
CODE = "SECRET-code-4711"
VERIFIER = "SECRET-cv-4711-" + "v" * 40
HMAC_KEY = "SECRET-hmac-4711-" + "k" * 32
SENSITIVE = (
    "access_token",
    "assertion",
    "client_assertion",
    "client_secret",
    "code",
    "code_verifier",
    "password",
    "refresh_token",
    "token",
)
KNOWN = (CLIENT_SECRET, PASSWORD, ACCESS_TOKEN, REFRESH_TOKEN, ID_TOKEN, CODE, VERIFIER, HMAC_KEY)
EXPIRED = {
    "access_token": ACCESS_TOKEN,
    "refresh_token": REFRESH_TOKEN,
    "id_token": ID_TOKEN,
    "token_type": "Bearer",
    "expires_at": 100,
}


def _echo_form(status: int = 400) -> Callable[[Recorded], Reply]:
    """An OAuth error whose description and error_uri repeat the whole request body."""

    def reply(recorded: Recorded) -> Reply:
        body = recorded.body.decode("utf-8")
        return json_reply(
            {
                "error": "invalid_request",
                "error_description": f"could not use the request {body}",
                "error_uri": f"https://idp.example/help?{body}",
            },
            status,
        )

    return reply


def _sent_secrets(recorded: Recorded) -> list[str]:
    """The secret values the request carried: sensitive form fields and Basic password."""
    values = [v for name in SENSITIVE for v in recorded.form.get(name, [])]
    if recorded.basic is not None:
        values.append(recorded.basic[1])
    return values


def _session(wire: WireServer, **kwargs: Any) -> OAuth2Session:
    return OAuth2Session(
        "client-1",
        CLIENT_SECRET,
        token_endpoint=wire.url("/token"),
        revocation_endpoint=wire.url("/token"),
        introspection_endpoint=wire.url("/token"),
        **kwargs,
    )


def _password(wire: WireServer) -> None:
    s = _session(wire, token_endpoint_auth_method="client_secret_post")
    s.fetch_token(username="alice", password=PASSWORD)


def _refresh(wire: WireServer) -> None:
    _session(wire, token=EXPIRED, token_endpoint_auth_method="client_secret_post").refresh_token()


def _automatic_refresh(wire: WireServer) -> None:
    s = _session(wire, token=EXPIRED, token_endpoint_auth_method="client_secret_post")
    s.get(wire.url("/api"))


def _code(wire: WireServer) -> None:
    s = _session(wire, token_endpoint_auth_method="client_secret_post")
    s.fetch_token(code=CODE, code_verifier=VERIFIER, redirect_uri="http://127.0.0.1/cb")


def _client_secret_jwt(wire: WireServer) -> None:
    s = _session(wire, token_endpoint_auth_method=ClientSecretJWT(wire.url("/token")))
    s.fetch_token(grant_type="client_credentials")


def _revoke(wire: WireServer) -> None:
    s = _session(wire, token=EXPIRED, token_endpoint_auth_method="client_secret_post")
    s.revoke_token(token=REFRESH_TOKEN, token_type_hint="refresh_token")


def _introspect(wire: WireServer) -> None:
    s = _session(wire, token=EXPIRED, token_endpoint_auth_method="client_secret_post")
    s.introspect_token(token=ACCESS_TOKEN)


def _jwt_bearer(wire: WireServer) -> None:
    s = AssertionSession(wire.url("/token"), issuer="svc", subject=None, key=HMAC_KEY, alg="HS256")
    s.fetch_token()


FLOWS: dict[str, Callable[[WireServer], None]] = {
    "password_grant": _password,
    "refresh": _refresh,
    "automatic_refresh": _automatic_refresh,
    "code_grant": _code,
    "client_secret_jwt": _client_secret_jwt,
    "revocation": _revoke,
    "introspection": _introspect,
    "jwt_bearer": _jwt_bearer,
}


@pytest.mark.parametrize("flow", list(FLOWS))
def test_an_error_that_echoes_the_request_shows_none_of_its_secrets(
    wire: WireServer, flow: str
) -> None:
    wire.script("/token", _echo_form())
    with pytest.raises(OAuthError) as caught:
        FLOWS[flow](wire)
    secrets = _sent_secrets(wire.last("/token"))
    assert secrets, "the request carried no secret: the test would prove nothing"
    assert_absent(secrets, exception_texts(caught.value), f"the {flow} error")


def test_an_error_naming_the_refresh_token_does_not_show_it(wire: WireServer) -> None:
    wire.script(
        "/token",
        json_reply(
            {
                "error": "invalid_grant",
                "error_description": f"invalid refresh_token {REFRESH_TOKEN}",
            },
            400,
        ),
    )
    with pytest.raises(OAuthError) as caught:
        _refresh(wire)
    assert caught.value.error == "invalid_grant"
    assert_absent([REFRESH_TOKEN], exception_texts(caught.value), "the refresh error")


def test_an_error_naming_the_basic_client_secret_does_not_show_it(wire: WireServer) -> None:
    # client_secret_basic: the secret is not in the form, but the session knows it.
    wire.script(
        "/token",
        json_reply(
            {"error": "invalid_client", "error_description": f"bad secret {CLIENT_SECRET}"}, 401
        ),
    )
    with pytest.raises(OAuthError) as caught:
        _session(wire).fetch_token(grant_type="client_credentials")
    assert wire.last("/token").basic == ("client-1", CLIENT_SECRET)
    assert_absent([CLIENT_SECRET], exception_texts(caught.value), "the client auth error")


def test_a_userinfo_error_naming_the_access_token_does_not_show_it(wire: WireServer) -> None:
    def echo_bearer(recorded: Recorded) -> Reply:
        return json_reply(
            {
                "error": "invalid_token",
                "error_description": f"rejected {recorded.header('Authorization')}",
            },
            401,
        )

    wire.script("/userinfo", echo_bearer)
    live = {"access_token": ACCESS_TOKEN, "token_type": "Bearer"}
    s = _session(
        wire,
        token=live,
        issuer=wire.base_url,
        jwks_uri=wire.url("/jwks"),
        userinfo_endpoint=wire.url("/userinfo"),
    )
    with pytest.raises(OAuthError) as caught:
        s.userinfo()
    assert wire.last("/userinfo").header("Authorization") == f"Bearer {ACCESS_TOKEN}"
    assert_absent([ACCESS_TOKEN], exception_texts(caught.value), "the UserInfo error")


@pytest.mark.parametrize("status", [200, 400, 500])
def test_an_html_page_that_echoes_the_form_shows_nothing_of_it(
    wire: WireServer, status: int
) -> None:
    def page(recorded: Recorded) -> Reply:
        return text_reply(f"<html><pre>{recorded.body.decode()}</pre></html>", status)

    wire.script("/token", page)
    with pytest.raises(InvalidResponseError) as caught:
        _password(wire)
    assert caught.value.status_code == status
    secrets = _sent_secrets(wire.last("/token"))
    assert PASSWORD in secrets and CLIENT_SECRET in secrets
    assert_absent(secrets, exception_texts(caught.value), "the HTML error")


def test_a_form_encoded_error_page_that_echoes_the_body_keeps_secrets_out_of_other_fields(
    wire: WireServer,
) -> None:
    # A text/plain body is read as a form (a provider quirk): only error fields are used.
    def form(recorded: Recorded) -> Reply:
        return text_reply(recorded.body.decode() + "&error=invalid_grant", 400, "text/plain")

    wire.script("/token", form)
    with pytest.raises(OAuthError) as caught:
        _password(wire)
    assert caught.value.error == "invalid_grant"
    assert_absent(KNOWN, exception_texts(caught.value), "the form-encoded error")


def test_a_token_in_an_error_response_body_is_not_shown(wire: WireServer) -> None:
    wire.script(
        "/token",
        json_reply({"error": "server_error", "access_token": ACCESS_TOKEN, "id_token": ID_TOKEN}),
    )
    with pytest.raises(OAuthError) as caught:
        _password(wire)
    assert_absent(KNOWN, exception_texts(caught.value), "the error with a token in its body")


def test_an_error_echoing_the_basic_authorization_header_does_not_show_it(
    wire: WireServer,
) -> None:
    # base64("client-1:secret") is the secret in a thin disguise.
    def echo_header(recorded: Recorded) -> Reply:
        sent = recorded.header("Authorization")
        return json_reply({"error": "invalid_client", "error_description": f"bad {sent}"}, 401)

    wire.script("/token", echo_header)
    with pytest.raises(OAuthError) as caught:
        _session(wire).fetch_token(grant_type="client_credentials")
    credentials = (wire.last("/token").header("Authorization") or "").split(" ", 1)[1]
    assert credentials
    assert_absent([credentials], exception_texts(caught.value), "the client auth error")


def test_an_error_code_that_carries_a_secret_does_not_show_it(wire: WireServer) -> None:
    # RFC 6749 §5.2 limits `error` to a code, but the text is the server's all the same.
    wire.script("/token", json_reply({"error": f"invalid_grant:{REFRESH_TOKEN}"}, 400))
    with pytest.raises(OAuthError) as caught:
        _refresh(wire)
    assert_absent([REFRESH_TOKEN], exception_texts(caught.value), "the error code")


def test_a_www_authenticate_challenge_naming_the_token_does_not_show_it(
    wire: WireServer,
) -> None:
    challenge = f'Bearer error="invalid_token", error_description="{ACCESS_TOKEN} expired"'
    wire.script("/userinfo", Reply(401, b"", {"WWW-Authenticate": challenge}))
    s = _session(
        wire,
        token={"access_token": ACCESS_TOKEN, "token_type": "Bearer"},
        issuer=wire.base_url,
        jwks_uri=wire.url("/jwks"),
        userinfo_endpoint=wire.url("/userinfo"),
    )
    with pytest.raises(OAuthError) as caught:
        s.userinfo()
    assert caught.value.error == "invalid_token"
    assert_absent([ACCESS_TOKEN], exception_texts(caught.value), "the UserInfo challenge error")


def test_an_assertion_session_fetching_on_its_own_hides_the_echoed_assertion(
    wire: WireServer,
) -> None:
    wire.script("/token", _echo_form())
    s = AssertionSession(wire.url("/token"), issuer="svc", subject=None, key=HMAC_KEY, alg="HS256")
    with pytest.raises(OAuthError) as caught:
        s.get(wire.url("/api"))
    secrets = _sent_secrets(wire.last("/token"))
    assert secrets
    assert_absent(secrets, exception_texts(caught.value), "the automatic fetch error")
