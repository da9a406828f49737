"""At DEBUG, no log record and no warning of a whole flow shows a secret.

grantflow itself logs nothing; requests and urllib3 do. urllib3 writes each request line,
query string included, at DEBUG ("GET /token?...&password=... HTTP/1.1"): POSTed forms
and headers stay out of it, but a GET token request and a token placed in the URI do
not. The tests cover both, each flow against a real server on 127.0.0.1.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from grantflow import AssertionSession, ClientSecretJWT, OAuth2Session, OAuth2Token, OAuthError

from ._leaks import assert_absent
from ._wire import WireServer, free_port, json_reply

CLIENT_SECRET = "SECRET-cs-4711"
PASSWORD = "SECRET-pw-4711"
ACCESS_TOKEN = "SECRET-at-4711"
REFRESH_TOKEN = "SECRET-rt-4711"
CODE = "SECRET-code-4711"
VERIFIER = "SECRET-cv-4711-" + "v" * 40
SHORT_KEY = "SECRET-k"  # under 112 bits: joserfc warns about its size
SECRETS = (CLIENT_SECRET, PASSWORD, ACCESS_TOKEN, REFRESH_TOKEN, CODE, VERIFIER, SHORT_KEY)
ISSUED = {
    "access_token": ACCESS_TOKEN,
    "refresh_token": REFRESH_TOKEN,
    "token_type": "Bearer",
    "expires_in": 3600,
}


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every logger (root, grantflow, requests, urllib3) captured at DEBUG."""
    caplog.set_level(logging.DEBUG)
    for name in ("grantflow", "requests", "urllib3"):
        caplog.set_level(logging.DEBUG, logger=name)
    yield caplog


def _records(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records]


def _session(wire: WireServer, **kwargs: Any) -> OAuth2Session:
    wire.script("/token", json_reply(ISSUED))
    wire.script("/api", json_reply({}))
    wire.script("/introspect", json_reply({"active": True}))
    return OAuth2Session(
        "client-1",
        CLIENT_SECRET,
        token_endpoint=wire.url("/token"),
        revocation_endpoint=wire.url("/token"),
        introspection_endpoint=wire.url("/introspect"),
        **kwargs,
    )


def _post_flows(wire: WireServer) -> None:
    s = _session(wire, token_endpoint_auth_method="client_secret_post")
    s.fetch_token(username="alice", password=PASSWORD)
    s.fetch_token(code=CODE, code_verifier=VERIFIER)
    s.get(wire.url("/api"))
    s.refresh_token()
    s.introspect_token()
    s.revoke_token(token=REFRESH_TOKEN)


def _basic_and_body(wire: WireServer) -> None:
    s = _session(wire, token_placement="body")
    s.fetch_token(grant_type="client_credentials")
    s.post(wire.url("/api"), data={"q": "1"})


def _client_secret_jwt(wire: WireServer) -> None:
    s = _session(wire, token_endpoint_auth_method=ClientSecretJWT(wire.url("/token")))
    s.fetch_token(grant_type="client_credentials")


FORM_FLOWS: dict[str, Callable[[WireServer], None]] = {
    "post_grants_refresh_revoke_introspect": _post_flows,
    "basic_auth_and_body_placement": _basic_and_body,
    "client_secret_jwt": _client_secret_jwt,
}


@pytest.mark.parametrize("flow", list(FORM_FLOWS))
def test_flows_that_post_their_secrets_log_none_of_them_at_debug(
    wire: WireServer, debug_logs: pytest.LogCaptureFixture, flow: str
) -> None:
    FORM_FLOWS[flow](wire)
    records = _records(debug_logs)
    # urllib3 did log the requests: the check below looks at real lines.
    assert any("POST /token" in line for line in records)
    assert_absent(SECRETS, records, "a DEBUG log record")


def test_a_client_secret_jwt_assertion_is_never_logged(
    wire: WireServer, debug_logs: pytest.LogCaptureFixture
) -> None:
    _client_secret_jwt(wire)
    assertion = wire.last("/token").field("client_assertion")
    assert assertion
    assert_absent([assertion], _records(debug_logs), "a DEBUG log record")


