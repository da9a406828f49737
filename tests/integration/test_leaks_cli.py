"""Every failure of the ``grantflow`` command keeps the secrets it was given off its output.

Secrets reach the command from environment variables and files, as its help asks; each
test makes one error path happen for real (a server that says no, echoes the request,
answers HTML, or is not there; a bad option), running the command in-process, and
reads everything it wrote to stdout and stderr.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import pytest

from grantflow.testing import DevProvider

from ._cli import (
    Result,
    RunningCli,
    cli_env,
    deliver,
    query_of,
    run_cli,
    walk_to_redirect,
)
from ._leaks import assert_absent
from ._tls import TLSFiles
from ._wire import Recorded, Reply, WireServer, free_port, json_reply, text_reply

CLIENT_SECRET = "SECRET-cs-4711"
PASSWORD = "SECRET-pw-4711"
ACCESS_TOKEN = "SECRET-at-4711"
REFRESH_TOKEN = "SECRET-rt-4711"
SECRETS = (CLIENT_SECRET, PASSWORD, ACCESS_TOKEN, REFRESH_TOKEN)
ENV = cli_env(LEAK_CS=CLIENT_SECRET, LEAK_PW=PASSWORD, LEAK_AT=ACCESS_TOKEN, LEAK_RT=REFRESH_TOKEN)
CLIENT = ("--client-id", "client-1", "--client-secret-env", "LEAK_CS")


def _commands(base: str) -> dict[str, list[str]]:
    """Each command that sends a secret, pointed at ``base``."""
    post = ["--auth-method", "client_secret_post"]
    return {
        "client_credentials": [
            "token", "--token-endpoint", f"{base}/token", *CLIENT, *post,
            "--grant", "client_credentials",
        ],
        "password": [
            "token", "--token-endpoint", f"{base}/token", *CLIENT, *post,
            "--grant", "password", "--username", "alice", "--password-env", "LEAK_PW",
        ],
        "refresh": [
            "refresh", "--token-endpoint", f"{base}/token", *CLIENT, *post,
            "--refresh-token-env", "LEAK_RT",
        ],
        "revoke": [
            "revoke", "--revocation-endpoint", f"{base}/token", *CLIENT, *post,
            "--token-env", "LEAK_AT",
        ],
        "introspect": [
            "introspect", "--introspection-endpoint", f"{base}/token", *CLIENT, *post,
            "--token-env", "LEAK_AT",
        ],
    }  # fmt: skip


COMMANDS = list(_commands("http://x"))


def _run(wire: WireServer, command: str, reply: Reply | Callable[[Recorded], Reply]) -> Result:
    wire.script("/token", reply)
    result = run_cli(*_commands(wire.base_url)[command], env=ENV)
    assert wire.to("/token"), result.stderr
    return result


def _echo(recorded: Recorded) -> Reply:
    body = recorded.body.decode()
    return json_reply(
        {
            "error": "invalid_request",
            "error_description": f"cannot use {body}",
            "error_uri": f"https://idp.example/help?{body}",
        },
        400,
    )


@pytest.mark.parametrize("command", COMMANDS)
def test_a_server_that_echoes_the_request_does_not_put_its_secrets_on_stderr(
    wire: WireServer, command: str
) -> None:
    result = _run(wire, command, _echo)
    assert result.status == 1, result.stderr
    assert "invalid_request" in result.stderr
    assert_absent(SECRETS, [result.output], f"grantflow {command}'s output")


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("status", [200, 500])
def test_an_html_page_that_echoes_the_request_puts_nothing_of_it_on_stderr(
    wire: WireServer, command: str, status: int
) -> None:
    def page(recorded: Recorded) -> Reply:
        return text_reply(f"<html>{recorded.body.decode()}</html>", status)

    result = _run(wire, command, page)
    # api.md §9: an HTML page is not an OAuth answer at any status, a 200 revocation too
    # (a login page served at the revocation URL is a misconfiguration to report).
    assert result.status == 3, result.stderr
    assert_absent(SECRETS, [result.output], f"grantflow {command}'s output")


@pytest.mark.parametrize("command", COMMANDS)
def test_an_oauth_error_prints_its_fields_but_no_secret(wire: WireServer, command: str) -> None:
    reply = json_reply({"error": "invalid_client", "error_description": "no such client"}, 401)
    result = _run(wire, command, reply)
    assert result.status == 1
    assert "no such client" in result.stderr
    assert_absent(SECRETS, [result.output], f"grantflow {command}'s output")


@pytest.mark.parametrize("command", COMMANDS)
def test_a_network_error_names_the_host_and_no_secret(command: str) -> None:
    base = f"http://127.0.0.1:{free_port()}"
    result = run_cli(*_commands(base)[command], env=ENV)
    assert result.status == 4, result.stderr
    assert "network error" in result.stderr
    assert_absent(SECRETS, [result.output], f"grantflow {command}'s output")


def test_a_secret_given_as_the_tls_key_file_path_is_not_echoed(tls_files: TLSFiles) -> None:
    # The mistake the secret options guard against: the value where a path belongs.
    result = run_cli(
        "token", "--token-endpoint", "https://idp.example/token", "--client-id", "c",
        "--grant", "client_credentials", "--cert", tls_files.client_cert,
        "--key", CLIENT_SECRET, env=ENV,
    )  # fmt: skip
    assert result.status in (2, 4), result.stderr
    assert_absent([CLIENT_SECRET], [result.output], "the --key error")


@pytest.mark.parametrize("shape", ["pem", "short"])
def test_a_private_key_given_where_its_path_belongs_is_not_echoed(shape: str) -> None:
    body = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQ" + CLIENT_SECRET
    value = (
        f"-----BEGIN PRIVATE KEY-----\n{body * 8}\n-----END PRIVATE KEY-----"
        if shape == "pem"
        else CLIENT_SECRET
    )
    result = run_cli(
        "token", "--token-endpoint", "https://idp.example/token", "--client-id", "c",
        "--grant", "client_credentials", "--private-key", value, env=ENV,
    )  # fmt: skip
    assert result.status == 2, result.stderr
    assert "--private-key" in result.stderr or "private key" in result.stderr
    assert_absent([CLIENT_SECRET], [result.output], "the --private-key error")


def test_a_bad_secret_file_or_variable_name_is_not_echoed(tmp_path: Path) -> None:
    for option in ("--client-secret-file", "--client-secret-env"):
        result = run_cli(
            "token", "--token-endpoint", "https://idp.example/token", "--client-id", "c",
            "--grant", "client_credentials", option, f"{CLIENT_SECRET}=x", env=ENV,
        )  # fmt: skip
        assert result.status == 2, result.stderr
        assert_absent([CLIENT_SECRET], [result.output], f"the {option} error")


@pytest.mark.parametrize(
    "jwt",
    [
        ACCESS_TOKEN,
        f"eyJhbGciOiJIUzI1NiJ9.{ACCESS_TOKEN}.sig",
        f'{{"id_token": "{ACCESS_TOKEN}.x.y"}}',
        f'{{"access_token": "{ACCESS_TOKEN}"}}',
    ],
    ids=["not_a_jwt", "bad_payload", "json_bad_id_token", "json_without_the_field"],
)
def test_decode_of_something_that_is_no_jwt_does_not_echo_it(jwt: str) -> None:
    result = run_cli("decode", "-", stdin=jwt, env=ENV)
    assert result.status in (2, 3), result.stderr
    assert_absent([ACCESS_TOKEN], [result.output], "decode's output")


def test_decode_verify_against_an_unreachable_jwks_does_not_echo_the_token() -> None:
    # header {"alg":"RS256","kid":"k"} . payload {"iss":"https://i","secret":ACCESS_TOKEN}
    import base64
    import json

    def part(value: dict[str, str]) -> str:
        raw = json.dumps(value).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    jwt = ".".join(
        [part({"alg": "RS256", "kid": "k"}), part({"iss": "https://i", "x": ACCESS_TOKEN}), "c2ln"]
    )
    result = run_cli(
        "decode", "--verify", "--jwks-uri", f"http://127.0.0.1:{free_port()}/jwks", "-",
        stdin=jwt, env=ENV,
    )  # fmt: skip
    assert result.status == 4, result.stderr
    assert_absent([ACCESS_TOKEN, jwt], [result.stderr], "decode --verify's stderr")


@pytest.mark.parametrize(
    "forged",
    [{"state": "forged-state-value-0123456789"}, {"iss": "http://127.0.0.1:1"}, {}],
    ids=["forged_state", "forged_iss", "accepted"],
)
def test_a_rejected_callback_does_not_print_its_authorization_code(
    oauth_provider: DevProvider, forged: dict[str, str]
) -> None:
    cli = RunningCli(
        "token", "--issuer", oauth_provider.issuer, "--client-id", "client-public",
        "--redirect-uri", "http://127.0.0.1/cb", "--scope", "openid", "--no-browser",
        "--http-timeout", "10",
    )  # fmt: skip
    try:
        callback = walk_to_redirect(cli.authorization_url())
        code = query_of(callback)["code"]
        page = deliver(
            urlunsplit(
                urlsplit(callback)._replace(query=urlencode({**query_of(callback), **forged}))
            )
        )
        result = cli.finish()
    finally:
        cli.stop()
    assert code and len(code) >= 8
    assert result.status in (0, 3), result.stderr
    assert_absent([code], [result.stderr], "the code flow's stderr")
    assert_absent([code], [page.text], "the page the browser was shown")
    if result.status == 0:
        assert_absent([code], [result.stdout], "the code flow's stdout")