def test_a_get_token_request_logs_no_secret_at_debug(
    wire: WireServer, debug_logs: pytest.LogCaptureFixture
) -> None:
    s = _session(wire, token_endpoint_auth_method="client_secret_post")
    s.fetch_token(method="GET", username="alice", password=PASSWORD)
    assert wire.last("/token").query["password"] == [PASSWORD]
    assert_absent(SECRETS, _records(debug_logs), "a DEBUG log record")


def test_a_uri_placed_token_is_not_logged_at_debug(
    wire: WireServer, debug_logs: pytest.LogCaptureFixture
) -> None:
    s = _session(wire, token=ISSUED, token_placement="uri")
    s.get(wire.url("/api"))
    assert wire.last("/api").query["access_token"] == [ACCESS_TOKEN]
    assert_absent(SECRETS, _records(debug_logs), "a DEBUG log record")


def test_grantflow_itself_emits_no_log_record_with_a_secret_in_a_get_flow(
    wire: WireServer, debug_logs: pytest.LogCaptureFixture
) -> None:
    s = _session(wire, token_endpoint_auth_method="client_secret_post", token_placement="uri")
    s.fetch_token(method="GET", username="alice", password=PASSWORD)
    s.get(wire.url("/api"))
    own = [r.getMessage() for r in debug_logs.records if r.name.startswith("grantflow")]
    assert_absent(SECRETS, own, "a grantflow log record")
    assert_absent(SECRETS, [repr(s), repr(s.token), repr(s.token_auth)], "a repr")


def _warning_texts(caught: list[warnings.WarningMessage]) -> list[str]:
    return [f"{w.category.__name__}: {w.message}" for w in caught]


@pytest.mark.parametrize("garbage", [f"in {ACCESS_TOKEN} s", [ACCESS_TOKEN], {"t": ACCESS_TOKEN}])
def test_an_unusable_expires_in_warns_without_showing_it_or_the_token(garbage: object) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        token = OAuth2Token({**ISSUED, "expires_in": garbage})
    assert "expires_at" not in token
    assert caught, "no warning: the test would prove nothing"
    assert_absent(SECRETS, _warning_texts(caught), "the expires_in warning")


def test_an_unusable_expires_in_from_the_token_endpoint_warns_without_the_token(
    wire: WireServer,
) -> None:
    s = _session(wire)
    wire.script("/token", json_reply({**ISSUED, "expires_in": f"soon {REFRESH_TOKEN}"}))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        s.fetch_token(grant_type="client_credentials")
    assert caught
    assert_absent(SECRETS, _warning_texts(caught), "the expires_in warning")


def test_a_short_hmac_client_secret_draws_a_warning_that_does_not_show_it(
    wire: WireServer,
) -> None:
    wire.script("/token", json_reply(ISSUED))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        s = OAuth2Session(
            "client-1",
            SHORT_KEY,
            token_endpoint=wire.url("/token"),
            token_endpoint_auth_method=ClientSecretJWT(wire.url("/token")),
        )
        s.fetch_token(grant_type="client_credentials")
    assert any("112" in text for text in _warning_texts(caught)), _warning_texts(caught)
    assert_absent(SECRETS, _warning_texts(caught), "the key-size warning")


def test_a_short_hmac_assertion_key_draws_a_warning_that_does_not_show_it(
    wire: WireServer,
) -> None:
    wire.script("/token", json_reply(ISSUED))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        s = AssertionSession(
            wire.url("/token"), issuer="svc", subject=None, key=SHORT_KEY + "x", alg="HS256"
        )
        s.fetch_token()
    assert caught
    assert_absent(SECRETS, _warning_texts(caught), "the key-size warning")


def _retrying(s: OAuth2Session, **retry: Any) -> OAuth2Session:
    # Mounting a retrying adapter is the usual way to make requests resilient.
    s.mount("http://", HTTPAdapter(max_retries=Retry(backoff_factor=0, **retry)))
    return s


def test_urllib3s_retry_warnings_show_no_secret_of_a_get_token_request(
    debug_logs: pytest.LogCaptureFixture,
) -> None:
    url = f"http://127.0.0.1:{free_port()}/token"
    s = _retrying(
        OAuth2Session(
            "client-1",
            CLIENT_SECRET,
            token_endpoint=url,
            token_endpoint_auth_method="client_secret_post",
        ),
        total=1,
    )
    with pytest.raises(requests.ConnectionError):
        s.fetch_token(method="GET", username="alice", password=PASSWORD)
    warned = [r.getMessage() for r in debug_logs.records if r.levelno >= logging.WARNING]
    assert any("Retrying" in line for line in warned), warned
    assert_absent(SECRETS, warned, "urllib3's retry warning")


@pytest.mark.parametrize("where", ["get_token_request", "uri_placed_token"])
def test_a_retrying_adapter_logs_no_secret_at_debug(
    wire: WireServer, debug_logs: pytest.LogCaptureFixture, where: str
) -> None:
    s = _retrying(
        _session(wire, token=ISSUED, token_endpoint_auth_method="client_secret_post"),
        total=1,
        status_forcelist=[503],
        allowed_methods=None,
        raise_on_status=False,
    )
    wire.script("/token", json_reply({"error": "temporarily_unavailable"}, 503))
    wire.script("/api", json_reply({}, 503))
    if where == "get_token_request":
        with pytest.raises(OAuthError):
            s.fetch_token(method="GET", username="alice", password=PASSWORD)
    else:
        s.token_placement = "uri"
        s.get(wire.url("/api"))
    assert any("Retry" in line for line in _records(debug_logs))
    assert_absent(SECRETS, _records(debug_logs), "a DEBUG log record")


_FRESH_PROCESS_LOGS = """
import logging, sys
records = []
class Keep(logging.Handler):
    def emit(self, record):
        records.append(record.getMessage())
for name in ("httpx", "urllib3"):
    logging.getLogger(name).addHandler(Keep())
    logging.getLogger(name).setLevel(logging.DEBUG)
{body}
print("\\n".join(records))
"""


@pytest.mark.parametrize(
    "body",
    [
        # Nothing but the standalone auths imported: no session installs the filter.
        "from grantflow.httpx import OAuth2Auth\nimport httpx\n"
        "httpx.get(URL, auth=OAuth2Auth(TOKEN, token_placement='uri'))",
        "from grantflow import OAuth2Auth\nimport requests\n"
        "requests.get(URL, auth=OAuth2Auth(TOKEN, token_placement='uri'), timeout=10)",
    ],
    ids=["httpx", "requests"],
)
def test_a_standalone_auth_in_a_fresh_process_keeps_its_token_out_of_the_logs(
    wire: WireServer, body: str
) -> None:
    import subprocess
    import sys

    wire.script("/api", json_reply({}))
    setup = f"URL = {wire.url('/api')!r}\nTOKEN = {ISSUED!r}\n"
    script = _FRESH_PROCESS_LOGS.format(body=setup + body)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert wire.last("/api").query["access_token"] == [ACCESS_TOKEN]
    assert "/api?access_token=***" in done.stdout  # the line was logged, masked
    assert_absent(SECRETS, [done.stdout, done.stderr], "a log line of a fresh process")


def test_the_log_filter_masks_by_the_one_secrets_rule() -> None:
    from grantflow._core._log_filter import QueryRedactingFilter

    record = logging.LogRecord(
        "urllib3.connectionpool",
        logging.DEBUG,
        __file__,
        1,
        '%s "%s %s HTTP/1.1"',
        (
            "https://as.example",
            "GET",
            "/t?code=SECRET-c&token_type=Bearer&tenant_token=SECRET-t&state=s&x_secret=SECRET-x",
        ),
        None,
    )
    QueryRedactingFilter().filter(record)
    line = record.getMessage()
    assert "SECRET" not in line
    assert "token_type=Bearer" in line and "state=s" in line
    assert "code=***" in line and "tenant_token=***" in line and "x_secret=***" in line
